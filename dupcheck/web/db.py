"""The web application's own SQLite file (``web.db`` in the data folder): users and their login
sessions, check history, the libraries an admin created and the last update of each.

- WAL mode and ``synchronous=FULL``: every history row is committed on its own as soon as its
  check finishes, so a server killed mid-batch keeps every report it already wrote.
- One connection per thread (sqlite3 connections are not shared between threads here).
- Stored reports are kept exactly as rendered (HTML, JSON, annotated .docx, zlib-compressed):
  a past report re-opens as it was, it is never re-checked.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'clerk')),
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS libraries (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    file TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS library_updates (
    id INTEGER PRIMARY KEY,
    library TEXT NOT NULL,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS checks (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    library TEXT NOT NULL,
    library_docs INTEGER,
    library_generation INTEGER,
    threshold REAL NOT NULL,
    copy_rate REAL,
    copy_rate_excluding_quotes REAL,
    max_source_rate REAL,
    flagged INTEGER,
    top_source TEXT,
    error TEXT,
    html BLOB,
    json BLOB,
    docx BLOB
);
CREATE INDEX IF NOT EXISTS checks_user ON checks (user, id);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""


def now() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True)
class User:
    name: str
    password_hash: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class CheckRow:
    """One line of the history (without the stored report bodies)."""

    id: int
    at: str
    user: str
    file_name: str
    sha256: str
    size: int
    library: str
    library_docs: int | None
    library_generation: int | None
    threshold: float
    copy_rate: float | None
    copy_rate_excluding_quotes: float | None
    max_source_rate: float | None
    flagged: bool | None
    top_source: str | None
    error: str | None
    has_report: bool


_ROW_COLUMNS = (
    "id, at, user, file_name, sha256, size, library, library_docs, library_generation, threshold, "
    "copy_rate, copy_rate_excluding_quotes, max_source_rate, flagged, top_source, error, html IS NOT NULL"
)


def _check_row(r: tuple) -> CheckRow:
    values = list(r)
    values[13] = None if values[13] is None else bool(values[13])
    values[16] = bool(values[16])
    return CheckRow(*values)


class AppDB:
    """Access to ``web.db``; safe to use from any thread."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._conn().executescript(SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- users
    def user(self, name: str) -> User | None:
        r = self._conn().execute("SELECT name, password_hash, role FROM users WHERE name=?", (name,)).fetchone()
        return User(*r) if r else None

    def users(self) -> list[User]:
        return [User(*r) for r in self._conn().execute("SELECT name, password_hash, role FROM users ORDER BY name")]

    def has_users(self) -> bool:
        return self._conn().execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def set_user(self, name: str, password_hash: str, role: str) -> bool:
        """Create the user or replace their password and role; True when the user is new."""
        with self.transaction() as conn:
            new = conn.execute("SELECT 1 FROM users WHERE name=?", (name,)).fetchone() is None
            conn.execute(
                "INSERT INTO users VALUES (?,?,?,?) ON CONFLICT(name) DO UPDATE SET "
                "password_hash=excluded.password_hash, role=excluded.role",
                (name, password_hash, role, now()),
            )
            conn.execute("DELETE FROM sessions WHERE user=?", (name,))  # a reset password logs them out
        return new

    # -- login sessions: the signed cookie names one; logging out (or a new password) ends it
    def open_session(self, user: str) -> str:
        sid = secrets.token_urlsafe(32)
        with self.transaction() as conn:
            conn.execute("INSERT INTO sessions VALUES (?,?,?)", (sid, user, now()))
        return sid

    def session_user(self, sid: str) -> str | None:
        r = self._conn().execute("SELECT user FROM sessions WHERE id=?", (sid,)).fetchone()
        return r[0] if r else None

    def close_session(self, sid: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE id=?", (sid,))

    # -- libraries an admin created
    def libraries(self) -> list[tuple[int, str, str]]:
        return list(self._conn().execute("SELECT id, name, file FROM libraries ORDER BY id"))

    def add_library(self, name: str, file: str, user: str) -> int:
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO libraries (name, file, created_at, created_by) VALUES (?,?,?,?)", (name, file, now(), user)
            )
            assert cur.lastrowid is not None  # an INSERT sets it
            return cur.lastrowid

    def record_update(self, library: str, user: str, summary: dict) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO library_updates (library, at, user, summary) VALUES (?,?,?,?)",
                (library, now(), user, json.dumps(summary, ensure_ascii=False)),
            )

    def last_update(self, library: str) -> tuple[str, str, dict] | None:
        r = (
            self._conn()
            .execute(
                "SELECT at, user, summary FROM library_updates WHERE library=? ORDER BY id DESC LIMIT 1", (library,)
            )
            .fetchone()
        )
        return (r[0], r[1], json.loads(r[2])) if r else None

    # -- history
    def add_check(
        self,
        *,
        user: str,
        file_name: str,
        sha256: str,
        size: int,
        library: str,
        library_docs: int | None,
        library_generation: int | None,
        threshold: float,
        report=None,
        error: str | None = None,
        html: str | None = None,
        json_text: str | None = None,
        docx: bytes | None = None,
    ) -> int:
        """Record one checked file (its report, or the reason it could not be read) in one transaction."""
        values: tuple[Any, ...] = (None, None, None, None, None)
        if report is not None:
            top = report.sources[0].title if report.sources else None
            values = (
                report.copy_rate,
                report.copy_rate_excluding_quotes,
                report.max_source_rate,
                int(report.flagged),
                top,
            )
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO checks (at, user, file_name, sha256, size, library, library_docs, library_generation, "
                "threshold, copy_rate, copy_rate_excluding_quotes, max_source_rate, flagged, top_source, error, "
                "html, json, docx) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    now(),
                    user,
                    file_name,
                    sha256,
                    size,
                    library,
                    library_docs,
                    library_generation,
                    threshold,
                    *values,
                    error,
                    _pack(html),
                    _pack(json_text),
                    _pack(docx),
                ),
            )
            assert cur.lastrowid is not None  # an INSERT sets it
            return cur.lastrowid

    def check(self, check_id: int) -> CheckRow | None:
        r = self._conn().execute(f"SELECT {_ROW_COLUMNS} FROM checks WHERE id=?", (check_id,)).fetchone()
        return _check_row(r) if r else None

    def stored(self, check_id: int, what: str) -> bytes | None:
        """The stored ``html``, ``json`` or ``docx`` of a check, as bytes."""
        if what not in ("html", "json", "docx"):
            raise ValueError(what)
        r = self._conn().execute(f"SELECT {what} FROM checks WHERE id=?", (check_id,)).fetchone()
        return zlib.decompress(r[0]) if r and r[0] is not None else None

    def forget_report(self, check_id: int) -> None:
        """Delete a stored report (the history line with its figures stays)."""
        with self.transaction() as conn:
            conn.execute("UPDATE checks SET html=NULL, json=NULL, docx=NULL WHERE id=?", (check_id,))

    def history(
        self, *, user: str | None, query: str = "", limit: int = 50, offset: int = 0
    ) -> tuple[list[CheckRow], int]:
        """Newest first; ``user=None`` is every user's (an admin's view); ``query`` matches file
        name, SHA-256, library, top source or user."""
        where, args = [], []
        if user is not None:
            where.append("user = ?")
            args.append(user)
        if query:
            like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(
                "(file_name LIKE ? ESCAPE '\\' OR sha256 LIKE ? ESCAPE '\\' OR library LIKE ? ESCAPE '\\' "
                "OR top_source LIKE ? ESCAPE '\\' OR user LIKE ? ESCAPE '\\')"
            )
            args += [like] * 5
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        conn = self._conn()
        total = conn.execute(f"SELECT COUNT(*) FROM checks {clause}", args).fetchone()[0]
        rows = conn.execute(
            f"SELECT {_ROW_COLUMNS} FROM checks {clause} ORDER BY id DESC LIMIT ? OFFSET ?", [*args, limit, offset]
        )
        return [_check_row(r) for r in rows], int(total)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _pack(value: str | bytes | None) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.encode("utf-8")
    return zlib.compress(value, 6)
