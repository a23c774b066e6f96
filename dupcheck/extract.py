"""Extract stage: turn a document file into the plain text every later stage reads (正文提取).

The format is decided by the content, never by the file name alone: ``%PDF`` is a PDF, a zip
holding ``word/document.xml`` is a Word file and one holding ``OFD.xml`` an OFD document, an OLE2
compound file with a ``WordDocument`` stream is a Word 97 (.doc) or WPS (.wps) file, PNG/JPEG/TIFF
signatures are scanned images, ``<html`` is a web page; other recognisable binaries (archives,
programs, encrypted Office files) are refused with a reason, and anything else is decoded as text.
The name is used for messages and to tell Markdown (``.md``) and HTML (``.htm``) from plain text.

What each format gives (``Extracted.text``; offsets of later stages refer to this string):

* text files: the decoded text with ``\\r\\n`` and ``\\r`` turned into ``\\n``, nothing else;
* .docx: body paragraphs and tables in document order, one paragraph per line. A table is
  read row by row, left to right, and **every paragraph of every cell is its own line** (no
  tabs: a cell may hold several paragraphs, so a tab-separated row could not keep them apart).
  A cell that spans several grid columns or rows is read once. Empty paragraphs are dropped;
  headers, footers, footnotes, comments, text boxes and deleted (tracked) text are left out.
  ``word/document.xml`` is parsed as a stream (one top-level body element at a time), so memory
  stays proportional to the largest paragraph or table, not to the file;
* .doc / .wps: converted to .docx by LibreOffice (:mod:`dupcheck.office`) and read as above; with
  antiword when LibreOffice is absent;
* .pdf: the text layer with page numbers and running headers/footers removed and the lines
  that the layout broke joined again into paragraphs, one paragraph per line (see
  :mod:`dupcheck.pdftext`). Scanned pages (no text layer, an image) are OCR'd (:mod:`dupcheck.ocr`);
* OFD: the text objects of every page and its templates in reading order (:mod:`dupcheck.ofd`);
* images: OCR; a character recognised with low confidence becomes U+FFFD, which matches nothing;
* .html/.htm: the body text, scripts, styles and navigation left out (:mod:`dupcheck.htmltext`).

``Extracted.method`` says how the text was obtained and ``Extracted.ocr_confidence`` gives the
mean OCR confidence. Every failure is a :class:`dupcheck.errors.InputError` naming the file with
a one-line reason in Chinese. Limits (file size, unzipped size, pages, characters, time) are in
:mod:`dupcheck.limits`.
"""

from __future__ import annotations

import codecs
import errno
import functools
import os
import re
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dupcheck import limits
from dupcheck.errors import InputError

__all__ = [
    "MAX_BYTES",
    "METHODS",
    "SUPPORTED_SUFFIXES",
    "Extracted",
    "extract_bytes",
    "extract_path",
    "extraction_note",
    "read_document_bytes",
]

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {
        ".txt",
        ".md",
        ".docx",
        ".pdf",
        ".doc",
        ".wps",
        ".ofd",
        ".html",
        ".htm",
        ".png",
        ".jpg",
        ".jpeg",
        ".tif",
        ".tiff",
    }
)
MAX_BYTES: int = limits.MAX_FILE_BYTES
"""Larger files are refused before they are read (64 MiB; ``DUPCHECK_MAX_FILE_MB``)."""

_SUPPORTED = "支持的格式：.txt .md .docx .doc .wps .pdf .ofd .html 及 .png .jpg .tif 图片"

