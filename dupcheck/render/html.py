"""The HTML report: one self-contained page a filing clerk can read on screen and print.

Sections (all in Chinese): 检测结论 (the numbers and the verdict; with the filing review, the
article map's summary line "本办法共 N 条：照搬上位法 a 条，细化 b 条，新增 c 条", the exact
13-character rule's figure with one sentence on why it differs, and the format elements left
out), 相似来源 (each source with its rate as a number and a bar, its version), 条文对照 (the article
map: each unit of the draft, 照搬/细化/新增 with the share added, the superior provisions it
follows, linked to its side-by-side diff; for a report without a map, each article and the
source article it copies), 新增内容 (what the draft adds: its 新增 units and the added text of its
细化 ones, also as a text file to download), 全文对照 (per source, the draft's units it explains
beside its provisions, readable alone), 全文标注 (the whole draft with every copied passage
highlighted, linked to its comparison, format elements greyed), 逐段对照 (each passage beside its
source run, differences marked) and 检测记录 (the run record that makes the report citable).

No network, no external assets, no script: inline CSS only; the one link that is not an anchor
is the ``data:text/plain`` download of the added text. Everything taken from documents is
escaped by jinja2 (``autoescape=True``).
"""

from __future__ import annotations

import itertools
import json
import urllib.parse
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

import jinja2

from dupcheck import __version__
from dupcheck.render.common import (
    ReportArticles,
    article_rows,
    display_time,
    excerpt,
    kind_label,
    passage_texts,
    percent,
    source_title,
    threshold_percent,
    verdict,
)
from dupcheck.report import Report
from dupcheck.versions import STATUS_LABELS

if TYPE_CHECKING:  # the article map is imported when a page is rendered, not when the CLI starts
    from dupcheck.articlemap import MappedUnit, Provision

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
    fmt: str = ""  # the kind of format element (公文格式要素) the piece is part of, "" if none


def render_html(report: Report, *, corpus_name: str) -> str:
    """The report as one self-contained HTML page (a ``str``; write it as UTF-8)."""
    from dupcheck.articlemap import COPIED_MIN_MATCHED_SHARE, REFINED_MIN_COVERAGE, REFINED_MIN_MATCHED_SHARE

    articles = ReportArticles(report)
    sources = sorted(report.sources, key=lambda s: (-s.rate, -s.copied_chars, s.id))
    amap = report.article_map if report.article_map is not None and report.article_map.units else None
    return _ENV.get_template("report.html.j2").render(
        report=report,
        file_name=PurePath(report.path).name or report.path,
        corpus_name=corpus_name or report.corpus,
        checked_at=display_time(report.checked_at) if report.checked_at else "",
        verdict=verdict(report),
        threshold=threshold_percent(report.threshold),
        threshold_width=_width(report.threshold),
        copy_width=_width(report.copy_rate),
        sources=[(s, _width(s.rate), _version(s)) for s in sources],
        article_rows=[] if amap is not None else article_rows(report, articles),
        amap=amap,
        unit_rows=_unit_rows(report) if amap is not None else [],
        added=_added(report) if amap is not None else [],
        added_href=_added_href(report) if amap is not None else "",
        added_name=f"{PurePath(report.path).stem or '送审稿'}-新增内容.txt",
        by_source=_by_source(report) if amap is not None else [],
        exact13=_exact13(report),
        lines=draft_lines(report),
        comparisons=_comparisons(report, articles),
        record=_record(report),
        thresholds={
            "copied": threshold_percent(COPIED_MIN_MATCHED_SHARE),
            "refined": threshold_percent(REFINED_MIN_MATCHED_SHARE),
            "coverage": threshold_percent(REFINED_MIN_COVERAGE),
        },
        version=__version__,
    )


def _version(s) -> str:
    """施行日期 and status of a source, and the other versions not listed, as one line."""
    parts = []
    if s.effective:
        parts.append(f"{s.effective} 施行")
    if s.status:
        parts.append(STATUS_LABELS.get(s.status, s.status))
    if s.other_versions:
        parts.append(f"另有 {len(s.other_versions)} 个版本相似，未单列：" + "；".join(s.other_versions))
    return " · ".join(parts)


def _exact13(report: Report) -> str:
    from dupcheck.articlemap import exact13_note

    if report.exact13_rate is None:
        return ""
    return (
        f"按连续13字相同规则：{percent(report.exact13_rate)}（dupcheck 总文字复制比：{percent(report.copy_rate)}）。"
        + exact13_note(report.copy_rate, report.exact13_rate, format_chars=report.format_chars)
    )


def _segments(text: str, start: int, end: int, spans) -> list[tuple[str, bool]]:
    """``text[start:end]`` as ``(piece, marked)``, marked inside ``spans`` (absolute offsets)."""
    out: list[tuple[str, bool]] = []
    pos = start
    for a, b in sorted(spans):
        a, b = max(a, start), min(b, end)
        if a >= b:
            continue
        if a > pos:
            out.append((text[pos:a], False))
        out.append((text[max(a, pos) : b], True))
        pos = max(pos, b)
    if pos < end:
        out.append((text[pos:end], False))
    return out


@dataclass(frozen=True)
class UnitRow:
    number: int
    unit: MappedUnit
    excerpt: str
    class_text: str  # 照搬 / 细化（新增 23%） / 新增
    provisions: list[tuple[Provision, str]]  # with the anchor of its side-by-side diff


