"""Batch audit: every pair of documents in a collection that copy each other, without comparing all pairs.

1. **Candidate pairs from shared fingerprints.** The index's winnowed fingerprints form a sparse
   document × fingerprint matrix; one sparse product counts the fingerprints every pair of
   documents shares (fingerprints found in very many documents — boilerplate — left out). A pair
   is a candidate when the shared fingerprints cover enough of either document's fingerprints.
   Winnowing keeps fewer fingerprints in edited text, so the candidate bar is well below the
   audit threshold; the exact stage decides.
2. **Exact stage, best-first.** A candidate pair is aligned once (:func:`dupcheck.align.align`),
   which gives both directions: the share of A inside passages copied from B, and of B inside
   them. In families of near-duplicates (revisions, every province's regulation on one subject)
   nearly every pair of the family is a candidate, so each document aligns its candidates in
   order of shared fingerprints and stops after a few in a row fall short (:func:`best_first`):
   the work grows with the documents and the reported pairs, not with the square of a family.
3. **Groups.** Documents linked by pairs over the threshold form connected components, largest
   first — families of texts that copy each other.

The per-pair kernel :func:`pair_rates` is a top-level function over strings, so the same work can
run in a process pool here or in Spark's ``mapPartitions`` on a cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from dupcheck import pool
from dupcheck.align import AlignParams, SeedTable, align
from dupcheck.credit import Source
from dupcheck.fingerprint import Scheme, gather, kgram_hashes
from dupcheck.matchkey import match_key_with_spans
from dupcheck.normalize import Normalized, codepoints, nonspace_mask


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
    candidate_pairs: int = 0  # pairs sharing enough fingerprints (the aligned ones are chosen among them)

    def to_dict(self) -> dict:
        return {
            "threshold": self.threshold,
            "documents": self.documents,
            "candidates": self.candidates,
            "candidate_pairs": self.candidate_pairs,
            "pairs": [
                {**asdict(p), "rate_ab": round(p.rate_ab, 6), "rate_ba": round(p.rate_ba, 6)} for p in self.pairs
            ],
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


def pair_rates(
    text_a: str,
    key_a: Normalized,
    text_b: str,
    key_b: Normalized,
    params: AlignParams = AlignParams(),
    *,
    seeds_a: SeedTable | None = None,
    seeds_b: SeedTable | None = None,
    prefixes: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[float, float, int, int, int]:
    """(share of A copied from B, share of B copied into A, chars of A, chars of B, longest passage).

    A caller that meets the texts again may keep their seed tables and :func:`_nonspace_prefix`
    arrays (``prefixes``: A's, B's)."""
    matches = align(key_a.text, key_b.text, params, seeds=seeds_b, draft_seeds=seeds_a)
    pa, pb = prefixes if prefixes is not None else (_nonspace_prefix(text_a), _nonspace_prefix(text_b))
    chars_a, longest = _covered_chars(key_a, pa, [(m.draft_start, m.draft_end) for m in matches])
    chars_b, _ = _covered_chars(
        key_b, pb, [(m.source_start, m.source_end) for m in matches if m.source_end > m.source_start]
    )
    total_a, total_b = int(pa[-1]), int(pb[-1])
    return (chars_a / total_a if total_a else 0.0, chars_b / total_b if total_b else 0.0, chars_a, chars_b, longest)


SHORT_FINGERPRINTS = 256  # about 1,100 characters: winnowing keeps 2 / (w + 1) of the 8-grams
AUDIT_MIN_DF = 100


def audit_max_df(n_documents: int) -> int:
    """The audit's boilerplate cut: a fingerprint in more than this many documents does not make
    candidates. 5% of the documents, as in retrieval, but never under :data:`AUDIT_MIN_DF`.

    Retrieval's floor of 20 would count the shared articles of a family of more than 20 siblings
    and revisions (every province's regulation on one subject) as boilerplate, and sibling pairs
    copying each other only through them would never be aligned: 56 of the 281 pairs of a
    150-document sample of the scaling corpus. A fingerprint in d documents adds at most d² / 2
    pairs to the product, so in collections under 2,000 documents, where 5% is under 100, the
    higher floor costs little."""
    return max(AUDIT_MIN_DF, n_documents // 20) if n_documents else 1


PATIENCE = 4  # a document's candidates are aligned best-first until this many in a row fall short


def candidate_pairs(
    hashes: np.ndarray, owners: np.ndarray, n: int, *, max_df: int, min_share: float, min_shared: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """Document pairs sharing enough fingerprints to be worth aligning: rows ``(i, j)``, i < j, and
    each pair's share (shared fingerprints / the smaller document's), by which they are ranked.

    ``hashes`` (sorted) and ``owners`` (document row of each) are every document's fingerprints.
    Fingerprints found in more than ``max_df`` documents (boilerplate) do not count, except for
    short documents and documents made mostly of them: there a few stock provisions (a
    promulgation note, 第一章 总则 and a purpose clause) can be half the text, so those are
    compared on all their fingerprints, or such pairs would never become candidates.
    """
    if n < 2 or len(hashes) == 0:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0)
    new = np.ones(len(hashes), dtype=bool)
    new[1:] = hashes[1:] != hashes[:-1]
    column = np.cumsum(new) - 1
    df = np.bincount(column)
    everything = sp.csr_matrix((np.ones(len(hashes), dtype=np.int32), (owners, column)), shape=(n, int(column[-1]) + 1))
    everything.data[:] = 1
    rare = (everything @ sp.diags((df <= max_df).astype(np.int32), dtype=np.int32)).tocsr()
    rare.eliminate_zeros()
    sizes_all = np.asarray(everything.sum(axis=1)).ravel().astype(np.float64)
    sizes = np.asarray(rare.sum(axis=1)).ravel().astype(np.float64)

    def chosen_pairs(shared: sp.coo_matrix, size_i: np.ndarray, size_j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i, j, count = shared.row, shared.col, shared.data
        share = np.maximum(count / np.maximum(size_i[i], 1), count / np.maximum(size_j[j], 1))
        keep = (count >= min_shared) & (share >= min_share)
        return np.stack([i[keep], j[keep]], axis=1).astype(np.int64), share[keep]

    found = [chosen_pairs(sp.triu(rare @ rare.T, k=1).tocoo(), sizes, sizes)]
    weak = np.flatnonzero((sizes < 0.5 * sizes_all) | (sizes_all < SHORT_FINGERPRINTS))
    if len(weak):
        rows, share = chosen_pairs((everything[weak] @ everything.T).tocoo(), sizes_all[weak], sizes_all)
        rows[:, 0] = weak[rows[:, 0]]
        keep = rows[:, 0] != rows[:, 1]
        found.append((np.sort(rows[keep], axis=1), share[keep]))
    return _best_share(np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found]))


def _best_share(pairs: np.ndarray, share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct pairs (sorted), each with the largest share it was found with."""
    if len(pairs) == 0:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0)
    order = np.lexsort((-share, pairs[:, 1], pairs[:, 0]))
    pairs, share = pairs[order], share[order]
    first = np.ones(len(pairs), dtype=bool)
    first[1:] = (pairs[1:] != pairs[:-1]).any(axis=1)
    return pairs[first], share[first]


