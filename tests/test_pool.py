import os

from dupcheck import pool

_SEEN: list[int] = []  # per process: the items this process ran


def _remember(item: int, shared: int) -> tuple[int, int, int]:
    _SEEN.append(item)
    return item * shared, os.getpid(), len(_SEEN)


def test_imap_keeps_order_and_runs_small_batches_here():
    out = list(pool.imap(_remember, list(range(200)), shared=3, workers=2, chunksize=7))
    assert [x for x, _, _ in out] == [3 * i for i in range(200)]
    assert os.getpid() not in {p for _, p, _ in out}  # a batch this large goes to the workers
    small = list(pool.imap(_remember, [1, 2], shared=3, workers=2))
    assert [p for _, p, _ in small] == [os.getpid()] * 2


def test_workers_outlive_a_batch():
    # The audit's workers keep prepared sources between best-first rounds: the second batch runs in
    # the processes the first started (imap forks new ones each time).
    with pool.Workers(shared=1, workers=2) as workers:
        first = list(workers.imap(_remember, list(range(100)), chunksize=5))
        started = {p.pid for p in workers._pool._pool}  # multiprocessing.Pool's worker processes
        second = list(workers.imap(_remember, list(range(100)), chunksize=5))
        assert {p.pid for p in workers._pool._pool} == started
    assert {p for _, p, _ in first} | {p for _, p, _ in second} <= started
    assert os.getpid() not in started and len(started) == 2
    assert [x for x, _, _ in second] == list(range(100))
    assert workers._pool is None  # leaving the block stopped them
