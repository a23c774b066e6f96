#!/usr/bin/env python
"""Quality benchmark: disguised copies with exact ground truth, and real parent/child pairs.

    python bench/bench_quality.py --seed 1 --drafts-per-disguise 40 --out results.json
    python bench/bench_quality.py --systems baseline --no-real-pairs      # quick

Every figure is measured for each system side by side; ``baseline`` is the exact 13-character
rule (dupcheck/baseline.py), ``dupcheck`` the library's Index.  What the cases are and what
each measure means: docs/quality.md and bench/benchcases.py.  Exit code 0 whatever the
targets say (the table says PASS/FAIL); 2 on a usage or input error.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench import benchcases as bc  # noqa: E402
from bench.evaluate import (  # noqa: E402
    Span,
    false_alarm,
    pan_scores,
    rate_mae,
    top_source_accuracy,
    true_copy_rate,
    true_top_source,
    verdict_f1,
)
from dupcheck.normalize import ZERO_WIDTH  # noqa: E402

THRESHOLD = 0.8
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "laws"


# --- systems ------------------------------------------------------------------------------


class System:
    """What the bench needs of a checker: index texts, check a text, check a file."""

    name = ""

    def add_texts(self, items):  # pragma: no cover - interface
        raise NotImplementedError

    def check_text(self, text: str, path: str):
        raise NotImplementedError

    def check_file(self, path: Path):
        raise NotImplementedError

    def close(self) -> None:
        pass


class BaselineSystem(System):
    name = "baseline"

    def __init__(self, workdir: Path, tag: str) -> None:
        from dupcheck.baseline import Exact13

        self.idx = Exact13()

    def add_texts(self, items):
        self.idx.add_texts(items)
        self.idx._build()

    def check_text(self, text, path):
        return self.idx.check_text(text, path=path, threshold=THRESHOLD)

    def check_file(self, path):
        from dupcheck.extract import extract_path

        return self.idx.check_text(extract_path(path).text, path=str(path), threshold=THRESHOLD)


class DupcheckSystem(System):
    name = "dupcheck"

    def __init__(self, workdir: Path, tag: str) -> None:
        from dupcheck.api import Index

        self.path = workdir / f"dupcheck-{tag}.sqlite"
        if self.path.exists():
            self.path.unlink()
        self.idx = Index.open(self.path)

    def add_texts(self, items):
        self.idx.add_texts(items, workers=_workers())

    def check_text(self, text, path):
        return self.idx.check_text(text, path=path, threshold=THRESHOLD)

    def check_file(self, path):
        return self.idx.check(path, threshold=THRESHOLD)

    def close(self):
        self.idx.close()


SYSTEMS = {"baseline": BaselineSystem, "dupcheck": DupcheckSystem}


def _workers() -> int:
    return int(os.environ.get("BENCH_WORKERS", "1"))


def detections_of(report, draft_id: str) -> list[Span]:
    paths = {s.id: s.path for s in report.sources}
    return [
        Span(
            draft_id,
            p.draft_start,
            p.draft_end,
            paths.get(p.source_id, f"#{p.source_id}"),
            p.source_start,
            p.source_end,
        )
        for p in report.passages
    ]


# --- corpus and files ------------------------------------------------------------------------


def load_corpus(root: Path) -> list[bc.CorpusDoc]:
    manifest = root / "manifest.jsonl"
    if not manifest.exists():
        raise SystemExit(f"bench_quality: {manifest}: not found (use --corpus)")
    out = []
    with open(manifest, encoding="utf-8") as f:
        for line in f:
            x = json.loads(line)
            raw = (root / x["path"]).read_text(encoding="utf-8")
            out.append(bc.CorpusDoc(x["path"], x["title"], x["region"], x.get("category", ""), x.get("date"), raw))
    return out


def write_form(draft: bc.Draft, form: str, folder: Path) -> Path:
    from tests.docgen import make_docx, make_pdf

    path = folder / f"{draft.id}.{form}"
    if form == "docx":
        make_docx(path, draft.text.split("\n"))
    else:
        # zero-width characters have no glyph in STSong-Light (make_pdf refuses them); a PDF
        # cannot carry them, so they go, and the offset map counts them as differing
        make_pdf(path, draft.text.translate(_ZERO_WIDTH))
    return path


_ZERO_WIDTH = dict.fromkeys(map(ord, ZERO_WIDTH))


def offset_map(a: str, b: str) -> tuple[np.ndarray, int]:
    """For each index of ``a`` the index of the same character in ``b`` (-1 where the
    characters differ), from an Indel (LCS) alignment; and how many characters differ."""
    from rapidfuzz.distance import Indel

    m = np.full(len(a), -1, dtype=np.int64)
    matched = 0
    for tag, i1, i2, j1, j2 in Indel.opcodes(a, b):
        if tag == "equal":
            m[i1:i2] = np.arange(j1, j2)
            matched += i2 - i1
    return m, (len(a) - matched) + (len(b) - matched)


def map_cases(cases, m: np.ndarray, new_id: str) -> list[Span]:
    """Move cases from the .txt draft to the extracted text: each case keeps the extracted
    characters from its first to its last character that survived extraction."""
    out = []
    for c in cases:
        idx = m[c.draft_start : c.draft_end]
        kept = idx[idx >= 0]
        if kept.size == 0:
            continue
        out.append(Span(new_id, int(kept[0]), int(kept[-1]) + 1, c.source, c.source_start, c.source_end))
    return out


# --- running -----------------------------------------------------------------------------


@dataclass
class Result:
    draft: bc.Draft
    text: str  # the text the offsets refer to (extracted text for .docx/.pdf)
    cases: list[Span]
    true_rate: float
    top_source: str | None
    diff_chars: int = 0  # characters that differ between the .txt draft and the extracted text
    reports: dict = field(default_factory=dict)  # system -> {"rate", "top", "detections", "seconds"}


def run_drafts(systems, pools, drafts, workdir: Path, log) -> list[Result]:
    results: list[Result] = []
    for d in drafts:
        results.append(Result(d, d.text, list(d.cases), d.true_rate, d.top_source))
    for sysname, cls in systems.items():
        t0 = time.perf_counter()
        system = cls(workdir, "ref")
        system.add_texts(pools.index_items())
        t_index = time.perf_counter() - t0
        log(f"[{sysname}] indexed {len(pools.reference)} reference documents in {t_index:.1f} s")
        t0 = time.perf_counter()
        for n, r in enumerate(results, 1):
            d = r.draft
            t1 = time.perf_counter()
            try:
                if d.disguise in bc.FILE_FORMS:
                    path = workdir / f"{d.id}.{d.disguise}"
                    if not path.exists():
                        path = write_form(d, d.disguise, workdir)
                    rep = system.check_file(path)
                    m, diff = offset_map(d.text, rep.text)
                    if sysname == next(iter(systems)):
                        r.text = rep.text
                        r.cases = map_cases(d.cases, m, d.id)
                        r.true_rate = true_copy_rate(rep.text, r.cases)
                        r.top_source = true_top_source(rep.text, r.cases)
                        r.diff_chars = diff
                    elif rep.text != r.text:
                        log(
                            f"[{sysname}] {d.id}: extracted text differs from the first system's; "
                            "offsets compared against the first system's text"
                        )
                else:
                    rep = system.check_text(d.text, d.id)
            except Exception as exc:  # a failure is a result, not a crash
                r.reports[sysname] = {"error": f"{type(exc).__name__}: {exc}"}
                log(f"[{sysname}] {d.id}: {type(exc).__name__}: {exc}")
                continue
            r.reports[sysname] = {
                "rate": rep.copy_rate,
                "top": rep.sources[0].path if rep.sources else None,
                "detections": detections_of(rep, d.id),
                "seconds": time.perf_counter() - t1,
            }
            if n % 100 == 0:
                log(f"[{sysname}] {n}/{len(results)} drafts")
        log(f"[{sysname}] checked {len(results)} drafts in {time.perf_counter() - t0:.1f} s")
        system.close()
        before = systems_timing.get(sysname, {"index_seconds": 0.0, "check_seconds": 0.0})
        systems_timing[sysname] = {
            "index_seconds": before["index_seconds"] + t_index,
            "check_seconds": before["check_seconds"] + time.perf_counter() - t0,
        }
    return results


systems_timing: dict = {}


def scores(results: list[Result], sysname: str) -> dict:
    ok = [r for r in results if sysname in r.reports and "error" not in r.reports[sysname]]
    cases = [c for r in ok for c in r.cases]
    dets = [s for r in ok for s in r.reports[sysname]["detections"]]
    pan = pan_scores(cases, dets) if cases else None
    pan_d = pan.to_dict() if pan else None
    if pan_d:  # character F1 without the granularity penalty, for comparison with other reports
        p_, r_ = pan.precision, pan.recall
        pan_d["f1"] = 2 * p_ * r_ / (p_ + r_) if p_ + r_ else 0.0
    t = [r.true_rate for r in ok]
    p = [r.reports[sysname]["rate"] for r in ok]
    zero = [r.reports[sysname]["rate"] for r in ok if not r.cases]
    missed = missed_sources(ok, sysname)
    return {
        "drafts": len(ok),
        "errors": len(results) - len(ok),
        "pan": pan_d,
        "mae": rate_mae(t, p),
        "f1": verdict_f1(t, p, THRESHOLD),
        "top": top_source_accuracy([r.top_source for r in ok], [r.reports[sysname]["top"] for r in ok]),
        "false_alarm": false_alarm(zero),
        "missed_sources": len(missed),
        "missed_source_list": missed,
        "seconds_per_draft": (sum(r.reports[sysname]["seconds"] for r in ok) / len(ok)) if ok else None,
    }


MISSED_MIN_CHARS = 200


def missed_sources(results: list[Result], sysname: str) -> list[list]:
    """[draft id, source, copied characters] for every true source of a draft that supplies at least
    ``MISSED_MIN_CHARS`` non-whitespace characters and that no detection of the draft names."""
    out = []
    for r in results:
        named = {d.source for d in r.reports[sysname]["detections"]}
        chars: Counter = Counter()
        for c in r.cases:
            chars[c.source] += sum(1 for ch in r.text[c.draft_start : c.draft_end] if not ch.isspace())
        out += [[r.draft.id, src, n] for src, n in sorted(chars.items()) if n >= MISSED_MIN_CHARS and src not in named]
    return out


def paired_differences(results: list[Result], sysname: str, a: str, b: str) -> dict:
    """|rate(a) − rate(b)| in points for the drafts made from the same base draft."""
    by = {}
    for r in results:
        rep = r.reports.get(sysname)
        if rep and "rate" in rep:
            by[(r.draft.disguise, r.draft.base)] = rep["rate"]
    diffs = []
    for (dis, base), rate in by.items():
        if dis == a and (b, base) in by:
            diffs.append((base, 100 * abs(rate - by[(b, base)])))
    if not diffs:
        return {"pairs": 0, "mean": None, "max": None, "worst": None}
    worst = max(diffs, key=lambda x: x[1])
    return {
        "pairs": len(diffs),
        "mean": sum(x for _, x in diffs) / len(diffs),
        "max": worst[1],
        "worst": worst[0],
    }


# --- real pairs --------------------------------------------------------------------------


def run_real_pairs(systems, corpus, workdir: Path, log) -> dict:
    pairs, skipped, national = bc.real_pairs(corpus)
    titles = {d.key: d.title for d in national}
    out = {
        "pairs": len(pairs),
        "skipped_empty_body": skipped,
        "indexed": len(national),
        "indexed_chars": sum(len(d.text) for d in national),
        "systems": {},
    }
    for sysname, cls in systems.items():
        t0 = time.perf_counter()
        system = cls(workdir, "national")
        system.add_texts([(d.key, d.text, d.title) for d in national])
        t_index = time.perf_counter() - t0
        log(f"[{sysname}] real pairs: indexed {len(national)} national documents in {t_index:.1f} s")
        rows = []
        t0 = time.perf_counter()
        for p in pairs:
            try:
                rep = system.check_text(p.text, p.key)
            except Exception as exc:
                rows.append({"key": p.key, "error": f"{type(exc).__name__}: {exc}"})
                continue
            paths = [s.path for s in rep.sources]
            law_rank = next((i for i, s in enumerate(paths, 1) if s in p.law_keys), None)
            impl_rank = next((i for i, s in enumerate(paths, 1) if s in p.impl_keys), None)
            top = paths[0] if paths else None
            rows.append(
                {
                    "key": p.key,
                    "title": p.title,
                    "law": p.law,
                    "law_in_corpus": bool(p.law_keys),
                    "law_rank": law_rank,
                    "impl_rank": impl_rank,
                    "top": top,
                    "top_title": titles.get(top),
                    "hit": top is not None and (top in p.law_keys or top in p.impl_keys),
                    "rate": rep.copy_rate,
                    "law_rate": max((s.rate for s in rep.sources if s.path in p.law_keys), default=0.0),
                }
            )
        t_check = time.perf_counter() - t0
        system.close()
        ok = [r for r in rows if "error" not in r]
        ranks = Counter(_rank_bucket(r["law_rank"]) for r in ok)
        out["systems"][sysname] = {
            "index_seconds": t_index,
            "check_seconds": t_check,
            "checked": len(ok),
            "errors": len(rows) - len(ok),
            "hit_rate": (sum(r["hit"] for r in ok) / len(ok)) if ok else None,
            "law_top1": (sum(r["law_rank"] == 1 for r in ok) / len(ok)) if ok else None,
            "rank_distribution": dict(sorted(ranks.items(), key=lambda kv: _BUCKETS.index(kv[0]))),
            "rows": rows,
        }
    return out


_BUCKETS = ["1", "2", "3", "4-10", ">10", "absent"]


def _rank_bucket(rank):
    if rank is None:
        return "absent"
    if rank <= 3:
        return str(rank)
    return "4-10" if rank <= 10 else ">10"


# --- targets and printing ------------------------------------------------------------------


def targets(sc: dict, per: dict, real: dict | None, sysname: str, singles: list[str], diffs: dict) -> list[dict]:
    out = []

    def add(name, value, ok, goal):
        out.append({"target": name, "goal": goal, "value": value, "pass": (None if value is None else bool(ok))})

    o = sc["overall"]
    pd = o["pan"]["plagdet"] if o["pan"] else None
    add("PlagDet overall", pd, pd is not None and pd >= 0.96, "≥ 0.96")
    worst = min(((per[d]["pan"]["plagdet"], d) for d in singles if per[d]["pan"]), default=(None, None))
    add(
        f"PlagDet every single disguise (worst: {worst[1]})",
        worst[0],
        worst[0] is not None and worst[0] >= 0.85,
        "≥ 0.85",
    )
    g = o["pan"]["granularity"] if o["pan"] else None
    add("granularity overall", g, g is not None and g <= 1.03, "≤ 1.03")
    gw = max(((per[d]["pan"]["granularity"], d) for d in per if per[d]["pan"]), default=(None, None))
    add(f"granularity every disguise (worst: {gw[1]})", gw[0], gw[0] is not None and gw[0] <= 1.05, "≤ 1.05")
    add("copy-rate MAE overall (points)", o["mae"], o["mae"] is not None and o["mae"] <= 1, "≤ 1")
    mw = max(((per[d]["mae"], d) for d in per if per[d]["mae"] is not None), default=(None, None))
    add(f"copy-rate MAE every disguise (worst: {mw[1]})", mw[0], mw[0] is not None and mw[0] <= 4, "≤ 4")
    add("F1 of the 80% verdict", o["f1"], o["f1"] is not None and o["f1"] >= 0.98, "≥ 0.98")
    add(f"true sources of ≥ {MISSED_MIN_CHARS} characters missed", o["missed_sources"], o["missed_sources"] == 0, "= 0")
    add("top-source accuracy", o["top"], o["top"] is not None and o["top"] >= 0.98, "≥ 0.98")
    if real and sysname in real["systems"]:
        h = real["systems"][sysname]["hit_rate"]
        add(
            "real pairs: top source is the law or its national implementing rules",
            h,
            h is not None and h >= 0.98,
            "≥ 0.98",
        )
    t = diffs.get("trad-none", {}).get("max")
    add("traditional vs simplified, max |Δrate| (points)", t, t is not None and t <= 1, "≤ 1")
    f = [diffs.get(k, {}).get("max") for k in ("docx-none", "pdf-none", "docx-pdf")]
    f = [x for x in f if x is not None]
    fm = max(f) if f else None
    add(".txt vs .docx vs .pdf, max |Δrate| (points)", fm, fm is not None and fm <= 1, "≤ 1")
    fa = o["false_alarm"]["max"]
    add(
        "false alarm: max rate on drafts with nothing copied (%)",
        None if fa is None else 100 * fa,
        fa is not None and fa <= 0.02,
        "≤ 2",
    )
    return out


def _fmt(x, nd=3):
    if x is None:
        return "—"
    if isinstance(x, float) and math.isnan(x):
        return "—"
    return f"{x:.{nd}f}"


def print_tables(summary: dict, out=print) -> None:
    names = summary["systems"]
    rows = summary["disguises"] + ["overall"]
    cols = ["PlagDet", "prec", "rec", "gran", "F(char)", "MAE", "F1@80", "top"]

    def vals(sc):
        pan = sc["pan"] or {}
        return [
            pan.get("plagdet"),
            pan.get("precision"),
            pan.get("recall"),
            pan.get("granularity"),
            pan.get("f1"),
            sc["mae"],
            sc["f1"],
            sc["top"],
        ]

    for name in names:
        out(f"\n== {name} ==")
        out(f"{'disguise':<10}{'drafts':>7}" + "".join(f"{c:>9}" for c in cols))
        for row in rows:
            sc = summary["scores"][name][row]
            v = vals(sc)
            out(
                f"{row:<10}{sc['drafts']:>7}"
                + "".join(f"{_fmt(x, 2 if c == 'MAE' else 3):>9}" for c, x in zip(cols, v))
            )
    if len(names) == 2 and "baseline" in names:
        other = next(n for n in names if n != "baseline")
        out(f"\n== ratio {other} / baseline ==")
        out(f"{'disguise':<10}{'':>7}" + "".join(f"{c:>9}" for c in cols))
        for row in rows:
            a = vals(summary["scores"][other][row])
            b = vals(summary["scores"]["baseline"][row])
            rat = [(x / y if (x is not None and y) else None) for x, y in zip(a, b)]
            out(f"{row:<10}{'':>7}" + "".join(f"{_fmt(x, 2):>9}" for x in rat))
    out("\n== false alarm (drafts with nothing copied), forms of the same draft ==")
    for name in names:
        fa = summary["scores"][name]["overall"]["false_alarm"]
        d = summary["diffs"][name]
        out(
            f"{name:<10} 0% drafts: {fa['drafts']}, mean {_fmt(100 * fa['mean'] if fa['mean'] is not None else None, 2)}%, "
            f"max {_fmt(100 * fa['max'] if fa['max'] is not None else None, 2)}%"
        )
        for k, v in d.items():
            out(
                f"{'':<10} {k:<10} pairs {v['pairs']:>3}  mean |Δ| {_fmt(v['mean'], 2)}  max |Δ| {_fmt(v['max'], 2)} points"
                + (f"  (worst base {v['worst']})" if v["worst"] else "")
            )
    fd = summary.get("file_forms")
    if fd:
        out(f"{'':<10} extraction: {fd}")
    real = summary.get("real_pairs")
    if real:
        out(
            f"\n== real pairs: {real['pairs']} local regulations implementing a named law; "
            f"{len(real['skipped_empty_body'])} skipped (empty body); {real['indexed']} national documents indexed =="
        )
        for name, rs in real["systems"].items():
            out(
                f"{name:<10} top source = law or its national implementing rules: {_fmt(rs['hit_rate'])}   "
                f"law ranked 1st: {_fmt(rs['law_top1'])}   law rank: {rs['rank_distribution']}"
            )
            misses = [r for r in rs["rows"] if "error" not in r and not r["hit"]]
            for r in misses:
                out(f"{'':<12}miss: {r['title']}  (law rank {r['law_rank']}, top: {r['top_title']} [{r['top']}])")
    out("\n== targets ==")
    for name in names:
        for t in summary["targets"][name]:
            mark = {True: "PASS", False: "FAIL", None: "n/a "}[t["pass"]]
            v = t["value"]
            out(f"{name:<10} {mark}  {t['target']:<62} {_fmt(v, 3):>8}  (goal {t['goal']})")


# --- explain -------------------------------------------------------------------------------


def explain(results: list[Result], sysname: str, pools_of, limit: int, out=print) -> None:
    """Print the text around missed and falsely reported characters of the worst drafts
    (``pools_of(disguise)``: the pools, and so the library, a draft of that disguise copies)."""
    from bench.evaluate import case_recall

    scored = []
    for r in results:
        rep = r.reports.get(sysname)
        if not rep or "detections" not in rep:
            continue
        dets = rep["detections"]
        rec = [case_recall(c, dets) for c in r.cases]
        prec = [case_recall(dd, r.cases) for dd in dets]
        bad = sum(1 - x for x in rec) + sum(1 - x for x in prec)
        scored.append((bad, r, rec, prec))
    scored.sort(key=lambda x: -x[0])
    for _bad, r, rec, prec in scored[:limit]:
        rep = r.reports[sysname]
        docs = pools_of(r.draft.disguise).docs
        out(
            f"\n### {r.draft.id} ({'+'.join(r.draft.applied) or 'none'}) true {100 * r.true_rate:.1f}% "
            f"reported {100 * rep['rate']:.1f}%  top true {r.top_source} / reported {rep['top']}"
        )
        for c, x in zip(r.cases, rec):
            if x < 0.95:
                covered = [
                    (max(c.draft_start, dd.draft_start), min(c.draft_end, dd.draft_end))
                    for dd in rep["detections"]
                    if dd.source == c.source and dd.draft_start < c.draft_end and c.draft_start < dd.draft_end
                ]
                out(
                    f"  case {c.draft_start}:{c.draft_end} from {c.source} [{c.source_start}:{c.source_end}] recall {x:.2f}"
                )
                out(f"    draft : {_mark(r.text, c.draft_start, c.draft_end, covered)}")
                out(
                    f"    source: {docs[c.source].text[c.source_start : c.source_end][:300]!r}"
                    if c.source in docs
                    else ""
                )
        for dd, x in zip(rep["detections"], prec):
            if x < 0.95:
                out(
                    f"  detection {dd.draft_start}:{dd.draft_end} -> {dd.source} [{dd.source_start}:{dd.source_end}] precision {x:.2f}"
                )
                out(
                    f"    draft : {r.text[max(0, dd.draft_start - 20) : dd.draft_start]!r} [[{r.text[dd.draft_start : dd.draft_end][:200]}]] "
                    f"{r.text[dd.draft_end : dd.draft_end + 20]!r}"
                )
                if dd.source in docs:
                    out(f"    source: {docs[dd.source].text[dd.source_start : dd.source_end][:200]!r}")


def _mark(text: str, a: int, b: int, covered) -> str:
    """The case text with undetected characters in ⟦…⟧."""
    cov = np.zeros(b - a, dtype=bool)
    for x, y in covered:
        cov[x - a : y - a] = True
    s, inside = [], False
    for i, ch in enumerate(text[a:b]):
        if not cov[i] and not inside:
            s.append("⟦")
            inside = True
        elif cov[i] and inside:
            s.append("⟧")
            inside = False
        s.append(ch)
    if inside:
        s.append("⟧")
    t = "".join(s).replace("\n", "⏎")
    return t if len(t) < 600 else t[:600] + "…"


# --- main -----------------------------------------------------------------------------------


def _git_head() -> str | None:
    """The commit measured (``+dirty`` when tracked files differ), or None outside a checkout."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
        ).stdout.strip()
        return head.stdout.strip() + ("+dirty" if dirty else "")
    except OSError:
        return None


