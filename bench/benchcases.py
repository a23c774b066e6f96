"""Benchmark cases with exact ground truth, built from the laws corpus (see docs/quality.md).

Importable and pure: every function takes the corpus texts and a seed (or a numpy
``Generator``) and returns values; reading files, writing .docx/.pdf and running systems is
``bench_quality.py``'s business.

The model of a draft
--------------------
- The national-level documents (region 全国) with a body are grouped into *families* (one law,
  its versions and its 实施条例/细则/办法; regulations on one subject from different issuers).  Families are split at random by the seed: 40% form
  the *reference pool* (indexed), the rest the *original pool* (never indexed).  Within a
  reference family only the newest member, and members that share < 20% of their 13-grams
  with the members already kept, are indexed (so a copied article has one true source).
- A document's indexed text is ``title + "\\n" + body``, the body's paragraphs one per line,
  chapter headings kept as plain lines (``第一章 总则``).  An *article* is a paragraph that
  starts ``第X条`` plus the paragraphs that follow it up to the next article or heading.
- A draft is a title line and a sequence of articles, one per line: runs of 1–6 consecutive
  articles (same chapter) copied from 1–3 reference documents, and original articles from
  the original pool, in random order.  Chapter headings are not put in drafts.
- Articles eligible for copying have 20–800 non-whitespace characters and at most 20% of
  their 13-grams shared with another reference document; original articles (and added
  sentences) share no 13-gram (whitespace and punctuation dropped) with any reference
  document, so "original" is original under the industry's own rule.

Ground truth
------------
- A *case* is a maximal sequence of copied articles that are adjacent in the draft and
  consecutive (same chapter, same order) in one source.  Its draft run is the whole
  (disguised) text of those articles, from the first character of the first label 第X条 to
  the last character of the last article, inserted or edited characters included; its source
  run is the source text of the same articles, from the first label to the final
  punctuation, shortened only when a sentence at the end was dropped.
- The true copy rate is the Report definition applied to the cases: non-whitespace
  characters inside case draft runs / all non-whitespace characters of the draft.
- Disguises are applied article by article and the draft is assembled afterwards, so every
  offset is exact by construction; ``check_draft`` re-verifies the invariants.

Disguises (``DISGUISES``): none; subst (issuer/place/agency); reorder (articles shuffled and
all renumbered 第一条…); edit2/edit5/edit10 (character insert/delete/replace at that rate,
inserted characters drawn from the corpus' own character distribution); punct (punctuation and
digit width changes, extra spaces and line breaks); sentence (a sentence dropped from, or an
original sentence added inside, copied articles); trad (whole draft in traditional characters,
OpenCC s2t); docx and pdf (the plain draft as a file; made by the bench script); mixed (2–4
of the above together).  none/trad/docx/pdf share their base drafts, so the same draft can be
compared across forms.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from rapidfuzz.distance import Indel

from bench.evaluate import Span, true_copy_rate, true_top_source
from dupcheck.baseline import K as GRAM
from dupcheck.baseline import gram_hashes, normalize_exact, sorted_searchsorted
from dupcheck.matchkey import jurisdiction_spans
from dupcheck.normalize import ZERO_WIDTH, nonspace_prefix

INFO_END = "<!-- INFO END -->"
ARTICLE_RE = re.compile(r"^第[一二三四五六七八九十百千零〇两]+\s?条(?:之[一二三四五六七八九十]+)?")
HEADING_RE = re.compile(r"^#+\s*")
# a unit's label in any library style: 第十二条, 第 12 條, （十二）, 十二、
UNIT_LABEL_RE = re.compile(
    r"^(?:第\s*[一二三四五六七八九十百千零〇两\d]+\s*[条條]|（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、)"
)
SENT_END = "。；！？"

SINGLE = ("none", "subst", "reorder", "edit2", "edit5", "edit10", "punct", "sentence", "trad", "docx", "pdf")
DISGUISES = (*SINGLE, "mixed")
# The extended benchmark (issue #10): structures of real libraries the disguises above do not build.
# ``crowd`` drafts copy 2-3 sources, the first of a family of near-identical siblings in the library
# (``with_crowds``); ``seam`` drafts walk one source in order, skipping articles, renumbering all and
# editing near the article seams, as a local implementing rule does.
# ``tradlib`` and ``tradlib-edit`` drafts are checked against the library converted to traditional
# script (OpenCC s2tw, Taiwan-style labels, ``traditional_library``); ``policy`` drafts against the
# library rewritten as policy documents of numbered paragraphs (``policy_library``).
EXTENDED = ("crowd", "seam", "tradlib", "tradlib-edit", "policy")
LIBRARY_OF = {"tradlib": "tradlib", "tradlib-edit": "tradlib", "policy": "policy"}  # disguise -> library
ALL_DISGUISES = DISGUISES + EXTENDED
FILE_FORMS = ("docx", "pdf")
SHARED_BASE = ("none", "trad", "docx", "pdf")  # these use the same base drafts
MIXABLE = ("sentence", "subst", "reorder", "edit5", "trad", "punct")

REFERENCE_SHARE = 0.4
MIN_ART, MAX_ART = 20, 800  # non-whitespace characters of an eligible article
MAX_SHARED = 0.2  # share of an article's 13-grams also in another reference document
MAX_RUN = 6

CITIES = (
    "北京市",
    "上海市",
    "天津市",
    "重庆市",
    "广州市",
    "深圳市",
    "杭州市",
    "济南市",
    "郑州市",
    "南京市",
    "武汉市",
    "成都市",
)


# --- corpus ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusDoc:
    """One corpus file as the manifest and the file give it."""

    key: str  # path inside the corpus
    title: str
    region: str
    category: str
    date: str | None
    raw: str  # the file text


@dataclass(frozen=True)
class Article:
    doc: str
    index: int  # position among the document's articles
    chapter: int  # number of headings before it
    start: int  # offsets in the document's indexed text
    end: int
    chars: int  # non-whitespace characters


@dataclass(frozen=True)
class Doc:
    key: str
    title: str
    text: str  # the indexed text: title + "\n" + body lines
    articles: tuple[Article, ...]
    date: str | None = None
    family: str = ""

    @property
    def body_empty(self) -> bool:
        return "\n" not in self.text


_INVISIBLE = " \t\u3000" + "".join(sorted(ZERO_WIDTH))


def body_lines(raw: str) -> list[str]:
    """The body's non-empty paragraphs (after ``<!-- INFO END -->``), headings without ``#``;
    leading ``# title`` lines and lines of only zero-width characters dropped."""
    body = raw.split(INFO_END, 1)[1] if INFO_END in raw else ""
    lines = [ln.strip() for ln in body.splitlines()]
    lines = [ln for ln in lines if ln.strip(_INVISIBLE)]  # a line of only U+200B is empty
    while lines and lines[0].startswith("# "):
        lines.pop(0)
    return lines


