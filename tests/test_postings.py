"""The stored postings (what `dupcheck check` reads lazily) give the same scores as the tables
built in memory from every document's features, through adds, replacements, removals and compaction."""

from __future__ import annotations

import random

import numpy as np

from dupcheck import postings
from dupcheck.api import Index
from dupcheck.matchkey import match_key
from dupcheck.normalize import codepoints
from dupcheck.postings import LazyRetriever
from dupcheck.retrieve import Retriever

ALPHABET = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏"


def _texts(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    base = ["".join(rnd.choice(ALPHABET) for _ in range(300)) for _ in range(5)]
    out = []
    for _ in range(n):
        parts = [rnd.choice(base)[rnd.randrange(100) :] for _ in range(2)]
        out.append("第一条 " + "".join(rnd.choice(ALPHABET) for _ in range(rnd.randrange(50, 400))) + "".join(parts))
    return out


def _same_scores(index: Index, drafts: list[str]) -> None:
    lazy = index.retriever()
    assert isinstance(lazy, LazyRetriever)
    full = Retriever.build(index.store.features(), index.scheme)
    assert lazy.doc_ids.tolist() == full.doc_ids.tolist() and lazy.max_df == full.max_df
    # Loaded whole (a batch), stale norms are recomputed from the columns at load: no re-score.
    loaded = LazyRetriever(index.store, index.scheme).load()
    loaded._rescore = None  # type: ignore[method-assign]  # calling it fails the test
    for d in drafts:
        codes = codepoints(match_key(d).text)
        for one in (lazy, loaded):
            assert np.array_equal(one.containment(codes), full.containment(codes))
            np.testing.assert_allclose(one.cosine(codes), full.cosine(codes), rtol=1e-5, atol=1e-6)
            assert [c.doc_id for c in one.candidates(codes)] == [c.doc_id for c in full.candidates(codes)]


def test_lazy_scores_equal_full_load_through_updates(tmp_path, monkeypatch):
    monkeypatch.setattr(postings, "MAX_SEGMENTS", 3)
    texts = _texts(60, 1)
    drafts = [texts[3], texts[40][50:] + texts[7][:200], _texts(1, 9)[0]]
    with Index.open(tmp_path / "i.db") as index:
        index.add_texts([(f"d{n}", t, None) for n, t in enumerate(texts[:30])], workers=1)
        _same_scores(index, drafts)
        index.add_texts([(f"d{n}", t, None) for n, t in enumerate(texts[30:45], 30)], workers=1)  # a second segment
        index.add_texts([("d3", texts[50], None), ("d4", texts[51], None)], workers=1)  # replaced: dead postings
        index.remove(["d5", "d31"])
        _same_scores(index, drafts)  # stale norms: the shortlist is re-scored
        count = index.store.conn.execute("SELECT count(*) FROM postings_segments").fetchone()[0]
        assert count <= 3  # compacted when the segments pile up
        index.add_texts([(f"e{n}", t, None) for n, t in enumerate(texts[45:])], workers=1)
        _same_scores(index, drafts)


def test_an_index_without_current_postings_is_loaded_whole(tmp_path):
    """An index written by a version without postings (or changed by one) still checks right."""
    texts = _texts(10, 2)
    with Index.open(tmp_path / "i.db") as index:
        index.add_texts([(f"d{n}", t, None) for n, t in enumerate(texts)], workers=1)
        index.store.conn.execute("DELETE FROM postings_state WHERE key='generation'")
    with Index.open(tmp_path / "i.db") as index:
        assert not isinstance(index.retriever(), LazyRetriever)
        assert index.check_text(texts[2]).copy_rate > 0.9
        index.add_texts([("new", texts[0] + texts[1], None)], workers=1)  # the next write rebuilds them
        assert isinstance(index.retriever(), LazyRetriever)
        _same_scores(index, [texts[2]])


def test_postings_roll_back_with_their_transaction(tmp_path):
    texts = _texts(8, 3)
    with Index.open(tmp_path / "i.db") as index:
        index.add_texts([(f"d{n}", t, None) for n, t in enumerate(texts[:4])], workers=1)
        before = index.store.conn.execute("SELECT count(*) FROM postings_segments").fetchone()[0]
        try:
            with index.store.transaction():
                index.add_texts([(f"x{n}", t, None) for n, t in enumerate(texts[4:])], workers=1)
                raise KeyboardInterrupt
        except KeyboardInterrupt:
            pass
        assert index.store.conn.execute("SELECT count(*) FROM postings_segments").fetchone()[0] == before
        _same_scores(index, texts[:2])


def test_bigram_counts_over_255_are_kept():
    with Index.open(":memory:") as index:
        index.add_texts([("long", "天地" * 400 + _texts(1, 4)[0], None), ("other", _texts(1, 5)[0], None)], workers=1)
        _same_scores(index, ["天地" * 300, _texts(1, 4)[0]])


def test_a_batch_loads_the_tables_whole_after_a_few_drafts_with_the_same_reports(tmp_path):
    from dupcheck.api import LAZY_CHECKS

    texts = _texts(40, 3)
    draft = texts[5][40:] + texts[17][:250]
    with Index.open(tmp_path / "i.db") as index:
        index.add_texts([(f"d{n}", t, None) for n, t in enumerate(texts)], workers=1)
        reports = []
        for n in range(LAZY_CHECKS + 2):
            reports.append(index.check_text(draft).to_dict())
            retriever = index.retriever()
            assert isinstance(retriever, LazyRetriever)
            assert retriever.loaded == (n + 1 > LAZY_CHECKS)  # a one-off check reads postings; a batch loads them
        for r in reports:
            r.pop("checked_at"), r.pop("run_record")
        assert all(r == reports[0] for r in reports) and reports[0]["copied_chars"] > 0
