"""The exact 13-character rule (连续13字相同), as a reference checker.

A draft character is copied iff it lies in a run of at least 13 characters that also occurs
in a reference text, after whitespace and punctuation are dropped on both sides (nothing else
is folded: no traditional → simplified, no full → half width).  This is the rule commercial
公文/论文查重 services state, and the yardstick every dupcheck figure is a ratio against.

How it works (the speed yardstick's design):

- ``add_texts`` keeps, per reference text, its code points with whitespace and punctuation
  dropped and the offset of each kept character in the original text; every 13-gram is hashed
  with a stable, seeded hash (splitmix64 over code points, then a polynomial over the 13
  mixed values, all ``uint64`` with wrap-around; never Python's ``hash()``).
- On the first check after adding, all hashes are sorted once into one table
  (``np.argsort``, stable), with the start of each gram in a global coordinate.
- ``check_text`` hashes the draft's 13-grams and finds every occurrence with two
  ``np.searchsorted`` calls; hits on the same diagonal (source position − draft position) at
  consecutive draft positions form a *maximal exact match* (MEM): it cannot be extended on
  either side, because the next gram would then match too.  Each MEM is verified character by
  character (so a hash collision can never create a match).
- Passages: MEMs are taken longest first (ties: source id, source offset, draft offset); a MEM
  is clipped to the draft characters no longer MEM has claimed, and each clipped piece that
  still has 13 characters is one passage.  So a maximal run is one passage unless a longer run
  overlaps it, passages never overlap, and every passage is itself a run of ≥ 13 identical
  characters (the few characters of a shorter run that only overlap a longer one by less than
  13 are not counted: without this rule the clipping leaves 1–4 character "passages", e.g. a
  label 第二十六 that ends a boilerplate run of another law).

:func:`exact_runs_bruteforce` computes the MEMs the plain way on small inputs; a test checks
that both agree.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from dupcheck.measure import measure
from dupcheck.normalize import codepoints, nonspace_prefix
from dupcheck.report import Passage, Report, SourceMatch

__all__ = [
    "Exact13",
    "Mem",
    "exact_runs_bruteforce",
    "gram_hashes",
    "nonspace_prefix",
    "normalize_exact",
    "select_passages",
]

K = 13
SEED = 0x5EED_D0C5_13
_P = np.uint64(0x100000001B3)  # FNV-64 prime as the polynomial base
_M64 = (1 << 64) - 1


@lru_cache(maxsize=1)
def _drop_table() -> np.ndarray:
    """``table[cp]`` is True when code point ``cp`` (BMP) is whitespace or punctuation."""
    t = np.zeros(0x10000, dtype=bool)
    for cp in range(0x10000):
        ch = chr(cp)
        if ch.isspace() or unicodedata.category(ch).startswith("P"):
            t[cp] = True
    return t


def sorted_searchsorted(table: np.ndarray, q: np.ndarray, side: Literal["left", "right"] = "left") -> np.ndarray:
    """``np.searchsorted`` with the queries sorted first (about twice as fast on big tables)."""
    order = np.argsort(q)  # equal queries get equal answers: no need for a stable sort
    out = np.empty(q.size, dtype=np.int64)
    out[order] = np.searchsorted(table, q[order], side=side)
    return out


def _is_dropped(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch).startswith("P")


def normalize_exact(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(code points with whitespace and punctuation dropped, their offsets in ``text``)."""
    cps = codepoints(text)
    if cps.size == 0:
        return np.zeros(0, np.uint32), np.zeros(0, np.int64)
    table = _drop_table()
    bmp = cps < 0x10000
    drop = np.zeros(cps.size, dtype=bool)
    drop[bmp] = table[cps[bmp]]
    if not bmp.all():
        for i in np.flatnonzero(~bmp):
            drop[i] = _is_dropped(chr(int(cps[i])))
    keep = np.flatnonzero(~drop)
    return cps[keep], keep.astype(np.int64)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64) + np.uint64(SEED) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def gram_hashes(codes: np.ndarray, k: int = K) -> np.ndarray:
    """Stable uint64 hash of every ``k``-gram of ``codes`` (``len(codes) - k + 1`` values)."""
    n = codes.size - k + 1
    if n <= 0:
        return np.zeros(0, np.uint64)
    mixed = _splitmix64(codes)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * _P + mixed[j : j + n]
    return h


