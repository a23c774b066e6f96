"""render_json: the golden file from the canonical report, and the shape of the array."""

from __future__ import annotations

import json
import os
from pathlib import Path

from dupcheck.render import render_json
from tests.reportfixtures import DRAFT, canonical_report, canonical_results

GOLDEN = Path(__file__).parent / "golden" / "report.json"


def test_matches_the_golden_file():
    """Regenerate with DUPCHECK_UPDATE_GOLDEN=1 after a deliberate change, and review the diff."""
    rendered = render_json(canonical_results())
    if os.environ.get("DUPCHECK_UPDATE_GOLDEN"):
        GOLDEN.write_text(rendered + "\n", encoding="utf-8")
    assert rendered + "\n" == GOLDEN.read_text(encoding="utf-8")


def test_one_object_per_draft_in_order_with_chinese_as_is():
    rendered = render_json(canonical_results())
    assert "某市安全生产条例" in rendered and "\\u" not in rendered
    data = json.loads(rendered)
    assert [d["path"] for d in data] == ["送审稿/某市安全生产条例（草案）.txt", "送审稿/扫描件.pdf"]
    report, skipped = data
    assert report == json.loads(json.dumps(canonical_report().to_dict(), ensure_ascii=False))
    assert skipped == {"schema": 2, "path": "送审稿/扫描件.pdf", "error": "PDF has no text layer (scanned image?)"}
    # Offsets in the JSON point into the extracted draft text.
    p = report["passages"][0]
    assert (
        DRAFT[p["draft_start"] : p["draft_end"]]
        == "为了加强安全生产工作，防止和减少生产安全事故，保障人民群众生命和财产安全，"
    )


def test_empty_batch():
    assert render_json([]) == "[]"
