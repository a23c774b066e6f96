"""Growth curves on the scaling corpus: index, check and audit at several sizes, beside exact-13.

    python bench/bench_scale.py --workdir .cache/scale --sizes 0.25 44e6 0.5 1 --out .cache/scale/result.json

The corpus (``bench/scaling_corpus.py``, default 100 M characters, seed 1) is written once into
``--workdir``; each size is a prefix of it cut at a cluster boundary (the clusters are in seeded
random order, so a prefix has the structure of the whole). At every size, each figure is one
process, timed from outside, its peak memory the summed PSS of it and its workers:

- **index**: ``dupcheck index prefix.jsonl --db …`` (all cores); beside it the exact-13 baseline
  (:class:`dupcheck.baseline.Exact13`: read the texts, hash, sort the table);
- **check**: ``dupcheck check draft --db …``, one draft, whole process (median of ``--cli-runs``);
  beside it the baseline's whole process (load the texts, build, check the same draft) and its
  per-draft time once built; and the per-draft time of a batch (``Index.check_many``) in one
  process, lazy postings first and the whole tables after ``LAZY_CHECKS`` drafts;
- **audit**: ``Index.audit(threshold=0.5)`` of the index (best first), its time, peak memory,
  candidates aligned and pairs; no baseline (exact-13 has no audit).

The growth exponent of each figure is the least-squares slope of log(figure) on log(characters).
``--recall-sample`` documents (whole clusters, so families and revisions are in it) are compared
exhaustively (every pair aligned with the audit's kernel); the best-first audit's pairs are
compared with that answer. The machine is shared: every absolute figure is stored with the load
average (``/proc/loadavg``) at its start and the CPU the rest of the machine used meanwhile.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import nnls

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_speed import TreeMemory, _machine_busy_seconds, _maxrss_mb, dupcheck_cmd, environment, slope  # noqa: E402

THRESHOLD = 0.5


def loadavg() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except OSError:
        return 0.0


def _children_cpu() -> float:
    """CPU seconds of the children this process has reaped (and the workers they waited for)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measure(cmd: list[str], ok=(0, 1), env: dict | None = None) -> dict:
    """Run ``cmd``: wall seconds, CPU seconds, peak summed PSS of its process tree, load, others' cores."""
    load = loadavg()
    busy0 = _machine_busy_seconds()
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    sampler = TreeMemory(proc.pid, interval=0.02)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    peak = sampler.stop()
    if proc.returncode not in ok:
        raise SystemExit(f"bench_scale: {' '.join(cmd[:4])} … exited {proc.returncode}: {err.decode()[-2000:]}")
    cpu = _children_cpu() - cpu0
    return {
        "seconds": wall,
        "cpu_seconds": cpu,
        "peak_mb": peak,
        "load": load,
        "others_cores": max(0.0, (_machine_busy_seconds() - busy0 - cpu) / wall) if wall else 0.0,
        "stdout": out.decode("utf-8", "replace"),
    }


def child(task: str, params: dict) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", task, "--params", json.dumps(params)]


# --- the corpus and its prefixes ---------------------------------------------------------------


def ensure_corpus(workdir: Path, target: float, seed: int) -> Path:
    path = workdir / f"scale-{target / 1e6:.0f}m-seed{seed}.jsonl"
    if not path.exists():
        tmp = path.with_suffix(".partial.jsonl")
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "scaling_corpus.py"),
                "--target-chars",
                str(target),
                "--seed",
                str(seed),
                "--out",
                str(tmp),
            ],
            check=True,
        )
        tmp.rename(path)
    return path