def _short_screen_key(text: str, k: int, seed: int, spans: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Distinct k-gram hashes of a text's matching key, shifted up 16 bits (the low 16 carry the
    row), and the key's :func:`~dupcheck.matchkey.mask_spans` (alignment needs the key again):
    ``spans`` if given (stored in the index), else computed."""
    key, spans = match_key_with_spans(text, spans)
    hashes = kgram_hashes(codepoints(key.text), k, seed)
    return np.unique(hashes.astype(np.uint64) << np.uint64(16)), spans


def short_document_pairs(
    screens: list[np.ndarray], short_rows: np.ndarray, *, min_share: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(i, j)`` of a short document and any document holding ``min_share`` of its k-grams,
    each with that share (the larger of the two, where both are short).

    Fingerprints are too sparse to see that half of a 400-character text of stock clauses recurs,
    in runs of 6–14 characters, in a long regulation; the full k-gram sets do. ``screens`` are the
    documents' :func:`_short_screen_key` hashes, by row.
    """
    n = len(screens)
    none = np.zeros((0, 2), dtype=np.int64), np.zeros(0)
    if n < 2 or len(short_rows) == 0:
        return none
    table = np.sort(np.concatenate([h | np.uint64(row) for row, h in enumerate(screens)]))
    found, shares = [], []
    for row in short_rows.tolist():
        grams = screens[row]
        if len(grams) == 0:
            continue
        left = np.searchsorted(table, grams, "left")
        count = np.searchsorted(table, grams | np.uint64(0xFFFF), "right") - left
        owners = (gather(table, left, count) & np.uint64(0xFFFF)).astype(np.int64)
        share = np.bincount(owners, minlength=n) / len(grams)
        share[row] = 0
        partners = np.flatnonzero(share >= min_share)
        found.append(np.stack([np.full(len(partners), row), partners], axis=1))
        shares.append(share[partners])
    if not found:
        return none
    return _best_share(np.sort(np.concatenate(found), axis=1).astype(np.int64), np.concatenate(shares))


