"""Web pages (.html/.htm): the body text a reader sees, one block per line.

Standard library ``html.parser``: scripts, styles, ``<head>``, ``<nav>``, ``<header>``,
``<footer>``, ``<aside>``, forms and templates are dropped with everything inside them; block
elements (``p``, ``div``, headings, list items, table cells, ``br``) end a line; inside a line,
HTML's whitespace collapses to one space, and the spaces a source file's line breaks leave between
Chinese characters are removed (a browser shows none there). ``<pre>`` keeps its lines.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["html_text"]

_DROP = {
    "script",
    "style",
    "head",
    "nav",
    "header",
    "footer",
    "aside",
    "noscript",
    "template",
    "form",
    "button",
    "select",
    "svg",
    "iframe",
    "object",
}
_VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "param", "source", "track", "wbr"}
_BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "table",
    "tr",
    "td",
    "th",
    "thead",
    "tbody",
    "tfoot",
    "caption",
    "blockquote",
    "pre",
    "dl",
    "dt",
    "dd",
    "figure",
    "figcaption",
    "address",
    "center",
    "body",
    "html",
    "title",
    "hr",
    "br",
}
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_BREAK_IN_CJK = re.compile(f"(?<=[{_CJK}])[ \t\f]*[\r\n][ \t\r\n\f]*(?=[{_CJK}])")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.drop_depth = 0
        self.stack: list[str] = []
        self.pre = 0

    def _end_line(self) -> None:
        text = "".join(self.current)
        self.current = []
        if self.pre:
            self.lines.extend(text.split("\n"))
            return
        text = _BREAK_IN_CJK.sub("", text)  # a source line break inside Chinese text shows as nothing
        text = re.sub(r"[ \t\r\n\f\u200b]+", " ", text).strip()
        if text:
            self.lines.append(text)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _VOID:
            if tag in ("br", "hr") and not self.drop_depth:
                self._end_line()
            return
        if self.drop_depth or tag in _DROP:
            self.drop_depth += 1
            self.stack.append(tag)
            return
        self.stack.append(tag)
        if tag in _BLOCK:
            self._end_line()
        if tag == "pre":
            self.pre += 1

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in ("br", "hr") and not self.drop_depth:
            self._end_line()

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or tag not in self.stack:
            return
        while self.stack:  # close unclosed children too (<p> and <li> are often left open)
            open_tag = self.stack.pop()
            if self.drop_depth:
                self.drop_depth -= 1
            elif open_tag in _BLOCK:
                self._end_line()
                if open_tag == "pre":
                    self.pre -= 1
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.drop_depth:
            self.current.append(data)


def html_text(html: str) -> str:
    """The visible body text of an HTML document, one block a line."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    parser._end_line()
    return "\n".join(line for line in parser.lines if line.strip())
