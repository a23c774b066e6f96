#!/usr/bin/env python
"""The quality targets over several seeds and corpora, as one table (docs/quality.md, "Targets").

    python bench/bench_quality_seeds.py                       # seeds 1-5 national, 1-3 local: ≈ 4 min on 2 cores
    python bench/bench_quality_seeds.py --national 1,2 --local ""

Each run is ``bench_quality.py --systems dupcheck --no-real-pairs`` with its own seed (and, for
the local corpus, ``--regions`` of the local regulations), so every run draws other drafts from
other pools; the real pairs do not depend on the seed and are left to ``bench_quality.py``.
Runs go ``--jobs`` at a time; each run's JSON is kept in ``--out-dir``. Prints a Markdown
table, one column per run, and exits 1 if any target fails in any run (2 on a usage error).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL_REGIONS = "北京,上海,山东,河南,浙江,广东,重庆"


def _seeds(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s.strip()]


def run(
    seed: int,
    regions: str | None,
    out: Path,
    corpus: Path | None,
    systems: str = "dupcheck",
    disguises: str | None = None,
    per_disguise: int | None = None,
) -> dict:
    cmd = [
        sys.executable,
        str(ROOT / "bench" / "bench_quality.py"),
        "--seed",
        str(seed),
        "--systems",
        systems,
        "--no-real-pairs",
        "--out",
        str(out),
    ]
    if disguises:
        cmd += ["--disguises", disguises]
    if per_disguise:
        cmd += ["--drafts-per-disguise", str(per_disguise)]
    if regions:
        cmd += ["--regions", regions]
    if corpus:
        cmd += ["--corpus", str(corpus)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench_quality_seeds: {' '.join(cmd[1:])} failed:\n{done.stderr[-2000:]}")
    return json.loads(out.read_text(encoding="utf-8"))


def cells(result: dict) -> list[tuple[str, str, bool]]:
    """(row name, cell text, passed) for each target of one run, in bench_quality's order."""
    targets = result["targets"]["dupcheck"]
    fa = result["scores"]["dupcheck"]["overall"]["false_alarm"]
    out = []
    i = 0
    while i < len(targets):
        t = targets[i]
        name, value, ok = t["target"], t["value"], t["pass"]
        worst = re.search(r"\(worst: (\w+)\)", name)
        base = re.sub(r"\s*\(worst: \w+\)", "", name)
        if base.startswith("granularity overall") or base.startswith("copy-rate MAE overall"):
            nxt = targets[i + 1]  # the per-disguise twin goes in the same cell
            nd = 3 if base.startswith("granularity") else 2
            goals = f"{t['goal']} / {nxt['goal']}"
            out.append(
                (f"{base} / worst disguise {goals}", f"{value:.{nd}f} / {nxt['value']:.{nd}f}", ok and nxt["pass"])
            )
            i += 2
            continue
        if value is None:
            text = "—"
        elif base.startswith("false alarm"):
            text = f"{value:.2f} (mean {fa['mean'] * 100:.2f})"
        elif "missed" in base:
            text = str(value)
        elif "points" in base:
            text = f"{value:.2f}"
        else:
            text = f"{value:.3f}" + (f" ({worst.group(1)})" if worst else "")
        out.append((f"{base} {t['goal']}", text, ok))
        i += 1
    return out


def _span(values: list[float], nd: int) -> str:
    """Mean and range of one figure over the runs: 0.987 (0.981–0.990)."""
    if not values:
        return "—"
    mean = sum(values) / len(values)
    return f"{mean:.{nd}f} ({min(values):.{nd}f}–{max(values):.{nd}f})"


def per_disguise_table(results: list[tuple[str, dict]]) -> list[str]:
    """Markdown rows, one per disguise and overall: dupcheck's PlagDet, granularity, MAE and F1@80 over
    the runs (mean and range), and the exact-13 baseline's PlagDet and MAE beside."""
    disguises = [*results[0][1]["disguises"], "overall"]
    lines = [
        "| disguise | PlagDet | granularity | MAE (points) | F1@80 | exact-13 PlagDet | exact-13 MAE |",
        "|---|---|---|---|---|---|---|",
    ]
    for d in disguises:
        cells = []
        for system, fields in (
            ("dupcheck", (("plagdet", 3), ("granularity", 3), ("mae", 2), ("f1", 3))),
            ("baseline", (("plagdet", 3), ("mae", 2))),
        ):
            for name, nd in fields:
                values = []
                for _, r in results:
                    sc = r["scores"].get(system, {}).get(d)
                    if sc is None:
                        continue
                    v = sc[name] if name in ("mae", "f1") else (sc["pan"] or {}).get(name)
                    if v is not None:
                        values.append(float(v))
                cells.append(_span(values, nd))
        lines.append(f"| {d} | " + " | ".join(cells) + " |")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--national", default="1,2,3,4,5", help="seeds on the national corpus (comma-separated)")
    ap.add_argument("--local", default="1,2,3", help="seeds on the corpus of local regulations")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--corpus", type=Path, default=None, help="passed on to bench_quality.py")
    ap.add_argument("--out-dir", type=Path, default=None, help="keep each run's JSON here")
    ap.add_argument("--disguises", default=None, help="passed on to bench_quality.py (e.g. 'extended')")
    ap.add_argument("--drafts-per-disguise", type=int, default=None, help="passed on to bench_quality.py")
    ap.add_argument(
        "--baseline",
        action="store_true",
        help="run the exact-13 baseline too and print a per-disguise table of both systems over the runs",
    )
    args = ap.parse_args(argv)
    try:
        runs = [(f"seed {s}", s, None) for s in _seeds(args.national)]
        runs += [(f"local, seed {s}", s, LOCAL_REGIONS) for s in _seeds(args.local)]
    except ValueError:
        print("bench_quality_seeds: seeds are comma-separated integers", file=sys.stderr)
        return 2
    if not runs:
        print("bench_quality_seeds: no runs", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-seeds-") as tmp:
        folder = args.out_dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)

        def one(item):
            label, seed, regions = item
            slug = label.replace(", ", "-").replace(" ", "")
            print(f"running {label} …", file=sys.stderr, flush=True)
            return label, run(
                seed,
                regions,
                folder / f"{slug}.json",
                args.corpus,
                "baseline,dupcheck" if args.baseline else "dupcheck",
                args.disguises,
                args.drafts_per_disguise,
            )

        with ThreadPoolExecutor(max(1, args.jobs)) as pool:
            results = list(pool.map(one, runs))
    table = {label: cells(r) for label, r in results}
    labels = [label for label, _ in results]
    rows = [name for name, _, _ in table[labels[0]]]
    print("| target | " + " | ".join(labels) + " |")
    print("|---|" + "---|" * len(labels))
    failed = 0
    for k, name in enumerate(rows):
        line = []
        for label in labels:
            _, text, ok = table[label][k]
            failed += not ok
            line.append(("PASS " if ok else "**FAIL** ") + text)
        print(f"| {name.replace('|', chr(92) + '|')} | " + " | ".join(line) + " |")
    if args.baseline:
        print()
        for line in per_disguise_table(results):
            print(line)
    print(f"\n{failed} target(s) failed in {len(labels)} runs", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
