"""annotate_docx: the annotated document read back with python-docx.

For a formatted .docx (bold and italic runs, a tab, a line break, a hyperlink, tracked changes,
a table with merged cells, empty and page-break paragraphs) and for a .txt draft: every passage
highlighted in its colour and nothing else, every passage commented with its source, the text
and the formatting unchanged.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree

from dupcheck.errors import InputError, ParameterError
from dupcheck.extract import docx_atoms
from dupcheck.render import annotate_docx
from dupcheck.render.docx import docx_paragraphs, docx_text
from tests.reportfixtures import (
    DRAFT,
    LAW,
    LAW_ID,
    LAW_TITLE,
    NOTICE,
    NOTICE_ID,
    NOTICE_TITLE,
    build_report,
    canonical_report,
)

COLOUR = {"verbatim": WD_COLOR_INDEX.YELLOW, "edited": WD_COLOR_INDEX.TURQUOISE}

# The extracted text of the document make_formatted_docx writes, by the documented convention:
# paragraphs joined by "\n", empty ones dropped; a table row by row, every paragraph of every
# cell on its own line, a merged cell once; tracked deletions left out, insertions kept.
FORMATTED_TEXT = "\n".join(
    [
        "某市安全生产条例（草案）",
        "第一条\t为了加强安全生产工作，防止和减少生产安全事故，保障人民群众生命和财产安全，根据有关法律，制定本条例。",
        "第二条",
        "生产经营单位的主要负责人是本单位安全生产第一责任人，",
        "对本单位的安全生产工作全面负责。",
        "说明",
        "第三条",
        "其他负责人对其职责范围内的安全生产工作负责",
        "附：本表为示例",
        "第四条　本条例自公布之日起\n施行。",
        "第五条　压实安全生产责任，加强重点行业领域安全监管。",
    ]
)

END = "第六条　本法自公布之日起\n施行。\n"
SOURCES = {
    LAW_ID: (LAW_TITLE, "law.txt", LAW + END),
    NOTICE_ID: (NOTICE_TITLE, "notice.txt", NOTICE),
}
FORMATTED_COPIES = [
    (
        "为了加强安全生产工作，防止和减少生产安全事故，保障人民群众生命和财产安全，",
        LAW_ID,
        "为了加强安全生产工作，防止和减少生产安全事故，保障人民群众生命和财产安全，",
        "verbatim",
    ),
    (
        "生产经营单位的主要负责人是本单位安全生产第一责任人，\n对本单位的安全生产工作全面负责。",
        LAW_ID,
        "生产经营单位的主要负责人是本单位安全生产第一责任人，对本单位的安全生产工作全面负责。",
        "verbatim",
    ),
    ("其他负责人对其职责范围内的安全生产工作负责", LAW_ID, "其他负责人对职责范围内的安全生产工作负责", "edited"),
    ("自公布之日起\n施行", LAW_ID, "自公布之日起\n施行", "verbatim"),
    ("压实安全生产责任，加强重点行业领域安全监管", NOTICE_ID, "压实安全生产责任，加强重点行业领域安全监管", "verbatim"),
]


def _hyperlink(paragraph, text: str, url: str):
    r_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink", attrs={qn("r:id"): r_id})
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def _tracked(paragraph, tag: str, text: str) -> None:
    """A tracked insertion (w:ins) or deletion (w:del, its text in w:delText)."""
    change = OxmlElement(tag, attrs={qn("w:id"): str(900 + len(paragraph._p)), qn("w:author"): "审核人"})
    run = OxmlElement("w:r")
    t = OxmlElement("w:delText" if tag == "w:del" else "w:t")
    t.text = text
    run.append(t)
    change.append(run)
    paragraph._p.append(change)


def make_formatted_docx(path: Path) -> Path:
    doc = docx.Document()
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run("某市安全生产条例（草案）").bold = True
    doc.add_paragraph("")  # empty: not in the extracted text

    p = doc.add_paragraph()
    p.add_run("第一条\t").bold = True
    p.add_run("为了加强安全生产工作，")
    emphasis = p.add_run("防止和减少生产安全事故")
    emphasis.bold = emphasis.italic = True
    p.add_run("，保障人民群众生命和财产安全，")
    _tracked(p, "w:del", "依照")
    _tracked(p, "w:ins", "根据有关法律，")
    p.add_run("制定本条例。")

    table = doc.add_table(rows=3, cols=3)
    table.cell(0, 0).text = "第二条"
    table.cell(0, 1).text = "生产经营单位的主要负责人是本单位安全生产第一责任人，"
    table.cell(0, 1).add_paragraph("对本单位的安全生产工作全面负责。")
    table.cell(0, 2).text = "说明"
    table.cell(1, 0).text = "第三条"
    table.cell(1, 1).text = "其他负责人对其职责范围内的安全生产工作负责"
    table.cell(0, 2).merge(table.cell(1, 2))  # vertical merge: the second cell is read once, as part of the first
    table.cell(2, 0).text = "附：本表为示例"
    table.cell(2, 0).merge(table.cell(2, 2))  # horizontal merge: one cell

    p = doc.add_paragraph("第四条　本条例自")
    p.add_run("公布之日起\n施行。").underline = True  # "\n" is a line break inside the paragraph
    doc.add_page_break()  # a paragraph holding only a page break: not in the extracted text
    p = doc.add_paragraph("第五条　")
    _hyperlink(p, "压实安全生产责任", "https://www.mem.gov.cn/")
    p.add_run("，加强重点行业领域安全监管。")
    doc.save(path)
    return path


def formatted_report(path: Path, copies=FORMATTED_COPIES):
    return build_report(str(path), FORMATTED_TEXT, SOURCES, copies)


# ---------------------------------------------------------------------------------------------
# Reading an annotated document back


def _paragraph_chars(p_element, lead: int, length: int) -> list[tuple[str, object, frozenset]]:
    """(character, highlight, {bold, italic, underline}) for a paragraph's extracted text."""
    out = []
    for el, text in docx_atoms(p_element):
        r = el
        while r.tag != qn("w:r"):
            r = r.getparent()
        run = docx.text.run.Run(r, None)
        style = frozenset(k for k in ("bold", "italic", "underline") if getattr(run, k))
        out.extend((c, run.font.highlight_color, style) for c in text)
    return out[lead : lead + length]


