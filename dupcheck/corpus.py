"""Corpus files (compressed JSON lines) and the shipped default corpus.

A corpus file is ``.jsonl`` or ``.jsonl.xz``/``.gz``, one document a line with at least ``path``,
``title`` and ``text`` (``scripts/import_corpus.py`` writes them). The default corpus is the one
in ``corpora/`` beside the package (a source checkout) or named by ``DUPCHECK_CORPUS``; its index
is built on first use into a cache file (``DUPCHECK_CACHE`` or ``~/.cache/dupcheck``) whose name
carries the corpus file's hash and the fingerprint scheme, so a changed corpus or a new scheme
builds a fresh one instead of reading a stale one.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import lzma
import os
import re
from collections.abc import Iterator
from pathlib import Path

from dupcheck.errors import DupcheckError, StoreError
from dupcheck.safety import remove_stale

DEFAULT_CORPUS_NAME = "national-laws.jsonl.xz"


def read_corpus(path: str | os.PathLike) -> Iterator[dict]:
    """Records of a corpus file; a malformed line is an error naming the file and line."""
    path = Path(path)
    opener = lzma.open if path.suffix == ".xz" else gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    record["path"], record["text"]
                except (ValueError, KeyError, TypeError):
                    raise DupcheckError(f"{path}:{n}: 不是语料库记录（应为含 path、title、text 的 JSON）") from None
                yield record
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise DupcheckError(f"{path}: 无法读取语料库文件（{exc}）") from None


def corpus_items(path: str | os.PathLike) -> Iterator[tuple[str, str, str | None]]:
    """A corpus file's records as :meth:`Index.add_texts` takes them: (path, text, title)."""
    return ((r["path"], r["text"], r.get("title")) for r in read_corpus(path))


def default_corpus_path() -> Path:
    env = os.environ.get("DUPCHECK_CORPUS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "corpora" / DEFAULT_CORPUS_NAME


def cache_dir() -> Path:
    env = os.environ.get("DUPCHECK_CACHE")
    if env:
        return Path(env)
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "dupcheck"
    try:
        return Path.home() / ".cache" / "dupcheck"
    except (RuntimeError, KeyError):  # HOME unset and no passwd entry
        raise StoreError("无法确定缓存文件夹（HOME 未设置）；请设置 DUPCHECK_CACHE 为一个可写的文件夹，或用 --db 指定索引") from None


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:12]


def open_default(*, progress=None):
    """Open the default corpus' index, building it into the cache on first use."""
    from dupcheck.api import Index
    from dupcheck.fingerprint import Scheme

    corpus = default_corpus_path()
    if not corpus.exists():
        raise StoreError(f"{corpus}: 找不到默认语料库（请设置 DUPCHECK_CORPUS，或用 --db 指定索引）")
    scheme = hashlib.sha256(json.dumps(Scheme.current().as_dict(), sort_keys=True).encode()).hexdigest()[:8]
    name = corpus.name.split(".")[0]
    target = cache_dir() / f"{name}-{_file_digest(corpus)}-{scheme}.db"
    if target.exists():
        return Index.open(target, create=False, name=name)
    hint = "请设置 DUPCHECK_CACHE 为一个可写的文件夹，或用 --db 指定索引"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{target.parent}: 无法创建缓存文件夹（{exc.strerror or exc}）；{hint}") from None
    if not os.access(target.parent, os.W_OK):
        raise StoreError(f"{target.parent}: 缓存文件夹不可写；{hint}")
    # The leftovers of a killed first build (its process is gone) are removed.
    remove_stale(target.parent, re.compile(re.escape(target.stem) + r"\.(?P<pid>\d+)\.partial(?:-wal|-shm|-journal)?"))
    partial = target.with_suffix(f".{os.getpid()}.partial")
    try:
        with Index.open(partial, name=name) as index:
            index.add_texts(corpus_items(corpus), progress=progress)
        try:
            os.replace(partial, target)  # write-then-rename: a reader never sees a half-built index
        except OSError as exc:
            raise StoreError(f"{target}: 无法写入缓存（{exc.strerror or exc}）；{hint}") from None
    finally:
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)
    return Index.open(target, create=False, name=name)