def _screen_row(row: int, shared: tuple) -> tuple[int, np.ndarray, np.ndarray]:
    texts, spans, k, seed = shared
    return row, *_short_screen_key(texts[row], k, seed, spans[row])


@dataclass(frozen=True, eq=False)
class _Prepared:
    source: Source
    prefix: np.ndarray  # _nonspace_prefix of the text


class _SourceCache:
    """Sources prepared for alignment in a worker, the most recent few kept (pairs come sorted by
    row, and the worker processes live for the whole audit)."""

    def __init__(self, texts: list[str], spans: list[np.ndarray | None], params: AlignParams, size: int = 256) -> None:
        self.texts, self.spans, self.params, self.size = texts, spans, params, size
        self.cache: dict[int, _Prepared] = {}

    def get(self, row: int) -> _Prepared:
        entry = self.cache.pop(row, None)
        if entry is None:
            text = self.texts[row]
            entry = _Prepared(Source.prepare(row, text, self.params, self.spans[row]), _nonspace_prefix(text))
        self.cache[row] = entry
        if len(self.cache) > self.size:
            self.cache.pop(next(iter(self.cache)))
        return entry


_CACHE: dict[int, _SourceCache] = {}  # one per worker process and audit (keyed by id of the shared texts)


def _align_pair(pair: tuple[int, int], shared: tuple) -> tuple[int, int, tuple]:
    texts, spans, params = shared
    cache = _CACHE.get(id(texts))
    if cache is None:
        _CACHE.clear()
        cache = _CACHE[id(texts)] = _SourceCache(texts, spans, params)
    i, j = pair
    a, b = cache.get(i), cache.get(j)
    sa, sb = a.source, b.source
    return (
        i,
        j,
        pair_rates(
            sa.text, sa.key, sb.text, sb.key, params, seeds_a=sa.seeds, seeds_b=sb.seeds, prefixes=(a.prefix, b.prefix)
        ),
    )


