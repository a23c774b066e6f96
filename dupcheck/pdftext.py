"""The .pdf part of the extract stage: the text layer, page furniture removed, layout lines joined.

Split from :mod:`dupcheck.extract`, which calls :func:`pdf_text`; the rules are documented there
and at :func:`_join_lines`.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
import time
import unicodedata
import zlib
from dataclasses import dataclass
from itertools import pairwise

from dupcheck import limits
from dupcheck.articles import ARTICLE_UNIT, HEADING_UNIT, NUMERAL
from dupcheck.errors import InputError

# pdfminer logs a warning per glyph for common font quirks (hundreds for one Chrome-made PDF).
# A NullHandler stops Python's last-resort handler from printing them when the application has
# configured no logging; records still propagate to any handler it does configure.
logging.getLogger("pdfminer").addHandler(logging.NullHandler())


@dataclass(frozen=True)
class PdfResult:
    text: str
    method: str  # "text-layer", or "ocr:tesseract" when any page was OCR'd
    ocr_confidence: float | None


ENCRYPTED = "无法读取：加密的 PDF（请先去除密码）"
_SCANNED_CHARS = 10
"""A page with fewer non-space characters than this in its text layer, and an image, is scanned."""
_STAMPED_CHARS = 30
"""A page mostly covered by images (:data:`_SCAN_COVER`) is scanned with fewer characters than
this: a scan that a tool stamped with a 文号, a page number or a date still needs OCR."""
_SCAN_COVER = 0.5


def _is_scanned(page, glyphs: int) -> bool:
    """Almost no text layer, and an image: the page's text is in the picture."""
    if not page.images or glyphs >= _STAMPED_CHARS:
        return False
    if glyphs < _SCANNED_CHARS:
        return True
    area = float(page.width * page.height) or 1.0
    covered = sum(
        max(0.0, float(im["x1"] - im["x0"])) * max(0.0, float(im["bottom"] - im["top"])) for im in page.images
    )
    return covered / area >= _SCAN_COVER


def pdf_text(data: bytes, name: str) -> str:
    """The text of a PDF (see :func:`pdf_extract`)."""
    return pdf_extract(data, name).text


def pdf_extract(data: bytes, name: str, *, progress=None) -> PdfResult:
    """The text layer of a PDF, furniture removed and lines joined; scanned pages OCR'd.

    Limits (:mod:`dupcheck.limits`) are checked before the expensive step: the page count before
    any page is read, each page's decompressed content size before its operators are
    interpreted, the elapsed time between pages.
    """
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    has_encrypt = b"/Encrypt" in data

    def fail(e: BaseException) -> InputError:
        if isinstance(e, InputError):
            return e
        cause = e.args[0] if e.args and isinstance(e.args[0], BaseException) else e
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)) or has_encrypt:
            return InputError(name, ENCRYPTED)
        return InputError(name, "无法读取：损坏的 PDF（无法解析）")

    pages: list[list[_Line]] = []
    scanned: list[int] = []
    started = time.monotonic()
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            encrypted = pdf.doc.encryption is not None
            total = len(pdf.pages)
            if total > limits.MAX_PDF_PAGES:
                raise InputError(
                    name, f"页数过多（{total} 页，上限 {limits.MAX_PDF_PAGES} 页；可用 DUPCHECK_MAX_PDF_PAGES 调整）"
                )
            for i, page in enumerate(pdf.pages):
                _check_content_size(page, name, i)
                _text_layout(page)
                lines = _pdf_page_lines(page)
                glyphs = sum(len(line.text.replace(" ", "")) for line in lines)
                unmapped = sum(line.text.count("\ufffd") for line in lines)
                if _is_scanned(page, glyphs) or (glyphs and unmapped > 0.1 * glyphs and not encrypted):
                    scanned.append(i)
                pages.append(lines)
                page.close()
                if time.monotonic() - started > limits.MAX_PDF_SECONDS:
                    raise InputError(
                        name,
                        f"PDF 处理超时（{i + 1}/{total} 页后超过 {limits.MAX_PDF_SECONDS:.0f} 秒；"
                        "可用 DUPCHECK_MAX_PDF_SECONDS 调整）",
                    )
                if progress:
                    progress("pages", i + 1, total)
    except Exception as e:  # pdfplumber wraps pdfminer's errors; pdfminer raises many kinds
        raise fail(e) from e
    if not pages:
        raise InputError(name, "空文档（PDF 没有页面）")
    glyphs = sum(len(line.text) for i, lines in enumerate(pages) if i not in scanned for line in lines)
    unmapped = sum(line.text.count("\ufffd") for i, lines in enumerate(pages) if i not in scanned for line in lines)
    if encrypted and unmapped > 0.1 * glyphs:
        # reportlab, for one, writes the CIDSystemInfo of an encrypted file unencrypted; pdfminer
        # then cannot name the font's character collection and reports raw glyph ids.
        raise InputError(name, ENCRYPTED)
    method, confidence = "text-layer", None
    if scanned:
        from dupcheck.ocr import method as ocr_method
        from dupcheck.ocr import ocr_page_images

        ocr = ocr_page_images(data, scanned, name, progress=progress)
        chars = sum(p.chars for p in ocr.values())
        for i, recognised in ocr.items():
            pages[i] = recognised.lines
        method = ocr_method()
        confidence = sum(p.conf_sum for p in ocr.values()) / chars if chars else None
    if not any(pages):
        raise InputError(name, "扫描件 PDF，没有识别出文字" if scanned else "PDF 没有文字层，也没有可识别的图片")
    # A document whose every page is one repeated line is all "running header": keep it, then.
    body = _strip_page_furniture(pages) or [line for lines in pages for line in lines]
    text = "\n".join(_join_lines(body))
    if not text.strip():
        raise InputError(name, "PDF 没有文字层，也没有可识别的图片")
    return PdfResult(text, method, confidence)