METHODS: frozenset[str] = frozenset(
    {"text", "text-layer", "converted:libreoffice", "converted:antiword", "ocr:rapidocr", "ocr:tesseract"}
)
"""Every value of :attr:`Extracted.method` (and of ``Report.extraction``)."""

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: ``"pages"`` as a PDF's pages are read, ``"ocr"`` as its scanned
pages (or an image's frames) are recognised; *total* is that stage's count."""


@dataclass(frozen=True)
class Extracted:
    """The plain text of one document (提取的正文)."""

    path: str
    """The path or name as given."""
    text: str
    """The text all offsets refer to; lines end with ``\\n``."""
    format: str
    """``"txt"``, ``"md"``, ``"docx"``, ``"doc"``, ``"pdf"``, ``"ofd"``, ``"html"`` or ``"image"``."""
    encoding: str | None
    """For text files the encoding read (``"utf-8"``, ``"utf-8-sig"``, ``"utf-16"``,
    ``"utf-16-le"``, ``"utf-16-be"``, ``"utf-32"``, ``"gb18030"`` (which covers GBK and GB2312),
    ``"big5"`` or ``"big5hkscs"``); ``None`` for the other formats."""
    method: str = "text"
    """How the text was obtained (:data:`METHODS`): ``"text"`` (a text file, .docx or web page read
    as it is), ``"text-layer"`` (the text layer of a PDF or OFD), ``"converted:libreoffice"`` /
    ``"converted:antiword"`` (a .doc/.wps converted), ``"ocr:rapidocr"`` / ``"ocr:tesseract"`` (an image, or a PDF of
    which at least one page was scanned and OCR'd). A report carries it as ``extraction``."""
    ocr_confidence: float | None = None
    """Mean confidence (0–1) of the OCR'd characters; ``None`` when nothing was OCR'd."""


def read_document_bytes(path: str | os.PathLike) -> bytes:
    """The bytes of a regular file, refused (InputError in Chinese) before reading when too large.

    Opened with ``O_NONBLOCK`` and checked with ``fstat``: a FIFO, device or socket is refused at
    once instead of blocking; the read is bounded by the limit whatever the file does meanwhile.
    """
    name = os.fsdecode(path)
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(name, "文件不存在") from None
    except IsADirectoryError:
        raise InputError(name, "是文件夹，不是文件") from None
    except PermissionError:
        raise InputError(name, "没有读取权限") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise InputError(name, "符号链接循环，无法打开") from None
        if e.errno == errno.ENXIO:
            raise InputError(name, "不是普通文件（套接字），已跳过") from None
        raise InputError(name, f"无法读取文件（{e.strerror or e}）") from None
    try:
        st = os.fstat(fd)
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            raise InputError(name, "是文件夹，不是文件")
        if not stat.S_ISREG(mode):
            kind = (
                "命名管道"
                if stat.S_ISFIFO(mode)
                else "套接字"
                if stat.S_ISSOCK(mode)
                else "设备"
                if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "特殊文件"
            )
            raise InputError(name, f"不是普通文件（{kind}），已跳过")
        _check_size(st.st_size, name)
        os.set_blocking(fd, True)
        head = os.pread(fd, 8192, 0)
        if _is_plain_text_kind(head, name):
            _check_size(st.st_size, name, limits.MAX_TEXT_FILE_BYTES, "DUPCHECK_MAX_TEXT_MB")
            cap = limits.MAX_TEXT_FILE_BYTES
        else:
            cap = MAX_BYTES
        # One read of the known size into one buffer (chunks joined would hold the file twice);
        # the byte past it tells a file that grew meanwhile, and short reads are continued.
        data = os.read(fd, min(st.st_size, cap) + 1)
        while len(data) <= cap:
            chunk = os.read(fd, cap + 1 - len(data))
            if not chunk:
                break
            data += chunk
    except InputError:
        raise
    except OSError as e:
        raise InputError(name, f"无法读取文件（{e.strerror or e}）") from None
    finally:
        os.close(fd)
    _check_size(len(data), name, cap)  # it grew while we read
    return data


def extract_path(path: str | os.PathLike, *, progress: Progress | None = None) -> Extracted:
    """Read the file at *path* and extract its text (see :func:`extract_bytes`)."""
    name = os.fsdecode(path)
    return extract_bytes(read_document_bytes(name), name, progress=progress)


def extract_bytes(data: bytes, name: str, *, progress: Progress | None = None) -> Extracted:
    """Extract the text of a document held in memory; *name* is used for messages and the suffix.

    Reads no file of the caller's; a .doc conversion and OCR work on private temporary copies.
    ``progress(stage, done, total)`` is called per page of a PDF (see :data:`Progress`). Raises :class:`InputError` for
    anything that is not a readable document.
    """
    name = str(name)
    _check_size(len(data), name)
    if not data:
        raise InputError(name, "空文件")
    pdf_at = data.find(b"%PDF-", 0, 1024)  # the header may follow some junk, as readers allow
    if pdf_at == 0 or (pdf_at > 0 and b"%%EOF" in data[-2048:]):
        from dupcheck.pdftext import pdf_extract

        r = pdf_extract(data, name, progress=progress)
        return _checked(Extracted(name, r.text, "pdf", None, r.method, r.ocr_confidence))
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _checked(_zip_document(data, name))
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2 compound file
        return _checked(_ole_document(data, name))
    image = _image_kind(data)
    if image:
        from dupcheck.ocr import ocr_image

        ocr = ocr_image(data, name, progress=progress)
        return _checked(Extracted(name, ocr.text, "image", None, ocr.method, ocr.confidence))
    _refuse_other_binary(data, name)
    _check_size(len(data), name, limits.MAX_TEXT_FILE_BYTES, "DUPCHECK_MAX_TEXT_MB")
    text, encoding = _decode(data, name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _is_html(text, name):
        from dupcheck.htmltext import html_text

        text = html_text(text)
        if not text.strip():
            raise InputError(name, "空文档（网页中没有正文）")
        return _checked(Extracted(name, text, "html", encoding, "text"))
    if not text.strip():
        raise InputError(name, "空文件")
    fmt = "md" if Path(name).suffix.lower() in (".md", ".markdown") else "txt"
    return _checked(Extracted(name, text, fmt, encoding))


def _checked(e: Extracted) -> Extracted:
    if len(e.text) > limits.MAX_CHARS:
        raise InputError(
            e.path,
            f"文字过多（{len(e.text):,} 字，上限 {limits.MAX_CHARS:,} 字；可用环境变量 DUPCHECK_MAX_CHARS 调整）",
        )
    return e


def _check_size(size: int, name: str, limit: int | None = None, env: str = "DUPCHECK_MAX_FILE_MB") -> None:
    limit = MAX_BYTES if limit is None else limit
    if size > limit:
        raise InputError(name, f"文件过大（{_human(size)}，上限 {_human(limit)}；可用环境变量 {env} 调整）")


def _human(n: int) -> str:
    if n < 2**10:
        return f"{n} bytes"
    unit, div = ("KB", 2**10) if n < 2**20 else ("MB", 2**20)
    return f"{n / div:.1f}".removesuffix(".0") + f" {unit}"


def _is_plain_text_kind(head: bytes, name: str) -> bool:
    """Whether the first bytes say: a text (or HTML) file, to be held to the text-file size limit."""
    if head.find(b"%PDF-", 0, 1024) >= 0 or head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0")):
        return False
    if _image_kind(head) or any(head.startswith(m) for m, _ in _MAGIC):
        return False
    return True


def _is_html(text: str, name: str) -> bool:
    head = text[:2048].lstrip("\ufeff \t\r\n").lower()
    if head.startswith(("<!doctype html", "<html")):
        return True
    return Path(name).suffix.lower() in (".html", ".htm", ".xhtml") and head.startswith("<")


# --- binary formats -------------------------------------------------------------------------

_IMAGES: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
]

_MAGIC: list[tuple[bytes, str]] = [
    (b"GIF87a", "GIF 图片（请另存为 PNG 或 JPEG）"),
    (b"GIF89a", "GIF 图片（请另存为 PNG 或 JPEG）"),
    (b"\x7fELF", "可执行程序（ELF）"),
    (b"MZ\x90\x00", "Windows 可执行程序"),
    (b"\x1f\x8b", "gzip 压缩包（请先解压）"),
    (b"Rar!\x1a\x07", "RAR 压缩包（请先解压）"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip 压缩包（请先解压）"),
]


def _image_kind(data: bytes) -> str | None:
    for magic, kind in _IMAGES:
        if data.startswith(magic):
            return kind
    return None


def _ole_document(data: bytes, name: str) -> Extracted:
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise InputError(name, "无法读取：加密的 Office 文件（请先去除密码）")
    if "WordDocument".encode("utf-16-le") not in data:
        raise InputError(name, f"Office 旧格式文件，但不是 Word 文档（{_SUPPORTED}）")
    from dupcheck.office import convert_word97

    converted = convert_word97(data, name)
    if converted.docx is not None:
        text = _docx_text(converted.docx, name)
    else:
        text = converted.text
    if not text.strip():
        raise InputError(name, "空文档（Word 文件中没有文字）")
    return Extracted(name, text, "doc", None, converted.method)


def _refuse_other_binary(data: bytes, name: str) -> None:
    if data.startswith(b"{\\rtf"):
        raise InputError(name, "RTF 格式：请另存为 .docx")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(name, f"{what}，不是文档（{_SUPPORTED}）")


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
    "[\t\n\r\f\x20-\x7e\u00a0-\u024f\u0370-\u04ff\u2000-\u2bff\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _double_byte_chars(codec: str, leads: range, trails: list[range]) -> set[str]:
    chars = set()
    for lead in leads:
        for trail_range in trails:
            for trail in trail_range:
                try:
                    chars.add(bytes((lead, trail)).decode(codec))
                except UnicodeDecodeError:
                    pass
    return chars


@functools.cache
def _common_chars() -> re.Pattern[str]:
    """ASCII text and the 7,445 characters of GB 2312 (the 6,763 commonest hanzi, usual punctuation).

    Built on first use (tens of milliseconds), not at import: most documents are UTF-8 or .docx
    and never need it, and every ``dupcheck`` process imports this module."""
    chars = set("\t\n\f\r" + "".join(map(chr, range(0x20, 0x7F))))
    chars |= _double_byte_chars("gb2312", range(0xA1, 0xF8), [range(0xA1, 0xFF)])
    return re.compile("[" + "".join(map(re.escape, sorted(chars))) + "]")


# Hanzi a Chinese document commonly uses in either script: GB 2312's and Big5's level 1 (the
# 5,401 常用字 at A440-C67E), with Big5's symbols. A correct decoding of a real document has
# almost only these; a wrong one (Big5 read as GBK, GBK as Big5) has many rare ideographs,
# kana, Hangul or private-use characters in their place.
@functools.cache
def _common_either() -> frozenset[str]:
    return frozenset(
        _double_byte_chars("gb2312", range(0xA1, 0xF8), [range(0xA1, 0xFF)])
        | _double_byte_chars("big5", range(0xA1, 0xC7), [range(0x40, 0x7F), range(0xA1, 0xFF)])
    )


_WIDE = re.compile(
    "[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
    "\ue000-\uf8ff\uf900-\ufaff\U00020000-\U0003ffff\U000f0000-\U0010ffff]"
)


def rare_share(text: str, encoding: str = "") -> float:
    """Share of the ideographs, kana, Hangul and private-use characters of *text* that are not
    common Chinese characters: under 2% for real documents, over 20% for mojibake.

    For a GB18030 reading only the characters of its two-byte (GBK) part count as rare: its
    four-byte sequences (second byte 0x30-0x39) never arise from Big5 bytes, so a character
    reached by one was written on purpose.
    """
    wide = _WIDE.findall(text[:_SAMPLE])
    if not wide:
        return 0.0
    common = _common_either()
    rare = [c for c in wide if c not in common]
    if encoding == "gb18030":
        rare = [c for c in rare if len(c.encode("gb18030")) == 2]
    return len(rare) / len(wide)


_MOJIBAKE = 0.12
"""A decoding with more rare characters than this share is taken as the wrong encoding."""


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode strictly: BOM, else UTF-8, else UTF-16 if it reads as text, else GB18030 or Big5.

    One exception to UTF-8 first: GBK text made of characters such as 也 (D2 B2), 位 (CE BB) or
    一 (D2 BB) is also valid UTF-8 (Ҳ, λ, һ). Bytes cannot tell them apart; context does. When
    the UTF-8 reading holds no CJK character and no Latin word (an ASCII letter next to a
    Latin-script letter as in "Café", a digit next to a Latin-1 sign as in "12°"), while the
    GB18030 reading is hanzi with nothing outside ASCII and GB 2312, the text is taken as GBK.
    What remains ambiguous: a few characters of Greek or Cyrillic only that pair into GB 2312
    hanzi ("αβγ") are read as GBK; a few GBK hanzi that are all UTF-8 lookalikes with an ASCII
    letter touching one ("A也") are read as UTF-8. Neither happens to a document of any length.

    Big5 text is nearly always valid GB18030 too, as mojibake: the GB18030 reading is kept only
    when few of its characters are rare (:func:`rare_share`); otherwise Big5, then Big5-HKSCS, is
    taken if it reads as common characters. A text that no encoding reads without mojibake is
    refused, naming the likely encoding: it is never scored as garbage.
    """
    encoding: str | None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as e:
                at = e.start + (len(bom) if encoding == "utf-8-sig" else 0)  # utf-8-sig counts after the BOM
                raise InputError(
                    name,
                    f"以 {encoding.removesuffix('-sig').upper()} 开头，但在偏移 {at} 处有无效字节（文件可能已损坏）",
                ) from None
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
        if encoding in ("gb18030", None):
            encoding = _gb_or_big5(data, name, gb is not None)
    if encoding is None:
        raise InputError(name, _undecodable_reason(data))
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:  # the sample decoded, the rest did not
        raise InputError(name, _undecodable_reason(data)) from None
    return _check_binary(text, name), encoding


def _gb_or_big5(data: bytes, name: str, gb_valid: bool) -> str | None:
    """GB18030 unless it reads as mojibake; then Big5 or Big5-HKSCS if they read well; else refuse."""
    sample = data[:_SAMPLE]
    shares: dict[str, float] = {}
    for encoding in ("gb18030", "big5", "big5hkscs"):
        if encoding == "gb18030" and not gb_valid:
            continue
        try:
            text = codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=len(sample) == len(data))
        except UnicodeDecodeError:
            continue
        shares[encoding] = rare_share(text, encoding)
        if shares[encoding] <= _MOJIBAKE:
            if encoding == "gb18030":
                _refuse_korean_or_japanese(sample, text, name)
            return encoding
    if not shares:
        return None
    likely = min(shares, key=lambda e: shares[e])
    guess = _charset_guess(sample) or {"gb18030": "GBK/GB18030", "big5": "Big5", "big5hkscs": "Big5-HKSCS"}[likely]
    raise InputError(name, f"文字像是乱码：无法确定编码（可能是 {guess}）；请另存为 UTF-8 后重试")


_KANA = re.compile("[\u3040-\u30ff]")


def _refuse_korean_or_japanese(sample: bytes, gb_text: str, name: str) -> None:
    """Refuse EUC-KR and EUC-JP text, which reads as GB18030 made of common hanzi (no rare share).

    EUC-KR's Hangul syllables are the byte pairs with a first byte of B0-C8, all GB 2312 level-1
    hanzi: Korean text is nearly only those, Chinese text never (at most 86% of any 100 hanzi of
    the 3,475 laws; Korean 100%). EUC-JP's kana are GB 2312's kana, at the same bytes: the GB
    reading of Japanese is full of kana, which the laws never hold (0 in 3,475).
    """
    leads: list[int] = []
    i, n = 0, len(sample)
    while i < n and len(leads) < 4000:
        b = sample[i]
        if b >= 0x81 and i + 1 < n:
            leads.append(b)
            i += 2
        else:
            i += 1
    if len(leads) >= 100 and sum(1 for b in leads if 0xB0 <= b <= 0xC8) >= 0.97 * len(leads):
        raise InputError(name, "文字像是乱码：像是韩文（EUC-KR 编码）；请另存为 UTF-8 后重试")
    wide = _WIDE.findall(gb_text[:_SAMPLE])
    kana = len(_KANA.findall(gb_text[:_SAMPLE]))
    if kana >= 20 and kana >= 0.15 * len(wide):
        raise InputError(name, "文字像是乱码：像是日文（EUC-JP 编码）；请另存为 UTF-8 后重试")


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
    return bool(_HANZI.search(gb)) and len(_common_chars().findall(gb)) == len(gb)


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
    plausible, common = len(_PLAUSIBLE.findall(text)), len(_common_chars().findall(text))
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
    controls = sum(1 for b in sample if (b < 0x20 and b not in b"\t\n\r\f\x1b") or b == 0x7F)
    if b"\x00" in sample or controls > 0.05 * len(sample):
        return "二进制数据，不是文本文档"
    reason = "无法按 UTF-8、UTF-16、GB18030 或 Big5 解码"
    guess = _charset_guess(sample)
    return f"{reason}（像是 {guess} 编码；请另存为 UTF-8）" if guess else reason + "（请另存为 UTF-8）"


def _charset_guess(sample: bytes) -> str | None:
    """charset-normalizer's guess, used only to word an error, never to decode."""
    try:
        import charset_normalizer

        best = charset_normalizer.from_bytes(sample).best()
    except Exception:
        return None
    if best is None or best.encoding in {"utf_8", "utf_16", "utf_16_le", "utf_16_be", "gb18030", "gbk", "gb2312"}:
        return None
    return best.encoding


def _check_binary(text: str, name: str) -> str:
    if "\x00" in text or len(_CONTROL.findall(text[:_SAMPLE])) > 0.02 * len(text[:_SAMPLE]):
        raise InputError(name, "二进制数据，不是文本文档")
    return text


# --- zip packages: .docx and OFD ------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
# Subtrees of a paragraph that hold no body text, or text a reader does not see as body text.
_SKIP = {_W + t for t in ("pPr", "rPr", "del", "moveFrom", "drawing", "pict", "object")}


class _TooBig(Exception):
    pass


class CappedReader:
    """A file-like reader that raises once more than *cap* bytes came through (a zip part may lie
    about its size)."""

    def __init__(self, raw, cap: int) -> None:
        self.raw, self.cap, self.seen = raw, cap, 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.raw.read(1 << 16 if n is None or n < 0 else min(n, 1 << 20))
        self.seen += len(chunk)
        if self.seen > self.cap:
            raise _TooBig
        return chunk


def _zip_document(data: bytes, name: str) -> Extracted:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = {i.filename for i in z.infolist()}
            mimetype = (
                z.read("mimetype")[:100] if "mimetype" in names and z.getinfo("mimetype").file_size < 1000 else b""
            )
    except Exception as e:  # zipfile raises BadZipFile, EOFError, zlib.error, struct.error ...
        if b"word/" in data or Path(name).suffix.lower() == ".docx":
            raise InputError(name, "无法读取：损坏的 .docx（不是有效的 Word 文件）") from e
        raise InputError(name, f"损坏的 zip 压缩包，不是文档（{_SUPPORTED}）") from e
    if "word/document.xml" in names:
        return Extracted(name, _docx_text(data, name), "docx", None, "text")
    if "OFD.xml" in names or "ofd.xml" in names:
        from dupcheck.ofd import ofd_text

        return Extracted(name, ofd_text(data, name), "ofd", None, "text-layer")
    if b"opendocument.text" in mimetype:
        raise InputError(name, "OpenDocument 文本（.odt）：请另存为 .docx")
    if "xl/workbook.xml" in names:
        raise InputError(name, "Excel 工作簿，不是 Word 文档")
    if "ppt/presentation.xml" in names:
        raise InputError(name, "PowerPoint 文件，不是 Word 文档")
    raise InputError(name, f"zip 压缩包，不是 Word 文档（{_SUPPORTED}）")


def _docx_text(data: bytes, name: str) -> str:
    """The body text of a .docx, parsed as a stream of top-level body elements (bounded memory)."""
    import io

    from lxml import etree

    corrupt = "无法读取：损坏的 .docx（不是有效的 Word 文件）"
    cap = limits.MAX_XML_BYTES
    too_big = f"无法读取：.docx 正文解压后超过 {_human(cap)}（可能是压缩炸弹；可用 DUPCHECK_MAX_XML_MB 调整）"
    too_big_block = (
        f"无法读取：.docx 中有一个段落或表格超过 {limits.MAX_DOCX_BLOCK_NODES:,} 个 XML 元素"
        "（可能是恶意构造的文件；可用 DUPCHECK_MAX_DOCX_BLOCK_NODES 调整）"
    )
    lines: list[str] = []
    chars = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = z.getinfo("word/document.xml")
            if info.file_size > cap:
                raise InputError(name, too_big)
            with z.open(info) as raw:
                events = etree.iterparse(
                    CappedReader(raw, cap),
                    events=("end",),
                    resolve_entities=False,
                    no_network=True,
                    load_dtd=False,
                    huge_tree=False,
                )
                nodes = 0  # elements of the body element being read, which stays in memory until it ends
                for _, el in events:
                    parent = el.getparent()
                    if parent is None or parent.tag != _W + "body":
                        nodes += 1
                        if nodes > limits.MAX_DOCX_BLOCK_NODES:
                            raise InputError(name, too_big_block)
                        continue
                    nodes = 0
                    for p in docx_paragraph_elements([el]):
                        t = _docx_paragraph(p)
                        if t.strip():
                            lines.append(t)
                            chars += len(t) + 1
                    if chars > limits.MAX_CHARS:
                        raise InputError(
                            name, f"文字过多（超过 {limits.MAX_CHARS:,} 字；可用 DUPCHECK_MAX_CHARS 调整）"
                        )
                    el.clear()
                    while el.getprevious() is not None:
                        del parent[0]
    except InputError:
        raise
    except _TooBig:
        raise InputError(name, too_big) from None
    except Exception as e:  # zipfile, zlib and lxml raise a zoo of types for a broken package
        raise InputError(name, corrupt) from e
    text = "\n".join(lines)
    if not text.strip():
        raise InputError(name, "空文档（Word 文件中没有文字）")
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


# --- what the report says about the extraction ---------------------------------------------

_CONVERTERS = {"converted:libreoffice": "LibreOffice", "converted:antiword": "antiword"}


def extraction_note(method: str, ocr_confidence: float | None, path: str = "") -> str:
    """The line a report shows when the text did not come straight from the file, in Chinese;
    "" when it did (a text file, .docx, web page, or the text layer of a PDF or OFD).

    ``"由 .wps 文件经 LibreOffice 转换"``, ``"文本经 OCR 识别，平均置信度 93.1%"``: a reader of the
    report must know that a conversion or OCR stood between the file and the figures.
    """
    if method in _CONVERTERS:
        suffix = Path(path).suffix.lower()
        kind = suffix if suffix in (".doc", ".wps") else ".doc/.wps"
        return f"由 {kind} 文件经 {_CONVERTERS[method]} 转换"
    if method.startswith("ocr:"):
        if ocr_confidence is None:
            return "文本经 OCR 识别"
        return f"文本经 OCR 识别，平均置信度 {ocr_confidence * 100:.1f}%"
    return ""
