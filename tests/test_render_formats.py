"""The format registry, and golden files for the text and HTML formats (as for JSON)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import docx
import pytest

from dupcheck.errors import ParameterError
from dupcheck.render import formats, get_format, render_json
from tests.reportfixtures import canonical_report, canonical_results

GOLDEN = Path(__file__).parent / "golden"


def _golden(name: str, rendered: str) -> str:
    """Regenerate with DUPCHECK_UPDATE_GOLDEN=1 after a deliberate change, and review the diff."""
    path = GOLDEN / name
    if os.environ.get("DUPCHECK_UPDATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    return path.read_text(encoding="utf-8")


def test_text_matches_the_golden_file():
    rendered = get_format("text").render(canonical_results(), width=100)
    assert rendered == _golden("report.txt", rendered)
    assert "\x1b[" not in rendered  # no colour unless asked for
    assert "\x1b[" in get_format("text").render(canonical_results(), color=True)


def test_html_matches_the_golden_file():
    rendered = get_format("html", kind="report").render(canonical_report(), corpus_name="省级法规库")
    assert rendered == _golden("report.html", rendered)


def test_json_format_is_render_json():
    assert get_format("json").render(canonical_results()) == render_json(canonical_results())


def test_docx_format_gives_a_word_document():
    fmt = get_format("docx", kind="report")
    data = fmt.render(canonical_report())
    assert fmt.binary and isinstance(data, bytes)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "第一条" in text


def test_kinds_and_unknown_names():
    assert {"text", "json"} <= set(formats("batch"))
    assert {"html", "docx"} <= set(formats("report"))
    with pytest.raises(ParameterError, match="unknown format 'yaml'"):
        get_format("yaml")
    with pytest.raises(ParameterError, match="choose from"):
        get_format("html", kind="batch")


def test_every_kind_has_its_formats_and_the_cli_offers_them():
    from dupcheck.cli import build_parser

    assert {"sarif", "junit", "github"} <= set(formats("batch"))
    assert formats("audit") == ["text", "json", "csv", "groups", "groups-json", "groups-csv"]
    check = build_parser().parse_args(["check", "x.txt", "--format", "sarif"])
    assert check.format == "sarif"
    audit = build_parser().parse_args(["audit", "dir", "--format", "groups-csv"])
    assert audit.format == "groups-csv"
