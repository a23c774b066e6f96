"""OCR: a scanned PDF made from a real law, and the rule that an uncertain character never copies.

The scan is made at test time: a real law laid out as a printed page and drawn to a 200 dpi
image (tests/docgen.render_pages), put in a PDF with no text layer. Tesseract tests are skipped
with their reason when Tesseract, chi_sim or the CJK font is missing (.ci/run installs them).
"""

from __future__ import annotations

import re
import shutil

import pytest
from rapidfuzz.distance import Indel

from dupcheck import ocr
from dupcheck.api import Index
from dupcheck.extract import extract_path
from dupcheck.ocr import UNCERTAIN, page_lines
from tests.docgen import CJK_FONT, law_body, make_image_pdf, page_texts
from tests.test_extract import ARTICLES

SCAN_FLOOR = 0.94
"""Character agreement of Tesseract chi_sim on the scanned page of 行政许可法 below: measured 0.966
(tesseract 5.3, chi_sim of Debian 12; docs/formats.md), asserted with a margin for other builds."""

needs_tesseract = pytest.mark.skipif(
    ocr.tesseract_missing() is not None or shutil.which("pdftoppm") is None or not CJK_FONT.exists(),
    reason=f"OCR not available here: {ocr.tesseract_missing() or 'pdftoppm or the CJK font is missing'}",
)


@pytest.fixture(autouse=True)
def tesseract_engine(monkeypatch):
    """These tests are about Tesseract, whatever else is installed (RapidOCR's are marked)."""
    monkeypatch.setenv(ocr.ENGINE_ENV, "tesseract")


def agreement(read: str, truth: str) -> float:
    strip = re.compile(r"\s+")
    return Indel.normalized_similarity(strip.sub("", read), strip.sub("", truth))


@pytest.mark.slow
@needs_tesseract
def test_scanned_pdf_of_a_real_law_is_ocrd_with_its_confidence(tmp_path, monkeypatch):
    despeckled = _count_despeckle(monkeypatch)
    text = law_body("行政法/行政许可法(2019-04-23).md", 700) or ARTICLES
    pdf = make_image_pdf(tmp_path / "scan.pdf", text, max_pages=1)
    calls: list[tuple[str, int, int]] = []
    extracted = extract_path(pdf, progress=lambda stage, done, total: calls.append((stage, done, total)))
    assert (extracted.format, extracted.method) == ("pdf", "ocr:tesseract")
    assert extracted.ocr_confidence is not None and 0.5 < extracted.ocr_confidence <= 1
    assert agreement(extracted.text, page_texts(text)[0]) >= SCAN_FLOOR
    assert "—" not in extracted.text  # the "— 1 —" page number is furniture on an OCR'd page too
    assert calls[-1] == ("ocr", 1, 1)  # progress: pages read, then pages OCR'd
    assert despeckled == []  # a clean page is read as it is (the median filter would cost accuracy)


