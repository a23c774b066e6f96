"""The counterpart search of the article map: its bound and its early stop change no answer."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dupcheck.articlemap import (
    COUNTERPART_RUN,
    MIN_COUNTERPART_CHARS,
    _best_candidate,
    _common_runs,
    _Keys,
    _RunIndex,
    _UnitRuns,
)

# Few distinct characters, so that long common runs are frequent; spaces, width and case
# variants and a character that case-folds to two (ß → ss) exercise the keys.
_text = st.text(alphabet="甲乙丙丁戊 ，,ＡAaßs\n", min_size=0, max_size=60)


@settings(max_examples=300, deadline=None)
@given(_text, st.lists(_text, min_size=1, max_size=3), st.randoms(use_true_random=False))
def test_every_character_an_alignment_pairs_is_inside_a_shared_run(unit, bodies, rnd):
    if rnd.random() < 0.5:  # often give the unit a long run of one body, so that there is something to pair
        b = bodies[rnd.randrange(len(bodies))]
        unit = unit[: len(unit) // 2] + b + unit[len(unit) // 2 :]
    draft, text = _Keys.of(unit), "".join(bodies)
    source, spans = _Keys.of(text), []
    for b in bodies:
        start = spans[-1][1] if spans else 0
        spans.append((start, start + len(b)))
    runs = _UnitRuns.of(draft, 0, len(unit))
    index = _RunIndex.of(source, spans)
    for k, span in enumerate(spans):
        draft_at, source_at = _common_runs(draft, (0, len(unit)), source, span)
        assert all(span[0] <= j < span[1] for j in source_at.tolist())
        if runs is None:
            assert not len(draft_at)
            continue
        shared, article = index.lookup(runs.distinct)
        covered = set(runs.covered(shared[article == k]).tolist())
        assert set(draft_at.tolist()) <= covered


def test_the_run_index_counts_distinct_runs_per_article():
    run = "甲乙丙丁戊己"
    assert len(run) == COUNTERPART_RUN
    bodies = ["无关的文字内容在此", run + run, "前言" + run]
    text = "".join(bodies)
    spans = [(0, 9), (9, 21), (21, len(text))]
    assert [text[a:b] for a, b in spans] == bodies
    index = _RunIndex.of(_Keys.of(text), spans)
    unit = _UnitRuns.of(_Keys.of("开头" + run + "结尾"), 0, 10)
    assert unit is not None
    shared, article = index.lookup(unit.distinct)
    counts = np.bincount(article, minlength=3)
    assert counts.tolist() == [0, 1, 1]  # twice in article 1, counted once
    assert "".join("开头甲乙丙丁戊己结尾"[i] for i in unit.covered(shared).tolist()) == run


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3 * MIN_COUNTERPART_CHARS), st.integers(0, 3 * MIN_COUNTERPART_CHARS)),
        max_size=8,
    ),
    st.lists(st.integers(1, 3), max_size=8),
)
def test_stopping_early_picks_what_aligning_every_candidate_picks(sizes, ids):
    queue, paired = [], {}
    for order, ((a, b), source_id) in enumerate(zip(sizes, ids + [1] * len(sizes), strict=False)):
        chars, bound = min(a, b), max(a, b)  # the bound is never below what the alignment pairs
        queue.append((bound, -source_id, -order, source_id, order))
        paired[order] = chars
    aligned = []

    def align(source_id, k):
        aligned.append(k)
        at = np.arange(paired[k], dtype=np.int64)
        return at, at

    got = _best_candidate(queue, align)
    everything = [(paired[k], neg_id, neg_order, sid, k) for _, neg_id, neg_order, sid, k in queue]
    want = max(everything, default=None)
    if want is None or want[0] < MIN_COUNTERPART_CHARS:
        assert got is None
    else:
        assert got is not None and (got[0], got[1], len(got[2])) == (want[3], want[4], want[0])
    assert len(aligned) <= len(queue)


def test_a_lower_bound_can_still_win_a_tie_on_source_and_order():
    m = MIN_COUNTERPART_CHARS
    # (bound, -source id, -order, source id, article): article 7 has the best bound but pairs
    # only m; article 3 comes later in bound order, pairs m too and wins on source id.
    queue = [(m + 20, -2, 0, 2, 7), (m, -1, -1, 1, 3), (m - 1, -1, -2, 1, 4)]
    paired = {7: m, 3: m, 4: m - 1}

    def align(source_id, k):
        at = np.arange(paired[k], dtype=np.int64)
        return at, at

    got = _best_candidate(queue, align)
    assert got is not None and got[:2] == (1, 3)


@settings(max_examples=300, deadline=None)
@given(st.lists(_text, min_size=1, max_size=3), st.lists(_text, min_size=1, max_size=3))
def test_an_index_kept_to_the_wanted_runs_answers_those_runs_as_the_whole_index(units, bodies):
    text = "".join(bodies)
    spans = []
    for b in bodies:
        start = spans[-1][1] if spans else 0
        spans.append((start, start + len(b)))
    whole = _RunIndex.of(_Keys.of(text), spans)
    runs = [r for r in (_UnitRuns.of(_Keys.of(u), 0, len(u)) for u in units) if r is not None]
    wanted = np.unique(np.concatenate([r.distinct for r in runs])) if runs else np.zeros(0, dtype=np.uint64)
    kept = _RunIndex.of(_Keys.of(text), spans, wanted)
    assert set(kept.runs.tolist()) <= set(wanted.tolist())
    for r in runs:
        a, b = whole.lookup(r.distinct), kept.lookup(r.distinct)
        assert sorted(zip(*(x.tolist() for x in a), strict=True)) == sorted(zip(*(x.tolist() for x in b), strict=True))


def test_a_run_across_two_articles_belongs_to_neither():
    text = "甲乙丙丁戊己庚辛"
    for wanted_of in (lambda u: None, lambda u: u.distinct):
        for unit_text, spans, want in (
            ("甲乙丙丁戊己", [(0, 6), (6, 8)], [0]),  # wholly inside the first article
            ("乙丙丁戊己庚", [(0, 6), (6, 8)], []),  # one character over its end
            ("乙丙丁戊己庚", [(0, 1), (1, 8)], [1]),  # wholly inside the second
            ("甲乙丙丁戊己", [(0, 1), (1, 8)], []),  # one character before its start
        ):
            unit = _UnitRuns.of(_Keys.of(unit_text), 0, 6)
            assert unit is not None
            index = _RunIndex.of(_Keys.of(text), spans, wanted_of(unit))
            assert index.lookup(unit.distinct)[1].tolist() == want


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="甲乙 \n\u3000", max_size=40), st.randoms(use_true_random=False), st.integers(0, 5))
def test_runs_of_a_mask_join_across_whitespace_only(text, rnd, offset):
    from dupcheck.articlemap import _runs

    mask = np.array([rnd.random() < 0.5 for _ in text[offset:]], dtype=bool)
    want: list[tuple[int, int]] = []  # the plain loop over every marked character
    for i in np.flatnonzero(mask).tolist():
        a = offset + i
        if want and not text[want[-1][1] : a].strip():
            want[-1] = (want[-1][0], a + 1)
        else:
            want.append((a, a + 1))
    assert _runs(mask, offset, text) == want
