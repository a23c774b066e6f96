"""The index store: one SQLite file holding documents, their text, fingerprints and TF-IDF counts.

- WAL journal mode: a second process can read (check) while another updates the index.
- Every update is one transaction (``with store.transaction():``): an interrupted run leaves the
  previous index intact, never a half-written one.
- Schema changes are numbered migrations recorded in the ``migrations`` table.
- The fingerprint scheme is stored in ``meta`` and compared with the running code's scheme on
  open (:class:`~dupcheck.errors.SchemeMismatchError` names both).

Arrays are stored as raw little-endian blobs (uint32), compressed with zlib, with their dtype fixed
by the schema version.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from dupcheck.errors import IndexFormatError, SchemeMismatchError

if TYPE_CHECKING:
    from dupcheck.pipeline import DocumentFeatures

APPLICATION_ID = 0x44555043  # "DUPC": marks the file as a dupcheck index

MIGRATIONS = [
    # 1: documents, their features, meta.
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        chars INTEGER NOT NULL,
        key_chars INTEGER NOT NULL,
        added_at TEXT NOT NULL,
        text BLOB NOT NULL
    );
    CREATE TABLE features (
        doc_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        fingerprints BLOB NOT NULL,
        bigram_ids BLOB NOT NULL,
        bigram_counts BLOB NOT NULL
    );
    """,
    # 2: version metadata of documents (dupcheck/versions.py), by path so that re-indexing keeps it.
    """
    CREATE TABLE document_versions (
        path TEXT PRIMARY KEY,
        effective TEXT,
        status TEXT,
        version_of TEXT
    );
    """,
]


def pack(array: np.ndarray, level: int = 1) -> bytes:
    """uint32 little-endian in a zlib stream (level 0 for hashes, which do not compress)."""
    return zlib.compress(np.ascontiguousarray(array, dtype="<u4").tobytes(), level)


def unpack(blob: bytes) -> np.ndarray:
    return np.frombuffer(zlib.decompress(blob), dtype="<u4")


@dataclass(frozen=True)
class DocumentRow:
    id: int
    path: str
    title: str
    sha256: str
    chars: int
    key_chars: int


@dataclass(frozen=True)
class PackedDocument:
    """One document's features packed for storage: the input of :meth:`Store.put`.

    Made in the worker processes (:meth:`of`), compression included, so the parent only writes rows.
    """

    path: str
    title: str
    sha256: str
    chars: int
    key_chars: int
    text_blob: bytes  # zlib of the UTF-8 text
    fingerprints: bytes  # packed uint32, winnowed, sorted, distinct
    bigram_ids: bytes  # packed uint32, sorted
    bigram_counts: bytes  # packed uint32

    @classmethod
    def of(cls, f: "DocumentFeatures") -> "PackedDocument":
        return cls(f.path, f.title, f.sha256, len(f.text), f.key_chars, zlib.compress(f.text.encode("utf-8"), 1),
                   pack(f.fingerprints, level=0), pack(f.bigram_ids), pack(f.bigram_counts))


class Store:
    """A dupcheck index file. Use :meth:`open`; close it (or use it as a context manager)."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: str | Path, scheme: dict, *, create: bool = True) -> "Store":
        path = str(path)
        exists = path != ":memory:" and Path(path).exists()
        if not exists and not create:
            raise IndexFormatError(f"{path}: no such index (build it with `dupcheck index DIR --db {path}`)")
        try:
            conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise IndexFormatError(f"{path}: not a dupcheck index ({exc})") from None
        if tables and app_id != APPLICATION_ID:
            conn.close()
            raise IndexFormatError(f"{path}: not a dupcheck index (an SQLite file of something else)")
        store = cls(conn, path)
        if path != ":memory:":
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        store._migrate()
        stored = store.get_meta("scheme")
        if stored is None:
            with store.transaction():
                store.set_meta("scheme", json.dumps(scheme, sort_keys=True))
        elif json.loads(stored) != scheme:
            conn.close()
            raise SchemeMismatchError(path, json.loads(stored), scheme)
        return store

    def _migrate(self) -> None:
        with self.transaction():
            self.conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
            self.conn.execute("CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
            done = {r[0] for r in self.conn.execute("SELECT version FROM migrations")}
            for version, sql in enumerate(MIGRATIONS, start=1):
                if version in done:
                    continue
                for statement in sql.split(";"):
                    if statement.strip():
                        self.conn.execute(statement)
                self.conn.execute("INSERT INTO migrations VALUES (?, ?)", (version, _now()))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction: all of it lands, or (on any exception, Ctrl-C included) none."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    # -- meta
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value))

    def generation(self) -> int:
        """A counter bumped by every change of the documents (readers use it to refresh caches)."""
        return int(self.get_meta("generation") or 0)

    # -- documents
    def documents(self) -> list[DocumentRow]:
        rows = self.conn.execute("SELECT id, path, title, sha256, chars, key_chars FROM documents ORDER BY id")
        return [DocumentRow(*r) for r in rows]

    def document(self, doc_id: int) -> DocumentRow:
        row = self.conn.execute(
            "SELECT id, path, title, sha256, chars, key_chars FROM documents WHERE id=?", (doc_id,)
        ).fetchone()
        if row is None:
            raise KeyError(doc_id)
        return DocumentRow(*row)

    def text(self, doc_id: int) -> str:
        row = self.conn.execute("SELECT text FROM documents WHERE id=?", (doc_id,)).fetchone()
        if row is None:
            raise KeyError(doc_id)
        return zlib.decompress(row[0]).decode("utf-8")

    def hashes_by_path(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT path, sha256 FROM documents"))

    def put(self, doc: PackedDocument) -> int:
        """Insert or replace a document (by path); call inside :meth:`transaction`."""
        self.remove(doc.path)
        cur = self.conn.execute(
            "INSERT INTO documents (path, title, sha256, chars, key_chars, added_at, text) VALUES (?,?,?,?,?,?,?)",
            (doc.path, doc.title, doc.sha256, doc.chars, doc.key_chars, _now(), doc.text_blob),
        )
        doc_id = cur.lastrowid
        self.conn.execute(
            "INSERT INTO features VALUES (?,?,?,?)",
            (doc_id, doc.fingerprints, doc.bigram_ids, doc.bigram_counts),
        )
        self._bump()
        return doc_id

    def remove(self, path: str) -> bool:
        cur = self.conn.execute("DELETE FROM documents WHERE path=?", (path,))
        if cur.rowcount:
            self._bump()
        return bool(cur.rowcount)

    def _bump(self) -> None:
        self.set_meta("generation", str(self.generation() + 1))

    def features(self) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
        """(doc id, fingerprints, bigram ids, bigram counts) of every document, by id."""
        for doc_id, fp, ids, counts in self.conn.execute(
            "SELECT doc_id, fingerprints, bigram_ids, bigram_counts FROM features ORDER BY doc_id"
        ):
            yield doc_id, unpack(fp), unpack(ids), unpack(counts)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
