"""Formats read through external programs: .doc/.wps by LibreOffice (antiword as the fallback),
images by Tesseract OCR.

Fixtures are made at test time from real laws (the corpus at /work/shared/corpora/laws; the two
articles shipped in test_extract when it is absent), no committed binaries; each test is skipped
with its reason when the program is missing (.ci/run installs them).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from rapidfuzz.distance import Indel

from dupcheck import office
from dupcheck.errors import InputError
from dupcheck.extract import extract_bytes, extract_path
from tests.docgen import CJK_FONT, corpus_laws, make_docx, make_word97
from tests.test_extract import ARTICLES

TEXT = [
    "第一条 为了加强安全生产工作，防止和减少生产安全事故，保障人民群众生命和财产安全，制定本办法。",
    "第二条 本市行政区域内从事生产经营活动的单位的安全生产，适用本办法。",
]


def agreement(read: str, truth: str) -> float:
    """Character agreement (Indel similarity) of two texts, whitespace left out."""
    strip = re.compile(r"\s+")
    return Indel.normalized_similarity(strip.sub("", read), strip.sub("", truth))


@pytest.fixture(scope="module")
def word97(tmp_path_factory) -> tuple[str, bytes]:
    """(text, bytes of a Word 97 .doc) written by LibreOffice from a .docx of two real laws."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    laws = [text for _, text in corpus_laws(12, 2500)][-2:] or [ARTICLES]
    text = "\n".join(laws)
    work = tmp_path_factory.mktemp("word97")
    make_docx(work / "laws.docx", text.split("\n"))
    return text, make_word97(work / "laws.docx", work).read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".doc", ".wps"])
def test_word97_of_real_laws_is_converted_and_read_with_the_docx_path(tmp_path, word97, suffix):
    text, data = word97
    legacy = tmp_path / f"laws{suffix}"  # .wps: WPS Office writes the same binary format
    legacy.write_bytes(data)
    extracted = extract_path(legacy)
    assert (extracted.format, extracted.method) == ("doc", "converted:libreoffice")
    assert agreement(extracted.text, text) >= 0.99
    assert extracted.text.split("\n") == text.split("\n")  # born-digital: every paragraph kept as it was


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("antiword") is None, reason="antiword is not installed")
def test_word97_without_libreoffice_falls_back_to_antiword(word97, monkeypatch):
    text, data = word97
    monkeypatch.setattr(office, "soffice_path", lambda: None)
    extracted = extract_bytes(data, "laws.wps")
    assert extracted.method == "converted:antiword"
    assert agreement(extracted.text, text) >= 0.99


def test_word97_with_neither_converter_names_what_to_install(monkeypatch):
    monkeypatch.setattr(office, "soffice_path", lambda: None)
    monkeypatch.setattr(office, "antiword_path", lambda: None)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "WordDocument".encode("utf-16-le")
    with pytest.raises(InputError) as info:
        extract_bytes(ole, "old.wps")
    assert str(info.value).startswith("old.wps: ") and "libreoffice-writer-nogui 或 antiword" in info.value.reason


@pytest.mark.skipif(
    shutil.which("tesseract") is None or not CJK_FONT.exists(), reason="Tesseract or the CJK font is missing"
)
def test_an_image_is_read_by_ocr_with_its_confidence(tmp_path, monkeypatch):
    monkeypatch.setenv("DUPCHECK_OCR_ENGINE", "tesseract")
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")), 40)
    image = Image.new("L", (2400, 300), 255)
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(TEXT):
        draw.text((40, 40 + 110 * n), line, font=font, fill=0)
    image.save(tmp_path / "scan.png")
    extracted = extract_path(tmp_path / "scan.png")
    assert (extracted.format, extracted.method) == ("image", "ocr:tesseract")
    assert extracted.ocr_confidence is not None and 0 < extracted.ocr_confidence <= 1
    assert agreement(extracted.text, "\n".join(TEXT)) >= 0.9


@pytest.mark.slow
def test_checking_a_wps_draft_reports_the_conversion(tmp_path, word97):
    from dupcheck.api import Index

    text, data = word97
    (tmp_path / "draft.wps").write_bytes(data)
    with Index.open(":memory:") as index:
        index.add_texts([("source", text, "来源")])
        report = index.check(tmp_path / "draft.wps")
    assert report.extraction == "converted:libreoffice" and report.ocr_confidence is None
    assert report.extraction_note == "由 .wps 文件经 LibreOffice 转换"
    assert report.copy_rate >= 0.95
