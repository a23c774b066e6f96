"""The shipped default corpus (package data) and its index, built on first use into a cache file.

The corpus is ``dupcheck/data/national-laws.jsonl.xz`` inside the installed package (or the file
named by ``DUPCHECK_CORPUS``); the example drafts of the README are ``dupcheck/data/examples``.
The index goes into ``DUPCHECK_CACHE`` (default ``~/.cache/dupcheck``) under a name carrying the
corpus file's hash and the fingerprint scheme's digest, so a changed corpus or a new scheme builds
a fresh index instead of reading a stale one. It is built beside its final name and renamed, so a
reader never sees a half-built one.
"""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from dupcheck.align import AlignParams
from dupcheck.errors import StoreError
from dupcheck.fingerprint import Scheme

if TYPE_CHECKING:
    from dupcheck.api import Index, Progress

DEFAULT_CORPUS_NAME = "national-laws.jsonl.xz"
_HINT = "请设置 DUPCHECK_CACHE 为一个可写的文件夹，或用 --db 指定索引"


def _data() -> Path:
    return Path(str(resources.files("dupcheck") / "data"))


def default_corpus_path() -> Path:
    env = os.environ.get("DUPCHECK_CORPUS")
    return Path(env) if env else _data() / DEFAULT_CORPUS_NAME


def example_drafts() -> list[Path]:
    """The example drafts shipped with the package (the README's ``corpora/examples/*.txt``)."""
    return sorted((_data() / "examples").glob("*.txt"))


def cache_dir() -> Path:
    env = os.environ.get("DUPCHECK_CACHE")
    if env:
        return Path(env)
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "dupcheck"
    try:
        return Path.home() / ".cache" / "dupcheck"
    except (RuntimeError, KeyError):  # HOME unset and no passwd entry
        raise StoreError(f"无法确定缓存文件夹（HOME 未设置）；{_HINT}") from None


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:12]


def open_default(
    corpus: str | os.PathLike | None = None,
    *,
    params: AlignParams = AlignParams(),
    progress: Progress | None = None,
    workers: int | None = None,
) -> Index:
    """Open the index of ``corpus`` (default: the shipped corpus), building it into the cache on first use."""
    from dupcheck.api import Index

    corpus = Path(corpus) if corpus is not None else default_corpus_path()
    if not corpus.exists():
        raise StoreError(f"{corpus}: 找不到默认语料库（请设置 DUPCHECK_CORPUS，或用 --db 指定索引）")
    name = corpus.name.split(".")[0]
    target = cache_dir() / f"{name}-{_file_digest(corpus)}-{Scheme.current().digest()}.db"
    if not target.exists():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{target.parent}: 无法创建缓存文件夹（{exc.strerror or exc}）；{_HINT}") from None
        if not os.access(target.parent, os.W_OK):
            raise StoreError(f"{target.parent}: 缓存文件夹不可写；{_HINT}")
        Index.rebuild(target, corpus, progress=progress, workers=workers)
    return Index.open(target, create=False, name=name, params=params)
