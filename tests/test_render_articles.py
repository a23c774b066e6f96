"""dupcheck.articles: hand-computed splits, then invariants over generated texts."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from dupcheck.articles import Article, article_at, split_articles


def test_articles_run_to_the_next_article_or_heading():
    text = "总则\n第一条　甲乙\n第二条　丙\n丁\n第二章　戊\n第三条 己"
    #       0 12 3      8 9     13 14 16 17     22 23
    assert split_articles(text) == [
        Article("第一条", 3, 9),  # "第一条　甲乙"
        Article("第二条", 10, 17),  # "第二条　丙\n丁" — a second paragraph (款) belongs to it
        Article("第三条", 24, 29),  # after the chapter heading "第二章　戊"
    ]
    assert text[3:9] == "第一条　甲乙"
    assert text[10:17] == "第二条　丙\n丁"
    assert text[24:29] == "第三条 己"


def test_indentation_numerals_and_inserted_articles():
    text = "　　第12条 甲\n  第一百二十条之一　乙\n\t第两千条丙"
    assert split_articles(text) == [
        Article("第12条", 2, 8),
        Article("第一百二十条之一", 11, 21),
        Article("第两千条", 23, 28),
    ]


def test_a_reference_inside_a_line_is_not_an_article():
    text = "第一条　依照第三条规定办理。\n本法第二条另有规定。"
    assert split_articles(text) == [Article("第一条", 0, len(text))]


def test_section_and_part_headings_end_an_article_and_trailing_whitespace_is_dropped():
    text = "第一条 甲\n\n  第一节 乙\n第二条 丙\n第二编 丁\n"
    assert split_articles(text) == [Article("第一条", 0, 5), Article("第二条", 15, 20)]


def test_text_without_articles():
    assert split_articles("") == []
    assert split_articles("国务院关于加强安全生产工作的通知\n各地区要压实责任。") == []
    assert split_articles("第一章 总则\n本章无条文。") == []


def test_article_at_boundaries():
    text = "序言\n第一条 甲\n\n第二条 乙"
    articles = split_articles(text)
    assert articles == [Article("第一条", 3, 8), Article("第二条", 10, 15)]
    assert article_at(articles, 0) is None  # before the first article
    assert article_at(articles, 3) == articles[0]
    assert article_at(articles, 7) == articles[0]
    assert article_at(articles, 8) is None  # the blank line between articles
    assert article_at(articles, 10) == articles[1]
    assert article_at(articles, 14) == articles[1]
    assert article_at(articles, 15) is None  # end of text
    assert article_at([], 0) is None


_pieces = st.sampled_from(
    ["第一条 ", "第十二条　", "第3条", "第二章 ", "第一节", "甲", "乙。", "依照第五条", " ", "\n", "\n\n", "　"]
)


@given(st.lists(_pieces, max_size=30).map("".join))
def test_articles_are_ordered_disjoint_labelled_and_found_by_article_at(text):
    articles = split_articles(text)
    for a, b in itertools.pairwise(articles):
        assert a.end <= b.start
    for a in articles:
        assert text[a.start : a.end].startswith(a.label)
        assert not text[a.start : a.end][-1].isspace()
        line_start = text.rfind("\n", 0, a.start) + 1
        assert text[line_start : a.start].strip(" \t\u3000\u00a0") == ""
    for offset in range(len(text) + 1):
        expected = next((a for a in articles if a.start <= offset < a.end), None)
        assert article_at(articles, offset) == expected
