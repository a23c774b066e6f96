"""One process-pool helper for every batch stage (indexing, audit screens and alignment, benchmarks).

:func:`imap` yields ``fn(item, shared)`` for each item, in order. ``shared`` is handed to every
worker once, when the pool starts: with the ``fork`` start method (Linux) the workers inherit it
copy-on-write, so large read-only inputs (texts, prepared sources) are never pickled; elsewhere it
is pickled once per worker. Small batches and ``workers <= 1`` run in this process. ``fn`` must be
a top-level (picklable) function.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

_SHARED: Any = None  # set in each worker by _start


def _start(shared: Any) -> None:
    global _SHARED
    from dupcheck.safety import worker_init

    worker_init()  # dies with the parent, never holds the caller's pipes
    _SHARED = shared


def _run(task: tuple[Callable, list]) -> list:
    fn, chunk = task
    return [fn(item, _SHARED) for item in chunk]


def default_workers() -> int:
    return min(os.cpu_count() or 1, 8)


def imap(
    fn: Callable[[Any, Any], Any],
    items: Sequence,
    *,
    shared: Any = None,
    workers: int | None = None,
    chunksize: int = 16,
    serial_below: int = 64,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator:
    """``fn(item, shared)`` for each of ``items``, in order, from worker processes when it pays off."""
    total = len(items)
    if progress:
        progress(0, total)
    workers = default_workers() if workers is None else workers
    if workers <= 1 or total < serial_below:
        for n, item in enumerate(items, 1):
            yield fn(item, shared)
            if progress:
                progress(n, total)
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    context = multiprocessing.get_context(method)
    chunks = [(fn, list(items[k : k + chunksize])) for k in range(0, total, chunksize)]
    done = 0
    with context.Pool(workers, initializer=_start, initargs=(shared,)) as pool:
        for part in pool.imap(_run, chunks):
            yield from part
            done += len(part)
            if progress:
                progress(done, total)
