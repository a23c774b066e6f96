"""PAN measures and verdict figures on tiny hand-computed cases.

The annotation values mirror the unit tests of the PAN reference implementation
(perfmeasures.py 1.3), restricted to external annotations: ``a1`` is draft 0–100 / source
0–100 of document pair (t1, s1), and so on.
"""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.evaluate import (
    Span,
    case_recall,
    detects,
    false_alarm,
    pan_scores,
    plagdet,
    rate_mae,
    top_source_accuracy,
    true_copy_rate,
    true_top_source,
    union_length,
    verdict_f1,
)


def S(t, toff, tlen, s, soff, slen):
    return Span(t, toff, toff + tlen, s, soff, soff + slen)


a1 = S("t1", 0, 100, "s1", 0, 100)
a3 = S("t1", 100, 100, "s1", 100, 100)
a4 = S("t1", 0, 200, "s1", 0, 200)
a5 = S("t1", 0, 1, "s1", 0, 1)
a6 = S("t1", 99, 1, "s1", 99, 1)
a7 = S("t2", 0, 100, "s2", 0, 100)
a9 = S("t2", 50, 100, "s2", 50, 100)
a10 = S("t2", 25, 75, "s2", 25, 75)


def test_detects_needs_same_draft_same_source_and_overlap_on_both_sides():
    assert detects(a4, a1)
    assert detects(a5, a1) and detects(a6, a1)
    assert not detects(a3, a1)  # touches, does not overlap
    assert not detects(a7, a1)
    assert not detects(S("t1", 0, 100, "other", 0, 100), a1)  # another source
    assert not detects(S("t1", 0, 100, "s1", 500, 100), a1)  # overlaps in the draft only


def test_case_recall_pan_values():
    assert case_recall(a1, []) == 0
    assert case_recall(a1, [a1]) == 1
    assert case_recall(a1, [a3]) == 0
    assert case_recall(a1, [a4]) == 1
    assert case_recall(a1, [a4, a7]) == 1
    assert case_recall(a1, [a7, a9]) == 0
    assert case_recall(a7, [a9]) == 0.5
    assert case_recall(a7, [a10]) == 0.75
    assert case_recall(a7, [a9, a10]) == 0.75  # overlapping detections counted once


def test_case_recall_counts_both_sides():
    # covers the whole draft side but half of the source side: (100 + 50) / 200
    assert case_recall(a1, [S("t1", 0, 100, "s1", 50, 100)]) == 0.75


def test_macro_recall_and_precision_pan_values():
    assert pan_scores([], []).recall == 1 and pan_scores([], []).precision == 1
    assert pan_scores([a1], []).recall == 0 and pan_scores([a1], []).precision == 0
    assert pan_scores([], [a1]).recall == 0 and pan_scores([], [a1]).precision == 0
    assert pan_scores([a1], [a1]).recall == 1
    assert pan_scores([a1, a7], [a1]).recall == 0.5
    assert pan_scores([a1], [a7]).recall == 0
    assert pan_scores([a1, a7], [a1]).precision == 1
    assert pan_scores([a1], [a4]).precision == 0.5
    assert pan_scores([a7], [a10]).precision == 1
    assert pan_scores([a7], [a9, a10]).precision == 0.75
    assert pan_scores([a1], [a3, a4]).precision == 0.25


def test_granularity_pan_values():
    assert pan_scores([], []).granularity == 1
    assert pan_scores([a1], [a3]).granularity == 1  # nothing detected
    assert pan_scores([a1], [a5, a4]).granularity == 2
    assert pan_scores([a1, a3], [a5, a4]).granularity == 1.5


def test_plagdet_pan_values():
    assert plagdet(-1, 0, 0) == 0
    assert plagdet(0, 0, 1) == 0
    assert plagdet(0, 1, 1) == 0
    assert plagdet(1, 1, 1) == 1
    assert plagdet(0.5, 1, 1) == pytest.approx(2 / 3)
    assert plagdet(1, 0.5, 1) == pytest.approx(2 / 3)
    assert plagdet(1, 1, 2) == pytest.approx(0.63092975)
    assert plagdet(0.25, 0.75, 2) == pytest.approx(0.23659865)


def test_split_detection_halves_the_score():
    case = S("d", 0, 100, "src", 0, 100)
    halves = [S("d", 0, 50, "src", 0, 50), S("d", 50, 50, "src", 50, 50)]
    sc = pan_scores([case], halves)
    assert (sc.precision, sc.recall, sc.granularity) == (1, 1, 2)
    assert sc.plagdet == pytest.approx(1 / math.log2(3))


