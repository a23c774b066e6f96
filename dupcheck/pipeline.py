"""The per-document kernel of indexing, a top-level picklable function.

``document_features`` is what indexing runs for each document (in a process pool, or in a Spark
``mapPartitions``): matching key, winnowed fingerprints and bigram counts, as plain arrays. How
they are packed into the index is the store's business (:meth:`dupcheck.store.PackedDocument.of`).
What checking runs for a draft against its sources is :func:`dupcheck.credit.find_passages`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from dupcheck.fingerprint import Scheme, bigram_features, fingerprints
from dupcheck.matchkey import match_key_with_spans
from dupcheck.normalize import codepoints


@dataclass(frozen=True, eq=False)
class DocumentFeatures:
    """What indexing computes for one document (uncompressed)."""

    path: str
    title: str
    sha256: str
    text: str
    key_chars: int
    fingerprints: np.ndarray  # uint32, winnowed, sorted, distinct
    bigram_ids: np.ndarray  # uint32, sorted
    bigram_counts: np.ndarray  # uint32
    mask_spans: np.ndarray  # int32 (n, 3): matchkey.mask_spans of the normalized text, kept for checks


def title_of(text: str, fallback: str) -> str:
    """The first non-empty line, without Markdown heading marks, at most 80 characters."""
    for line in text.split("\n"):
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:80]
    return fallback


def document_features(
    path: str, text: str, scheme: Scheme, title: str | None = None, sha256: str | None = None
) -> DocumentFeatures:
    key, spans = match_key_with_spans(text)
    codes = codepoints(key.text)
    ids, counts = bigram_features(codes, scheme)
    return DocumentFeatures(
        path=path,
        title=title or title_of(text, path),
        sha256=sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest(),
        text=text,
        key_chars=len(key),
        fingerprints=fingerprints(codes, scheme),
        bigram_ids=ids,
        bigram_counts=counts,
        mask_spans=spans,
    )