def _unit_anchor(number: int, source_id: int) -> str:
    return f"u{number}-s{source_id}"


def _unit_rows(report: Report) -> list[UnitRow]:
    assert report.article_map is not None
    rows = []
    for n, u in enumerate(report.article_map.units, 1):
        body = report.text[u.start : u.end]
        body = body[len(u.label) :] if body.startswith(u.label) else body
        rows.append(
            UnitRow(
                n, u, excerpt(body.strip(), 40), u.class_text, [(p, _unit_anchor(n, p.source_id)) for p in u.provisions]
            )
        )
    return rows


def _added(report: Report) -> list[tuple[MappedUnit, list[str]]]:
    from dupcheck.articlemap import additions

    assert report.article_map is not None
    return additions(report.article_map, report.text)


def _added_href(report: Report) -> str:
    """The added text as a ``data:`` URI (percent-encoded UTF-8: safe in an attribute, no network)."""
    from dupcheck.articlemap import additions_text

    assert report.article_map is not None
    body = additions_text(report.article_map, report.text, title=PurePath(report.path).name)
    return "data:text/plain;charset=utf-8," + urllib.parse.quote(body)


@dataclass(frozen=True)
class SourcePair:
    anchor: str
    unit: MappedUnit
    class_text: str
    draft_pieces: list[tuple[str, bool]]  # marked: added by the draft
    provisions: list[tuple[str, list[tuple[str, bool]] | None]]  # (article, pieces; marked: left out)


def _by_source(report: Report) -> list[tuple[int, str, list[SourcePair]]]:
    """全文对照: per source, each draft unit it explains beside the provisions it follows."""
    from dupcheck.articlemap import CLASS_LABELS

    assert report.article_map is not None
    numbers = {id(u): n for n, u in enumerate(report.article_map.units, 1)}
    out = []
    for sid, title, pairs in report.article_map.by_source():
        source_text = report.source_texts.get(sid)
        grouped: dict[int, tuple[MappedUnit, list[Provision]]] = {}
        for u, p in pairs:
            grouped.setdefault(numbers[id(u)], (u, []))[1].append(p)
        items = []
        for n, (u, provisions) in sorted(grouped.items()):
            sides = []
            for p in sorted(provisions, key=lambda p: p.source_start):
                pieces = (
                    None if source_text is None else _segments(source_text, p.source_start, p.source_end, p.omitted)
                )
                sides.append((p.article, pieces))
            items.append(
                SourcePair(
                    _unit_anchor(n, sid),
                    u,
                    CLASS_LABELS[u.cls] + (f"，新增 {u.added_share * 100:.0f}%" if u.cls == "refined" else ""),
                    _segments(report.text, u.start, u.end, u.added),
                    sides,
                )
            )
        out.append((sid, title, items))
    return out


def _record(report: Report) -> list[tuple[str, str]]:
    """The run record (检测记录) as label/value rows; ``[]`` without one."""
    r = report.run_record
    if r is None:
        return []
    return [
        ("送审稿 SHA-256", r.draft_sha256),
        ("送审稿大小", f"{r.draft_bytes} 字节"),
        ("比对库", f"{r.index_name}（{r.index_documents} 篇，内容摘要 {r.index_digest}）"),
        ("dupcheck 版本", r.dupcheck_version),
        ("指纹方案", json.dumps(r.scheme, ensure_ascii=False, sort_keys=True)),
        ("对齐参数", json.dumps(r.align, ensure_ascii=False, sort_keys=True)),
        ("阈值", threshold_percent(r.threshold)),
        ("公文格式要素", "计入复制比" if r.keep_format_elements else "不计入复制比"),
        ("施行日期基准（--as-of）", r.as_of or "未限定（比对库中全部版本，每个文件只取现行版本）"),
        ("检测时间", display_time(r.checked_at) if r.checked_at else "—"),
    ]


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
    elements = [(e.start, e.end, e.kind) for e in report.format_elements]
    cuts = sorted(
        {
            0,
            n,
            *(s for s, _ in spans),
            *(e for _, e in spans),
            *(a for a, _, _ in elements),
            *(b for _, b, _ in elements),
        }
    )

    def fmt_at(a: int) -> str:
        return next((kind for s, e, kind in elements if s <= a < e), "")

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
        fmt = fmt_at(a) if elements else ""
        if owner is None:
            flat.append(Piece(text[a:b], fmt=fmt))
        else:
            ordered = [owner] + [i for i in covering if i != owner]
            flat.append(Piece(text[a:b], owner + 1, passages[owner].kind, title(ordered), fmt=fmt))
    for i in sorted(j for js in empty_at.values() for j in js):  # passages at the very end
        flat.append(Piece("", i + 1, passages[i].kind, title([i])))

    lines: list[list[Piece]] = [[]]
    for piece in flat:
        parts = piece.text.split("\n")
        for k, part in enumerate(parts):
            if k:
                lines.append([])
            if part or not piece.text:
                lines[-1].append(Piece(part, piece.passage, piece.kind, piece.title, fmt=piece.fmt))

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
            Piece(p.text, p.passage, p.kind, p.title, (li, pi) in firsts, (li, pi) in lasts, p.fmt)
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
