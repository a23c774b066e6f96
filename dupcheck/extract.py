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
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from dupcheck.errors import InputError
from dupcheck.pdftext import pdf_text

__all__ = ["MAX_BYTES", "SUPPORTED_SUFFIXES", "Extracted", "extract_bytes", "extract_path"]

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".docx", ".pdf"})
MAX_BYTES: int = 64 * 2**20
"""Larger files are refused before they are read (64 MiB)."""

MAX_UNZIPPED_BYTES = 1024 * 2**20
"""A .docx whose parts declare more than this uncompressed is refused (zip bomb)."""

_SUPPORTED = "supported: .txt .md .docx .pdf"



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
        return Extracted(name, pdf_text(data, name), "pdf", None)
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
