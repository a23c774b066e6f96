"""One small hierarchy of errors; every message names the file or parameter and the bad value.

The CLI turns any :class:`DupcheckError` into one line on stderr and exit code 2.
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


class IndexFormatError(DupcheckError):
    """An index file that is not a dupcheck index, or was built with another fingerprint scheme."""


class SchemeMismatchError(IndexFormatError):
    """The index was built with another fingerprint scheme than this version of dupcheck uses."""

    def __init__(self, path: str, stored: dict, current: dict) -> None:
        self.path = str(path)
        self.stored = stored
        self.current = current
        diff = sorted(k for k in set(stored) | set(current) if stored.get(k) != current.get(k))
        detail = ", ".join(f"{k}: index has {stored.get(k)!r}, dupcheck uses {current.get(k)!r}" for k in diff)
        super().__init__(
            f"{self.path}: index was built with another fingerprint scheme ({detail}); "
            "rebuild it with `dupcheck index --rebuild`"
        )


class ParameterError(DupcheckError, ValueError):
    """A parameter outside its range; the message quotes the value."""