def _text_layout(page) -> None:
    """Interpret the page's operators keeping text and images but not vector paths, and give the
    result to pdfplumber as the page's layout.

    pdfplumber keeps an object (and later a dict) for every rectangle, line and curve: a page of
    8 MB of drawing operators held 1 GB and more, for nothing the text layer needs (lines come
    from ``page.chars``; scanned pages are told by ``page.images``). Without them memory stays
    proportional to the page's content. Should pdfplumber's internals differ, its own layout is
    used (same text, more memory).
    """
    try:
        from pdfminer.pdfinterp import PDFPageInterpreter
        from pdfplumber.page import PDFPageAggregatorWithMarkedContent
    except ImportError:
        return
    if not hasattr(page, "pdf") or "_layout" in vars(page):
        return

    class TextOnly(PDFPageAggregatorWithMarkedContent):
        def paint_path(self, gstate, stroke, fill, evenodd, path) -> None:
            return None

    device = TextOnly(page.pdf.rsrcmgr, pageno=page.page_number, laparams=page.pdf.laparams)
    PDFPageInterpreter(page.pdf.rsrcmgr, device).process_page(page.page_obj)
    page._layout = device.get_result()


def _stream_size(stream, budget: int) -> int:
    """Decompressed size of a PDF stream, stopping once past *budget* (memory stays bounded)."""
    from pdfminer.pdftypes import resolve1

    filters = resolve1(stream.attrs.get("Filter") or stream.attrs.get("F"))
    names = [getattr(f, "name", f) for f in (filters if isinstance(filters, list) else [filters] if filters else [])]
    raw = stream.rawdata if stream.rawdata is not None else (stream.data or b"")
    if not names:
        return len(raw)
    if names == ["FlateDecode"] or names == ["Fl"]:
        d = zlib.decompressobj()
        size, chunk = 0, raw
        try:
            while chunk and size <= budget:
                out = d.decompress(chunk, budget + 1 - size)
                size += len(out)
                chunk = d.unconsumed_tail
        except zlib.error:
            return size  # pdfminer will deal with it (or fail) as before
        return size
    if len(raw) * 200 <= budget:  # no other filter expands more than this in practice
        return len(raw)
    return len(stream.get_data())


