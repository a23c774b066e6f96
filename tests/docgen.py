"""Make .docx and .pdf fixtures at test time, so no binary file is committed.

``make_pdf`` lays Chinese text out the way a 公文 PDF looks: paragraphs wrapped at a fixed
width, the first line of each paragraph indented by two characters (首行缩进), an optional
running header and "— N —" page numbers. It draws with reportlab's built-in CID font
STSong-Light, which reportlab does not embed: it writes each character as its UCS-2 code and
names Adobe's ``UniGB-UCS2-H`` CMap to turn codes into glyph ids (CIDs) of the Adobe-GB1
collection. Two consequences, found by rendering every GBK character and the whole law corpus
and reading them back with pdfplumber:

* a character that CMap does not list gets CID 0 (.notdef): invisible in a viewer and silently
  dropped by pdfminer. Among GBK that is U+00B7 ·, ń ň ɑ ɡ, five compatibility ideographs and
  the vertical presentation forms U+FE31..U+FE44; elsewhere ® U+00AE, NBSP, • U+2022, U+200B
  and private-use characters. ``make_pdf`` refuses such text (``ValueError``) instead of
  making a PDF whose text layer silently differs from its input;
* the middle dot · U+00B7 is drawn as U+30FB ・, which the CMap maps to the same CID that
  pdfminer's Adobe-GB1 table reads back as U+00B7, so · survives the round trip.

Everything else (all other GBK characters, and every other character of the law corpus) comes
back unchanged. Encryption is a quirk of its own: reportlab leaves the font's CIDSystemInfo
strings unencrypted in an encrypted file, pdfminer decrypts them into garbage and then reports
raw glyph ids, "(cid:N)" (the extractor calls such a file an encrypted PDF).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

A4 = (595.2756, 841.8898)

# Characters the font's CMap lacks but whose glyph another code point reaches, and that
# pdfminer reads back as the original character.
_SAME_GLYPH = {"\u00b7": "\u30fb"}


def make_docx(
    path: str | os.PathLike,
    paragraphs: list[str],
    *,
    table: list[list[str]] | None = None,
    table_at: int | None = None,
    merges: list[tuple[int, int, int, int]] = (),
    header: str | None = None,
) -> Path:
    """Write a .docx with *paragraphs*, optionally a *table* and a page *header*.

    The table goes before ``paragraphs[table_at]`` (at the end when None). Each of *merges*,
    ``(row0, col0, row1, col1)``, merges that rectangle of cells with python-docx, which keeps
    the origin cell and moves the text of the others into it.
    """
    import docx

    doc = docx.Document()
    cut = len(paragraphs) if table_at is None else table_at
    for text in paragraphs[:cut]:
        doc.add_paragraph(text)
    if table is not None:
        grid = doc.add_table(rows=len(table), cols=max(len(row) for row in table))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                grid.cell(r, c).text = text
        for r0, c0, r1, c1 in merges:
            grid.cell(r0, c0).merge(grid.cell(r1, c1))
    for text in paragraphs[cut:]:
        doc.add_paragraph(text)
    if header is not None:
        doc.sections[0].header.paragraphs[0].text = header
    path = Path(path)
    doc.save(path)
    return path


def make_pdf(
    path: str | os.PathLike,
    text: str,
    *,
    font: str = "STSong-Light",
    chars_per_line: int = 38,
    header: str | None = None,
    page_numbers: bool = True,
    page_number_format: str = "— {n} —",
    indent: int = 2,
    font_size: float = 12.0,
    password: str | None = None,
) -> Path:
    """Write *text* as an A4 PDF; each ``"\\n"`` starts a paragraph, blank paragraphs are skipped.

    Lines are *chars_per_line* full-width characters wide; the first line of a paragraph is
    indented by *indent* characters. A line never breaks inside a run of ASCII characters, and
    breaks at a space only between two letters or digits (the space is then dropped, as a
    word-wrapping editor does), so the extractor's joining rules can restore the text exactly.
    *header* goes at the top of every page, and when *page_numbers* the bottom of page *n* of
    *total* shows ``page_number_format.format(n=n, total=total)`` ("— 3 —" by default).
    *password* encrypts the file with that user password.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    cmap = pdfmetrics.getFont(font).encodingName
    text = _encodable(text, cmap)
    header = None if header is None else _encodable(header, cmap)
    page_w, page_h = A4
    size = min(font_size, (page_w - 72) / chars_per_line)
    width = chars_per_line * size
    x_left = (page_w - width) / 2
    leading = 1.6 * size

    def measure(s: str) -> float:
        return pdfmetrics.stringWidth(s, font, size)

    lines: list[tuple[float, str]] = []  # (x, text)
    for paragraph in text.split("\n"):
        if paragraph.strip():
            lines.extend(_wrap(paragraph, width, indent * size, measure, x_left))

    path = Path(path)
    c = canvas.Canvas(str(path), pagesize=A4, encrypt=password)
    top = page_h - 72 - size
    per_page = max(1, int((top - 72) // leading) + 1)
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)] or [[]]
    for number, page in enumerate(pages, 1):
        if header is not None:
            c.setFont(font, 9)
            c.drawCentredString(page_w / 2, page_h - 40, header)
        c.setFont(font, size)
        for k, (x, line) in enumerate(page):
            c.drawString(x, top - k * leading, line)
        if page_numbers:
            c.setFont(font, 10)
            c.drawCentredString(page_w / 2, 36, page_number_format.format(n=number, total=len(pages)))
        c.showPage()
    c.save()
    return path


