"""The index store: one SQLite file holding documents, their text, fingerprints and TF-IDF counts.

- WAL journal mode: a second process can read (check) while another updates the index; opening
  takes no lock unless it must write (a new file, a pending migration), so a reader never waits,
  and a read-only file opens read-only (``mode=ro``). Two writers serialise (:meth:`Store.transaction`).
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
import errno
import json
import os
import sqlite3
import urllib.parse
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from dupcheck.errors import (
    DiskFullError,
    EmptyIndexError,
    IndexFormatError,
    IndexLockedError,
    IndexReadOnlyError,
    OutputError,
    SchemeMismatchError,
    StoreError,
)

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
    # 3: each document's mask spans (matchkey.mask_spans of its normalized text), so that a check
    # builds a source's matching key without masking it again. A document without a row (written
    # before this migration) is masked when it is read.
    """
    CREATE TABLE document_masks (
        doc_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        spans BLOB NOT NULL
    );
    """,
]
# Migrations a reader can do without: a read-only index that lacks them still opens.
READER_OPTIONAL = {3}


def pack(array: np.ndarray, level: int = 1) -> bytes:
    """uint32 little-endian in a zlib stream (level 0 for hashes, which do not compress)."""
    return zlib.compress(np.ascontiguousarray(array, dtype="<u4").tobytes(), level)


def unpack(blob: bytes) -> np.ndarray:
    return np.frombuffer(zlib.decompress(blob), dtype="<u4")


def pack_spans(spans: np.ndarray) -> bytes:
    """Mask spans, an ``(n, 3)`` array of (start, end, mask code point), as packed uint32."""
    return pack(np.asarray(spans, dtype=np.int64).reshape(-1))


def unpack_spans(blob: bytes) -> np.ndarray:
    return unpack(blob).astype(np.int32).reshape(-1, 3)


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
    mask_spans: bytes  # packed uint32, (start, end, mask code point) triples

    @classmethod
    def of(cls, f: DocumentFeatures) -> PackedDocument:
        return cls(
            f.path,
            f.title,
            f.sha256,
            len(f.text),
            f.key_chars,
            zlib.compress(f.text.encode("utf-8"), 1),
            pack(f.fingerprints, level=0),
            pack(f.bigram_ids),
            pack(f.bigram_counts),
            pack_spans(f.mask_spans),
        )


class Store:
    """A dupcheck index file. Use :meth:`open`; close it (or use it as a context manager).

    Opening never takes the write lock unless something must be written (a new file, a pending
    migration, a missing scheme record): a reader (``check``) can open and read while a writer
    (``index``) holds a long write transaction, and a read-only index file can be checked.
    Writers serialise in :meth:`transaction`: the second waits for the lock (``on_wait`` is told
    once) up to ``lock_timeout`` seconds, then :class:`~dupcheck.errors.IndexLockedError`.
    """

    lock_timeout: float = 600.0
    """Seconds a writer waits for another writer (``DUPCHECK_LOCK_TIMEOUT`` overrides)."""

    def __init__(self, conn: sqlite3.Connection, path: str, *, readonly: bool = False) -> None:
        self.conn = conn
        self.path = path
        self.readonly = readonly
        self.on_wait: Callable[[str, float], None] | None = None
        self._has_masks: bool | None = None  # whether the document_masks table is there (migration 3)
        env = os.environ.get("DUPCHECK_LOCK_TIMEOUT")
        if env:
            with contextlib.suppress(ValueError):
                self.lock_timeout = max(0.0, float(env))

    @classmethod
    def open(cls, path: str | Path, scheme: dict, *, create: bool = True) -> Store:
        """Open the index at ``path``; ``create=False``: it must exist (a reader)."""
        path = os.fspath(path)
        memory = path == ":memory:"
        exists = not memory and os.path.lexists(path)
        if not exists and not create:
            raise IndexFormatError(f"{path}: 索引不存在（请先用 `dupcheck index 文件夹 --db {path}` 建立）")
        if exists and os.path.isdir(path):
            raise IndexFormatError(f"{path}: 是文件夹，不是索引文件（--db 应指向一个文件）")
        if exists and not os.access(path, os.R_OK):
            raise StoreError(f"{path}: 无权读取索引文件（请检查文件权限）")
        writable = memory or ((os.access(path, os.W_OK) if exists else True) and _folder_writable(path))
        if not writable and create:
            raise IndexReadOnlyError(f"{path}: 索引文件或其所在文件夹只读，无法写入（请检查权限，或换一个 --db）")
        if not memory and not exists:
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise OutputError(f"{path}: 无法创建索引所在的文件夹（{exc.strerror or exc}）") from None
        conn, tables, app_id = _connect(path, readonly=not writable)
        if not tables and not create:
            conn.close()
            raise EmptyIndexError(f"{path}: 空文件，还不是索引（请先用 `dupcheck index 文件夹 --db {path}` 建立）")
        if tables and app_id != APPLICATION_ID:
            conn.close()
            raise IndexFormatError(f"{path}: 不是 dupcheck 索引（是其他程序的 SQLite 文件）")
        store = cls(conn, path, readonly=not writable)
        try:
            if writable and not memory and conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            pending = store._pending(tables)
            if not writable:
                pending = [v for v in pending if v not in READER_OPTIONAL]
            if pending or store._stored_scheme(tables) is None:
                if not writable:
                    raise IndexReadOnlyError(
                        f"{path}: 索引需要升级，但文件只读（请用可写的副本运行一次 dupcheck index）"
                    )
                store._migrate(scheme)
            stored = store._stored_scheme(store._tables())
        except BaseException as exc:
            conn.close()
            if isinstance(exc, sqlite3.Error):
                raise store_error(exc, path) from None
            raise
        if stored != scheme:
            conn.close()
            raise SchemeMismatchError(path, stored or {}, scheme)
        return store

    def _tables(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    def _pending(self, tables: set[str]) -> list[int]:
        """Migrations not applied yet (a plain read: no lock)."""
        done = (
            set() if "migrations" not in tables else {r[0] for r in self.conn.execute("SELECT version FROM migrations")}
        )
        return [v for v in range(1, len(MIGRATIONS) + 1) if v not in done]

    def _stored_scheme(self, tables: set[str]) -> dict | None:
        if "meta" not in tables:
            return None
        stored = self.get_meta("scheme")
        return json.loads(stored) if stored is not None else None

    def _migrate(self, scheme: dict) -> None:
        """Apply pending migrations and record the scheme, in one write transaction."""
        with self.transaction():
            self.conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            for version in self._pending(self._tables()):  # again, under the lock
                for statement in MIGRATIONS[version - 1].split(";"):
                    if statement.strip():
                        self.conn.execute(statement)
                self.conn.execute("INSERT INTO migrations VALUES (?, ?)", (version, _now()))
            if self.get_meta("scheme") is None:
                self.set_meta("scheme", json.dumps(scheme, sort_keys=True))

    def document_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM documents").fetchone()[0]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction: all of it lands, or (on any exception, Ctrl-C included) none.

        SQLite errors become :class:`~dupcheck.errors.StoreError` s that say what happened (a
        full disk is :class:`~dupcheck.errors.DiskFullError`, never "cannot rollback").
        """
        if self.conn.in_transaction:
            yield
            return
        if self.readonly:
            raise IndexReadOnlyError(f"{self.path}: 索引文件只读，无法写入（请检查权限，或换一个 --db）")
        self._begin()
        try:
            yield
        except BaseException as exc:
            if self.conn.in_transaction:  # SQLite may have rolled back already (disk full)
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error) or _disk_full(exc):
                raise store_error(exc, self.path) from None
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if self.conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
            raise store_error(exc, self.path) from None

    def _begin(self) -> None:
        """BEGIN IMMEDIATE; when another writer holds the lock, tell ``on_wait`` and wait (bounded)."""
        try:
            self.conn.execute("PRAGMA busy_timeout=200")
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise store_error(exc, self.path) from None
            if self.on_wait is not None:
                self.on_wait(self.path, self.lock_timeout)
            self.conn.execute(f"PRAGMA busy_timeout={int(self.lock_timeout * 1000)}")
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if _is_busy(exc):
                    raise IndexLockedError(
                        f"{self.path}: 索引正被另一个进程（另一个 dupcheck index）写入，等待 {self.lock_timeout:g} 秒后仍未结束；"
                        "请等它结束后再运行"
                    ) from None
                raise store_error(exc, self.path) from None
        finally:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute(f"PRAGMA busy_timeout={_BUSY_MS}")

    def close(self) -> None:
        self.conn.close()

    # -- meta
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value)
        )

    def generation(self) -> int:
        """A counter bumped by every change of the documents (readers use it to refresh caches)."""
        return int(self.get_meta("generation") or 0)

    # -- documents
    def documents(self) -> list[DocumentRow]:
        rows = self.conn.execute("SELECT id, path, title, sha256, chars, key_chars FROM documents ORDER BY id")
        return [DocumentRow(r[0], _from_db(r[1]), *r[2:]) for r in rows]

    def document(self, doc_id: int) -> DocumentRow:
        row = self.conn.execute(
            "SELECT id, path, title, sha256, chars, key_chars FROM documents WHERE id=?", (doc_id,)
        ).fetchone()
        if row is None:
            raise KeyError(doc_id)
        return DocumentRow(row[0], _from_db(row[1]), *row[2:])

    def text(self, doc_id: int) -> str:
        row = self.conn.execute("SELECT text FROM documents WHERE id=?", (doc_id,)).fetchone()
        if row is None:
            raise KeyError(doc_id)
        return zlib.decompress(row[0]).decode("utf-8")

    def mask_spans(self, doc_id: int) -> np.ndarray | None:
        """The document's stored mask spans, or None (written before migration 3, or a read-only
        index without it: the caller masks the text itself)."""
        if self._has_masks is None:
            self._has_masks = "document_masks" in self._tables()
        if not self._has_masks:
            return None
        row = self.conn.execute("SELECT spans FROM document_masks WHERE doc_id=?", (doc_id,)).fetchone()
        return None if row is None else unpack_spans(row[0])

    def hashes_by_path(self) -> dict[str, str]:
        return {_from_db(p): h for p, h in self.conn.execute("SELECT path, sha256 FROM documents")}

    def put(self, doc: PackedDocument) -> int:
        """Insert or replace a document (by path); call inside :meth:`transaction`."""
        self.remove(doc.path)
        cur = self.conn.execute(
            "INSERT INTO documents (path, title, sha256, chars, key_chars, added_at, text) VALUES (?,?,?,?,?,?,?)",
            (_to_db(doc.path), _clean(doc.title), doc.sha256, doc.chars, doc.key_chars, _now(), doc.text_blob),
        )
        doc_id = cur.lastrowid
        assert doc_id is not None  # an INSERT always sets it
        self.conn.execute(
            "INSERT INTO features VALUES (?,?,?,?)",
            (doc_id, doc.fingerprints, doc.bigram_ids, doc.bigram_counts),
        )
        self.conn.execute("INSERT INTO document_masks VALUES (?,?)", (doc_id, doc.mask_spans))
        self._bump()
        return doc_id

    def remove(self, path: str) -> bool:
        cur = self.conn.execute("DELETE FROM documents WHERE path=?", (_to_db(path),))
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


