"""The parent libraries a clerk checks against: named dupcheck indexes (``dupcheck.api.Index``).

- the built-in one: the shipped default corpus (国家法律法规, read-only here: it is rebuilt from
  the corpus file) or the index given with ``serve --db`` (editable);
- the ones an admin creates: each an SQLite index file under ``<data>/libraries/`` with a
  random file name (the library's name is only stored in ``web.db``).

Every thread keeps its own open :class:`Index` per library (an SQLite connection and the
retriever cache are not shared between threads). Updates go through ``Index.add_texts`` /
``Index.remove``: one transaction each, in WAL mode, so a check reading the library while an
update runs still answers (it sees the library as it was before the update), and a killed
server leaves the previous library intact. One lock per library serialises the writers.
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from dupcheck.api import Index
from dupcheck.web.db import AppDB

DEFAULT_LIBRARY_NAME = "国家法律法规"
_NAME = re.compile(r"^[^\x00-\x1f<>/\\]{1,40}$")


@dataclass(frozen=True)
class Library:
    id: str  # used in URLs: "main" or "l<number>"
    name: str
    path: str
    editable: bool


class Libraries:
    def __init__(self, db: AppDB, folder: Path, builtin: Library) -> None:
        self.db = db
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.builtin = builtin
        self._local = threading.local()
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    @classmethod
    def create(cls, db: AppDB, folder: Path, *, db_path: str | None, db_name: str | None = None) -> Libraries:
        """With ``db_path`` that index is the built-in library; else the shipped corpus (its index is
        built into the cache on first use, here at start-up rather than in a clerk's first check)."""
        if db_path:
            with Index.open(db_path, create=True):
                pass
            builtin = Library("main", db_name or Path(db_path).stem, str(Path(db_path).resolve()), True)
        else:
            with Index.default() as index:
                path = index.store.path
            builtin = Library("main", db_name or DEFAULT_LIBRARY_NAME, str(path), False)
        return cls(db, folder, builtin)

    def all(self) -> list[Library]:
        made = [Library(f"l{i}", name, str(self.folder / file), True) for i, name, file in self.db.libraries()]
        return [self.builtin, *made]

    def get(self, library_id: str) -> Library | None:
        for lib in self.all():
            if lib.id == library_id:
                return lib
        return None

    def by_name(self, name: str) -> Library | None:
        return next((lib for lib in self.all() if lib.name == name), None)

    def new(self, name: str, user: str) -> Library:
        """Create an empty library; ``ValueError`` (a Chinese message) for a bad or taken name."""
        name = name.strip()
        if not _NAME.match(name):
            raise ValueError("库名须为 1–40 个字符，不含 / \\ < > 和控制字符")
        if self.by_name(name):
            raise ValueError(f"已有名为“{name}”的文档库")
        file = f"lib-{secrets.token_hex(8)}.db"
        with Index.open(self.folder / file, create=True):
            pass
        lib_id = self.db.add_library(name, file, user)
        return Library(f"l{lib_id}", name, str(self.folder / file), True)

    def index(self, lib: Library) -> Index:
        """This thread's open index of ``lib``."""
        cache = getattr(self._local, "indexes", None)
        if cache is None:
            cache = self._local.indexes = {}
        index = cache.get(lib.path)
        if index is None:
            index = cache[lib.path] = Index.open(lib.path, create=False, name=lib.name)
        return index

    def write_lock(self, lib: Library) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(lib.path, threading.Lock())

    def state(self, lib: Library) -> tuple[int, int]:
        """(number of documents, generation): what a history line records about the library."""
        store = self.index(lib).store
        count = store.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        return int(count), store.generation()


def added_at(index: Index) -> dict[str, str]:
    """When each document was added (path -> ISO time): a column of the store that
    ``Index.documents()`` does not return, read here and nowhere else."""
    return dict(index.store.conn.execute("SELECT path, added_at FROM documents"))
