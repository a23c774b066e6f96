"""The gate's own index: the repository's documents and the configured parent corpora, in one file.

One index, so a copied character is credited to one source as in any report (a sibling
regulation and the national law both copied do not count twice). It lives in the cache folder
(``DUPCHECK_CACHE``/gate, or the ``index`` setting) and is brought up to date incrementally on
every run: repository documents through :meth:`Index.add` (a file whose content hash is
unchanged is not read again) and :meth:`Index.remove`; a corpus is copied in only when its
file (or index) changed, which a small state file beside the index records.

Keys: a repository document by its path relative to the repository root; a corpus document
by ``<corpus name>:<its path in the corpus>``, or by its absolute path for a folder corpus.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from dupcheck.api import Index, find_documents
from dupcheck.errors import DupcheckError
from dupcheck.extract import SUPPORTED_SUFFIXES

CORPUS_FILE_SUFFIXES = (".jsonl", ".xz", ".gz")


def default_index_path(root: Path) -> Path:
    from dupcheck.default import cache_dir

    digest = hashlib.sha256(str(root.resolve()).encode("utf-8")).hexdigest()[:10]
    return cache_dir() / "gate" / f"{root.name}-{digest}.db"


def is_document(path: str) -> bool:
    return Path(path).suffix.lower() in SUPPORTED_SUFFIXES


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _corpus_label(path: Path) -> str:
    return path.name.split(".")[0]


def _corpus_texts(spec: str) -> tuple[str, Callable[[], Iterator[tuple[str, str, str | None]]] | None, Path | None]:
    """(digest, a function giving the items, or for a folder corpus: None and the folder)."""
    if spec == "default":
        from dupcheck.default import default_corpus_path

        path = default_corpus_path()
    else:
        path = Path(spec)
    if not path.exists():
        raise DupcheckError(f"corpus {spec}: no such file or folder (see corpora in [tool.dupcheck])")
    if path.is_dir():
        return "", None, path
    label = _corpus_label(path)
    if path.name.endswith(CORPUS_FILE_SUFFIXES):
        from dupcheck.corpus import corpus_items

        return _digest(path), lambda: ((f"{label}:{k}", t, title) for k, t, title in corpus_items(path)), None
    # Another dupcheck index: its stored texts.
    with Index.open(path, create=False, name=label) as other:
        digest = hashlib.sha256(json.dumps([(r.path, r.sha256) for r in other.documents()]).encode()).hexdigest()

    def items() -> Iterator[tuple[str, str, str | None]]:
        with Index.open(path, create=False, name=label) as other:
            for r in other.documents():
                yield f"{label}:{r.path}", other.store.text(r.id), r.title

    return digest, items, None


class RepoIndex:
    """Opens and updates the gate's index for a repository."""

    def __init__(self, root: Path, index_path: Path) -> None:
        self.root = root
        self.path = index_path
        self.state_path = index_path.with_name(index_path.name + ".state.json")
        self.skipped: tuple = ()  # repository documents that could not be read, from the last open

    def _state(self) -> dict:
        try:
            return json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def open(self, *, corpora: tuple[str, ...], documents: list[str] | None, progress=None) -> Index:
        """The index, updated: ``corpora`` copied in, ``documents`` (repository-relative; ``None``
        = no repository documents) added, every other repository document removed."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        index = Index.open(self.path, name=self.root.name)
        try:
            state = self._state()
            new_state: dict = {}
            for spec in corpora:
                new_state[spec] = self._sync_corpus(index, spec, state.get(spec), progress)
            for spec, old in state.items():
                if spec not in new_state:
                    index.remove(old.get("keys", []))
            partial = self.state_path.with_name(self.state_path.name + ".partial")
            partial.write_text(json.dumps(new_state, ensure_ascii=False), encoding="utf-8")
            partial.replace(self.state_path)
            corpus_keys = {k for s in new_state.values() for k in s["keys"]}
            wanted = set(documents or ())
            stale = [d.path for d in index.documents() if d.path not in corpus_keys and d.path not in wanted]
            index.remove(stale)
            if documents:
                with contextlib.chdir(self.root):
                    result = index.add(sorted(wanted), progress=progress)
                self.skipped = result.skipped
            else:
                self.skipped = ()
        except BaseException:
            index.close()
            raise
        return index

    def _sync_corpus(self, index: Index, spec: str, old: dict | None, progress) -> dict:
        digest, items, folder = _corpus_texts(spec)
        if folder is not None:
            paths = [str(p.resolve()) for p in find_documents(folder)]
            stale = [k for k in (old or {}).get("keys", []) if k not in set(paths)]
            index.remove(stale)
            result = index.add(paths, progress=progress)
            return {"digest": "", "keys": sorted(set(paths) - {s.path for s in result.skipped})}
        if old and old.get("digest") == digest:
            return old
        assert items is not None  # not a folder: a corpus file or another index
        result = index.add_texts(items(), progress=progress)
        keys = sorted(set(result.added) | set(result.updated) | set(result.unchanged))
        index.remove(sorted(set((old or {}).get("keys", [])) - set(keys)))
        return {"digest": digest, "keys": keys}


def repository_documents(root: Path, tracked: list[str], skipped) -> list[str]:
    """Tracked documents present in the work tree, minus the skipped ones."""
    return [p for p in tracked if is_document(p) and not skipped(p) and (root / p).is_file()]


__all__ = ["RepoIndex", "default_index_path", "is_document", "repository_documents"]
