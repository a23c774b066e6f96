"""Tests of the extract stage: every format, every encoding, every way a file can be unreadable."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dupcheck import extract, pdftext
from dupcheck.errors import InputError
from dupcheck.extract import SUPPORTED_SUFFIXES, Extracted, extract_bytes, extract_path
from tests.docgen import make_docx, make_pdf, make_scanned_pdf

LAWS = Path("/work/shared/corpora/laws")
LAW = LAWS / "行政法" / "行政许可法(2019-04-23).md"

# Two articles of 行政许可法 and a list, as a fallback-free fixture that needs no corpus.
ARTICLES = (
    "第一章 总则\n"
    "第一条 为了规范行政许可的设定和实施，保护公民、法人和其他组织的合法权益，"
    "维护公共利益和社会秩序，保障和监督行政机关有效实施行政管理，根据宪法，制定本法。\n"
    "第二条 本法所称行政许可，是指行政机关根据公民、法人或者其他组织的申请，"
    "经依法审查，准予其从事特定活动的行为。\n"
    "第十二条 下列事项可以设定行政许可：\n"
    "（一）直接涉及国家安全、公共安全、经济宏观调控、生态环境保护以及直接关系人身健康、"
    "生命财产安全等特定活动，需要按照法定条件予以批准的事项；\n"
    "（二）有限自然资源开发利用、公共资源配置以及直接关系公共利益的特定行业的市场准入等，"
    "需要赋予特定权利的事项。"
)


def law_paragraphs(chars: int = 3000) -> str:
    """The first *chars* or so of the body of 行政许可法, one paragraph per line, headings unmarked."""
    if not LAW.is_file():
        pytest.skip(f"law corpus not available at {LAW}")
    body = LAW.read_text(encoding="utf-8").split("<!-- INFO END -->", 1)[1]
    out, n = [], 0
    for line in body.splitlines():
        if line.strip():
            out.append(line.lstrip("#").strip())
            n += len(out[-1])
            if n >= chars:
                break
    return "\n".join(out)


def refused(reason: str, source: Path | bytes, name: str = "doc.txt") -> InputError:
    """Assert that extracting *source* fails with *reason*, naming the file, on one line."""
    with pytest.raises(InputError) as info:
        if isinstance(source, bytes):
            extract_bytes(source, name)
        else:
            extract_path(source)
    message = str(info.value)
    expected_name = name if isinstance(source, bytes) else str(source)
    assert message.startswith(f"{expected_name}: "), message
    assert "\n" not in message, message
    assert reason in info.value.reason, message
    return info.value


def test_interface():
    assert {".txt", ".md", ".docx", ".pdf", ".doc", ".wps", ".ofd", ".html", ".png", ".tif"} <= SUPPORTED_SUFFIXES
    assert extract.MAX_BYTES == 64 * 2**20
    e = extract_bytes("甲".encode(), "a.txt")
    assert e == Extracted(path="a.txt", text="甲", format="txt", encoding="utf-8")
    with pytest.raises(AttributeError):
        e.text = "乙"


# --- text files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encode, encoding",
    [
        (lambda s: s.encode("utf-8"), "utf-8"),
        (lambda s: s.encode("utf-8-sig"), "utf-8-sig"),
        (lambda s: s.encode("gbk"), "gb18030"),
        (lambda s: s.encode("gb2312"), "gb18030"),
        (lambda s: s.encode("utf-16"), "utf-16"),  # with BOM, little-endian here
        (lambda s: b"\xfe\xff" + s.encode("utf-16-be"), "utf-16"),
        (lambda s: s.encode("utf-16-le"), "utf-16-le"),  # no BOM
        (lambda s: s.encode("utf-16-be"), "utf-16-be"),
        (lambda s: s.encode("utf-32"), "utf-32"),
    ],
    ids=["utf8", "utf8-bom", "gbk", "gb2312", "utf16-bom-le", "utf16-bom-be", "utf16le", "utf16be", "utf32"],
)
def test_text_encodings(encode, encoding):
    e = extract_bytes(encode(ARTICLES), "draft.txt")
    assert (e.text, e.encoding, e.format) == (ARTICLES, encoding, "txt")


def test_gbk_law_text_decodes_exactly():
    text = law_paragraphs()
    e = extract_bytes(text.encode("gbk"), "law.txt")
    assert e.text == text
    assert e.encoding == "gb18030"


def test_gb18030_four_byte_characters():
    text = "䶮与𠀀：GB18030 四字节字符，€ 亦然。"
    e = extract_bytes(text.encode("gb18030"), "a.txt")
    assert (e.text, e.encoding) == (text, "gb18030")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize(
    "text", ["第一编 总则\n\n# 标题 Chapter 1", "为方便当事人及时解决纠纷", "Plain ASCII notes, 2024.\n"]
)
def test_utf16_without_bom_short_texts(codec, text):
    e = extract_bytes(text.encode(codec), "a.txt")
    assert (e.text, e.encoding) == (text, codec)


_GB2312_HANZI = [
    bytes((a, b)).decode("gb2312") for a in range(0xB0, 0xD8) for b in range(0xA1, 0xFF) if (a, b) < (0xD7, 0xFA)
]  # level-1 hanzi, the 3,755 commonest


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.text(alphabet=st.sampled_from(_GB2312_HANZI), min_size=1, max_size=40),
    st.text(alphabet=st.sampled_from(list("，。；：、“”（）《》　 \n")), max_size=20),
    st.booleans(),
)
def test_gbk_text_never_comes_out_as_something_else(hanzi, other, hanzi_first):
    # Including texts whose bytes are also valid UTF-8: 位 is CE BB in GBK, UTF-8 for λ. With
    # an ASCII letter or digit touching such a hanzi the bytes stay ambiguous (see _decode).
    text = hanzi + other if hanzi_first else other + hanzi
    e = extract_bytes(text.encode("gbk"), "a.txt")
    assert (e.text, e.encoding) == (text, "gb18030")


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet=st.sampled_from(_GB2312_HANZI + list("，。；：、“”（）《》　 \n0123456789abcXYZ")), min_size=1))
def test_gbk_text_that_is_not_also_utf8_decodes_exactly(text):
    assume(text.strip())  # whitespace only is an empty file
    data = text.encode("gbk")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return  # ambiguous bytes: covered above when no ASCII letter or digit touches a hanzi
    e = extract_bytes(data, "a.txt")
    assert (e.text, e.encoding) == (text, "gb18030")


@pytest.mark.parametrize("text", ["也", "位", "3位", "一一一一一一一一", "同意。", "2024年"])
def test_gbk_that_is_also_valid_utf8(text):
    assert extract_bytes(text.encode("gbk"), "a.txt").text == text


@pytest.mark.parametrize("text", ["Привет, мир", "Café crème", "Grüße", "schön", "n° 12", "12°", "第一条 Ω≥1"])
def test_utf8_not_mistaken_for_gbk(text):
    assert extract_bytes(text.encode("utf-8"), "a.txt").encoding == "utf-8"


def test_newlines_normalized_and_nothing_else():
    raw = "  　　第一条\t为了规范，\r\n\r\n第二条 本法。  \r第三条\r\n"
    assert extract_bytes(raw.encode(), "a.txt").text == "  　　第一条\t为了规范，\n\n第二条 本法。  \n第三条\n"


def test_md_and_txt_by_suffix_only():
    data = "# 标题\n\n正文".encode()
    assert extract_bytes(data, "a.md").format == "md"
    assert extract_bytes(data, "a.MD").format == "md"
    assert extract_bytes(data, "a.txt").format == "txt"
    assert extract_bytes(data, "a").format == "txt"


def test_content_not_extension_decides(tmp_path):
    pdf = make_pdf(tmp_path / "a.pdf", "正文内容。").read_bytes()
    assert extract_bytes(pdf, "renamed.txt").format == "pdf"
    assert extract_bytes("纯文本".encode(), "renamed.docx").format == "txt"


def test_extract_path_reads_file(tmp_path):
    path = tmp_path / "公文.txt"
    path.write_bytes(ARTICLES.encode("gbk"))
    e = extract_path(path)
    assert (e.path, e.text, e.encoding) == (str(path), ARTICLES, "gb18030")
    assert extract_path(str(path)).path == str(path)


# --- .docx ----------------------------------------------------------------------------------


def test_docx_paragraphs_tables_in_order_merged_cells_once(tmp_path):
    path = make_docx(
        tmp_path / "a.docx",
        ["关于印发《管理办法》的通知", "", "各区人民政府：", "现将有关事项通知如下。"],
        table=[["类别", "", "说明"], ["许可", "第一项", "纵向合并"], ["处罚", "第二项", ""]],
        table_at=3,
        merges=[(0, 0, 0, 1), (1, 2, 2, 2)],  # a horizontal and a vertical merge
        header="页眉不应出现",
    )
    e = extract_path(path)
    assert e.format == "docx" and e.encoding is None
    assert e.text == "\n".join(
        [
            "关于印发《管理办法》的通知",
            "各区人民政府：",
            "类别",
            "说明",
            "许可",
            "第一项",
            "纵向合并",
            "处罚",
            "第二项",
            "现将有关事项通知如下。",
        ]
    )


def test_docx_tabs_and_line_breaks(tmp_path):
    import docx

    doc = docx.Document()
    p = doc.add_paragraph("甲\t乙")
    p.add_run().add_break()
    p.add_run("丙")
    doc.save(tmp_path / "a.docx")
    assert extract_path(tmp_path / "a.docx").text == "甲\t乙\n丙"


def test_docx_tracked_changes_and_content_controls(tmp_path):
    import docx
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    doc = docx.Document()
    p = doc.add_paragraph("保留")
    p._p.append(parse_xml(f'<w:ins {w} w:id="1" w:author="a"><w:r><w:t>插入</w:t></w:r></w:ins>'))
    p._p.append(parse_xml(f'<w:del {w} w:id="2" w:author="a"><w:r><w:delText>删除</w:delText></w:r></w:del>'))
    p._p.append(parse_xml(f'<w:moveFrom {w} w:id="3" w:author="a"><w:r><w:t>移走</w:t></w:r></w:moveFrom>'))
    doc.element.body.insert(
        0, parse_xml(f"<w:sdt {w}><w:sdtContent><w:p><w:r><w:t>内容控件</w:t></w:r></w:p></w:sdtContent></w:sdt>")
    )
    doc.save(tmp_path / "a.docx")
    assert extract_path(tmp_path / "a.docx").text == "内容控件\n保留插入"


def test_docx_without_text_is_empty(tmp_path):
    refused("空文档（Word 文件中没有文字）", make_docx(tmp_path / "a.docx", ["", "  "]))


# --- .pdf -----------------------------------------------------------------------------------


def test_pdf_round_trip_real_law_text(tmp_path):
    text = law_paragraphs(3000)
    path = make_pdf(tmp_path / "law.pdf", text, header="中华人民共和国行政许可法")
    e = extract_path(path)
    assert (e.format, e.encoding) == ("pdf", None)
    assert e.text == text


@pytest.mark.parametrize("chars_per_line", [17, 38])
def test_pdf_round_trip_mixed_text_and_page_numbers(tmp_path, chars_per_line):
    text = ARTICLES + (
        "\n依照 Administrative License Law 2019 revision 第 12 条 and Article 3 of the rules，"
        "有效期为2019-04-23至2029-04-23，共计3650天。\n"
        "本办法自2024年1月1日起施行。马克思·韦伯说：“官僚制是理性的。”"
    )
    text = "\n".join([text] * 3)  # three pages or more
    path = make_pdf(tmp_path / "a.pdf", text, chars_per_line=chars_per_line, header="某市人民政府文件")
    assert extract_path(path).text == text


@pytest.mark.parametrize(
    "fmt", ["— {n} —", "- {n} -", "－{n}－", "第{n}页", "第 {n} 页 共 {total} 页", "{n}", "{n}/{total}"]
)
def test_pdf_page_number_forms_removed(tmp_path, fmt):
    text = "\n".join([ARTICLES] * 4)
    path = make_pdf(tmp_path / "a.pdf", text, page_number_format=fmt)
    assert extract_path(path).text == text


def test_pdf_without_indentation_joins_by_punctuation_and_markers(tmp_path):
    text = (
        "各区县人民政府，市政府各委、办、局\n"  # short line, no final punctuation
        "为进一步加强行政许可管理工作，提高行政效能，现就有关事项通知如下：\n"
        "一、严格依法设定行政许可。各部门不得以备案、登记、年检等形式变相设定行政许可。\n"
        "（一）规范申请材料，不得要求申请人提交与其申请的行政许可事项无关的技术资料和其他材料；\n"
        "1.公开办事指南，明确办理条件和期限。\n"
        "第五条 本通知自印发之日起施行。"
    )
    path = make_pdf(tmp_path / "a.pdf", text, indent=0, chars_per_line=20)
    assert extract_path(path).text == text


def test_pdf_ideographic_space_and_middle_dot_survive(tmp_path):
    text = "第一条　为了规范。\n马克思·韦伯（Max Weber）。"
    assert extract_path(make_pdf(tmp_path / "a.pdf", text)).text == text


def test_make_pdf_refuses_characters_the_font_cannot_show(tmp_path):
    with pytest.raises(ValueError, match="U\\+00AE"):
        make_pdf(tmp_path / "a.pdf", "商标®")


def test_pdf_radical_code_points_mapped_to_ideographs():
    assert "⽂件⻓度⾏政".translate(pdftext._RADICALS) == "文件长度行政"


def test_pdf_scanned(tmp_path):
    refused("没有文字层", make_scanned_pdf(tmp_path / "scan.pdf", pages=2))


def test_pdf_encrypted(tmp_path):
    refused("无法读取：加密的 PDF（请先去除密码）", make_pdf(tmp_path / "a.pdf", ARTICLES, password="secret"))


def test_pdf_owner_password_only(tmp_path):
    # Opens without a password, but reportlab leaves the font's CIDSystemInfo unencrypted, so
    # pdfminer reads raw glyph ids: the clerk's fix is the same, remove the password.
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    path = tmp_path / "a.pdf"
    make_pdf(path, "预热字体。")  # registers the font
    c = canvas.Canvas(str(path), encrypt=StandardEncryption("", ownerPassword="owner"))
    c.setFont("STSong-Light", 12)
    c.drawString(72, 720, "第一条 为了规范行政许可的设定和实施。")
    c.save()
    refused("无法读取：加密的 PDF（请先去除密码）", path)


@pytest.mark.parametrize("data", [b"%PDF-1.4\ngarbage", b"%PDF-1.7\n1 0 obj << /Type /Catalog"])
def test_pdf_corrupt(data):
    refused("无法读取：损坏的 PDF", data, "a.pdf")


def test_pdf_truncated(tmp_path):
    data = make_pdf(tmp_path / "a.pdf", ARTICLES * 5).read_bytes()
    refused("无法读取：损坏的 PDF", data[: len(data) // 2], "a.pdf")


# --- inputs that are refused ------------------------------------------------------------------


def test_missing_file(tmp_path):
    refused("文件不存在", tmp_path / "nope.txt")


def test_directory(tmp_path):
    refused("是文件夹，不是文件", tmp_path)


@pytest.mark.parametrize("data", [b"", b"  \n\t\r\n", "　\n ".encode(), b"\xef\xbb\xbf", b"\xff\xfe"])
def test_empty_and_whitespace_only(data):
    refused("空文件", data)


def test_empty_file_on_disk(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"")
    refused("空文件", tmp_path / "a.txt")


@pytest.mark.parametrize("n", [64, 4096])
def test_random_bytes_are_binary(n):
    data = random.Random(n).randbytes(n)
    refused("二进制数据，不是文本文档", data, "a.txt")


@pytest.mark.parametrize(
    "data, what",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "损坏的图片文件"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "损坏的图片文件"),
        (b"GIF89a\x01\x00", "GIF 图片"),
        (b"\x7fELF\x02\x01\x01", "可执行程序"),
        (b"{\\rtf1\\ansi text}", "RTF 格式：请另存为 .docx"),
    ],
)
def test_other_formats_named(data, what):
    err = refused(what, data, "a.txt")
    assert "支持的格式" in err.reason or "另存为" in err.reason or "图片" in err.reason


def test_text_with_nul_or_control_characters_is_binary():
    refused("二进制数据", "正文\x00正文".encode(), "a.txt")
    refused("二进制数据", ("正文" + "\x01\x02\x03" * 5).encode(), "a.txt")


def test_invalid_bytes_after_bom():
    refused("以 UTF-8 开头，但在偏移 5 处有无效字节", b"\xef\xbb\xbfab\xff", "a.txt")


def test_undecodable_text():
    refused("无法按 UTF-8、UTF-16、GB18030 或 Big5 解码", b"\x80abc" * 10 + b"d", "a.txt")


def test_corrupt_docx_zip_garbage():
    refused("无法读取：损坏的 .docx（不是有效的 Word 文件）", b"PK\x03\x04" + random.Random(1).randbytes(500), "a.docx")


def test_corrupt_docx_truncated(tmp_path):
    data = make_docx(tmp_path / "a.docx", [ARTICLES] * 20).read_bytes()
    refused("无法读取：损坏的 .docx（不是有效的 Word 文件）", data[: len(data) * 2 // 3], "draft.bin")


def test_docx_with_broken_document_xml():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document><unclosed>")
    refused("无法读取：损坏的 .docx（不是有效的 Word 文件）", buf.getvalue(), "a.docx")


def test_zip_without_word_document():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "不是 Word 文件")
    refused("zip 压缩包，不是 Word 文档", buf.getvalue(), "a.docx")


def test_legacy_doc():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    refused("无法读取：加密的 Office 文件（请先去除密码）", ole + "EncryptedPackage".encode("utf-16-le"), "a.docx")
    refused("Office 旧格式文件，但不是 Word 文档", ole, "a.xls")


def test_too_large(tmp_path, monkeypatch):
    monkeypatch.setattr(extract, "MAX_BYTES", 100)
    refused("文件过大（101 bytes，上限 100 bytes；可用环境变量 DUPCHECK_MAX_FILE_MB 调整）", b"x" * 101)
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 3000)
    refused("文件过大（2.9 KB，上限 100 bytes", path)
    assert extract_bytes(b"x" * 100, "a.txt").text == "x" * 100


def test_size_in_message():
    assert extract._human(70_100_000) == "66.9 MB"
    assert extract._human(64 * 2**20) == "64 MB"


_MAGICS = [b"", b"%PDF-1.4\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf", b"\xff\xfe"]


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_MAGICS), st.binary(max_size=300))
def test_only_input_errors_escape(prefix, data):
    try:
        e = extract_bytes(prefix + data, "fuzz.bin")
    except InputError as err:
        assert "\n" not in str(err)
    else:
        assert e.text.strip()