def best_first(
    pairs: np.ndarray,
    share: np.ndarray,
    n: int,
    rate_of: Callable[[list[tuple[int, int]]], list[float]],
    *,
    threshold: float,
    patience: int = PATIENCE,
) -> dict[tuple[int, int], float]:
    """Align candidate pairs best-first per document, and stop a document after ``patience`` misses in a row.

    Every document ranks its candidates by share (highest first). In rounds, each document that is
    still looking proposes its next ``patience`` candidates not aligned yet; ``rate_of`` aligns them
    (a batch) and returns each pair's rate. A document stops when the last ``patience`` of its
    ranked candidates that were aligned all fell under ``threshold``. A pair is aligned when either
    of its documents reaches it, so it has two chances. The work is the reported pairs plus at most
    ``patience`` misses per document (and a few per round), not every pair of a family.
    """
    if len(pairs) == 0:
        return {}
    ends = np.concatenate([pairs[:, 0], pairs[:, 1]])
    other = np.concatenate([pairs[:, 1], pairs[:, 0]])
    score = np.concatenate([share, share])
    order = np.lexsort((other, -score, ends))
    ends, other = ends[order], other[order]
    start = np.searchsorted(ends, np.arange(n + 1))
    lists = [other[start[d] : start[d + 1]].tolist() for d in range(n)]
    position = [0] * n
    misses = [0] * n
    rates: dict[tuple[int, int], float] = {}
    active = [d for d in range(n) if lists[d]]
    while active:
        proposed: dict[tuple[int, int], None] = {}
        for d in active:
            taken = 0
            lst = lists[d]
            while position[d] + taken < len(lst) and taken < patience:
                e = lst[position[d] + taken]
                key = (d, e) if d < e else (e, d)
                if key not in rates:
                    proposed[key] = None
                taken += 1
        batch = sorted(proposed)
        for key, rate in zip(batch, rate_of(batch)):
            rates[key] = rate
        still = []
        for d in active:
            lst = lists[d]
            while position[d] < len(lst):
                e = lst[position[d]]
                key = (d, e) if d < e else (e, d)
                if key not in rates:
                    break
                misses[d] = misses[d] + 1 if rates[key] < threshold else 0
                position[d] += 1
                if misses[d] >= patience:
                    break
            if position[d] < len(lst) and misses[d] < patience:
                still.append(d)
        active = still
    return rates


def audit_collection(
    documents: list,
    hashes: np.ndarray,
    owners: np.ndarray,
    text_of: Callable[[int], str],
    *,
    scheme: Scheme,
    params: AlignParams,
    threshold: float,
    max_df: int,
    progress: Callable[[str, int, int], None] | None = None,
    workers: int | None = None,
    candidate_share: float | None = None,
    exhaustive: bool = False,
    spans_of: Callable[[int], np.ndarray | None] | None = None,
) -> AuditResult:
    """All pairs of ``documents`` (rows, in the order of ``owners``' row numbers) whose copy rate in
    either direction is at or over ``threshold``; ``text_of(doc_id)`` gives a document's text, and
    ``spans_of(doc_id)`` its stored mask spans, or None (then they are computed).

    Stages (each reported to ``progress(stage, done, total)``): the texts are read; candidate pairs
    come from shared fingerprints (and, for short documents, from all their k-grams); candidates
    are aligned best-first per document (:func:`best_first`; ``exhaustive`` aligns every one);
    the pairs over the threshold form groups."""
    n = len(documents)
    report = progress or (lambda stage, done, total: None)
    # Fingerprints survive edits and masking less often than characters do: a pair at rate r
    # shares roughly r/3 of its fingerprints or more in the heavily edited cases we measured.
    share_bar = candidate_share if candidate_share is not None else max(0.02, threshold / 4)
    texts = []
    spans: list[np.ndarray | None] = []  # each text's mask spans: stored, or once the screen has them
    for row, d in enumerate(documents):
        texts.append(text_of(d.id))
        spans.append(spans_of(d.id) if spans_of is not None else None)
        if row % 256 == 0 or row == n - 1:
            report("读取文档", row + 1, n)
    report("候选文档对", 0, 1)
    cands, share = candidate_pairs(hashes, owners, n, max_df=max_df, min_share=share_bar)
    report("候选文档对", 1, 1)
    short = np.flatnonzero(np.bincount(owners, minlength=n) < SHORT_FINGERPRINTS)
    if len(short):
        # Short documents are screened on all their k-grams against every document.
        screens: list[np.ndarray] = [np.zeros(0, dtype=np.uint64)] * n
        for row, screen, kept in pool.imap(
            _screen_row,
            range(n),
            shared=(texts, spans, params.k, scheme.seed),
            workers=workers,
            chunksize=64,
            progress=lambda done, total: report("短文档筛查", done, total),
        ):
            screens[row], spans[row] = screen, kept
        # The true pairs of short documents in the exhaustive sample share 12% of the short one's
        # 6-grams at the least (their 50-60% come from runs chained across gaps): screen at rate / 5.
        extra, extra_share = short_document_pairs(screens, short, min_share=threshold / 5)
        del screens
        if len(extra):
            # Ranked by the share of the short document's k-grams the other holds. Ranked first
            # (share 1), a long document's short partners took its patience before its own
            # versions: 代表法 (2015) and (2025), 98% the same, were never aligned, behind five
            # short regulations that quote a few of its clauses.
            cands, share = _best_share(np.concatenate([cands, extra]), np.concatenate([share, extra_share]))
    aligned: dict[tuple[int, int], tuple] = {}
    done = [0]
    # One pool for every round: the workers' prepared sources outlive a round.
    workers_pool = pool.Workers((texts, spans, params), workers)

    def rate_of(batch: list[tuple[int, int]]) -> list[float]:
        total = done[0] + len(batch)
        out = []
        for i, j, r in workers_pool.imap(
            _align_pair,
            batch,
            chunksize=32,
            progress=lambda k, _t: report("精确比对", done[0] + k, total),
        ):
            aligned[(i, j)] = r
            out.append(max(r[0], r[1]))
        done[0] = total
        return out

    with workers_pool:
        if exhaustive:
            rate_of([(int(i), int(j)) for i, j in cands])
        else:
            best_first(cands, share, n, rate_of, threshold=threshold)
    pairs = []
    for (i, j), (rate_ab, rate_ba, chars_a, chars_b, longest) in aligned.items():
        if max(rate_ab, rate_ba) < threshold:
            continue
        a, b = documents[i], documents[j]
        pairs.append(
            AuditPair(a.id, b.id, a.path, b.path, a.title, b.title, rate_ab, rate_ba, chars_a, chars_b, longest)
        )
    pairs.sort(key=lambda p: (-p.rate, p.a, p.b))
    report("分组", 0, 1)
    groups = groups_of([(p.a, p.b) for p in pairs])
    report("分组", 1, 1)
    return AuditResult(threshold, n, len(aligned), tuple(pairs), groups, len(cands))