def char_marks(document, *, generated: bool) -> list:
    """Per character of the extracted text: (character, highlight, style); None for the "\\n"
    between paragraphs."""
    if generated:
        paragraphs = [(p._p, 0, len(p.text)) for p in document.paragraphs]
    else:
        paragraphs = [(p.element, p.lead, len(p.text)) for p in docx_paragraphs(document)]
    out: list = []
    for k, (el, lead, length) in enumerate(paragraphs):
        if k:
            out.append(None)
        out.extend(_paragraph_chars(el, lead, length))
    return out


def comment_ranges(document) -> dict[int, str]:
    """The text each comment is anchored to, paragraphs joined by "\\n", skipping empty ones."""
    ranges: dict[int, list[str]] = {}
    open_ids: set[int] = set()
    for event, el in etree.iterwalk(document.element.body, events=("start", "end")):
        if event == "start" and el.tag == qn("w:commentRangeStart"):
            open_ids.add(int(el.get(qn("w:id"))))
            ranges[int(el.get(qn("w:id")))] = [""]
        elif event == "start" and el.tag == qn("w:commentRangeEnd"):
            open_ids.discard(int(el.get(qn("w:id"))))
        elif event == "start" and el.tag in (qn("w:t"), qn("w:br"), qn("w:tab")):
            text = {qn("w:br"): "\n", qn("w:tab"): "\t"}.get(el.tag, el.text or "")
            for i in open_ids:
                ranges[i][-1] += text
        elif event == "end" and el.tag == qn("w:p"):
            for i in open_ids:
                if ranges[i][-1]:
                    ranges[i].append("")
    return {i: "\n".join(part for part in parts if part) for i, parts in ranges.items()}


def check_annotations(document, report, *, generated: bool) -> None:
    # Highlights: exactly the passages' characters, in their colour.
    marks = char_marks(document, generated=generated)
    assert "".join("\n" if m is None else m[0] for m in marks) == report.text
    expected = [None] * len(report.text)
    for p in report.passages:
        for k in range(p.draft_start, p.draft_end):
            expected[k] = COLOUR[p.kind]
    for k, m in enumerate(marks):
        if m is not None:
            assert m[1] == expected[k], (k, report.text[k], m[1], expected[k])

    # Comments: by dupcheck, each naming its passage and source; together a passage's comments
    # cover exactly its text.
    comments = {c.comment_id: c for c in document.comments}
    ranges = comment_ranges(document)
    assert set(ranges) == set(comments)
    for n, p in enumerate(report.passages, 1):
        mine = sorted(i for i, c in comments.items() if c.text.startswith(f"片段 {n}（"))
        assert mine, f"passage {n} has no comment"
        for i in mine:
            c = comments[i]
            assert c.author == "dupcheck" and c.initials == "DC"
            assert report.source(p.source_id).title in c.text
            assert f"相似度 {p.similarity * 100:.1f}%" in c.text
        assert "\n".join(ranges[i] for i in mine) == report.text[p.draft_start : p.draft_end]