def make_scanned_pdf(path: str | os.PathLike, pages: int = 1) -> Path:
    """Write a PDF whose pages hold only a drawn rectangle, as a scan without OCR has no text."""
    from reportlab.pdfgen import canvas

    path = Path(path)
    c = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(pages):
        c.rect(72, 72, A4[0] - 144, A4[1] - 144, fill=1)
        c.showPage()
    c.save()
    return path


def _encodable(text: str, cmap_name: str) -> str:
    """*text* with same-glyph substitutions; ValueError for characters the font cannot show."""
    from pdfminer.cmapdb import CMapDB

    cmap = CMapDB.get_cmap(cmap_name)

    def ok(ch: str) -> bool:
        code = ch.encode("utf-16-be")
        return len(code) == 2 and any(cid != 0 for cid in cmap.decode(code))

    out, bad = [], set()
    for ch in text:
        if ch == "\n" or ok(ch):
            out.append(ch)
        elif ch in _SAME_GLYPH and ok(_SAME_GLYPH[ch]):
            out.append(_SAME_GLYPH[ch])
        else:
            bad.add(ch)
    if bad:
        listed = " ".join(f"U+{ord(ch):04X}" for ch in sorted(bad))
        raise ValueError(f"{cmap_name} has no glyph for {listed}; the PDF would lose these characters")
    return "".join(out)


_UNIT = re.compile(r"[!-~]+|.", re.DOTALL)


def _wrap(paragraph: str, width: float, indent: float, measure, x_left: float) -> list[tuple[float, str]]:
    units = _UNIT.findall(paragraph)
    out: list[tuple[float, str]] = []
    start, limit = 0, width - indent
    while start < len(units):
        end, used, last_break = start, 0.0, None
        while end < len(units) and (end == start or used + measure(units[end]) <= limit):
            used += measure(units[end])
            end += 1
            if end < len(units) and _can_break(units, end):
                last_break = end
        if end < len(units) and not _can_break(units, end) and last_break is not None:
            end = last_break
        line = "".join(units[start:end])
        out.append((x_left + (width - limit), line))
        start = end
        if start < len(units) and units[start] == " ":  # a space between two words: the break eats it
            start += 1
        limit = width
    return out


def _can_break(units: list[str], i: int) -> bool:
    """May a line end before units[i]? Never next to a space, except a space between two words."""
    before, after = units[i - 1], units[i]
    if after == " ":
        return (
            i + 1 < len(units)
            and before[-1].isascii()
            and before[-1].isalnum()
            and units[i + 1][0].isascii()
            and units[i + 1][0].isalnum()
        )
    return not before.isspace() and not after.isspace()
