"""The Spark engine: ``dupcheck audit --engine spark`` and ``dupcheck check --engine spark``.

This module only wires the kernels the local engine runs into Spark jobs; every per-document and
per-pair computation is a call into the pipeline:

- **read**: a folder (``binaryFile`` + :func:`dupcheck.extract.extract_bytes` on the executors),
  a JSONL corpus file (:mod:`dupcheck.corpus` format: path, title, text; ``.gz`` read by Spark,
  ``.xz`` through the driver) or Parquet (columns path, text, optional title). Document ids are
  1, 2, … in the order the local engine would insert them (a folder in ``find_documents`` order,
  a corpus file in line order), so ids and results compare one to one.
- **fingerprints**: :func:`dupcheck.pipeline.document_features` in ``mapInArrow`` (Spark's
  Arrow ``mapPartitions``), giving a ``(doc, fp)`` posting table.
- **audit candidates**: self-join of the posting table on fingerprints found in at most
  ``max_df`` documents (:func:`dupcheck.audit.audit_max_df`, the local audit's cut), counted per pair, with
  :func:`dupcheck.audit.candidate_pairs`' rule (share of either side's fingerprints) and its
  short-document handling: weak documents compared on all their fingerprints, and documents with
  fewer than :data:`dupcheck.audit.SHORT_FINGERPRINTS` screened on all their k-grams
  (:func:`dupcheck.audit.short_document_pairs`' rule, as a join).
- **alignment**: :func:`dupcheck.audit.pair_rates` per candidate pair on the executors
  (:meth:`dupcheck.credit.Source.prepare` for keys and seeds), then groups (connected components)
  on the driver with scipy.
- **check**: a draft's k-gram hashes joined against the corpus' rare fingerprints (containment),
  TF-IDF cosine by a scan of the corpus partitions with :meth:`Retriever.cosine` (a join on
  bigrams would multiply every draft by the documents sharing 的/和/本), candidates chosen by
  :meth:`Retriever.candidates`' rule, then :func:`dupcheck.credit.find_passages` and
  :func:`dupcheck.measure.measure` per draft on the executors, one JSON line per draft.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

import numpy as np

from dupcheck.errors import DupcheckError
from dupcheck.report import SCHEMA_VERSION

# The candidate rule of Retriever.candidates (mirrored: it is a method over in-memory arrays).
CANDIDATE_LIMIT, CANDIDATE_BY_COSINE, MIN_CONTAINMENT, MIN_COSINE = 8, 3, 0.002, 0.2


# -- the session ---------------------------------------------------------------------------------


def require_spark() -> None:
    """A one-line error (in Chinese, for the clerk) when pyspark or Java is missing."""
    try:
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError:
        raise DupcheckError(
            "未安装 Spark 组件：请运行 pip install 'dupcheck[spark]'（需要 pyspark 与 pyarrow）"
        ) from None
    java_home = os.environ.get("JAVA_HOME")
    if not (java_home and Path(java_home, "bin", "java").exists()) and not shutil.which("java"):
        raise DupcheckError(
            "未找到 Java：Spark 需要 Java 17（Debian: apt-get install openjdk-17-jre-headless，或设置 JAVA_HOME）"
        )


def session(master: str = "local[*]", *, shuffle_partitions: int | None = None, app: str = "dupcheck"):
    """A SparkSession whose Python workers run this interpreter (so they import this dupcheck)."""
    require_spark()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(master)
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # The default 1 GB driver could not build the broadcast side of a join at 5 M characters.
        .config("spark.driver.memory", os.environ.get("DUPCHECK_SPARK_DRIVER_MEMORY", "4g"))
    )
    if shuffle_partitions is None and master.startswith("local"):
        shuffle_partitions = 4 * (os.cpu_count() or 1)  # not 200: one machine, small tasks cost more than they split
    if shuffle_partitions:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start: Java missing or broken
        raise DupcheckError(
            f"无法启动 Spark（{str(exc).splitlines()[0][:200]}）：请检查 Java 17 与 JAVA_HOME"
        ) from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# -- reading -------------------------------------------------------------------------------------

DOC_SCHEMA = "id long, path string, title string, text string"


def _order_key(relative: str) -> tuple:
    """The position of a file in :func:`dupcheck.api.find_documents` (os.walk, sorted, files first)."""
    parts = PurePosixPath(relative).parts
    return (*tuple((1, d) for d in parts[:-1]), (0, parts[-1]))


def _local_path(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme in ("", "file") else uri


@dataclass(frozen=True)
class Documents:
    """A corpus read into Spark: ``frame`` (id, path, title, text), the files skipped, and its name."""

    frame: Any  # pyspark.sql.DataFrame (pyspark is an optional extra: not imported here)
    skipped: tuple  # Skipped records (files that could not be read)
    name: str
    count: int


def read_documents(spark, source: str) -> Documents:
    """A folder, a corpus file (.jsonl/.jsonl.gz/.jsonl.xz), Parquet, or an existing dupcheck index."""
    from dupcheck.report import Skipped

    path = Path(source)
    name = path.name
    lower = source.lower()
    if path.is_dir() and not (lower.endswith(".parquet") or any(path.glob("*.parquet"))):
        rdd = _read_folder(spark, source)
    elif lower.endswith((".jsonl", ".jsonl.gz", ".json", ".json.gz")):
        rdd = _read_jsonl(spark, source)
    elif lower.endswith(".xz"):
        from dupcheck.corpus import read_corpus

        records = [(r["path"], r.get("title"), r["text"]) for r in read_corpus(source)]  # xz: not splittable
        rdd = spark.sparkContext.parallelize(list(enumerate(records)), max(2, len(records) // 500))
        rdd = rdd.map(lambda x: ("doc", x[0], x[1][0], x[1][1], x[1][2]))
    elif lower.endswith(".parquet") or path.is_dir():
        rdd = _read_parquet(spark, source)
    elif path.is_file():
        return _read_index(spark, source)
    else:
        from dupcheck.errors import InputError

        raise InputError(source, "找不到该文件或文件夹 (no such file or folder)")
    rdd = rdd.persist()
    skipped = tuple(Skipped(r[2], r[4]) for r in rdd.filter(lambda r: r[0] == "skip").collect())
    docs = rdd.filter(lambda r: r[0] == "doc").map(lambda r: (r[1], r[2], r[3], r[4]))
    # Ids 1..n in the local engine's insertion order (the order key is the first field).
    ranked = docs.sortBy(lambda r: r[0]).zipWithIndex().map(lambda x: (x[1] + 1, x[0][1], x[0][2], x[0][3]))
    frame = spark.createDataFrame(ranked, DOC_SCHEMA).persist()
    count = frame.count()
    rdd.unpersist()
    return Documents(frame, skipped, name, count)


def _read_folder(spark, root: str):
    from dupcheck.errors import InputError
    from dupcheck.extract import SUPPORTED_SUFFIXES, extract_bytes
    from dupcheck.pipeline import title_of

    base = str(Path(root))
    absolute = Path(root).resolve()
    files = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(str(absolute))

    def extract(rows: Iterator) -> Iterator[tuple]:
        for row in rows:
            rel = os.path.relpath(_local_path(row.path), absolute)
            parts = PurePosixPath(rel.replace(os.sep, "/")).parts
            if any(p.startswith(".") for p in parts) or Path(parts[-1]).suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            shown = str(Path(base) / rel)  # the path the local engine reports
            try:
                text = extract_bytes(bytes(row.content), shown).text
            except InputError as exc:
                yield ("skip", None, shown, None, exc.reason)
                continue
            yield ("doc", _order_key(rel), shown, title_of(text, shown), text)

    return files.select("path", "content").rdd.mapPartitions(extract)


def _read_jsonl(spark, source: str):
    from dupcheck.pipeline import title_of

    def parse(lines: Iterator) -> Iterator[tuple]:
        for line, n in lines:
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                path, text = r["path"], r["text"]
            except (ValueError, KeyError, TypeError):
                yield (
                    "skip",
                    None,
                    f"{source}:{n + 1}",
                    None,
                    "不是语料记录 (not a corpus record: JSON with path, title, text)",
                )
                continue
            yield ("doc", n, path, r.get("title") or title_of(text, path), text)

    return spark.sparkContext.textFile(source).zipWithIndex().mapPartitions(parse)


def _read_parquet(spark, source: str):
    from dupcheck.pipeline import title_of

    frame = spark.read.parquet(source)
    if not {"path", "text"} <= set(frame.columns):
        raise DupcheckError(f"{source}: Parquet 语料需要 path 与 text 两列 (columns path, text; title optional)")
    has_title = "title" in frame.columns
    cols = ["path", "text"] + (["title"] if has_title else [])

    def rows(items: Iterator) -> Iterator[tuple]:
        for row, n in items:
            title = row["title"] if has_title else None
            yield ("doc", n, row["path"], title or title_of(row["text"], row["path"]), row["text"])

    return frame.select(*cols).rdd.zipWithIndex().mapPartitions(rows)


def _read_index(spark, db: str) -> Documents:
    """An existing dupcheck index (SQLite): its documents with their ids, read through the driver."""
    from dupcheck.api import Index

    with Index.open(db, create=False) as index:
        return _from_index(spark, index)


def _from_index(spark, index) -> Documents:
    rows = [(d.id, d.path, d.title, index.store.text(d.id)) for d in index.documents()]
    frame = spark.createDataFrame(spark.sparkContext.parallelize(rows, max(2, len(rows) // 500)), DOC_SCHEMA).persist()
    return Documents(frame, (), index.name, frame.count())


# -- features (mapInArrow: Spark's Arrow mapPartitions) ------------------------------------------


def _postings_fn(scheme, *, with_bigrams: bool = False):
    """(doc, fp) rows from :func:`document_features`; with bigrams, one row per document instead."""

    def run(batches):
        import pyarrow as pa

        from dupcheck.pipeline import document_features

        for batch in batches:
            ids, paths, texts = (batch.column(c).to_pylist() for c in ("id", "path", "text"))
            docs, fps, bids, bcounts = [], [], [], []
            for doc, path, text in zip(ids, paths, texts):
                f = document_features(path, text, scheme, title=path)
                docs.append(doc)
                fps.append(f.fingerprints.astype(np.int64))
                bids.append(f.bigram_ids.astype(np.int32))
                bcounts.append(f.bigram_counts.astype(np.int32))
            if with_bigrams:
                yield pa.RecordBatch.from_pydict(
                    {
                        "doc": pa.array(docs, pa.int64()),
                        "fps": _list_array(fps, pa.int64()),
                        "bids": _list_array(bids, pa.int32()),
                        "bcounts": _list_array(bcounts, pa.int32()),
                    }
                )
            else:
                lengths = [len(a) for a in fps]
                yield pa.RecordBatch.from_pydict(
                    {
                        "doc": pa.array(np.repeat(np.array(docs, dtype=np.int64), lengths)),
                        "fp": pa.array(np.concatenate(fps) if fps else np.zeros(0, np.int64)),
                    }
                )

    return run


def _list_array(arrays: list[np.ndarray], kind):
    import pyarrow as pa

    offsets = np.concatenate([[0], np.cumsum([len(a) for a in arrays])]).astype(np.int32)
    values = np.concatenate(arrays) if arrays else np.zeros(0)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, kind))


def postings(docs: Documents, scheme):
    """The posting table ``(doc, fp)``: every document's winnowed fingerprints (distinct per document)."""
    return docs.frame.select("id", "path", "text").mapInArrow(_postings_fn(scheme), "doc long, fp long")


