"""Process and file-system safety: worker processes that die with their parent, stale leftovers of
killed runs, file names that are not valid UTF-8, and the errors of a full disk.

Nothing here reads a document; the pipeline stages never import this module.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "Terminated",
    "clean_text",
    "display",
    "install_sigterm",
    "is_disk_full",
    "pid_alive",
    "remove_stale",
    "restore_sigterm",
    "worker_init",
    "worker_pool",
]


# -- text and names
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` with every lone surrogate (from a bad decoder upstream) replaced by U+FFFD.

    One code point for one code point, so offsets into the result are offsets into the input.
    """
    return _SURROGATE.sub("\ufffd", text)


def display(path: str | os.PathLike) -> str:
    """A file name as a clerk can read it (and any UTF-8 stream can carry it).

    A name that is not valid UTF-8 (bytes kept by ``os.fsdecode`` as surrogates) is shown as
    GB18030 when its bytes are valid GB18030 (names from a Windows share or a zip made on Chinese
    Windows), else with the bad bytes as ``\\xNN``. Use it only for printing: open the real path.
    """
    name = os.fspath(path)
    raw: bytes | None
    if isinstance(name, bytes):
        raw = name
    else:
        try:
            name.encode("utf-8")
            return name
        except UnicodeEncodeError:
            raw = name.encode("utf-8", "surrogateescape") if _only_escapes(name) else None
            if raw is None:
                return clean_text(name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")


def _only_escapes(name: str) -> bool:
    """True when every surrogate in ``name`` is an ``os.fsdecode`` escape (U+DC80..U+DCFF)."""
    return all(not ("\ud800" <= ch <= "\udfff") or "\udc80" <= ch <= "\udcff" for ch in name)


# -- processes
class Terminated(BaseException):
    """Raised in the main thread on SIGTERM, so transactions roll back and worker pools shut down."""


def install_sigterm() -> None:
    """Turn SIGTERM into :class:`Terminated` (main thread only; a no-op elsewhere)."""

    def handler(signum, frame):
        raise Terminated()

    with contextlib.suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGTERM, handler)


def restore_sigterm() -> None:
    """SIGTERM back to its default, once the work is done: one arriving while the interpreter shuts
    down (joining threads) would otherwise raise :class:`Terminated` where nothing catches it."""
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


_PR_SET_PDEATHSIG = 1


def worker_init() -> None:
    """Initializer of every worker process.

    - on Linux, ``PR_SET_PDEATHSIG``: the kernel kills the worker when its parent dies, even by
      ``kill -9``, so no worker outlives a killed run;
    - stdin and stdout on ``/dev/null``: a worker never holds the caller's pipes (a script
      reading dupcheck's output sees its end when dupcheck ends); results go back through the
      pool's own pipe;
    - SIGINT ignored and SIGTERM default: Ctrl-C and SIGTERM are handled by the parent, which
      shuts the pool down.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.close(null)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def worker_pool(workers: int) -> Iterator:
    """A :class:`ProcessPoolExecutor` whose workers die with the parent and are killed, not waited
    for, when the parent is interrupted (Ctrl-C, SIGTERM, an error)."""
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, initializer=worker_init)
    try:
        yield pool
    except BaseException:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for p in processes:
            with contextlib.suppress(Exception):
                p.kill()
        for p in processes:
            with contextlib.suppress(Exception):
                p.join(5)
        raise
    pool.shutdown(wait=True)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (a stale leftover's writer is not)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, belongs to someone else
    return True


def remove_stale(folder: str | os.PathLike, pattern: re.Pattern[str]) -> list[Path]:
    """Remove files in ``folder`` whose name matches ``pattern`` (group ``pid``) when that process is
    gone: the temporary files (and their -wal/-shm) of a killed run. Returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = pattern.fullmatch(entry.name)
        if not m:
            continue
        pid = int(m.group("pid"))
        if pid == os.getpid() or pid_alive(pid):
            continue  # ours, or a run still going
        with contextlib.suppress(OSError):
            if entry.is_file() and not entry.is_symlink():
                entry.unlink()
                removed.append(entry)
    return removed


# -- errors
def is_disk_full(exc: BaseException) -> bool:
    """True for SQLite's 'database or disk is full' and for ENOSPC/EDQUOT."""
    if isinstance(exc, sqlite3.Error):
        return getattr(exc, "sqlite_errorcode", None) == 13 or "disk is full" in str(exc)
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return False


def run_program(cmd: list[str], timeout: float, cwd: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run an external program (LibreOffice, antiword, Tesseract, pdftoppm) in a process group of
    its own, with no stdin; on a timeout or any interruption the whole group is killed (soffice
    forks), so no converter outlives the check. Raises ``subprocess.TimeoutExpired`` on a timeout."""
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=env,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)
