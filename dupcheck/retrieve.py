"""Candidate retrieval: which indexed documents a draft may copy, before any alignment.

Two channels, both over the same masked key:

- **Containment of fingerprints** (the main one). The winnowed fingerprints of every document
  form one sorted posting table (numpy); a draft's k-gram hashes are looked up with
  ``searchsorted`` and each document scores the number of draft positions it explains.
  Containment, not Jaccard: a draft that copies three articles of a long law has a tiny Jaccard
  similarity with it but a high containment. Fingerprints found in very many documents
  (boilerplate) do not vote.
- **TF-IDF cosine over character bigrams**. Dense character edits destroy k-grams but few
  bigrams; this channel brings in sources whose copied text was edited too heavily to share
  fingerprints. The weighting is exactly scikit-learn's ``TfidfTransformer(sublinear_tf=True)``
  (smooth idf, l2 norm) — the tests hold the two equal — computed with scipy from the bigram
  counts that are loaded anyway. Importing scikit-learn costs 0.7–1.5 s here, a third of the 3 s
  budget of a ``dupcheck check`` process and most of the 2 s budget of a one-file re-index, and
  the idf is derived state that a fit stored in the index would have to keep in step.

Every candidate is then aligned (:mod:`dupcheck.align`), and sources are finally ranked by the
characters of the draft they explain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from dupcheck.fingerprint import Scheme, bigram_features, gather, kgram_hashes


@dataclass(frozen=True)
class Candidate:
    doc_id: int
    containment: float  # share of the draft's k-gram positions with a fingerprint of this document
    cosine: float  # TF-IDF cosine similarity


class Retriever:
    """In-memory retrieval structures built from an index's stored features."""

    def __init__(
        self,
        doc_ids: np.ndarray,
        hashes: np.ndarray,
        owners: np.ndarray,
        tfidf: sp.csc_matrix | None,
        idf: np.ndarray | None,
        scheme: Scheme,
        *,
        max_df: int,
    ) -> None:
        self.doc_ids = doc_ids  # row → document id
        self.hashes = hashes  # sorted uint32 fingerprints
        self.owners = owners  # row of the document owning each fingerprint
        self.tfidf = tfidf  # documents × bigram features, by column: a query reads only its own columns
        self.idf = idf
        self.scheme = scheme
        self.max_df = max_df

    @classmethod
    def build(cls, features, scheme: Scheme) -> Retriever:
        """``features``: iterable of (doc id, fingerprints, bigram ids, bigram counts)."""
        doc_ids, fps, ids, counts, indptr = [], [], [], [], [0]
        for row, (doc_id, fp, b_ids, b_counts) in enumerate(features):
            doc_ids.append(doc_id)
            # (hash, row) in one uint64, so that one plain sort orders the posting table.
            fps.append((fp.astype(np.uint64) << np.uint64(32)) | np.uint64(row))
            ids.append(b_ids)
            counts.append(b_counts)
            indptr.append(indptr[-1] + len(b_ids))
        n = len(doc_ids)
        if n == 0:
            empty = np.zeros(0, dtype=np.uint32)
            return cls(np.zeros(0, dtype=np.int64), empty, np.zeros(0, dtype=np.int32), None, None, scheme, max_df=1)
        postings = np.sort(np.concatenate(fps))
        hashes = (postings >> np.uint64(32)).astype(np.uint32)
        owner = (postings & np.uint64(0xFFFFFFFF)).astype(np.int32)
        matrix = sp.csr_matrix(
            (
                np.concatenate(counts).astype(np.float32),
                np.concatenate(ids).astype(np.int32),
                np.array(indptr, dtype=np.int64),
            ),
            shape=(n, scheme.bigrams),
        )
        idf = smooth_idf(np.bincount(matrix.indices, minlength=scheme.bigrams), n)
        tfidf = weigh(matrix, idf).tocsc()
        # A fingerprint shared by more than 5% of the documents (and at least 20) is boilerplate.
        max_df = max(20, n // 20)
        return cls(np.array(doc_ids, dtype=np.int64), hashes, owner, tfidf, idf, scheme, max_df=max_df)

    def __len__(self) -> int:
        return len(self.doc_ids)

    def containment(self, codes: np.ndarray) -> np.ndarray:
        """For every document row, the share of the draft's k-gram positions it has a fingerprint for."""
        hashes = kgram_hashes(codes, self.scheme.k, self.scheme.seed)
        scores = np.zeros(len(self.doc_ids), dtype=np.float64)
        if len(hashes) == 0 or len(self.hashes) == 0:
            return scores
        query, weight = np.unique(hashes, return_counts=True)
        left = np.searchsorted(self.hashes, query, "left")
        count = np.searchsorted(self.hashes, query, "right") - left
        count[count > self.max_df] = 0
        total = int(count.sum())
        if total:
            rows = gather(self.owners, left, count)
            scores += np.bincount(rows, weights=np.repeat(weight, count), minlength=len(scores))
        return scores / len(hashes)

    def hits(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Which document row holds which of the draft's distinct k-gram hashes.

        Returns (row, hash index) pairs, the number of draft positions of each distinct hash, and the
        number of draft positions. Hashes held by more than ``max_df`` documents (boilerplate) are
        left out, as in :meth:`containment`.
        """
        hashes = kgram_hashes(codes, self.scheme.k, self.scheme.seed)
        empty = np.zeros(0, dtype=np.int64)
        if len(hashes) == 0 or len(self.hashes) == 0:
            return empty, empty, empty, len(hashes)
        query, weight = np.unique(hashes, return_counts=True)
        left = np.searchsorted(self.hashes, query, "left")
        count = np.searchsorted(self.hashes, query, "right") - left
        count[count > self.max_df] = 0
        rows = gather(self.owners, left, count).astype(np.int64)
        which = np.repeat(np.arange(len(query), dtype=np.int64), count)
        return rows, which, weight.astype(np.int64), len(hashes)

    def cosine(self, codes: np.ndarray) -> np.ndarray:
        if self.tfidf is None or self.idf is None:
            return np.zeros(len(self.doc_ids))
        ids, counts = bigram_features(codes, self.scheme)
        if len(ids) == 0:
            return np.zeros(len(self.doc_ids))
        query = sp.csr_matrix(
            (counts.astype(np.float32), ids.astype(np.int32), [0, len(ids)]), shape=(1, self.scheme.bigrams)
        )
        vector = weigh(query, self.idf)
        return np.asarray(self.tfidf[:, vector.indices] @ vector.data).ravel()

    def candidates(
        self,
        codes: np.ndarray,
        *,
        limit: int = 8,
        by_cosine: int = 3,
        min_containment: float = 0.002,
        min_gain: float = 0.002,
        max_cover: int = 32,
    ) -> list[Candidate]:
        """The documents worth aligning: the best by containment, then a greedy cover, plus the best few by cosine.

        The first ``limit`` documents by containment come first. A library often holds a family of
        near-identical documents (versions of a law, one ministry's rules on one procedure) that
        would take every one of those places, so after them documents are chosen by what is still
        unexplained: repeatedly the document whose fingerprints cover the most draft positions that
        no document chosen by the cover covers yet, until one adds less than ``min_gain`` of the
        draft's positions (a sibling of a chosen document adds almost nothing). ``max_cover`` only
        bounds the work on a pathological draft.
        """
        if len(self.doc_ids) == 0:
            return []
        contained = self.containment(codes)
        cosine = self.cosine(codes)
        top = np.argsort(-contained, kind="stable")[:limit]
        chosen = [int(r) for r in top if contained[r] >= min_containment]
        for r in greedy_cover(self, codes, min_gain=min_gain, max_chosen=max_cover):
            if r not in chosen:
                chosen.append(r)
        for r in np.argsort(-cosine, kind="stable")[:by_cosine]:
            if int(r) not in chosen and cosine[r] > 0.2:
                chosen.append(int(r))
        return [Candidate(int(self.doc_ids[r]), float(contained[r]), float(cosine[r])) for r in chosen]


def greedy_cover(
    retriever: Retriever,
    codes: np.ndarray,
    *,
    min_gain: float,
    max_chosen: int,
    min_positions: int = 3,
    max_positions: int = 16,
    max_ties: int = 8,
) -> list[int]:
    """Document rows chosen greedily by the draft positions they explain that no chosen row explains.

    Stops when the best row adds fewer than ``min_gain`` of the draft's positions (at least
    ``min_positions``, at most ``max_positions``: a long draft still admits a source of one
    copied article) or after ``max_chosen`` rows. Rows that tie with the best (at most
    ``max_ties``) are chosen with it.
    """
    rows, which, weight, n_positions = retriever.hits(codes)
    if len(rows) == 0:
        return []
    floor = max(min_positions, min(max_positions, min_gain * n_positions))
    present, local = np.unique(rows, return_inverse=True)
    held = sp.csr_matrix((np.ones(len(rows), dtype=np.float64), (local, which)), shape=(len(present), len(weight)))
    held.sum_duplicates()
    held.data[:] = 1.0
    left = weight.astype(np.float64)
    chosen: list[int] = []
    while len(chosen) < max_chosen:
        gains = held @ left
        best = int(np.argmax(gains))
        if gains[best] < floor:
            break
        # Every row that explains as many of the remaining positions is taken with the best:
        # near-identical siblings (a version, the same regulation of another place) tie, and only
        # alignment tells which of them the draft copies (the first in index order often was not).
        tied = np.flatnonzero(gains == gains[best])[: max(1, min(max_ties, max_chosen - len(chosen)))]
        for row in tied.tolist():
            chosen.append(int(present[row]))
            left[held.indices[held.indptr[row] : held.indptr[row + 1]]] = 0.0
    return chosen


def smooth_idf(document_frequency: np.ndarray, n_documents: int) -> np.ndarray:
    """scikit-learn's smooth idf: ln((1 + n) / (1 + df)) + 1."""
    return (np.log((1.0 + n_documents) / (1.0 + document_frequency)) + 1.0).astype(np.float32)


def weigh(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf × idf, rows l2-normalized: ``TfidfTransformer(sublinear_tf=True)``'s transform."""
    counts = counts.tocsr()
    data = ((1.0 + np.log(counts.data.astype(np.float32))) * idf[counts.indices]).astype(np.float32)
    row_of = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    norms = np.sqrt(np.bincount(row_of, weights=data.astype(np.float64) ** 2, minlength=counts.shape[0]))
    norms[norms == 0] = 1.0
    data /= norms[row_of].astype(np.float32)
    return sp.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)
