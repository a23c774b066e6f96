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
import subprocess
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


def make_word97(docx: str | os.PathLike, outdir: str | os.PathLike) -> Path:
    """Convert *docx* to a Word 97 ``.doc`` in *outdir* with LibreOffice (``soffice`` must be
    installed), with a private profile beside the .docx (not in *outdir*, which a test may index)
    so that parallel conversions do not collide."""
    docx, outdir = Path(docx), Path(outdir)
    profile = (docx.parent / f".{docx.stem}-profile").resolve().as_uri()
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation={profile}",
            "--convert-to",
            "doc",
            "--outdir",
            str(outdir),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return outdir / (docx.stem + ".doc")


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


# --- real laws, OFD packages, scanned PDFs ------------------------------------------------------

LAWS = Path("/work/shared/corpora/laws")


def law_body(relative: str, chars: int = 3000) -> str | None:
    """The first *chars* or so of a law's body, one paragraph a line, heading marks dropped; None
    when the corpus (or that file) is absent. Read-only: the corpus is never written."""
    path = LAWS / relative
    if not path.is_file():
        return None
    body = path.read_text(encoding="utf-8").split("<!-- INFO END -->", 1)[-1]
    out, n = [], 0
    for line in body.splitlines():
        line = line.lstrip("#").strip()
        if line:
            out.append(line)
            n += len(line)
            if n >= chars:
                break
    return "\n".join(out)


def corpus_laws(count: int, chars: int = 3000, *, min_chars: int = 1500) -> list[tuple[str, str]]:
    """(path, body) of the first *count* national laws of the manifest (in its order) with at least
    *min_chars* of body; [] when the corpus is absent."""
    import json

    manifest = LAWS / "manifest.jsonl"
    if not manifest.is_file():
        return []
    out = []
    for row in manifest.read_text(encoding="utf-8").splitlines():
        entry = json.loads(row)
        if entry.get("region") != "全国" or entry.get("category") in ("其他", "案例"):
            continue
        text = law_body(entry["path"], chars)
        if text and len(text) >= min_chars:
            out.append((entry["path"], text))
            if len(out) == count:
                break
    return out


_OFD_NS = "http://www.ofdspec.org/2016"


