"""Audit formats: every pair of a collection that copy each other, or the groups they form.

Each format is one function over an :class:`~dupcheck.audit.AuditResult`, registered in
:mod:`dupcheck.render` under the ``audit`` kind: ``text``, ``json``, ``csv`` (one row a pair),
``groups``, ``groups-json`` and ``groups-csv`` (one row a group member).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import fields

from dupcheck.audit import AuditPair, AuditResult, group_view


def render_audit(result: AuditResult, fmt: str = "text") -> str:
    """The audit in the registered audit format ``fmt``."""
    from dupcheck.render import get_format

    return str(get_format(fmt, kind="audit").render(result))


def audit_json(result: AuditResult) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2)


# One CSV row a pair: AuditPair's fields but the document ids, which the paths name.
_PAIR_COLUMNS = [f.name for f in fields(AuditPair) if f.name not in ("a", "b")]


def audit_csv(result: AuditResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_PAIR_COLUMNS)
    for p in result.pairs:
        writer.writerow(
            [
                p.path_a,
                p.path_b,
                p.title_a,
                p.title_b,
                f"{p.rate_ab:.4f}",
                f"{p.rate_ba:.4f}",
                p.shared_chars_a,
                p.shared_chars_b,
                p.longest_passage,
            ]
        )
    return out.getvalue()


def audit_text(result: AuditResult) -> str:
    titles = {p.a: p.title_a for p in result.pairs} | {p.b: p.title_b for p in result.pairs}
    lines = [
        f"批量查重 (audit): {result.documents} 篇文档, 阈值 {result.threshold:.0%}, "
        f"精确比对 {result.candidates} 对, 超过阈值 {len(result.pairs)} 对, 相互复制的文档组 {len(result.groups)} 个",
        "",
    ]
    for p in result.pairs:
        lines.append(
            f"{p.rate_ab:6.1%} {p.rate_ba:6.1%}  {p.title_a}  ⇄  {p.title_b}  "
            f"(共有 {p.shared_chars_a}/{p.shared_chars_b} 字, 最长段落 {p.longest_passage} 字)"
        )
    if result.groups:
        lines += ["", "文档组 (groups, largest first):"]
        for n, group in enumerate(result.groups, 1):
            lines.append(f"  {n}. " + "；".join(titles[d] for d in group))
    return "\n".join(lines) + "\n"


def groups_json(result: AuditResult) -> str:
    return json.dumps(
        {"threshold": result.threshold, "documents": result.documents, "groups": group_view(result)},
        ensure_ascii=False,
        indent=2,
    )


def groups_csv(result: AuditResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["group", "group_documents", "group_pairs", "max_rate", "id", "path", "title"])
    for g in group_view(result):
        for m in g["members"]:
            writer.writerow(
                [g["group"], g["documents"], g["pairs"], f"{g['max_rate']:.4f}", m["id"], m["path"], m["title"]]
            )
    return out.getvalue()


def groups_text(result: AuditResult) -> str:
    view = group_view(result)
    lines = [
        f"相互复制的文档组 (groups): {len(view)} 组, {sum(g['documents'] for g in view)} 篇文档, "
        f"阈值 {result.threshold:.0%}",
        "",
    ]
    for g in view:
        lines.append(
            f"第 {g['group']} 组: {g['documents']} 篇, {g['pairs']} 对, 复制比 {g['min_rate']:.1%}–{g['max_rate']:.1%}"
        )
        lines += [f"    {m['title']}  ({m['path']})" for m in g["members"]]
    return "\n".join(lines) + "\n"
