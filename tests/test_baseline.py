"""The exact 13-character rule: hand-checked cases, and the fast path against brute force."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dupcheck.baseline import (
    Exact13,
    Mem,
    exact_runs_bruteforce,
    gram_hashes,
    nonspace_prefix,
    normalize_exact,
    select_passages,
)

SRC = (
    "第一条 为了保障适龄儿童、少年接受义务教育的权利，保证义务教育的实施，提高全民族素质，根据宪法和教育法，制定本法。"
)


def test_normalize_drops_whitespace_and_punctuation_only():
    codes, pos = normalize_exact("第 一，条\n（Ａ1）")
    assert "".join(map(chr, codes)) == "第一条Ａ1"
    assert pos.tolist() == [0, 2, 4, 7, 8]


def test_gram_hashes_are_stable_across_processes():
    codes, _ = normalize_exact("第一条 为了保障适龄儿童、少年接受义务教育的权利")
    assert [int(x) for x in gram_hashes(codes)[:3]] == [
        732181549050078925,
        14175678350293602403,
        12951183481673957038,
    ]
    assert gram_hashes(codes[:12]).size == 0


def test_nonspace_prefix():
    assert nonspace_prefix("a b\n\u3000c").tolist() == [0, 1, 1, 2, 2, 2, 3]


def test_hand_case_edit_splits_a_run_in_two():
    idx = Exact13()
    idx.add_texts([("law.md", SRC, "某法"), ("other.md", "无关的文字。" * 5, "别的")])
    draft = "标题\n第三条 为了保障适龄儿童、少年接受义务教育的权利，保证义务教育的实施，提高全民素质，根据宪法和教育法，制定本法。"
    rep = idx.check_text(draft)
    assert [(draft[p.draft_start : p.draft_end]) for p in rep.passages] == [
        "条 为了保障适龄儿童、少年接受义务教育的权利，保证义务教育的实施，提高全民",
        "素质，根据宪法和教育法，制定本法",
    ]
    for p in rep.passages:
        assert draft[p.draft_start : p.draft_end] == SRC[p.source_start : p.source_end].replace("全民族", "全民")
        assert p.kind == "verbatim" and p.source_id == 0
    assert rep.sources[0].path == "law.md"
    total = sum(1 for ch in draft if not ch.isspace())
    assert rep.total_chars == total
    assert rep.copied_chars == sum(p.chars for p in rep.passages) == 52
    assert rep.copy_rate == 52 / total
    assert rep.flagged == (rep.copy_rate >= 0.8)


def test_twelve_identical_characters_are_not_a_copy():
    idx = Exact13()
    idx.add_texts([("a", "甲乙丙丁戊己庚辛壬癸子丑", "a")])  # 12 characters
    assert idx.check_text("前甲乙丙丁戊己庚辛壬癸子丑后").copy_rate == 0
    idx.add_texts([("b", "甲乙丙丁戊己庚辛壬癸子丑寅", "b")])  # 13
    rep = idx.check_text("前甲乙丙丁戊己庚辛壬癸子丑寅后")
    assert [s.path for s in rep.sources] == ["b"] and rep.copied_chars == 13


def test_punctuation_and_whitespace_do_not_break_a_run():
    idx = Exact13()
    idx.add_texts([("a", "甲乙丙丁戊己庚辛壬癸子丑寅", "a")])
    rep = idx.check_text("甲乙，丙丁 戊己\n庚辛壬。癸子丑寅")
    assert len(rep.passages) == 1 and rep.copy_rate == 1


def test_longest_run_wins_and_the_other_is_clipped():
    a = "子丑寅卯辰巳午未申酉戌亥甲乙丙丁天地玄黄"  # 20
    b = "天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏"  # 24, shares 天地玄黄 with the end of a
    idx = Exact13()
    idx.add_texts([("a", a, "a"), ("b", b, "b")])
    draft = a + b[4:]
    rep = idx.check_text(draft)
    assert [(p.source_id, draft[p.draft_start : p.draft_end]) for p in rep.passages] == [
        (0, a[:-4]),
        (1, b),
    ]


def test_select_passages_clips_to_unclaimed_positions():
    mems = [Mem(0, 0, 0, 20), Mem(15, 1, 100, 15), Mem(5, 2, 0, 13), Mem(18, 3, 0, 30)]
    # 18..48 (30) wins, then 0..20 is clipped to 0..18, 15..30 is covered, 5..18 is covered
    assert select_passages(mems, 60, min_len=13) == [Mem(0, 0, 0, 18), Mem(18, 3, 0, 30)]
    # a clipped piece shorter than min_len is dropped
    assert select_passages([Mem(0, 0, 0, 20), Mem(10, 1, 0, 15)], 40, min_len=13) == [Mem(0, 0, 0, 20)]
    assert select_passages([Mem(0, 0, 0, 20), Mem(10, 1, 0, 15)], 40, min_len=1) == [
        Mem(0, 0, 0, 20),
        Mem(20, 1, 10, 5),
    ]


def test_batches_equal_one_batch():
    texts = [(f"k{i}", SRC[i:] + "附加文字" * i, f"t{i}") for i in range(5)]
    one, two = Exact13(), Exact13()
    one.add_texts(texts)
    two.add_texts(texts[:2])
    two.check_text("x")  # build in between
    two.add_texts(texts[2:])
    draft = "草案\n" + SRC[3:40] + "原创内容" + SRC[50:]
    assert one.check_text(draft).passages == two.check_text(draft).passages
    assert one.nbytes > 0


ALPHA = "甲乙丙丁，。 \n"
_DRAFTS = st.text(alphabet=ALPHA, min_size=0, max_size=60)
_SOURCES = st.lists(st.text(alphabet=ALPHA, min_size=0, max_size=60), min_size=1, max_size=3)


@settings(max_examples=150, deadline=None)
@given(
    _DRAFTS,
    _SOURCES,
    st.integers(2, 5),
)
def test_fast_mems_equal_bruteforce(draft, sources, k):
    idx = Exact13(k=k)
    idx.add_texts([(f"s{i}", s, "") for i, s in enumerate(sources)])
    fast = set(idx.mems(normalize_exact(draft)[0]))
    assert fast == exact_runs_bruteforce(draft, sources, k=k)


@settings(max_examples=100, deadline=None)
@given(
    _DRAFTS,
    _SOURCES,
)
def test_report_invariants(draft, sources):
    idx = Exact13(k=3)
    idx.add_texts([(f"s{i}", s, "") for i, s in enumerate(sources)])
    rep = idx.check_text(draft)
    covered = np.zeros(len(draft), dtype=bool)
    for p in rep.passages:
        assert not covered[p.draft_start : p.draft_end].any()  # passages are disjoint
        covered[p.draft_start : p.draft_end] = True
        d = "".join(map(chr, normalize_exact(draft[p.draft_start : p.draft_end])[0]))
        s = "".join(map(chr, normalize_exact(sources[p.source_id][p.source_start : p.source_end])[0]))
        assert d == s and len(d) >= 1
    assert rep.copied_chars == sum(p.chars for p in rep.passages)
    assert rep.copied_chars == sum(1 for i, ch in enumerate(draft) if covered[i] and not ch.isspace())
    assert sum(s.copied_chars for s in rep.sources) == rep.copied_chars
    # every passage is a run of ≥ k characters; a run that overlaps no other run is covered
    pos = normalize_exact(draft)[1]
    for p in rep.passages:
        assert len(normalize_exact(draft[p.draft_start : p.draft_end])[0]) >= 3
    mems = exact_runs_bruteforce(draft, sources, k=3)
    for m in mems:
        alone = not any(o != m and o.d < m.d + m.length and m.d < o.d + o.length for o in mems)
        if alone:
            assert covered[pos[m.d : m.d + m.length]].all()


@settings(max_examples=60, deadline=None)
@given(
    st.text(alphabet=ALPHA, min_size=0, max_size=40),
    st.lists(st.text(alphabet=ALPHA, min_size=0, max_size=40), min_size=1, max_size=3),
)
def test_a_hash_collision_is_never_reported_as_a_match(draft, sources):
    import dupcheck.baseline as baseline

    with pytest.MonkeyPatch.context() as mp:  # two buckets: nearly every pair of grams collides
        mp.setattr(baseline, "gram_hashes", lambda codes, k: gram_hashes(codes, k) & np.uint64(1))
        idx = Exact13(k=3)
        idx.add_texts([(f"s{i}", s, "") for i, s in enumerate(sources)])
        found = set(idx.mems(normalize_exact(draft)[0]))
    # Each reported run is a real one (a maximal run of equal grams on one diagonal may be cut
    # where a false gram joined it, so compare texts, not the brute-force set).
    dcodes = normalize_exact(draft)[0]
    scodes = [normalize_exact(s)[0] for s in sources]
    for m in found:
        assert np.array_equal(dcodes[m.d : m.d + m.length], scodes[m.doc][m.s : m.s + m.length])


@settings(max_examples=80, deadline=None)
@given(
    _DRAFTS,
    _SOURCES,
    st.integers(1, 12),
)
def test_runs_verified_in_small_groups_equal_bruteforce(draft, sources, chunk):
    import dupcheck.baseline as baseline

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(baseline, "VERIFY_CHUNK", chunk)  # many groups, some runs longer than a group
        idx = Exact13(k=3)
        idx.add_texts([(f"s{i}", s, "") for i, s in enumerate(sources)])
        fast = set(idx.mems(normalize_exact(draft)[0]))
    assert fast == exact_runs_bruteforce(draft, sources, k=3)
