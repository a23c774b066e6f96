#!/usr/bin/env python
"""Speed benchmark: index, re-index, check and audit costs on the real laws corpus, at 1/4, 1/2
and all of it, beside the exact 13-character baseline (dupcheck/baseline.py) in the same run.

    python bench/bench_speed.py --out bench-speed.json            # the whole table (~6 min)
    python bench/bench_speed.py --fractions 1 --skip-audit        # quick: full corpus only
    python bench/bench_speed.py --profile prof/                   # pyinstrument profiles + stage timers

How each figure is measured (docs/performance.md has the table and what it means):

- Every system runs in its own child process (this script with ``--child``), so memory figures
  never mix. Peak memory is the largest of: the child's ``ru_maxrss``, and the sum of PSS over the
  child and its worker processes sampled every 50 ms from /proc (PSS, not RSS, so pages forked
  workers share with their parent are not counted twice).
- Times are wall-clock ``perf_counter`` inside the child around the operation only (interpreter
  start-up excluded), except the ``dupcheck`` CLI rows, which time the whole process.
- The corpus subsets are nested (1/4 ⊂ 1/2 ⊂ full, by characters, in a seeded random order) and
  are folders of symlinks to the corpus files, so ``Index.sync`` reads real files.
- Drafts are real local regulations (地方性法规) of about 5,000 and 10,000 characters, in two
  kinds: *verbatim* drafts are indexed documents themselves (the heavy case: every character
  aligns), *novel* drafts are held out of every index (``--drafts`` of each size, about 0.4 % of
  the corpus's characters), so "full" is the corpus less those held-out drafts.
- Audit recall: on a sample of indexed documents chosen to hold many related texts (several
  versions of one law, the same regulation in several provinces, a local implementing regulation
  with its law, plus random documents) every pair is compared exactly with the audit's own
  kernel (``dupcheck.audit.pair_rates``), and the pairs at or over the threshold in either
  direction are the truth that the full-corpus audit's pairs (restricted to the sample) are
  scored against.

Exit code 0 whatever the targets say (the table says PASS/FAIL); 2 on a usage or input error.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "laws"
THRESHOLD_AUDIT = 0.5
SEED = 7


# --- memory: the child and its workers ------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from the parent ids in /proc/*/stat)."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: split after the last ')'.
        fields = stat[stat.rfind(b")") + 2 :].split()
        parent[int(entry)] = int(fields[1])
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(c for c, pp in parent.items() if pp == p)
    return out


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMemory(threading.Thread):
    """Samples the summed PSS of a process and its descendants; ``peak_mb`` is the largest sum."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            total = sum(_pss_kb(p) for p in _descendants(self.pid))
            self.peak_kb = max(self.peak_kb, total)
            self._halt.wait(self.interval)

    def stop(self) -> float:
        self._halt.set()
        self.join()
        return self.peak_kb / 1024


# --- the corpus, the drafts and the subsets ---------------------------------------------------


@dataclass(frozen=True)
class Doc:
    path: str  # relative to the corpus folder
    title: str
    category: str
    region: str
    chars: int


def load_manifest(corpus: Path) -> list[Doc]:
    manifest = corpus / "manifest.jsonl"
    if not manifest.exists():
        raise SystemExit(f"bench_speed: {manifest}: not found (use --corpus)")
    with open(manifest, encoding="utf-8") as fh:
        return [
            Doc(x["path"], x["title"], x.get("category", ""), x.get("region", ""), int(x["chars"]))
            for x in map(json.loads, fh)
        ]


_PROVINCE = re.compile(r"^(北京市|上海市|天津市|重庆市|山东省|广东省|河南省|浙江省)")


def plan_run(docs: list[Doc], fractions: list[float], drafts: int, batch: int, seed: int) -> dict:
    """Which documents are drafts (held out or indexed), the nested subsets, the batch."""
    rng = random.Random(seed)
    local = [d for d in docs if d.category == "地方性法规"]
    five = sorted((d for d in local if 4500 <= d.chars <= 5500), key=lambda d: d.path)
    ten = sorted((d for d in local if 9000 <= d.chars <= 11000), key=lambda d: d.path)
    rng.shuffle(five)
    rng.shuffle(ten)
    if len(five) < 2 * drafts or len(ten) < 2 * drafts:
        raise SystemExit(f"bench_speed: --drafts {drafts} is more than the corpus has of each size")
    groups = {
        "verbatim_5k": five[:drafts],
        "verbatim_10k": ten[:drafts],
        "novel_5k": five[drafts : 2 * drafts],
        "novel_10k": ten[drafts : 2 * drafts],
    }
    held = {d.path for d in groups["novel_5k"] + groups["novel_10k"]}
    indexed = [d for d in docs if d.path not in held]
    first = {d.path for d in groups["verbatim_5k"] + groups["verbatim_10k"]}
    pool = sorted((d for d in indexed if d.category == "地方性法规" and d.path not in first), key=lambda d: d.path)
    batch_docs = rng.sample(pool, min(batch, len(pool)))
    first |= {d.path for d in batch_docs}
    # Drafts that must be indexed go first, so they are in every subset; then a seeded shuffle.
    head = [d for d in indexed if d.path in first]
    tail = [d for d in indexed if d.path not in first]
    rng.shuffle(tail)
    order = head + tail
    total = sum(d.chars for d in order)
    subsets = {}
    for f in fractions:
        if f >= 1:
            subsets[f] = order
            continue
        acc, n = 0, 0
        while n < len(order) and acc < f * total:
            acc += order[n].chars
            n += 1
        subsets[f] = order[:n]
    return {"groups": groups, "held": held, "batch": batch_docs, "subsets": subsets, "indexed": indexed}


