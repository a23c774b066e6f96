"""Batch audit: every pair of documents in a collection that copy each other, without comparing all pairs.

1. **Candidate pairs from shared fingerprints.** The index's winnowed fingerprints form a sparse
   document × fingerprint matrix; one sparse product counts the fingerprints every pair of
   documents shares (fingerprints found in very many documents — boilerplate — left out). A pair
   is a candidate when the shared fingerprints cover enough of either document's fingerprints.
   Winnowing keeps fewer fingerprints in edited text, so the candidate bar is well below the
   audit threshold; the exact stage decides.
2. **Exact stage.** Each candidate pair is aligned once (:func:`dupcheck.align.align`), which
   gives both directions: the share of A inside passages copied from B, and of B inside them.
3. **Groups.** Documents linked by pairs over the threshold form connected components, largest
   first — families of texts that copy each other.

The per-pair kernel :func:`pair_rates` is a top-level function over strings, so the same work can
run in a process pool here or in Spark's ``mapPartitions`` on a cluster.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from dupcheck.align import AlignParams, SeedTable, align
from dupcheck.fingerprint import Scheme, kgram_hashes
from dupcheck.normalize import Normalized, codepoints, nonspace_mask
from dupcheck.safety import worker_init
from dupcheck.credit import Source
from dupcheck.matchkey import match_key


@dataclass(frozen=True)
class AuditPair:
    """Two documents that copy each other: ``rate_ab`` is the share of A found in B, and back."""

    a: int
    b: int
    path_a: str
    path_b: str
    title_a: str
    title_b: str
    rate_ab: float
    rate_ba: float
    shared_chars_a: int  # characters of A inside passages shared with B
    shared_chars_b: int
    longest_passage: int  # characters of A in the longest shared passage

    @property
    def rate(self) -> float:
        return max(self.rate_ab, self.rate_ba)


@dataclass(frozen=True)
class AuditResult:
    threshold: float
    documents: int
    candidates: int  # pairs aligned exactly
    pairs: tuple[AuditPair, ...]  # over the threshold, highest rate first
    groups: tuple[tuple[int, ...], ...]  # document ids, largest group first

    def to_dict(self) -> dict:
        return {
            "threshold": self.threshold,
            "documents": self.documents,
            "candidates": self.candidates,
            "pairs": [{**asdict(p), "rate_ab": round(p.rate_ab, 6), "rate_ba": round(p.rate_ba, 6)} for p in self.pairs],
            "groups": [list(g) for g in self.groups],
        }


def _nonspace_prefix(text: str) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(nonspace_mask(text))])


def _covered_chars(key: Normalized, prefix: np.ndarray, spans: list[tuple[int, int]]) -> tuple[int, int]:
    """(non-whitespace characters in the union of key spans, in the longest span)."""
    if not spans:
        return 0, 0
    marks = np.zeros(len(prefix), dtype=np.int32)
    longest = 0
    for k0, k1 in spans:
        o0, o1 = int(key.starts[k0]), int(key.ends[k1 - 1])
        marks[o0] += 1
        marks[o1] -= 1
        longest = max(longest, int(prefix[o1] - prefix[o0]))
    inside = np.cumsum(marks)[:-1] > 0
    return int(np.diff(prefix)[inside].sum()), longest


def pair_rates(text_a: str, key_a: Normalized, text_b: str, key_b: Normalized,
               params: AlignParams = AlignParams(), *, seeds_b: SeedTable | None = None) -> tuple[float, float, int, int, int]:
    """(share of A copied from B, share of B copied into A, chars of A, chars of B, longest passage)."""
    matches = align(key_a.text, key_b.text, params, seeds=seeds_b)
    pa, pb = _nonspace_prefix(text_a), _nonspace_prefix(text_b)
    chars_a, longest = _covered_chars(key_a, pa, [(m.d0, m.d1) for m in matches])
    chars_b, _ = _covered_chars(key_b, pb, [(m.s0, m.s1) for m in matches if m.s1 > m.s0])
    total_a, total_b = int(pa[-1]), int(pb[-1])
    return (chars_a / total_a if total_a else 0.0, chars_b / total_b if total_b else 0.0, chars_a, chars_b, longest)


SHORT_FINGERPRINTS = 256  # about 1,100 characters: winnowing keeps 2 / (w + 1) of the 8-grams


def candidate_pairs(retriever, *, min_share: float, min_shared: int = 3) -> np.ndarray:
    """Rows ``(i, j)``, i < j, of document pairs sharing enough fingerprints to be worth aligning.

    Fingerprints found in more than ``retriever.max_df`` documents (boilerplate) do not count,
    except for short documents and documents made mostly of them: there a few stock provisions
    (a promulgation note, 第一章 总则 and a purpose clause) can be half the text, so those are
    compared on all their fingerprints, or such pairs would never become candidates.
    """
    n = len(retriever.doc_ids)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    hashes, owners = retriever.hashes, retriever.owners
    new = np.ones(len(hashes), dtype=bool)
    new[1:] = hashes[1:] != hashes[:-1]
    column = np.cumsum(new) - 1
    df = np.bincount(column)
    everything = sp.csr_matrix((np.ones(len(hashes), dtype=np.int32), (owners, column)), shape=(n, int(column[-1]) + 1))
    everything.data[:] = 1
    rare = (everything @ sp.diags((df <= retriever.max_df).astype(np.int32), dtype=np.int32)).tocsr()
    rare.eliminate_zeros()
    sizes_all = np.asarray(everything.sum(axis=1)).ravel().astype(np.float64)
    sizes = np.asarray(rare.sum(axis=1)).ravel().astype(np.float64)

    def chosen_pairs(shared: sp.coo_matrix, size_i: np.ndarray, size_j: np.ndarray) -> np.ndarray:
        i, j, count = shared.row, shared.col, shared.data
        share = np.maximum(count / np.maximum(size_i[i], 1), count / np.maximum(size_j[j], 1))
        keep = (count >= min_shared) & (share >= min_share)
        return np.stack([i[keep], j[keep]], axis=1).astype(np.int64)

    pairs = [chosen_pairs(sp.triu(rare @ rare.T, k=1).tocoo(), sizes, sizes)]
    weak = np.flatnonzero((sizes < 0.5 * sizes_all) | (sizes_all < SHORT_FINGERPRINTS))
    if len(weak):
        shared = (everything[weak] @ everything.T).tocoo()
        rows = chosen_pairs(shared, sizes_all[weak], sizes_all)
        rows[:, 0] = weak[rows[:, 0]]
        rows = rows[rows[:, 0] != rows[:, 1]]
        pairs.append(np.sort(rows, axis=1))
    return np.unique(np.concatenate(pairs), axis=0)


def _short_screen_key(text: str, k: int) -> np.ndarray:
    """Distinct k-gram hashes of a text's matching key, shifted up 16 bits (the low 16 carry the row)."""
    hashes = kgram_hashes(codepoints(match_key(text).text), k, Scheme.seed)
    return np.unique(hashes.astype(np.uint64) << np.uint64(16))


