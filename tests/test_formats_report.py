"""The report says how the draft's text was obtained: converted from .doc/.wps, or OCR'd with its
mean confidence (JSON fields ``extraction`` and ``ocr_confidence``, a Chinese line in the text and
HTML reports), and says nothing extra for text read straight from the file."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from dupcheck.api import Index
from dupcheck.extract import METHODS, extraction_note
from dupcheck.render import get_format, render_html
from tests.docgen import CJK_FONT, law_body
from tests.reportfixtures import canonical_report
from tests.test_extract import ARTICLES


@pytest.mark.parametrize(
    ("method", "confidence", "path", "note"),
    [
        ("text", None, "a.docx", ""),
        ("text-layer", None, "a.pdf", ""),
        ("converted:libreoffice", None, "通知.doc", "由 .doc 文件经 LibreOffice 转换"),
        ("converted:libreoffice", None, "通知.WPS", "由 .wps 文件经 LibreOffice 转换"),
        ("converted:antiword", None, "无后缀", "由 .doc/.wps 文件经 antiword 转换"),
        ("ocr:tesseract", 0.93125, "扫描件.pdf", "文本经 OCR 识别，平均置信度 93.1%"),
        ("ocr:tesseract", None, "a.png", "文本经 OCR 识别"),
    ],
)
def test_extraction_note(method, confidence, path, note):
    assert method in METHODS
    assert extraction_note(method, confidence, path) == note


def test_every_report_format_carries_the_extraction():
    plain = canonical_report()
    assert (plain.extraction, plain.ocr_confidence, plain.extraction_note) == ("text", None, "")
    ocr = dataclasses.replace(plain, extraction="ocr:tesseract", ocr_confidence=0.912345)
    data = json.loads(get_format("json").render([ocr]))[0]
    assert (data["extraction"], data["ocr_confidence"]) == ("ocr:tesseract", 0.9123)
    assert json.loads(get_format("json").render([plain]))[0]["extraction"] == "text"
    text = get_format("text").render([ocr], width=120)
    assert "文本来源" in text and "文本经 OCR 识别，平均置信度 91.2%" in text
    assert "文本来源" not in get_format("text").render([plain], width=120)
    html = render_html(ocr, corpus_name="省级法规库")
    assert "文本经 OCR 识别，平均置信度 91.2%" in html
    assert "文本来源" not in render_html(plain, corpus_name="省级法规库")


@pytest.mark.skipif(
    shutil.which("tesseract") is None or not CJK_FONT.exists(), reason="Tesseract or the CJK font is missing"
)
def test_checking_a_scanned_image_reports_ocr_and_its_confidence(tmp_path, monkeypatch):
    monkeypatch.setenv("DUPCHECK_OCR_ENGINE", "tesseract")
    from PIL import Image, ImageDraw, ImageFont

    source = law_body("行政法/行政许可法(2019-04-23).md", 2000) or ARTICLES
    copied = max(source.split("\n"), key=len)[:84]
    font = ImageFont.truetype(str(CJK_FONT), 40, index=2)
    image = Image.new("L", (1400, 80 + 70 * 3), 255)
    draw = ImageDraw.Draw(image)
    for n in range(3):
        draw.text((40, 40 + 70 * n), copied[28 * n : 28 * (n + 1)], font=font, fill=0)
    image.save(tmp_path / "scan.png")
    with Index.open(":memory:") as index:
        index.add_texts([("行政许可法", source, "中华人民共和国行政许可法")])
        report = index.check(tmp_path / "scan.png")
    assert report.extraction == "ocr:tesseract"
    assert report.ocr_confidence is not None and 0.5 < report.ocr_confidence <= 1
    assert report.extraction_note == f"文本经 OCR 识别，平均置信度 {report.ocr_confidence * 100:.1f}%"
    assert report.copy_rate >= 0.8  # the OCR'd copy is still found
