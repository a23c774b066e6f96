"""render_terminal: plain text off a terminal, colour on one, the content a clerk reads."""

from __future__ import annotations

import dataclasses
import io

from rich.console import Console

from dupcheck.render import render_terminal
from tests.reportfixtures import canonical_report, canonical_results


def _render(results, *, force_terminal=None, **kwargs) -> str:
    out = io.StringIO()
    render_terminal(results, Console(file=out, width=120, force_terminal=force_terminal), **kwargs)
    return out.getvalue()


def test_no_ansi_escapes_when_not_a_terminal():
    assert "\x1b" not in _render(canonical_results())


def test_colour_on_a_terminal():
    assert "\x1b[" in _render(canonical_results(), force_terminal=True)


def test_summary_sources_passages_and_skipped_files():
    text = _render(canonical_results())
    for expected in [
        "送审稿/某市安全生产条例（草案）.txt",
        "总文字复制比",
        "57.6%",
        "去除引用文献复制比",
        "52.5%",
        "单篇最大文字复制比",
        "48.7%",
        "复制字数 / 总字数",
        "182 / 316",
        "未超过阈值 80%",
        "中华人民共和国安全生产法",
        "国务院安全生产委员会关于加强安全生产工作的通知",
        "8.9%",
        "最长的复制片段",
        "逐字复制",
        "改写复制",
        "85.5%",
        "第五条",
        "送审稿/扫描件.pdf",
        "PDF has no text layer (scanned image?)",
        "共 2 个文件：检测 1 篇，超过阈值 0 篇，未能读取 1 个。",
    ]:
        assert expected in text, expected


def test_verdict_when_flagged():
    report = dataclasses.replace(canonical_report(), flagged=True, threshold=0.5)
    assert "超过阈值 50%" in _render([report]) and "未超过" not in _render([report])


def test_show_passages_lists_the_longest_first():
    text = _render([canonical_report()], show_passages=1)
    # Passage 3 (63 characters, draft 第四条) is the longest; passage 1 is not listed.
    assert "生产经营单位的主要负责人" in text
    assert "为了加强安全生产工作" not in text
    assert "共 4 个复制片段，此处列出最长的 1 个。" in text


def test_text_from_documents_is_not_rich_markup():
    report = canonical_report()
    law = dataclasses.replace(report.sources[0], title="[bold red]标题[/bold red]")
    report = dataclasses.replace(report, sources=(law, *report.sources[1:]))
    assert "[bold red]标题[/bold red]" in _render([report])


def test_a_clean_draft():
    report = dataclasses.replace(
        canonical_report(),
        passages=(),
        sources=(),
        copied_chars=0,
        copy_rate=0.0,
        copy_rate_excluding_quotes=0.0,
        max_source_rate=0.0,
    )
    text = _render([report])
    assert "0.0%" in text and "未发现复制片段。" in text