def short_document_pairs(screens: list[np.ndarray], short_rows: np.ndarray, *, min_share: float) -> np.ndarray:
    """Pairs ``(i, j)`` of a short document and any document holding ``min_share`` of its k-grams.

    Fingerprints are too sparse to see that half of a 400-character text of stock clauses recurs,
    in runs of 6–14 characters, in a long regulation; the full k-gram sets do. ``screens`` are the
    documents' :func:`_short_screen_key` arrays, by row.
    """
    n = len(screens)
    if n < 2 or len(short_rows) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    table = np.sort(np.concatenate([h | np.uint64(row) for row, h in enumerate(screens)]))
    found = []
    for row in short_rows.tolist():
        grams = screens[row]
        if len(grams) == 0:
            continue
        left = np.searchsorted(table, grams, "left")
        count = np.searchsorted(table, grams | np.uint64(0xFFFF), "right") - left
        total = int(count.sum())
        within = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
        owners = (table[np.repeat(left, count) + within] & np.uint64(0xFFFF)).astype(np.int64)
        share = np.bincount(owners, minlength=n) / len(grams)
        share[row] = 0
        partners = np.flatnonzero(share >= min_share)
        found.append(np.stack([np.full(len(partners), row), partners], axis=1))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    return np.unique(np.sort(np.concatenate(found), axis=1), axis=0).astype(np.int64)


_WORK: dict = {}  # texts and keys for forked workers (copy-on-write), keyed by row


def _screen_rows(rows: list[int]) -> list[tuple[int, np.ndarray]]:
    texts, k = _WORK["texts"], _WORK["k"]
    return [(row, _short_screen_key(texts[row], k)) for row in rows]


def _pool_map(fn, items: list, workers: int, progress=None, total: int | None = None) -> list:
    """``fn`` over chunks of ``items`` in a fork pool (sharing ``_WORK``), or in this process."""
    chunks = [items[k : k + 64] for k in range(0, len(items), 64)]
    out: list = []
    if workers > 1 and len(chunks) > 1 and "fork" in multiprocessing.get_all_start_methods():
        with multiprocessing.get_context("fork").Pool(workers, initializer=worker_init) as pool:
            for part in pool.imap_unordered(fn, chunks):
                out.extend(part)
                if progress:
                    progress(len(out), total or len(items))
    else:
        for chunk in chunks:
            out.extend(fn(chunk))
            if progress:
                progress(len(out), total or len(items))
    return out


def _align_rows(rows: list[tuple[int, int]]) -> list[tuple[int, int, tuple]]:
    sources, params = _WORK["sources"], _WORK["params"]
    out = []
    for i, j in rows:
        a, b = sources[i], sources[j]
        out.append((i, j, pair_rates(a.text, a.key, b.text, b.key, params, seeds_b=b.seeds)))
    return out


