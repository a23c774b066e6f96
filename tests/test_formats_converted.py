"""Formats read through external programs: .doc/.wps by LibreOffice, images by Tesseract OCR.

Fixtures are made at test time from known text (no committed binaries); each test is skipped
with its reason when the program is missing (.ci/run installs them).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from rapidfuzz.distance import Indel

from dupcheck.extract import extract_path
from dupcheck.normalize import normalize

TEXT = [
    "第一条 为了加强安全生产工作，防止和减少生产安全事故，保障人民群众生命和财产安全，制定本办法。",
    "第二条 本市行政区域内从事生产经营活动的单位的安全生产，适用本办法。",
]
FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def _agreement(a: str, b: str) -> float:
    return Indel.normalized_similarity(normalize(a).text, normalize(b).text)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("suffix", [".doc", ".wps"])
def test_word97_is_converted_and_read_with_the_docx_path(tmp_path, suffix):
    import docx

    document = docx.Document()
    for line in TEXT:
        document.add_paragraph(line)
    document.save(tmp_path / "draft.docx")
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "doc", "--outdir", str(tmp_path), str(tmp_path / "draft.docx")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    legacy = (tmp_path / "draft.doc").rename(tmp_path / f"legacy{suffix}")  # .wps: the same binary format
    extracted = extract_path(legacy)
    assert extracted.text.split("\n") == TEXT  # born-digital: every character kept
    assert "LibreOffice" in extracted.method


@pytest.mark.skipif(
    shutil.which("tesseract") is None or not FONT.exists(), reason="Tesseract or the CJK font is missing"
)
def test_an_image_is_read_by_ocr_with_its_confidence(tmp_path):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), 40)
    image = Image.new("L", (2400, 300), 255)
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(TEXT):
        draw.text((40, 40 + 110 * n), line, font=font, fill=0)
    image.save(tmp_path / "scan.png")
    extracted = extract_path(tmp_path / "scan.png")
    assert extracted.ocr_confidence is not None and 0 < extracted.ocr_confidence <= 1
    assert _agreement(extracted.text, "\n".join(TEXT)) >= 0.9
