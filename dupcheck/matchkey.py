"""Segment a normalized text into the matching key: punctuation dropped, issuers and numbers masked.

A draft that copies its parent document swaps the issuer (国务院 → 市人民政府, 国家 → 本市,
泉州市 → 石狮市) and renumbers articles (第五条 → 第七条). Masking makes both sides agree:

- **jurisdiction / issuer / agency** expressions become one mask character ``JURIS``:
  administrative place names (``data/places.txt``, built from jieba's dictionary of ``ns``-tagged
  words and the list of province- and prefecture-level divisions by ``scripts/build_gazetteer.py``),
  scope words (国家, 全国, 本市, 全省, 省、自治区、直辖市,
  县级以上地方各级 …), issuers (国务院, 中央人民政府) and organs (人民政府, 人民代表大会常务委员会 …),
  with a run of adjacent ones (泉州市人民政府) folded into a single mask;
- the numeral of an **article, chapter, section, paragraph or item number** (第十二条, 第3章)
  becomes ``NUMBER``, so 第五条 and 第七条 both read 第\\ue001条;
- a document's **reference to itself** (本法, 本条例, 本办法, 本实施细则, 本规范 …) becomes ``SELF``:
  an implementing rule copies 依照本法第十条 as 依照本办法第十二条, a 实施细则 本规范 as 本实施细则.

The mask is a pure function of the local text, so the draft and the source, masked
independently, agree. Each mask keeps the original span of everything it replaced, so reported
offsets still land on the original characters.

Why not jieba's tagger at run time: jieba cuts about 0.3 M characters a second on this machine,
and indexing must take 20 M characters in seconds; and a context-dependent tagger could tag the
same name differently in draft and source, which breaks matching. Its dictionary, which carries
the tags, is what we use.
"""

from __future__ import annotations

import functools
import hashlib
import re
from importlib import resources

import numpy as np

from dupcheck.articles import KEY_NUMERAL_CHARS
from dupcheck.normalize import Normalized, codepoints, from_codepoints, normalize

JURIS = "\ue000"
NUMBER = "\ue001"
SELF = "\ue002"

MASKED_ARTICLE_LABEL = "第" + NUMBER + "条"
"""An article label (第五条) as it reads in the match key."""

# Every numbered unit is masked: 条/章/节/编 (articles.py's labels) and 款/项/目 in cross-references.
_ARTICLE_RE = re.compile(f"第([{KEY_NUMERAL_CHARS}]+)(?=[条章节款项编目])")

_ORGANS = ["人民代表大会常务委员会", "人民代表大会", "人大常委会", "常务委员会", "人民政府"]
_SCOPES = [
    "县级以上地方各级",
    "县级以上地方",
    "县级以上",
    "设区的市级",
    "设区的市",
    "地方各级",
    "省自治区直辖市",
    "省级",
    "市级",
    "县级",
    "乡级",
    "国家",
    "全国",
    "全省",
    "全市",
    "全区",
    "全县",
    "全州",
    "本省",
    "本市",
    "本区",
    "本县",
    "本自治区",
    "本自治州",
    "本自治县",
    "本行政区域",
    "本地区",
    "国务院",
    "中央人民政府",
    "中华人民共和国",
]
_LEVEL_BEFORE_ORGAN = f"[省市县区乡镇州](?=(?:{'|'.join(_ORGANS)}))"

# 本法 … 本实施细则: the kinds of document a text names itself by. Not after a character that makes
# 本 part of another word (基本法, 根本规定, 成本、资本、版本、文本、样本、副本、原本 …).
_SELF_RE = re.compile(
    "(?<![基根成资版文样副原日账课书剧脚标蓝底抄孤善读话])本"
    "(?:实施细则|实施办法|实施条例|实施意见|条例|规定|办法|细则|规范|规则|意见|方案|通知|决定|章程|准则|标准|法)"
)

MASKER_VERSION = "2"  # 2: self-references (本法, 本办法 …) masked