def _jsonable(o):
    if isinstance(o, Span):
        return [o.draft_start, o.draft_end, o.source, o.source_start, o.source_end]
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    raise TypeError(type(o))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--drafts-per-disguise", type=int, default=40)
    ap.add_argument(
        "--disguises",
        default=",".join(bc.DISGUISES),
        help="comma-separated, from: "
        + ", ".join(bc.ALL_DISGUISES)
        + "; 'extended' = all of them (the library then holds crowds of siblings, see benchcases.with_crowds)",
    )
    ap.add_argument("--systems", default="baseline,dupcheck")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--out", type=Path, default=Path("bench_quality.json"), help="write the results as JSON here")
    ap.add_argument(
        "--regions",
        default="全国",
        help="regions whose documents make the two pools (comma-separated; e.g. 山东,河南,浙江 "
        "for a corpus of local regulations); the real pairs always use the national ones",
    )
    ap.add_argument("--real-pairs", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--explain", default=None, help="system whose worst drafts to print")
    ap.add_argument("--explain-limit", type=int, default=10)
    ap.add_argument("--explain-disguise", default=None, help="only drafts of this disguise")
    args = ap.parse_args(argv)

    names = [s.strip() for s in args.systems.split(",") if s.strip()]
    bad = [s for s in names if s not in SYSTEMS]
    if bad:
        print(f"bench_quality: unknown system {bad[0]!r}; choose from {', '.join(SYSTEMS)}", file=sys.stderr)
        return 2
    disguises = [d.strip() for d in args.disguises.split(",") if d.strip()]
    if "extended" in disguises:
        disguises = [d for d in disguises if d != "extended"] + [d for d in bc.ALL_DISGUISES if d not in disguises]
    bad = [d for d in disguises if d not in bc.ALL_DISGUISES]
    if bad:
        print(f"bench_quality: unknown disguise {bad[0]!r}; choose from {', '.join(bc.ALL_DISGUISES)}", file=sys.stderr)
        return 2
    systems = {n: SYSTEMS[n] for n in names}

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    for form in bc.FILE_FORMS:
        if form in disguises:
            missing = [m for m in ("dupcheck.extract", "tests.docgen") if importlib.util.find_spec(m) is None]
            if missing:
                log(f"skipping {form}: {', '.join(missing)} not found")
                disguises.remove(form)

    t_start = time.perf_counter()
    corpus = load_corpus(args.corpus)
    regions = tuple(r.strip() for r in args.regions.split(",") if r.strip())
    base_pools = bc.build_pools(corpus, args.seed, regions=regions)
    pools = bc.with_crowds(base_pools, args.seed) if "crowd" in disguises else base_pools
    log(f"pools: {pools.stats}")
    # drafts of some disguises copy the library in another form: each library is indexed on its own
    libraries = {"": pools}
    wanted = {bc.LIBRARY_OF[d] for d in disguises if d in bc.LIBRARY_OF}
    if "tradlib" in wanted:
        libraries["tradlib"] = bc.traditional_library(base_pools)
    if "policy" in wanted:
        libraries["policy"] = bc.policy_library(base_pools)

    def pools_of(disguise: str) -> bc.Pools:
        return libraries[bc.LIBRARY_OF.get(disguise, "")]

    drafts = [bc.make_draft(pools_of(d), d, j, args.seed) for d in disguises for j in range(args.drafts_per_disguise)]
    problems = [p for d in drafts for p in bc.check_draft(d, pools_of(d.disguise))]
    if problems:
        for p in problems[:20]:
            log("ground truth problem: " + p)
        return 2
    log(f"{len(drafts)} drafts in {time.perf_counter() - t_start:.1f} s")

    with tempfile.TemporaryDirectory(prefix="bench-quality-") as tmp:
        workdir = Path(tmp)
        by_id = {}
        for name, lib in libraries.items():
            mine = [d for d in drafts if bc.LIBRARY_OF.get(d.disguise, "") == name]
            if mine:
                folder = workdir / (name or "base")
                folder.mkdir(exist_ok=True)
                by_id.update((r.draft.id, r) for r in run_drafts(systems, lib, mine, folder, log))
        results = [by_id[d.id] for d in drafts]
        real = run_real_pairs(systems, corpus, workdir, log) if args.real_pairs else None

    singles = [d for d in disguises if d in bc.SINGLE or d in bc.EXTENDED]
    summary = {
        "seed": args.seed,
        "drafts_per_disguise": args.drafts_per_disguise,
        "corpus": str(args.corpus),
        "regions": list(regions),
        "commit": _git_head(),
        "systems": names,
        "disguises": disguises,
        "pools": pools.stats,
        "timing": systems_timing,
        "scores": {},
        "diffs": {},
        "targets": {},
    }
    forms = [r for r in results if r.draft.disguise in bc.FILE_FORMS]
    if forms:
        summary["file_forms"] = {
            f: {
                "drafts": sum(r.draft.disguise == f for r in forms),
                "chars_differing": sum(r.diff_chars for r in forms if r.draft.disguise == f),
            }
            for f in bc.FILE_FORMS
            if any(r.draft.disguise == f for r in forms)
        }
    for name in names:
        per = {d: scores([r for r in results if r.draft.disguise == d], name) for d in disguises}
        per["overall"] = scores(results, name)
        summary["scores"][name] = per
        summary["diffs"][name] = {
            f"{a}-{b}": paired_differences(results, name, a, b)
            for a, b in (("trad", "none"), ("docx", "none"), ("pdf", "none"), ("docx", "pdf"))
            if a in disguises and b in disguises
        }
        per_only = {d: per[d] for d in disguises}
        summary["targets"][name] = targets(per, per_only, real, name, singles, summary["diffs"][name])
    if real:
        summary["real_pairs"] = real
    summary["seconds"] = time.perf_counter() - t_start
    print_tables(summary)
    if args.explain:
        sel = [r for r in results if args.explain_disguise in (None, r.draft.disguise)]
        explain(sel, args.explain, pools_of, args.explain_limit)
    if args.out:
        payload = dict(summary)
        payload["drafts"] = [
            {
                **r.draft.to_dict(),
                "eval_text_chars": len(r.text),
                "eval_cases": [[c.draft_start, c.draft_end, c.source, c.source_start, c.source_end] for c in r.cases],
                "eval_true_rate": r.true_rate,
                "diff_chars": r.diff_chars,
                "systems": {
                    k: (
                        {kk: vv for kk, vv in v.items()}
                        if "error" in v
                        else {
                            "rate": v["rate"],
                            "top": v["top"],
                            "seconds": v["seconds"],
                            "detections": v["detections"],
                        }
                    )
                    for k, v in r.reports.items()
                },
            }
            for r in results
        ]
        args.out.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=_jsonable), encoding="utf-8")
        log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