def max_df_of(n_documents: int) -> int:
    """The boilerplate cut of :meth:`dupcheck.retrieve.Retriever.build` (a fingerprint in more than
    this many documents does not vote); tests/test_spark.py holds the two equal."""
    return max(20, n_documents // 20) if n_documents else 1


# -- audit ---------------------------------------------------------------------------------------


def candidate_pairs(
    spark,
    docs: Documents,
    post,
    *,
    min_share: float,
    threshold: float,
    k: int,
    max_df: int | None = None,
    min_shared: int = 3,
):
    """DataFrame ``(a, b)``, a < b: the pairs :func:`dupcheck.audit.candidate_pairs` plus
    :func:`dupcheck.audit.short_document_pairs` choose, computed with joins."""
    from pyspark.sql import functions as F

    from dupcheck.audit import SHORT_FINGERPRINTS, audit_max_df

    n = docs.count
    if n < 2:
        return spark.createDataFrame([], "a long, b long")
    max_df = max_df if max_df is not None else audit_max_df(n)
    post = post.persist()
    df = post.groupBy("fp").agg(F.count("*").alias("df"))
    rare = post.join(df.filter(F.col("df") <= max_df).select("fp"), "fp")
    ids = docs.frame.select(F.col("id").alias("doc"))
    size_all = ids.join(post.groupBy("doc").agg(F.count("*").alias("size_all")), "doc", "left")
    sizes = (
        size_all.join(rare.groupBy("doc").agg(F.count("*").alias("size")), "doc", "left")
        .fillna(0, ["size", "size_all"])
        .persist()
    )

    def chosen(shared, size_col):
        s = sizes.select("doc", F.col(size_col).alias("s"))
        shared = shared.join(s.withColumnRenamed("doc", "a").withColumnRenamed("s", "sa"), "a").join(
            s.withColumnRenamed("doc", "b").withColumnRenamed("s", "sb"), "b"
        )
        share = F.greatest(
            F.col("c") / F.greatest(F.col("sa"), F.lit(1)), F.col("c") / F.greatest(F.col("sb"), F.lit(1))
        )
        return shared.filter((F.col("c") >= min_shared) & (share >= min_share)).select("a", "b")

    # Pairs on rare fingerprints: the self-join (the audit's main shuffle), counted per pair.
    ra, rb = rare.withColumnRenamed("doc", "a"), rare.withColumnRenamed("doc", "b")
    shared = ra.join(rb, "fp").filter(F.col("a") < F.col("b")).groupBy("a", "b").agg(F.count("*").alias("c"))
    found = [chosen(shared, "size")]
    # Weak documents (mostly boilerplate, or short) are compared on all their fingerprints.
    weak = sizes.filter((F.col("size") < 0.5 * F.col("size_all")) | (F.col("size_all") < SHORT_FINGERPRINTS)).select(
        "doc"
    )
    wa = post.join(weak, "doc").withColumnRenamed("doc", "w")
    wshared = (
        wa.join(post.withColumnRenamed("doc", "o"), "fp")
        .filter(F.col("w") != F.col("o"))
        .groupBy("w", "o")
        .agg(F.count("*").alias("c"))
    )
    wpairs = chosen(wshared.withColumnRenamed("w", "a").withColumnRenamed("o", "b"), "size_all")
    found.append(wpairs.select(F.least("a", "b").alias("a"), F.greatest("a", "b").alias("b")))
    # Short documents are screened on all their k-grams against every document.
    short = sizes.filter(F.col("size_all") < SHORT_FINGERPRINTS).select("doc")
    if short.limit(1).count():
        grams = docs.frame.select("id", "text").mapInArrow(_screen_fn(k), "doc long, g long")
        sg = grams.join(short, "doc").withColumnRenamed("doc", "s").persist()
        total = sg.groupBy("s").agg(F.count("*").alias("t"))
        hits = (
            sg.join(grams.withColumnRenamed("doc", "o"), "g")
            .filter(F.col("s") != F.col("o"))
            .groupBy("s", "o")
            .agg(F.count("*").alias("c"))
            .join(total, "s")
        )
        spairs = hits.filter(F.col("c") / F.col("t") >= threshold / 5)
        found.append(spairs.select(F.least("s", "o").alias("a"), F.greatest("s", "o").alias("b")))
    out = found[0]
    for more in found[1:]:
        out = out.union(more)
    return out.distinct()


def _screen_fn(k: int):
    """(doc, k-gram hash) rows: the distinct k-grams of the matching key, as the audit screens them."""

    def run(batches):
        import pyarrow as pa

        from dupcheck.fingerprint import Scheme, kgram_hashes
        from dupcheck.matchkey import match_key
        from dupcheck.normalize import codepoints

        for batch in batches:
            docs, grams = [], []
            for doc, text in zip(batch.column("id").to_pylist(), batch.column("text").to_pylist()):
                g = np.unique(kgram_hashes(codepoints(match_key(text).text), k, Scheme.seed)).astype(np.int64)
                docs.append(np.full(len(g), doc, dtype=np.int64))
                grams.append(g)
            yield pa.RecordBatch.from_pydict(
                {
                    "doc": pa.array(np.concatenate(docs) if docs else np.zeros(0, np.int64)),
                    "g": pa.array(np.concatenate(grams) if grams else np.zeros(0, np.int64)),
                }
            )

    return run


def _align_partition(params):
    def run(rows: Iterator) -> Iterator[tuple]:
        from dupcheck.audit import pair_rates
        from dupcheck.credit import Source

        cache: OrderedDict[int, Source] = OrderedDict()

        def source(doc: int, text: str) -> Source:
            if doc in cache:
                cache.move_to_end(doc)
                return cache[doc]
            s = cache[doc] = Source.prepare(doc, text, params)
            if len(cache) > 64:
                cache.popitem(last=False)
            return s

        for row in rows:
            a, b = source(row.a, row.text_a), source(row.b, row.text_b)
            yield (row.a, row.b, *pair_rates(a.text, a.key, b.text, b.key, params, seeds_a=a.seeds, seeds_b=b.seeds))

    return run


PAIR_SCHEMA = (
    "a long, b long, rate_ab double, rate_ba double, shared_chars_a long, shared_chars_b long, longest_passage long"
)


@dataclass(frozen=True)
class SparkAudit:
    """What a Spark audit computed: the pairs over the threshold (a DataFrame) and its counts."""

    threshold: float
    documents: int
    candidates: int
    pairs: Any  # DataFrame with the AuditPair columns, highest rate first
    skipped: tuple


def audit(
    spark, docs: Documents, *, threshold: float = 0.5, candidate_share: float | None = None, max_df: int | None = None
) -> SparkAudit:
    """:func:`dupcheck.audit.audit_index` on Spark: same candidates, same kernel, same pairs."""
    from dataclasses import fields

    from pyspark.sql import functions as F

    from dupcheck.align import AlignParams
    from dupcheck.api import check_threshold
    from dupcheck.audit import AuditPair
    from dupcheck.fingerprint import Scheme

    threshold = check_threshold(threshold)
    params, scheme = AlignParams(), Scheme.current()
    share = candidate_share if candidate_share is not None else max(0.02, threshold / 4)
    cands = candidate_pairs(
        spark, docs, postings(docs, scheme), min_share=share, threshold=threshold, k=params.k, max_df=max_df
    ).persist()
    total = cands.count()
    text = docs.frame.select("id", "text")
    joined = cands.join(text.withColumnRenamed("id", "a").withColumnRenamed("text", "text_a"), "a").join(
        text.withColumnRenamed("id", "b").withColumnRenamed("text", "text_b"), "b"
    )
    rates = spark.createDataFrame(joined.rdd.mapPartitions(_align_partition(params)), PAIR_SCHEMA)
    meta = docs.frame.select("id", "path", "title")
    over = (
        rates.filter(F.greatest("rate_ab", "rate_ba") >= threshold)
        .join(meta.select(F.col("id").alias("a"), F.col("path").alias("path_a"), F.col("title").alias("title_a")), "a")
        .join(meta.select(F.col("id").alias("b"), F.col("path").alias("path_b"), F.col("title").alias("title_b")), "b")
        .select(*[f.name for f in fields(AuditPair)])  # the columns of AuditPair, in order
        .orderBy(F.desc(F.greatest("rate_ab", "rate_ba")), "a", "b")
        .persist()
    )
    return SparkAudit(threshold, docs.count, total, over, docs.skipped)


def audit_result(result: SparkAudit):
    """The pairs collected into a :class:`dupcheck.audit.AuditResult` (for text/JSON/CSV on stdout)."""
    from dupcheck.audit import AuditPair, AuditResult, groups_of

    pairs = tuple(AuditPair(**row.asDict()) for row in result.pairs.collect())
    return AuditResult(
        result.threshold, result.documents, result.candidates, pairs, groups_of([(p.a, p.b) for p in pairs])
    )


def write_audit(spark, result: SparkAudit, out: str, fmt: str) -> int:
    """``OUT/pairs`` and ``OUT/groups`` (one row a member: group, size, id, path, title) as Parquet, CSV or JSON lines."""
    from dupcheck.audit import groups_of

    groups = groups_of([(r.a, r.b) for r in result.pairs.select("a", "b").toLocalIterator()])
    members = [(n, len(g), d) for n, g in enumerate(groups, 1) for d in g]
    frame = spark.createDataFrame(members or [], "group long, size long, id long")
    pairs_meta = result.pairs.select("a", "path_a", "title_a").union(result.pairs.select("b", "path_b", "title_b"))
    meta = pairs_meta.toDF("id", "path", "title").dropDuplicates(["id"])
    frame = frame.join(meta, "id").select("group", "size", "id", "path", "title").orderBy("group", "id")
    for name, data in (("pairs", result.pairs), ("groups", frame)):
        writer = data.coalesce(1).write.mode("overwrite") if name == "groups" else data.write.mode("overwrite")
        target = str(Path(out) / name)
        if fmt == "parquet":
            writer.parquet(target)
        elif fmt == "csv":
            writer.option("header", "true").csv(target)
        else:
            writer.json(target)
    return len(groups)


def run_audit(args) -> int:
    """``dupcheck audit --engine spark SOURCE``: exit 1 when any pair is at or over the threshold."""
    from dupcheck.render.audit import render_audit

    if not args.source or args.db:
        raise DupcheckError(
            "audit --engine spark 需要一个文件夹、JSONL 或 Parquet 语料 (a folder, .jsonl or .parquet; not --db)"
        )
    if args.format == "parquet" and not args.out:
        raise DupcheckError("--format parquet 需要 --out 文件夹 (Parquet is written to the --out folder)")
    threshold = args.threshold if args.threshold is not None else _env_threshold(0.5)
    spark = session(args.spark_master)
    docs = read_documents(spark, args.source)
    for s in docs.skipped:
        print(f"skipped: {s.path}: {s.reason}", file=sys.stderr)
    result = audit(spark, docs, threshold=threshold)
    if args.out:
        n_groups = write_audit(spark, result, args.out, args.format if args.format != "text" else "json")
        n_pairs = result.pairs.count()
        print(
            f"批量查重 (audit, spark): {result.documents} 篇文档, 精确比对 {result.candidates} 对, "
            f"超过阈值 {n_pairs} 对, 文档组 {n_groups} 个 → {args.out}",
            file=sys.stderr,
        )
        return 1 if n_pairs else 0
    collected = audit_result(result)
    text = render_audit(collected, args.format)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 1 if collected.pairs else 0


def _env_threshold(default: float) -> float:
    from dupcheck.cli import _env_threshold as env

    return env(default)


# -- check ---------------------------------------------------------------------------------------


def _draft_rows(paths: list[str]):
    def run(items: Iterator) -> Iterator[tuple]:
        from dupcheck.errors import InputError
        from dupcheck.extract import extract_path

        for n, path in items:
            try:
                yield (n, path, extract_path(path).text, None)
            except InputError as exc:
                yield (n, exc.path, None, exc.reason)

    return run


def _draft_hashes(scheme):
    def run(rows: Iterator) -> Iterator[tuple]:
        from dupcheck.fingerprint import kgram_hashes
        from dupcheck.matchkey import match_key
        from dupcheck.normalize import codepoints

        for row in rows:
            hashes = kgram_hashes(codepoints(match_key(row.text).text), scheme.k, scheme.seed)
            query, weight = np.unique(hashes, return_counts=True)
            for h, w in zip(query.tolist(), weight.tolist()):
                yield (row.n, h, w, len(hashes))

    return run


def _cosine_fn(scheme, idf_b, drafts_b):
    """Per corpus partition, each draft's best few documents by TF-IDF cosine (:meth:`Retriever.cosine`)."""

    def run(batches):
        import pyarrow as pa
        import scipy.sparse as sp

        from dupcheck.matchkey import match_key
        from dupcheck.normalize import codepoints
        from dupcheck.retrieve import Retriever, weigh

        idf, drafts = idf_b.value, drafts_b.value
        codes = [(n, codepoints(match_key(text).text)) for n, text in drafts]
        out_d, out_doc, out_cos = [], [], []
        for batch in batches:
            table = pa.Table.from_batches([batch]).sort_by("doc")
            docs = np.array(table.column("doc").to_pylist(), dtype=np.int64)
            if len(docs) == 0:
                continue
            bids, counts = table.column("bids").combine_chunks(), table.column("bcounts").combine_chunks()
            indptr = np.concatenate([[0], np.cumsum(bids.value_lengths().to_numpy(zero_copy_only=False))]).astype(
                np.int64
            )
            flat_ids = bids.flatten().to_numpy(zero_copy_only=False).astype(np.int32)
            flat_counts = counts.flatten().to_numpy(zero_copy_only=False).astype(np.float32)
            matrix = sp.csr_matrix((flat_counts, flat_ids, indptr), shape=(len(docs), scheme.bigrams))
            part = Retriever(
                docs, np.zeros(0, np.uint32), np.zeros(0, np.int32), weigh(matrix, idf).tocsc(), idf, scheme, max_df=1
            )
            for n, c in codes:
                cosine = part.cosine(c)
                top = [
                    int(r) for r in np.argsort(-cosine, kind="stable")[:CANDIDATE_BY_COSINE] if cosine[r] > MIN_COSINE
                ]
                out_d += [n] * len(top)
                out_doc += docs[top].tolist()
                out_cos += [float(cosine[r]) for r in top]
        yield pa.RecordBatch.from_pydict(
            {
                "n": pa.array(out_d, pa.int64()),
                "doc": pa.array(out_doc, pa.int64()),
                "cosine": pa.array(out_cos, pa.float64()),
            }
        )

    return run


def _report_fn(params, threshold: float, corpus: str, checked_at: str):
    def run(rows: Iterator) -> Iterator[tuple]:
        from dupcheck.api import draft_report
        from dupcheck.credit import Source
        from dupcheck.matchkey import match_key

        for row in rows:
            sources = [Source.prepare(c.doc, c.text, params) for c in (row.cands or [])]
            meta = {c.doc: (c.title, c.path) for c in (row.cands or [])}
            report = draft_report(
                row.text,
                match_key(row.text),
                sources,
                meta.__getitem__,
                params=params,
                path=row.path,
                threshold=threshold,
                corpus=corpus,
                checked_at=checked_at,
            )
            yield (row.n, json.dumps(report.to_dict(), ensure_ascii=False), bool(report.flagged))

    return run


def check(spark, docs: Documents, drafts: list[str], *, threshold: float = 0.8) -> Iterator[dict]:
    """Check many drafts against ``docs`` on Spark; yields ``Report.to_dict()`` / ``Skipped.to_dict()`` in order."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from dupcheck.align import AlignParams
    from dupcheck.api import check_threshold
    from dupcheck.fingerprint import Scheme
    from dupcheck.retrieve import smooth_idf

    threshold = check_threshold(threshold)
    params, scheme = AlignParams(), Scheme.current()
    sc = spark.sparkContext
    rows = sc.parallelize(list(enumerate(drafts)), max(1, min(len(drafts), sc.defaultParallelism * 2)))
    frame = spark.createDataFrame(
        rows.mapPartitions(_draft_rows(drafts)), "n long, path string, text string, error string"
    ).persist()
    readable = frame.filter(F.col("error").isNull()).select("n", "path", "text").persist()
    n_docs = docs.count
    # Containment: the draft's k-gram hashes joined against the corpus' rare fingerprints.
    features = (
        docs.frame.select("id", "path", "text")
        .mapInArrow(
            _postings_fn(scheme, with_bigrams=True), "doc long, fps array<long>, bids array<int>, bcounts array<int>"
        )
        .persist()
    )
    post = features.select("doc", F.explode("fps").alias("fp"))
    max_df = max_df_of(n_docs)
    rare = post.join(post.groupBy("fp").agg(F.count("*").alias("df")).filter(F.col("df") <= max_df).select("fp"), "fp")
    hashes = spark.createDataFrame(
        readable.rdd.mapPartitions(_draft_hashes(scheme)), "n long, fp long, w long, total long"
    )
    contained = (
        hashes.join(rare, "fp")
        .groupBy("n", "doc")
        .agg((F.sum("w") / F.first("total")).alias("containment"))
        .filter(F.col("containment") >= MIN_CONTAINMENT)
    )
    by_containment = Window.partitionBy("n").orderBy(F.desc("containment"), "doc")
    chosen = (
        contained.withColumn("r", F.row_number().over(by_containment))
        .filter(F.col("r") <= CANDIDATE_LIMIT)
        .select("n", "doc")
    )
    # Cosine: the idf from the corpus' bigram document frequencies, then a scan of the corpus partitions.
    df_rows = features.select(F.explode("bids").alias("b")).groupBy("b").count().collect()
    dfreq = np.zeros(scheme.bigrams, dtype=np.int64)
    for r in df_rows:
        dfreq[r["b"]] = r["count"]
    idf_b = sc.broadcast(smooth_idf(dfreq, n_docs))
    drafts_b = sc.broadcast([(r.n, r.text) for r in readable.select("n", "text").collect()])
    cos = features.select("doc", "bids", "bcounts").mapInArrow(
        _cosine_fn(scheme, idf_b, drafts_b), "n long, doc long, cosine double"
    )
    by_cosine = Window.partitionBy("n").orderBy(F.desc("cosine"), "doc")
    cos_top = (
        cos.withColumn("r", F.row_number().over(by_cosine)).filter(F.col("r") <= CANDIDATE_BY_COSINE).select("n", "doc")
    )
    cands = chosen.union(cos_top).distinct()
    # Alignment and crediting, one draft a row, on the executors.
    sources = cands.join(docs.frame.withColumnRenamed("id", "doc"), "doc")
    grouped = sources.groupBy("n").agg(F.collect_list(F.struct("doc", "path", "title", "text")).alias("cands"))
    work = readable.join(grouped, "n", "left")
    checked_at = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
    reports = work.rdd.mapPartitions(_report_fn(params, threshold, docs.name, checked_at))
    out = spark.createDataFrame(reports, "n long, report string, flagged boolean")
    errors = frame.filter(F.col("error").isNotNull()).select(
        "n",
        F.to_json(F.struct(F.lit(SCHEMA_VERSION).alias("schema"), "path", F.col("error"))).alias("report"),
        F.lit(False).alias("flagged"),
    )
    for row in out.union(errors).orderBy("n").toLocalIterator():
        yield json.loads(row.report)


def run_check(args) -> int:
    """``dupcheck check --engine spark DRAFTS``: one JSON line per draft (to --out or stdout)."""
    from dupcheck.api import check_threshold

    if args.html or args.annotate:
        raise DupcheckError("--engine spark 只输出 JSON 行 (JSON lines only; no --html/--annotate)")
    threshold = args.threshold if args.threshold is not None else _env_threshold(0.8)
    check_threshold(threshold)
    spark = session(args.spark_master)
    db = args.db or os.environ.get("DUPCHECK_DB")
    if db:
        docs = read_documents(spark, db)
    else:
        from dupcheck.api import Index

        with Index.default() as index:
            docs = _from_index(spark, index)
    target = open(args.out or args.output, "w", encoding="utf-8") if (args.out or args.output) else sys.stdout
    flagged = skipped = False
    try:
        for d in check(spark, docs, list(args.drafts), threshold=threshold):
            target.write(json.dumps(d, ensure_ascii=False) + "\n")
            flagged |= bool(d.get("flagged"))
            skipped |= "error" in d
    finally:
        if target is not sys.stdout:
            target.close()
    return 1 if flagged else 2 if skipped else 0
