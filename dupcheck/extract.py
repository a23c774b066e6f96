"""Extract stage: turn a .txt, .md, .docx or .pdf file into the plain text every later stage reads.

The format is decided by the content, never by the file name alone: ``%PDF`` is a PDF, a zip
holding ``word/document.xml`` is a Word file, recognisable other binaries (images, archives,
legacy ``.doc``) are refused with a reason, and anything else is decoded as text. The name is
used for messages and to tell Markdown (``.md``) from plain text.

What each format gives (``Extracted.text``; offsets of later stages refer to this string):

* text files: the decoded text with ``\\r\\n`` and ``\\r`` turned into ``\\n``, nothing else;
* .docx: body paragraphs and tables in document order, one paragraph per line. A table is
  read row by row, left to right, and **every paragraph of every cell is its own line** (no
  tabs: a cell may hold several paragraphs, so a tab-separated row could not keep them apart).
  A cell that spans several grid columns or rows is read once. Empty paragraphs are dropped;
  headers, footers, footnotes, comments, text boxes and deleted (tracked) text are left out;
* .pdf: the text layer with page numbers and running headers/footers removed and the lines
  that the layout broke joined again into paragraphs, one paragraph per line (see
  :func:`_join_lines` for the rules). Glyphs a PDF maps to CJK radical code points (⽂ U+2F42
  for 文, ⻓ U+2ED3 for 长, a common fault of Office-made PDFs) are mapped back to the unified
  ideograph; a glyph without any Unicode mapping becomes U+FFFD.

Every failure is a :class:`dupcheck.errors.InputError` naming the file with a one-line reason.
"""

from __future__ import annotations

import codecs
import io
import logging
import os
import re
import statistics
import unicodedata
import zipfile
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from dupcheck.errors import InputError

__all__ = ["MAX_BYTES", "SUPPORTED_SUFFIXES", "Extracted", "extract_bytes", "extract_path"]

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".docx", ".pdf"})
MAX_BYTES: int = 64 * 2**20
"""Larger files are refused before they are read (64 MiB)."""

MAX_UNZIPPED_BYTES = 1024 * 2**20
"""A .docx whose parts declare more than this uncompressed is refused (zip bomb)."""

_SUPPORTED = "supported: .txt .md .docx .pdf"

# pdfminer logs a warning per glyph for common font quirks (hundreds for one Chrome-made PDF).
# A NullHandler stops Python's last-resort handler from printing them when the application has
# configured no logging; records still propagate to any handler it does configure.
logging.getLogger("pdfminer").addHandler(logging.NullHandler())


@dataclass(frozen=True)
class Extracted:
    """The plain text of one document (提取的正文)."""

    path: str
    """The path or name as given."""
    text: str
    """The text all offsets refer to; lines end with ``\\n``."""
    format: str
    """``"txt"``, ``"md"``, ``"docx"`` or ``"pdf"``."""
    encoding: str | None
    """For text files the encoding read (``"utf-8"``, ``"utf-8-sig"``, ``"utf-16"``,
    ``"utf-16-le"``, ``"utf-16-be"``, ``"utf-32"`` or ``"gb18030"``, which covers GBK and
    GB2312); ``None`` for .docx and .pdf."""