def groups_of(edges: list[tuple[int, int]]) -> tuple[tuple[int, ...], ...]:
    """Connected components of the pairs ``(a, b)`` over the threshold, largest first (ties: smallest
    first id): the documents that copy each other. Every engine calls this."""
    if not edges:
        return ()
    ids = sorted({a for a, _ in edges} | {b for _, b in edges})
    pos = {d: k for k, d in enumerate(ids)}
    graph = sp.coo_matrix(
        (np.ones(len(edges)), ([pos[a] for a, _ in edges], [pos[b] for _, b in edges])), shape=(len(ids), len(ids))
    )
    _, labels = connected_components(graph, directed=False)
    groups: dict[int, list[int]] = {}
    for d, label in zip(ids, labels):
        groups.setdefault(int(label), []).append(d)
    return tuple(tuple(g) for g in sorted(groups.values(), key=lambda g: (-len(g), g[0])))


def group_view(result: AuditResult) -> list[dict]:
    """The groups of documents that copy each other, largest first: members, pairs and rates inside."""
    members = {p.a: (p.path_a, p.title_a) for p in result.pairs} | {p.b: (p.path_b, p.title_b) for p in result.pairs}
    group_of = {d: n for n, g in enumerate(result.groups) for d in g}
    inside: dict[int, list[AuditPair]] = {}
    for p in result.pairs:
        inside.setdefault(group_of[p.a], []).append(p)
    out = []
    for n, g in enumerate(result.groups):
        pairs = inside.get(n, [])
        out.append(
            {
                "group": n + 1,
                "documents": len(g),
                "pairs": len(pairs),
                "max_rate": round(max(p.rate for p in pairs), 6),
                "min_rate": round(min(p.rate for p in pairs), 6),
                "members": [{"id": d, "path": members[d][0], "title": members[d][1]} for d in g],
            }
        )
    return out
