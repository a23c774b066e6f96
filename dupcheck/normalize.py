"""Normalize text for matching, keeping a map from every normalized character to the original.

Folding (each original character becomes exactly one character, so the map is trivial):

- traditional → simplified characters with OpenCC (``t2s``; phrase-aware, and checked to keep
  the length; if a conversion ever changes the length, the affected line is converted character
  by character instead, so the map stays exact);
- full-width → half-width (U+FF01–U+FF5E, ideographic space);
- one form for each punctuation mark (“”「」 → ", 《〈 → <, 。→ . …).

Then whitespace (and zero-width characters) is dropped. :class:`Normalized` carries, for every
normalized position ``i``, the original span ``[starts[i], ends[i])``; all matching happens in
normalized coordinates and is mapped back once, when a passage is reported.

Below this module nothing reads files; this module only transforms strings.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

import numpy as np

NORMALIZER_VERSION = "1"

# Punctuation variants → one form (applied after width folding).
_PUNCT_FORMS = {
    "。": ".",
    "｡": ".",
    "．": ".",
    "、": ",",
    "，": ",",
    "；": ";",
    "：": ":",
    "？": "?",
    "！": "!",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "「": '"',
    "」": '"',
    "『": '"',
    "』": '"',
    "＂": '"',
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "《": "<",
    "》": ">",
    "〈": "<",
    "〉": ">",
    "«": "<",
    "»": ">",
    "（": "(",
    "）": ")",
    "【": "[",
    "】": "]",
    "〔": "[",
    "〕": "]",
    "［": "[",
    "］": "]",
    "〖": "[",
    "〗": "]",
    "—": "-",
    "–": "-",
    "―": "-",
    "－": "-",
    "‐": "-",
    "‑": "-",
    "─": "-",
    "…": ".",
    "⋯": ".",
    "～": "~",
    "〜": "~",
    "・": "·",
    "•": "·",
    "‧": "·",
}
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
"""Invisible characters that count as whitespace: never matched, never counted in a rate."""

SPACE = " "  # every whitespace character folds to this, then is dropped


@functools.lru_cache(maxsize=1)
def _fold_table() -> dict[int, int]:
    table: dict[int, int] = {}
    for cp in range(0xFF01, 0xFF5F):  # full-width ASCII
        table[cp] = cp - 0xFEE0
    for src, dst in _PUNCT_FORMS.items():
        table[ord(src)] = ord(dst)
    for cp in range(0x3100):  # every Unicode whitespace character lies below U+3100
        ch = chr(cp)
        if ch.isspace():
            table[cp] = ord(SPACE)
    for ch in ZERO_WIDTH:
        table[ord(ch)] = ord(SPACE)
    return table


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc  # a maintained converter; imported lazily (it loads dictionaries)

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified with OpenCC, guaranteed to keep the length (and so the offsets)."""
    if not text:
        return text
    conv = _t2s()
    out = conv.convert(text)
    if len(out) == len(text):
        return out
    parts = []
    for line in text.split("\n"):  # rare: locate the length change, fall back per character there
        conv_line = conv.convert(line)
        if len(conv_line) != len(line):
            conv_line = "".join(c if len(c) == 1 else ch for ch, c in ((ch, conv.convert(ch)) for ch in line))
        parts.append(conv_line)
    return "\n".join(parts)


@functools.lru_cache(maxsize=1)
def _fold_lut() -> np.ndarray:
    lut = np.arange(0x10000, dtype=np.uint32)
    for src, dst in _fold_table().items():
        lut[src] = dst
    return lut


def fold_codes(text: str) -> np.ndarray:
    """Fold script, width, punctuation and whitespace: one output code point per input character."""
    codes = codepoints(to_simplified(text)).copy()
    bmp = codes < 0x10000
    codes[bmp] = _fold_lut()[codes[bmp]]
    return codes


def fold(text: str) -> str:
    """Fold script, width, punctuation and whitespace; the result has the same length as ``text``."""
    return from_codepoints(fold_codes(text))


@functools.lru_cache(maxsize=1)
def punctuation_table() -> np.ndarray:
    """Boolean lookup over code points below U+10000: True for punctuation, symbols and spaces."""
    table = np.zeros(0x10000, dtype=bool)
    for cp in range(0x10000):
        cat = unicodedata.category(chr(cp))
        # Private use is ours (masks); U+FFFD (an unreadable or uncertain OCR character) stays in
        # the key as a character no real text has, so it never joins its neighbours into a match.
        if cat[0] in "PSZC" and not (0xE000 <= cp <= 0xF8FF) and cp != 0xFFFD:
            table[cp] = True
    return table


def codepoints(text: str) -> np.ndarray:
    """The code points of ``text`` as a uint32 array (vectorized, no Python loop)."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def from_codepoints(codes: np.ndarray) -> str:
    return np.ascontiguousarray(codes, dtype=np.uint32).tobytes().decode("utf-32-le")


@dataclass(frozen=True, eq=False)
class Normalized:
    """Normalized text and, for each of its characters, the original span ``[starts[i], ends[i])``."""

    text: str
    starts: np.ndarray  # int64, original index of the first original character
    ends: np.ndarray  # int64, original index after the last original character

    def __len__(self) -> int:
        return len(self.text)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalized span ``[start, end)`` (non-empty) to the original text."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) outside normalized text of length {len(self.text)}")
        return int(self.starts[start]), int(self.ends[end - 1])


def normalize(text: str, *, drop_punctuation: bool = False) -> Normalized:
    """Fold ``text`` and drop whitespace (and, if asked, punctuation), keeping the offset map."""
    folded = fold_codes(text)
    keep = folded != ord(SPACE)
    if drop_punctuation:
        table = punctuation_table()
        bmp = folded < 0x10000
        punct = np.zeros(len(folded), dtype=bool)
        punct[bmp] = table[folded[bmp]]
        keep &= ~punct
    starts = np.flatnonzero(keep)
    return Normalized(from_codepoints(folded[starts]), starts, starts + 1)


@functools.lru_cache(maxsize=1)
def _space_table() -> np.ndarray:
    table = np.zeros(0x10000, dtype=bool)
    for cp, dst in _fold_table().items():
        if dst == ord(SPACE):
            table[cp] = True
    return table


def nonspace_mask(text: str) -> np.ndarray:
    """Boolean array over ``text``: True where the character is not whitespace (the unit of every rate)."""
    codes = codepoints(text)
    mask = np.ones(len(codes), dtype=bool)
    bmp = codes < 0x10000
    mask[bmp] = ~_space_table()[codes[bmp]]
    return mask


def nonspace_prefix(text: str) -> np.ndarray:
    """``p[i]`` = characters of ``text[:i]`` a rate counts (length ``len(text) + 1``, int64)."""
    out = np.zeros(len(text) + 1, dtype=np.int64)
    np.cumsum(nonspace_mask(text), out=out[1:])
    return out


def nonspace_count(text: str) -> int:
    """Characters of ``text`` that are not whitespace."""
    return int(nonspace_mask(text).sum())
