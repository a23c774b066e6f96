"""Align a draft with one source: exact seeds, chained across small edits, verified by rapidfuzz.

Works on matching keys (see :mod:`dupcheck.matchkey`), so script, width, punctuation, whitespace,
issuer names and article numbers no longer differ. Four steps:

1. **Seeds.** Every k-gram of the draft is looked up among the k-grams of the source (64-bit
   hashes, vectorized); consecutive hits on one diagonal form a maximal exact match (MEM).
   k-grams that occur very often in the source (boilerplate such as 应当按照) are not seeds, and
   a MEM whose draft span lies inside a longer one's (a phrase the source repeats) is dropped.
2. **Chains.** MEMs are chained by dynamic programming in draft order: a MEM may follow another
   when both the draft gap and the source gap are at most ``max_gap`` characters and the two gaps
   differ by at most ``max_shift`` (an inserted or deleted sentence), so character edits, a swapped
   word or a dropped sentence do not break a passage, while articles copied out of order become
   separate passages (their source positions jump). The best chains are taken greedily, each MEM
   in at most one chain. A chain made of one phrase repeated out of step is that phrase, once.
3. **Verification.** Each chain is widened at both ends by an exact character alignment
   (rapidfuzz ``Indel.opcodes``) to recover characters that an edit kept from seeding, then kept
   only if it has enough exactly matched characters and its Indel similarity is high enough.
4. **Bridging.** Consecutive passages that continue each other inside one article (a sentence
   inserted or dropped that is longer than a chain's gap) become one passage; another article
   between them (a label in the gap) keeps them apart.

Precision comes from exact evidence: a passage needs an exact run of ``min_anchor`` key
characters, longer than the stock phrases every law shares, or at least ``min_seeds`` runs in
step at a similarity of ``min_seeded_similarity``. Recall on edited text comes from chaining and
the alignment at the ends. Why each threshold has its value, with the measurements that set it,
is in docs/quality.md ("Why align's thresholds are what they are"). Pure functions; no I/O.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import Indel

from dupcheck.fingerprint import gather, kgram_hashes64
from dupcheck.matchkey import MASKED_ARTICLE_LABEL, NUMBER


@dataclass(frozen=True)
class AlignParams:
    k: int = 6  # seed length in key characters
    max_occurrences: int = 16  # a k-gram found more often in one source is not a seed (24 → 16: −18% check time, same quality; 8 loses real pairs)
    max_gap: int = 72  # largest gap a chain bridges: a whole inserted or dropped sentence (≈30–70 chars)
    max_shift: int = 64  # largest difference between the draft gap and the source gap
    min_matched: int = 16  # exactly matched key characters a passage needs
    min_anchor: int = 14  # an exact run this long (longer than stock phrases such as 上一级市场监督管理部门) ...
    min_seeds: int = 3  # ... or this many exact runs in order
    min_seeded_similarity: float = (
        0.85  # ... at this similarity (10% edits keep ≈ 0.93; related regulations' own wording ≈ 0.80)
    )
    min_similarity: float = 0.65  # Indel similarity a passage needs (0.5 and 0.65 score alike on the benchmark; below 0.65 a promulgation note and a purpose clause of unrelated regulations chained into one 'passage')
    max_splits: int = 6  # a chain under the similarity bar is judged again in halves, this many times deep
    edge: int = 16  # how far alignment may extend a chain beyond its outer seeds
    edge_gap: int = 3  # largest unmatched run the edge extension steps over
    max_bridge: int = 144  # passages in step with gaps up to this (two sentences), no article label between, are one


@dataclass(frozen=True)
class KeyMatch:
    """A verified passage in key coordinates: ``draft[draft_start:draft_end]`` copies
    ``source[source_start:source_end]`` (as :class:`~dupcheck.report.Passage` in original ones)."""

    draft_start: int
    draft_end: int
    source_start: int
    source_end: int
    matched: int  # exactly matched key characters
    similarity: float


@dataclass(frozen=True, eq=False)
class SeedTable:
    """A source's k-gram hashes, sorted, with their positions: built once per source and reused
    (a batch of drafts keeps meeting the same sources)."""

    k: int
    hashes: np.ndarray  # uint64, sorted
    positions: np.ndarray  # source position of each sorted hash

    @classmethod
    def of(cls, source: str | np.ndarray, k: int) -> SeedTable:
        codes = np.frombuffer(source.encode("utf-32-le"), dtype=np.uint32) if isinstance(source, str) else source
        hashes = kgram_hashes64(codes, k)
        # Not a stable sort (5x faster): the positions of equal hashes may come in any order, as
        # every user sorts the matches it makes from them by diagonal and position.
        order = np.argsort(hashes)
        return cls(k, hashes[order], order.astype(np.int64))


def maximal_exact_matches(
    draft: np.ndarray | SeedTable, source: np.ndarray | SeedTable, k: int, max_occurrences: int
) -> np.ndarray:
    """MEMs of length >= k as an (n, 3) int64 array of (draft start, source start, length), sorted.

    Either side may come as its :class:`SeedTable` (a caller that meets a text again keeps one)."""
    table = source if isinstance(source, SeedTable) else SeedTable.of(source, k)
    mine = draft if isinstance(draft, SeedTable) else SeedTable.of(draft, k)
    hd, by_hash, hs_sorted, order = mine.hashes, mine.positions, table.hashes, table.positions
    if len(hd) == 0 or len(hs_sorted) == 0:
        return np.zeros((0, 3), dtype=np.int64)
    # The draft's k-grams are looked up in sorted order (each search starts where the last
    # ended: 4x faster than in draft order); most of them are not in a given source, so only
    # the hits are searched a second time for where their run of equal hashes ends.
    left = np.searchsorted(hs_sorted, hd, "left")
    hit = np.flatnonzero(hs_sorted[np.minimum(left, len(hs_sorted) - 1)] == hd)
    count = np.zeros(len(hd), dtype=np.int64)
    count[hit] = np.searchsorted(hs_sorted, hd[hit], "right") - left[hit]
    count[count > max_occurrences] = 0
    total = int(count.sum())
    if total == 0:
        return np.zeros((0, 3), dtype=np.int64)
    i = np.repeat(by_hash, count)  # draft positions, in the order of their hashes (sorted below)
    j = gather(order, left, count).astype(np.int64)
    diag = j - i
    sort = np.lexsort((i, diag))
    i, diag = i[sort], diag[sort]
    new_run = np.ones(total, dtype=bool)
    new_run[1:] = (diag[1:] != diag[:-1]) | (i[1:] != i[:-1] + 1)
    starts = np.flatnonzero(new_run)
    lengths = np.diff(np.append(starts, total)) + k - 1
    mems = np.stack([i[starts], i[starts] + diag[starts], lengths], axis=1)
    return mems[np.lexsort((-mems[:, 2], mems[:, 1], mems[:, 0]))]


def undominated(mems: np.ndarray) -> np.ndarray:
    """False for MEMs whose draft span lies inside a longer MEM's (on another diagonal).

    A phrase a source repeats (卫星地面接收设施接收外国卫星传送的电视节目的管理 in its 第一条 and
    第三条) matches the draft at both places; where the draft copies one of them, the longer
    exact match says which. Left in, the shorter repeat could chain on into the next article
    (第三条 → 第四条) and win the draft text from the true, longer match. MEMs with the same
    draft span (an exact repeat) are all kept: nothing tells them apart here.
    """
    n = len(mems)
    keep = np.ones(n, dtype=bool)
    if n < 2:
        return keep
    d0, d1 = mems[:, 0], mems[:, 0] + mems[:, 2]
    order = np.lexsort((-mems[:, 2], d0))  # by draft start, longest first
    e0, e1 = d0[order], d1[order]
    # the furthest end among MEMs before each one's group of identical draft spans
    group_start = np.ones(n, dtype=bool)
    group_start[1:] = (e0[1:] != e0[:-1]) | (e1[1:] != e1[:-1])
    first = np.maximum.accumulate(np.where(group_start, np.arange(n), 0))
    reach = np.maximum.accumulate(e1)
    before = np.where(first > 0, reach[np.maximum(first - 1, 0)], -1)
    keep[order] = before < e1
    return keep


def _one_phrase(draft: str, members: list[int], starts: list[int], lengths: list[int]) -> bool:
    """Whether every MEM of a chain is one phrase: the shortest is how each of them begins.

    (Two MEMs that merely start alike, 国家安全机关工作人员… and 国家安全机关依法…, are different
    sentences of one copied article, not a repeat.)"""
    shortest = min(members, key=lambda x: lengths[x])
    phrase = draft[starts[shortest] : starts[shortest] + lengths[shortest]]
    return all(draft.startswith(phrase, starts[x]) for x in members)


def linkable(mems: np.ndarray, params: AlignParams) -> np.ndarray:
    """True for MEMs that could chain with another one (a loose, vectorized test of :func:`chain`'s rule).

    Most MEMs are lone chance matches of k characters; they can neither follow nor precede any
    MEM (no other MEM ends or starts within ``max_gap`` on a neighbouring diagonal band), so they
    can be left out of the dynamic programming without changing any chain.
    """
    n = len(mems)
    if n < 2:
        return np.zeros(n, dtype=bool)
    d0, length = mems[:, 0], mems[:, 2]
    d1 = d0 + length
    width = max(1, params.max_shift)
    band = (mems[:, 1] - d0) // width
    span = int(d1.max()) + params.max_gap + params.k + 2  # keeps bands apart in one sorted key
    by_end = np.sort(band * span + d1)
    by_start = np.sort(band * span + d0)
    found = np.zeros(n, dtype=np.int64)
    for delta in (-1, 0, 1):
        base = (band + delta) * span
        # a predecessor ends in [d0 - max_gap, d0 + k]; a successor starts in [d1 - k, d1 + max_gap]
        found += np.searchsorted(by_end, base + d0 + params.k, "right") - np.searchsorted(
            by_end, base + d0 - params.max_gap, "left"
        )
        found += np.searchsorted(by_start, base + d1 + params.max_gap, "right") - np.searchsorted(
            by_start, base + d1 - params.k, "left"
        )
    # Each MEM finds itself once as a successor of itself only when its own start lies in its range.
    itself = (d0 >= d1 - params.k).astype(np.int64) + (d1 <= d0 + params.k).astype(np.int64)
    return found > itself


MIN_LINE = 8
"""Key characters a draft line needs to part two passages (a paragraph, not a stray line break)."""


def lines_after(ends: np.ndarray, line_starts: np.ndarray | None, length: int) -> np.ndarray:
    """For each draft position in ``ends``, where the first whole line of at least ``MIN_LINE`` key
    characters that begins at or after it (or at most a label's length before it) ends
    (``length + 1`` when there is none).

    Text that starts at or beyond that point has a paragraph of the draft between it and ``ends``:
    an original paragraph between two copied ones, in a policy document whose numbered
    paragraphs （一） （二） carry no label the key can see."""
    if line_starts is None or len(line_starts) == 0:
        return np.full(len(ends), length + 1, dtype=np.int64)
    bounds = np.append(line_starts, length)
    long = np.diff(bounds) >= MIN_LINE
    starts, stops = bounds[:-1][long], bounds[1:][long]
    # a line whose label the MEM ran into (…两日第\ue001 | 条买受人是指…) begins after it too
    i = np.searchsorted(starts, ends - len(MASKED_ARTICLE_LABEL), "left")
    return np.where(i < len(starts), stops[np.minimum(i, max(len(starts) - 1, 0))], length + 1).astype(np.int64)


def chain(mems: np.ndarray, params: AlignParams, line_after: np.ndarray | None = None) -> list[list[int]]:
    """Chains of MEM indices (each in draft order), best first; each MEM in at most one chain.

    ``line_after[i]`` (see :func:`lines_after`): a MEM may follow MEM ``i`` only if it starts before
    that position, so no whole line of the draft lies between them."""
    n = len(mems)
    if n == 0:
        return []
    d0, s0, length = mems[:, 0], mems[:, 1], mems[:, 2]
    d1, s1 = d0 + length, s0 + length
    # A predecessor must lie within max_shift diagonals (|gap_d - gap_s| <= max_shift), so MEMs
    # are bucketed by diagonal band and only the three neighbouring bands are searched.
    width = max(1, params.max_shift)
    band = ((s0 - d0) // width).tolist()
    bands: dict[int, tuple[list[int], list[int]]] = {}
    order = np.argsort(d1, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    rank_l = rank.tolist()
    for idx in order.tolist():
        ends, members = bands.setdefault(band[idx], ([], []))
        ends.append(int(d1[idx]))
        members.append(idx)
    d_start, s_start, d_end, s_end, lengths = d0.tolist(), s0.tolist(), d1.tolist(), s1.tolist(), length.tolist()
    barrier = line_after.tolist() if line_after is not None else [np.inf] * n
    score = [0.0] * n
    back = [-1] * n
    k_overlap = params.k
    max_gap, max_shift = params.max_gap, params.max_shift
    for m in range(n):
        best, best_p = 0.0, -1
        dm, sm = d_start[m], s_start[m]
        for b in (band[m] - 1, band[m], band[m] + 1):
            bucket = bands.get(b)
            if bucket is None:
                continue
            ends, members = bucket
            lo = bisect.bisect_left(ends, dm - max_gap)
            hi = bisect.bisect_right(ends, dm + k_overlap)
            for idx in range(lo, hi):
                p = members[idx]
                if p >= m:  # mems are sorted by draft start: p comes first, so its score is final
                    continue
                gap_d = dm - d_end[p]
                gap_s = sm - s_end[p]
                if gap_s < -k_overlap or gap_s > max_gap or abs(gap_d - gap_s) > max_shift:
                    continue
                if d_end[m] <= d_end[p] or s_end[m] <= s_end[p] or dm >= barrier[p]:
                    continue
                gain = score[p] - 0.25 * max(gap_d, gap_s, 0) - 0.25 * abs(gap_d - gap_s)
                if gain > best or (gain == best and best_p >= 0 and rank_l[p] < rank_l[best_p]):
                    best, best_p = gain, p
        overlap = max(0, -(d_start[m] - d_end[best_p])) if best_p >= 0 else 0
        score[m] = best + lengths[m] - overlap
        back[m] = best_p
    return _take_chains(score, back)


def _take_chains(score: list[float], back: list[int]) -> list[list[int]]:
    """Best chains first, following back pointers; each MEM in at most one chain."""
    used = [False] * len(score)
    chains = []
    for m in sorted(range(len(score)), key=lambda x: -score[x]):
        if used[m]:
            continue
        members = []
        p = m
        while p >= 0 and not used[p]:
            members.append(p)
            used[p] = True
            p = back[p]
        chains.append(members[::-1])
    return chains


def chain_reference(mems: np.ndarray, params: AlignParams, line_after: np.ndarray | None = None) -> list[list[int]]:
    """Plain reference of :func:`chain` (searches every MEM ending near, on any diagonal), for tests."""
    n = len(mems)
    if n == 0:
        return []
    d0, s0, length = mems[:, 0], mems[:, 1], mems[:, 2]
    d1, s1 = d0 + length, s0 + length
    by_end = np.argsort(d1, kind="stable")
    ends_sorted = d1[by_end].tolist()
    d_start, s_start, d_end, s_end, lengths = d0.tolist(), s0.tolist(), d1.tolist(), s1.tolist(), length.tolist()
    barrier = line_after.tolist() if line_after is not None else [np.inf] * n
    score = [0.0] * n
    back = [-1] * n
    k_overlap = params.k
    for m in range(n):
        lo = bisect.bisect_left(ends_sorted, d_start[m] - params.max_gap)
        hi = bisect.bisect_right(ends_sorted, d_start[m] + k_overlap)
        best, best_p = 0.0, -1
        for idx in range(lo, hi):
            p = int(by_end[idx])
            if p >= m:  # mems are sorted by draft start: p comes first, so its score is final
                continue
            gap_d = d_start[m] - d_end[p]
            gap_s = s_start[m] - s_end[p]
            if gap_s < -k_overlap or gap_s > params.max_gap or abs(gap_d - gap_s) > params.max_shift:
                continue
            if d_end[m] <= d_end[p] or s_end[m] <= s_end[p] or d_start[m] >= barrier[p]:
                continue
            gain = score[p] - 0.25 * max(gap_d, gap_s, 0) - 0.25 * abs(gap_d - gap_s)
            if gain > best:
                best, best_p = gain, p
        overlap = max(0, -(d_start[m] - d_end[best_p])) if best_p >= 0 else 0
        score[m] = best + lengths[m] - overlap
        back[m] = best_p
    return _take_chains(score, back)


def _extend(a: str, b: str, max_gap: int) -> tuple[int, int]:
    """How far ``a`` and ``b`` (read from their starts) keep aligning: (chars of a, chars of b)."""
    if not a or not b:
        return 0, 0
    end_a = end_b = 0
    for op in Indel.opcodes(a, b):
        if op.tag != "equal":
            continue
        a0, a1, b0, b1 = op.src_start, op.src_end, op.dest_start, op.dest_end
        if a0 - end_a > max_gap or b0 - end_b > max_gap:
            break
        if a1 - a0 < 2 and (a0, b0) != (end_a, end_b):  # a lone common character after a gap is chance
            break
        end_a, end_b = a1, b1
    return end_a, end_b


_LABEL = MASKED_ARTICLE_LABEL
TAIL_WORDS = 6
"""Key characters after a label that a chain's end may hold and still give up as chance (common
openings: 公司, 县级以上, 国务院有关部门); a run further into the next article is evidence."""


def _before_label(window: str) -> str:
    """``window`` up to the next article label (第\ue001条): the edge extension stops there.

    A masked label matches every other label. A chain that ended with the next article's label
    (or an extension that ran over it) went on over a few chance characters of the next article,
    and the draft text it took was denied to the chain that truly explains that article
    (benchmark, seed 4: 第二条 根据《…》的规定，制定本办法 was lost). So a chain gives up a
    trailing label, and the extension stops before one. A cross-reference (依照第X条) reads the
    same in the key, so the extension stops there too: it only loses the few characters after it.
    """
    cut = window.find(_LABEL[:2])
    return window if cut < 0 else window[:cut]


def _label_tail(draft: str, a1: int, source: str, b1: int, line_starts: np.ndarray | None = None) -> int:
    """How many key characters before ``a1`` / ``b1`` are the next article's label or its start.

    A chain that runs on into the next article takes its masked label 第\ue001条 (any label reads
    the same), or, when the units differ (第十九条 against 第二章), 第\ue001 or 第 alone: the
    passage then ended mid-label (…追究刑事责任。⏎第十九) and the chance characters counted as
    evidence, enough to make a 15-character stock phrase a 17-character passage.
    """
    for cut in (_LABEL, _LABEL[:2]):
        if draft.endswith(cut, 0, a1) and source.endswith(cut, 0, b1):
            return len(cut)
    if (
        draft.endswith("第", 0, a1)
        and source.endswith("第", 0, b1)
        and draft[a1 : a1 + 1] == NUMBER
        and source[b1 : b1 + 1] == NUMBER
    ):
        return 1
    # … or the label and the first few words of the next article, which often open alike: against
    # …不予受理。⏎第七条 公司应当依照…, the draft's …不予受理。⏎第二十条 公司解散应当… matches
    # 第\ue001条公司; the chain took the copied article's label and first words from the chain
    # that truly explains that article, and the passage then ended mid-label (benchmark, seed 3).
    # Only where a draft line begins (``line_starts``): a cross-reference (依照本办法第三十七条的
    # 规定处罚) reads the same in the key and is evidence.
    if line_starts is None:
        return 0
    at = draft.rfind(_LABEL[:2], max(0, a1 - len(_LABEL) - TAIL_WORDS), a1)
    if at > 0 and _line_begins(line_starts, at) and source.endswith(draft[at:a1], 0, b1):
        return a1 - at
    return 0


def _line_begins(line_starts: np.ndarray, at: int) -> bool:
    i = int(np.searchsorted(line_starts, at))
    return i < len(line_starts) and int(line_starts[i]) == at


def project(draft: str, source: str, m: KeyMatch, d0: int, d1: int) -> KeyMatch:
    """The part of ``m`` whose draft side is ``[d0, d1)``, its source side found by exact alignment."""
    if (d0, d1) == (m.draft_start, m.draft_end):
        return m
    a, b = draft[m.draft_start : m.draft_end], source[m.source_start : m.source_end]
    ops = Indel.opcodes(a, b)

    def to_source(x: int, *, end: bool) -> int:
        for op in ops:
            a0, a1, b0, b1 = op.src_start, op.src_end, op.dest_start, op.dest_end
            if a0 <= x < a1 or (end and a0 < x <= a1):
                return b0 + min(x - a0, b1 - b0) if op.tag == "equal" else (b1 if end else b0)
        return len(b) if end else 0

    s0 = m.source_start + to_source(d0 - m.draft_start, end=False)
    s1 = max(s0, m.source_start + to_source(d1 - m.draft_start, end=True))
    similarity = Indel.normalized_similarity(draft[d0:d1], source[s0:s1])
    return KeyMatch(d0, d1, s0, s1, m.matched, similarity)


def align(
    draft: str,
    source: str,
    params: AlignParams = AlignParams(),
    *,
    seeds: SeedTable | None = None,
    draft_seeds: SeedTable | None = None,
    line_starts: np.ndarray | None = None,
) -> list[KeyMatch]:
    """Verified passages of ``draft`` copied from ``source`` (both matching keys), in draft order.

    ``seeds`` and ``draft_seeds`` are the two keys' :class:`SeedTable`, if the caller keeps them;
    ``line_starts`` the sorted key positions where a line of the draft begins, if known (see
    :func:`bridge`). The passages do not overlap in the draft.
    """
    table = seeds if seeds is not None and seeds.k == params.k else SeedTable.of(source, params.k)
    mine = draft_seeds if draft_seeds is not None and draft_seeds.k == params.k else SeedTable.of(draft, params.k)
    mems = maximal_exact_matches(mine, table, params.k, params.max_occurrences)
    mems = mems[undominated(mems)]
    # A lone MEM shorter than min_matched can only be a one-MEM chain, which is dropped: skip it.
    mems = mems[linkable(mems, params) | (mems[:, 2] >= params.min_matched)]
    starts, sources, lengths = (
        (mems[:, 0].tolist(), mems[:, 1].tolist(), mems[:, 2].tolist()) if len(mems) else ([], [], [])
    )
    covered = np.zeros(len(draft) + 1, dtype=bool)
    found: list[KeyMatch] = []
    line_after = lines_after(mems[:, 0] + mems[:, 2], line_starts, len(draft)) if line_starts is not None else None

    def judge(members: list[int], splits: int = 0) -> None:
        """Make a passage of one chain if the rules allow; else, where only the chain's similarity
        fails, judge its two halves either side of its widest step (at most ``max_splits`` deep):
        a draft that leaves out a paragraph of the source chains over it (up to ``max_shift``),
        and the whole span's similarity then falls under the bar though each side is a copy."""
        if (
            len(members) > 1
            and any(starts[b] - starts[a] != sources[b] - sources[a] for a, b in itertools.pairwise(members))
            and _one_phrase(draft, members, starts, lengths)
        ):
            # One phrase both texts repeat (属于国家秘密的文件、资料和其他物品 twice in one article of
            # each), chained from its first place to its second across whatever lies between, out
            # of step: the only evidence is the phrase, once.
            members = [max(members, key=lambda x: lengths[x])]
        a0, b0 = starts[members[0]], sources[members[0]]
        a1 = max(starts[x] + lengths[x] for x in members)
        b1 = max(sources[x] + lengths[x] for x in members)
        tail = _label_tail(draft, a1, source, b1, line_starts)  # the next article's label, or its start: not evidence
        matched = sum(lengths[x] for x in members) - tail
        if matched < params.min_matched:  # most chains are one short chance match: drop them cheaply
            return
        anchored = max(lengths[x] - (tail if x == members[-1] else 0) for x in members) >= params.min_anchor
        if covered[a0:a1].mean() > 0.5:  # a weaker chain over draft text a better one explains
            return
        # Widen both ends by exact alignment; edits near an end keep the last characters from seeding.
        if tail:
            a1, b1 = a1 - tail, b1 - tail
        else:
            ea, eb = _extend(
                _before_label(draft[a1 : a1 + params.edge]), source[b1 : b1 + params.edge], params.edge_gap
            )
            a1, b1 = a1 + ea, b1 + eb
        sa, sb = _extend(
            draft[max(0, a0 - params.edge) : a0][::-1], source[max(0, b0 - params.edge) : b0][::-1], params.edge_gap
        )
        a0, b0 = a0 - sa, b0 - sb
        # Trim what a better chain already holds.
        t0, t1 = a0, a1
        while t0 < t1 and covered[t0]:
            t0 += 1
        while t1 > t0 and covered[t1 - 1]:
            t1 -= 1
        if t1 - t0 < params.min_matched:
            return
        m = KeyMatch(a0, a1, b0, b1, matched, Indel.normalized_similarity(draft[a0:a1], source[b0:b1]))
        m = project(draft, source, m, t0, t1)
        if m.source_end - m.source_start < params.min_matched // 2:
            return
        similar = m.similarity >= params.min_similarity and (
            anchored or (len(members) >= params.min_seeds and m.similarity >= params.min_seeded_similarity)
        )  # unanchored: short stock phrases chained across unrelated text
        if not similar:
            if len(members) > 1 and splits < params.max_splits:
                steps = [
                    (abs((starts[b] - starts[a] - lengths[a]) - (sources[b] - sources[a] - lengths[a])), i)
                    for i, (a, b) in enumerate(itertools.pairwise(members), 1)
                ]
                _, cut = max(steps)
                judge(members[:cut], splits + 1)
                judge(members[cut:], splits + 1)
            return
        covered[m.draft_start : m.draft_end] = True
        found.append(m)

    for members in chain(mems, params, line_after):
        judge(members)
    found.sort(key=lambda m: (m.draft_start, m.source_start))
    return bridge(found, draft, source, params.max_bridge, params.min_similarity, line_starts)


def bridge(
    found: list[KeyMatch],
    draft: str,
    source: str,
    limit: int,
    min_similarity: float,
    line_starts: np.ndarray | None = None,
    label_slack: int = 12,
) -> list[KeyMatch]:
    """Join consecutive passages that continue each other within one article.

    A sentence inserted into a copied article, or dropped from it, leaves a gap on one side
    (or a replaced sentence on both) that may be longer than the chain bridges; the two halves
    are one copy of one article. They are joined when both gaps are at most ``limit`` key
    characters and neither the gaps nor the start of the second passage hold an article label:
    that would be another article, copied from elsewhere or original, and stays apart (a
    cross-reference 第X条 in a gap reads the same in the key and keeps them apart too). Nor are
    they joined across a whole line of the draft that neither holds (given ``line_starts``, the
    key positions where draft lines begin): a paragraph of the draft's own between two copied
    ones, as in policy documents, whose numbered paragraphs （一） （二） carry no label the key
    can see. Consecutive articles copied in order are one passage too, when only the next
    article's label (and up to ``label_slack`` key characters an edit kept from aligning) lies
    between them in the draft and one label in the source: a case, in the benchmark's terms. The
    joined passage must still have ``min_similarity``. (Alignment sees one source at a time: a
    sentence in the gap that another source holds is credited to this one if this one ranks
    first; the copy rate is the same either way.)
    """
    if len(found) < 2:
        return found
    out = [found[0]]
    for m in found[1:]:
        p = out[-1]
        gap_d, gap_s = m.draft_start - p.draft_end, m.source_start - p.source_end
        in_draft = draft.count(_LABEL[:2], p.draft_end, m.draft_start + 2)
        in_source = source.count(_LABEL[:2], p.source_end, m.source_start + 2)
        # the next article of the source, right after this one in the draft too: only its label
        # (and the first words an edit kept from aligning) lies between them in the draft
        next_article = in_draft == in_source == 1 and gap_d <= len(_LABEL) + label_slack
        if (
            0 <= gap_d <= limit
            and 0 <= gap_s <= limit
            and (in_draft == in_source == 0 or next_article)
            and (
                line_starts is None or m.draft_start < lines_after(np.array([p.draft_end]), line_starts, len(draft))[0]
            )
        ):
            joined = Indel.normalized_similarity(
                draft[p.draft_start : m.draft_end], source[p.source_start : m.source_end]
            )
            if joined >= min_similarity:
                out[-1] = KeyMatch(
                    p.draft_start, m.draft_end, p.source_start, m.source_end, p.matched + m.matched, joined
                )
                continue
        out.append(m)
    return out