def audit_index(index, *, threshold: float = 0.5, progress: Callable[[int, int], None] | None = None,
                workers: int | None = None, candidate_share: float | None = None) -> AuditResult:
    """All pairs of documents in ``index`` whose copy rate (either direction) is at or over ``threshold``."""
    from dupcheck.api import check_threshold

    threshold = check_threshold(threshold)
    retriever = index.retriever()
    doc_ids = retriever.doc_ids
    rows = index.documents()
    info = {r.id: r for r in rows}
    # Fingerprints survive edits and masking less often than characters do: a pair at rate r
    # shares roughly r/3 of its fingerprints or more in the heavily edited cases we measured.
    share = candidate_share if candidate_share is not None else max(0.02, threshold / 4)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    cands = candidate_pairs(retriever, min_share=share)
    short = np.flatnonzero(np.bincount(retriever.owners, minlength=len(doc_ids)) < SHORT_FINGERPRINTS)
    texts = {}
    if len(short):
        # Short documents are screened on all their k-grams against every document.
        texts = {row: index.store.text(int(doc_ids[row])) for row in range(len(doc_ids))}
        _WORK.update(texts=texts, k=index.params.k)
        try:
            screens = dict(_pool_map(_screen_rows, list(range(len(doc_ids))), workers))
        finally:
            _WORK.clear()
        # The true pairs of short documents in the exhaustive sample share 12% of the short one's
        # 6-grams at the least (their 50-60% come from runs chained across gaps): screen at rate / 5.
        extra = short_document_pairs([screens[r] for r in range(len(doc_ids))], short, min_share=threshold / 5)
        cands = np.unique(np.concatenate([cands, extra]), axis=0) if len(extra) else cands
    needed = sorted(set(cands.ravel().tolist()))
    sources = {row: Source.prepare(int(doc_ids[row]), texts.get(row) or index.store.text(int(doc_ids[row])), index.params)
               for row in needed}
    _WORK.update(sources=sources, params=index.params)
    pairs_rows = [tuple(map(int, r)) for r in cands]
    total = len(pairs_rows)
    if progress:
        progress(0, total)
    try:
        results = _pool_map(_align_rows, pairs_rows, workers, progress, total)
    finally:
        _WORK.clear()
    pairs = []
    for i, j, (rate_ab, rate_ba, chars_a, chars_b, longest) in results:
        if max(rate_ab, rate_ba) < threshold:
            continue
        a, b = info[int(doc_ids[i])], info[int(doc_ids[j])]
        pairs.append(AuditPair(a.id, b.id, a.path, b.path, a.title, b.title, rate_ab, rate_ba, chars_a, chars_b, longest))
    pairs.sort(key=lambda p: (-p.rate, p.a, p.b))
    return AuditResult(threshold, len(rows), total, tuple(pairs), _groups(pairs))


def _groups(pairs: list[AuditPair]) -> tuple[tuple[int, ...], ...]:
    if not pairs:
        return ()
    ids = sorted({p.a for p in pairs} | {p.b for p in pairs})
    pos = {d: k for k, d in enumerate(ids)}
    graph = sp.coo_matrix((np.ones(len(pairs)), ([pos[p.a] for p in pairs], [pos[p.b] for p in pairs])),
                          shape=(len(ids), len(ids)))
    _, labels = connected_components(graph, directed=False)
    groups: dict[int, list[int]] = {}
    for d, label in zip(ids, labels):
        groups.setdefault(int(label), []).append(d)
    return tuple(tuple(g) for g in sorted(groups.values(), key=lambda g: (-len(g), g[0])))


def render_audit(result: AuditResult, fmt: str = "text") -> str:
    """The audit as text (Chinese headings), JSON, or CSV (one row a pair)."""
    if fmt == "json":
        return json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["path_a", "path_b", "title_a", "title_b", "rate_ab", "rate_ba", "shared_chars_a",
                         "shared_chars_b", "longest_passage"])
        for p in result.pairs:
            writer.writerow([p.path_a, p.path_b, p.title_a, p.title_b, f"{p.rate_ab:.4f}", f"{p.rate_ba:.4f}",
                             p.shared_chars_a, p.shared_chars_b, p.longest_passage])
        return out.getvalue()
    if fmt != "text":
        raise ValueError(f"unknown audit format {fmt!r} (text, json, csv)")
    titles = {p.a: p.title_a for p in result.pairs} | {p.b: p.title_b for p in result.pairs}
    lines = [
        f"批量查重 (audit): {result.documents} 篇文档, 阈值 {result.threshold:.0%}, "
        f"精确比对 {result.candidates} 对, 超过阈值 {len(result.pairs)} 对, 相互复制的文档组 {len(result.groups)} 个",
        "",
    ]
    for p in result.pairs:
        lines.append(f"{p.rate_ab:6.1%} {p.rate_ba:6.1%}  {p.title_a}  ⇄  {p.title_b}  "
                     f"(共有 {p.shared_chars_a}/{p.shared_chars_b} 字, 最长段落 {p.longest_passage} 字)")
    if result.groups:
        lines += ["", "文档组 (groups, largest first):"]
        for n, group in enumerate(result.groups, 1):
            lines.append(f"  {n}. " + "；".join(titles[d] for d in group))
    return "\n".join(lines) + "\n"
