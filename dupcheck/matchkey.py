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
def _places() -> tuple[frozenset[str], int, frozenset[str]]:
    text = resources.files("dupcheck").joinpath("data/places.txt").read_text(encoding="utf-8")
    names = frozenset(line for line in text.splitlines() if line)
    return names, max(map(len, names)), frozenset(name[-1] for name in names)


@functools.lru_cache(maxsize=1)
def gazetteer_digest() -> str:
    """A short hash of the place list, recorded in the fingerprint scheme of every index."""
    data = resources.files("dupcheck").joinpath("data/places.txt").read_bytes()
    return hashlib.sha256(data).hexdigest()[:12]


@functools.lru_cache(maxsize=1)
def _juris_re() -> re.Pattern[str]:
    words = sorted(set(_SCOPES) | set(_ORGANS), key=len, reverse=True)
    return re.compile(f"{_LEVEL_BEFORE_ORGAN}|{'|'.join(map(re.escape, words))}")


def jurisdiction_spans(text: str) -> list[tuple[int, int]]:
    """Spans of issuer, place and agency expressions in ``text``, adjacent ones merged.

    ``text`` is a matching key (punctuation already dropped: 省、自治区、直辖市 reads 省自治区直辖市).
    """
    spans = [m.span() for m in _juris_re().finditer(text)]
    names, longest, last_chars = _places()
    # Place names: look back from every character that can end one (市, 县, 省 …), longest first.
    codes = codepoints(text)
    ends = np.flatnonzero(np.isin(codes, np.array([ord(c) for c in last_chars], dtype=np.uint32)))
    for end in ends.tolist():
        for length in range(min(longest, end + 1), 1, -1):
            if text[end - length + 1 : end + 1] in names:
                spans.append((end - length + 1, end + 1))
                break
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


def mask(key: Normalized) -> Normalized:
    """Replace every issuer span by ``JURIS``, every article numeral by ``NUMBER`` and every
    self-reference by ``SELF``, one character each."""
    text = key.text
    spans = [(a, b, JURIS) for a, b in jurisdiction_spans(text)]
    taken = np.zeros(len(text) + 1, dtype=bool)
    for a, b, _ in spans:
        taken[a:b] = True
    spans += [(a, b, NUMBER) for a, b in number_spans(text) if not taken[a:b].any()]
    for a, b in self_reference_spans(text):
        if not taken[a:b].any():
            spans.append((a, b, SELF))
            taken[a:b] = True
    if not spans:
        return key
    spans.sort()
    codes = codepoints(text).copy()
    keep = np.ones(len(text), dtype=bool)
    ends = key.ends.copy()
    for a, b, symbol in spans:
        codes[a] = ord(symbol)
        keep[a + 1 : b] = False
        ends[a] = key.ends[b - 1]
    return Normalized(from_codepoints(codes[keep]), key.starts[keep], ends[keep])


def match_key(text: str) -> Normalized:
    """The matching key of an original text: normalized, punctuation and whitespace dropped, masked."""
    return mask(normalize(text, drop_punctuation=True))
