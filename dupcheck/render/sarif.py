"""SARIF 2.1.0: each copied passage one result, for code-scanning views.

Regions are on the extracted text (``dupcheck extract FILE``): startLine/startColumn and
endLine/endColumn (1-based, columns in Unicode code points, ``columnKind``
``unicodeCodePoints``) plus charOffset/charLength. A .docx has no source lines, so each result
carries a ``partialFingerprints`` entry of its own (the hash of the passage's normalised text
and its source path, the key of accepted findings). ``relatedLocations`` names the source
document and its article; the rates are in ``properties``. An accepted finding is a result
with an external suppression giving the reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from dupcheck import __version__
from dupcheck.gate.accepted import passage_fingerprint
from dupcheck.gate.verdict import RATE_LABELS, Verdict, verdict_of
from dupcheck.render.common import ReportArticles, kind_label, percent, source_title
from dupcheck.report import Report, Skipped

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
RULES = [
    {
        "id": "DUP001",
        "name": "VerbatimCopy",
        "kind": "verbatim",
        "shortDescription": {"text": "逐字复制上级文件 (passage copied verbatim from a parent document)"},
    },
    {
        "id": "DUP002",
        "name": "EditedCopy",
        "kind": "edited",
        "shortDescription": {"text": "改写复制上级文件 (passage copied with edits from a parent document)"},
    },
]
LEVELS = {"fail": "error", "warn": "warning", "accepted": "warning", "pass": "note"}


def _uri(path: str) -> str:
    return quote(path.replace("\\", "/"), safe="/:")


def region(text: str, start: int, end: int, *, snippet: bool = True) -> dict:
    """A SARIF region of ``text[start:end]``: lines and code-point columns, and char offsets."""
    start_line = text.count("\n", 0, start) + 1
    start_col = start - (text.rfind("\n", 0, start) + 1) + 1
    end_line = text.count("\n", 0, end) + 1
    end_col = end - (text.rfind("\n", 0, end) + 1) + 1
    out: dict[str, Any] = {
        "startLine": start_line,
        "startColumn": start_col,
        "endLine": end_line,
        "endColumn": end_col,
        "charOffset": start,
        "charLength": end - start,
    }
    if snippet:
        out["snippet"] = {"text": text[start:end]}
    return out


def _results(report: Report, verdict: Verdict, include_passing: bool) -> list[dict]:
    if verdict.status == "pass" and not include_passing:
        return []
    articles = ReportArticles(report)
    out = []
    for i, p in enumerate(report.passages):
        rule = 0 if p.kind == "verbatim" else 1
        title = source_title(report, p.source_id)
        try:
            source = report.source(p.source_id)
        except KeyError:
            source = None
        article = articles.source_article_label(i)
        named = f"《{title}》{article}"
        fp = passage_fingerprint(report, p)
        message = (
            f"{kind_label(p.kind)}{named}（相似度 {percent(p.similarity)}，{p.chars} 字）；"
            f"{RATE_LABELS[verdict.rate_name]} {percent(verdict.rate)}，"
            f"警告 {percent(verdict.warn)} / 不通过 {percent(verdict.fail)}"
        )
        related: dict[str, Any] = {
            "id": 1,
            "message": {"text": named},
            "physicalLocation": {"artifactLocation": {"uri": _uri(source.path if source else f"#{p.source_id}")}},
            "logicalLocations": [{"name": article or title, "fullyQualifiedName": named}],
        }
        source_text = report.source_texts.get(p.source_id)
        if source_text is not None:
            related["physicalLocation"]["region"] = region(source_text, p.source_start, p.source_end, snippet=False)
        result = {
            "ruleId": RULES[rule]["id"],
            "ruleIndex": rule,
            "level": LEVELS[verdict.status],
            "message": {"text": message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(report.path)},
                        "region": region(report.text, p.draft_start, p.draft_end),
                    }
                }
            ],
            "relatedLocations": [related],
            "partialFingerprints": {"dupcheckPassage/v1": fp},
            "properties": {
                "copyRate": round(report.copy_rate, 6),
                "copyRateExcludingQuotes": round(report.copy_rate_excluding_quotes, 6),
                "maxSourceRate": round(report.max_source_rate, 6),
                "sourceRate": round(source.rate, 6) if source else None,
                "source": source.path if source else None,
                "sourceTitle": title,
                "sourceArticle": article,
                "similarity": round(p.similarity, 4),
                "kind": p.kind,
                "chars": p.chars,
                "status": verdict.status,
                "warn": verdict.warn,
                "fail": verdict.fail,
            },
        }
        if fp in verdict.accepted:
            result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": verdict.accepted[fp]}]
        out.append(result)
    return out


def render_sarif(
    results: Sequence[Report | Skipped],
    *,
    verdicts: Mapping[str, Verdict] | None = None,
    include_passing: bool = False,
    **options,
) -> str:
    """One SARIF log, one run; documents that pass the gate add no results unless ``include_passing``."""
    sarif_results, notes = [], []
    for r in results:
        if isinstance(r, Skipped):
            notes.append(
                {
                    "level": "error",
                    "message": {"text": f"{r.path}: {r.reason}"},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(r.path)}}}],
                }
            )
            continue
        sarif_results.extend(_results(r, verdict_of(r, verdicts), include_passing))
    rules = [{k: v for k, v in rule.items() if k != "kind"} for rule in RULES]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "dupcheck", "version": __version__, "rules": rules}},
                "columnKind": "unicodeCodePoints",
                "invocations": [{"executionSuccessful": not notes, "toolExecutionNotifications": notes}],
                "results": sarif_results,
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=1) + "\n"
