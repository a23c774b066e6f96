"""The draft as a Word document with every copied passage highlighted and commented.

A filing clerk lives in Word: when the draft is a .docx, this opens *their* document and, keeping
its formatting, highlights each copied passage (yellow: 逐字复制, turquoise: 改写复制) and adds a
Word comment naming the source, the source article (第X条) and the similarity. Runs are split at
passage boundaries, so only the copied characters are marked. For a .pdf or .txt draft (or no
draft file) a new document is written with the checked text, one paragraph per line, and the
same marks.

With the filing review (``report.article_map``), every unit of the draft (第X条, a numbered
paragraph) also gets a comment on its label or first line giving its class (照搬 / 细化 with the
share added / 新增) and the superior provisions it follows, and the first paragraph (the title) a
comment with the summary line ("本办法共 N 条：照搬上位法 a 条…") and the exact 13-character
rule's figure; a new document also carries them in its header. The user's text is not changed.

Report offsets refer to the *extracted* text. For a .docx that is :func:`docx_text`: the walk in
:func:`docx_paragraphs` mirrors ``dupcheck.extract`` (body paragraphs and tables in document
order, every paragraph of every cell on its own line, merged cells once, empty paragraphs
dropped) and a test checks that the two agree. If the document's text is not the checked text
(it was edited after the check), nothing is written and :class:`~dupcheck.errors.InputError`
says so.
"""

from __future__ import annotations

import bisect
import copy
import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
from docx.document import Document as DocxDocument
from docx.enum.text import WD_COLOR_INDEX
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from dupcheck.errors import InputError, ParameterError
from dupcheck.extract import DOCX_ATOMS, docx_atoms, docx_paragraph_elements
from dupcheck.render.common import ReportArticles, kind_label, percent, source_title, verdict
from dupcheck.report import Report

HIGHLIGHT = {"verbatim": WD_COLOR_INDEX.YELLOW, "edited": WD_COLOR_INDEX.TURQUOISE}
AUTHOR = "dupcheck"
INITIALS = "DC"

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Characters XML 1.0 cannot hold (python-docx would refuse them); "\r" would become a break.
_NOT_XML = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class DocxParagraph:
    """A paragraph of the extracted text: ``raw[lead:lead + len(text)] == text``.

    ``raw`` is everything the paragraph's runs hold; the extracted ``text`` leaves out its
    leading and trailing line breaks.
    """

    element: Any  # the w:p element (lxml)
    raw: str
    lead: int
    text: str


def docx_paragraphs(document: DocxDocument) -> list[DocxParagraph]:
    """The paragraphs of the extracted text of a .docx, in order.

    Body paragraphs and tables in document order (looking through content controls); a table
    row by row, cell by cell, every paragraph of a cell (and nested tables) in order; a cell
    continuing a merge is skipped. A paragraph's text is its runs' text (tabs, line breaks of any
    kind as "\n", non-breaking hyphens; deleted text, field codes, drawings and text boxes left
    out) without leading and trailing line breaks; paragraphs with only whitespace are dropped.
    """
    elements = docx_paragraph_elements(document.element.body)
    out = []
    for p in elements:
        raw = "".join(t for _, t in docx_atoms(p))
        text = raw.strip("\n")
        if text.strip():
            out.append(DocxParagraph(p, raw, len(raw) - len(raw.lstrip("\n")), text))
    return out


def docx_text(document: DocxDocument) -> str:
    """The extracted text of a .docx: :func:`docx_paragraphs` joined by "\n"."""
    return "\n".join(p.text for p in docx_paragraphs(document))


def _is_docx(path: Path) -> bool:
    """As dupcheck.extract decides: by content (a zip holding word/document.xml), not by name."""
    try:
        with zipfile.ZipFile(path) as z:
            return "word/document.xml" in z.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def annotate_docx(report: Report, out_path: str | os.PathLike, *, draft_path: str | os.PathLike | None = None) -> Path:
    """Write the annotated draft to ``out_path`` (a .docx) and return its path.

    With ``draft_path`` a Word document, the user's document is annotated, its formatting kept
    (it is never overwritten: ``out_path`` must be another file). Otherwise (a .pdf or text
    draft, or ``None``) a new document holds ``report.text``, one paragraph per line.
    """
    out = Path(out_path)
    if draft_path is not None and Path(draft_path).is_file() and out.resolve() == Path(draft_path).resolve():
        raise ParameterError(f"out_path: {str(out)!r} is the draft itself; write the annotated copy to another file")
    _annotated_document(report, draft_path).save(str(out))
    return out


def render_docx(report: Report, *, draft_path: str | os.PathLike | None = None) -> bytes:
    """The annotated .docx as bytes (the ``docx`` format); see :func:`annotate_docx`."""
    buffer = io.BytesIO()
    _annotated_document(report, draft_path).save(buffer)
    return buffer.getvalue()


