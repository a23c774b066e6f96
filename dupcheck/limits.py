"""Resource limits of the extract stage, in one place (资源上限).

Every limit follows from what a real document can be: the longest Chinese law is well under
1 M characters (the 民法典 has 107 k), and a government document is a few hundred pages at most.
Each limit is checked *before* the expensive step it guards (the file size before reading, the
declared uncompressed size of a .docx part before unzipping, a PDF page's content size before
interpreting its drawing operators), so peak memory stays proportional to the allowed size.
The measured peak memory at each limit is in the README ("Limits and failure behaviour"),
from bench/bench_limits.py.

Each constant can be changed by the environment variable named beside it (read once, at import;
a value that is not a positive number is ignored and the default kept).
"""

from __future__ import annotations

import os

__all__ = [
    "CONVERT_SECONDS",
    "MAX_CHARS",
    "MAX_DOCX_BLOCK_NODES",
    "MAX_FILE_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_OCR_PAGES",
    "MAX_PDF_PAGES",
    "MAX_PDF_PAGE_CONTENT_BYTES",
    "MAX_PDF_SECONDS",
    "MAX_TEXT_FILE_BYTES",
    "MAX_XML_BYTES",
    "OCR_PAGE_SECONDS",
    "env_number",
]

_MB = 2**20


def env_number(name: str, default: float) -> float:
    """The positive number in environment variable *name*, else *default*."""
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw)
    except ValueError:
        return default
    return value if value > 0 else default


MAX_FILE_BYTES: int = int(env_number("DUPCHECK_MAX_FILE_MB", 64) * _MB)
"""Any file larger than this is refused before it is read (64 MB: a scanned PDF of 300 pages)."""

MAX_CHARS: int = int(env_number("DUPCHECK_MAX_CHARS", 2_000_000))
"""Extracted text longer than this is refused (2 M characters, twice the longest law)."""

MAX_TEXT_FILE_BYTES: int = int(env_number("DUPCHECK_MAX_TEXT_MB", 4 * MAX_CHARS / _MB) * _MB)
"""A plain-text or HTML file larger than this is refused before it is read (4 bytes a character)."""

MAX_XML_BYTES: int = int(env_number("DUPCHECK_MAX_XML_MB", 64) * _MB)
"""A .docx ``word/document.xml`` or an OFD part declaring (or reaching) more than this unzipped is refused."""

MAX_DOCX_BLOCK_NODES: int = int(env_number("DUPCHECK_MAX_DOCX_BLOCK_NODES", 500_000))
"""A .docx paragraph or table (one top-level body element, which the streaming parse must hold
whole) of more XML elements than this is refused as it is read: lxml needs about 350 bytes an
element, so 500 k is about 175 MB. A table of 2,000 rows of 10 cells is about 200 k."""

MAX_PDF_PAGES: int = int(env_number("DUPCHECK_MAX_PDF_PAGES", 2000))
"""A PDF with more pages is refused before any page is read."""

MAX_PDF_PAGE_CONTENT_BYTES: int = int(env_number("DUPCHECK_MAX_PDF_PAGE_MB", 8) * _MB)
"""A page whose content streams (and form XObjects) decompress to more than this is refused
before its drawing operators are interpreted (a text page of a law is under 50 KB)."""

MAX_PDF_SECONDS: float = env_number("DUPCHECK_MAX_PDF_SECONDS", 600)
"""Reading the text layer of one PDF stops with a reason after this many seconds."""

MAX_OCR_PAGES: int = int(env_number("DUPCHECK_MAX_OCR_PAGES", 300))
"""A scanned PDF with more pages than this is not OCR'd (about 5 s a page)."""

OCR_PAGE_SECONDS: float = env_number("DUPCHECK_OCR_PAGE_SECONDS", 120)
"""Tesseract is stopped after this many seconds on one page."""

MAX_IMAGE_PIXELS: int = int(env_number("DUPCHECK_MAX_IMAGE_MPIXELS", 60) * 1_000_000)
"""An image larger than this (60 M pixels: A3 at 600 dpi) is refused before it is decoded."""

CONVERT_SECONDS: float = env_number("DUPCHECK_CONVERT_SECONDS", 120)
"""LibreOffice or antiword is stopped (its whole process group) after this many seconds on one file."""
