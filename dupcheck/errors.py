"""One small hierarchy of errors; every message names the file or parameter and the bad value.

Messages are in Chinese: they are what a clerk reads. The CLI turns them into one line on stderr
and an exit code that is never the verdict's (README, "exit codes"):

- :class:`InputError`, :class:`ParameterError`, :class:`OutputError` and other
  :class:`DupcheckError` — exit 2 (a draft, an option or an output path);
- :class:`StoreError` and its subclasses (the index cannot be opened, read or written: not an
  index, another scheme, empty, locked, read-only, disk full) — exit 3.
"""

from __future__ import annotations


class DupcheckError(Exception):
    """Base class of every error dupcheck raises on purpose."""


class InputError(DupcheckError):
    """A document that cannot be read: missing, empty, encrypted, corrupt, binary, no text layer."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ParameterError(DupcheckError, ValueError):
    """A parameter outside its range; the message quotes the value."""


class OutputError(DupcheckError):
    """A report cannot be written where it was asked to go (missing folder, a folder, read-only…)."""


class StoreError(DupcheckError):
    """The index (or the cache folder holding it) cannot be opened, read or written."""


class IndexFormatError(StoreError):
    """An index file that is not a dupcheck index, or was built with another fingerprint scheme."""


class SchemeMismatchError(IndexFormatError):
    """The index was built with another fingerprint scheme than this version of dupcheck uses."""

    def __init__(self, path: str, stored: dict, current: dict) -> None:
        self.path = str(path)
        self.stored = stored
        self.current = current
        diff = sorted(k for k in set(stored) | set(current) if stored.get(k) != current.get(k))
        detail = "，".join(f"{k}: 索引为 {stored.get(k)!r}，本版本为 {current.get(k)!r}" for k in diff)
        super().__init__(
            f"{self.path}: 索引是用另一种指纹方案建立的（{detail}）；"
            f"请用 `dupcheck index 文件夹 --db {self.path} --rebuild` 重建"
        )


class EmptyIndexError(StoreError):
    """An index with no documents: checking against it would pass every draft at 0%."""


class IndexLockedError(StoreError):
    """Another process has been writing the index for longer than the wait allows."""


class IndexReadOnlyError(StoreError):
    """The index must be written (an update, a migration) but the file or its folder is read-only."""


class DiskFullError(StoreError):
    """The disk (or quota) is full; the index is left as it was."""
