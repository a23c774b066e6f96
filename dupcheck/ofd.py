"""OFD (GB/T 33190-2016, 版式文档): the text layer in reading order.

A small reader of the standard's structure, not a renderer:

``OFD.xml`` → ``DocBody/DocRoot`` (the first document) → ``Document.xml`` → ``Pages/Page@BaseLoc``
(each page's ``Content.xml``) and ``CommonData/TemplatePage`` (template pages, which a page names
with ``Template@TemplateID``; their text, such as a 版头 or page number, is read with the page).
Every ``TextObject`` (also inside ``PageBlock`` and composite objects) gives its ``TextCode``
strings at ``Boundary`` + ``TextCode@X/@Y``. Per page, text codes are grouped into lines by their
baseline (within 0.4 of the font size), lines sorted top to bottom and codes left to right, and
the spaces OFD writers put between text objects inside Chinese text are removed. The lines then
go through the same page-furniture and paragraph rules as a PDF (:mod:`dupcheck.pdftext`).

Why not a library: ofdkit is alpha and easyofd pulls in an AGPL PDF library (PyMuPDF) and
renders pages to get at the text; the text layer needs only zipfile and an XML parser. The parser
refuses any DTD or entity declaration (billion laughs), and every part is size-capped before and
while it is unzipped.
"""

from __future__ import annotations

import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile

from dupcheck import limits
from dupcheck.errors import InputError
from dupcheck.pdftext import _join_lines, _Line, _strip_page_furniture

__all__ = ["ofd_text"]

_CORRUPT = "无法读取：损坏的 OFD 文件"
# Chinese text: ideographs, CJK and full-width punctuation, and the quotes, dash, ellipsis and
# middle dot Chinese text shares with Western text (“”‘’—…·), which writers space out the same way.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\u2018\u2019\u201c\u201d\u2014\u2026\u00b7"
_SPACE_IN_CJK = re.compile(f"(?<=[{_CJK}])[ \u00a0]+(?=[{_CJK}])")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Package:
    def __init__(self, z: zipfile.ZipFile, name: str) -> None:
        self.z, self.name = z, name
        self.names = {i.filename: i for i in z.infolist()}
        self.read_bytes = 0

    def xml(self, path: str) -> ET.Element:
        path = path.lstrip("/")
        info = self.names.get(path)
        if info is None:  # names are case-insensitive in some writers
            lower = {k.lower(): v for k, v in self.names.items()}
            info = lower.get(path.lower())
        if info is None:
            raise InputError(self.name, f"{_CORRUPT}（缺少 {path}）")
        if info.file_size > limits.MAX_XML_BYTES or self.read_bytes + info.file_size > 4 * limits.MAX_XML_BYTES:
            raise InputError(self.name, "无法读取：OFD 解压后过大（可能是压缩炸弹）")
        with self.z.open(info) as f:
            data = f.read(limits.MAX_XML_BYTES + 1)
        if len(data) > limits.MAX_XML_BYTES:
            raise InputError(self.name, "无法读取：OFD 解压后过大（可能是压缩炸弹）")
        self.read_bytes += len(data)
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise InputError(self.name, f"{_CORRUPT}（含 DTD 或实体声明）")
        try:
            return ET.fromstring(data)
        except ET.ParseError:
            raise InputError(self.name, f"{_CORRUPT}（{path} 不是有效的 XML）") from None


def _resolve(base_dir: str, loc: str) -> str:
    loc = loc.strip().replace("\\", "/")
    if loc.startswith("/"):
        return posixpath.normpath(loc.lstrip("/"))
    return posixpath.normpath(posixpath.join(base_dir, loc))


def _floats(s: str | None, n: int) -> list[float]:
    try:
        values = [float(v) for v in (s or "").replace(",", " ").split()]
    except ValueError:
        values = []
    return (values + [0.0] * n)[:n]


def _child(el: ET.Element, name: str) -> ET.Element | None:
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _page_pieces(root: ET.Element) -> list[tuple[float, float, float, float, str]]:
    """(baseline y, x0, x1, size, text) of every TextCode of a page or template content."""
    pieces = []
    for obj in root.iter():
        if _local(obj.tag) != "TextObject":
            continue
        bx, by, bw, _ = _floats(obj.get("Boundary"), 4)
        size = _floats(obj.get("Size"), 1)[0] or 3.5
        codes = [c for c in obj if _local(c.tag) == "TextCode"]
        for code in codes:
            text = code.text or ""
            if not text.strip():
                continue
            x = float(code.get("X") or 0)
            y = float(code.get("Y") or 0)
            deltas = _deltas(code.get("DeltaX"))
            if deltas:
                width = sum(deltas[: len(text) - 1]) + size
            elif len(codes) == 1 and bw > x:
                width = bw - x
            else:
                width = len(text) * size
            pieces.append((by + y, bx + x, bx + x + width, size, text))
    return pieces