def build_doc(cd: CorpusDoc) -> Doc:
    """The indexed text of a corpus document and its articles."""
    lines = body_lines(cd.raw)
    parts = [cd.title]
    pos = len(cd.title) + 1
    arts: list[list] = []  # [start, end, chapter]
    chapter = 0
    current = None
    for ln in lines:
        heading = ln.startswith("#")
        if heading:
            ln = HEADING_RE.sub("", ln)
        start = pos
        parts.append(ln)
        pos += len(ln) + 1
        if heading:
            chapter += 1
            current = None
        elif ARTICLE_RE.match(ln):
            current = [start, start + len(ln), chapter]
            arts.append(current)
        elif current is not None:
            current[1] = start + len(ln)
    text = "\n".join(parts)
    ns = nonspace_prefix(text)
    articles = tuple(Article(cd.key, i, ch, a, b, int(ns[b] - ns[a])) for i, (a, b, ch) in enumerate(arts))
    first = text[articles[0].start : articles[0].end] if articles else ""
    return Doc(cd.key, cd.title, text, articles, cd.date, family_of(cd.title, first))


_CITED = re.compile(r"《([^《》]+)》")


def _without_issuer(title: str) -> str:
    """The title without a leading issuer or place (宁波市, 香港特别行政区, 上海市人民代表大会常务委员会).

    Regulations on one subject from different places are drafted from each other (the copying
    dupcheck exists to find, disguised by the very place-name swap of the ``subst`` disguise), so
    they belong to one family and never sit on both sides of the split.  The issuer names are
    dupcheck's gazetteer and organ list (``matchkey.jurisdiction_spans``).
    """
    spans = jurisdiction_spans(title)
    if spans and spans[0][0] == 0 and len(title) - spans[0][1] >= 3:
        return title[spans[0][1] :]
    return title


def family_of(title: str, first_article: str = "") -> str:
    """A law and the documents derived from it share a family: its versions, implementing
    rules, amendments and judicial interpretations, which restate it in other words.

    The core name drops 中华人民共和国, 实施条例/细则/办法, a trailing version in brackets,
    修正案 and a trailing 法/条例/规定/办法/细则/规则 (so 无障碍环境建设条例 and its successor
    无障碍环境建设法 are one family) and a leading issuer or place (宁波市终身教育促进条例 and
    another city's 终身教育促进条例 are one family).  A document whose title names another in 《…》
    (实施《…》办法, 关于修改《…》的决定, 关于适用《…》的解释) joins that document's family; an
    implementing regulation without one joins the family of the law its first article is based
    on (根据《…》: 陆生野生动物保护实施条例 → 野生动物保护法).
    """
    t = title.strip()
    m = _CITED.search(t)
    if m is None and "实施" in t:
        m = re.search(r"根据《([^《》]+)》", first_article[:200])
    if m is not None and m.group(1) != t and "《" not in m.group(1):
        return family_of(m.group(1))
    t = re.sub(r"^中华人民共和国", "", t)
    t = _without_issuer(t)
    t = re.sub(r"(实施条例|实施细则|实施办法)$", "", t)
    t = re.sub(r"[（(][^（）()]*[）)]$", "", t)
    t = re.sub(r"修正案$", "", t)
    core = re.sub(r"(法|条例|规定|办法|细则|规则)$", "", t)
    return core if len(core) >= 2 else t


def _seed_rng(*parts) -> np.random.Generator:
    key = [int(p) if isinstance(p, (int, np.integer)) else zlib.crc32(str(p).encode()) for p in parts]
    return np.random.default_rng(key)


class _GramSet:
    """Sorted 13-gram hashes of a set of texts, with the number of texts holding each."""

    def __init__(self, texts: Sequence[str]) -> None:
        hs, owner = [], []
        for i, t in enumerate(texts):
            h = np.unique(gram_hashes(normalize_exact(t)[0]))
            hs.append(h)
            owner.append(np.full(h.size, i, dtype=np.int64))
        allh = np.concatenate(hs) if hs else np.zeros(0, np.uint64)
        self.hashes, self.docs = np.unique(allh, return_counts=True)

    def lookup(self, h: np.ndarray) -> np.ndarray:
        """Number of texts holding each hash (0 when none)."""
        if self.hashes.size == 0 or h.size == 0:
            return np.zeros(h.size, dtype=np.int64)
        i = sorted_searchsorted(self.hashes, h)
        i = np.minimum(i, self.hashes.size - 1)
        return np.where(self.hashes[i] == h, self.docs[i], 0)


def _grams(text: str) -> np.ndarray:
    return gram_hashes(normalize_exact(text)[0])


def _article_grams(d: Doc, gramset: _GramSet):
    """(article, number of reference documents holding each 13-gram inside it) for the
    articles of eligible length; the document is normalized, hashed and looked up once."""
    codes, pos = normalize_exact(d.text)
    counts = gramset.lookup(gram_hashes(codes))
    arts = [a for a in d.articles if MIN_ART <= a.chars <= MAX_ART]
    if not arts:
        return
    bounds = np.searchsorted(pos, np.array([[a.start, a.end] for a in arts], dtype=np.int64))
    for a, (na, nb) in zip(arts, bounds.tolist()):
        yield a, counts[na : max(na, nb - GRAM + 1)]


@dataclass
class Pools:
    """The reference pool (indexed) and the original pool, with eligible articles."""

    seed: int
    reference: list[Doc]  # every document to index
    copyable: dict[str, list[Article]]  # reference key -> eligible articles
    original: list[Article]  # eligible original articles
    original_docs: dict[str, Doc]
    sentences: list[str]  # eligible original sentences (for the sentence disguise)
    char_values: np.ndarray = field(repr=False)  # CJK characters of the original pool…
    char_probs: np.ndarray = field(repr=False)  # …and their frequencies
    stats: dict = field(default_factory=dict)
    crowds: dict[str, list[str]] = field(default_factory=dict)  # crowded reference key -> its siblings' keys

    def __post_init__(self) -> None:
        self.docs: dict[str, Doc] = {d.key: d for d in self.reference}
        self.char_cdf = np.cumsum(self.char_probs)

    def index_items(self) -> list[tuple[str, str, str]]:
        return [(d.key, d.text, d.title) for d in self.reference]