@dataclass(frozen=True)
class Mem:
    """A maximal exact match, in normalized coordinates: draft ``[d, d+length)`` equals
    source ``doc`` at ``[s, s+length)``."""

    d: int
    doc: int
    s: int
    length: int


def select_passages(mems: Iterable[Mem], n_draft: int, min_len: int = K) -> list[Mem]:
    """Longest first, each MEM clipped to draft positions not yet claimed; a clipped piece
    is kept when it still has ``min_len`` characters, so every passage is itself a run of at
    least ``min_len`` identical characters."""
    order = sorted(mems, key=lambda m: (-m.length, m.doc, m.s, m.d))
    covered = np.zeros(n_draft, dtype=bool)
    out: list[Mem] = []
    for m in order:
        seg = covered[m.d : m.d + m.length]
        if not seg.any():
            out.append(m)
            covered[m.d : m.d + m.length] = True
            continue
        if seg.all():
            continue
        free = np.concatenate(([False], ~seg, [False]))
        edges = np.flatnonzero(free[1:] != free[:-1])
        for a, b in zip(edges[::2].tolist(), edges[1::2].tolist()):
            if b - a >= min_len:
                out.append(Mem(m.d + a, m.doc, m.s + a, b - a))
                covered[m.d + a : m.d + b] = True
    out.sort(key=lambda m: m.d)
    return out


def exact_runs_bruteforce(draft: str, sources: Sequence[str], k: int = K) -> set[Mem]:
    """Every maximal exact match of ≥ ``k`` normalized characters, the plain O(n·m) way."""
    dn = "".join(ch for ch in draft if not _is_dropped(ch))
    out: set[Mem] = set()
    for doc, src in enumerate(sources):
        sn = "".join(ch for ch in src if not _is_dropped(ch))
        for i in range(len(dn)):
            for j in range(len(sn)):
                if i > 0 and j > 0 and dn[i - 1] == sn[j - 1]:
                    continue  # not left-maximal
                n = 0
                while i + n < len(dn) and j + n < len(sn) and dn[i + n] == sn[j + n]:
                    n += 1
                if n >= k:
                    out.add(Mem(i, doc, j, n))
    return out


VERIFY_CHUNK = 1 << 18
"""Characters of matched runs compared at a time against hash collisions (bounds the memory)."""


