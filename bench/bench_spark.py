"""Spark audit in local[2] at fractions of a corpus, beside the local engine's exhaustive audit of the same input.

python bench/bench_spark.py [CORPUS] [fractions...] [--no-local]

CORPUS is the laws folder (manifest.jsonl; the default) or a corpus file such as the scaling corpus
(``.cache/scale/scale-100m-seed1.jsonl``, written by ``bench/bench_scale.py``), whose prefixes keep
its structure. The Spark engine aligns every candidate pair, so it is compared with
``Index.audit(exhaustive=True)``; ``--no-local`` skips that comparison (it costs as much again). Each
line printed is one fraction, with the load average at its start: the machine may be shared.
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from dupcheck import spark as S
from dupcheck.api import Index


def _rows(corpus: Path) -> list[tuple[str, str, str | None]]:
    if corpus.is_dir():
        rows = [json.loads(line) for line in (corpus / "manifest.jsonl").open(encoding="utf-8")]
        return [(r["path"], (corpus / r["path"]).read_text(encoding="utf-8"), None) for r in rows]
    with corpus.open(encoding="utf-8") as fh:
        return [(r["path"], r["text"], None) for r in map(json.loads, fh)]


def _same(spark_result, local) -> bool:
    """As tests/test_spark.py compares them: candidates aligned, the pairs (ids, paths, rates to 1e-6,
    shared characters), the groups. Not ``to_dict()``: ``candidate_pairs`` is the local engine's
    count before best-first choice, which the Spark result does not carry (it is 0 there)."""
    if spark_result.candidates != local.candidates or spark_result.groups != local.groups:
        return False
    if len(spark_result.pairs) != len(local.pairs):
        return False
    for a, b in zip(spark_result.pairs, local.pairs):
        if (a.a, a.b, a.path_a, a.path_b) != (b.a, b.b, b.path_a, b.path_b):
            return False
        if abs(a.rate_ab - b.rate_ab) > 1e-6 or abs(a.rate_ba - b.rate_ba) > 1e-6:
            return False
        if (a.shared_chars_a, a.shared_chars_b, a.longest_passage) != (
            b.shared_chars_a,
            b.shared_chars_b,
            b.longest_passage,
        ):
            return False
    return True


def _load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    local = "--no-local" not in sys.argv
    corpus = Path(args[0] if args else "/work/shared/corpora/laws")
    fractions = [float(f) for f in args[1:]] or [0.25, 0.5, 1.0]
    everything = _rows(corpus)
    spark = S.session("local[2]")
    for fraction in fractions:
        items = everything[: int(len(everything) * fraction)]
        chars = sum(len(t) for _, t, _ in items)
        tmp = Path(tempfile.mkdtemp())
        with (tmp / "c.jsonl").open("w", encoding="utf-8") as fh:
            for path, text, _ in items:
                fh.write(json.dumps({"path": path, "text": text}, ensure_ascii=False) + "\n")
        row: dict = {"corpus": corpus.name, "fraction": fraction, "documents": len(items), "chars": chars}
        row["load"] = _load()
        if local:
            t = time.perf_counter()
            with Index.open(":memory:") as index:
                index.add_texts(items)
                row["local_index_s"] = round(time.perf_counter() - t, 1)
                expected = index.audit(threshold=0.5, exhaustive=True)
            row["local_index_and_audit_s"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        docs = S.read_documents(spark, str(tmp / "c.jsonl"))
        row["spark_read_s"] = round(time.perf_counter() - t, 1)
        result = S.audit(spark, docs, threshold=0.5)
        row["spark_candidates_s"] = round(time.perf_counter() - t - row["spark_read_s"], 1)
        collected = S.audit_result(result)
        row["spark_total_s"] = round(time.perf_counter() - t, 1)
        row["candidates"] = result.candidates
        row["pairs"] = len(collected.pairs)
        if local:
            row["same_as_local"] = _same(collected, expected)
        row["driver_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(json.dumps(row), flush=True)
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