# ---------------------------------------------------------------------------------------------
# The user's own .docx


def test_paragraph_walk_follows_the_documented_convention(tmp_path):
    document = docx.Document(str(make_formatted_docx(tmp_path / "草案.docx")))
    assert docx_text(document) == FORMATTED_TEXT


def make_merged_docx(path: Path) -> Path:
    """Plain paragraphs (one empty) around a table with a vertical and a horizontal merge, a header."""
    doc = docx.Document()
    doc.add_paragraph("标题")
    doc.add_paragraph("")
    table = doc.add_table(rows=3, cols=3)
    for r, row in enumerate([["甲", "乙", "丙"], ["丁", "", "己"], ["庚", "辛", ""]]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(0, 0).merge(table.cell(1, 0))  # python-docx moves 丁 into the first cell
    table.cell(2, 1).merge(table.cell(2, 2))
    doc.add_paragraph("第一条　甲。")
    doc.sections[0].header.paragraphs[0].text = "页眉"
    doc.save(path)
    return path


def test_paragraph_walk_reproduces_the_extract_stage(tmp_path):
    extract = pytest.importorskip("dupcheck.extract")
    for path in (make_formatted_docx(tmp_path / "formatted.docx"), make_merged_docx(tmp_path / "merged.docx")):
        assert docx_text(docx.Document(str(path))) == extract.extract_path(path).text


def test_a_formatted_docx(tmp_path):
    draft = make_formatted_docx(tmp_path / "草案.docx")
    report = formatted_report(draft)
    before = docx.Document(str(draft))
    before_marks = char_marks(before, generated=False)

    out = annotate_docx(report, tmp_path / "草案（标注）.docx", draft_path=draft)
    assert out == tmp_path / "草案（标注）.docx"
    after = docx.Document(str(out))
    check_annotations(after, report, generated=False)

    # The text and every paragraph are unchanged; so is the formatting of every character.
    assert docx_text(after) == FORMATTED_TEXT
    assert [p.text for p in after.paragraphs] == [p.text for p in before.paragraphs]
    assert [[c.text for c in row.cells] for row in after.tables[0].rows] == [
        [c.text for c in row.cells] for row in before.tables[0].rows
    ]
    assert [m and (m[0], m[2]) for m in char_marks(after, generated=False)] == [
        m and (m[0], m[2]) for m in before_marks
    ]
    assert after.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    # The bold-italic run inside passage 1 was split from its neighbours, not merged with them.
    k = FORMATTED_TEXT.index("防止和减少")
    assert before_marks[k][2] == {"bold", "italic"} and before_marks[k - 1][2] == frozenset()
    # The draft itself is untouched.
    assert docx.Document(str(draft)).comments is not None and len(docx.Document(str(draft)).comments) == 0


def test_a_passage_across_a_table_cell_and_the_body_gets_a_comment_in_each(tmp_path):
    draft = make_formatted_docx(tmp_path / "草案.docx")
    run = "工作负责\n附：本表为示例\n第四条　本条例"
    report = build_report(
        str(draft), FORMATTED_TEXT, {LAW_ID: ("示例来源", "x.txt", run)}, [(run, LAW_ID, run, "verbatim")]
    )
    document = docx.Document(str(annotate_docx(report, tmp_path / "out.docx", draft_path=draft)))
    assert len(document.comments) == 3  # two table cells, one body paragraph
    check_annotations(document, report, generated=False)


def test_a_docx_edited_after_the_check_is_refused(tmp_path):
    draft = make_formatted_docx(tmp_path / "草案.docx")
    report = dataclasses.replace(formatted_report(draft), text=FORMATTED_TEXT.replace("草案", "征求意见稿"))
    with pytest.raises(InputError, match="文字与查重时的文字不同"):
        annotate_docx(report, tmp_path / "out.docx", draft_path=draft)
    assert not (tmp_path / "out.docx").exists()


def test_a_missing_draft_file(tmp_path):
    with pytest.raises(InputError, match="文件不存在"):
        annotate_docx(canonical_report(), tmp_path / "out.docx", draft_path=tmp_path / "没有.docx")


def test_the_draft_is_never_overwritten(tmp_path):
    draft = make_formatted_docx(tmp_path / "草案.docx")
    with pytest.raises(ParameterError, match="is the draft itself"):
        annotate_docx(formatted_report(draft), draft, draft_path=draft)


# ---------------------------------------------------------------------------------------------
# A .txt (or .pdf, or no file): a new document


def test_a_txt_draft(tmp_path):
    draft = tmp_path / "草案.txt"
    draft.write_text(DRAFT, encoding="utf-8")
    report = canonical_report()
    out = annotate_docx(report, tmp_path / "草案（标注）.docx", draft_path=draft)
    document = docx.Document(str(out))
    assert [p.text for p in document.paragraphs] == DRAFT.split("\n")  # one paragraph per line
    check_annotations(document, report, generated=True)
    header = document.sections[0].header.paragraphs[0].text
    assert "57.6%" in header and "未超过阈值 80%" in header


def test_no_draft_file_and_a_pdf_draft(tmp_path):
    report = canonical_report()
    pdf = tmp_path / "草案.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    for draft_path in (None, pdf):
        document = docx.Document(str(annotate_docx(report, tmp_path / "out.docx", draft_path=draft_path)))
        assert [p.text for p in document.paragraphs] == DRAFT.split("\n")
        check_annotations(document, report, generated=True)


def test_characters_xml_cannot_hold_keep_the_offsets(tmp_path):
    text = "第一条\x0c　甲乙丙丁\r戊己庚辛。"
    report = build_report(
        "x.txt",
        text,
        {1: ("来源", "s.txt", "甲乙丙丁 戊己庚辛")},
        [("甲乙丙丁\r戊己庚辛", 1, "甲乙丙丁 戊己庚辛", "verbatim")],
    )
    document = docx.Document(str(annotate_docx(report, tmp_path / "out.docx")))
    assert [p.text for p in document.paragraphs] == ["第一条 　甲乙丙丁 戊己庚辛。"]
    (comment,) = document.comments
    assert comment_ranges(document)[comment.comment_id] == "甲乙丙丁 戊己庚辛"


# ---------------------------------------------------------------------------------------------
# The filing review: the class of each unit as a comment, the summary and exact-13 lines


def test_each_unit_gets_its_class_as_a_comment_and_the_title_the_summary(tmp_path):
    from dupcheck.articlemap import review

    report = dataclasses.replace(review(canonical_report()), exact13_rate=0.5)
    draft = tmp_path / "草案.txt"
    draft.write_text(DRAFT, encoding="utf-8")
    document = docx.Document(str(annotate_docx(report, tmp_path / "out.docx", draft_path=draft)))
    texts = [c.text for c in document.comments]
    amap = report.article_map
    summary = f"dupcheck 条文对照：{amap.summary}"
    assert sum(summary in t for t in texts) == 1 and any("按连续13字相同规则：50.0%" in t for t in texts)
    units = [t for t in texts if t.startswith("第") and "：" in t and "片段" not in t]
    assert units == [
        "第一条：细化（新增 51%）——上位法：中华人民共和国安全生产法 第一条（37 字）",
        "第二条：新增——上位法中没有对应条文",
        "第三条：照搬——上位法：中华人民共和国安全生产法 第三条（53 字）",
        "第四条：照搬——上位法：中华人民共和国安全生产法 第五条（63 字）",
        f"第五条：细化（新增 35%）——上位法：{NOTICE_TITLE}（28 字）",
    ]
    # Each unit comment sits on the article's label; the passage comments are still there, and
    # the document's text is the checked text, one paragraph per line.
    assert len(texts) == 1 + len(amap.units) + len(report.passages)
    assert [p.text for p in document.paragraphs] == DRAFT.split("\n")
    header = "\n".join(p.text for p in document.sections[0].header.paragraphs)
    assert summary in header and "按连续13字相同规则" in header
    check_annotations(document, report, generated=True)


def test_a_formatted_docx_keeps_its_text_with_the_unit_comments(tmp_path):
    from dupcheck.articlemap import review

    draft = make_formatted_docx(tmp_path / "草案.docx")
    report = review(formatted_report(draft))
    after = docx.Document(str(annotate_docx(report, tmp_path / "out.docx", draft_path=draft)))
    assert docx_text(after) == FORMATTED_TEXT
    labels = [c.text.split("：")[0] for c in after.comments if not c.text.startswith(("片段", "dupcheck", "按连续"))]
    assert labels == [u.label for u in report.article_map.units]