def extract_path(path: str | os.PathLike) -> Extracted:
    """Read the file at *path* and extract its text (see :func:`extract_bytes`)."""
    name = os.fsdecode(path)
    try:
        size = os.stat(name).st_size
        _check_size(size, name)
        with open(name, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError(name, "file not found") from None
    except IsADirectoryError:
        raise InputError(name, "is a directory, not a file") from None
    except PermissionError:
        raise InputError(name, "permission denied") from None
    except OSError as e:
        raise InputError(name, f"cannot read file ({e.strerror or e})") from None
    return extract_bytes(data, name)


def extract_bytes(data: bytes, name: str) -> Extracted:
    """Extract the text of a document held in memory; *name* is used for messages and the suffix.

    Pure: reads no files. Raises :class:`InputError` for anything that is not a readable
    document.
    """
    name = str(name)
    _check_size(len(data), name)
    if not data:
        raise InputError(name, "empty file")
    pdf_at = data.find(b"%PDF-", 0, 1024)  # the header may follow some junk, as readers allow
    if pdf_at == 0 or pdf_at > 0 and b"%%EOF" in data[-2048:]:
        return Extracted(name, _pdf_text(data, name), "pdf", None)
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return Extracted(name, _docx_text(data, name), "docx", None)
    _refuse_other_binary(data, name)
    text, encoding = _decode(data, name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(name, "empty file")
    fmt = "md" if Path(name).suffix.lower() in (".md", ".markdown") else "txt"
    return Extracted(name, text, fmt, encoding)


def _check_size(size: int, name: str) -> None:
    if size > MAX_BYTES:
        raise InputError(name, f"file too large ({_human(size)}; limit {_human(MAX_BYTES)})")


def _human(n: int) -> str:
    if n < 2**10:
        return f"{n} bytes"
    unit, div = ("KB", 2**10) if n < 2**20 else ("MB", 2**20)
    return f"{n / div:.1f}".removesuffix(".0") + f" {unit}"


# --- binary formats we recognise and refuse -------------------------------------------------

_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"\x7fELF", "executable program (ELF)"),
    (b"\x1f\x8b", "gzip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
]


def _refuse_other_binary(data: bytes, name: str) -> None:
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2 compound file
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise InputError(name, "encrypted Office file (remove the password first)")
        if "WordDocument".encode("utf-16-le") in data:
            raise InputError(name, "legacy .doc format: save as .docx")
        raise InputError(name, f"legacy Office file, not a Word document ({_SUPPORTED})")
    if data.startswith(b"{\\rtf"):
        raise InputError(name, "RTF format: save as .docx")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(name, f"{what}, not a document (unknown format; {_SUPPORTED})")


# --- text files -----------------------------------------------------------------------------

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
_SAMPLE = 1 << 16
# Characters that make up Chinese documents: ASCII text, Latin/Greek/Cyrillic, general and CJK
# punctuation, radicals, kana, bopomofo, CJK ideographs, compatibility and full-width forms.
_PLAUSIBLE = re.compile(
    "[\t\n\r\f\x20-\x7e\u00a0-\u024f\u0370-\u04ff\u2000-\u2bff\u2e80-\u9fff"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _common_chars() -> re.Pattern[str]:
    """ASCII text and the 7,445 characters of GB 2312 (the 6,763 commonest hanzi, usual punctuation)."""
    chars = set("\t\n\f\r" + "".join(map(chr, range(0x20, 0x7F))))
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return re.compile("[" + "".join(map(re.escape, sorted(chars))) + "]")


_COMMON = _common_chars()


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode strictly: BOM, else UTF-8, else UTF-16 if it reads as text, else GB18030.

    One exception to UTF-8 first: GBK text made of characters such as 也 (D2 B2), 位 (CE BB) or
    一 (D2 BB) is also valid UTF-8 (Ҳ, λ, һ). Bytes cannot tell them apart; context does. When
    the UTF-8 reading holds no CJK character and no Latin word (an ASCII letter next to a
    Latin-script letter as in "Café", a digit next to a Latin-1 sign as in "12°"), while the
    GB18030 reading is hanzi with nothing outside ASCII and GB 2312, the text is taken as GBK.
    What remains ambiguous: a few characters of Greek or Cyrillic only that pair into GB 2312
    hanzi ("αβγ") are read as GBK; a few GBK hanzi that are all UTF-8 lookalikes with an ASCII
    letter touching one ("A也") are read as UTF-8. Neither happens to a document of any length.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as e:
                at = e.start + (len(bom) if encoding == "utf-8-sig" else 0)  # utf-8-sig counts after the BOM
                raise InputError(name, f"starts like {encoding.removesuffix('-sig').upper()} but has invalid "
                                 f"bytes at offset {at}") from None
            return _check_binary(text, name), encoding
    if b"\x00" in data:  # valid UTF-8 and GB18030 too, but only UTF-16 text holds NUL bytes
        encoding = _guess_utf16(data, None)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            if not _gbk_posing_as_utf8(text, data):
                return _check_binary(text, name), "utf-8"
            return _check_binary(data.decode("gb18030"), name), "gb18030"
        gb = _score(data, "gb18030")
        encoding = _guess_utf16(data, gb) or ("gb18030" if gb is not None else None)
    if encoding is None:
        raise InputError(name, _undecodable_reason(data))
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:  # the sample decoded, the rest did not
        raise InputError(name, _undecodable_reason(data)) from None
    return _check_binary(text, name), encoding


_CJK = re.compile("[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
_HANZI = re.compile("[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(  # a letter in a Latin word, or a Latin-1 sign by a number (12°, ±3)
    "[A-Za-z][\u0080-\u024f]|[\u0080-\u024f][A-Za-z]|[0-9][\u0080-\u00bf]|[\u0080-\u00bf][0-9]"
)


def _gbk_posing_as_utf8(utf8: str, data: bytes) -> bool:
    if utf8.isascii() or _CJK.search(utf8) or _LATIN_WORD.search(utf8):
        return False
    try:
        gb = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return bool(_HANZI.search(gb)) and len(_COMMON.findall(gb)) == len(gb)


def _score(data: bytes, encoding: str) -> float | None:
    """How much a sample decoded as *encoding* looks like a Chinese document; None if invalid.

    Mean over characters of 1 for ASCII text and GB 2312 characters, 1/2 for other plausible
    document characters, 0 for the rest. A wrong codec scores low: GBK read as UTF-16 gives
    Hangul, surrogates and private-use characters; UTF-16 read as GB18030 gives control
    characters and rare hanzi.
    """
    sample = data[:_SAMPLE]
    try:
        text = codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=len(sample) == len(data))
    except UnicodeDecodeError:
        return None
    if not text:
        return None
    plausible, common = len(_PLAUSIBLE.findall(text)), len(_COMMON.findall(text))
    return (common + 0.5 * (plausible - common)) / len(text)


def _guess_utf16(data: bytes, gb18030_score: float | None) -> str | None:
    """UTF-16 LE or BE without a BOM if that reads as a document, and better than GB18030 does."""
    if len(data) % 2:
        return None
    scores = [(s, enc) for enc in ("utf-16-le", "utf-16-be") if (s := _score(data, enc)) is not None]
    best = max(scores, default=None)
    # GB18030 wins near ties: pure GBK text must never come out as anything else.
    if best is not None and best[0] >= 0.8 and (gb18030_score is None or best[0] > gb18030_score + 0.02):
        return best[1]
    return None


def _undecodable_reason(data: bytes) -> str:
    sample = data[:_SAMPLE]
    controls = sum(1 for b in sample if b < 0x20 and b not in b"\t\n\r\f\x1b" or b == 0x7F)
    if b"\x00" in sample or controls > 0.05 * len(sample):
        return "binary data, not a text document"
    reason = "not decodable as UTF-8, UTF-16 or GB18030"
    guess = _charset_guess(sample)
    return f"{reason} (looks like {guess}; save it as UTF-8)" if guess else reason


def _charset_guess(sample: bytes) -> str | None:
    """charset-normalizer's guess, used only to word an error, never to decode."""
    try:
        import charset_normalizer

        best = charset_normalizer.from_bytes(sample).best()
    except Exception:  # noqa: BLE001 - a hint for a message is never worth an error of its own
        return None
    if best is None or best.encoding in {"utf_8", "utf_16", "utf_16_le", "utf_16_be", "gb18030", "gbk", "gb2312"}:
        return None
    return best.encoding


def _check_binary(text: str, name: str) -> str:
    if "\x00" in text or len(_CONTROL.findall(text[:_SAMPLE])) > 0.02 * len(text[:_SAMPLE]):
        raise InputError(name, "binary data, not a text document")
    return text


# --- .docx ----------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
# Subtrees of a paragraph that hold no body text, or text a reader does not see as body text.
_SKIP = {_W + t for t in ("pPr", "rPr", "del", "moveFrom", "drawing", "pict", "object")}


def _docx_text(data: bytes, name: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            mimetype = z.read("mimetype")[:100] if "mimetype" in names else b""
    except Exception as e:  # zipfile raises BadZipFile, EOFError, zlib.error, struct.error ...
        if b"word/" in data or Path(name).suffix.lower() == ".docx":
            raise InputError(name, "corrupt .docx (not a valid Word file)") from e
        raise InputError(name, f"corrupt zip archive (unknown format; {_SUPPORTED})") from e
    if "word/document.xml" not in names:
        if b"opendocument.text" in mimetype:
            raise InputError(name, "OpenDocument text (.odt): save as .docx")
        if "OFD.xml" in names:
            raise InputError(name, "OFD document: export it as PDF")
        if "xl/workbook.xml" in names:
            raise InputError(name, "Excel workbook, not a Word document")
        if "ppt/presentation.xml" in names:
            raise InputError(name, "PowerPoint file, not a Word document")
        raise InputError(name, f"zip archive, not a Word document (unknown format; {_SUPPORTED})")
    if sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:
        raise InputError(name, f"corrupt .docx (expands to more than {_human(MAX_UNZIPPED_BYTES)})")
    try:
        import docx

        body = docx.Document(io.BytesIO(data)).element.body
    except Exception as e:  # python-docx, zipfile and lxml raise a zoo of types for a broken package
        raise InputError(name, "corrupt .docx (not a valid Word file)") from e
    text = "\n".join(t for t in map(_docx_paragraph, docx_paragraph_elements(body)) if t.strip())
    if not text.strip():
        raise InputError(name, "empty file (the Word document has no text)")
    return text


def docx_paragraph_elements(parent) -> list:
    """The w:p elements of a body, cell or content control, tables flattened, in document order.

    The one walk of a .docx: ``extract`` reads text from it, the annotated-.docx renderer
    highlights runs in it, so offsets agree by construction.
    """
    out: list = []
    for child in parent:
        tag = child.tag
        if tag == _W + "p":
            out.append(child)
        elif tag == _W + "tbl":
            for row in _children(child, _W + "tr"):
                for cell in _children(row, _W + "tc"):
                    if not _merged_away(cell):
                        out.extend(docx_paragraph_elements(cell))
        elif tag == _W + "sdt":  # content control around whole paragraphs or tables
            content = child.find(_W + "sdtContent")
            if content is not None:
                out.extend(docx_paragraph_elements(content))
        elif tag == _W + "customXml":
            out.extend(docx_paragraph_elements(child))
    return out


def _children(el, tag: str):
    """Children with *tag*, looking through content controls and custom XML wrappers."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in (_W + "sdt", _W + "customXml"):
            inner = child.find(_W + "sdtContent") if child.tag == _W + "sdt" else child
            if inner is not None:
                yield from _children(inner, tag)


def _merged_away(cell) -> bool:
    """A cell continuing a vertical (or legacy horizontal) merge: its text belongs to the first."""
    props = cell.find(_W + "tcPr")
    if props is None:
        return False
    for tag in ("vMerge", "hMerge"):
        merge = props.find(_W + tag)
        if merge is not None and merge.get(_W + "val", "continue") != "restart":
            return True
    return False


DOCX_ATOMS = {_W + "tab": "\t", _W + "ptab": "\t", _W + "br": "\n", _W + "cr": "\n", _W + "noBreakHyphen": "-"}
"""Run content elements that stand for one character of text (every break is a line break)."""


def docx_atoms(p) -> list[tuple[object, str]]:
    """(element, text) for every text-bearing element of paragraph ``p``, in reading order."""
    out: list[tuple[object, str]] = []

    def walk(el) -> None:
        for child in el:
            tag = child.tag
            if tag == _W + "t":
                out.append((child, child.text or ""))
            elif tag in DOCX_ATOMS:
                out.append((child, DOCX_ATOMS[tag]))
            elif tag == _MC + "AlternateContent":  # same content twice: read the first choice only
                choice = child.find(_MC + "Choice")
                if choice is not None:
                    walk(choice)
            elif tag not in _SKIP:
                walk(child)

    walk(p)
    return out


def _docx_paragraph(p) -> str:
    return "".join(text for _, text in docx_atoms(p)).strip("\n")


# --- .pdf -----------------------------------------------------------------------------------

def _pdf_text(data: bytes, name: str) -> str:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    def fail(e: BaseException) -> InputError:
        cause = e.args[0] if e.args and isinstance(e.args[0], BaseException) else e
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            return InputError(name, "encrypted PDF (remove the password first)")
        return InputError(name, "corrupt PDF (cannot be parsed)")

    pages: list[list[_Line]] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            encrypted = pdf.doc.encryption is not None
            for page in pdf.pages:
                pages.append(_pdf_page_lines(page))
                page.close()
    except Exception as e:  # pdfplumber wraps pdfminer's errors; pdfminer raises many kinds
        raise fail(e) from e
    if not pages:
        raise InputError(name, "empty file (the PDF has no pages)")
    if not any(pages):
        raise InputError(name, "scanned PDF with no text layer (run OCR first)")
    glyphs = sum(len(line.text) for lines in pages for line in lines)
    unmapped = sum(line.text.count("\ufffd") for lines in pages for line in lines)
    if unmapped > 0.1 * glyphs:
        # reportlab, for one, writes the CIDSystemInfo of an encrypted file unencrypted; pdfminer
        # then cannot name the font's character collection and reports raw glyph ids.
        if encrypted:
            raise InputError(name, "encrypted PDF (remove the password first)")
        raise InputError(name, "PDF fonts have no Unicode mapping (text cannot be read; run OCR first)")
    text = "\n".join(_join_lines(_strip_page_furniture(pages)))
    if not text.strip():
        raise InputError(name, "scanned PDF with no text layer (run OCR first)")
    return text


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
    page = page.filter(lambda o: o.get("object_type") != "char"
                       or (abs(o["matrix"][1]) < 1e-3 and abs(o["matrix"][2]) < 1e-3)).dedupe_chars()
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
        lines.append(_Line(
            text=text,
            x0=min(c["x0"] for c in chars),
            x1=max(c["x1"] for c in chars),
            size=statistics.median(c["size"] for c in chars),
            first_unit=run[-1]["x1"] - first["x0"],
        ))
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
    pages = [list(lines) for lines in pages]
    n = len(pages)
    bare: dict[tuple[int, int], list[tuple[int, int]]] = {}  # (edge, value - page) -> [(page, line)]
    for i, lines in enumerate(pages):
        for edge in (0, -1):
            for k in range(2):
                if len(lines) <= k:
                    break
                j = k if edge == 0 else len(lines) - 1 - k
                if lines[j] is None:  # a page of one or two lines, already looked at from the top
                    break
                key = re.sub(r"\s+", "", lines[j].text)
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
                pages[i][j] = None
    pages = [[line for line in lines if line is not None] for lines in pages]
    if n >= 2:
        for edge in (0, -1):
            for _ in range(2):
                keys = [re.sub(r"\d+", "#", re.sub(r"\s+", "", lines[edge].text)) if lines else None
                        for lines in pages]
                counts: dict[str, int] = {}
                for key in keys:
                    if key is not None:
                        counts[key] = counts.get(key, 0) + 1
                running = {k for k, c in counts.items() if c >= 2 and 2 * c >= n}
                if not running:
                    break
                for lines, key in zip(pages, keys):
                    if key in running:
                        del lines[edge]
    return [line for lines in pages for line in lines]


_FINAL = re.compile(r"[。！？；：….!?;:][”’\"'」』）)]*$")
_NEW_PARAGRAPH = re.compile(
    rf"第[\d{_NUM_CN}千两]+[条章节编](?:\s|$)"  # 第十二条 / 第二章, followed by a space as in headings
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
