"""Fingerprints: stable hashes of character k-grams of the matching key, and winnowing.

- :func:`kgram_hashes` hashes every k-gram of code points with a polynomial over uint64 followed
  by the splitmix64 finalizer, seeded. It is computed with k vectorized numpy passes, is the same
  in every process and on every machine (unlike Python's ``hash()``), and is declared in
  :class:`Scheme`, which every index records and checks when it is opened.
- :func:`winnow` keeps, from every window of ``w`` consecutive hashes, the smallest (the rightmost
  one on ties), as in Schleimer, Wilkerson & Aiken (2003). Guarantee: any substring of at least
  ``w + k - 1`` characters shared by two texts shares at least one selected fingerprint.
- :func:`bigram_features` gives hashed character-bigram counts of the key, the tokens of the
  TF-IDF retrieval model; retrieval and fingerprinting both read the same masked key.

Pure functions over arrays; no I/O.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

import numpy as np

from dupcheck.matchkey import MASKER_VERSION, gazetteer_digest
from dupcheck.normalize import NORMALIZER_VERSION

_BASE = np.uint64(0x100000001B3)  # FNV prime: odd, large, spreads code points over 64 bits
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_SHIFTS = (30, 27, 31)  # splitmix64's xor-shifts
BIGRAM_FEATURES = 1 << 18


def _constants_digest() -> str:
    """The hash's constants, so that changing one changes the scheme an index records."""
    spec = f"{int(_BASE):x}:{int(_MIX1):x}:{int(_MIX2):x}:{_SHIFTS}"
    return hashlib.sha256(spec.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Scheme:
    """Everything that decides which fingerprints a text gets; stored in and checked against an index."""

    k: int = 8  # characters per k-gram (of the masked key)
    w: int = 8  # winnowing window: shared runs of >= w + k - 1 = 15 key characters are always found
    seed: int = 0x5EED_D0C5
    hash: str = "poly64-splitmix64-u32"
    hash_constants: str = ""
    normalizer: str = NORMALIZER_VERSION
    masker: str = MASKER_VERSION
    gazetteer: str = ""
    bigrams: int = BIGRAM_FEATURES

    @classmethod
    def current(cls) -> Scheme:
        return cls(gazetteer=gazetteer_digest(), hash_constants=_constants_digest())

    def as_dict(self) -> dict:
        return asdict(self)

    def digest(self) -> str:
        """A short stable name of the scheme (cache file names carry it)."""
        return hashlib.sha256(json.dumps(self.as_dict(), sort_keys=True).encode()).hexdigest()[:8]


def _splitmix(x: np.ndarray) -> np.ndarray:
    a, b, c = (np.uint64(s) for s in _SHIFTS)
    x = x ^ (x >> a)
    x = x * _MIX1
    x = x ^ (x >> b)
    x = x * _MIX2
    return x ^ (x >> c)


def gather(buf: np.ndarray, at: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``buf[at[i] : at[i] + n[i]]`` for every i, concatenated, in one fancy index: what a lookup
    of many hashes in a sorted table found (``at`` from ``searchsorted``, ``n`` entries each)."""
    return buf[np.arange(int(n.sum())) + np.repeat(at - (np.cumsum(n) - n), n)]


def kgram_hashes64(codes: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """uint64 hashes of every k-gram of ``codes`` (length ``len(codes) - k + 1``, or 0): what
    alignment compares, where a collision would join unrelated text."""
    n = len(codes) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    c = codes.astype(np.uint64)
    h = np.full(n, np.uint64(seed), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * _BASE + c[j : j + n]
        return _splitmix(h)


def kgram_hashes(codes: np.ndarray, k: int, seed: int) -> np.ndarray:
    """uint32 hashes of every k-gram of ``codes`` (the high half of :func:`kgram_hashes64`): the
    fingerprints an index stores."""
    return (kgram_hashes64(codes, k, seed) >> np.uint64(32)).astype(np.uint32)


def kgram_hashes_reference(codes: list[int], k: int, seed: int) -> list[int]:
    """Plain-Python reference of :func:`kgram_hashes`, for tests."""
    mask = (1 << 64) - 1
    out = []
    for i in range(len(codes) - k + 1):
        h = seed
        for c in codes[i : i + k]:
            h = (h * int(_BASE) + c) & mask
        h ^= h >> 30
        h = (h * int(_MIX1)) & mask
        h ^= h >> 27
        h = (h * int(_MIX2)) & mask
        h ^= h >> 31
        out.append(h >> 32)
    return out


def winnow(hashes: np.ndarray, w: int) -> np.ndarray:
    """Positions selected by winnowing (sorted, unique): the minimum of every window of ``w``."""
    n = len(hashes)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n <= w:
        return np.array([n - 1 - int(np.argmin(hashes[::-1]))], dtype=np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(hashes[::-1], w)
    # argmin on the reversed array finds the rightmost minimum of each window.
    rightmost = (n - 1 - (np.argmin(windows, axis=1) + np.arange(len(windows))))[::-1]
    # Windows slide right, so their rightmost minima never move left: drop adjacent repeats.
    keep = np.ones(len(rightmost), dtype=bool)
    keep[1:] = rightmost[1:] != rightmost[:-1]
    return rightmost[keep].astype(np.int64)


def winnow_reference(hashes: list[int], w: int) -> list[int]:
    """Plain-Python reference of :func:`winnow`."""
    if not hashes:
        return []
    if len(hashes) <= w:
        m = min(hashes)
        return [max(i for i, h in enumerate(hashes) if h == m)]
    chosen = set()
    for start in range(len(hashes) - w + 1):
        window = hashes[start : start + w]
        m = min(window)
        chosen.add(start + max(i for i, h in enumerate(window) if h == m))
    return sorted(chosen)


def fingerprints(codes: np.ndarray, scheme: Scheme) -> np.ndarray:
    """The distinct winnowed k-gram hashes of a key (uint32, sorted)."""
    hashes = kgram_hashes(codes, scheme.k, scheme.seed)
    return np.unique(hashes[winnow(hashes, scheme.w)])


def bigram_features(codes: np.ndarray, scheme: Scheme) -> tuple[np.ndarray, np.ndarray]:
    """Hashed character-bigram counts of a key: (feature ids uint32 sorted, counts uint32)."""
    if len(codes) < 2:
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.uint32)
    c = codes.astype(np.uint64)
    with np.errstate(over="ignore"):
        h = _splitmix(c[:-1] * _BASE + c[1:] + np.uint64(scheme.seed))
    ids = (h % np.uint64(scheme.bigrams)).astype(np.uint32)
    uniq, counts = np.unique(ids, return_counts=True)
    return uniq, counts.astype(np.uint32)
