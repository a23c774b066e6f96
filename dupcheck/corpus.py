"""Corpus files: compressed JSON lines, one document a line.

A corpus file is ``.jsonl`` or ``.jsonl.xz``/``.gz``, one document a line with at least ``path``,
``title`` and ``text`` (``scripts/import_corpus.py`` writes them). This module only reads them;
the shipped default corpus and its cached index are :mod:`dupcheck.default`.
"""

from __future__ import annotations

import gzip
import json
import lzma
import os
from collections.abc import Iterator
from pathlib import Path

from dupcheck.errors import DupcheckError

CORPUS_SUFFIXES = (".jsonl", ".jsonl.xz", ".jsonl.gz")


def is_corpus_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` names a corpus file (by its suffix), not a document or a folder."""
    name = str(path).lower()
    return name.endswith(CORPUS_SUFFIXES) and Path(path).is_file()


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
                    raise DupcheckError(f"{path}:{n}: 不是语料记录（应为含 path、title、text 的 JSON）") from None
                yield record
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise DupcheckError(f"{path}: 无法读取语料文件（{exc}）") from None


def corpus_items(path: str | os.PathLike) -> Iterator[tuple[str, str, str | None]]:
    """A corpus file's records as :meth:`Index.add_texts` takes them: (path, text, title)."""
    return ((r["path"], r["text"], r.get("title")) for r in read_corpus(path))