def build_pools(
    corpus: Iterable[CorpusDoc],
    seed: int,
    reference_share: float = REFERENCE_SHARE,
    regions: Sequence[str] = ("全国",),
) -> Pools:
    """Split the documents of ``regions`` (national by default; the local regulations make
    another corpus of the same kind) into the two pools and find the eligible articles."""
    docs = [build_doc(cd) for cd in corpus if cd.region in regions]
    docs = [d for d in docs if not d.body_empty]
    fams: dict[str, list[Doc]] = {}
    for d in docs:
        fams.setdefault(d.family, []).append(d)
    names = sorted(fams)
    rng = _seed_rng(seed, "split")
    perm = rng.permutation(len(names))
    n_ref = round(reference_share * len(names))
    ref_fams = {names[i] for i in perm[:n_ref]}

    def newest_distinct(members: list[Doc]) -> list[Doc]:
        if len(members) == 1:
            return members
        kept, kept_grams = [], np.zeros(0, np.uint64)
        for d in sorted(members, key=lambda d: (d.date or "", d.key), reverse=True):
            g = np.unique(_grams(d.text))
            shared = np.isin(g, kept_grams).mean() if g.size and kept_grams.size else 0.0
            if shared < 0.2:
                kept.append(d)
                kept_grams = np.union1d(kept_grams, g)
        return kept

    reference = [d for n in names if n in ref_fams for d in newest_distinct(fams[n])]
    original_docs = [d for n in names if n not in ref_fams for d in newest_distinct(fams[n])]
    reference.sort(key=lambda d: d.key)
    original_docs.sort(key=lambda d: d.key)

    ref_set = _GramSet([d.text for d in reference])
    # copyable: ≤ MAX_SHARED of the article's grams in another reference document
    copyable: dict[str, list[Article]] = {}
    n_cand = 0
    for d in reference:
        ok = []
        for a, c in _article_grams(d, ref_set):
            n_cand += 1
            if c.size and (c >= 2).mean() <= MAX_SHARED:
                ok.append(a)
        if ok:
            copyable[d.key] = ok
    # original: no gram in the reference pool
    original: list[Article] = []
    n_orig_cand = 0
    for d in original_docs:
        for a, c in _article_grams(d, ref_set):
            n_orig_cand += 1
            if not (c > 0).any():
                original.append(a)
    odocs = {d.key: d for d in original_docs}
    sentences = []
    for a in original:
        t = odocs[a.doc].text[a.start : a.end]
        for s in split_sentences(t)[1:]:
            s = s.strip()
            if 8 <= len(s) <= 80 and s[-1] in SENT_END and "\n" not in s:
                sentences.append(s)
    chars: dict[str, int] = {}
    for a in original:
        for ch in odocs[a.doc].text[a.start : a.end]:
            if "\u4e00" <= ch <= "\u9fff":
                chars[ch] = chars.get(ch, 0) + 1
    values = np.array(sorted(chars))
    counts = np.array([chars[c] for c in values], dtype=float)
    stats = {
        "families": len(names),
        "reference_families": len(ref_fams),
        "reference_docs": len(reference),
        "reference_chars": sum(len(d.text) for d in reference),
        "original_docs": len(original_docs),
        "copyable_articles": sum(len(v) for v in copyable.values()),
        "copyable_candidates": n_cand,
        "original_articles": len(original),
        "original_candidates": n_orig_cand,
        "original_sentences": len(sentences),
    }
    return Pools(seed, reference, copyable, original, odocs, sentences, values, counts / counts.sum(), stats)


# --- drafts -------------------------------------------------------------------------


def split_sentences(text: str) -> list[str]:
    """Pieces of ``text`` ending after 。；！？ (with any closing quotes) or a line break; they
    concatenate to ``text``."""
    out, start, i, n = [], 0, 0, len(text)
    while i < n:
        ch = text[i]
        i += 1
        if ch in SENT_END or ch == "\n":
            while i < n and text[i] in "”’）》」":
                i += 1
            out.append(text[start:i])
            start = i
    if start < n:
        out.append(text[start:])
    return out


@dataclass
class Seg:
    text: str
    src: tuple[int, int] | None  # source offsets of this piece (None: not from the source)


@dataclass
class Unit:
    """One article of a draft."""

    segs: list[Seg]
    source: str | None  # reference key, or None for an original article
    index: int = -1  # article index in the source
    chapter: int = -1
    text: str = ""  # set by flatten()
    src_span: tuple[int, int] | None = None


@dataclass
class Plan:
    """A draft before disguises."""

    base: str  # base draft id
    title: str
    units: list[Unit]
    target_rate: float


@dataclass(frozen=True)
class Draft:
    id: str
    base: str
    disguise: str
    applied: tuple[str, ...]
    title: str
    text: str
    cases: tuple[Span, ...]
    true_rate: float
    top_source: str | None
    target_rate: float
    n_sources: int

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "base": self.base,
            "disguise": self.disguise,
            "applied": list(self.applied),
            "true_rate": self.true_rate,
            "target_rate": self.target_rate,
            "top_source": self.top_source,
            "n_sources": self.n_sources,
            "chars": len(self.text),
            "cases": [[c.draft_start, c.draft_end, c.source, c.source_start, c.source_end] for c in self.cases],
        }


def _pick_rate(rng: np.random.Generator) -> float:
    u = rng.random()
    if u < 0.10:
        return 0.0
    if u < 0.55:
        return float(rng.uniform(0.78, 0.92))
    if u < 0.60:
        return 1.0
    return float(rng.uniform(0.03, 1.0))


def _runs_of(arts: list[Article]) -> list[list[Article]]:
    """Maximal stretches of eligible articles, consecutive and in one chapter."""
    out: list[list[Article]] = []
    for a in arts:
        if out and out[-1][-1].index + 1 == a.index and out[-1][-1].chapter == a.chapter:
            out[-1].append(a)
        else:
            out.append([a])
    return out


def _take_runs(arts: list[Article], need: int, rng: np.random.Generator) -> list[list[Article]]:
    """Runs of 1–MAX_RUN consecutive articles totalling about ``need`` characters; runs
    neither overlap nor touch."""
    used: set[int] = set()
    runs: list[list[Article]] = []
    got = 0
    stretches = _runs_of(arts)
    for _ in range(200):
        if got >= need:
            break
        free = []
        for st in stretches:
            cur: list[Article] = []
            for a in st:
                if a.index in used or a.index - 1 in used or a.index + 1 in used:
                    if cur:
                        free.append(cur)
                    cur = []
                else:
                    cur.append(a)
            if cur:
                free.append(cur)
        if not free:
            break
        w = np.array([len(f) for f in free], dtype=float)
        st = free[int(rng.choice(len(free), p=w / w.sum()))]
        k = int(min(len(st), rng.geometric(0.35), MAX_RUN))
        i0 = int(rng.integers(0, len(st) - k + 1))
        run = st[i0 : i0 + k]
        # do not overshoot by more than half a run when close to the target
        add = sum(a.chars for a in run)
        while len(run) > 1 and got + add > need * 1.08:
            run = run[:-1]
            add = sum(a.chars for a in run)
        runs.append(run)
        used.update(a.index for a in run)
        got += add
    return runs