def _check_content_size(page, name: str, index: int) -> None:
    from pdfminer.pdftypes import PDFStream, resolve1

    budget = limits.MAX_PDF_PAGE_CONTENT_BYTES
    total = 0
    seen: set[int] = set()

    def streams(obj, depth: int = 0):
        obj = resolve1(obj)
        if isinstance(obj, list):
            for o in obj:
                yield from streams(o, depth)
        elif isinstance(obj, PDFStream) and id(obj) not in seen:
            seen.add(id(obj))
            yield obj
            if depth < 4:
                xobjects = resolve1((resolve1(obj.attrs.get("Resources")) or {}).get("XObject")) or {}
                for x in xobjects.values() if isinstance(xobjects, dict) else ():
                    xs = resolve1(x)
                    if isinstance(xs, PDFStream) and getattr(resolve1(xs.attrs.get("Subtype")), "name", "") == "Form":
                        yield from streams(xs, depth + 1)

    page_obj = page.page_obj
    roots = list(page_obj.contents or [])
    xobjects = resolve1((resolve1(page_obj.resources) or {}).get("XObject")) if page_obj.resources else None
    for x in (xobjects or {}).values() if isinstance(xobjects, dict) else ():
        xs = resolve1(x)
        if isinstance(xs, PDFStream) and getattr(resolve1(xs.attrs.get("Subtype")), "name", "") == "Form":
            roots.append(xs)
    for s in streams(roots):
        total += _stream_size(s, budget - total)
        if total > budget:
            raise InputError(
                name,
                f"第 {index + 1} 页内容过大（解压后超过 {budget / 2**20:.3g} MB 的绘图指令；"
                "可用 DUPCHECK_MAX_PDF_PAGE_MB 调整）",
            )


@dataclass(frozen=True)
class _Line:
    text: str  # stripped; never empty
    x0: float  # left edge of the first non-blank glyph
    x1: float  # right edge of the last non-blank glyph
    size: float  # median font size
    first_unit: float  # width of the first character, or of the first word of ASCII/Latin letters


_CID = re.compile(r"\(cid:\d+\)")
# Unicode's Equivalent_Unified_Ideograph for the CJK Radicals Supplement (EquivalentUnifiedIdeograph.txt,
# U+2E81..U+2EF3), as "first[-last]:target" in hex; the Kangxi radicals map by NFKC.
_RADICALS_SUPPLEMENT = (
    "2E81:5382 2E82:4E5B 2E83:4E5A 2E84:4E59 2E85:4EBB 2E86:5182 2E87:20628 2E88:5200 2E89:5202 "
    "2E8A:535C 2E8B:353E 2E8C-2E8D:5C0F 2E8E:5140 2E8F:5C23 2E90:5C22 2E91:21BC2 2E92:5DF3 2E93:5E7A "
    "2E94:5F51 2E95:5F50 2E96:5FC4 2E97:5FC3 2E98:624C 2E99:6535 2E9B:65E1 2E9C:65E5 2E9D:6708 "
    "2E9E:6B7A 2E9F:6BCD 2EA0:6C11 2EA1:6C35 2EA2:6C3A 2EA3:706C 2EA4-2EA5:722B 2EA6:4E2C 2EA7:725B "
    "2EA8:72AD 2EA9:738B 2EAA:24D14 2EAB:76EE 2EAC:793A 2EAD:793B 2EAE:25AD7 2EAF:7CF9 2EB0:7E9F "
    "2EB1:7F53 2EB2:7F52 2EB3:34C1 2EB4:5197 2EB5:2626B 2EB6:7F8A 2EB7:2634C 2EB8:2634B 2EB9:8002 "
    "2EBA:8080 2EBB:807F 2EBC:8089 2EBD:26951 2EBE-2EC0:8279 2EC1:864E 2EC2:8864 2EC3:8980 2EC4:897F "
    "2EC5:89C1 2EC6:89D2 2EC7:278B2 2EC8:8BA0 2EC9:8D1D 2ECA:27FB7 2ECB:8F66 2ECC-2ECE:8FB6 2ECF:9091 "
    "2ED0:9485 2ED1:9577 2ED2:9578 2ED3:957F 2ED4:95E8 2ED5:28E0F 2ED6:961D 2ED7:96E8 2ED8:9752 "
    "2ED9:97E6 2EDA:9875 2EDB:98CE 2EDC:98DE 2EDD:98DF 2EDE:2967F 2EDF:98E0 2EE0:9963 2EE1:29810 "
    "2EE2:9A6C 2EE3:9AA8 2EE4:9B3C 2EE5:9C7C 2EE6:9E1F 2EE7:5364 2EE8:9EA6 2EE9:9EC4 2EEA:9EFE "
    "2EEB:6589 2EEC:9F50 2EED:6B6F 2EEE:9F7F 2EEF:7ADC 2EF0:9F99 2EF1:9F9C 2EF2:4E80 2EF3:9F9F"
)


