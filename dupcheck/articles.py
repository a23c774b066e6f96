"""Articles (条) of a legal or normative text, with their offsets.

Laws, regulations and rules are divided into articles, each starting on its own line with
第X条 (第十二条, 第12条), and grouped under chapter (章), section (节) and part (编) headings.
A reviewer wants to know which *article* of a draft repeats which *article* of the superior
document, so the renderers need the article structure of both texts.

Pure: takes a string, returns values. Offsets are Python ``str`` indices into the text given.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

# The one definition of an article or heading label (第十二条, 第3章) for every module.
KEY_NUMERAL_CHARS = "零〇一二三四五六七八九十百千两0-9"
"""The characters of a label numeral in normalized text (simplified, half-width): the match key."""
NUMERAL = f"[{KEY_NUMERAL_CHARS}兩０-９]+"
"""The numeral of a label in original text (traditional 兩 and full-width digits too)."""
ARTICLE_UNIT = "[条條]"
"""条: the unit of an article label."""
HEADING_UNIT = "[章节節编編]"
"""章, 节, 编: the units of the headings that group articles."""
_INDENT = r"[ \t\u3000\u00a0]*"

# An article heading: at a line beginning, after optional indentation.
# 第一百二十条之一 (an article inserted by an amendment) is one label.
_ARTICLE = re.compile(rf"^{_INDENT}(第{NUMERAL}{ARTICLE_UNIT}(?:之{NUMERAL})?)", re.MULTILINE)
# A heading that ends the article before it: 第一章 总则, 第二节 …, 第三编 …
_HEADING = re.compile(rf"^{_INDENT}第{NUMERAL}{HEADING_UNIT}", re.MULTILINE)


@dataclass(frozen=True)
class Article:
    """One article: ``text[start:end]`` begins with its label and has no trailing whitespace."""

    label: str  # e.g. "第十二条", as written in the text
    start: int
    end: int


def split_articles(text: str) -> list[Article]:
    """Split ``text`` into its articles, in order; ``[]`` when it has none.

    An article starts at its label 第X条 at the beginning of a line (after optional spaces,
    tabs or full-width spaces) and runs to the next article, to the next chapter/section/part
    heading line (第X章, 第X节, 第X编), or to the end of the text; trailing whitespace is not
    part of it. Text before the first article (title, preamble) belongs to no article.
    """
    starts = [(m.start(1), m.group(1)) for m in _ARTICLE.finditer(text)]
    if not starts:
        return []
    # Every line start where an article or a heading begins closes the article before it.
    stops = sorted({m.start() for m in _ARTICLE.finditer(text)} | {m.start() for m in _HEADING.finditer(text)})
    articles = []
    for start, label in starts:
        i = bisect.bisect_right(stops, start)
        end = stops[i] if i < len(stops) else len(text)
        while end > start and text[end - 1].isspace():
            end -= 1
        articles.append(Article(label, start, end))
    return articles


def article_at(articles: Sequence[Article], offset: int) -> Article | None:
    """The article containing ``offset`` (``start <= offset < end``), or ``None``.

    ``articles`` must be sorted by start and must not overlap, as :func:`split_articles`
    returns them.
    """
    i = bisect.bisect_right(articles, offset, key=lambda a: a.start) - 1
    if i >= 0 and offset < articles[i].end:
        return articles[i]
    return None


def line_spans(text: str) -> list[tuple[int, int]]:
    """Non-empty lines as ``(start, end)`` without surrounding whitespace."""
    out: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        a, b = pos, pos + len(line)
        pos = b + 1
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out
