"""Born-digital formats read without a converter: OFD, HTML, and a PDF that only looks scanned.

Fixtures are written at test time from real laws (the corpus at /work/shared/corpora/laws; the
tests fall back to the two articles shipped in test_extract when it is absent) and the extracted
text is compared with the text the fixture was made from.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from rapidfuzz.distance import Indel

from dupcheck import ofd
from dupcheck.extract import extract_bytes, extract_path
from tests.docgen import corpus_laws, make_ofd
from tests.test_extract import ARTICLES

_SPACE = re.compile(r"\s+")
_CJK_SPACE_CJK = re.compile(r"[\u4e00-\u9fff，。；：、“”] [\u4e00-\u9fff，。；：、“”]")


def agreement(read: str, truth: str) -> float:
    """Character agreement (Indel similarity) of two texts, whitespace left out."""
    return Indel.normalized_similarity(_SPACE.sub("", read), _SPACE.sub("", truth))


def real_laws(count: int, chars: int = 2500) -> list[str]:
    laws = [text for _, text in corpus_laws(count, chars)]
    return laws or [ARTICLES]


# --- OFD -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def laws_text() -> str:
    return "\n".join(real_laws(3))


def test_ofd_of_real_laws_reads_back_with_template_and_without_inter_object_spaces(tmp_path, laws_text):
    head = "某某市人民政府文件"
    path = make_ofd(tmp_path / "laws.ofd", laws_text, template_text=head)
    extracted = extract_path(path)
    assert (extracted.format, extracted.method) == ("ofd", "text-layer")
    assert extracted.text.startswith(head + "\n")  # the template page's text, read with page 1
    assert agreement(extracted.text, head + "\n" + laws_text) >= 0.99
    # every TextCode ended with a space: none is left between two Chinese characters
    assert not _CJK_SPACE_CJK.search(extracted.text)
    assert "— 1 —" not in extracted.text and "—1—" not in extracted.text  # page numbers are furniture
    # layout lines are joined back into the paragraphs they were cut from
    paragraphs = [p for p in laws_text.split("\n") if len(p) > 80]
    lines = set(extracted.text.split("\n"))
    assert sum(_SPACE.sub("", p) in lines for p in paragraphs) >= 0.95 * len(paragraphs)


def test_ofd_template_text_is_read_only_through_the_template(tmp_path, laws_text):
    """Without ``Template@TemplateID`` resolution the 版头 drawn by the template page is lost."""
    path = make_ofd(tmp_path / "a.ofd", laws_text[:600], template_text="某某市人民政府办公室文件")
    assert "某某市人民政府办公室文件" in extract_path(path).text
    with zipfile.ZipFile(path) as z:  # the same package whose page does not name its template
        parts = {n: z.read(n) for n in z.namelist()}
    page = "Doc_0/Pages/Page_0/Content.xml"
    parts[page] = re.sub(rb"<ofd:Template [^>]*/>", b"", parts[page])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert "某某市人民政府办公室文件" not in extract_bytes(buf.getvalue(), "b.ofd").text


def test_ofd_space_removal_is_what_keeps_chinese_together(tmp_path, monkeypatch):
    text = real_laws(1, 800)[0]
    path = make_ofd(tmp_path / "a.ofd", text)
    assert not _CJK_SPACE_CJK.search(extract_path(path).text)
    monkeypatch.setattr(ofd, "_SPACE_IN_CJK", re.compile("(?!)"))  # the rule off: spaces stay
    assert _CJK_SPACE_CJK.search(extract_path(path).text)


def test_ofd_latin_words_keep_their_space(tmp_path):
    text = "第一条　根据 World Trade Organization 的规则，制定本办法。"
    extracted = extract_path(make_ofd(tmp_path / "a.ofd", text, piece=3, spaces_between_objects=False))
    assert "World Trade Organization" in extracted.text
    assert agreement(extracted.text, text) == 1.0


# --- HTML ----------------------------------------------------------------------------------


def _law_page(paragraphs: list[str]) -> str:
    """A government web page around *paragraphs*: a head with a title, a style and a script, a
    navigation bar, a header and a footer, and the body's source lines wrapped every 30 characters
    (a line break inside Chinese text, which a browser shows as nothing)."""
    body = "\n".join(
        "<p>" + "\n        ".join(p[i : i + 30] for i in range(0, len(p), 30)) + "</p>" for p in paragraphs
    )
    return (
        "<!DOCTYPE html>\n<html lang='zh-CN'><head><meta charset='utf-8'><title>某某市人民政府网站</title>"
        "<style>p { text-indent: 2em; } .nav::after { content: '样式里的字'; }</style>"
        "<script>var 提示 = '脚本里的文字不是正文'; document.title = '脚本';</script></head>\n"
        "<body><header><h1>某某市人民政府门户网站</h1></header>"
        "<nav><ul><li><a href='/'>首页</a></li><li><a href='/zwgk'>政务公开</a></li>"
        "<li><a href='/bs'>办事服务</a></li></ul></nav>\n"
        f"<main><article><h2>{paragraphs[0]}</h2>\n{body}\n</article></main>"
        "<aside>相关文章：关于印发某某办法的通知</aside>"
        "<footer>主办单位：某某市人民政府办公室　网站标识码 1234567890</footer>"
        "<script>console.log('统计代码');</script></body></html>"
    )


def test_html_of_a_real_law_is_its_body_text_only():
    paragraphs = real_laws(1, 3000)[0].split("\n")
    page = _law_page(paragraphs)
    extracted = extract_bytes(page.encode("utf-8"), "law.html")
    assert (extracted.format, extracted.method) == ("html", "text")
    lines = extracted.text.split("\n")
    assert lines[0] == paragraphs[0]
    assert agreement(extracted.text, paragraphs[0] + "\n" + "\n".join(paragraphs)) >= 0.99
    for dropped in ("脚本里的文字", "样式里的字", "首页", "政务公开", "门户网站", "相关文章", "主办单位", "统计代码"):
        assert dropped not in extracted.text, dropped
    # source line breaks inside a paragraph are not spaces: each paragraph comes back whole
    assert lines[1:] == [_SPACE.sub(" ", p).strip() for p in paragraphs]


def test_html_gbk_page_is_decoded():
    paragraphs = real_laws(1, 600)[0].split("\n")
    extracted = extract_bytes(_law_page(paragraphs).encode("gb18030"), "law.htm")
    assert extracted.encoding == "gb18030"
    assert agreement(extracted.text, paragraphs[0] + "\n" + "\n".join(paragraphs)) >= 0.99


# --- a PDF that only looks scanned -----------------------------------------------------------


def _repeated_line_pdf(path, line: str, pages: int, *, logo: bool) -> None:
    """Every page shows the same one line (a 密级 stamp, a running header), nothing else but,
    when *logo*, a small image (a seal or a 版头 logo)."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    seal = Image.new("RGB", (64, 64), (200, 0, 0))
    c = canvas.Canvas(str(path))
    for _ in range(pages):
        c.setFont("STSong-Light", 14)
        c.drawString(72, 760, line)
        if logo:
            c.drawImage(ImageReader(seal), 72, 600, 48, 48)
        c.showPage()
    c.save()


@pytest.mark.parametrize("logo", [False, True])
def test_pdf_whose_every_page_repeats_one_line_is_not_scanned(tmp_path, logo):
    line = "内部资料　注意保存　不得翻印"
    _repeated_line_pdf(tmp_path / "stamp.pdf", line, 4, logo=logo)
    extracted = extract_path(tmp_path / "stamp.pdf")
    assert extracted.method == "text-layer" and extracted.ocr_confidence is None  # read, never OCR'd
    # all of it is "running header": it is kept (one line a page) rather than nothing
    assert extracted.text.replace("\n", "") == line * 4