def audit_sample(indexed: list[Doc], size: int, seed: int) -> list[Doc]:
    """Documents likely to copy each other (same subject in several versions or provinces, a local
    implementing regulation with its law) plus random documents, ``size`` in all."""
    rng = random.Random(seed + 1)
    by_subject: dict[str, list[Doc]] = {}
    for d in indexed:
        by_subject.setdefault(_PROVINCE.sub("", d.title), []).append(d)
    by_title = {d.title: d for d in indexed}
    families = [sorted(v, key=lambda d: d.path) for v in by_subject.values() if len(v) >= 2]
    for d in indexed:  # 北京市实施《义务教育法》办法 with 中华人民共和国义务教育法
        m = re.search(r"《(?:中华人民共和国)?([^《》]+)》", d.title) if "实施" in d.title else None
        if m:
            law = by_title.get("中华人民共和国" + m.group(1)) or by_title.get(m.group(1))
            if law is not None:
                families.append([d, law])
    families.sort(key=lambda f: [d.path for d in f])
    rng.shuffle(families)
    chosen: dict[str, Doc] = {}
    for fam in families:
        if len(chosen) >= (2 * size) // 3:
            break
        if len(fam) > 6 or sum(d.chars for d in fam) > 150_000:
            continue  # keep the exhaustive comparison small
        for d in fam:
            chosen[d.path] = d
    rest = sorted((d for d in indexed if d.path not in chosen and d.chars <= 60_000), key=lambda d: d.path)
    for d in rng.sample(rest, max(0, size - len(chosen))):
        chosen[d.path] = d
    return sorted(chosen.values(), key=lambda d: d.path)


def link_folder(corpus: Path, docs: list[Doc], folder: Path) -> None:
    for d in docs:
        target = folder / d.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(corpus / d.path)


def edit_one_file(folder: Path, rel: str, n: int) -> None:
    """Replace a symlinked document by a copy with one article added (a changed file)."""
    path = folder / rel
    text = path.read_text(encoding="utf-8")
    if path.is_symlink():
        path.unlink()
    text = re.sub(r"\n第[^\n]{0,12}条　基准测试修改[^\n]*\n$", "\n", text)
    path.write_text(text.rstrip("\n") + f"\n第九十九条　基准测试修改 {n}：本规定自公布之日起施行。\n", encoding="utf-8")


# --- children: one system, one job, one process ------------------------------------------------


def _maxrss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds of this process and of the workers it has waited for."""
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def child_dupcheck_index(p: dict) -> dict:
    from dupcheck.api import Index

    c0, t0 = _cpu(), time.perf_counter()
    with Index.open(p["db"]) as index:
        result = index.sync(p["folder"], workers=p.get("workers"))
        docs = len(index)
    seconds, cpu = time.perf_counter() - t0, _cpu() - c0
    db_bytes = sum(Path(p["db"] + s).stat().st_size for s in ("", "-wal") if Path(p["db"] + s).exists())
    return {
        "seconds": seconds,
        "index_cpu_seconds": cpu,
        "documents": docs,
        "added": len(result.added),
        "skipped": len(result.skipped),
        "db_bytes": db_bytes,
        "maxrss_self_mb": _maxrss_mb(),
        "maxrss_children_mb": _maxrss_mb(resource.RUSAGE_CHILDREN),
    }


def child_dupcheck_resync(p: dict) -> dict:
    """An unchanged re-sync (hashing every file), then one with one file changed."""
    from dupcheck.api import Index

    out = {}
    with Index.open(p["db"]) as index:
        t0 = time.perf_counter()
        r = index.sync(p["folder"])
        out["noop_seconds"] = time.perf_counter() - t0
        out["noop_changed"] = len(r.added) + len(r.updated)
    edit_one_file(Path(p["folder"]), p["edit"], 0)
    with Index.open(p["db"]) as index:
        t0 = time.perf_counter()
        r = index.sync(p["folder"])
        out["one_seconds"] = time.perf_counter() - t0
        out["one_changed"] = len(r.added) + len(r.updated)
    return out


def child_dupcheck_check(p: dict) -> dict:
    from dupcheck.api import Index

    t0 = time.perf_counter()
    index = Index.open(p["db"], create=False)
    retriever = index.retriever()
    open_seconds = time.perf_counter() - t0
    open_rss = _maxrss_mb()
    index.check(p["warmup"])  # lazy tables (OpenCC, places, punctuation) load here, untimed
    groups = {}
    for name, paths in p["groups"].items():
        rows = []
        for path in paths:
            t = time.perf_counter()
            rep = index.check(path)
            rows.append(
                {
                    "path": path,
                    "seconds": time.perf_counter() - t,
                    "chars": rep.total_chars,
                    "rate": rep.copy_rate,
                    "sources": len(rep.sources),
                    "passages": len(rep.passages),
                }
            )
        groups[name] = rows
    t = time.perf_counter()
    reports = index.check_many(p["batch"])
    batch_seconds = time.perf_counter() - t
    index.close()
    return {
        "open_seconds": open_seconds,
        "open_maxrss_mb": open_rss,
        "documents": len(retriever),
        "fingerprints": _fingerprint_count(retriever),
        "groups": groups,
        "batch_seconds": batch_seconds,
        "batch_drafts": len(reports),
        "maxrss_self_mb": _maxrss_mb(),
    }


def _fingerprint_count(retriever) -> int:
    if getattr(retriever, "segments", None) is not None:  # postings read lazily from the index
        return int(sum(s.postings for s in retriever.segments))
    return len(retriever.hashes)


def child_baseline(p: dict) -> dict:
    from dupcheck.baseline import Exact13
    from dupcheck.extract import extract_path

    c0, t0 = _cpu(), time.perf_counter()
    idx = Exact13()
    idx.add_texts((f, Path(f).read_text(encoding="utf-8"), Path(f).stem) for f in p["files"])
    idx._build()  # the sorted table; otherwise built by the first check
    seconds, cpu = time.perf_counter() - t0, _cpu() - c0
    index_rss = _maxrss_mb()
    nbytes = idx.nbytes
    idx.check_text(extract_path(p["warmup"]).text)
    groups = {}
    for name, paths in p["groups"].items():
        rows = []
        for path in paths:
            t = time.perf_counter()
            rep = idx.check_text(extract_path(path).text, path=path)
            rows.append(
                {
                    "path": path,
                    "seconds": time.perf_counter() - t,
                    "chars": rep.total_chars,
                    "rate": rep.copy_rate,
                    "sources": len(rep.sources),
                    "passages": len(rep.passages),
                }
            )
        groups[name] = rows
    t = time.perf_counter()
    for path in p["batch"]:
        idx.check_text(extract_path(path).text, path=path)
    batch_seconds = time.perf_counter() - t
    return {
        "seconds": seconds,
        "index_cpu_seconds": cpu,
        "documents": len(idx),
        "array_bytes": nbytes,
        "index_maxrss_mb": index_rss,
        "groups": groups,
        "batch_seconds": batch_seconds,
        "maxrss_self_mb": _maxrss_mb(),
    }


def child_audit(p: dict) -> dict:
    from dupcheck.api import Index

    t0 = time.perf_counter()
    index = Index.open(p["db"], create=False)
    index.retriever()
    open_seconds = time.perf_counter() - t0
    t = time.perf_counter()
    result = index.audit(threshold=p["threshold"])
    audit_seconds = time.perf_counter() - t
    index.close()
    return {
        "open_seconds": open_seconds,
        "audit_seconds": audit_seconds,
        "seconds": open_seconds + audit_seconds,
        "documents": result.documents,
        "candidates": result.candidates,
        "pairs": [[q.path_a, q.path_b, q.rate_ab, q.rate_ba] for q in result.pairs],
        "maxrss_self_mb": _maxrss_mb(),
        "maxrss_children_mb": _maxrss_mb(resource.RUSAGE_CHILDREN),
    }


def _truth_pair(pair: tuple[int, int], shared: tuple) -> tuple[int, int, float, float]:
    from dupcheck.audit import pair_rates

    texts, keys = shared
    i, j = pair
    return (i, j, *pair_rates(texts[i], keys[i], texts[j], keys[j])[:2])


def child_audit_truth(p: dict) -> dict:
    """Every pair of the sample compared with the audit's exact kernel (the exhaustive answer)."""
    from dupcheck import pool
    from dupcheck.extract import extract_path
    from dupcheck.matchkey import match_key

    t0 = time.perf_counter()
    texts = [extract_path(f).text for f in p["files"]]
    n = len(texts)
    rows = [(i, j) for i in range(n) for j in range(i + 1, n)]
    results = list(
        pool.imap(
            _truth_pair, rows, shared=(texts, [match_key(t) for t in texts]), workers=p.get("workers", 2), chunksize=256
        )
    )
    pairs = [[p["files"][i], p["files"][j], ab, ba] for i, j, ab, ba in results if max(ab, ba) >= p["threshold"]]
    near = sum(1 for *_, ab, ba in results if p["threshold"] - 0.1 <= max(ab, ba) < p["threshold"])
    return {
        "seconds": time.perf_counter() - t0,
        "documents": n,
        "compared": len(rows),
        "pairs": sorted(pairs),
        "near_threshold": near,
    }


