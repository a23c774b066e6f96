"""Spark audit in local[2] at 1/4, 1/2 and all of the laws corpus, beside the local engine's audit of the same input.

python bench/bench_spark.py [/work/shared/corpora/laws] [fractions...]
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
from dupcheck.audit import audit_index


def main() -> None:
    laws = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/corpora/laws")
    fractions = [float(f) for f in sys.argv[2:]] or [0.25, 0.5, 1.0]
    rows = [json.loads(line) for line in (laws / "manifest.jsonl").open(encoding="utf-8")]
    spark = S.session("local[2]")
    for fraction in fractions:
        chosen = rows[: int(len(rows) * fraction)]
        items = [(r["path"], (laws / r["path"]).read_text(encoding="utf-8"), None) for r in chosen]
        chars = sum(len(t) for _, t, _ in items)
        tmp = Path(tempfile.mkdtemp())
        with (tmp / "c.jsonl").open("w", encoding="utf-8") as fh:
            for path, text, _ in items:
                fh.write(json.dumps({"path": path, "text": text}, ensure_ascii=False) + "\n")
        t = time.perf_counter()
        with Index.open(":memory:") as index:
            index.add_texts(items)
            t_index = time.perf_counter() - t
            local = audit_index(index, threshold=0.5)
        t_local = time.perf_counter() - t
        t = time.perf_counter()
        docs = S.read_documents(spark, str(tmp / "c.jsonl"))
        t_read = time.perf_counter() - t
        result = S.audit(spark, docs, threshold=0.5)
        t_cand = time.perf_counter() - t - t_read
        collected = S.audit_result(result)
        t_spark = time.perf_counter() - t
        same = collected.to_dict() == local.to_dict()
        print(
            json.dumps(
                {
                    "fraction": fraction,
                    "documents": len(items),
                    "chars": chars,
                    "local_index_s": round(t_index, 1),
                    "local_audit_total_s": round(t_local, 1),
                    "spark_read_s": round(t_read, 1),
                    "spark_candidates_s": round(t_cand, 1),
                    "spark_total_s": round(t_spark, 1),
                    "candidates": result.candidates,
                    "pairs": len(collected.pairs),
                    "same_as_local": same,
                    "driver_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                }
            ),
            flush=True,
        )
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
