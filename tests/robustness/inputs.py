"""Generators of hostile and at-the-limit input files, written straight to disk in chunks (the
generator's own memory stays small even for a 900 MB .docx part or a 200 MB PDF stream).

Used by the robustness tests (``cases.py``) and by ``bench/bench_limits.py``, which runs
``dupcheck`` on inputs right at and just over each limit of :mod:`dupcheck.limits`.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)

SENTENCE = (
    "第一条 为了规范行政许可的设定和实施，保护公民、法人和其他组织的合法权益，维护公共利益和社会秩序，制定本法。\n"
)
"""One line of a law (51 characters, 151 bytes of UTF-8)."""


def text_file(path: str | os.PathLike, chars: int, *, encoding: str = "utf-8") -> Path:
    """A text file of exactly ``chars`` characters of law text."""
    path = Path(path)
    whole, rest = divmod(chars, len(SENTENCE))
    with open(path, "w", encoding=encoding, newline="") as fh:
        block = SENTENCE * 1000
        for _ in range(whole // 1000):
            fh.write(block)
        fh.write(SENTENCE * (whole % 1000) + SENTENCE[:rest])
    return path


def sized_file(path: str | os.PathLike, size: int, head: bytes = b"") -> Path:
    """A file of exactly ``size`` bytes starting with ``head`` (sparse: no disk, no memory)."""
    path = Path(path)
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)
    return path


def ascii_file(path: str | os.PathLike, size: int) -> Path:
    """A text file of ``size`` bytes of ASCII words (one character a byte: the most characters a
    file of that size can hold)."""
    path = Path(path)
    line = b"Article 1. This regulation applies to the administrative licensing of the city.\n"
    with open(path, "wb") as fh:
        whole, rest = divmod(size, len(line))
        block = line * 1000
        for _ in range(whole // 1000):
            fh.write(block)
        fh.write(line * (whole % 1000) + line[:rest])
    return path


def docx_file(
    path: str | os.PathLike,
    xml_bytes: int,
    *,
    one_paragraph: bool = False,
    text_share: float = 0.02,
    pad_to: int | None = None,
) -> Path:
    """A .docx whose ``word/document.xml`` unzips to about ``xml_bytes`` (within 1 KB).

    The XML is mostly run formatting, so the text stays a small share (``text_share``) and the
    character limit is not what stops it; ``one_paragraph`` puts every run in one paragraph (the
    worst case for a reader that holds a paragraph in memory). Deflate squeezes it 100-1000 fold:
    a 900 MB part is a file of a few MB. ``pad_to``: an incompressible picture is added so the
    file is that many bytes (within 4 KB below).
    """
    path = Path(path)
    fmt = '<w:r><w:rPr><w:b/><w:i/><w:sz w:val="32"/><w:color w:val="000000"/></w:rPr><w:t>{}</w:t></w:r>'
    chars = max(1, int(len(fmt) * text_share / (1 - text_share) / 3))
    run = fmt.format("法" * chars).encode()
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{_W_NS}"><w:body>'.encode()
    tail = b"</w:body></w:document>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        with z.open("word/document.xml", "w", force_zip64=xml_bytes > 2**31) as fh:
            fh.write(head)
            written = len(head) + len(tail)
            p_open, p_close = b"<w:p>", b"</w:p>"
            per_p = 1 if one_paragraph else 20
            if one_paragraph:
                fh.write(p_open)
                written += len(p_open) + len(p_close)
            block_runs = 2000
            block = (run * block_runs) if one_paragraph else (p_open + run * per_p + p_close) * (block_runs // per_p)
            while written + len(block) <= xml_bytes:
                fh.write(block)
                written += len(block)
            unit = run if one_paragraph else p_open + run * per_p + p_close
            while written + len(unit) <= xml_bytes:
                fh.write(unit)
                written += len(unit)
            if one_paragraph:
                fh.write(p_close)
            fh.write(tail)
        if pad_to:
            z.fp.flush()  # type: ignore[union-attr]
            left = pad_to - os.path.getsize(path) - 4096
            info = zipfile.ZipInfo("word/media/image1.png")
            with z.open(info, "w", force_zip64=True) as fh:
                while left > 0:
                    chunk = os.urandom(min(left, 1 << 20))
                    fh.write(chunk)
                    left -= len(chunk)
    return path


def _pdf(path: Path, page_streams: list[bytes], *, compress: bool = True) -> Path:
    """A PDF of one page per content stream, Helvetica, written with a correct xref table."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]  # 2: the page tree, filled in below
    font = 3
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    kids = []
    for stream in page_streams:
        data = zlib.compress(stream, 6) if compress else stream
        filt = b" /Filter /FlateDecode" if compress else b""
        objects.append(b"<< /Length %d%s >>\nstream\n" % (len(data), filt) + data + b"\nendstream")
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (content, font)
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    with open(path, "wb") as fh:
        fh.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for n, body in enumerate(objects, 1):
            offsets.append(fh.tell())
            fh.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
        xref = fh.tell()
        fh.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
        for off in offsets:
            fh.write(b"%010d 00000 n \n" % off)
        fh.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return path


def _text_ops(lines: list[str]) -> bytes:
    ops = [b"BT /F1 11 Tf 14 TL 60 780 Td"]
    for line in lines:
        ops.append(b"(" + line.encode("latin-1").replace(b"(", b"\\(").replace(b")", b"\\)") + b") '")
    ops.append(b"ET")
    return b"\n".join(ops)


def pdf_pages(path: str | os.PathLike, pages: int) -> Path:
    """A PDF of ``pages`` pages, each with a few lines of text that differ from page to page."""
    streams = [
        _text_ops([f"Article {i + 1}. Page {i + 1} of this regulation.", f"Item {i * 7 % 13}."]) for i in range(pages)
    ]
    return _pdf(Path(path), streams)


def pdf_drawing(path: str | os.PathLike, content_bytes: int) -> Path:
    """A one-page PDF with a line of text and about ``content_bytes`` of path-drawing operators
    (``re f``: rectangles, the commonest vector content), deflated: 200 MB becomes under 1 MB."""
    op = b"10 10 1 1 re f\n"
    ops = _text_ops(["A page of drawings."]) + b"\n" + op * max(0, (content_bytes - 60) // len(op))
    return _pdf(Path(path), [ops])
