"""JUnit XML for GitLab, Jenkins and other CI test reports: one test case per checked document.

A document over its fail level is a ``<failure>``, one that could not be read an ``<error>``;
warnings and accepted findings pass, with the details in ``<system-out>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence

from dupcheck.gate.verdict import RATE_LABELS, STATUS_LABELS, Verdict, verdict_of
from dupcheck.render.common import kind_label, percent, source_title
from dupcheck.report import Report, Skipped


def _details(report: Report, verdict: Verdict) -> str:
    lines = [
        f"{RATE_LABELS[verdict.rate_name]} {percent(verdict.rate)} "
        f"(警告 {percent(verdict.warn)}, 不通过 {percent(verdict.fail)}): {STATUS_LABELS[verdict.status]}"
    ]
    lines += [f"  {s.title} ({s.path}): {percent(s.rate)}" for s in report.sources]
    for p in report.passages:
        lines.append(
            f"  [{p.draft_start}:{p.draft_end}] {kind_label(p.kind)} {source_title(report, p.source_id)} "
            f"{percent(p.similarity)}: {report.text[p.draft_start : p.draft_end][:60]}"
        )
    lines += [f"  new or grown since accepted: {s}" for s in verdict.new_sources]
    return "\n".join(lines)


def render_junit(
    results: Sequence[Report | Skipped],
    *,
    verdicts: Mapping[str, Verdict] | None = None,
    suite: str = "dupcheck",
    **options,
) -> str:
    cases, failures, errors = [], 0, 0
    for r in results:
        case = ET.Element("testcase", classname=suite, name=r.path, file=r.path)
        if isinstance(r, Skipped):
            ET.SubElement(case, "error", message=r.reason, type="unreadable").text = f"{r.path}: {r.reason}"
            errors += 1
        else:
            v = verdict_of(r, verdicts)
            details = _details(r, v)
            if v.status == "fail":
                failures += 1
                ET.SubElement(
                    case,
                    "failure",
                    type="copy-rate",
                    message=f"{RATE_LABELS[v.rate_name]} {percent(v.rate)} ≥ {percent(v.fail)}",
                ).text = details
            else:
                ET.SubElement(case, "system-out").text = details
        cases.append(case)
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": str(errors)}
    root = ET.Element("testsuites", {"name": suite, **counts})
    suite_el = ET.SubElement(root, "testsuite", {"name": suite, "skipped": "0", **counts})
    suite_el.extend(cases)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