def _count_despeckle(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = ocr._despeckle
    monkeypatch.setattr(ocr, "_despeckle", lambda png: (calls.append(png), real(png))[1])
    return calls


# --- the uncertain-character rule ----------------------------------------------------------

_HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"


def tsv(words: list[tuple[str, float]], *, line_chars: int = 30) -> str:
    """Tesseract's TSV for *words* (text, confidence), laid out in lines of about *line_chars*."""
    rows, x, line, used = [_HEADER], 100, 1, 0
    for n, (word, conf) in enumerate(words, 1):
        if used + len(word) > line_chars:
            line, x, used = line + 1, 100, 0
        w = 40 * len(word)
        rows.append(f"5\t1\t1\t1\t{line}\t{n}\t{x}\t{60 * line}\t{w}\t40\t{conf}\t{word}")
        x, used = x + w, used + len(word)
    return "\n".join(rows) + "\n"


def words_of(text: str, conf: float, size: int = 4) -> list[tuple[str, float]]:
    return [(text[i : i + size], conf) for i in range(0, len(text), size)]


def ocr_text(words: list[tuple[str, float]]) -> str:
    return "\n".join(line.text for line in page_lines(tsv(words))[1].lines)


def test_low_confidence_words_become_uncertain_characters_and_the_mean_is_weighted():
    page = page_lines(tsv([("行政许可", 90.0), ("设定", 30.0), ("实施", 70.0)]))[1]
    assert "".join(line.text for line in page.lines) == "行政许可" + UNCERTAIN * 2 + "实施"
    assert page.chars == 8
    assert page.conf_sum / page.chars == pytest.approx((4 * 0.9 + 2 * 0.3 + 2 * 0.7) / 8)


SOURCE = (
    "第十二条 下列事项可以设定行政许可：直接涉及国家安全、公共安全、经济宏观调控、生态环境保护以及"
    "直接关系人身健康、生命财产安全等特定活动，需要按照法定条件予以批准的事项。"
)
NOVEL = "各区县人民政府应当在每年三月底前，将上一年度本地区农村供水工程的运行维护情况报送市水务局备案。"


def test_an_uncertain_ocr_character_never_makes_a_copy():
    """OCR 'reads' a passage of the source, but unsure of every word (a smudged page, a seal over
    the text): what it guessed is kept out of matching, so the draft copies nothing. The same
    words read with confidence are a copy, which shows the test can fail."""
    source = law_body("行政法/行政许可法(2019-04-23).md", 3000) or SOURCE
    guessed = max(source.split("\n"), key=len)[:60]
    with Index.open(":memory:") as index:
        index.add_texts([("行政许可法", source, "中华人民共和国行政许可法")])
        unsure = ocr_text(words_of(NOVEL, 92.0) + words_of(guessed, 35.0) + words_of(NOVEL[::-1], 92.0))
        assert unsure.count(UNCERTAIN) == len(guessed)
        report = index.check_text(unsure)
        assert report.copied_chars == 0 and report.passages == ()
        sure = ocr_text(words_of(NOVEL, 92.0) + words_of(guessed, 85.0) + words_of(NOVEL[::-1], 92.0))
        assert index.check_text(sure).copied_chars >= 0.9 * len(guessed)


def test_uncertain_characters_do_not_match_each_other():
    """Two scans both unsure of the same stretch (U+FFFD on both sides) do not copy each other there."""
    with Index.open(":memory:") as index:
        index.add_texts([("a", SOURCE[:20] + UNCERTAIN * 60 + SOURCE[-20:], None)])
        report = index.check_text(NOVEL[:20] + UNCERTAIN * 60 + NOVEL[-20:])
        assert report.copied_chars == 0


def test_the_confidence_floor_is_what_masks(monkeypatch):
    words = [("行政许可", 40.0)]
    assert ocr_text(words) == UNCERTAIN * 4
    monkeypatch.setattr(ocr, "MIN_CONFIDENCE", 30.0)
    assert ocr_text(words) == "行政许可"


@pytest.mark.slow
@needs_tesseract
def test_a_scan_stamped_with_a_line_of_text_is_still_ocrd(tmp_path):
    """A tool stamped the scan with its 文号 as text: the page has a text layer, but almost none
    (16 characters over a full-page image); its body is still OCR'd."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from tests.docgen import A4, render_pages

    text = law_body("行政法/行政许可法(2019-04-23).md", 700) or ARTICLES
    image = render_pages(text, max_pages=1)[0]
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(tmp_path / "stamped.pdf"), pagesize=A4)
    c.drawImage(ImageReader(image), 0, 0, A4[0], A4[1])
    c.setFont("STSong-Light", 9)
    c.drawString(400, 820, "石政办〔2023〕12号　归档编号0815")
    c.showPage()
    c.save()
    extracted = extract_path(tmp_path / "stamped.pdf")
    assert extracted.method == "ocr:tesseract"
    assert agreement(extracted.text, page_texts(text)[0]) >= SCAN_FLOOR


SPECKED_FLOOR = 0.55
"""Agreement on a specked 150 dpi scan (tests/docgen.degrade) of 行政许可法 with the 5×5 median
filter; without it this test measures 0.145 (Tesseract takes the specks for diacritics)."""


@pytest.mark.slow
@needs_tesseract
def test_a_specked_scan_is_despeckled_before_ocr(tmp_path, monkeypatch):
    from tests.docgen import degrade, render_pages

    despeckled = _count_despeckle(monkeypatch)
    text = law_body("行政法/行政许可法(2019-04-23).md", 1200) or ARTICLES
    degrade(render_pages(text, max_pages=1)[0], 1).save(tmp_path / "specked.pdf", "PDF", resolution=150.0)
    extracted = extract_path(tmp_path / "specked.pdf")
    assert extracted.method == "ocr:tesseract"
    assert len(despeckled) == 1  # read once as it is, unsure, then again filtered
    assert agreement(extracted.text, page_texts(text)[0]) >= SPECKED_FLOOR


# --- RapidOCR ------------------------------------------------------------------------------

RAPID_FLOOR = 0.97
"""RapidOCR's agreement on the same scanned page of 行政许可法 (measured 0.99 with
rapidocr-onnxruntime 1.4.4)."""

needs_rapidocr = pytest.mark.skipif(
    not ocr._rapidocr_installed() or shutil.which("pdftoppm") is None or not CJK_FONT.exists(),
    reason="RapidOCR (pip install 'dupcheck[ocr]'), pdftoppm or the CJK font is missing",
)


def _box(x: float, y: float, w: float, h: float) -> list[list[float]]:
    return [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]


def test_rapidocr_lines_are_grouped_ordered_and_uncertain_ones_masked():
    result = [
        (_box(300, 100, 200, 40), "设定和实施", 0.97),  # same line as the next piece, further right
        (_box(100, 104, 160, 40), "行政许可", 0.99),
        (_box(100, 170, 80, 40), "适用", 0.30),  # unsure: masked
        (_box(180, 171, 120, 40), "本办法", 0.95),
    ]
    page = ocr.rapid_lines(result)
    assert [line.text for line in page.lines] == ["行政许可设定和实施", UNCERTAIN * 2 + "本办法"]
    assert page.chars == 14
    assert page.conf_sum / page.chars == pytest.approx((4 * 0.99 + 5 * 0.97 + 2 * 0.30 + 3 * 0.95) / 14)
    assert page.lines[0].size == pytest.approx(40)  # a character's width, as the paragraph rules want


def test_an_uncertain_rapidocr_line_never_makes_a_copy(monkeypatch):
    source = law_body("行政法/行政许可法(2019-04-23).md", 3000) or SOURCE
    guessed = max(source.split("\n"), key=len)[:60]

    def text(score: float) -> str:
        result = [
            (_box(100, 60 * n, 40 * len(t), 40), t, s)
            for n, (t, s) in enumerate(
                [(NOVEL, 0.95), (guessed[:30], score), (guessed[30:], score), (NOVEL[::-1], 0.95)]
            )
        ]
        return "\n".join(line.text for line in ocr.rapid_lines(result).lines)

    with Index.open(":memory:") as index:
        index.add_texts([("行政许可法", source, "中华人民共和国行政许可法")])
        assert index.check_text(text(0.35)).copied_chars == 0
        assert index.check_text(text(0.90)).copied_chars >= 0.9 * len(guessed)


def test_the_engine_is_rapidocr_when_installed_unless_chosen(monkeypatch):
    monkeypatch.delenv(ocr.ENGINE_ENV)
    monkeypatch.setattr(ocr, "_rapidocr_installed", lambda: True)
    assert ocr.engine() == "rapidocr" and ocr.method() == "ocr:rapidocr"
    monkeypatch.setattr(ocr, "_rapidocr_installed", lambda: False)
    assert ocr.engine() == "tesseract"
    monkeypatch.setenv(ocr.ENGINE_ENV, "rapidocr")
    assert "pip install 'dupcheck[ocr]'" in (ocr._engine_missing() or "")


@pytest.mark.slow
@needs_rapidocr
def test_scanned_pdf_of_a_real_law_is_read_by_rapidocr(tmp_path, monkeypatch):
    monkeypatch.setenv(ocr.ENGINE_ENV, "rapidocr")
    text = law_body("行政法/行政许可法(2019-04-23).md", 700) or ARTICLES
    extracted = extract_path(make_image_pdf(tmp_path / "scan.pdf", text, max_pages=1))
    assert extracted.method == "ocr:rapidocr"
    assert extracted.ocr_confidence is not None and 0.5 < extracted.ocr_confidence <= 1
    assert agreement(extracted.text, page_texts(text)[0]) >= RAPID_FLOOR
