"""OCR of scanned pages and images: RapidOCR when it is installed (``pip install dupcheck[ocr]``),
else Tesseract (chi_sim) run as a program; ``DUPCHECK_OCR_ENGINE=tesseract|rapidocr`` chooses.

Why RapidOCR first: measured against Tesseract on pages rendered from 10 real laws
(docs/formats.md, ``bench/bench_ocr.py``) it reads a clean scan better and a poor office scan
far better (there Tesseract's text keeps a copy rate of 80% where RapidOCR's and the true text's keep 100%).
Why Tesseract stays: it installs from Debian's packages (tesseract-ocr, tesseract-ocr-chi-sim)
with no 100 MB of Python wheels, and gives a confidence per word instead of per line.

RapidOCR (PP-OCRv4 models bundled in its wheel, one ONNX thread per process: parallelism is per
file) returns text lines with a box and a score; a line scored under :data:`MIN_LINE_SCORE` has
each character replaced by U+FFFD. Tesseract: each page image goes to ``tesseract IMAGE stdout
-l chi_sim tsv``; its words (for Chinese, runs of characters) come with a box and a confidence.
A word below :data:`MIN_CONFIDENCE` has each character replaced by U+FFFD: the match key keeps
U+FFFD as a character that no real text contains, so an uncertain character can lower a copy rate
but never make a copy that is not there. The mean confidence (weighted by characters) is reported.

Lines come back as :class:`dupcheck.pdftext._Line` boxes, so OCR'd pages go through the same
page-furniture and paragraph rules as a PDF's text layer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dupcheck import limits
from dupcheck.errors import InputError
from dupcheck.safety import run_program

__all__ = [
    "MIN_CONFIDENCE",
    "MIN_LINE_SCORE",
    "OcrPage",
    "OcrResult",
    "engine",
    "ocr_image",
    "ocr_page_images",
    "tesseract_missing",
]

MIN_CONFIDENCE = 50.0
"""Tesseract word confidence (0–100) under which the characters become U+FFFD."""

MIN_LINE_SCORE = 0.5
"""RapidOCR line score (0–1) under which the line's characters become U+FFFD."""

DPI = 300
UNCERTAIN = "\ufffd"
METHOD = "ocr:tesseract"
_LANG = "chi_sim"
ENGINE_ENV = "DUPCHECK_OCR_ENGINE"


def _rapidocr_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


def engine() -> str:
    """``"rapidocr"`` or ``"tesseract"``: the environment's choice, else RapidOCR when installed."""
    choice = os.environ.get(ENGINE_ENV, "").strip().lower()
    if choice in ("rapidocr", "tesseract"):
        return choice
    return "rapidocr" if _rapidocr_installed() else "tesseract"


def method() -> str:
    """The ``Extracted.method`` of text OCR'd here: ``"ocr:rapidocr"`` or ``"ocr:tesseract"``."""
    return f"ocr:{engine()}"


def _engine_missing() -> str | None:
    if engine() == "tesseract":
        return tesseract_missing()
    if not _rapidocr_installed():
        return f"需要 OCR，但 {ENGINE_ENV}=rapidocr 而未安装 RapidOCR（请安装：pip install 'dupcheck[ocr]'）"
    return None


_rapid = None


def _rapid_engine():
    global _rapid
    if _rapid is None:
        from rapidocr_onnxruntime import RapidOCR

        # every line back (we mask the uncertain ones ourselves); one thread, as Tesseract has
        _rapid = RapidOCR(text_score=0.0, intra_op_num_threads=1, inter_op_num_threads=1)
    return _rapid