class Exact13:
    """Reference checker with the shape of :class:`dupcheck.api.Index` the benchmarks use."""

    def __init__(self, k: int = K) -> None:
        self.k = k
        self._keys: list[str] = []
        self._titles: list[str] = []
        self._texts: list[str] = []
        self._norm_codes: list[np.ndarray] = []
        self._norm_pos: list[np.ndarray] = []
        self._hashes: list[np.ndarray] = []
        self._dirty = True
        self._table: tuple | None = None

    # -- building -----------------------------------------------------------------------
    def add_texts(self, items: Iterable[tuple[str, str, str]]) -> int:
        """Add ``(key, text, title)`` items; returns how many were added."""
        n = 0
        for key, text, title in items:
            codes, pos = normalize_exact(text)
            self._keys.append(str(key))
            self._titles.append(title)
            self._texts.append(text)
            self._norm_codes.append(codes)
            self._norm_pos.append(pos.astype(np.int32) if pos.size and pos[-1] < 2**31 else pos)
            self._hashes.append(gram_hashes(codes, self.k))
            n += 1
        if n:
            self._dirty = True
        return n

    def __len__(self) -> int:
        return len(self._keys)

    def _build(self) -> tuple:
        if not self._dirty and self._table is not None:
            return self._table
        lens = np.array([c.size for c in self._norm_codes], dtype=np.int64)
        starts = np.zeros(len(lens) + 1, dtype=np.int64)
        np.cumsum(lens, out=starts[1:])
        codes = np.concatenate(self._norm_codes) if self._norm_codes else np.zeros(0, np.uint32)
        hashes = np.concatenate(self._hashes) if self._hashes else np.zeros(0, np.uint64)
        gpos = (
            np.concatenate([starts[i] + np.arange(h.size, dtype=np.int64) for i, h in enumerate(self._hashes)])
            if self._hashes
            else np.zeros(0, np.int64)
        )
        order = np.argsort(hashes)  # ties in any order: mems sorts its hits by diagonal and position
        self._table = (hashes[order], gpos[order], starts, codes)
        self._dirty = False
        return self._table

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays (hash table, positions, codes, offset maps)."""
        table = self._build()
        n = sum(a.nbytes for a in table)
        n += sum(p.nbytes for p in self._norm_pos)
        return n

    # -- matching -----------------------------------------------------------------------
    def mems(self, draft_codes: np.ndarray) -> list[Mem]:
        """All maximal exact matches of ≥ k normalized characters between the draft and the
        reference texts (normalized coordinates)."""
        k = self.k
        sorted_h, sorted_pos, starts, codes = self._build()
        qh = gram_hashes(draft_codes, k)
        if qh.size == 0 or sorted_h.size == 0:
            return []
        lo = sorted_searchsorted(sorted_h, qh, "left")
        hi = sorted_searchsorted(sorted_h, qh, "right")
        counts = hi - lo
        total = int(counts.sum())
        if total == 0:
            return []
        qi = np.repeat(np.arange(qh.size, dtype=np.int64), counts)
        first = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        p = sorted_pos[first + np.arange(total, dtype=np.int64)]
        diag = p - qi
        order = np.lexsort((qi, diag))
        qi, p, diag = qi[order], p[order], diag[order]
        brk = np.ones(total, dtype=bool)
        brk[1:] = (diag[1:] != diag[:-1]) | (qi[1:] != qi[:-1] + 1)
        run_start = np.flatnonzero(brk)
        run_end = np.append(run_start[1:], total) - 1
        d0 = qi[run_start]
        p0 = p[run_start]
        length = qi[run_end] - d0 + k
        doc = np.searchsorted(starts, p0, side="right") - 1
        # A hash collision must never report a match that is not one: every character of every
        # run is compared, the runs in groups of about VERIFY_CHUNK characters (each run is at
        # least k long, so no segment is empty).
        ok = np.zeros(len(d0), dtype=bool)
        group = np.cumsum(length) // VERIFY_CHUNK
        for g0 in np.flatnonzero(np.r_[True, group[1:] != group[:-1]]).tolist():
            g1 = int(np.searchsorted(group, group[g0], "right"))
            a, g, n = d0[g0:g1], p0[g0:g1], length[g0:g1]
            first_of = np.cumsum(n) - n
            within = np.arange(int(n.sum()), dtype=np.int64) - np.repeat(first_of, n)
            same = draft_codes[np.repeat(a, n) + within] == codes[np.repeat(g, n) + within]
            ok[g0:g1] = np.logical_and.reduceat(same, first_of)
        d0, p0, length, doc = d0[ok], p0[ok], length[ok], doc[ok]
        return [
            Mem(a, dc, g - s, L)
            for a, g, L, dc, s in zip(d0.tolist(), p0.tolist(), length.tolist(), doc.tolist(), starts[doc].tolist())
        ]

    def check_text(self, text: str, path: str = "<draft>", threshold: float = 0.8) -> Report:
        """Check a draft; passages are the clipped maximal runs (see module docstring)."""
        dcodes, dpos = normalize_exact(text)
        pieces = select_passages(self.mems(dcodes), dcodes.size, self.k)

        prefix = nonspace_prefix(text)
        passages = []
        for m in pieces:
            ds = int(dpos[m.d])
            de = int(dpos[m.d + m.length - 1]) + 1
            spos = self._norm_pos[m.doc]
            ss = int(spos[m.s])
            se = int(spos[m.s + m.length - 1]) + 1
            passages.append(Passage(ds, de, m.doc, ss, se, 1.0, "verbatim", int(prefix[de] - prefix[ds])))
        # The rates as dupcheck counts them (measure.py): the two systems differ only in matching.
        rates = measure(text, [(p.draft_start, p.draft_end, p.source_id) for p in passages])
        sources = tuple(
            SourceMatch(id=i, title=self._titles[i], path=self._keys[i], rate=rates.rate(c), copied_chars=c)
            for i, c in sorted(rates.source_chars.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        return Report.of_rates(
            rates,
            threshold=threshold,
            path=path,
            sources=sources,
            passages=tuple(passages),
            text=text,
            source_texts={s.id: self._texts[s.id] for s in sources},
            corpus="exact13",
        )

    def close(self) -> None:
        pass
