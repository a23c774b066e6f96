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
    # the same processes, which still hold what the first left (imap would fork new ones).
    inherited = len(_SEEN)  # what a newly forked worker would start from
    with pool.Workers(shared=1, workers=2) as workers:
        first = list(workers.imap(_remember, list(range(100)), chunksize=5))
        second = list(workers.imap(_remember, list(range(100)), chunksize=5))
    pids = {p for _, p, _ in first}
    assert {p for _, p, _ in second} <= pids and os.getpid() not in pids
    assert min(n for _, _, n in second) > inherited + 1  # each worker's memory carried over
    assert [x for x, _, _ in second] == list(range(100))
