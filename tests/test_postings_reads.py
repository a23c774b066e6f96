"""The lazy retriever's chunked reads (coalesced blob slices, fingerprints searched chunk by chunk,
cosines summed over groups of columns) give the scores of the tables loaded whole, at any chunk size."""

from __future__ import annotations

import numpy as np
import pytest

from dupcheck import postings
from dupcheck.api import Index
from dupcheck.matchkey import match_key
from dupcheck.normalize import codepoints
from dupcheck.postings import LazyRetriever
from dupcheck.retrieve import Retriever
from tests.test_postings import _texts


@pytest.mark.parametrize(("gap", "chunk", "cosine_chunk"), [(0, 7, 5), (3, 64, 50), (4096, 1 << 20, 1 << 18)])
def test_chunked_reads_equal_whole_tables(tmp_path, monkeypatch, gap, chunk, cosine_chunk):
    monkeypatch.setattr(postings, "READ_GAP", gap)
    monkeypatch.setattr(postings, "LOOKUP_CHUNK", chunk)
    monkeypatch.setattr(postings, "COSINE_CHUNK", cosine_chunk)
    texts = _texts(40, 3)
    texts[5] = "第一条 " + "甲乙" * 400 + texts[5]  # a bigram counted over 255 times: the overflow table
    drafts = [texts[5][:900], texts[12] + texts[30][:150], texts[7][40:]]
    with Index.open(tmp_path / "i.db") as index:
        index.add_texts([(f"d{n}", t, None) for n, t in enumerate(texts[:25])], workers=1)
        lazy = index.retriever()  # one segment, its norms current: no re-scoring hides a wrong count
        assert isinstance(lazy, LazyRetriever) and lazy.segments[0].overflow
        full = Retriever.build(index.store.features(), index.scheme)
        _same(lazy, full, drafts)
        _same(LazyRetriever(index.store, index.scheme).load(), full, drafts)  # what a batch reads: columns whole
        index.add_texts([(f"d{n}", t, None) for n, t in enumerate(texts[25:], 25)], workers=1)  # two segments
        index.remove(["d3"])  # a dead row: the segment's rows are no longer retriever rows 0, 1, …
        lazy = index.retriever()
        assert isinstance(lazy, LazyRetriever) and len(lazy.segments) == 2 and lazy.segments[0].offset == -1
        full = Retriever.build(index.store.features(), index.scheme)
        _same(lazy, full, drafts)
        _same(LazyRetriever(index.store, index.scheme).load(), full, drafts)


def _same(lazy: LazyRetriever, full: Retriever, drafts: list[str]) -> None:
    for d in drafts:
        codes = codepoints(match_key(d).text)
        assert np.array_equal(lazy.containment(codes), full.containment(codes))
        np.testing.assert_allclose(lazy.cosine(codes), full.cosine(codes), rtol=1e-5, atol=1e-6)
        rows, which, weight, n = lazy.hits(codes)
        f_rows, f_which, f_weight, f_n = full.hits(codes)
        assert n == f_n and np.array_equal(weight, f_weight)
        assert sorted(zip(rows.tolist(), which.tolist())) == sorted(zip(f_rows.tolist(), f_which.tolist()))


def test_hits_are_kept_for_the_same_draft_only(tmp_path):
    texts = _texts(12, 4)
    with Index.open(tmp_path / "i.db") as index:
        index.add_texts([(f"d{n}", t, None) for n, t in enumerate(texts)], workers=1)
        lazy = index.retriever()
        assert isinstance(lazy, LazyRetriever)
        a, b = (codepoints(match_key(t).text) for t in (texts[1], texts[2]))
        first = lazy.hits(a)
        assert lazy.hits(a) is first  # the cover asks again for the draft containment just read
        other = lazy.hits(b)
        assert other is not first and not np.array_equal(other[0], first[0])