def _radical_table() -> dict[int, str]:
    table = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2F00, 0x2FD6)}
    for item in _RADICALS_SUPPLEMENT.split():
        span, target = item.split(":")
        first, _, last = span.partition("-")
        for cp in range(int(first, 16), int(last or first, 16) + 1):
            table[cp] = chr(int(target, 16))
    return table


_RADICALS = _radical_table()


def _pdf_page_lines(page) -> list[_Line]:
    # Drop rotated glyphs (diagonal watermarks) and the doubled glyphs of fake bold.
    page = page.filter(
        lambda o: o.get("object_type") != "char" or (abs(o["matrix"][1]) < 1e-3 and abs(o["matrix"][2]) < 1e-3)
    ).dedupe_chars()
    lines = []
    for raw in page.extract_text_lines(keep_blank_chars=True, return_chars=True):
        chars = [c for c in raw["chars"] if c["text"].strip()]
        text = _CID.sub("\ufffd", raw["text"]).strip().translate(_RADICALS)
        if not chars or not text:
            continue
        first = chars[0]
        run = [first]  # the first character, or the first word: word wrap never splits a word
        if _in_word(first["text"]):
            for c in chars[1:]:
                if not _in_word(c["text"]) or c["x0"] - run[-1]["x1"] > 0.2 * c["size"]:
                    break
                run.append(c)
        lines.append(
            _Line(
                text=text,
                x0=min(c["x0"] for c in chars),
                x1=max(c["x1"] for c in chars),
                size=statistics.median(c["size"] for c in chars),
                first_unit=run[-1]["x1"] - first["x0"],
            )
        )
    return lines


_DASH = "-‐‑‒–—―－~～"
_NUM_CN = "一二三四五六七八九十百零〇"
_PAGE_NUMBER = re.compile(
    rf"[{_DASH}]+\d+[{_DASH}]+"
    rf"|第[\d{_NUM_CN}]+页(?:[,，/／]?共[\d{_NUM_CN}]+页)?"
    rf"|共[\d{_NUM_CN}]+页[,，/／]?第[\d{_NUM_CN}]+页"
    r"|\d+[/／]\d+"
    r"|(?:page|p\.?)\d+(?:of\d+)?",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"\d{1,4}")