def test_pooling_is_over_all_cases_of_all_drafts():
    # draft a: one case found; draft b: two cases, none found -> recall 1/3
    cases = [S("a", 0, 10, "s", 0, 10), S("b", 0, 10, "s", 0, 10), S("b", 20, 10, "s", 20, 10)]
    sc = pan_scores(cases, [S("a", 0, 10, "s", 0, 10)])
    assert sc.recall == pytest.approx(1 / 3)
    assert sc.precision == 1
    # a detection in a draft without cases costs precision
    sc = pan_scores(cases, [S("a", 0, 10, "s", 0, 10), S("c", 0, 10, "s", 0, 10)])
    assert sc.precision == 0.5


def test_union_length():
    assert union_length([]) == 0
    assert union_length([(0, 5), (3, 8), (10, 12), (12, 13), (4, 4)]) == 11


def test_span_rejects_bad_offsets():
    with pytest.raises(ValueError):
        Span("d", 5, 4, "s", 0, 1)


spans = st.builds(
    lambda d, a, la, s, b, lb: Span(d, a, a + la, s, b, b + lb),
    st.sampled_from(["x", "y"]),
    st.integers(0, 50),
    st.integers(1, 30),
    st.sampled_from(["s", "t"]),
    st.integers(0, 50),
    st.integers(1, 30),
)


@given(st.lists(spans, max_size=6), st.lists(spans, max_size=6))
def test_scores_are_in_range(cases, dets):
    sc = pan_scores(cases, dets)
    assert 0 <= sc.precision <= 1 and 0 <= sc.recall <= 1
    assert sc.granularity >= 1
    assert 0 <= sc.plagdet <= 1


@given(st.lists(spans, min_size=1, max_size=6))
def test_detections_equal_to_disjoint_cases_score_one(cases):
    # keep cases that do not overlap each other (a case set is a partition of the copy)
    kept = []
    for c in cases:
        if not any(c.draft == k.draft and c.draft_start < k.draft_end and k.draft_start < c.draft_end for k in kept):
            kept.append(c)
    sc = pan_scores(kept, kept)
    assert (sc.precision, sc.recall, sc.granularity, sc.plagdet) == (1, 1, 1, 1)


def test_true_copy_rate_counts_non_whitespace():
    text = "标题\n第一条 甲乙丙。\n第二条 丁"
    # case: "第一条 甲乙丙。" = 7 non-whitespace of 13
    a = text.index("第一条")
    sp = Span("d", a, a + len("第一条 甲乙丙。"), "s", 0, 8)
    assert true_copy_rate(text, [sp]) == pytest.approx(7 / 13)
    assert true_copy_rate(text, []) == 0
    assert true_copy_rate("   ", []) == 0


def test_true_top_source():
    text = "a" * 31
    spans_ = [Span("d", 0, 10, "s1", 0, 10), Span("d", 10, 26, "s2", 0, 16), Span("d", 26, 31, "s1", 20, 25)]
    assert true_top_source(text, spans_) == "s2"  # 16 > 10 + 5
    tie = [Span("d", 0, 10, "s2", 0, 10), Span("d", 10, 20, "s1", 0, 10)]
    assert true_top_source(text, tie) == "s1"  # ties: smallest key
    assert true_top_source(text, []) is None


def test_rate_mae_in_points():
    assert rate_mae([0.5, 0.8], [0.52, 0.74]) == pytest.approx(4.0)
    assert rate_mae([], []) is None
    with pytest.raises(ValueError):
        rate_mae([0.1], [])


def test_verdict_f1():
    # truth ≥ 0.8: a, b; predicted ≥ 0.8: a, c -> tp 1, fp 1, fn 1
    assert verdict_f1([0.9, 0.85, 0.1], [0.95, 0.7, 0.8]) == pytest.approx(0.5)
    assert verdict_f1([0.8], [0.8]) == 1  # the threshold counts as over
    assert verdict_f1([0.1, 0.2], [0.3, 0.0]) is None


def test_top_source_accuracy_ignores_drafts_without_copy():
    assert top_source_accuracy(["a", "b", None], ["a", "c", "x"]) == 0.5
    assert top_source_accuracy([None], ["a"]) is None


def test_false_alarm():
    assert false_alarm([]) == {"drafts": 0, "mean": None, "max": None}
    assert false_alarm([0.01, 0.03]) == {"drafts": 2, "mean": pytest.approx(0.02), "max": 0.03}