def _deltas(s: str | None) -> list[float]:
    """DeltaX, with its ``g N v`` repeat shorthand expanded."""
    if not s:
        return []
    out: list[float] = []
    tokens = s.split()
    i = 0
    try:
        while i < len(tokens) and len(out) < 100_000:
            if tokens[i] == "g" and i + 2 < len(tokens):
                out.extend([float(tokens[i + 2])] * min(int(tokens[i + 1]), 100_000))
                i += 3
            else:
                out.append(float(tokens[i]))
                i += 1
    except ValueError:
        return []
    return out


def _lines(pieces: list[tuple[float, float, float, float, str]]) -> list[_Line]:
    pieces.sort(key=lambda p: (p[0], p[1]))
    groups: list[list[tuple[float, float, float, float, str]]] = []
    for p in pieces:
        if groups and abs(p[0] - groups[-1][0][0]) <= 0.4 * max(p[3], groups[-1][0][3]):
            groups[-1].append(p)
        else:
            groups.append([p])
    lines = []
    for g in groups:
        g.sort(key=lambda p: p[1])
        text = ""
        for i, p in enumerate(g):
            piece = p[4]
            if (
                i
                and text
                and re.match(r"[A-Za-z0-9]", piece)
                and re.search(r"[A-Za-z0-9,.;:]$", text)
                and p[1] - g[i - 1][2] > 0.2 * p[3]
            ):
                text += " "
            text += piece
        text = _SPACE_IN_CJK.sub("", text).strip()
        if not text:
            continue
        size = sorted(p[3] for p in g)[len(g) // 2]
        first = g[0]
        first_unit = size if not re.match(r"[A-Za-z0-9]", first[4]) else size * 0.5 * len(first[4].split()[0])
        lines.append(_Line(text=text, x0=g[0][1], x1=max(p[2] for p in g), size=size, first_unit=first_unit))
    return lines


def ofd_text(data: bytes, name: str) -> str:
    """The text of the first document of an OFD package (see the module's docstring)."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except Exception:
        raise InputError(name, _CORRUPT) from None
    with z:
        pkg = _Package(z, name)
        try:
            return _read(pkg, name)
        except InputError:
            raise
        except Exception as e:  # zlib, struct, KeyError from a broken package
            raise InputError(name, _CORRUPT) from e


def _read(pkg: _Package, name: str) -> str:
    ofd = pkg.xml("OFD.xml")
    doc_root = None
    for el in ofd.iter():
        if _local(el.tag) == "DocRoot" and (el.text or "").strip():
            doc_root = _resolve("", el.text or "")
            break
    if doc_root is None:
        raise InputError(name, f"{_CORRUPT}（OFD.xml 中没有 DocRoot）")
    if "EncryptInfo" in {_local(e.tag) for e in ofd.iter()}:
        raise InputError(name, "无法读取：加密的 OFD（请先去除密码）")
    document = pkg.xml(doc_root)
    doc_dir = posixpath.dirname(doc_root)
    templates: dict[str, str] = {}
    pages: list[tuple[str, str]] = []
    for el in document.iter():
        tag = _local(el.tag)
        loc = el.get("BaseLoc")
        if tag == "TemplatePage" and loc:
            templates[el.get("ID", "")] = _resolve(doc_dir, loc)
        elif tag == "Page" and loc:
            pages.append((el.get("ID", ""), _resolve(doc_dir, loc)))
    if not pages:
        raise InputError(name, "空文档（OFD 没有页面）")
    if len(pages) > limits.MAX_PDF_PAGES:
        raise InputError(
            name, f"页数过多（{len(pages)} 页，上限 {limits.MAX_PDF_PAGES} 页；可用 DUPCHECK_MAX_PDF_PAGES 调整）"
        )
    template_pieces: dict[str, list] = {}
    page_lines: list[list[_Line]] = []
    for _, loc in pages:
        root = pkg.xml(loc)
        pieces = _page_pieces(root)
        for t in root.iter():
            if _local(t.tag) == "Template":
                tid = t.get("TemplateID", "")
                if tid in templates:
                    if tid not in template_pieces:
                        template_pieces[tid] = _page_pieces(pkg.xml(templates[tid]))
                    pieces = pieces + template_pieces[tid]
        page_lines.append(_lines(pieces))
    if not any(page_lines):
        raise InputError(name, "OFD 没有文字层（可能是扫描件；请导出为 PDF 后再试）")
    body = _strip_page_furniture(page_lines) or [line for lines in page_lines for line in lines]
    return "\n".join(_join_lines(body))