def _strip_page_furniture(pages: list[list[_Line]]) -> list[_Line]:
    """Drop page numbers and running headers/footers; return the body lines of all pages in order.

    Page numbers are recognised on the first two and last two lines of a page: decorated forms
    ("— 3 —", "－3－", "第3页", "第 3 页 共 10 页", "3/10") always, a bare number only when it
    counts pages (its value minus the page index is the same on at least half of the pages).
    A running header (footer) is a first (last) line that recurs, digits aside, on at least half
    of the pages, and on two or more.
    """
    marked: list[list[_Line | None]] = [list(lines) for lines in pages]
    n = len(marked)
    bare: dict[tuple[int, int], list[tuple[int, int]]] = {}  # (edge, value - page) -> [(page, line)]
    for i, lines in enumerate(marked):
        for edge in (0, -1):
            for k in range(2):
                if len(lines) <= k:
                    break
                j = k if edge == 0 else len(lines) - 1 - k
                line = lines[j]
                if line is None:  # a page of one or two lines, already looked at from the top
                    break
                key = re.sub(r"\s+", "", line.text)
                if _PAGE_NUMBER.fullmatch(key):
                    lines[j] = None
                elif _BARE_NUMBER.fullmatch(key):
                    bare.setdefault((edge, int(key) - i), []).append((i, j))
                    break
                else:
                    break
    for hits in bare.values():
        if len(hits) >= max(1, n // 2):
            for i, j in hits:
                marked[i][j] = None
    pages = [[line for line in lines if line is not None] for lines in marked]
    if n >= 2:
        for edge in (0, -1):
            for _ in range(2):
                keys = [re.sub(r"\d+", "#", re.sub(r"\s+", "", body[edge].text)) if body else None for body in pages]
                counts: dict[str, int] = {}
                for shape in keys:
                    if shape is not None:
                        counts[shape] = counts.get(shape, 0) + 1
                running = {k for k, c in counts.items() if c >= 2 and 2 * c >= n}
                if not running:
                    break
                for body, shape in zip(pages, keys):
                    if shape in running:
                        del body[edge]
    return [line for lines in pages for line in lines]


_FINAL = re.compile(r"[。！？；：….!?;:][”’\"'」』）)]*$")
_NEW_PARAGRAPH = re.compile(
    rf"第{NUMERAL}(?:{ARTICLE_UNIT}|{HEADING_UNIT})(?:\s|$)"  # 第十二条 / 第二章, then a space as in headings
    rf"|[{_NUM_CN}]+、"  # 一、
    rf"|[（(][\d{_NUM_CN}]+[）)]"  # （一） (1)
    r"|\d+[.．、](?!\d)"  # 1. 1、 but not 1.5
    r"|[\u2460-\u2473]"  # ①
)
_LATIN_END = re.compile(r"[A-Za-z0-9\u00c0-\u024f,.;:!?%)\]}\"']$")
_LATIN_START = re.compile(r"[A-Za-z0-9\u00c0-\u024f(\[{\"']")


def _in_word(ch: str) -> bool:
    """Part of a word that a line break does not split: ASCII other than space, Latin letters."""
    return len(ch) == 1 and ("!" <= ch <= "~" or "\u00c0" <= ch <= "\u024f")


def _join_lines(lines: list[_Line]) -> list[str]:
    """Join the lines the layout broke back into paragraphs.

    Margins come from the document: the left margin is the 10th-percentile left edge, the right
    margin the 90th-percentile right edge (one stray wide line does not move it). A line is
    *short* when the first character (or ASCII/Latin word) of the next line would have fitted after
    it with a character to spare; a short line always ends its paragraph. A line is *indented*
    when it starts more than 0.7 character widths right of the left margin.

    When the document marks paragraphs by first-line indentation (most lines after a short line
    are indented), a new paragraph starts exactly at an indented line, or after a line ending
    in sentence-final punctuation when the next line starts with a list or article marker.
    Otherwise a line continues onto the next unless it ends with sentence-final punctuation
    (。！？；：… or .!?;:, optionally followed by closing quotes or brackets), the next line
    starts a new paragraph (第X条 / 第X章 followed by a space, 一、, （一）, 1. / 1、, ①) or is
    indented further than this one. Both sides Chinese: joined without a space; Latin word or
    digit on both sides: joined with one space.

    Limit: without indentation, a full line that happens to end a sentence inside a paragraph
    cannot be told from the end of the paragraph, and is taken as the end.
    """
    if not lines:
        return []
    x0s = sorted(line.x0 for line in lines)
    x1s = sorted((line.x1 for line in lines), reverse=True)
    k = len(lines) // 10  # under 10 lines: the extremes
    left, right = x0s[k], x1s[k]
    indented = [line.x0 - left > 0.7 * line.size for line in lines]
    short = [right - a.x1 > b.first_unit + a.size for a, b in pairwise(lines)] + [True]
    after_short = [indented[i + 1] for i in range(len(lines) - 1) if short[i]]
    by_indent = bool(after_short) and sum(after_short) >= 0.6 * len(after_short)

    paragraphs = [lines[0].text]
    for i in range(1, len(lines)):
        a, b = lines[i - 1], lines[i]
        final = bool(_FINAL.search(a.text))
        marker = bool(_NEW_PARAGRAPH.match(b.text))
        if by_indent:
            breaks = short[i - 1] or indented[i] or (final and marker)
        else:
            breaks = short[i - 1] or final or marker or b.x0 - a.x0 > 0.7 * b.size
        if breaks:
            paragraphs.append(b.text)
        elif _LATIN_END.search(paragraphs[-1]) and _LATIN_START.match(b.text):
            paragraphs[-1] += " " + b.text
        else:
            paragraphs[-1] += b.text
    return paragraphs