def _annotated_document(report: Report, draft_path: str | os.PathLike | None) -> DocxDocument:
    if draft_path is not None and not Path(draft_path).is_file():
        raise InputError(str(draft_path), "文件不存在")
    if draft_path is not None and _is_docx(Path(draft_path)):
        source = Path(draft_path)
        try:
            document = docx.Document(str(source))
        except Exception as e:  # python-docx, zipfile and lxml raise many kinds for a broken package
            raise InputError(str(source), f"无法作为 Word 文档打开（{e}）") from e
        paragraphs = docx_paragraphs(document)
        if "\n".join(p.text for p in paragraphs) != report.text:
            raise InputError(
                str(source),
                "文字与查重时的文字不同（查重后被修改过？）；请重新查重",
            )
    else:
        document, paragraphs = _new_document(report)
    _annotate(document, paragraphs, report)
    return document


def _new_document(report: Report) -> tuple[DocxDocument, list[DocxParagraph]]:
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(_W + "eastAsia", "宋体")
    name = Path(report.path).name or report.path
    document.core_properties.title = f"{name}（查重标注）"
    document.core_properties.author = AUTHOR
    header = document.sections[0].header
    header.paragraphs[0].text = (
        f"dupcheck 查重标注：{name} · 总文字复制比 {percent(report.copy_rate)} · {verdict(report)}"
        " · 黄色：逐字复制，青色：改写复制"
    )
    for line in review_lines(report):
        header.add_paragraph(line)
    # One character for one character, so the report's offsets hold in the new document; every
    # line becomes a paragraph, empty lines too (so this is not the extract walk).
    paragraphs = []
    for line in _NOT_XML.sub(" ", report.text).split("\n"):
        p = document.add_paragraph(line)._p
        paragraphs.append(DocxParagraph(p, line, 0, line))
        assert "".join(t for _, t in docx_atoms(p)) == line
    return document, paragraphs


def _child_length(child) -> int:
    """Characters a direct child of a run adds to the text (see :func:`dupcheck.extract.docx_atoms`)."""
    if child.tag == _W + "t":
        return len(child.text or "")
    return 1 if child.tag in DOCX_ATOMS else 0


def _keep(r, lo: int, hi: int | None) -> None:
    """Keep only the run content in ``[lo, hi)`` (``hi=None``: to the end).

    A zero-length child (a page break, a drawing, a field character) stays in the part that
    starts at or before it, so it ends up in exactly one of the two halves of a split.
    """
    pos = 0
    for child in list(r):
        if child.tag == _W + "rPr":
            continue
        n = _child_length(child)
        start, end = pos, pos + n
        pos = end
        if n == 0:
            inside = lo <= start and (hi is None or start < hi)
        else:
            inside = end > lo and (hi is None or start < hi)
        if not inside:
            r.remove(child)
        elif start < lo or (hi is not None and end > hi):
            # Only a w:t holds more than one character; cut its text.
            text = child.text or ""
            child.text = text[max(lo - start, 0) : (hi - start) if hi is not None else n]
            child.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def _split_run(r, cut: int):
    """Split run ``r`` at character ``cut`` (0 < cut < len): ``r`` keeps the left part; the new
    right part, with the same formatting, is inserted after it and returned."""
    right = copy.deepcopy(r)
    _keep(r, 0, cut)
    _keep(right, cut, None)
    r.addnext(right)
    return right


def _units(p) -> list[tuple[Any, int, int, bool]]:  # lxml elements (w:r)
    """(w:r, start, end, splittable) for the runs of paragraph ``p``, offsets into its raw text.

    A run is splittable when all its text is in its own children (always, but for exotic
    nesting such as a text-bearing mc:AlternateContent inside a run).
    """
    units: list[list] = []
    pos = 0
    for el, text in docx_atoms(p):
        run: Any = el.getparent()  # type: ignore[attr-defined]  # an lxml element
        direct = run is not None and run.tag == _W + "r"
        while run is not None and run.tag != _W + "r":
            run = run.getparent()
        if run is not None and units and units[-1][0] is run:
            units[-1][2] = pos + len(text)
            units[-1][3] = units[-1][3] and direct
        elif run is not None:
            units.append([run, pos, pos + len(text), direct])
        pos += len(text)
    return [tuple(u) for u in units]


def _unit_anchors(report: Report) -> list[tuple[int, int, str]]:
    """(start, end, comment) for each unit of the article map: its label (第X条) or first line."""
    amap = report.article_map
    if amap is None:
        return []
    out = []
    text = report.text
    for u in amap.units:
        if u.label and text.startswith(u.label, u.start):
            end = u.start + len(u.label)
        else:
            line_end = text.find("\n", u.start, u.end)
            end = u.end if line_end == -1 else line_end
        if end > u.start:
            out.append((u.start, end, _unit_comment(u)))
    return out