def make_ofd(
    path: str | os.PathLike,
    text: str,
    *,
    template_text: str | None = None,
    chars_per_line: int = 36,
    size: float = 4.2,
    piece: int = 5,
    spaces_between_objects: bool = True,
    page_numbers: bool = True,
) -> Path:
    """Write *text* as an OFD package (GB/T 33190), built from its XML structure.

    ``OFD.xml`` → ``Doc_0/Document.xml`` → one ``Pages/Page_N/Content.xml`` per page, each line
    of the text cut into TextObjects of *piece* characters (with ``Boundary``, ``TextCode@X/@Y``
    and ``DeltaX``), the first line of each paragraph indented by two characters, "— N —" page
    numbers at the bottom. When *spaces_between_objects*, every TextCode ends with a space, as
    some OFD writers leave between text objects. *template_text* goes in a template page
    (``CommonData/TemplatePage``) that the first page names with ``Template@TemplateID``, on
    the line above the body (a 版头 drawn by the template).
    """
    import zipfile
    from xml.sax.saxutils import escape

    page_w, page_h = 210.0, 297.0
    width = chars_per_line * size
    x_left = (page_w - width) / 2
    leading = 1.6 * size

    def measure(s: str) -> float:
        return sum(size / 2 if ch.isascii() else size for ch in s)

    lines: list[tuple[float, str]] = []
    for paragraph in text.split("\n"):
        if paragraph.strip():
            lines.extend(_wrap(paragraph, width, 2 * size, measure, x_left))
    top = 37.0 + size
    per_page = int((page_h - 35.0 - top) // leading) + 1
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)] or [[]]
    ids = iter(range(10, 10**9))

    def text_object(x: float, baseline: float, s: str) -> str:
        advances = [size / 2 if ch.isascii() else size for ch in s]
        deltas = " ".join(f"{a:g}" for a in advances[:-1])
        code = escape(s + (" " if spaces_between_objects else ""))
        return (
            f'<ofd:TextObject ID="{next(ids)}" Boundary="{x:.3f} {baseline - size:.3f} {sum(advances):.3f} '
            f'{size * 1.2:.3f}" Font="3" Size="{size:g}"><ofd:FillColor Value="0 0 0"/>'
            f'<ofd:TextCode X="0" Y="{size:g}"' + (f' DeltaX="{deltas}"' if deltas else "") + f">{code}</ofd:TextCode>"
            "</ofd:TextObject>"
        )

    def line_objects(x: float, baseline: float, s: str) -> list[str]:
        out = []
        for start in range(0, len(s), piece):
            chunk = s[start : start + piece]
            if chunk.strip():
                out.append(text_object(x + measure(s[:start]), baseline, chunk))
        return out

    def page_xml(objects: list[str], template: str | None = None) -> str:
        tpl = f'<ofd:Template TemplateID="{template}" ZOrder="Background"/>' if template else ""
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{_OFD_NS}">{tpl}'
            f'<ofd:Content><ofd:Layer ID="{next(ids)}">' + "".join(objects) + "</ofd:Layer></ofd:Content></ofd:Page>"
        )

    files: dict[str, str] = {}
    page_refs = []
    for n, page in enumerate(pages):
        objects = []
        for k, (x, line) in enumerate(page):
            objects += line_objects(x, top + k * leading, line)
        if page_numbers:
            number = f"— {n + 1} —"
            objects.append(text_object(page_w / 2 - measure(number) / 2, page_h - 20.0, number))
        files[f"Doc_0/Pages/Page_{n}/Content.xml"] = page_xml(objects, "2" if template_text and n == 0 else None)
        page_refs.append(f'<ofd:Page ID="{100 + n}" BaseLoc="Pages/Page_{n}/Content.xml"/>')
    template_ref = ""
    if template_text:
        files["Doc_0/Tpls/Tpl_0/Content.xml"] = page_xml(
            line_objects(page_w / 2 - measure(template_text) / 2, top - 2.5 * leading, template_text)
        )
        template_ref = '<ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0/Content.xml"/>'
    files["Doc_0/PublicRes.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{_OFD_NS}" BaseLoc="Res"><ofd:Fonts>'
        '<ofd:Font ID="3" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'
    )
    files["Doc_0/Document.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{_OFD_NS}"><ofd:CommonData>'
        f"<ofd:MaxUnitID>{next(ids)}</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 {page_w:g} {page_h:g}"
        f"</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>{template_ref}"
        "</ofd:CommonData><ofd:Pages>" + "".join(page_refs) + "</ofd:Pages></ofd:Document>"
    )
    files["OFD.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{_OFD_NS}" Version="1.0" DocType="OFD">'
        "<ofd:DocBody><ofd:DocInfo><ofd:DocID>0C0D0E0F</ofd:DocID><ofd:Title>fixture</ofd:Title></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )
    path = Path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, xml in files.items():
            z.writestr(name, xml.encode("utf-8"))
    return path


CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
"""A Song-style (宋体-like) font of fonts-noto-cjk, which .ci/run installs."""


def render_pages(
    text: str, *, dpi: int = 200, chars_per_line: int = 36, font_pt: float = 12.0, max_pages: int | None = None
) -> list:
    """*text* laid out on A4 page images (Pillow, greyscale) as a scanner would see a printed 公文:
    paragraphs wrapped at *chars_per_line*, first lines indented by two characters, "— N —" page
    numbers. Drawn directly with :data:`CJK_FONT` (poppler here has no Adobe-GB1 data to render
    the unembedded fonts of :func:`make_pdf`)."""
    from PIL import Image, ImageDraw, ImageFont

    px = dpi / 72
    size = round(font_pt * px)
    font = _sc_font(ImageFont, size)
    small = _sc_font(ImageFont, round(10 * px))
    page_w, page_h = round(A4[0] * px), round(A4[1] * px)
    width = chars_per_line * size
    x_left = (page_w - width) / 2
    leading = round(1.6 * size)
    lines: list[tuple[float, str]] = []
    for paragraph in text.split("\n"):
        if paragraph.strip():
            lines.extend(_wrap(paragraph, width, 2 * size, font.getlength, x_left))
    top = round(72 * px)
    per_page = max(1, (page_h - 2 * top) // leading)
    chunks = [lines[i : i + per_page] for i in range(0, len(lines), per_page)] or [[]]
    if max_pages:
        chunks = chunks[:max_pages]
    images = []
    for n, chunk in enumerate(chunks, 1):
        image = Image.new("L", (page_w, page_h), 255)
        draw = ImageDraw.Draw(image)
        for k, (x, line) in enumerate(chunk):
            draw.text((x, top + k * leading), line, font=font, fill=0)
        number = f"— {n} —"
        draw.text(((page_w - small.getlength(number)) / 2, page_h - round(40 * px)), number, font=small, fill=0)
        images.append(image)
    return images


def page_texts(text: str, **layout) -> list[str]:
    """The paragraphs of *text* that :func:`render_pages` puts on each page (a paragraph split by a
    page break counts on both pages), for comparing what OCR read page by page."""
    from PIL import ImageFont

    dpi = layout.get("dpi", 200)
    px = dpi / 72
    size = round(layout.get("font_pt", 12.0) * px)
    font = _sc_font(ImageFont, size)
    width = layout.get("chars_per_line", 36) * size
    per_page = max(1, (round(A4[1] * px) - 2 * round(72 * px)) // round(1.6 * size))
    lines = []
    for paragraph in text.split("\n"):
        if paragraph.strip():
            lines.extend(line for _, line in _wrap(paragraph, width, 2 * size, font.getlength, 0))
    return ["".join(lines[i : i + per_page]) for i in range(0, len(lines), per_page)]


def _sc_font(image_font, size: int):
    for index in range(8):
        font = image_font.truetype(str(CJK_FONT), size, index=index)
        if font.getname()[0].endswith(" SC"):
            return font
    return image_font.truetype(str(CJK_FONT), size)


def make_image_pdf(path: str | os.PathLike, text: str, *, dpi: int = 200, **layout) -> Path:
    """A scanned PDF: the page images of :func:`render_pages` in a PDF with no text layer."""
    path = Path(path)
    images = render_pages(text, dpi=dpi, **layout)
    images[0].save(path, "PDF", resolution=float(dpi), save_all=True, append_images=images[1:])
    return path


def degrade(image, seed: int):
    """A poor office scan of *image* (a 200 dpi page of :func:`render_pages`): 150 dpi, tilted
    0.8°, blurred (radius 0.7), 4% salt-and-pepper specks, JPEG quality 50; *seed* picks the specks."""
    import io

    import numpy as np
    from PIL import Image, ImageFilter

    w, h = image.size
    image = image.resize((w * 3 // 4, h * 3 // 4), Image.Resampling.LANCZOS)
    image = image.rotate(0.8, resample=Image.Resampling.BICUBIC, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(0.7))
    pixels = np.asarray(image).copy()
    rng = np.random.default_rng(seed)
    specks = rng.random(pixels.shape)
    pixels[specks < 0.02] = 0
    pixels[specks > 0.98] = 255
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "JPEG", quality=50)
    return Image.open(io.BytesIO(buf.getvalue()))
