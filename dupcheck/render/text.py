"""The terminal report (rich): per draft a summary, its top sources and its longest passages.

Colour only when the console is a terminal; rich decides that (``Console(force_terminal=None)``),
so the same call writes plain text to a pipe or a file. Text from documents is passed to rich
as :class:`~rich.text.Text`, never as markup, so a title containing ``[bold]`` prints as is.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dupcheck.render.common import ReportArticles, display_time, excerpt, kind_label, percent, source_title, verdict
from dupcheck.report import Report, Skipped

_EXCERPT_CHARS = 36


def render_terminal(
    results: Sequence[Report | Skipped],
    console: Console,
    *,
    show_passages: int = 5,
    show_sources: int = 10,
) -> None:
    """Print ``results`` to ``console``: each report in order, then the files skipped and, for
    more than one draft, a one-line tally. ``show_passages`` / ``show_sources`` limit the
    longest passages and the top sources listed per draft (0 lists none)."""
    reports = [r for r in results if isinstance(r, Report)]
    skipped = [r for r in results if isinstance(r, Skipped)]
    for report in reports:
        _render_report(report, console, show_passages=show_passages, show_sources=show_sources)
    if skipped:
        table = Table(
            title=Text(f"未能读取的文件（{len(skipped)} 个）", style="bold red"), box=box.SIMPLE, title_justify="left"
        )
        table.add_column("文件", overflow="fold")
        table.add_column("原因", overflow="fold")
        for s in skipped:
            table.add_row(Text(s.path), Text(s.reason))
        console.print(table)
    if len(results) > 1:
        flagged = sum(1 for r in reports if r.flagged)
        console.print(
            Text(
                f"共 {len(results)} 个文件：检测 {len(reports)} 篇，超过阈值 {flagged} 篇，未能读取 {len(skipped)} 个。"
            )
        )


def render_text(
    results: Sequence[Report | Skipped],
    *,
    width: int = 100,
    color: bool = False,
    show_passages: int = 5,
    show_sources: int = 10,
) -> str:
    """The terminal report as a string (with ANSI colours only if ``color``): the ``text`` format."""
    console = Console(
        file=io.StringIO(),
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        highlight=False,
    )
    render_terminal(results, console, show_passages=show_passages, show_sources=show_sources)
    return console.file.getvalue()  # type: ignore[attr-defined]


def _render_report(report: Report, console: Console, *, show_passages: int, show_sources: int) -> None:
    console.rule(Text(report.path, style="bold"))
    summary = Table(box=box.SIMPLE, show_header=False)
    summary.add_column("指标")
    summary.add_column("数值", justify="right")
    summary.add_row("总文字复制比", percent(report.copy_rate))
    summary.add_row("去除引用文献复制比", percent(report.copy_rate_excluding_quotes))
    summary.add_row("单篇最大文字复制比", percent(report.max_source_rate))
    summary.add_row("复制字数 / 总字数", f"{report.copied_chars} / {report.total_chars}")
    summary.add_row("结论", Text(verdict(report), style="bold red" if report.flagged else "bold green"))
    if report.corpus:
        summary.add_row("比对库", Text(report.corpus))
    if report.checked_at:
        summary.add_row("检测时间", display_time(report.checked_at))
    if report.extraction_note:
        summary.add_row("文本来源", Text(report.extraction_note))
    console.print(summary)
    _render_review(report, console)

    if not report.passages:
        console.print(Text("未发现复制片段。"))
        console.print()
        return

    if show_sources > 0 and report.sources:
        sources = sorted(report.sources, key=lambda s: (-s.rate, -s.copied_chars, s.id))
        table = Table(title=Text("相似来源", style="bold"), box=box.SIMPLE, title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("来源文件", overflow="fold")
        table.add_column("单篇复制比", justify="right")
        table.add_column("复制字数", justify="right")
        for n, s in enumerate(sources[:show_sources], 1):
            table.add_row(str(n), Text(s.title), percent(s.rate), str(s.copied_chars))
        console.print(table)
        if len(sources) > show_sources:
            console.print(Text(f"另有 {len(sources) - show_sources} 篇来源未列出。", style="dim"))

    if show_passages > 0:
        articles = ReportArticles(report)
        longest = sorted(range(len(report.passages)), key=lambda i: (-report.passages[i].chars, i))
        table = Table(title=Text("最长的复制片段", style="bold"), box=box.SIMPLE, title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("送审稿片段", overflow="fold", ratio=3)
        table.add_column("来源", overflow="fold", ratio=2)
        table.add_column("相似度", justify="right")
        table.add_column("类型")
        for i in longest[:show_passages]:
            p = report.passages[i]
            source = source_title(report, p.source_id)
            label = articles.source_article_label(i)
            table.add_row(
                str(i + 1),
                Text(excerpt(report.text[p.draft_start : p.draft_end], _EXCERPT_CHARS)),
                Text(f"{source} {label}".strip()),
                percent(p.similarity),
                Text(kind_label(p.kind), style="yellow" if p.kind == "verbatim" else "cyan"),
            )
        console.print(table)
        if len(report.passages) > show_passages:
            console.print(
                Text(f"共 {len(report.passages)} 个复制片段，此处列出最长的 {show_passages} 个。", style="dim")
            )
    console.print()


def _render_review(report: Report, console: Console) -> None:
    """The filing review (issue 14): article map summary, exact-13 figure, format elements left out."""
    from dupcheck.articlemap import exact13_note

    if report.exact13_rate is not None:
        console.print(
            Text(
                f"按连续13字相同规则：{percent(report.exact13_rate)}（dupcheck：{percent(report.copy_rate)}）。"
                + exact13_note(report.copy_rate, report.exact13_rate, format_chars=report.format_chars)
            )
        )
    if report.format_elements:
        if report.keep_format_elements:
            console.print(
                Text(
                    f"公文格式要素 {len(report.format_elements)} 处（{report.format_chars} 字）已计入复制比。",
                    style="dim",
                )
            )
        else:
            console.print(
                Text(
                    f"公文格式要素 {len(report.format_elements)} 处（{report.format_chars} 字）不计入复制比。",
                    style="dim",
                )
            )
    if report.article_map is not None and report.article_map.units:
        console.print(Text(report.article_map.summary, style="bold"))