def rapid_lines(result, scale: float = 1.0) -> OcrPage:
    """RapidOCR's ``[(box, text, score), …]`` → one page's lines (boxes multiplied by *scale*).

    Boxes whose vertical centres are within half a box height are one line, read left to right;
    a piece scored under :data:`MIN_LINE_SCORE` becomes U+FFFD, one per character. Character
    width (the size the paragraph rules use) is a piece's width over its characters.
    """
    from dupcheck.pdftext import _Line

    pieces = []
    for box, text, score in result or []:
        text = str(text).strip()
        if not text:
            continue
        xs, ys = [float(p[0]) for p in box], [float(p[1]) for p in box]
        pieces.append((min(ys), max(ys), min(xs), max(xs), text, float(score)))
    pieces.sort(key=lambda p: ((p[0] + p[1]) / 2, p[2]))
    groups: list[list[tuple[float, float, float, float, str, float]]] = []
    for p in pieces:
        last = groups[-1][-1] if groups else None
        if last is not None and abs((p[0] + p[1]) / 2 - (last[0] + last[1]) / 2) <= 0.5 * (p[1] - p[0]):
            groups[-1].append(p)
        else:
            groups.append([p])
    lines, chars, conf_sum = [], 0, 0.0
    for g in groups:
        g.sort(key=lambda p: p[2])
        text = ""
        for p in g:
            piece = p[4] if p[5] >= MIN_LINE_SCORE else UNCERTAIN * len(p[4])
            if text and _is_latin(text[-1]) and _is_latin(piece[0]):
                text += " "
            text += piece
            chars += len(p[4])
            conf_sum += len(p[4]) * max(0.0, min(p[5], 1.0))
        widths = sorted((p[3] - p[2]) / len(p[4]) for p in g)
        unit = widths[len(widths) // 2] * scale
        lines.append(_Line(text=text, x0=g[0][2] * scale, x1=g[-1][3] * scale, size=unit, first_unit=unit))
    return OcrPage(lines, chars, conf_sum)


def _rapid_page(png: str, name: str) -> OcrPage:
    try:
        result, _ = _rapid_engine()(png)
    except Exception:  # onnxruntime or OpenCV failing on a page: one clear line
        raise InputError(name, "OCR 失败：图片无法识别（可能已损坏）") from None
    return rapid_lines(result, scale=72 / DPI)


@dataclass(frozen=True)
class OcrWord:
    text: str
    left: float
    top: float
    width: float
    height: float
    conf: float


@dataclass(frozen=True)
class OcrPage:
    lines: list  # list[dupcheck.pdftext._Line], in the page's units
    chars: int  # characters recognised
    conf_sum: float  # sum over characters of the confidence (0-1)


@dataclass(frozen=True)
class OcrResult:
    text: str
    method: str
    confidence: float | None


def tesseract_missing() -> str | None:
    """A Chinese reason if Tesseract with chi_sim cannot run here, else None."""
    exe = shutil.which("tesseract")
    if exe is None:
        return "需要 OCR，但未安装 Tesseract（请安装：apt install tesseract-ocr tesseract-ocr-chi-sim）"
    try:
        r = subprocess.run([exe, "--list-langs"], capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return "需要 OCR，但 Tesseract 无法运行（请重新安装 tesseract-ocr）"
    if _LANG not in r.stdout.decode("utf-8", "replace").split():
        return "需要 OCR，但未安装中文识别数据（请安装：apt install tesseract-ocr-chi-sim）"
    return None


def _run(cmd: list[str], timeout: float, cwd: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}  # parallelism is per file
    return run_program(cmd, timeout, cwd, env)


def _words(tsv: str) -> list[tuple[tuple[int, int, int, int], OcrWord]]:
    out = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        if not text:
            continue
        try:
            key = (int(cols[1]), int(cols[2]), int(cols[3]), int(cols[4]))
            left, top, width, height = (float(c) for c in cols[6:10])
            conf = float(cols[10])
        except ValueError:
            continue
        out.append((key, OcrWord(text, left, top, width, height, conf)))
    return out


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def page_lines(tsv: str, scale: float = 1.0) -> dict[int, OcrPage]:
    """Tesseract TSV → per page number, its lines (boxes multiplied by *scale*) and confidence."""
    from dupcheck.pdftext import _Line

    grouped: dict[tuple[int, int, int, int], list[OcrWord]] = {}
    for key, word in _words(tsv):
        grouped.setdefault(key, []).append(word)
    pages: dict[int, list] = {}
    stats: dict[int, list[float]] = {}
    for key in sorted(grouped):
        words = grouped[key]
        text = ""
        for w in words:
            piece = w.text if w.conf >= MIN_CONFIDENCE else UNCERTAIN * len(w.text)
            if text and _is_latin(text[-1]) and _is_latin(piece[0]):
                text += " "
            text += piece
            s = stats.setdefault(key[0], [0, 0.0])
            s[0] += len(w.text)
            s[1] += len(w.text) * max(0.0, min(w.conf, 100.0)) / 100
        height = sorted(w.height for w in words)[len(words) // 2] * scale
        first = words[0]
        first_unit = (
            (first.width / max(1, len(first.text))) * scale if not _is_latin(first.text[0]) else first.width * scale
        )
        pages.setdefault(key[0], []).append(
            _Line(
                text=text,
                x0=first.left * scale,
                x1=max(w.left + w.width for w in words) * scale,
                size=height,
                first_unit=first_unit,
            )
        )
    return {p: OcrPage(lines, int(stats.get(p, [0, 0])[0]), stats.get(p, [0, 0.0])[1]) for p, lines in pages.items()}


def _tesseract(image: str, cwd: str, name: str) -> str:
    try:
        r = _run(["tesseract", image, "stdout", "-l", _LANG, "--psm", "3", "tsv"], limits.OCR_PAGE_SECONDS, cwd)
    except subprocess.TimeoutExpired:
        raise InputError(
            name, f"OCR 超时（一页超过 {limits.OCR_PAGE_SECONDS:.0f} 秒；可用 DUPCHECK_OCR_PAGE_SECONDS 调整）"
        ) from None
    except OSError as e:
        raise InputError(name, f"OCR 无法运行（{e.strerror or e}）") from None
    if r.returncode != 0:
        raise InputError(name, "OCR 失败：图片无法识别（可能已损坏）")
    return r.stdout.decode("utf-8", "replace")


DESPECKLE = 5
"""Median filter size for a 300 dpi page that Tesseract read badly. Scanner specks, enlarged to
2×2 pixels when a 150 dpi scan is rendered at 300 dpi, make Tesseract take the page for
diacritics and read almost nothing (character accuracy 0.9% on 10 specked pages of real laws);
after a 5×5 median 59.7%. On clean pages the filter costs accuracy (93.9% → 90.9%), so it is
applied only to a page whose first reading has a mean confidence under :data:`RETRY_CONFIDENCE`,
and its reading is kept when it is more confident. docs/formats.md has the measurement; 1 turns
it off."""

RETRY_CONFIDENCE = 0.8
"""Clean scans of real laws read at 0.87–0.93 mean confidence, specked ones at about 0.5."""


def _mean_confidence(page: OcrPage) -> float:
    return page.conf_sum / page.chars if page.chars else 0.0


def _tesseract_page(png: str, work: str, name: str) -> OcrPage:
    """One rendered page through Tesseract; read again despeckled when the first reading is unsure
    (:data:`RETRY_CONFIDENCE`), keeping the more confident of the two."""

    def read() -> OcrPage:
        return page_lines(_tesseract(png, work, name), scale=72 / DPI).get(1, OcrPage([], 0, 0.0))

    first = read()
    if DESPECKLE > 1 and _mean_confidence(first) < RETRY_CONFIDENCE:
        _despeckle(png)
        again = read()
        if _mean_confidence(again) > _mean_confidence(first):
            return again
    return first


def _despeckle(png: str) -> None:
    if DESPECKLE <= 1:
        return
    from PIL import Image, ImageFilter

    with Image.open(png) as im:
        page = im.convert("L")
    page.filter(ImageFilter.MedianFilter(DESPECKLE)).save(png)


def ocr_page_images(pdf: bytes, pages: list[int], name: str, progress=None) -> dict[int, OcrPage]:
    """OCR the given pages (0-based) of a PDF, rasterised at 300 dpi by pdftoppm; boxes in points."""
    reason = _engine_missing()
    if reason is None and shutil.which("pdftoppm") is None:
        reason = "需要 OCR，但未安装 pdftoppm（请安装：apt install poppler-utils）"
    if reason:
        raise InputError(name, "扫描件 PDF（没有文字层）：" + reason)
    if len(pages) > limits.MAX_OCR_PAGES:
        raise InputError(
            name,
            f"扫描件页数过多（{len(pages)} 页，OCR 上限 {limits.MAX_OCR_PAGES} 页；可用 DUPCHECK_MAX_OCR_PAGES 调整）",
        )
    out: dict[int, OcrPage] = {}
    with tempfile.TemporaryDirectory(prefix="dupcheck-ocr-") as work:
        src = Path(work) / "in.pdf"
        src.write_bytes(pdf)
        for n, page in enumerate(pages, 1):
            prefix = str(Path(work) / f"p{page}")
            try:
                r = _run(
                    [
                        "pdftoppm",
                        "-r",
                        str(DPI),
                        "-gray",
                        "-png",
                        "-singlefile",
                        "-f",
                        str(page + 1),
                        "-l",
                        str(page + 1),
                        str(src),
                        prefix,
                    ],
                    limits.OCR_PAGE_SECONDS,
                    work,
                )
            except subprocess.TimeoutExpired:
                raise InputError(name, "PDF 页面渲染超时（无法 OCR）") from None
            if r.returncode != 0 or not Path(prefix + ".png").is_file():
                raise InputError(name, "扫描件 PDF 无法渲染为图片（无法 OCR）")
            png = prefix + ".png"
            out[page] = _rapid_page(png, name) if engine() == "rapidocr" else _tesseract_page(png, work, name)
            os.unlink(prefix + ".png")
            if progress:
                progress("ocr", n, len(pages))
    return out


def ocr_image(data: bytes, name: str, progress=None) -> OcrResult:
    """OCR a PNG, JPEG or (multi-page) TIFF image; ``progress("ocr", 1, 1)`` when it is done."""
    reason = _engine_missing()
    if reason:
        raise InputError(name, "图片文件：" + reason)
    try:
        from PIL import Image

        with Image.open(__import__("io").BytesIO(data)) as im:
            w, h = im.size
            frames = getattr(im, "n_frames", 1)
    except Exception:
        raise InputError(name, "无法读取：损坏的图片文件") from None
    if w * h > limits.MAX_IMAGE_PIXELS:
        raise InputError(
            name,
            f"图片过大（{w}×{h} 像素，上限 {limits.MAX_IMAGE_PIXELS // 1_000_000} M 像素；"
            "可用 DUPCHECK_MAX_IMAGE_MPIXELS 调整）",
        )
    if frames > limits.MAX_OCR_PAGES:
        raise InputError(name, f"图片页数过多（{frames} 页，上限 {limits.MAX_OCR_PAGES}）")
    from dupcheck.pdftext import _join_lines, _strip_page_furniture

    with tempfile.TemporaryDirectory(prefix="dupcheck-ocr-") as work:
        src = Path(work) / "image"
        src.write_bytes(data)
        if engine() == "rapidocr":
            pages = {}
            with Image.open(src) as im:
                for frame in range(frames):
                    im.seek(frame)
                    png = str(Path(work) / f"f{frame}.png")
                    im.convert("L").save(png)
                    pages[frame + 1] = _rapid_page(png, name)
        else:
            pages = page_lines(_tesseract(str(src), work, name))
    if progress:
        progress("ocr", 1, 1)
    ordered = [pages[p] for p in sorted(pages)]
    chars = sum(p.chars for p in ordered)
    if not chars:
        raise InputError(name, "图片中没有识别出文字")
    lines = [p.lines for p in ordered]
    body = _strip_page_furniture(lines) or [line for page in lines for line in page]
    return OcrResult("\n".join(_join_lines(body)), method(), sum(p.conf_sum for p in ordered) / chars)
