#!/usr/bin/env python
"""OCR benchmark: Tesseract chi_sim (what dupcheck runs) against RapidOCR on scans of real laws.

    python bench/bench_ocr.py --laws 10 --out bench-ocr.json

How it is measured (docs/formats.md has the table and the choice it supports):

- Pages: the first page of each of ``--laws`` national laws of the corpus (manifest order,
  every ``--stride``-th one, so several departments are covered), laid out as a printed 公文
  (36 characters a line, 12 pt Song-style font, first lines indented, "— N —" page numbers) and
  rendered to a 200 dpi greyscale image (``tests/docgen.render_pages``), then put into an
  image-only PDF: a scan with no text layer. ``--degrade`` makes it a poor office scan instead:
  150 dpi, tilted 0.8°, blurred (radius 0.7), 4% salt-and-pepper specks, JPEG quality 50.
- Tesseract: dupcheck's own path, ``dupcheck.ocr.ocr_page_images`` (pdftoppm at 300 dpi, then
  ``tesseract -l chi_sim --psm 3 tsv``, uncertain words as U+FFFD), lines joined by
  ``dupcheck.pdftext``; the page number removed as dupcheck removes it.
- "tesseract_raw" is the same without the median filter (``dupcheck.ocr.DESPECKLE`` = 1), to
  show what the filter does.
- RapidOCR (``rapidocr_onnxruntime``, PP-OCRv4 models bundled in its wheel, one ONNX thread as
  Tesseract has one): the same pdftoppm 300 dpi image, its lines in the order it returns them,
  the page-number line dropped.
- Character accuracy = 1 - normalized Levenshtein distance (rapidfuzz) between what was read and
  the text drawn on the page, whitespace removed; "folded" also folds width and punctuation as
  dupcheck's normalizer does (a full-width/half-width comma is not a copy difference). U+FFFD
  counts as a wrong character.
- Copy rate: what matters for dupcheck. The laws (their first 1,200 characters) are indexed;
  each page's OCR text is checked against the index, beside the true text of the page checked
  the same way (the baseline: all of it copied from its law). The gap is what OCR errors cost.
- Seconds per page: wall clock of the OCR call alone (rendering excluded for both; Tesseract's
  figure includes its pdftoppm run, RapidOCR's does not include the shared rasterisation). The
  machine is shared: the load average is recorded, and the ratio between the engines (measured
  in the same run, page by page alternately) is the figure to compare, not the seconds.

Exit code 0; 2 when the corpus or a tool is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapidfuzz.distance import Levenshtein  # noqa: E402

from dupcheck.normalize import normalize  # noqa: E402
from tests.docgen import corpus_laws, degrade, page_texts, render_pages  # noqa: E402

_PAGE_NUMBER = re.compile(r"^[—\-－–~]\s*\d+\s*[—\-－–~]$")


def accuracy(read: str, truth: str) -> tuple[float, float]:
    strip = re.compile(r"\s+")
    raw = 1 - Levenshtein.normalized_distance(strip.sub("", read), strip.sub("", truth))
    folded = 1 - Levenshtein.normalized_distance(normalize(read).text, normalize(truth).text)
    return raw, folded


def tesseract_page(pdf: bytes, despeckle: int | None = None) -> tuple[str, float | None]:
    from dupcheck import ocr
    from dupcheck.pdftext import _join_lines

    kept, chosen = ocr.DESPECKLE, os.environ.get(ocr.ENGINE_ENV)
    ocr.DESPECKLE = kept if despeckle is None else despeckle
    os.environ[ocr.ENGINE_ENV] = "tesseract"  # dupcheck would take RapidOCR where it is installed
    try:
        page = ocr.ocr_page_images(pdf, [0], "bench.pdf")[0]
    finally:
        ocr.DESPECKLE = kept
        if chosen is None:
            del os.environ[ocr.ENGINE_ENV]
        else:
            os.environ[ocr.ENGINE_ENV] = chosen
    lines = [line for line in page.lines if not _PAGE_NUMBER.match(line.text.replace(" ", ""))]
    return "\n".join(_join_lines(lines)), (page.conf_sum / page.chars if page.chars else None)


def rapid_page(engine, png: str) -> tuple[str, float | None]:
    result, _ = engine(png)
    lines = [(text, score) for _, text, score in (result or []) if not _PAGE_NUMBER.match(text.replace(" ", ""))]
    chars = sum(len(t) for t, _ in lines)
    conf = sum(len(t) * float(s) for t, s in lines) / chars if chars else None
    return "\n".join(t for t, _ in lines), conf


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--laws", type=int, default=10, help="laws, one page each (default 10)")
    ap.add_argument("--stride", type=int, default=25, help="take every N-th national law of the manifest")
    ap.add_argument("--degrade", action="store_true", help="a poor office scan instead of a clean one")
    ap.add_argument("--out", help="write the figures as JSON here")
    args = ap.parse_args(argv)

    laws = corpus_laws(args.laws * args.stride, chars=1200, min_chars=1100)[:: args.stride][: args.laws]
    if len(laws) < args.laws:
        print(f"bench_ocr: law corpus missing or too small ({len(laws)} laws)", file=sys.stderr)
        return 2
    from dupcheck.ocr import tesseract_missing

    if tesseract_missing():
        print(f"bench_ocr: {tesseract_missing()}", file=sys.stderr)
        return 2
    try:
        from rapidocr_onnxruntime import RapidOCR

        engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
        rapid_error = None
    except Exception as e:  # not installed, or its runtime does not load
        engine, rapid_error = None, f"{type(e).__name__}: {e}"

    from dupcheck.api import Index

    index = Index.open(":memory:")
    index.add_texts([(path, text, None) for path, text in laws])
    rows = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as work:
        for n, (path, text) in enumerate(laws):
            image = render_pages(text, max_pages=1)[0]
            dpi = 200.0
            if args.degrade:
                image, dpi = degrade(image, n), 150.0
            truth = page_texts(text)[0]
            pdf_path = Path(work) / f"scan{n}.pdf"
            image.save(pdf_path, "PDF", resolution=dpi)
            pdf = pdf_path.read_bytes()
            started = time.perf_counter()
            t_text, t_conf = tesseract_page(pdf)
            t_secs = time.perf_counter() - started
            started = time.perf_counter()
            raw_text, raw_conf = tesseract_page(pdf, despeckle=1)
            raw_secs = time.perf_counter() - started
            row = {
                "law": path,
                "chars": len(re.sub(r"\s+", "", truth)),
                "truth_copy_rate": round(index.check_text(truth).copy_rate, 4),
                "tesseract": {
                    "seconds": round(t_secs, 2),
                    "confidence": t_conf,
                    "accuracy": accuracy(t_text, truth),
                    "copy_rate": round(index.check_text(t_text).copy_rate, 4),
                },
                "tesseract_raw": {
                    "seconds": round(raw_secs, 2),
                    "confidence": raw_conf,
                    "accuracy": accuracy(raw_text, truth),
                    "copy_rate": round(index.check_text(raw_text).copy_rate, 4),
                },
            }
            if engine is not None:
                png = str(Path(work) / f"scan{n}")
                subprocess.run(
                    ["pdftoppm", "-r", "300", "-gray", "-png", "-singlefile", str(pdf_path), png], check=True
                )
                started = time.perf_counter()
                r_text, r_conf = rapid_page(engine, png + ".png")
                r_secs = time.perf_counter() - started
                row["rapidocr"] = {
                    "seconds": round(r_secs, 2),
                    "confidence": r_conf,
                    "accuracy": accuracy(r_text, truth),
                    "copy_rate": round(index.check_text(r_text).copy_rate, 4),
                }
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    load_after = os.getloadavg()

    def mean(engine_name: str, key: str, index: int | None = None) -> float | None:
        values = [
            r[engine_name][key] if index is None else r[engine_name][key][index] for r in rows if engine_name in r
        ]
        values = [v for v in values if v is not None]
        return round(sum(values) / len(values), 4) if values else None

    summary = {
        "pages": len(rows),
        "scan": "degraded" if args.degrade else "clean",
        "load_average_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "cpus": os.cpu_count(),
        "rapidocr_error": rapid_error,
    }
    for name in ("tesseract", "tesseract_raw", "rapidocr"):
        summary[name] = {
            "accuracy": mean(name, "accuracy", 0),
            "accuracy_folded": mean(name, "accuracy", 1),
            "min_accuracy": min((r[name]["accuracy"][0] for r in rows if name in r), default=None),
            "seconds_per_page": mean(name, "seconds"),
            "confidence": mean(name, "confidence"),
            "copy_rate": mean(name, "copy_rate"),
        }
    summary["truth_copy_rate"] = round(sum(r["truth_copy_rate"] for r in rows) / len(rows), 4)
    if summary["rapidocr"]["seconds_per_page"] and summary["tesseract"]["seconds_per_page"]:
        summary["rapidocr_time_vs_tesseract"] = round(
            summary["rapidocr"]["seconds_per_page"] / summary["tesseract"]["seconds_per_page"], 2
        )
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps({"summary": summary, "pages": rows}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
