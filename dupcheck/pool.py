"""One process-pool helper for every batch stage (indexing, audit screens and alignment, benchmarks).

:func:`imap` yields ``fn(item, shared)`` for each item, in order. ``shared`` is handed to every
worker once, when the pool starts: with the ``fork`` start method (Linux) the workers inherit it
copy-on-write, so large read-only inputs (texts, prepared sources) are never pickled; elsewhere it
is pickled once per worker. Small batches and ``workers <= 1`` run in this process. ``fn`` must be
a top-level (picklable) function. :class:`Workers` keeps one pool for several batches.
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


class Workers:
    """Worker processes kept for several batches over the same ``shared`` data, so that what a
    worker keeps between items (the audit's prepared sources) survives from one batch to the next.
    They start with the first batch that needs them; :meth:`close` (or leaving the ``with``
    block) stops them."""

    def __init__(self, shared: Any = None, workers: int | None = None, serial_below: int = 64) -> None:
        self.shared, self.serial_below = shared, serial_below
        self.workers = default_workers() if workers is None else workers
        self._pool: Any = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def imap(
        self,
        fn: Callable[[Any, Any], Any],
        items: Sequence,
        *,
        chunksize: int = 16,
        progress: Callable[[int, int], None] | None = None,
    ) -> Iterator:
        """``fn(item, shared)`` for each of ``items``, in order; in this process when the batch is small."""
        total = len(items)
        if progress:
            progress(0, total)
        if self.workers <= 1 or total < self.serial_below:
            for n, item in enumerate(items, 1):
                yield fn(item, self.shared)
                if progress:
                    progress(n, total)
            return
        if self._pool is None:
            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
            context = multiprocessing.get_context(method)
            self._pool = context.Pool(self.workers, initializer=_start, initargs=(self.shared,))
        chunks = [(fn, list(items[k : k + chunksize])) for k in range(0, total, chunksize)]
        done = 0
        for part in self._pool.imap(_run, chunks):
            yield from part
            done += len(part)
            if progress:
                progress(done, total)


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
    with Workers(shared, workers, serial_below) as pool:
        yield from pool.imap(fn, items, chunksize=chunksize, progress=progress)