@functools.lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    text = resources.files("dupcheck").joinpath("data/places.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line)


@functools.lru_cache(maxsize=1)
def gazetteer_digest() -> str:
    """A short hash of the place list, recorded in the fingerprint scheme of every index."""
    data = resources.files("dupcheck").joinpath("data/places.txt").read_bytes()
    return hashlib.sha256(data).hexdigest()[:12]


def _trie_pattern(words: list[str]) -> str:
    """A regular expression matching any of ``words``, the longest where several begin at one
    place (as an alternation sorted longest first does), with common prefixes factored out: the
    regex engine then tries each character once instead of once per word (3.5x faster)."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


@functools.lru_cache(maxsize=1)
def _juris_re() -> re.Pattern[str]:
    return re.compile(f"{_LEVEL_BEFORE_ORGAN}|{_trie_pattern(sorted(set(_SCOPES) | set(_ORGANS)))}")


@functools.lru_cache(maxsize=1)
def _place_lengths() -> tuple[np.ndarray, dict[str, list[int]]]:
    """Which code points end a place name, and for each such character the lengths of the names
    it ends, longest first (北 ends only 2-character names, 县 names of 3 to 15)."""
    names = _places()
    ends = np.zeros(0x10000, dtype=bool)  # every name in data/places.txt ends in the BMP
    lengths: dict[str, set[int]] = {}
    for name in names:
        ends[ord(name[-1])] = True
        lengths.setdefault(name[-1], set()).add(len(name))
    return ends, {c: sorted(n, reverse=True) for c, n in lengths.items()}


def _place_spans(text: str) -> list[tuple[int, int]]:
    """The longest place name ending at each character that can end one (市, 县, 省 …): looked
    back from there, trying only the lengths of the names that character ends."""
    names = _places()
    can_end, lengths = _place_lengths()
    codes = codepoints(text)
    spans = []
    for end in (np.flatnonzero(can_end[np.minimum(codes, 0xFFFF)] & (codes < 0x10000)) + 1).tolist():
        for length in lengths[text[end - 1]]:
            if length <= end and text[end - length : end] in names:
                spans.append((end - length, end))
                break
    return spans


def jurisdiction_spans(text: str) -> list[tuple[int, int]]:
    """Spans of issuer, place and agency expressions in ``text``, adjacent ones merged.

    ``text`` is a matching key (punctuation already dropped: 省、自治区、直辖市 reads 省自治区直辖市).
    """
    spans = [m.span() for m in _juris_re().finditer(text)] + _place_spans(text)
    if not spans:
        return []
    spans.sort()
    merged = [list(spans[0])]
    for start, end in spans[1:]:
        if start <= merged[-1][1]:  # overlapping or adjacent: 泉州市 + 市人民政府 → one issuer
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def number_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the numerals in article/chapter/section/paragraph/item numbers (第十二条 → 十二)."""
    return [m.span(1) for m in _ARTICLE_RE.finditer(text)]


def self_reference_spans(text: str) -> list[tuple[int, int]]:
    """Spans of a document's references to itself (本法, 本条例, 本实施细则 …) in a matching key."""
    return [m.span() for m in _SELF_RE.finditer(text)]


def mask_spans(text: str) -> np.ndarray:
    """What :func:`mask` replaces in the key ``text``: an ``(n, 3)`` int32 array of (start, end,
    mask code point), sorted and disjoint. Issuers first; then article numerals and
    self-references where no issuer is. The costly part of a matching key, and small: a caller
    that meets a document again can keep these instead of the key (:func:`match_key`)."""
    spans = [(a, b, ord(JURIS)) for a, b in jurisdiction_spans(text)]
    taken = np.zeros(len(text) + 1, dtype=bool)
    for a, b, _ in spans:
        taken[a:b] = True
    spans += [(a, b, ord(NUMBER)) for a, b in number_spans(text) if not taken[a:b].any()]
    for a, b in self_reference_spans(text):
        if not taken[a:b].any():
            spans.append((a, b, ord(SELF)))
            taken[a:b] = True
    spans.sort()
    return np.array(spans, dtype=np.int32).reshape(-1, 3)


def apply_mask(key: Normalized, spans: np.ndarray) -> Normalized:
    """``key`` with each span of :func:`mask_spans` replaced by its mask character, which keeps
    the original span of everything it replaced."""
    if not len(spans):
        return key
    a, b, symbol = (spans[:, i].astype(np.int64) for i in range(3))
    codes = codepoints(key.text).copy()
    codes[a] = symbol
    ends = key.ends.copy()
    ends[a] = key.ends[b - 1]
    dropped = np.zeros(len(key.text) + 1, dtype=np.int64)
    np.add.at(dropped, a + 1, 1)
    np.add.at(dropped, b, -1)
    keep = np.cumsum(dropped)[:-1] == 0
    return Normalized(from_codepoints(codes[keep]), key.starts[keep], ends[keep])


def mask(key: Normalized) -> Normalized:
    """Replace every issuer span by ``JURIS``, every article numeral by ``NUMBER`` and every
    self-reference by ``SELF``, one character each."""
    return apply_mask(key, mask_spans(key.text))


def match_key(text: str, spans: np.ndarray | None = None) -> Normalized:
    """The matching key of an original text: normalized, punctuation and whitespace dropped, masked.

    ``spans``: this text's :func:`mask_spans`, if the caller kept them."""
    return match_key_with_spans(text, spans)[0]


def match_key_with_spans(text: str, spans: np.ndarray | None = None) -> tuple[Normalized, np.ndarray]:
    """:func:`match_key` and the :func:`mask_spans` it applied (``spans`` if given), for a
    caller that keeps them (the index stores them; the audit hands them to its workers)."""
    plain = normalize(text, drop_punctuation=True)
    if spans is None:
        spans = mask_spans(plain.text)
    return apply_mask(plain, spans), spans
