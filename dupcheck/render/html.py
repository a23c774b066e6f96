"""The HTML report: one self-contained page a filing clerk can read on screen and print.

Sections (all in Chinese): 检测结论 (the numbers and the verdict), 相似来源 (each source with its
rate as a number and a bar), 条文对照 (for legal texts: each article of the draft and the source
article it copies), 全文标注 (the whole draft with every copied passage highlighted, linked to
its comparison) and 逐段对照 (each passage beside its source run, differences marked).

No network, no external assets, no script: inline CSS only. Everything taken from documents is
escaped by jinja2 (``autoescape=True``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import PurePath

import jinja2

from dupcheck import __version__
from dupcheck.render.common import (
    ReportArticles,
    article_rows,
    display_time,
    kind_label,
    passage_texts,
    percent,
    source_title,
    threshold_percent,
    verdict,
)
from dupcheck.report import Report

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("dupcheck.render", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["percent"] = percent


@dataclass(frozen=True)
class Piece:
    """A run of one draft line: plain (``passage is None``) or part of a copied passage."""

    text: str
    passage: int | None = None  # 1-based passage number
    kind: str = ""
    title: str = ""  # tooltip: the source(s)
    first: bool = False  # the passage's first piece (carries the id the comparison links back to)
    last: bool = False  # the passage's last piece (shows its number)


def render_html(report: Report, *, corpus_name: str) -> str:
    """The report as one self-contained HTML page (a ``str``; write it as UTF-8)."""
    articles = ReportArticles(report)
    sources = sorted(report.sources, key=lambda s: (-s.rate, -s.copied_chars, s.id))
    return _ENV.get_template("report.html.j2").render(
        report=report,
        file_name=PurePath(report.path).name or report.path,
        corpus_name=corpus_name or report.corpus,
        checked_at=display_time(report.checked_at) if report.checked_at else "",
        verdict=verdict(report),
        threshold=threshold_percent(report.threshold),
        threshold_width=_width(report.threshold),
        copy_width=_width(report.copy_rate),
        sources=[(s, _width(s.rate)) for s in sources],
        article_rows=article_rows(report, articles),
        lines=draft_lines(report),
        comparisons=_comparisons(report, articles),
        version=__version__,
    )


def _width(rate: float) -> str:
    """A CSS width for a bar; numbers only, so it is safe in a style attribute."""
    return f"{min(max(rate, 0.0), 1.0) * 100:.1f}%"


def draft_lines(report: Report) -> list[list[Piece]]:
    """The draft, line by line, cut into pieces at passage boundaries.

    Every passage appears in at least one piece. Where passages overlap in the draft, a
    character belongs to the passage that starts last (the innermost); a passage left with no
    character of its own gets an empty piece at its start, so it can still be found and linked.
    """
    text = report.text
    passages = report.passages
    n = len(text)
    spans = [(max(0, min(p.draft_start, n)), max(0, min(p.draft_end, n))) for p in passages]
    cuts = sorted({0, n, *(s for s, _ in spans), *(e for _, e in spans)})

    owned: list[tuple[int, int, int | None, list[int]]] = []  # (start, end, owner index, covering)
    for a, b in itertools.pairwise(cuts):
        covering = [i for i, (s, e) in enumerate(spans) if s <= a < e]
        owner = max(covering, key=lambda i: (spans[i][0], -i)) if covering else None
        owned.append((a, b, owner, covering))
    has_piece = {o for _, _, o, _ in owned if o is not None}
    empty_at: dict[int, list[int]] = {}
    for i, (s, _) in enumerate(spans):
        if i not in has_piece:
            empty_at.setdefault(s, []).append(i)

    def title(indices: list[int]) -> str:
        return "；".join(
            f"来源：{source_title(report, passages[i].source_id)}"
            f"（{kind_label(passages[i].kind)}，相似度 {percent(passages[i].similarity)}）"
            for i in indices
        )

    # Flat pieces, then cut at line breaks.
    flat: list[Piece] = []
    for a, b, owner, covering in owned:
        for i in empty_at.pop(a, []):
            flat.append(Piece("", i + 1, passages[i].kind, title([i])))
        if owner is None:
            flat.append(Piece(text[a:b]))
        else:
            ordered = [owner] + [i for i in covering if i != owner]
            flat.append(Piece(text[a:b], owner + 1, passages[owner].kind, title(ordered)))
    for i in sorted(j for js in empty_at.values() for j in js):  # passages at the very end
        flat.append(Piece("", i + 1, passages[i].kind, title([i])))

    lines: list[list[Piece]] = [[]]
    for piece in flat:
        parts = piece.text.split("\n")
        for k, part in enumerate(parts):
            if k:
                lines.append([])
            if part or not piece.text:
                lines[-1].append(Piece(part, piece.passage, piece.kind, piece.title))

    # Mark each passage's first and last piece.
    first: dict[int, tuple[int, int]] = {}
    last: dict[int, tuple[int, int]] = {}
    for li, line in enumerate(lines):
        for pi, piece in enumerate(line):
            if piece.passage is not None:
                first.setdefault(piece.passage, (li, pi))
                last[piece.passage] = (li, pi)
    firsts, lasts = set(first.values()), set(last.values())
    return [
        [
            Piece(p.text, p.passage, p.kind, p.title, (li, pi) in firsts, (li, pi) in lasts)
            if p.passage is not None
            else p
            for pi, p in enumerate(line)
        ]
        for li, line in enumerate(lines)
    ]


@dataclass(frozen=True)
class Comparison:
    number: int
    kind: str
    kind_label: str
    similarity: float
    chars: int
    source_title: str
    source_path: str
    source_article: str
    draft_pieces: list[tuple[str, bool]]
    source_pieces: list[tuple[str, bool]] | None  # None: the source text is not in the report


def _comparisons(report: Report, articles: ReportArticles) -> list[Comparison]:
    out = []
    order = sorted(range(len(report.passages)), key=lambda i: (report.passages[i].draft_start, i))
    for i in order:
        p = report.passages[i]
        draft, source = passage_texts(report, p)
        alignment = articles.alignment(i)
        draft_pieces: list[tuple[str, bool]]
        source_pieces: list[tuple[str, bool]] | None
        if alignment is None or source is None:  # no alignment without the source's text
            draft_pieces, source_pieces = [(draft, False)], None
        elif p.kind == "verbatim":
            # Identical after normalization, as the report says: nothing to mark.
            draft_pieces, source_pieces = [(draft, False)], [(source, False)]
        else:
            draft_pieces, source_pieces = alignment.segments("draft"), alignment.segments("source")
        try:
            match = report.source(p.source_id)
            title, path = match.title, match.path
        except KeyError:
            title, path = f"#{p.source_id}", ""
        out.append(
            Comparison(
                number=i + 1,
                kind=p.kind,
                kind_label=kind_label(p.kind),
                similarity=p.similarity,
                chars=p.chars,
                source_title=title,
                source_path=path,
                source_article=articles.source_article_label(i),
                draft_pieces=draft_pieces,
                source_pieces=source_pieces,
            )
        )
    return out