def read_records(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def cut(records: list[dict], chars: float) -> list[dict]:
    """The shortest prefix of whole clusters with at least ``chars`` characters."""
    total, out = 0, []
    for k, r in enumerate(records):
        if total >= chars and r["cluster"] != records[k - 1]["cluster"]:
            break
        out.append(r)
        total += len(r["text"])
    return out


def write_jsonl(records: list[dict], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps({"path": r["path"], "title": r["title"], "text": r["text"]}, ensure_ascii=False) + "\n")


def choose_drafts(records: list[dict], n: int, seed: int) -> list[dict]:
    """Drafts a clerk might check: 5–10 k characters of an indexed document (a revision or a
    sibling: the family cases, where most candidates are), with a third of it replaced by text of
    another document, from the records every prefix holds."""
    rng = random.Random(seed)
    pool = [r for r in records if len(r["text"]) >= 6000 and r["kind"] in ("revision", "sibling")]
    out = []
    for k in range(n):
        r = rng.choice(pool)
        other = rng.choice(records)["text"]
        size = rng.randint(5000, 10000)
        start = rng.randrange(max(1, len(r["text"]) - size))
        own = r["text"][start : start + size]
        third = len(own) // 3
        o = rng.randrange(max(1, len(other) - third))
        out.append({"name": f"draft-{k:02d}.txt", "text": own[: 2 * third] + other[o : o + third], "from": r["path"]})
    return out


# --- children ----------------------------------------------------------------------------------


def child_baseline_index(p: dict) -> dict:
    from dupcheck.baseline import Exact13

    t0 = time.perf_counter()
    idx = Exact13()
    with open(p["corpus"], encoding="utf-8") as fh:
        idx.add_texts((r["path"], r["text"], r["title"]) for r in map(json.loads, fh))
    idx._build()
    index_seconds = time.perf_counter() - t0
    out = {"index_seconds": index_seconds, "array_bytes": idx.nbytes, "maxrss_mb": _maxrss_mb()}
    if p.get("drafts"):
        times = []
        for d in p["drafts"]:
            text = Path(d).read_text(encoding="utf-8")
            t = time.perf_counter()
            idx.check_text(text, path=d)
            times.append(time.perf_counter() - t)
        out["check_seconds"] = times
    return out


def child_batch(p: dict) -> dict:
    """check_many in one process: per-draft times (the first LAZY_CHECKS from the stored postings)."""
    from dupcheck.api import LAZY_CHECKS, Index

    times = []
    with Index.open(p["db"], create=False) as index:
        for d in p["drafts"]:
            t = time.perf_counter()
            index.check_many([d])
            times.append(time.perf_counter() - t)
    return {"seconds": times, "lazy_checks": LAZY_CHECKS, "maxrss_mb": _maxrss_mb()}


def child_audit(p: dict) -> dict:
    from dupcheck.api import Index

    stages: dict[str, float] = {}
    last = [time.perf_counter(), ""]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if last[1]:
            stages[last[1]] = stages.get(last[1], 0.0) + now - last[0]
        last[:] = [now, stage]

    t0 = time.perf_counter()
    with Index.open(p["db"], create=False) as index:
        result = index.audit(threshold=p["threshold"], progress=progress, exhaustive=p.get("exhaustive", False))
    seconds = time.perf_counter() - t0
    if last[1]:
        stages[last[1]] = stages.get(last[1], 0.0) + time.perf_counter() - last[0]
    return {
        "seconds": seconds,
        "documents": result.documents,
        "candidate_pairs": result.candidate_pairs,
        "aligned": result.candidates,
        "pairs": len(result.pairs),
        "pair_list": [[q.path_a, q.path_b] for q in result.pairs] if p.get("pairs") else [],
        "groups": len(result.groups),
        "largest_group": len(result.groups[0]) if result.groups else 0,
        "stages": stages,
        "maxrss_mb": _maxrss_mb(),
    }


def _truth_pair(pair: tuple[int, int], shared: tuple) -> tuple[int, int, float]:
    from dupcheck.audit import pair_rates

    texts, keys = shared
    i, j = pair
    ab, ba = pair_rates(texts[i], keys[i], texts[j], keys[j])[:2]
    return i, j, max(ab, ba)


def child_truth(p: dict) -> dict:
    """Every pair of the sample aligned with the audit's kernel: the exhaustive answer."""
    from dupcheck import pool
    from dupcheck.matchkey import match_key

    t0 = time.perf_counter()
    with open(p["corpus"], encoding="utf-8") as fh:
        recs = [json.loads(line) for line in fh]
    texts = [r["text"] for r in recs]
    n = len(texts)
    rows = [(i, j) for i in range(n) for j in range(i + 1, n)]
    keys = [match_key(t) for t in texts]
    found = [
        [recs[i]["path"], recs[j]["path"]]
        for i, j, rate in pool.imap(_truth_pair, rows, shared=(texts, keys), chunksize=256)
        if rate >= p["threshold"]
    ]
    return {"seconds": time.perf_counter() - t0, "documents": n, "compared": len(rows), "pair_list": found}


def child_structure(p: dict) -> dict:
    """How much of each revision is the version it was made from, and of each sibling its family's
    template, by the audit's kernel, on a sample: the corpus's structure measured, not assumed."""
    from dupcheck.audit import pair_rates
    from dupcheck.matchkey import match_key

    with open(p["corpus"], encoding="utf-8") as fh:
        recs = [json.loads(line) for line in fh]
    by_path = {r["path"]: r for r in recs}
    laws = Path(p["laws"])
    rng = random.Random(5)
    revisions, siblings, family_sizes = [], [], {}
    for r in recs:
        if r["kind"] == "sibling":
            family_sizes[r["cluster"]] = family_sizes.get(r["cluster"], 0) + 1
    revs = [r for r in recs if r["kind"] == "revision"]
    for r in rng.sample(revs, min(p["sample"], len(revs))):
        stem, _, tail = r["path"].rpartition(".rev")
        number = int(tail.split(".")[0])
        before = by_path.get(r["origin"]) if number == 1 else by_path.get(f"{stem}.rev{number - 1}.md")
        if before is None:
            continue
        ab = pair_rates(r["text"], match_key(r["text"]), before["text"], match_key(before["text"]))[0]
        revisions.append(ab)
    sibs = [r for r in recs if r["kind"] == "sibling"]
    for r in rng.sample(sibs, min(p["sample"], len(sibs))):
        template = (laws / r["origin"]).read_text(encoding="utf-8")
        ab = pair_rates(r["text"], match_key(r["text"]), template, match_key(template))[0]
        siblings.append(ab)

    def q(xs: list[float]) -> list[float]:
        xs = sorted(xs)
        return [round(xs[int(f * (len(xs) - 1))], 3) for f in (0.0, 0.05, 0.5, 0.95, 1.0)] if xs else []

    kinds: dict[str, int] = {}
    for r in recs:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    per_doc: dict[str, int] = {}
    for r in revs:
        per_doc[r["origin"]] = per_doc.get(r["origin"], 0) + 1
    heads = [r for r in recs if r["kind"] != "revision"]
    rev_hist = [0, 0, 0, 0]
    for r in heads:
        rev_hist[min(per_doc.get(r["path"], 0), 3)] += 1
    return {
        "kinds": kinds,
        "revision_same_quantiles": q(revisions),
        "sibling_same_as_template_quantiles": q(siblings),
        "family_size_quantiles": q([float(v) for v in family_sizes.values()]),
        "revisions_per_document": rev_hist,
        "note": "quantiles 0/5/50/95/100 %; 'same' = share of the later text inside passages aligned with the earlier",
    }


CHILDREN = {
    "baseline_index": child_baseline_index,
    "batch": child_batch,
    "audit": child_audit,
    "truth": child_truth,
    "structure": child_structure,
}


def result_of(m: dict) -> dict:
    """The child's own figures, with the process figures beside them (``process_seconds`` the wall time)."""
    line = m.pop("stdout").strip().splitlines()[-1]
    m["process_seconds"] = m.pop("seconds")
    return {**m, **json.loads(line)}


# --- the run -----------------------------------------------------------------------------------


def run(args) -> dict:
    workdir: Path = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    out_path: Path = args.out or workdir / "result.json"
    res: dict = json.loads(out_path.read_text()) if args.resume and out_path.exists() else {}
    res["environment"] = environment()

    def save() -> None:
        out_path.write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')} load {loadavg():.1f}] {msg}", file=sys.stderr, flush=True)

    corpus = ensure_corpus(workdir, args.target_chars, args.seed)
    records = read_records(corpus)
    total = sum(len(r["text"]) for r in records)
    log(f"{corpus.name}: {len(records)} documents, {total / 1e6:.1f} M characters")
    drafts_dir = workdir / "drafts"
    drafts_dir.mkdir(exist_ok=True)
    sizes = sorted(s * total if s <= 1 else s for s in args.sizes)
    smallest = cut(records, sizes[0])
    drafts = []
    for d in choose_drafts(smallest, args.drafts, args.seed):
        path = drafts_dir / d["name"]
        path.write_text(d["text"], encoding="utf-8")
        drafts.append(str(path))
    if args.structure and "structure" not in res:
        log("structure of the corpus (sample)")
        sample = workdir / "prefix-structure.jsonl"
        with sample.open("w", encoding="utf-8") as fh:
            for r in smallest:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        res["structure"] = result_of(
            measure(child("structure", {"corpus": str(sample), "laws": str(args.laws), "sample": 150}))
        )
        sample.unlink()
        save()
    dc = dupcheck_cmd()
    points = res.setdefault("points", {})
    for size in sizes:
        recs = cut(records, size)
        chars = sum(len(r["text"]) for r in recs)
        key = f"{chars / 1e6:.1f}M"
        point = points.setdefault(key, {"chars": chars, "documents": len(recs)})
        prefix = workdir / f"prefix-{key}.jsonl"
        db = workdir / f"index-{key}.db"
        if not prefix.exists():
            write_jsonl(recs, prefix)
        if "index" not in point:
            log(f"{key}: dupcheck index")
            for suffix in ("", "-wal", "-shm"):
                Path(str(db) + suffix).unlink(missing_ok=True)
            m = measure([*dc, "index", str(prefix), "--db", str(db), "-q"])
            m.pop("stdout")
            m["db_mb"] = db.stat().st_size / 1e6
            point["index"] = m
            save()
        if "check" not in point:
            log(f"{key}: dupcheck check, whole process ×{args.cli_runs}")
            runs = [
                measure([*dc, "check", drafts[0], "--db", str(db), "--format", "json"])
                for _ in range(args.cli_runs + 1)
            ][1:]
            rates = {r["stdout"] for r in runs}  # the same report every run
            point["check"] = {
                "seconds": statistics.median(r["seconds"] for r in runs),
                "peak_mb": max(r["peak_mb"] for r in runs),
                "runs": [{k: v for k, v in r.items() if k != "stdout"} for r in runs],
                "same_output": len(rates) == 1,
            }
            save()
        if "batch" not in point:
            log(f"{key}: batch of {len(drafts)} drafts in one process")
            point["batch"] = result_of(measure(child("batch", {"db": str(db), "drafts": drafts})))
            save()
        if not args.skip_baseline and "baseline" not in point:
            log(f"{key}: exact-13 baseline: index, then the drafts")
            point["baseline"] = result_of(measure(child("baseline_index", {"corpus": str(prefix), "drafts": drafts})))
            # whole process of the baseline checking one draft: it has no index file, so it loads the texts
            b = point["baseline"]
            b["whole_process_check_seconds"] = b["process_seconds"] - sum(b["check_seconds"][1:])
            save()
        if not args.skip_audit and "audit" not in point:
            log(f"{key}: audit")
            point["audit"] = result_of(measure(child("audit", {"db": str(db), "threshold": THRESHOLD})))
            save()
        log(f"{key}: {json.dumps(summary_of(point), ensure_ascii=False)}")
    if args.recall_sample and "recall" not in res:
        res["recall"] = recall(args, records, workdir, log)
        save()
    res["fits"] = fits(points)
    save()
    return res


def recall(args, records: list[dict], workdir: Path, log) -> dict:
    """Best-first audit against an exhaustive comparison of every pair, on whole clusters."""
    rng = random.Random(args.seed + 3)
    clusters: dict[int, list[dict]] = {}
    for r in records:
        clusters.setdefault(r["cluster"], []).append(r)
    order = sorted(clusters)
    rng.shuffle(order)
    chosen: list[dict] = []
    for c in order:
        members = clusters[c]
        if len(chosen) + len(members) > args.recall_sample or sum(len(r["text"]) for r in members) > 400_000:
            continue
        chosen += members
    sample = workdir / "recall-sample.jsonl"
    write_jsonl(chosen, sample)
    db = workdir / "recall-sample.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    subprocess.run([*dupcheck_cmd(), "index", str(sample), "--db", str(db), "-q"], check=True)
    log(f"recall: {len(chosen)} documents, every pair aligned")
    truth = result_of(measure(child("truth", {"corpus": str(sample), "threshold": THRESHOLD})))
    best = result_of(measure(child("audit", {"db": str(db), "threshold": THRESHOLD, "pairs": True})))
    exhaustive = result_of(
        measure(child("audit", {"db": str(db), "threshold": THRESHOLD, "pairs": True, "exhaustive": True}))
    )
    want = {tuple(sorted(p)) for p in truth["pair_list"]}

    def found(r: dict) -> int:
        return len(want & {tuple(sorted(p)) for p in r["pair_list"]})

    return {
        "documents": len(chosen),
        "compared": truth["compared"],
        "true_pairs": len(want),
        "best_first_found": found(best),
        "best_first_recall": found(best) / len(want) if want else 1.0,
        "best_first_aligned": best["aligned"],
        "best_first_extra": len({tuple(sorted(p)) for p in best["pair_list"]} - want),
        "exhaustive_candidates_found": found(exhaustive),
        "exhaustive_candidates_recall": found(exhaustive) / len(want) if want else 1.0,
        "exhaustive_aligned": exhaustive["aligned"],
        "candidate_pairs": best["candidate_pairs"],
        "seconds": {"truth": truth["seconds"], "best_first": best["seconds"], "exhaustive": exhaustive["seconds"]},
    }


def summary_of(point: dict) -> dict:
    s = {"chars_M": round(point["chars"] / 1e6, 1), "docs": point["documents"]}
    for name in ("index", "check", "audit"):
        if name in point:
            s[name] = f"{point[name]['seconds']:.2f} s {point[name]['peak_mb']:.0f} MB"
    if "batch" in point:
        s["batch_ms"] = round(1000 * statistics.median(point["batch"]["seconds"][point["batch"]["lazy_checks"] :]), 1)
    if "baseline" in point:
        b = point["baseline"]
        s["baseline"] = (
            f"index {b['index_seconds']:.2f} s {b['peak_mb']:.0f} MB, check {1000 * statistics.median(b['check_seconds']):.0f} ms"
        )
    return s


def fits(points: dict) -> dict:
    """Growth exponents of each figure, over the points that have it (at least two)."""
    out = {}

    def fit(name: str, get) -> None:
        xs, ys = [], []
        for p in points.values():
            try:
                ys.append(get(p))
            except (KeyError, TypeError, statistics.StatisticsError):
                continue
            xs.append(p["chars"])
        if len(xs) >= 2:
            out[name] = slope(xs, ys)

    fit("index_cpu_seconds", lambda p: p["index"]["cpu_seconds"])
    fit("check_cpu_seconds", lambda p: statistics.median(r["cpu_seconds"] for r in p["check"]["runs"]))
    fit("audit_cpu_seconds", lambda p: p["audit"]["cpu_seconds"])
    fit("audit_aligned_pairs", lambda p: p["audit"]["aligned"])
    fit("audit_reported_pairs", lambda p: p["audit"]["pairs"])
    fit("baseline_index_cpu_seconds", lambda p: p["baseline"]["cpu_seconds"])
    fit("index_seconds", lambda p: p["index"]["seconds"])
    fit("index_peak_mb", lambda p: p["index"]["peak_mb"])
    fit("check_seconds", lambda p: p["check"]["seconds"])
    fit("check_peak_mb", lambda p: p["check"]["peak_mb"])
    fit("batch_ms", lambda p: statistics.median(p["batch"]["seconds"][p["batch"]["lazy_checks"] :]))
    fit("audit_seconds", lambda p: p["audit"]["seconds"])
    fit("audit_peak_mb", lambda p: p["audit"]["peak_mb"])
    fit("audit_seconds_per_core_busy", lambda p: p["audit"]["seconds"] / (1 + p["audit"]["others_cores"]))
    fit("baseline_index_seconds", lambda p: p["baseline"]["index_seconds"])
    fit("baseline_peak_mb", lambda p: p["baseline"]["peak_mb"])
    audits = [p for p in points.values() if "audit" in p]
    if len(audits) >= 2:
        # The target is a cost linear in characters plus reported pairs. The pairs a collection
        # holds may grow faster than its characters (families grow with it); against the pairs
        # the exponent is the audit's own, and a two-term fit says how well cost = a·chars + b·pairs.
        cpu = np.array([p["audit"]["cpu_seconds"] for p in audits])
        chars = np.array([p["chars"] for p in audits], dtype=float)
        pairs = np.array([p["audit"]["pairs"] for p in audits], dtype=float)
        out["audit_cpu_seconds_on_reported_pairs"] = slope(pairs.tolist(), cpu.tolist())
        (a, b), _ = nnls(np.stack([chars / 1e6, pairs / 1e3], axis=1), cpu)
        model = a * chars / 1e6 + b * pairs / 1e3
        out["audit_cpu_linear_model"] = {
            "seconds_per_million_chars": float(a),
            "seconds_per_thousand_reported_pairs": float(b),
            "max_relative_residual": float(np.max(np.abs(cpu - model) / cpu)),
        }
    return out


def report(paths: list[Path], plot: Path | None) -> str:
    """A markdown table of the points in these result files (and a PNG of the curves)."""
    points: dict = {}
    for path in paths:
        points.update(json.loads(path.read_text(encoding="utf-8"))["points"])
    rows = sorted(points.values(), key=lambda p: p["chars"])

    def cell(p: dict, name: str, key: str = "seconds", scale: float = 1.0, fmt: str = "{:.1f}") -> str:
        v = p.get(name, {}).get(key)
        return fmt.format(v * scale) if isinstance(v, (int, float)) else "—"

    def check_cpu(p: dict) -> str:
        runs = p.get("check", {}).get("runs")
        return f"{statistics.median(r['cpu_seconds'] for r in runs):.2f}" if runs else "—"

    def batch_ms(p: dict) -> str:
        b = p.get("batch")
        return f"{1000 * statistics.median(b['seconds'][b['lazy_checks'] :]):.0f}" if b else "—"

    def base_ms(p: dict) -> str:
        b = p.get("baseline")
        return f"{1000 * statistics.median(b['check_seconds'][1:]):.0f}" if b else "—"

    lines = [
        "| characters | documents | index wall / CPU s, peak MB | exact-13 index wall / CPU s, peak MB "
        "| check 1 draft, whole process: wall / CPU s, peak MB | exact-13 whole process s | batch ms/draft "
        "(exact-13) | audit wall / CPU s, peak MB | aligned / reported pairs | load (1 min) |",
        "|--:|--:|--|--|--|--:|--|--|--|--:|",
    ]
    for p in rows:
        lines.append(
            f"| {p['chars'] / 1e6:.1f} M | {p['documents']:,} "
            f"| {cell(p, 'index')} / {cell(p, 'index', 'cpu_seconds')}, {cell(p, 'index', 'peak_mb', fmt='{:.0f}')} "
            f"| {cell(p, 'baseline', 'index_seconds')} / {cell(p, 'baseline', 'cpu_seconds')}, "
            f"{cell(p, 'baseline', 'peak_mb', fmt='{:.0f}')} "
            f"| {cell(p, 'check', fmt='{:.2f}')} / {check_cpu(p)}, {cell(p, 'check', 'peak_mb', fmt='{:.0f}')} "
            f"| {cell(p, 'baseline', 'whole_process_check_seconds')} "
            f"| {batch_ms(p)} ({base_ms(p)}) "
            f"| {cell(p, 'audit')} / {cell(p, 'audit', 'cpu_seconds')}, {cell(p, 'audit', 'peak_mb', fmt='{:.0f}')} "
            f"| {cell(p, 'audit', 'aligned', fmt='{:,.0f}')} / {cell(p, 'audit', 'pairs', fmt='{:,.0f}')} "
            f"| {cell(p, 'index', 'load')} |"
        )
    exps = fits({f"{p['chars']}": p for p in rows})
    lines.append("")
    lines.append(
        "Growth exponents (slope of log figure on log characters, over the points that have it): "
        + ", ".join(f"{k} {v:.2f}" for k, v in exps.items() if isinstance(v, float))
    )
    if "audit_cpu_linear_model" in exps:
        m = exps["audit_cpu_linear_model"]
        lines.append(
            f"Audit CPU ≈ {m['seconds_per_million_chars']:.2f} s per million characters + "
            f"{m['seconds_per_thousand_reported_pairs']:.2f} s per thousand reported pairs "
            f"(non-negative least squares; largest residual {100 * m['max_relative_residual']:.1f} %)."
        )
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
        xs = [p["chars"] / 1e6 for p in rows]
        series = [
            ("index", lambda p: p["index"]["cpu_seconds"]),
            ("exact-13 index", lambda p: p["baseline"]["cpu_seconds"]),
            ("audit", lambda p: p["audit"]["cpu_seconds"]),
            ("check (whole process)", lambda p: statistics.median(r["cpu_seconds"] for r in p["check"]["runs"])),
        ]
        for label, get in series:
            pts = [(x, get(p)) for x, p in zip(xs, rows) if _has(get, p)]
            if pts:
                axes[0].plot(*zip(*pts), marker="o", label=label)
        axes[0].set(xscale="log", yscale="log", xlabel="characters (M)", ylabel="CPU seconds", title="time (CPU s)")
        mem = [
            ("index", lambda p: p["index"]["peak_mb"]),
            ("exact-13 index", lambda p: p["baseline"]["peak_mb"]),
            ("audit", lambda p: p["audit"]["peak_mb"]),
            ("check (whole process)", lambda p: p["check"]["peak_mb"]),
        ]
        for label, get in mem:
            pts = [(x, get(p)) for x, p in zip(xs, rows) if _has(get, p)]
            if pts:
                axes[1].plot(*zip(*pts), marker="o", label=label)
        axes[1].set(xscale="log", yscale="log", xlabel="characters (M)", ylabel="peak MB (PSS)", title="peak memory")
        for ax in axes:
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(plot, dpi=110)
    return "\n".join(lines)


def _has(get, p: dict) -> bool:
    try:
        get(p)
    except (KeyError, TypeError, statistics.StatisticsError):
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--workdir", type=Path, default=ROOT / ".cache" / "scale")
    ap.add_argument("--target-chars", type=float, default=100e6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--laws", type=Path, default=ROOT.parent / "shared" / "corpora" / "laws")
    ap.add_argument(
        "--sizes", type=float, nargs="+", default=[0.25, 44e6, 0.5, 1.0], help="fractions (≤ 1) or characters"
    )
    ap.add_argument("--drafts", type=int, default=12, help="drafts in the batch (the first is the one-draft check)")
    ap.add_argument("--cli-runs", type=int, default=3)
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--skip-audit", action="store_true")
    ap.add_argument("--structure", action="store_true", help="measure the corpus's revision and family structure")
    ap.add_argument("--recall-sample", type=int, default=0, help="documents in the exhaustive recall sample (0: skip)")
    ap.add_argument("--resume", action="store_true", help="keep the figures already in --out")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--report", type=Path, nargs="+", help="print a markdown table of these result files instead")
    ap.add_argument("--plot", type=Path, help="with --report: write the curves as a PNG here")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--params", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(CHILDREN[args.child](json.loads(args.params)), ensure_ascii=False))
        return 0
    if args.report:
        print(report(args.report, args.plot))
        return 0
    res = run(args)
    print(json.dumps({k: summary_of(v) for k, v in res["points"].items()}, ensure_ascii=False, indent=1))
    print(json.dumps(res["fits"], indent=1))
    if "recall" in res:
        print(json.dumps(res["recall"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