_BUSY_MS = 10_000


def _disk_full(exc: BaseException) -> bool:
    from dupcheck.safety import is_disk_full

    return is_disk_full(exc)


def _to_db(path: str) -> str | bytes:
    """A path as stored: itself, or its file-system bytes when it is not valid UTF-8 (a name that
    ``os.fsdecode`` kept as surrogates; SQLite text must be UTF-8). Reversible: :func:`_from_db`."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path)


def _clean(title: str) -> str:
    from dupcheck.safety import display

    return display(title)


def _from_db(value: str | bytes) -> str:
    return os.fsdecode(value) if isinstance(value, bytes) else value


def _folder_writable(path: str) -> bool:
    folder = Path(path).parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return os.access(folder, os.W_OK)


def _connect(path: str, *, readonly: bool) -> tuple[sqlite3.Connection, set[str], int]:
    """A connection, the tables and the application id; read-only files open with ``mode=ro``
    (``immutable=1`` when even the -shm file cannot be made: nobody can write that file)."""
    attempts: list[tuple[str, bool]] = [(path, False)]
    if readonly:
        file_uri = "file:" + urllib.parse.quote(os.path.abspath(path))
        attempts = [(file_uri + "?mode=ro", True), (file_uri + "?immutable=1", True)]
    last: sqlite3.Error | None = None
    for target, is_uri in attempts:
        try:
            conn = sqlite3.connect(
                target, timeout=_BUSY_MS / 1000, isolation_level=None, check_same_thread=False, uri=is_uri
            )
        except sqlite3.Error as exc:
            last = exc
            continue
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            return conn, tables, app_id
        except sqlite3.Error as exc:
            conn.close()
            last = exc
            if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
                raise store_error(exc, path) from None
            if not isinstance(exc, sqlite3.OperationalError) or "unable to open" not in str(exc):
                break
    if isinstance(last, sqlite3.OperationalError) and "unable to open" in str(last):
        raise StoreError(f"{path}: 无法打开索引文件（{last}）") from None
    raise IndexFormatError(f"{path}: 不是 dupcheck 索引（{last}）") from None


def _is_busy(exc: sqlite3.Error) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def store_error(exc: BaseException, path: str) -> StoreError:
    """The :class:`StoreError` that says in a clerk's words what an SQLite/OS error means."""
    if _disk_full(exc):
        return DiskFullError(f"磁盘已满：{path} 无法写入（索引保持原样）；请腾出磁盘空间后重试")
    text = str(exc)
    if "readonly" in text or "read-only" in text or (isinstance(exc, OSError) and exc.errno == errno.EROFS):
        return IndexReadOnlyError(f"{path}: 索引文件只读，无法写入（请检查权限，或换一个 --db）")
    if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
        return IndexLockedError(f"{path}: 索引正被另一个进程占用（{text}）；请稍后再试")
    if (
        "malformed" in text
        or "not a database" in text
        or (isinstance(exc, sqlite3.DatabaseError) and "corrupt" in text)
    ):
        return IndexFormatError(
            f"{path}: 索引文件已损坏（{text}）；请用 `dupcheck index 文件夹 --db {path} --rebuild` 重建"
        )
    if isinstance(exc, OSError):
        return StoreError(f"{path}: 读写索引失败（{exc.strerror or exc}）")
    return StoreError(f"{path}: 读写索引失败（{text}）")


def classify(path: str | os.PathLike) -> str:
    """What a file at ``path`` is, from its header: ``"missing"``, ``"empty"`` (0 bytes),
    ``"dupcheck"`` (an SQLite file marked as a dupcheck index), ``"sqlite"`` (any other SQLite
    file) or ``"other"``. ``--rebuild`` replaces only the first three."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "other"
    if not head:
        return "empty"
    if not head.startswith(b"SQLite format 3\x00") or len(head) < 72:
        return "other"
    return "dupcheck" if int.from_bytes(head[68:72], "big") == APPLICATION_ID else "sqlite"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