def make_plan(
    pools: Pools,
    base: str,
    rng: np.random.Generator,
    *,
    first: str | None = None,
    avoid: frozenset[str] = frozenset(),
    n_sources: int | None = None,
    min_rate: float = 0.0,
) -> Plan:
    """Choose the articles of one draft (no disguise yet).

    ``first`` fixes the first (largest) source, ``avoid`` keeps documents out of the others,
    ``n_sources`` fixes how many sources, ``min_rate`` the least target rate (``crowd`` drafts);
    without them the draws are those of the original benchmark.
    """
    rate = max(_pick_rate(rng), min_rate)
    length = int(rng.integers(1200, 4000))
    need_copy = round(rate * length)
    need_orig = round((1 - rate) * length)
    units: list[list[Unit]] = []  # blocks

    primary = None
    if need_copy > 0:
        n_src = int(rng.choice([1, 2, 3], p=[0.5, 0.3, 0.2]))
        if n_sources is not None:
            n_src = n_sources
        if n_src == 1:
            shares = [1.0]
        elif n_src == 2:
            p = rng.uniform(0.6, 0.8)
            shares = [p, 1 - p]
        else:
            p = rng.uniform(0.5, 0.7)
            q = rng.uniform(0.55, 0.75) * (1 - p)
            shares = [p, q, 1 - p - q]
        keys = sorted(pools.copyable)
        avail = {k: sum(a.chars for a in pools.copyable[k]) for k in keys}
        chosen: list[str] = []
        for s in shares:
            if first is not None and not chosen:
                chosen.append(first)
                continue
            need = s * need_copy
            cands = [k for k in keys if k not in chosen and k not in avoid and avail[k] >= 1.3 * need]
            if not cands:
                cands = sorted((k for k in keys if k not in chosen and k not in avoid), key=lambda k: -avail[k])[:20]
            chosen.append(cands[int(rng.integers(len(cands)))])
        primary = chosen[0]
        docs = pools.docs
        for key, s in zip(chosen, shares):
            for run in _take_runs(pools.copyable[key], int(s * need_copy), rng):
                text = docs[key].text
                block = []
                for a in run:
                    segs, pos = [], a.start
                    for piece in split_sentences(text[a.start : a.end]):
                        segs.append(Seg(piece, (pos, pos + len(piece))))
                        pos += len(piece)
                    block.append(Unit(segs, key, a.index, a.chapter))
                units.append(block)

    if need_orig > 0 or not units:
        # articles of 1–3 original documents, more documents when those run out
        okeys = sorted({a.doc for a in pools.original})
        doc_order = rng.permutation(len(okeys))
        first = int(rng.integers(1, 4))
        cand = [a for a in pools.original if a.doc in {okeys[int(i)] for i in doc_order[:first]}]
        used_docs = first
        got = 0
        taken: set[tuple[str, int]] = set()
        while got < max(need_orig, 1):
            free = [a for a in cand if (a.doc, a.index) not in taken]
            if not free:
                if used_docs >= len(okeys):
                    break
                nxt = okeys[int(doc_order[used_docs])]
                used_docs += 1
                cand = [a for a in pools.original if a.doc == nxt]
                continue
            a = free[int(rng.integers(len(free)))]
            taken.add((a.doc, a.index))
            t = pools.original_docs[a.doc].text[a.start : a.end]
            units.append([Unit([Seg(t, None)], None)])
            got += a.chars

    order = rng.permutation(len(units))
    flat = [u for i in order for u in units[int(i)]]
    city = CITIES[int(rng.integers(len(CITIES)))]
    topic = family_of(pools.docs[primary].title) if primary else "有关事项"
    if len(topic) > 8:
        topic = "有关事项"
    title = f"{city}关于{topic}的规定（征求意见稿）"
    return Plan(base, title, flat, rate)


# --- disguises --------------------------------------------------------------------------


def _flatten(u: Unit, source_text: str | None) -> None:
    text = "".join(s.text for s in u.segs)
    u.text = text.strip()
    if u.source is not None:
        spans = [s.src for s in u.segs if s.src is not None]
        a, b = spans[0][0], spans[-1][1]
        while b > a and source_text[b - 1].isspace():
            b -= 1
        u.src_span = (a, b)


def _sentence(units: list[Unit], pools: Pools, rng: np.random.Generator) -> None:
    """Drop a non-first sentence from, or add an original sentence inside, copied articles."""
    for u in units:
        if u.source is None or len(u.segs) < 2 or rng.random() >= 0.7:
            continue
        if rng.random() < 0.5:
            del u.segs[int(rng.integers(1, len(u.segs)))]
        else:
            s = pools.sentences[int(rng.integers(len(pools.sentences)))]
            u.segs.insert(int(rng.integers(1, len(u.segs))), Seg(s, None))


_SUBST = [
    ("省、自治区、直辖市人民政府", "市人民政府"),
    ("省、自治区、直辖市", "本市"),
    ("国务院有关部门", "市有关部门"),
    ("国务院", "市人民政府"),
    ("全国人民代表大会常务委员会", "市人民代表大会常务委员会"),
    ("县级以上地方各级人民政府", "区人民政府"),
    ("县级以上地方人民政府", "市、区人民政府"),
    ("全国", "全市"),
    ("国家", "本市"),
]


def _subst_text(text: str, rng: np.random.Generator, other_city: dict[str, str]) -> str:
    table = dict(_SUBST)
    table.update(other_city)
    pat = re.compile("|".join(re.escape(k) for k in sorted(table, key=len, reverse=True)))

    def rep(m: re.Match) -> str:
        return table[m.group(0)] if rng.random() < 0.9 else m.group(0)

    return pat.sub(rep, text)


def _reorder(units: list[Unit], rng: np.random.Generator) -> list[Unit]:
    return [units[int(i)] for i in rng.permutation(len(units))]


