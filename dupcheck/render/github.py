"""GitHub Actions: workflow commands (``::error file=…,line=…::``) and a Markdown job summary.

Annotations point at the line and column of the passage in the extracted text (for a .txt or
.md file its own lines). A failing document's passages are errors, a warned one's warnings,
accepted findings notices; a passing document gets none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dupcheck.gate.accepted import passage_fingerprint
from dupcheck.gate.verdict import RATE_LABELS, STATUS_LABELS, Verdict, verdict_of
from dupcheck.render.common import kind_label, percent, source_title
from dupcheck.render.sarif import region
from dupcheck.report import Report, Skipped

COMMANDS = {"fail": "error", "warn": "warning", "accepted": "notice"}


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def _annotations(report: Report, verdict: Verdict) -> list[str]:
    command = COMMANDS.get(verdict.status)
    if command is None:
        return []
    out = []
    for p in report.passages:
        fp = passage_fingerprint(report, p)
        kind = "notice" if fp in verdict.accepted else command
        reg = region(report.text, p.draft_start, p.draft_end, snippet=False)
        title = f"dupcheck: {STATUS_LABELS[verdict.status]} {percent(verdict.rate)}"
        message = (
            f"{kind_label(p.kind)}《{source_title(report, p.source_id)}》（相似度 {percent(p.similarity)}，"
            f"{p.chars} 字）；{RATE_LABELS[verdict.rate_name]} {percent(verdict.rate)}"
        )
        if fp in verdict.accepted:
            message += f"；已接受：{verdict.accepted[fp]}"
        out.append(
            f"::{kind} file={_prop(report.path)},line={reg['startLine']},endLine={reg['endLine']},"
            f"col={reg['startColumn']},title={_prop(title)}::{_data(message)}"
        )
    return out


def _summary(results: Sequence[Report | Skipped], verdicts: Mapping[str, Verdict] | None) -> str:
    lines = ["## dupcheck 查重", "", "| 文档 | 结果 | 复制比 | 警告 / 不通过 | 主要来源 |", "|---|---|---|---|---|"]
    for r in results:
        if isinstance(r, Skipped):
            lines.append(f"| `{r.path}` | 无法读取 | — | — | {r.reason} |")
            continue
        v = verdict_of(r, verdicts)
        top = f"{r.sources[0].title} {percent(r.sources[0].rate)}" if r.sources else "—"
        lines.append(
            f"| `{r.path}` | {STATUS_LABELS[v.status]} | {percent(v.rate)} | "
            f"{percent(v.warn)} / {percent(v.fail)} | {top.replace('|', '/')} |"
        )
    if not results:
        lines.append("| — | 没有需要检查的文档 | | | |")
    return "\n".join(lines) + "\n"


def render_github(
    results: Sequence[Report | Skipped],
    *,
    verdicts: Mapping[str, Verdict] | None = None,
    summary: bool = False,
    **options,
) -> str:
    """Workflow annotations, or with ``summary=True`` the Markdown for ``$GITHUB_STEP_SUMMARY``."""
    if summary:
        return _summary(results, verdicts)
    lines = []
    for r in results:
        if isinstance(r, Skipped):
            lines.append(f"::error file={_prop(r.path)},title=dupcheck::{_data(r.reason)}")
        else:
            lines.extend(_annotations(r, verdict_of(r, verdicts)))
    return "\n".join(lines) + ("\n" if lines else "")
