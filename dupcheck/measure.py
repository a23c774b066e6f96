"""Copy rates, from the union of the characters that copied passages cover.

Every rate counts non-whitespace characters of the draft (the unit a reader counts):

- 总文字复制比 (``copy_rate``): characters inside any copied passage / all characters. A character
  copied from two sources counts once.
- 去除引用文献复制比 (``copy_rate_excluding_quotes``): the same, not counting copied characters
  inside quotations of other documents: 《…》 titles and “…” / 「…」 quoted text (brackets included).
- per source (单篇文字复制比): characters of the passages credited to that source / all
  characters; 单篇最大文字复制比 is the largest.

Pure functions over strings and spans; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from dupcheck.normalize import nonspace_mask

_QUOTATION = re.compile(r"《[^《》\n]{1,80}》|“[^“”\n]{1,400}”|「[^「」\n]{1,400}」|〈[^〈〉\n]{1,80}〉")


def quotation_mask(text: str) -> np.ndarray:
    """True for characters inside a quotation (《title》, “quote”, 「quote」), brackets included."""
    mask = np.zeros(len(text), dtype=bool)
    for m in _QUOTATION.finditer(text):
        mask[m.start() : m.end()] = True
    return mask


@dataclass(frozen=True)
class Rates:
    total_chars: int
    copied_chars: int
    copied_outside_quotes: int
    source_chars: dict[int, int]  # source id → copied characters credited to it

    def rate(self, chars: int) -> float:
        return chars / self.total_chars if self.total_chars else 0.0

    @property
    def copy_rate(self) -> float:
        return self.rate(self.copied_chars)

    @property
    def copy_rate_excluding_quotes(self) -> float:
        return self.rate(self.copied_outside_quotes)

    @property
    def max_source_rate(self) -> float:
        return self.rate(max(self.source_chars.values(), default=0))


def measure(text: str, spans: Iterable[tuple[int, int, int]], excluded: Iterable[tuple[int, int]] = ()) -> Rates:
    """Rates of ``text`` given copied spans ``(start, end, source_id)`` in original offsets.

    Characters inside an ``excluded`` span ``(start, end)`` (公文格式要素, see
    :mod:`dupcheck.formatelements`) count in neither the numerator nor the denominator.
    """
    counted = nonspace_mask(text)
    for start, end in excluded:
        counted[start:end] = False
    covered = np.zeros(len(text), dtype=bool)
    per_source: dict[int, np.ndarray] = {}
    for start, end, source_id in spans:
        if not 0 <= start <= end <= len(text):
            raise ValueError(f"span [{start}, {end}) outside a text of length {len(text)}")
        covered[start:end] = True
        own = per_source.setdefault(source_id, np.zeros(len(text), dtype=bool))
        own[start:end] = True
    copied = covered & counted
    return Rates(
        total_chars=int(counted.sum()),
        copied_chars=int(copied.sum()),
        copied_outside_quotes=int((copied & ~quotation_mask(text)).sum()),
        source_chars={sid: int((own & counted).sum()) for sid, own in per_source.items()},
    )