_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """Chinese numeral as in article labels: 1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五."""
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    head = _CN_DIGITS[n // 100] + "百"
    if rest == 0:
        return head
    if rest < 10:
        return head + "零" + _CN_DIGITS[rest]
    return head + (_CN_DIGITS[rest // 10] + "十" + (_CN_DIGITS[rest % 10] if rest % 10 else ""))


def _renumber(units: list[Unit]) -> None:
    for i, u in enumerate(units, 1):
        u.text = ARTICLE_RE.sub(f"第{cn_number(i)}条", u.text, count=1)


def _edit_text(text: str, p: float, rng: np.random.Generator, pools: Pools) -> str:
    cdf = pools.char_cdf
    chars = list(text)
    n_ns = sum(1 for c in chars if not c.isspace())
    expected = p * n_ns
    n = int(expected) + (rng.random() < expected - int(expected))
    for _ in range(n):
        pos = [i for i, c in enumerate(chars) if not c.isspace()]
        if not pos:
            break
        i = pos[int(rng.integers(len(pos)))]
        op = int(rng.integers(3))
        new = str(pools.char_values[min(int(np.searchsorted(cdf, rng.random(), side="right")), cdf.size - 1)])
        if op == 0:  # insert before i
            chars.insert(i, new)
        elif op == 1 and len(pos) > 1:  # delete
            del chars[i]
        else:  # replace
            chars[i] = new
    return "".join(chars)


@lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    return _s2t().convert(text)


_HALF = {
    "。": ".",
    "，": ",",
    "；": ";",
    "：": ":",
    "？": "?",
    "！": "!",
    "（": "(",
    "）": ")",
    "“": '"',
    "”": '"',
    "、": ",",
}


def _punct_text(text: str, flags: dict, rng: np.random.Generator) -> str:
    out = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch in _HALF and rng.random() < flags["half"]:
            ch = _HALF[ch]
        elif ch.isascii() and ch.isalnum() and rng.random() < flags["full"]:
            ch = chr(ord(ch) + 0xFEE0)
        elif "\uff10" <= ch <= "\uff5a" and rng.random() < flags["full"]:
            ch = chr(ord(ch) - 0xFEE0)
        out.append(ch)
        if 0 < i < n - 1 and not ch.isspace():
            r = rng.random()
            if r < flags["space"]:
                out.append(" " if rng.random() < 0.7 else "\u3000")
            elif r < flags["space"] + flags["newline"]:
                out.append("\n")
    return "".join(out)


def make_draft(pools: Pools, disguise: str, j: int, seed: int) -> Draft:
    """Draft ``j`` of ``disguise``: deterministic given the pools, the seed and ``j``."""
    if disguise not in ALL_DISGUISES:
        raise ValueError(f"unknown disguise {disguise!r}; choose from {', '.join(ALL_DISGUISES)}")
    base_key = "base" if disguise in SHARED_BASE else disguise
    base = f"{base_key}-{j}"
    if disguise == "crowd":
        if not pools.crowds:
            raise ValueError("crowd drafts need a library with crowds: call with_crowds(pools, seed) first")
        crowded = sorted(pools.crowds)
        plan_rng = _seed_rng(seed, base_key, j)
        first = crowded[int(plan_rng.integers(len(crowded)))]
        plan = make_plan(
            pools,
            base,
            plan_rng,
            first=first,
            avoid=frozenset(crowded),
            n_sources=int(plan_rng.integers(2, 4)),
            min_rate=0.3,
        )
        return apply_disguises(
            plan, (), pools, _seed_rng(seed, "disguise", disguise, j), disguise=disguise, draft_id=f"{disguise}-{j}"
        )
    if disguise == "seam":
        return seam_draft(pools, j, seed)
    if disguise in ("tradlib", "tradlib-edit"):
        return tradlib_draft(pools, disguise, j, seed)
    if disguise == "policy":
        return policy_draft(pools, j, seed)
    plan = make_plan(pools, base, _seed_rng(seed, base_key, j))
    rng = _seed_rng(seed, "disguise", disguise, j)
    if disguise == "mixed":
        k = int(rng.integers(2, 5))
        picked = set(rng.choice(len(MIXABLE), size=k, replace=False).tolist())
        applied = tuple(MIXABLE[i] for i in range(len(MIXABLE)) if i in picked)
    elif disguise in ("none", *FILE_FORMS):
        applied = ()
    else:
        applied = (disguise,)
    return apply_disguises(plan, applied, pools, rng, disguise=disguise, draft_id=f"{disguise}-{j}")


def apply_disguises(
    plan: Plan, applied: Sequence[str], pools: Pools, rng: np.random.Generator, *, disguise: str, draft_id: str
) -> Draft:
    """Apply disguises in a fixed order (sentence, subst, reorder, edits, trad, punct),
    article by article, then assemble the draft and its cases."""
    docs = pools.docs
    units = [Unit([Seg(s.text, s.src) for s in u.segs], u.source, u.index, u.chapter) for u in plan.units]
    title = plan.title
    applied = tuple(applied)
    if "sentence" in applied:
        _sentence(units, pools, rng)
    for u in units:
        _flatten(u, docs[u.source].text if u.source else None)
    if "subst" in applied:
        cities = list(CITIES)
        perm = rng.permutation(len(cities))
        other = {c: cities[int(perm[i])] for i, c in enumerate(cities) if cities[int(perm[i])] != c}
        for u in units:
            u.text = _subst_text(u.text, rng, other)
    if "reorder" in applied:
        units = _reorder(units, rng)
        _renumber(units)
    for name in applied:
        if name.startswith("edit"):
            p = int(name[4:]) / 100
            for u in units:
                u.text = _edit_text(u.text, p, rng, pools).strip()
    if "trad" in applied:
        title = to_traditional(title)
        for u in units:
            u.text = to_traditional(u.text)
    if "punct" in applied:
        flags = {
            "half": float(rng.uniform(0.5, 1.0)),
            "full": float(rng.uniform(0.5, 1.0)),
            "space": float(rng.uniform(0.01, 0.05)),
            "newline": float(rng.uniform(0.0, 0.01)),
        }
        title = _punct_text(title, flags, rng)
        for u in units:
            u.text = _punct_text(u.text, flags, rng)
    return assemble(draft_id, plan, disguise, applied, title, units)


def assemble(
    draft_id: str, plan: Plan, disguise: str, applied: tuple[str, ...], title: str, units: list[Unit]
) -> Draft:
    """Join title and articles (one per line) and derive the cases."""
    parts = [title]
    pos = len(title) + 1
    placed = []
    for u in units:
        placed.append((pos, pos + len(u.text), u))
        parts.append(u.text)
        pos += len(u.text) + 1
    text = "\n".join(parts)
    cases: list[Span] = []
    prev = None
    for a, b, u in placed:
        if u.source is None:
            prev = None
            continue
        if (
            prev is not None
            and prev[2].source == u.source
            and prev[2].index + 1 == u.index
            and prev[2].chapter == u.chapter
        ):
            last = cases[-1]
            cases[-1] = Span(draft_id, last.draft_start, b, u.source, last.source_start, u.src_span[1])
        else:
            cases.append(Span(draft_id, a, b, u.source, u.src_span[0], u.src_span[1]))
        prev = (a, b, u)
    cases_t = tuple(cases)
    return Draft(
        id=draft_id,
        base=plan.base,
        disguise=disguise,
        applied=applied,
        title=title,
        text=text,
        cases=cases_t,
        true_rate=true_copy_rate(text, cases_t),
        top_source=true_top_source(text, cases_t),
        target_rate=plan.target_rate,
        n_sources=len({c.source for c in cases_t}),
    )


def make_drafts(pools: Pools, disguises: Sequence[str], per_disguise: int, seed: int) -> list[Draft]:
    return [make_draft(pools, d, j, seed) for d in disguises for j in range(per_disguise)]


def check_draft(draft: Draft, pools: Pools) -> list[str]:
    """Invariants of the ground truth; returns the problems found (empty when sound)."""
    problems = []
    docs = pools.docs
    prev_end = -1
    for c in draft.cases:
        seg = draft.text[c.draft_start : c.draft_end]
        src = docs[c.source].text[c.source_start : c.source_end]
        if c.draft_start < prev_end:
            problems.append(f"{draft.id}: overlapping cases at {c.draft_start}")
        prev_end = c.draft_end
        if not seg or seg != seg.strip():
            problems.append(f"{draft.id}: case draft run {c.draft_start}:{c.draft_end} has outer whitespace")
        if not UNIT_LABEL_RE.match(src) or src != src.strip():
            problems.append(f"{draft.id}: case source run does not start with a label: {src[:12]!r}")
        if draft.text[c.draft_end : c.draft_end + 1] not in ("", "\n"):
            problems.append(f"{draft.id}: case does not end at a line end")
        if c.draft_start > 0 and draft.text[c.draft_start - 1] != "\n":
            problems.append(f"{draft.id}: case does not start at a line start")
        if not draft.applied and seg != src:
            problems.append(f"{draft.id}: undisguised case differs from its source")
    return problems


# --- extended benchmark: crowded libraries, seams --------------------------------------------

CROWDED_DOCUMENTS = 24  # reference documents given a family of siblings by ``with_crowds``
CROWD_SIZE = (5, 20)  # siblings per crowded document


def _sibling(d: Doc, j: int, pools: Pools, rng: np.random.Generator) -> Doc:
    """A near-identical sibling of ``d``: another version, or the same regulation of another place.

    Every body line is edited (2-6% of its characters, at least one), a tenth of the articles are
    dropped and the rest renumbered, so the sibling shares most of ``d``'s wording (its
    fingerprints fill a retriever's top places) while no article of ``d`` is in it verbatim: a
    copy of ``d`` has one true source.
    """
    place = j % 2 == 1
    city = CITIES[int(rng.integers(len(CITIES)))]
    title = f"{city}{family_of(d.title)}条例" if place else f"{d.title}（{2000 + j}年修正）"
    p = float(rng.uniform(0.02, 0.06))
    other = {c: city for c in CITIES if c != city}
    lines, n = [title], 0
    for ln in d.text.split("\n")[1:]:
        if ARTICLE_RE.match(ln):
            if rng.random() < 0.1:
                continue
            n += 1
            ln = ARTICLE_RE.sub(f"第{cn_number(n)}条", ln, count=1)
        if place:
            ln = _subst_text(ln, rng, other)
        edited = _edit_text(ln, p, rng, pools)
        if edited == ln and len(ln) > 4:
            i = int(rng.integers(2, len(ln)))
            edited = ln[:i] + str(pools.char_values[int(rng.integers(len(pools.char_values)))]) + ln[i + 1 :]
        lines.append(edited)
    return Doc(f"crowd/{j:02d}/{d.key}", title, "\n".join(lines), (), None, d.family)


def with_crowds(pools: Pools, seed: int, documents: int = CROWDED_DOCUMENTS) -> Pools:
    """``pools`` with a crowd of 5-20 siblings (:func:`_sibling`) added to the library for ``documents``
    reference documents that have at least 1,500 copyable characters. The siblings are indexed but
    never copied: they are what fills a fixed number of candidate places."""
    rng = _seed_rng(seed, "crowds")
    rich = sorted(k for k, arts in pools.copyable.items() if sum(a.chars for a in arts) >= 1500)
    picked = [rich[int(i)] for i in rng.permutation(len(rich))[:documents]]
    siblings, crowds = [], {}
    for key in sorted(picked):
        n = int(rng.integers(CROWD_SIZE[0], CROWD_SIZE[1] + 1))
        family = [_sibling(pools.docs[key], j, pools, rng) for j in range(n)]
        crowds[key] = [s.key for s in family]
        siblings.extend(family)
    reference = sorted(pools.reference + siblings, key=lambda d: d.key)
    stats = dict(pools.stats, crowded_documents=len(crowds), crowd_siblings=len(siblings))
    return Pools(
        pools.seed,
        reference,
        pools.copyable,
        pools.original,
        pools.original_docs,
        pools.sentences,
        pools.char_values,
        pools.char_probs,
        stats,
        crowds,
    )


def _article_units(pools: Pools, key: str, run: Sequence[Article]) -> list[Unit]:
    text = pools.docs[key].text
    units = []
    for a in run:
        segs, pos = [], a.start
        for piece in split_sentences(text[a.start : a.end]):
            segs.append(Seg(piece, (pos, pos + len(piece))))
            pos += len(piece)
        units.append(Unit(segs, key, a.index, a.chapter))
    return units


_LABEL_AT_START = re.compile(r"^第[一二三四五六七八九十百千零〇两]+\s?条(?:之[一二三四五六七八九十]+)?")
_CROSS_REF = re.compile(r"(?<=.)第([一二三四五六七八九十百千零〇两]+)条")


def _seam_edit(text: str, rng: np.random.Generator, pools: Pools, number: int) -> str:
    """An article as a local rule rewrites it: renumbered, its label set apart as drafters do
    (a space, a full-width space or a line of its own), 本法 → 本办法, cross-references renumbered,
    and one to three characters edited within a dozen characters of each end."""
    m = _LABEL_AT_START.match(text)
    body = text[m.end() :].lstrip() if m else text
    body = body.replace("本法", "本办法") if rng.random() < 0.7 else body
    if rng.random() < 0.5:
        body = _CROSS_REF.sub(lambda x: f"第{cn_number(int(rng.integers(1, 60)))}条", body)

    def near(t: str, at_end: bool) -> str:
        chars = list(t)
        for _ in range(int(rng.integers(1, 4))):
            if len(chars) < 30:
                break
            i = int(rng.integers(len(chars) - 13, len(chars) - 1)) if at_end else int(rng.integers(0, 12))
            new = str(
                pools.char_values[
                    min(int(np.searchsorted(pools.char_cdf, rng.random(), side="right")), pools.char_cdf.size - 1)
                ]
            )
            op = int(rng.integers(3))
            if op == 0:
                chars.insert(i, new)
            elif op == 1:
                del chars[i]
            else:
                chars[i] = new
        return "".join(chars)

    if rng.random() < 0.6:
        body = near(body, at_end=False)
    if rng.random() < 0.6:
        body = near(body, at_end=True)
    sep = ("", " ", "\u3000", "\n")[int(rng.choice(4, p=[0.2, 0.4, 0.25, 0.15]))]
    # the label itself as drafters write it: mostly plain, sometimes spaced, in digits, or with a
    # character of it edited (第十二 条, 第 12 条, 第十二件)
    form = int(rng.choice(4, p=[0.6, 0.15, 0.15, 0.1]))
    label = (
        f"第{cn_number(number)}条",
        f"第 {cn_number(number)} 条" if rng.random() < 0.5 else f"第{cn_number(number)} 条",
        f"第{number}条",
        f"第{cn_number(number)}{'款项'[int(rng.integers(2))]}",
    )[form]
    return f"{label}{sep}{body}".strip()


def _walked_source(pools: Pools, rng: np.random.Generator) -> tuple[str, int]:
    """A source of at least 1,500 copyable characters for a draft that walks it in order, and how
    many characters the draft takes (1,500–5,000)."""
    keys = sorted(k for k, arts in pools.copyable.items() if sum(a.chars for a in arts) >= 1500)
    key = keys[int(rng.integers(len(keys)))]
    return key, int(rng.integers(1500, 5000))


def _original_unit(pools: Pools, rng: np.random.Generator) -> tuple[Unit, int]:
    """An original article (no source) to put between copied ones, and its characters."""
    o = pools.original[int(rng.integers(len(pools.original)))]
    return Unit([Seg(pools.original_docs[o.doc].text[o.start : o.end], None)], None), o.chars


def seam_draft(pools: Pools, j: int, seed: int) -> Draft:
    """A draft that walks one source in order, as a local implementing rule walks its law.

    Each eligible article of the source is taken with p = 0.6 (so the draft holds runs of the
    source's articles with gaps between them, each gap a seam where the next copied article's
    masked label follows the previous one), an original article is put between two taken ones
    with p = 0.15, a quarter of the drafts take a block of another source too; then every
    article is renumbered in draft order and edited near its ends (:func:`_seam_edit`).
    """
    rng = _seed_rng(seed, "seam", j)
    key, length = _walked_source(pools, rng)
    blocks: list[list[Unit]] = []
    got = 0
    for a in pools.copyable[key]:
        if got >= length:
            break
        if rng.random() < 0.6:
            blocks.append(_article_units(pools, key, [a]))
            got += a.chars
            if rng.random() < 0.15:
                unit, chars = _original_unit(pools, rng)
                blocks.append([unit])
                got += chars
    if rng.random() < 0.25:
        others = [k for k in sorted(pools.copyable) if k != key]
        other = others[int(rng.integers(len(others)))]
        runs = _take_runs(pools.copyable[other], int(0.25 * max(got, 400)), rng)
        for run in runs:
            blocks.insert(int(rng.integers(0, len(blocks) + 1)), _article_units(pools, other, run))
    units = [u for b in blocks for u in b]
    for u in units:
        if u.source and len(u.segs) > 2 and rng.random() < 0.2:
            del u.segs[int(rng.integers(1, len(u.segs))) :]  # a short run: the article's first sentences only
        _flatten(u, pools.docs[u.source].text if u.source else None)
    for n, u in enumerate(units, 1):
        u.text = (
            _seam_edit(u.text, rng, pools, n)
            if u.source
            else _LABEL_AT_START.sub(f"第{cn_number(n)}条", u.text, count=1)
        )
    topic = family_of(pools.docs[key].title)
    title = f"{CITIES[int(rng.integers(len(CITIES)))]}实施《{topic if len(topic) <= 12 else '有关规定'}》办法"
    plan = Plan(f"seam-{j}", title, units, got / max(length, 1))
    return assemble(f"seam-{j}", plan, "seam", ("seam",), title, units)


# --- extended benchmark: a library in another form (traditional script, policy documents) -----


def _rewrite_library(pools: Pools, rewrite, name: str) -> Pools:
    """``pools`` with every reference document's text rewritten line by line.

    ``rewrite(lines, doc)`` returns the new lines, one (possibly multi-line) string per old line, so
    every article, which spans whole lines, keeps its place: its new offsets are those of its first
    and last line. The title line is rewritten too. Crowds are not carried over."""
    docs = []
    moved: dict[str, dict[int, Article]] = {}
    for d in pools.reference:
        old = d.text.split("\n")
        new = rewrite(old, d)
        starts_old, pos = [], 0
        for ln in old:
            starts_old.append(pos)
            pos += len(ln) + 1
        starts_new, pos = [], 0
        for ln in new:
            starts_new.append(pos)
            pos += len(ln) + 1
        text = "\n".join(new)
        ns = nonspace_prefix(text)
        line_of = {st: i for i, st in enumerate(starts_old)}
        arts = []
        for a in d.articles:
            i = line_of[a.start]
            j = max(k for k, st in enumerate(starts_old) if st <= a.end)
            b0, b1 = starts_new[i], starts_new[j] + len(new[j])
            arts.append(Article(d.key, a.index, a.chapter, b0, b1, int(ns[b1] - ns[b0])))
        moved[d.key] = {a.index: a for a in arts}
        docs.append(Doc(d.key, new[0], text, tuple(arts), d.date, d.family))
    copyable = {k: [moved[k][a.index] for a in arts] for k, arts in pools.copyable.items() if k in moved}
    stats = dict(pools.stats, library=name)
    return Pools(
        pools.seed,
        docs,
        copyable,
        pools.original,
        pools.original_docs,
        pools.sentences,
        pools.char_values,
        pools.char_probs,
        stats,
    )


@lru_cache(maxsize=1)
def _s2tw():
    import opencc

    return opencc.OpenCC("s2tw")


_CN_VALUE = {c: i for i, c in enumerate(_CN_DIGITS)} | {"〇": 0, "两": 2}


def cn_value(numeral: str) -> int:
    """The value of a Chinese numeral as article labels write it (一百零五 → 105); inverse of :func:`cn_number`."""
    total, current = 0, 0
    for ch in numeral:
        if ch in "十百千":
            unit = {"十": 10, "百": 100, "千": 1000}[ch]
            total += (current or 1) * unit
            current = 0
        else:
            current = _CN_VALUE[ch]
    return total + current


_CN = "一二三四五六七八九十百千零〇两"
_LABEL_LINE = re.compile(rf"^第([{_CN}]+)条(?:之[{_CN}]+)?\s*")
_XREF = re.compile(rf"第([{_CN}]+)条")
_QUOTES = str.maketrans({"“": "「", "”": "」", "‘": "『", "’": "』"})


def traditional_library(pools: Pools) -> Pools:
    """The library as a traditional-script jurisdiction publishes it: OpenCC s2tw, 「」 quotations,
    and each article's label on a line of its own in Arabic numerals with spaces (第 12 條), its
    cross-references too (第 5 條)."""

    def rewrite(lines: list[str], d: Doc) -> list[str]:
        out = []
        for ln in lines:
            m = _LABEL_LINE.match(ln)
            body = ln[m.end() :] if m else ln
            body = _XREF.sub(lambda x: f"第 {cn_value(x.group(1))} 條", body)
            body = _s2tw().convert(body).translate(_QUOTES)
            out.append(f"第 {cn_value(m.group(1))} 條\n{body}" if m else body)
        return out

    return _rewrite_library(pools, rewrite, "tradlib")


_TW_XREF = re.compile(r"第 (\d+) 條")


def _tw_draft_unit(text: str, number: int, rng: np.random.Generator, pools: Pools, edit: float) -> str:
    """A copied article of the traditional library as a draft writes it: the label inline in
    Chinese numerals (第十二條, sometimes 第 十二 條), cross-references in Chinese numerals, 臺 → 台,
    「」 → “” in some drafts, 本法 → 本辦法, and ``edit`` of its characters edited."""
    m = re.match(r"^第 \d+ 條\n", text)
    body = text[m.end() :] if m else text
    body = _TW_XREF.sub(lambda x: f"第{cn_number(int(x.group(1)))}條", body)
    body = body.replace("臺", "台")
    if rng.random() < 0.5:
        body = body.translate(str.maketrans({"「": "“", "」": "”"}))
    if rng.random() < 0.7:
        body = body.replace("本法", "本辦法")
    if edit:
        body = _edit_text(body, edit, rng, pools).strip()
    label = f"第{cn_number(number)}條" if rng.random() < 0.7 else f"第 {cn_number(number)} 條"
    return f"{label}{(' ', '　', '')[int(rng.integers(3))]}{body}"


def tradlib_draft(pools: Pools, disguise: str, j: int, seed: int) -> Draft:
    """A draft in traditional script copying the traditional library (:func:`traditional_library`)."""
    plan = make_plan(pools, f"{disguise}-{j}", _seed_rng(seed, "tradlib", j))
    rng = _seed_rng(seed, "disguise", disguise, j)
    edit = 0.03 if disguise == "tradlib-edit" else 0.0
    units = [Unit([Seg(sg.text, sg.src) for sg in u.segs], u.source, u.index, u.chapter) for u in plan.units]
    for u in units:
        _flatten(u, pools.docs[u.source].text if u.source else None)
    for n, u in enumerate(units, 1):
        if u.source:
            u.text = _tw_draft_unit(u.text, n, rng, pools, edit)
        else:
            body = _s2tw().convert(_LABEL_AT_START.sub("", u.text, count=1).lstrip())
            u.text = f"第{cn_number(n)}條 {body.replace('臺', '台')}"
    title = _s2tw().convert(plan.title)
    return assemble(f"{disguise}-{j}", plan, disguise, (disguise,), title, units)


def policy_library(pools: Pools) -> Pools:
    """The library as policy documents (规范, 意见, 方案) are written: chapter headings 一、总则,
    articles as numbered paragraphs （一）… counted within their chapter, items 1. 2. …, 本法 → 本规范."""

    def rewrite(lines: list[str], d: Doc) -> list[str]:
        out = [lines[0]]
        chapter, para, item = 0, 0, 0
        heads = {a.start for a in d.articles}
        pos = len(lines[0]) + 1
        for ln in lines[1:]:
            start = pos
            pos += len(ln) + 1
            h = re.match(r"^第[一二三四五六七八九十百]+[章节编]\s*", ln)
            if h:
                chapter += 1
                para = 0
                out.append(f"{cn_number(chapter)}、{ln[h.end() :]}")
                continue
            ln = ln.replace("本法", "本规范").replace("本条例", "本规范")
            if start in heads:
                para += 1
                item = 0
                out.append(f"（{cn_number(para)}）{_LABEL_AT_START.sub('', ln, count=1).lstrip()}")
                continue
            it = re.match(r"^[（(][一二三四五六七八九十]+[）)]", ln)
            if it:
                item += 1
                ln = f"{item}．{ln[it.end() :]}"
            out.append(ln)
        return out

    return _rewrite_library(pools, rewrite, "policy")


_CLAUSE = re.compile(r"[^，；、：]+[，；、：]?")


def _reword(text: str, p: float, rng: np.random.Generator, pools: Pools) -> str:
    """Clauses of ``text`` replaced (share ``p``) by words of the drafter's own: the passage keeps
    exact runs between them, at an Indel similarity of about 1 - p."""
    out = []
    for c in _CLAUSE.findall(text):
        if len(c) > 6 and rng.random() < p:
            s = pools.sentences[int(rng.integers(len(pools.sentences)))].rstrip("。；！？")
            cut = int(rng.integers(0, max(1, len(s) - len(c) + 1)))
            out.append(s[cut : cut + max(4, len(c) - 1)] + (c[-1] if c[-1] in "，；、：" else ""))
        else:
            out.append(c)
    return "".join(out)


def policy_draft(pools: Pools, j: int, seed: int) -> Draft:
    """An implementing rule (实施细则) of a policy document: numbered paragraphs copied in the
    source's order with gaps, renumbered （一）… in the draft, 本规范 → 本实施细则, references to
    other paragraphs renumbered (第十条 → 第十二条), each copied paragraph reworded clause by clause
    at a share drawn per draft from 5–30% (each paragraph redrawn until its similarity to the source
    is 0.67–0.95, as real ones measured), original paragraphs between."""
    rng = _seed_rng(seed, "policy", j)
    key, length = _walked_source(pools, rng)
    p = float(rng.uniform(0.05, 0.3))
    blocks: list[Unit] = []
    got = 0
    for a in pools.copyable[key]:
        if got >= length:
            break
        if rng.random() < 0.6:
            blocks.extend(_article_units(pools, key, [a]))
            got += a.chars
        if rng.random() < 0.2:
            blocks.append(_original_unit(pools, rng)[0])
    for u in blocks:
        _flatten(u, pools.docs[u.source].text if u.source else None)
    for n, u in enumerate(blocks, 1):
        body = (
            re.sub(r"^（[一二三四五六七八九十]+）", "", u.text)
            if u.source
            else _LABEL_AT_START.sub("", u.text, count=1)
        )
        body = body.lstrip()
        if u.source:
            body = body.replace("本规范", "本实施细则")
            body = _CROSS_REF.sub(lambda x: f"第{cn_number(int(rng.integers(1, 40)))}条", body)
            plain = body
            for _ in range(8):  # the passage as the issue measured them: similarity 0.67-0.95
                body = _reword(plain, p, rng, pools)
                if 0.67 <= Indel.normalized_similarity(body, plain) <= 0.95 or p == 0:
                    break
            else:
                body = _reword(plain, p / 2, rng, pools)
        u.text = f"（{cn_number(min(n, 99))}）{body}"
    topic = family_of(pools.docs[key].title)
    title = f"{CITIES[int(rng.integers(len(CITIES)))]}关于{topic if len(topic) <= 12 else '有关规定'}的实施细则"
    plan = Plan(f"policy-{j}", title, blocks, got / max(length, 1))
    return assemble(f"policy-{j}", plan, "policy", ("policy",), title, blocks)


# --- real pairs ---------------------------------------------------------------------------


def implements(doc: Doc, short: str) -> bool:
    """A national regulation implementing the law ``short`` (name without 中华人民共和国):
    its title is ``[中华人民共和国]<short>实施条例/细则/办法``, or it has 实施 in its title and
    either names the law in 《…》 there or is based on it in its first article (根据《…》),
    e.g. 陆生野生动物保护实施条例 for 野生动物保护法."""
    names = {short, "中华人民共和国" + short}
    if re.fullmatch(rf"(中华人民共和国)?{re.escape(short)}(实施条例|实施细则|实施办法)", doc.title):
        return True
    if "实施" not in doc.title:
        return False
    cited = set(_CITED.findall(doc.title))
    if not cited and doc.articles:
        first = doc.text[doc.articles[0].start : doc.articles[0].end][:200]
        m = re.search(r"根据《([^《》]+)》", first)
        cited = {m.group(1)} if m else set()
    return bool(cited & names)


@dataclass(frozen=True)
class RealPair:
    key: str
    title: str
    text: str
    law: str  # the law's name as the 《…》 gives it
    law_keys: tuple[str, ...]  # national documents that are the law (any version)
    impl_keys: tuple[str, ...]  # national 实施条例/细则/办法 of the same law


def real_pairs(corpus: Iterable[CorpusDoc]) -> tuple[list[RealPair], list[str], list[Doc]]:
    """The local regulations whose title names the national law they implement.

    Returns (pairs with a body, keys skipped for an empty body, national documents to index).
    """
    corpus = list(corpus)
    national = [build_doc(cd) for cd in corpus if cd.region == "全国"]
    by_title: dict[str, list[str]] = {}
    for d in national:
        by_title.setdefault(d.title, []).append(d.key)
    pairs, skipped = [], []
    for cd in corpus:
        if cd.region == "全国" or "实施" not in cd.title:
            continue
        m = re.search(r"《(.+?)》", cd.title)
        if not m:
            continue
        law = m.group(1)
        short = re.sub(r"^中华人民共和国", "", law)
        law_keys = tuple(sorted(k for t in (short, "中华人民共和国" + short) for k in by_title.get(t, ())))
        impl_keys = tuple(sorted(d.key for d in national if implements(d, short)))
        d = build_doc(cd)
        if d.body_empty:
            skipped.append(cd.key)
            continue
        pairs.append(RealPair(cd.key, cd.title, d.text, law, law_keys, impl_keys))
    pairs.sort(key=lambda p: p.key)
    return pairs, sorted(skipped), [d for d in national if not d.body_empty]
