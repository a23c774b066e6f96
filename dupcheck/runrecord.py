"""Run record (检测记录): what makes a report reproducible and citable in a filing file, and
``dupcheck verify``, which re-runs a check and says whether the result is the same.

A record names the draft (SHA-256 and size of the bytes checked), the index (its name, document
count and a digest of its content: every document's path and content hash, and its version
metadata), the program (dupcheck version, fingerprint scheme and alignment parameters), the
options (threshold, format elements kept or not, ``--as-of``) and the time with its zone.

``verify`` re-checks the draft against the index with the recorded options and compares the
result figures, sources and passages; it says what differs (the draft, the index, the program, or
only the result) when anything does.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dupcheck.errors import DupcheckError


@dataclass(frozen=True)
class RunRecord:
    draft_sha256: str
    draft_bytes: int
    index_name: str
    index_documents: int
    index_digest: str
    dupcheck_version: str
    scheme: dict = field(default_factory=dict)  # fingerprint scheme: k, window, seed, …
    align: dict = field(default_factory=dict)  # alignment parameters
    threshold: float = 0.8
    keep_format_elements: bool = False
    as_of: str = ""
    checked_at: str = ""  # ISO 8601 with the zone

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> RunRecord:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})


def draft_digest(data: bytes) -> tuple[str, int]:
    return hashlib.sha256(data).hexdigest(), len(data)


def index_digest(rows: list[tuple[str, str]], metadata: Sequence[tuple] = ()) -> str:
    """SHA-256 over every document's ``(path, content sha256)``, sorted, then the version metadata."""
    h = hashlib.sha256()
    for path, sha in sorted(rows):
        h.update(f"{path}\t{sha}\n".encode("utf-8", "surrogateescape"))
    for row in sorted(metadata, key=lambda r: tuple(str(x) for x in r)):
        h.update(("meta\t" + "\t".join("" if x is None else str(x) for x in row) + "\n").encode())
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# Comparing two reports (their JSON forms)

_FIGURES = (
    "total_chars",
    "copied_chars",
    "copy_rate",
    "copy_rate_excluding_quotes",
    "max_source_rate",
    "flagged",
    "exact13_rate",
)


def compare(old: dict, new: dict) -> list[str]:
    """What differs between two report dicts, as lines (in Chinese); ``[]`` when identical."""
    out = []
    ro, rn = old.get("run_record") or {}, new.get("run_record") or {}
    if ro.get("draft_sha256") != rn.get("draft_sha256"):
        out.append(
            f"送审稿内容已变化：SHA-256 {ro.get('draft_sha256', '—')[:16]}… → {rn.get('draft_sha256', '')[:16]}…，"
            f"{ro.get('draft_bytes')} → {rn.get('draft_bytes')} 字节"
        )
    if ro.get("index_digest") != rn.get("index_digest"):
        out.append(
            f"比对库内容已变化：{ro.get('index_name')}（{ro.get('index_documents')} 篇）→ "
            f"{rn.get('index_name')}（{rn.get('index_documents')} 篇），摘要 {str(ro.get('index_digest'))[:16]}… → "
            f"{str(rn.get('index_digest'))[:16]}…"
        )
    for key, label in (("dupcheck_version", "dupcheck 版本"), ("scheme", "指纹方案"), ("align", "对齐参数")):
        if ro.get(key) != rn.get(key):
            out.append(f"{label}不同：{ro.get(key)} → {rn.get(key)}")
    for key in _FIGURES:
        if old.get(key) != new.get(key):
            out.append(f"{key}: {old.get(key)} → {new.get(key)}")
    so = {(s["path"], s["copied_chars"]) for s in old.get("sources", [])}
    sn = {(s["path"], s["copied_chars"]) for s in new.get("sources", [])}
    for path, chars in sorted(so - sn):
        out.append(f"来源不再相同：{path}（原 {chars} 字）")
    for path, chars in sorted(sn - so):
        out.append(f"来源新出现或变化：{path}（现 {chars} 字）")

    def passages(d: dict) -> set:
        paths = {s["id"]: s["path"] for s in d.get("sources", [])}
        return {
            (
                p["draft_start"],
                p["draft_end"],
                paths.get(p["source_id"], p["source_id"]),
                p["source_start"],
                p["source_end"],
                p["kind"],
            )
            for p in d.get("passages", [])
        }

    po, pn = passages(old), passages(new)
    if po != pn:
        out.append(
            f"复制片段不同：原 {len(po)} 处、现 {len(pn)} 处，其中 {len(po - pn)} 处不再出现、{len(pn - po)} 处新出现"
        )
    am_o, am_n = (old.get("article_map") or {}).get("summary"), (new.get("article_map") or {}).get("summary")
    if am_o != am_n:
        out.append(f"条文对照不同：{am_o} → {am_n}")
    return out


def _load(path: str, draft: str) -> dict:
    try:
        data: Any = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DupcheckError(f"{path}: 不是可读的查重报告 JSON（{exc}）") from None
    entries = data if isinstance(data, list) else [data]
    entries = [e for e in entries if isinstance(e, dict) and "error" not in e]
    if not entries:
        raise DupcheckError(f"{path}: 报告中没有检测结果")
    if len(entries) == 1:
        return entries[0]
    for e in entries:
        if e.get("path") == draft or Path(str(e.get("path"))).name == Path(draft).name:
            return e
    raise DupcheckError(f"{path}: 报告中有 {len(entries)} 篇，没有一篇是 {draft}")


# ---------------------------------------------------------------------------------------------
# The command


def add_parser(sub) -> None:
    p = sub.add_parser("verify", help="re-run a check from its JSON report and say whether the result is identical")
    p.add_argument("report", help="the JSON report (dupcheck check --format json)")
    p.add_argument("draft", help="the draft file that was checked")
    p.add_argument("--db", help="the index file (default: $DUPCHECK_DB, else the shipped default corpus)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Exit 0 when the re-run gives the identical result, 1 when anything differs."""
    from dupcheck.cli import _open_index

    old = _load(args.report, args.draft)
    record = RunRecord.from_dict(old.get("run_record") or {}) if old.get("run_record") else None
    if record is None:
        raise DupcheckError(f"{args.report}: 报告没有检测记录（run_record），无法复核；请用新版 dupcheck 重新检测")
    with _open_index(args.db) as index:
        report = index.check(
            args.draft,
            threshold=record.threshold,
            keep_format_elements=record.keep_format_elements,
            as_of=record.as_of or None,
        )
    new = report.to_dict()
    new["path"] = old.get("path")
    differences = compare(old, new)
    rn = new["run_record"]
    if not differences:
        print(
            f"复核一致：{args.draft} 的检测结果与报告相同（总文字复制比 {new['copy_rate'] * 100:.1f}%，"
            f"比对库 {rn['index_name']} {rn['index_documents']} 篇，dupcheck {rn['dupcheck_version']}）。"
        )
        return 0
    print(f"复核不一致：{args.draft} 的检测结果与报告不同（报告时间 {old.get('checked_at')}）：")
    for line in differences:
        print(f"  - {line}")
    sys.stdout.flush()
    return 1


__all__ = ["RunRecord", "add_parser", "compare", "draft_digest", "index_digest", "run"]
