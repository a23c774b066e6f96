"""The gate's verdict on one checked document, which the CI renderers read beside its Report.

Renderers take ``verdicts: Mapping[path, Verdict]`` as an option; without it they judge a
report by ``report.flagged`` alone (fail when flagged, else warn), so they also serve
``dupcheck check``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from dupcheck.report import Report

Status = Literal["fail", "warn", "accepted", "pass"]


@dataclass(frozen=True)
class Verdict:
    status: Status
    rate: float  # the rate judged: copy_rate, or copy_rate_excluding_quotes
    rate_name: str  # "copy_rate" or "copy_rate_excluding_quotes"
    warn: float
    fail: float
    level: Literal["fail", "warn", "pass"]  # where the rate stands, before accepted findings
    accepted: Mapping[str, str] = field(default_factory=dict)  # passage fingerprint -> reason
    new_sources: tuple[str, ...] = ()  # source paths whose copy is new or grew since accepted
    change: str = ""  # added, modified, renamed, given
    old_path: str | None = None


def judge_rate(rate: float, warn: float, fail: float) -> Literal["fail", "warn", "pass"]:
    return "fail" if rate >= fail else "warn" if rate >= warn else "pass"


def verdict_of(report: Report, verdicts: Mapping[str, Verdict] | None) -> Verdict:
    """The gate's verdict, or one made from ``report.flagged`` when there is none."""
    if verdicts and report.path in verdicts:
        return verdicts[report.path]
    if report.flagged:
        return Verdict("fail", report.copy_rate, "copy_rate", report.threshold, report.threshold, "fail")
    return Verdict("warn", report.copy_rate, "copy_rate", report.threshold, report.threshold, "warn")


RATE_LABELS = {"copy_rate": "总文字复制比", "copy_rate_excluding_quotes": "去除引用文献复制比"}
STATUS_LABELS = {"fail": "不通过", "warn": "警告", "accepted": "已接受", "pass": "通过"}