def _unit_comment(u) -> str:
    head = f"{u.label or '本段'}：{u.class_text}"
    if not u.provisions:
        return head + "——上位法中没有对应条文"
    where = "；".join(f"{p.title}{' ' + p.article if p.article else ''}（{p.chars} 字）" for p in u.provisions)
    return f"{head}——上位法：{where}"


def review_lines(report: Report) -> list[str]:
    """The summary line and the exact-13 line, as the annotated document states them."""
    from dupcheck.articlemap import exact13_note

    lines = []
    if report.article_map is not None and report.article_map.units:
        lines.append(f"dupcheck 条文对照：{report.article_map.summary}")
    if report.exact13_rate is not None:
        lines.append(
            f"按连续13字相同规则：{percent(report.exact13_rate)}（dupcheck 总文字复制比：{percent(report.copy_rate)}）。"
            + exact13_note(report.copy_rate, report.exact13_rate, format_chars=report.format_chars)
        )
    return lines


def _annotate(document: DocxDocument, paragraphs: list[DocxParagraph], report: Report) -> None:
    anchors = _unit_anchors(report)
    cuts = sorted(
        {p.draft_start for p in report.passages}
        | {p.draft_end for p in report.passages}
        | {a for a, _, _ in anchors}
        | {b for _, b, _ in anchors}
    )
    # (start, end, w:r, Paragraph) in report offsets for every run, split so that no run
    # straddles a passage boundary.
    pieces: list[tuple[int, int, Any, Paragraph]] = []
    offset = 0  # where the paragraph's text starts in report.text
    for para in paragraphs:
        wrapper = Paragraph(para.element, document._body)
        shift = offset - para.lead  # raw position + shift = report offset
        lo, hi = offset, offset + len(para.text)  # leading/trailing breaks fall outside
        for r, start, end, splittable in _units(para.element):
            start, end = start + shift, end + shift
            if splittable:
                inner = cuts[bisect.bisect_right(cuts, max(start, lo - 1)) : bisect.bisect_left(cuts, min(end, hi + 1))]
                for cut in inner:
                    right = _split_run(r, cut - start)
                    if max(start, lo) < min(cut, hi):
                        pieces.append((max(start, lo), min(cut, hi), r, wrapper))
                    r, start = right, cut
            if max(start, lo) < min(end, hi):
                pieces.append((max(start, lo), min(end, hi), r, wrapper))
        offset = hi + 1  # the "\n" between paragraphs

    starts = [s for s, _, _, _ in pieces]
    articles = ReportArticles(report)
    # Edited first, so where passages overlap the verbatim colour wins.
    order = sorted(range(len(report.passages)), key=lambda i: (report.passages[i].kind == "verbatim", i))
    comments = []
    for i in order:
        p = report.passages[i]
        runs: list[tuple[Any, Paragraph]] = []
        for s, e, r, owner in pieces[bisect.bisect_left(starts, p.draft_start) :]:
            if s >= p.draft_end:
                break
            if e > s and e <= p.draft_end:
                runs.append((r, owner))
        if not runs:
            continue
        for r, owner in runs:
            Run(r, owner).font.highlight_color = HIGHLIGHT.get(p.kind, WD_COLOR_INDEX.YELLOW)
        comments.append((i, runs))

    lines = review_lines(report)
    if lines and pieces:  # the summary on the first paragraph (the title)
        first = pieces[0][3]._p
        _add_comments(document, [(r, owner) for _, _, r, owner in pieces if owner._p is first], "\n".join(lines))
    for i, runs in sorted(comments):
        _add_comments(document, runs, _comment_text(report, articles, i))
    for a, b, text in anchors:
        covered = []
        for s, _e, r, owner in pieces[bisect.bisect_left(starts, a) :]:
            if s >= b:
                break
            covered.append((r, owner))
        _add_comments(document, covered, text)


def _add_comments(document: DocxDocument, runs: list, text: str) -> None:
    """A comment over ``runs``: one per stretch of runs in the same container, since a comment
    range should not leave its table cell (or enter one)."""
    group: list = []
    for r, owner in runs:
        if group and owner._p.getparent() is not group[-1][1]._p.getparent():
            _add_comment(document, group, text)
            group = []
        group.append((r, owner))
    if group:
        _add_comment(document, group, text)


def _add_comment(document: DocxDocument, group: list, text: str) -> None:
    (first, first_para), (last, last_para) = group[0], group[-1]
    document.add_comment([Run(first, first_para), Run(last, last_para)], text=text, author=AUTHOR, initials=INITIALS)


def _comment_text(report: Report, articles: ReportArticles, index: int) -> str:
    p = report.passages[index]
    title = source_title(report, p.source_id)
    article = articles.source_article_label(index)
    where = f"{title} {article}" if article else title
    return f"片段 {index + 1}（{kind_label(p.kind)}，相似度 {percent(p.similarity)}，{p.chars} 字）：来源 {where}"