def child_profile(p: dict) -> dict:
    """pyinstrument profiles (in-process, workers=1) of index, open+checks and audit, and stage timers."""
    from pyinstrument import Profiler

    from dupcheck.api import Index

    out_dir = Path(p["out_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    db = p["db"]

    def profiled(name, fn):
        prof = Profiler(interval=0.001)
        prof.start()
        t = time.perf_counter()
        value = fn()
        seconds = time.perf_counter() - t
        prof.stop()
        (out_dir / f"{name}.txt").write_text(
            prof.output_text(unicode=True, color=False, show_all=False), encoding="utf-8"
        )
        (out_dir / f"{name}.html").write_text(prof.output_html(), encoding="utf-8")
        return value, seconds

    times = {}
    with Index.open(db) as index:
        _, times["index_workers1"] = profiled("index", lambda: index.sync(p["folder"], workers=1))
    index = Index.open(db, create=False)
    _, times["open"] = profiled("open", index.retriever)
    index.check(p["warmup"])
    _, times["checks"] = profiled("check", lambda: [index.check(d) for d in p["drafts"]])
    index.close()
    if not p.get("skip_audit"):  # on the 1/4 subset: the full audit takes minutes on one core
        with Index.open(":memory:") as small:
            small.sync(p["audit_folder"])
            small.retriever()
            _, times["audit_quarter_workers1"] = profiled(
                "audit", lambda: small.audit(threshold=THRESHOLD_AUDIT, workers=1)
            )
    times["stages_index"] = stage_timers(p["files"])
    times["stages_check"] = check_stage_timers(db, p["drafts"], p["warmup"])
    return times


def stage_timers(files: list[str]) -> dict:
    """Seconds per indexing stage, inclusive, timing the real functions the index runs for each
    file (``api._file_features`` then ``Store.put``), in-process, by patching them for the run."""
    from dupcheck import api, matchkey, pipeline
    from dupcheck import fingerprint as fpm
    from dupcheck import normalize as nz
    from dupcheck.fingerprint import Scheme
    from dupcheck.store import PackedDocument, Store

    scheme = Scheme.current()
    api._file_features(files[0], scheme)  # lazy loads (OpenCC, gazetteer, tables), untimed
    targets = {
        "file_features (all of it)": (api, "_file_features"),
        "  extract": (api, "extract_bytes"),
        "  document_features": (api, "document_features"),
        "    match_key": (pipeline, "match_key"),
        "      normalize": (matchkey, "normalize"),
        "        to_simplified (OpenCC)": (nz, "to_simplified"),
        "      mask": (matchkey, "mask"),
        "    fingerprints": (pipeline, "fingerprints"),
        "      kgram_hashes": (fpm, "kgram_hashes"),
        "      winnow": (fpm, "winnow"),
        "    bigram_features": (pipeline, "bigram_features"),
        "  PackedDocument.of (compression)": (PackedDocument, "of"),
        "Store.put (SQLite insert)": (Store, "put"),
    }
    store = Store.open(":memory:", scheme.as_dict())
    chars = 0
    with StageClock(targets) as clock, store.transaction():
        for f in files:
            packed = api._file_features(f, scheme)
            if isinstance(packed, PackedDocument):
                chars += packed.chars
                store.put(packed)
    store.close()
    return {"chars": chars, "documents": len(files), "seconds": clock.seconds, "calls": clock.calls}


class StageClock:
    """Inclusive wall time and calls of named functions, by patching module attributes for the
    duration of a ``with`` block (no sampling profiler: its overhead inflates Python loops)."""

    def __init__(self, targets: dict[str, tuple[object, str]]) -> None:
        self.targets = targets  # label → (module or class, attribute)
        self.seconds = dict.fromkeys(targets, 0.0)
        self.calls = dict.fromkeys(targets, 0)
        self._saved: list = []

    def _wrap(self, label, fn):
        def timed(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                self.seconds[label] += time.perf_counter() - t
                self.calls[label] += 1

        return timed

    def __enter__(self):
        for label, (owner, attr) in self.targets.items():
            fn = getattr(owner, attr)
            self._saved.append((owner, attr, fn))
            setattr(owner, attr, self._wrap(label, fn))
        return self

    def __exit__(self, *exc):
        for owner, attr, fn in reversed(self._saved):
            setattr(owner, attr, fn)


class _IndelProxy:
    """Stands in for ``rapidfuzz.distance.Indel`` inside dupcheck.align so its calls can be timed."""

    def __init__(self, indel):
        self.opcodes, self.normalized_similarity = indel.opcodes, indel.normalized_similarity


def check_stage_timers(db: str, drafts: list[str], warmup: str, pairs: int = 300) -> dict:
    """Seconds per checking stage over ``drafts`` (fresh Index, cold source cache), and per audit
    stage over the first ``pairs`` candidate pairs of the index; inclusive times per function."""
    from dupcheck import align as al
    from dupcheck import api, credit
    from dupcheck import audit as au
    from dupcheck.api import Index

    index = Index.open(db, create=False)
    Retriever = type(index.retriever())
    index.check(warmup)
    index._sources.clear()
    proxy = _IndelProxy(al.Indel)
    saved_indel, al.Indel = al.Indel, proxy
    targets = {
        "extract (read + decode)": (api, "extract_path"),
        "match_key (draft and sources)": (api, "match_key"),
        "candidates: containment": (Retriever, "containment"),
        "candidates: TF-IDF cosine": (Retriever, "cosine"),
        "sources: text + key (cache miss)": (Index, "source"),
        "find_passages (all alignment)": (api, "find_passages"),
        "  align": (credit, "align"),
        "    maximal_exact_matches": (al, "maximal_exact_matches"),
        "    chain (Python DP)": (al, "chain"),
        "    rapidfuzz Indel.opcodes": (proxy, "opcodes"),
        "    rapidfuzz Indel.similarity": (proxy, "normalized_similarity"),
        "  _to_passage (re-normalizes)": (credit, "_to_passage"),
        "measure": (api, "measure"),
    }
    try:
        with StageClock(targets) as clock:
            t = time.perf_counter()
            for d in drafts:
                index.check(d)
            total = time.perf_counter() - t
        check = {"drafts": len(drafts), "total": total, "seconds": clock.seconds, "calls": clock.calls}
        retriever = index.retriever()
        hashes, owners = (
            retriever.fingerprint_table()
            if hasattr(retriever, "fingerprint_table")
            else (retriever.hashes, retriever.owners)
        )
        cands = au.candidate_pairs(
            hashes, owners, len(retriever), max_df=retriever.max_df, min_share=max(0.02, THRESHOLD_AUDIT / 4)
        )[0][:pairs]
        texts = {}
        for row in sorted(set(cands.ravel().tolist())):
            text = index.store.text(int(retriever.doc_ids[row]))
            texts[row] = (text, au.match_key(text))
        targets = {
            "align": (au, "align"),
            "  maximal_exact_matches": (al, "maximal_exact_matches"),
            "  chain (Python DP)": (al, "chain"),
            "  rapidfuzz Indel.opcodes": (proxy, "opcodes"),
            "  rapidfuzz Indel.similarity": (proxy, "normalized_similarity"),
            "covered chars (numpy)": (au, "_covered_chars"),
        }
        with StageClock(targets) as clock:
            t = time.perf_counter()
            for i, j in cands.tolist():
                au.pair_rates(*texts[i], *texts[j], index.params)
            total = time.perf_counter() - t
        audit = {"pairs": len(cands), "total": total, "seconds": clock.seconds, "calls": clock.calls}
    finally:
        al.Indel = saved_indel
        index.close()
    return {"check": check, "audit_pairs": audit}


CHILDREN = {
    "dupcheck_index": child_dupcheck_index,
    "dupcheck_resync": child_dupcheck_resync,
    "dupcheck_check": child_dupcheck_check,
    "baseline": child_baseline,
    "audit": child_audit,
    "audit_truth": child_audit_truth,
    "profile": child_profile,
}


def run_child(task: str, params: dict, workdir: Path, log) -> dict:
    pfile = workdir / f"params-{task}-{time.monotonic_ns()}.json"
    rfile = pfile.with_name(pfile.name.replace("params-", "result-"))
    pfile.write_text(json.dumps(params, ensure_ascii=False), encoding="utf-8")
    busy0 = _machine_busy_seconds()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", task, "--params", str(pfile), "--result", str(rfile)],
        stdout=subprocess.DEVNULL,
    )
    sampler = TreeMemory(proc.pid)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)  # usage: the child and the workers it waited for
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    tree_mb = sampler.stop()
    if proc.returncode != 0 or not rfile.exists():
        raise SystemExit(f"bench_speed: child {task} failed (exit {proc.returncode})")
    out = json.loads(rfile.read_text(encoding="utf-8"))
    out["peak_tree_pss_mb"] = tree_mb
    out["peak_mb"] = max(tree_mb, out.get("maxrss_self_mb", 0.0))
    out["process_seconds"] = wall
    out["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    # CPU the rest of the machine used meanwhile (other people's jobs, this script's sampler), in cores.
    out["others_cores"] = max(0.0, (_machine_busy_seconds() - busy0 - out["cpu_seconds"]) / wall) if wall else 0.0
    return out


def _machine_busy_seconds() -> float:
    """CPU seconds all cores have spent busy since boot (from /proc/stat)."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def child_main(task: str, params: Path, result: Path) -> int:
    sys.path.insert(0, str(ROOT))
    p = json.loads(params.read_text(encoding="utf-8"))
    out = CHILDREN[task](p)
    result.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    return 0


# --- whole-process CLI runs --------------------------------------------------------------------


def dupcheck_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "dupcheck"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "dupcheck.cli"]


def time_process(cmd: list[str], ok=(0, 1)) -> float:
    t0 = time.perf_counter()
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
    seconds = time.perf_counter() - t0
    if rc not in ok:
        raise SystemExit(f"bench_speed: {' '.join(cmd[:3])} … exited {rc}")
    return seconds


# --- figures, targets and the table ------------------------------------------------------------


def _median(xs):
    return statistics.median(xs) if xs else None


def slope(xs: list[float], ys: list[float]) -> float | None:
    """Least-squares slope of log(y) on log(x): 1 is linear growth, below 1 sub-linear."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys) if x and y and x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / den if den else None


@dataclass
class Row:
    figure: str
    unit: str
    values: dict  # fraction → value
    baseline: float | None = None
    target: str = ""
    limit: float | None = None  # the target's bound on the compared value
    compare: str = "full"  # "full": the full-corpus value; "ratio": full / baseline
    op: str = "<="  # how the compared value must stand to the limit: "<=", "<" or ">="
    show_ratio: bool = True

    @property
    def full(self):
        return self.values.get(1.0)

    @property
    def ratio(self):
        if self.show_ratio and self.baseline and self.full is not None:
            return self.full / self.baseline
        return None

    @property
    def passed(self):
        if self.limit is None:
            return None
        x = self.ratio if self.compare == "ratio" else self.full
        if x is None:
            return None
        return {"<=": x <= self.limit, "<": x < self.limit, ">=": x >= self.limit}[self.op]


def _fmt(x, unit=""):
    if x is None:
        return "—"
    if isinstance(x, str):
        return x
    if isinstance(x, int):
        return str(x)
    if unit == "ms":
        return f"{x:.1f}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def print_table(rows: list[Row], fractions: list[float], out=sys.stdout) -> None:
    names = {0.25: "1/4", 0.5: "1/2", 1.0: "full"}
    head = ["figure"] + [names.get(f, f"{f:g}") for f in fractions] + ["baseline full", "ratio", "target", "result"]
    body = []
    for r in rows:
        verdict = {None: "", True: "PASS", False: "FAIL"}[r.passed]
        body.append(
            [f"{r.figure} ({r.unit})" if r.unit else r.figure]
            + [_fmt(r.values.get(f), r.unit) for f in fractions]
            + [_fmt(r.baseline, r.unit), "" if r.ratio is None else f"{r.ratio:.2f}×", r.target, verdict]
        )
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]

    def line(cells):
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    print(line(head), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for b in body:
        print(line(b), file=out)


def build_rows(res: dict, fractions: list[float]) -> list[Row]:
    F = fractions
    ix, rs, ck, cli, au = res["index"], res["resync"], res["check"], res["cli"], res.get("audit", {})
    base = res["baseline"]
    rows = []
    rows.append(
        Row("index: characters", "M", {f: ix[f]["chars"] / 1e6 for f in F}, base["chars"] / 1e6, show_ratio=False)
    )
    rows.append(
        Row("index: time", "s", {f: ix[f]["seconds"] for f in F}, base["seconds"], "≤ 2× baseline", 2.0, "ratio")
    )
    rows.append(
        Row(
            "index: CPU time, all processes", "s", {f: ix[f]["index_cpu_seconds"] for f in F}, base["index_cpu_seconds"]
        )
    )
    rows.append(
        Row(
            "others' CPU load during index (noise)",
            "cores",
            {f: ix[f]["others_cores"] for f in F},
            base["others_cores"],
            show_ratio=False,
        )
    )
    if res.get("index_serial"):
        rows.append(Row("index: time with --workers 1", "s", {1.0: res["index_serial"]["seconds"]}, base["seconds"]))
    rows.append(
        Row(
            "index: peak memory", "MB", {f: ix[f]["peak_mb"] for f in F}, base["peak_mb"], "≤ 1× baseline", 1.0, "ratio"
        )
    )
    rows.append(
        Row(
            "index file / text size (UTF-8)",
            "×",
            {f: ix[f]["db_bytes"] / ix[f]["text_bytes"] for f in F},
            None,
            "≤ 2",
            2.0,
        )
    )
    rows.append(Row("re-sync, nothing changed, in-process", "s", {f: rs[f]["noop_seconds"] for f in F}))
    rows.append(Row("re-sync, one file changed, in-process", "s", {f: rs[f]["one_seconds"] for f in F}))
    rows.append(
        Row("`dupcheck index` after one file changed", "s", {f: cli[f]["reindex"] for f in F}, None, "≤ 2 s", 2.0)
    )
    rows.append(Row("open: Index.open + retriever build", "s", {f: ck[f]["open_seconds"] for f in F}))
    rows.append(Row("open: memory of an open index", "MB", {f: ck[f]["open_maxrss_mb"] for f in F}))
    for g, label in (
        ("verbatim_5k", "verbatim ~5k"),
        ("verbatim_10k", "verbatim ~10k"),
        ("novel_5k", "novel ~5k"),
        ("novel_10k", "novel ~10k"),
    ):
        vals = {f: 1000 * _median([x["seconds"] for x in ck[f]["groups"][g]]) for f in F}
        b = 1000 * _median([x["seconds"] for x in base["groups"][g]])
        rows.append(Row(f"check one draft, {label}, median", "ms", vals, b, "≤ 2× baseline", 2.0, "ratio"))
    vals = {
        f: 1000 * max(_median([x["seconds"] for x in ck[f]["groups"][g]]) for g in ("verbatim_10k", "novel_10k"))
        for f in F
    }
    rows.append(Row("check one ~10k draft, worst group median", "ms", vals, None, "≤ 100 ms", 100.0))
    nb = ck[1.0]["batch_drafts"]  # the target speaks of 100 drafts: no verdict on another batch size
    rows.append(
        Row(f"check_many {nb} drafts, open Index", "s", {f: ck[f]["batch_seconds"] for f in F}, base["batch_seconds"])
    )
    rows.append(
        Row(
            "others' CPU load during checks (noise)",
            "cores",
            {f: ck[f]["others_cores"] for f in F},
            base["others_cores"],
            show_ratio=False,
        )
    )
    rows.append(
        Row(
            "`dupcheck check` one ~10k draft, whole process, median",
            "s",
            {f: cli[f]["check_one"] for f in F},
            None,
            "≤ 3 s",
            3.0,
        )
    )
    rows.append(
        Row(
            f"`dupcheck check` {nb} drafts, one process",
            "s",
            {f: cli[f]["check_batch"] for f in F},
            None,
            "≤ 10 s (100 drafts)",
            10.0 if nb == 100 else None,
        )
    )
    rows.append(Row("`dupcheck --version` (start-up alone), median", "s", {1.0: cli["startup"]}))
    if au:
        rows.append(
            Row(
                "audit all pairs at 0.5 (open + audit)",
                "s",
                {f: au[f]["seconds"] for f in F if f in au},
                None,
                "≤ 60 s",
                60.0,
            )
        )
        rows.append(Row("audit: CPU time, all processes", "s", {f: au[f]["cpu_seconds"] for f in F if f in au}))
        rows.append(
            Row("others' CPU load during audit (noise)", "cores", {f: au[f]["others_cores"] for f in F if f in au})
        )
        rows.append(Row("audit: candidate pairs aligned", "", {f: au[f]["candidates"] for f in F if f in au}))
        rows.append(Row("audit: pairs at or over 0.5", "", {f: len(au[f]["pairs"]) for f in F if f in au}))
        rows.append(Row("audit: peak memory", "MB", {f: au[f]["peak_mb"] for f in F if f in au}))
        rec = res.get("audit_recall")
        if rec:
            rows.append(
                Row(
                    f"audit recall vs exhaustive ({rec['documents']} docs, {rec['truth_pairs']} pairs)",
                    "",
                    {1.0: rec["recall"]},
                    None,
                    "≥ 0.99",
                    0.99,
                    op=">=",
                )
            )
            rows.append(
                Row(
                    f"  same, pairs of documents ≥ 1,000 characters ({rec['truth_pairs_long']} pairs)",
                    "",
                    {1.0: rec["recall_long"]},
                )
            )
    else:
        rows.append(Row("audit all pairs at 0.5", "", {1.0: "skipped"}, None, "≤ 60 s"))
    xs = [ix[f]["chars"] for f in F]
    rows.append(
        Row("growth: index wall time vs size, log-log slope", "", {1.0: slope(xs, [ix[f]["seconds"] for f in F])})
    )
    s_ix = slope(xs, [ix[f]["index_cpu_seconds"] for f in F])
    rows.append(Row("growth: index CPU time vs size, log-log slope", "", {1.0: s_ix}, None, "≤ 1 (+0.1 noise)", 1.1))
    s_ck = slope(xs, [_median([x["seconds"] for g in ck[f]["groups"].values() for x in g]) for f in F])
    rows.append(Row("growth: check time per draft vs size, slope", "", {1.0: s_ck}, None, "< 1", 1.0, op="<"))
    if au:
        s_au = slope([ix[f]["chars"] for f in F if f in au], [au[f]["seconds"] for f in F if f in au])
        rows.append(Row("growth: audit time vs size, slope", "", {1.0: s_au}))
    return rows


# --- the run -----------------------------------------------------------------------------------


def run(args) -> dict:
    def log(msg):
        return print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    corpus = args.corpus.resolve()
    docs = load_manifest(corpus)
    fractions = sorted(set(args.fractions))
    if 1.0 not in fractions:
        fractions.append(1.0)
    plan = plan_run(docs, fractions, args.drafts, args.batch, args.seed)
    work = Path(tempfile.mkdtemp(prefix="bench-speed-", dir=args.workdir))
    log(f"work folder {work}")
    res: dict = {"index": {}, "resync": {}, "check": {}, "cli": {}, "audit": {}}
    try:
        draft_paths = {g: [str(corpus / d.path) for d in ds] for g, ds in plan["groups"].items()}
        full_folder = work / "corpus-1"
        for f in fractions:
            folder = work / f"corpus-{f:g}"
            link_folder(corpus, plan["subsets"][f], folder)

        # Indexed drafts are checked through the indexed (symlinked) path; novel ones from the corpus.
        def groups_for(folder):
            return {
                g: [str(folder / d.path) if g.startswith("verbatim") else str(corpus / d.path) for d in ds]
                for g, ds in plan["groups"].items()
            }

        batch = [str(full_folder / d.path) for d in plan["batch"]]
        warmup = batch[0]
        editable = sorted(
            (
                d
                for d in plan["subsets"][fractions[0]]
                if 5000 <= d.chars <= 20000
                and d.path not in {x.path for x in plan["batch"]}
                and d.path not in {x.path for g in plan["groups"].values() for x in g}
            ),
            key=lambda d: d.path,
        )
        edit_rel = [d.path for d in editable[:4]]
        dup = dupcheck_cmd()

        # baseline first (the yardstick), on the full subset
        files = [str(full_folder / d.path) for d in plan["subsets"][1.0]]
        log(f"baseline: indexing {len(files)} documents and checking {sum(map(len, draft_paths.values()))} drafts")
        res["baseline"] = run_child(
            "baseline", {"files": files, "groups": groups_for(full_folder), "batch": batch, "warmup": warmup}, work, log
        )
        res["baseline"]["chars"] = sum(d.chars for d in plan["subsets"][1.0])
        log(
            f"baseline: index {res['baseline']['seconds']:.1f} s (others used {res['baseline']['others_cores']:.1f} cores), "
            f"peak {res['baseline']['peak_mb']:.0f} MB"
        )

        for f in fractions:
            folder = work / f"corpus-{f:g}"
            db = str(work / f"index-{f:g}.db")
            sub = plan["subsets"][f]
            log(f"[{f:g}] dupcheck: indexing {len(sub)} documents")
            r = run_child("dupcheck_index", {"folder": str(folder), "db": db}, work, log)
            r["chars"] = sum(d.chars for d in sub)
            r["text_bytes"] = sum((corpus / d.path).stat().st_size for d in sub)
            res["index"][f] = r
            log(
                f"[{f:g}] index {r['seconds']:.1f} s ({r['cpu_seconds']:.1f} s CPU; others used {r['others_cores']:.1f} cores), "
                f"peak {r['peak_mb']:.0f} MB, file {r['db_bytes'] / 1e6:.0f} MB"
            )
            res["resync"][f] = run_child(
                "dupcheck_resync", {"folder": str(folder), "db": db, "edit": edit_rel[0]}, work, log
            )
            log(
                f"[{f:g}] re-sync: unchanged {res['resync'][f]['noop_seconds']:.2f} s, one file {res['resync'][f]['one_seconds']:.2f} s"
            )
            c = run_child(
                "dupcheck_check",
                {
                    "db": db,
                    "groups": groups_for(folder),
                    "warmup": str(folder / plan["batch"][0].path),
                    "batch": [str(folder / d.path) for d in plan["batch"]],
                },
                work,
                log,
            )
            res["check"][f] = c
            log(
                f"[{f:g}] open {c['open_seconds']:.2f} s; check medians (ms): "
                + ", ".join(
                    f"{g} {1000 * _median([x['seconds'] for x in rows]):.0f}" for g, rows in c["groups"].items()
                )
            )
            cl = {}
            times = []
            for n, rel in enumerate(edit_rel[1:], 1):
                edit_one_file(folder, rel, n)
                times.append(time_process([*dup, "index", str(folder), "--db", db, "-q"], ok=(0,)))
            cl["reindex_runs"] = times
            cl["reindex"] = _median(times)
            one = groups_for(folder)["verbatim_10k"][0]
            cl["check_one_runs"] = [time_process([*dup, "check", one, "--db", db]) for _ in range(args.cli_runs)]
            cl["check_one"] = _median(cl["check_one_runs"])
            cl["check_batch"] = time_process(
                [*dup, "check", *[str(folder / d.path) for d in plan["batch"]], "--db", db]
            )
            res["cli"][f] = cl
            log(
                f"[{f:g}] CLI: re-index {cl['reindex']:.2f} s, check one {cl['check_one']:.2f} s, "
                f"{len(plan['batch'])} drafts {cl['check_batch']:.1f} s"
            )
            if not args.skip_audit:
                a = run_child("audit", {"db": db, "threshold": THRESHOLD_AUDIT}, work, log)
                res["audit"][f] = a
                log(f"[{f:g}] audit {a['seconds']:.1f} s, {a['candidates']} candidates, {len(a['pairs'])} pairs")
        res["cli"]["startup"] = _median([time_process([*dup, "--version"], ok=(0,)) for _ in range(args.cli_runs)])

        if not args.no_serial:
            db = str(work / "index-serial.db")
            log("dupcheck: full index with --workers 1")
            res["index_serial"] = run_child(
                "dupcheck_index", {"folder": str(full_folder), "db": db, "workers": 1}, work, log
            )
            Path(db).unlink(missing_ok=True)

        if not args.skip_audit:
            sample = audit_sample([d for d in plan["subsets"][1.0]], args.audit_sample, args.seed)
            files = [str(full_folder / d.path) for d in sample]
            log(
                f"audit recall: comparing all {len(files) * (len(files) - 1) // 2} pairs of {len(files)} sampled documents"
            )
            truth = run_child("audit_truth", {"files": files, "threshold": THRESHOLD_AUDIT}, work, log)
            in_sample = set(files)
            found = {
                tuple(sorted(p[:2])) for p in res["audit"][1.0]["pairs"] if p[0] in in_sample and p[1] in in_sample
            }
            want = {tuple(sorted(p[:2])) for p in truth["pairs"]}
            missed = sorted(want - found)
            chars = {str(full_folder / d.path): d.chars for d in sample}
            long_ = {pair for pair in want if min(chars[pair[0]], chars[pair[1]]) >= 1000}
            res["audit_recall"] = {
                "documents": truth["documents"],
                "compared": truth["compared"],
                "truth_pairs": len(want),
                "found": len(want & found),
                "recall": (len(want & found) / len(want)) if want else 1.0,
                "truth_pairs_long": len(long_),
                "recall_long": (len(long_ & found) / len(long_)) if long_ else 1.0,
                "extra": sorted(found - want),
                "missed": [
                    [a, b, *next(p[2:] for p in truth["pairs"] if tuple(sorted(p[:2])) == (a, b))] for a, b in missed
                ],
                "near_threshold": truth["near_threshold"],
                "seconds": truth["seconds"],
            }
            log(f"audit recall {res['audit_recall']['recall']:.3f} ({len(want & found)}/{len(want)})")
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return res


def environment() -> dict:
    import numpy

    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass

    def git(*a):
        return subprocess.run(["git", "-C", str(ROOT), *a], capture_output=True, text=True).stdout.strip()

    dirty = [line[3:] for line in git("status", "--porcelain").splitlines() if line[3:].startswith("dupcheck/")]
    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "cpu": cpu,
        "cores": os.cpu_count(),
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_package_files": dirty,
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


def profile(args) -> None:
    """pyinstrument profiles of the full-corpus index build, open, checks and audit (workers=1)."""
    corpus = args.corpus.resolve()
    docs = load_manifest(corpus)
    plan = plan_run(docs, [0.25, 1.0], args.drafts, args.batch, args.seed)
    work = Path(tempfile.mkdtemp(prefix="bench-speed-prof-", dir=args.workdir))
    try:
        folder = work / "corpus"
        link_folder(corpus, plan["subsets"][1.0], folder)
        quarter = work / "quarter"
        link_folder(corpus, plan["subsets"][0.25], quarter)
        drafts = [
            str(folder / d.path) if g.startswith("verbatim") else str(corpus / d.path)
            for g, ds in plan["groups"].items()
            for d in ds
        ]
        files = [str(folder / d.path) for d in plan["subsets"][1.0]]
        print(f"profiling into {args.profile} (index, open, {len(drafts)} checks, audit; workers=1)", file=sys.stderr)
        r = run_child(
            "profile",
            {
                "out_dir": str(args.profile.resolve()),
                "db": str(work / "index.db"),
                "folder": str(folder),
                "drafts": drafts,
                "warmup": str(folder / plan["batch"][0].path),
                "files": files,
                "skip_audit": args.skip_audit,
                "audit_folder": str(quarter),
            },
            work,
            print,
        )
        # The whole `dupcheck check` process for one ~10k verbatim draft (start-up, open, check, render).
        one = str(folder / plan["groups"]["verbatim_10k"][0].path)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pyinstrument",
                "--renderer",
                "text",
                "--interval",
                "0.001",
                "--outfile",
                str(args.profile / "cli_check.txt"),
                "-m",
                "dupcheck.cli",
                "check",
                one,
                "--db",
                str(work / "index.db"),
            ],
            stdout=subprocess.DEVNULL,
            check=False,
        )
        (args.profile / "times.json").write_text(json.dumps(r, indent=2, ensure_ascii=False), encoding="utf-8")
        st = r["stages_index"]
        total = st["seconds"]["file_features (all of it)"] + st["seconds"]["Store.put (SQLite insert)"]
        print(
            f"stage timers, {st['documents']} documents, {st['chars'] / 1e6:.1f} M characters, {total:.1f} s in all"
            " (inclusive):"
        )
        for name, sec in st["seconds"].items():
            print(f"  {name:34} {sec:6.2f} s  {100 * sec / total:5.1f} %  ({st['calls'][name]} calls)")
        for part, st in r["stages_check"].items():
            n = st.get("drafts") or st.get("pairs")
            print(f"{part}: {n} in {st['total']:.2f} s ({1000 * st['total'] / max(n, 1):.1f} ms each); inclusive:")
            for name, sec in st["seconds"].items():
                print(f"  {name:34} {sec:6.2f} s  {100 * sec / st['total']:5.1f} %  ({st['calls'][name]} calls)")
        for k in ("index_workers1", "open", "checks", "audit_quarter_workers1"):
            if k in r:
                print(f"{k:18} {r[k]:6.2f} s (under the profiler)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the laws corpus folder (manifest.jsonl)")
    ap.add_argument(
        "--fractions",
        type=lambda s: [float(eval_fraction(x)) for x in s.split(",")],
        default=[0.25, 0.5, 1.0],
        help="corpus fractions, comma-separated (1/4,1/2,1 or 0.25,0.5,1); full is always included",
    )
    ap.add_argument("--drafts", type=int, default=5, help="drafts of each kind and size (verbatim/novel × 5k/10k)")
    ap.add_argument("--batch", type=int, default=100, help="drafts in the one-call batch")
    ap.add_argument("--cli-runs", type=int, default=3, help="runs of each whole-process CLI figure (median)")
    ap.add_argument("--audit-sample", type=int, default=150, help="documents in the exhaustive audit-recall sample")
    ap.add_argument("--skip-audit", action="store_true")
    ap.add_argument("--no-serial", action="store_true", help="skip the --workers 1 full index")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out", type=Path, help="write every figure and raw timing as JSON here")
    ap.add_argument("--workdir", type=Path, default=None, help="where the temporary folders go (default: $TMPDIR)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--profile", type=Path, help="instead of the table: write pyinstrument profiles here")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--params", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child_main(args.child, args.params, args.result)
    if args.drafts < 1 or args.batch < 1:
        ap.error("--drafts and --batch must be at least 1")
    if not (args.corpus / "manifest.jsonl").exists():
        print(f"bench_speed: {args.corpus}: no manifest.jsonl (use --corpus)", file=sys.stderr)
        return 2
    if args.profile:
        profile(args)
        return 0
    t0 = time.perf_counter()
    res = run(args)
    fractions = sorted(set(args.fractions) | {1.0})
    rows = build_rows(res, fractions)
    print()
    print_table(rows, fractions)
    verdicts = [(r.figure, r.passed) for r in rows if r.passed is not None]
    print(
        f"\n{sum(1 for _, v in verdicts if v)}/{len(verdicts)} targets pass; "
        f"bench took {time.perf_counter() - t0:.0f} s",
        file=sys.stderr,
    )
    if args.out:
        out = {
            "environment": environment(),
            "args": {k: str(v) for k, v in vars(args).items() if k not in ("child", "params", "result")},
            "table": [
                {
                    "figure": r.figure,
                    "unit": r.unit,
                    "values": {f"{f:g}": v for f, v in r.values.items()},
                    "baseline": r.baseline,
                    "ratio": r.ratio,
                    "target": r.target,
                    "pass": r.passed,
                }
                for r in rows
            ],
            "raw": _jsonable(res),
        }
        args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def eval_fraction(s: str) -> float:
    s = s.strip()
    if "/" in s:
        a, b = s.split("/")
        return float(a) / float(b)
    return float(s)


def _jsonable(x):
    if isinstance(x, dict):
        return {(f"{k:g}" if isinstance(k, float) else k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


if __name__ == "__main__":
    raise SystemExit(main())
