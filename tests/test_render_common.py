"""What the report formats share: wording, numbers, the passage alignment, the article table."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from dupcheck.render.common import article_rows, char_alignment, display_time, excerpt, percent, threshold_percent
from tests.reportfixtures import LAW_ID, NOTICE_ID, canonical_report


def test_numbers_and_times():
    assert percent(0.575949) == "57.6%" and percent(1.0) == "100.0%" and percent(0.0) == "0.0%"
    assert (
        threshold_percent(0.8) == "80%" and threshold_percent(0.125) == "12.5%" and threshold_percent(0.333) == "33.3%"
    )
    assert display_time("2024-05-20T10:30:00+08:00") == "2024-05-20 10:30:00 (UTC+08:00)"
    assert display_time("2024-05-20T10:30:00") == "2024-05-20 10:30:00"
    assert display_time("昨天") == "昨天"


def test_excerpt_shortens_in_the_middle_on_one_line():
    assert excerpt("甲乙\n丙", 10) == "甲乙 丙"
    assert excerpt("一二三四五六七八九十", 7) == "一二三四…九十"
    assert len(excerpt("字" * 100, 36)) == 36


def test_align_marks_what_each_side_lacks():
    a = char_alignment("为了加强工作", "为加强安全工作")
    assert a.segments("draft") == [("为", False), ("了", True), ("加强工作", False)]
    assert a.segments("source") == [("为加强", False), ("安全", True), ("工作", False)]
    assert a.draft_to_source == {0: 0, 2: 1, 3: 2, 4: 5, 5: 6}
    assert a.source_position(1) == 1  # "了" is unmatched: the next matched character, 加


def test_align_ignores_whitespace_and_width():
    a = char_alignment("ＡＢ，\n甲 乙", "ab,甲乙")
    assert not any(a.draft_changed) and not any(a.source_changed)
    assert (
        char_alignment("", "甲").segments("source") == [("甲", True)] and char_alignment("", "").segments("draft") == []
    )


_text = st.text(alphabet="甲乙丙丁，。 \nＡa", max_size=30)


@given(_text, _text)
def test_alignment_invariants(draft, source):
    a = char_alignment(draft, source)
    assert "".join(t for t, _ in a.segments("draft")) == draft
    assert "".join(t for t, _ in a.segments("source")) == source
    # Matched characters are equal (after folding) and in the same order on both sides ...
    pairs = sorted(a.draft_to_source.items())
    assert all(
        unicodedata.normalize("NFKC", draft[i]).casefold() == unicodedata.normalize("NFKC", source[j]).casefold()
        for i, j in pairs
    )
    assert [j for _, j in pairs] == sorted(j for _, j in pairs)
    # ... and every other non-space character is marked, on its side.
    for i, c in enumerate(draft):
        assert a.draft_changed[i] == (not c.isspace() and i not in a.draft_to_source)
    matched = set(a.draft_to_source.values())
    for j, c in enumerate(source):
        assert a.source_changed[j] == (not c.isspace() and j not in matched)


def test_article_rows_of_the_canonical_report():
    rows = article_rows(canonical_report())
    summary = [
        (r.label, [(m.source_id, m.source_article, m.passages) for m in r.matches], r.copied_chars, r.total_chars)
        for r in rows
    ]
    assert summary == [
        ("第一条", [(LAW_ID, "第一条", (1,))], 37, 78),
        ("第二条", [], 0, 34),
        ("第三条", [(LAW_ID, "第三条", (2,))], 54, 59),
        ("第四条", [(LAW_ID, "第五条", (3,))], 63, 66),
        ("第五条", [(NOTICE_ID, "", (4,))], 28, 46),
    ]
    assert (
        rows[2].matches[0].kind == "edited"
        and rows[2].matches[0].similarity == canonical_report().passages[1].similarity
    )


def test_alignment_folds_as_the_match_does():
    # The match folds traditional characters with OpenCC and punctuation to one form; the report's
    # diff must not mark what the match treats as equal (NFKC alone keeps 國 and 勵 apart).
    a = char_alignment("國家獎勵，", "国家奖励,")
    assert not any(a.draft_changed) and not any(a.source_changed)
    b = char_alignment("国家\u200b奖励", "国家 奖励")
    assert not any(b.draft_changed) and not any(b.source_changed)
