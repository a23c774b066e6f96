"""Article map (条文对照表): each unit of the draft against the superior provisions it follows.

A filing reviewer (备案审查) asks of every article of a local regulation whether it merely repeats
the superior law (立法法 Art. 82(4): 对上位法已经明确规定的内容，一般不作重复性规定) and, of a
normative document, whether it transcribes its parent (照搬照抄, "上下一般粗"). This module
answers that from a finished :class:`~dupcheck.report.Report`, without re-aligning anything:

- **Units** of the draft: its articles (第X条, :func:`dupcheck.articles.split_articles`); for a
  意见/通知/方案 without articles, its numbered paragraphs (一、 （一） 1. （1）, a bare heading line
  such as "一、总体要求" is not a unit); otherwise its plain paragraphs (every non-empty line
  but the title). Format elements (版头, 主送, 版记 …, :mod:`dupcheck.formatelements`) are
  never units.
- **Matched characters** of a unit: its non-whitespace characters inside a copied passage that
  the passage's character alignment (:func:`dupcheck.render.common.char_alignment`) pairs with
  a source character. The unit's label (第X条, 一、) is not counted: renumbering is not content.
- **Class** of a unit, from its matched share (named constants below):
  照搬 ``copied`` — at least :data:`COPIED_MIN_MATCHED_SHARE` of it repeats a superior
  provision; 细化 ``refined`` — at least :data:`REFINED_MIN_MATCHED_SHARE`, the rest is the
  drafter's (its share is ``added_share``); 新增 ``new`` — less than that: no counterpart.
- **Provisions followed**: the source articles the unit's matched characters fall in (a
  passage running over two source articles names both), each with its offsets in the source
  text, the source characters the unit leaves out and its ``coverage`` (the share of the
  provision, or of its best paragraph, the unit repeats), so a renderer can show the pair side
  by side. A unit no passage reaches is compared with the articles of the report's sources
  (:data:`COUNTERPART_RUN`): a purpose clause restating the law's is 细化, not 新增.

Pure: takes a report (strings, passages), returns frozen values. Offsets are ``str`` indices.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from rapidfuzz.distance import Indel

from dupcheck.articles import Article, line_spans, split_articles
from dupcheck.fingerprint import gather, kgram_hashes64
from dupcheck.normalize import codepoints, nonspace_mask
from dupcheck.render.common import ReportArticles, char_keys
from dupcheck.report import Report

COPIED_MIN_MATCHED_SHARE = 0.85
"""照搬: at least 85% of the unit's characters repeat a superior provision (the rest is the
swapped issuer, a connective, a renumbered cross-reference: nothing of substance)."""

REFINED_MIN_MATCHED_SHARE = 0.40
"""细化: at least 40% (and less than 85%) repeats a superior provision; the drafter added or
changed the rest. Below 40% a unit is 新增 unless it contains most of one provision
(:data:`REFINED_MIN_COVERAGE`): shared topic words (举行集会、游行、示威) and legal formulas
(依法追究法律责任) are not a counterpart."""

REFINED_MIN_COVERAGE = 0.50
"""细化 too: a unit that repeats at least half of one superior provision, or of one paragraph (款)
of it, and at least :data:`MIN_COUNTERPART_CHARS` characters, follows it however much it adds (a
fund-source list that keeps the law's items and adds clauses of its own). Counted on the
provision's characters, its label left out."""

MIN_COUNTERPART_CHARS = 16
"""The coverage rule and the counterpart search need at least this many repeated characters (a
two-sentence provision such as 本法自公布之日起施行 is not followed by a unit that repeats it)."""

COUNTERPART_RUN = 6
"""A unit that no passage reaches (passages need longer runs, :class:`dupcheck.align.AlignParams`,
so that purpose clauses of unrelated documents do not count as copying) is compared with the
articles of the report's sources, the documents the draft already copies: runs of at least this
many consecutive characters in common are its counterpart when they reach the share or the
coverage rule. This finds a purpose clause (立法目的) restating the law's, which the copy rate
rightly does not count."""

COUNTERPART_CANDIDATES = 3
"""Source articles compared per source (those sharing most 6-character runs with the unit)."""

MIN_PROVISION_CHARS = 8
"""A source article is listed for a unit only when at least this many of the unit's characters
come from it (a passage running a few characters over a unit boundary is not a provision), and,
under :data:`MIN_COUNTERPART_CHARS`, a quarter of what its main provision gives."""

MIN_ADDED_RUN_CHARS = 4
"""In the "what the draft adds" text, runs of added characters inside a 细化 unit shorter than
this (a swapped 的, a changed numeral) are left out; they still count in ``added_share``."""

CLASSES = ("copied", "refined", "new")
CLASS_LABELS = {"copied": "照搬", "refined": "细化", "new": "新增"}

# Numbered paragraphs of policy documents (GB/T 9704 结构层次序数: 一、 （一） 1. （1）).
_INDENT = r"[ \t\u3000\u00a0]*"
_CN = "[一二三四五六七八九十]+"
_LEVELS = (
    re.compile(rf"{_INDENT}({_CN}、)"),
    re.compile(rf"{_INDENT}([（(]{_CN}[）)])"),
    re.compile(rf"{_INDENT}([0-9０-９]{{1,2}}[.．、](?![0-9０-９]))"),
    re.compile(rf"{_INDENT}([（(][0-9０-９]{{1,2}}[）)])"),
)
_HEADING_MAX_CHARS = 30
_HEADING_LINE = re.compile(r"[ \t\u3000]*(#+\s|第[一二三四五六七八九十百零〇0-9]+[编章节](\s|$))")
_SENTENCE_END = re.compile("[。；;！!？?]")
_DOC_WORDS = (
    "实施办法",
    "实施细则",
    "办法",
    "条例",
    "规定",
    "细则",
    "规则",
    "意见",
    "通知",
    "方案",
    "决定",
    "规划",
    "措施",
)


@dataclass(frozen=True)
class Unit:
    """A unit of the draft: ``text[start:end]``; ``text[start:body]`` is its label or marker."""

    label: str  # 第十二条, 二（一）, 第3段
    start: int
    body: int
    end: int


def _numbered_units(text: str, lines: list[tuple[int, int]]) -> list[Unit]:
    """Units from numbered paragraphs; ``[]`` when fewer than two numbered lines."""
    marks = []  # (line index, level, marker, marker end)
    for n, (a, b) in enumerate(lines):
        for level, rx in enumerate(_LEVELS):
            m = rx.match(text, a, b)
            if m:
                marks.append((n, level, m.group(1), m.end()))
                break
    if len(marks) < 2:
        return []
    units = []
    path: list[str | None] = [None] * len(_LEVELS)
    for k, (n, level, marker, body) in enumerate(marks):
        path[level] = marker.rstrip("、.．").replace("(", "（").replace(")", "）")
        for deeper in range(level + 1, len(path)):
            path[deeper] = None
        last_line = marks[k + 1][0] - 1 if k + 1 < len(marks) else len(lines) - 1
        start, end = lines[n][0], lines[last_line][1]
        while end > start and text[end - 1].isspace():
            end -= 1
        content = text[body:end]
        if len(content.strip()) <= _HEADING_MAX_CHARS and not _SENTENCE_END.search(content) and last_line == n:
            continue  # a heading line (一、总体要求): not a unit
        units.append(Unit("".join(p for p in path[: level + 1] if p), start, body, end))
    # Content before the first numbered line (the preamble, 导语), but not the title.
    first = marks[0][0]
    lead = [Unit("导语", a, a, b) for a, b in lines[1:first]]
    return lead + units


def split_units(text: str, exclude: Sequence[tuple[int, int]] = ()) -> tuple[list[Unit], str]:
    """The units of ``text`` and their counting word: ``(units, "条" | "项" | "段")``.

    Articles when the text has any; else numbered paragraphs when it has at least two; else
    every non-empty line after the first (the title). A unit wholly inside an ``exclude`` span
    (a format element) is left out.
    """
    articles = split_articles(text)
    if articles:
        units, word = [Unit(a.label, a.start, a.start + len(a.label), a.end) for a in articles], "条"
    else:  # the title is the first line that is not a format element (the 版头 comes first)
        lines = [(a, b) for a, b in line_spans(text) if not any(x <= a and b <= y for x, y in exclude)]
        units, word = _numbered_units(text, lines), "项"
        if not units:
            units, word = [Unit("", a, a, b) for a, b in lines[1:]], "段"
    if exclude:
        mask = np.zeros(len(text) + 1, dtype=bool)
        for a, b in exclude:
            mask[a:b] = True
        units = [u for u in units if not mask[u.start : u.end].all()]
    if word == "段" or any(u.label == "导语" for u in units):
        numbered = 0
        renamed = []
        for u in units:
            if u.label in ("", "导语"):
                numbered += 1
                renamed.append(Unit(f"第{numbered}段", u.start, u.body, u.end))
            else:
                renamed.append(u)
        units = renamed
    return units, word


# ---------------------------------------------------------------------------------------------
# The map


@dataclass(frozen=True)
class Provision:
    """A superior provision a unit follows: an article of a source (or, without articles, the
    source run its passages copy), with the source characters the unit leaves out."""

    source_id: int
    title: str
    path: str
    article: str  # 第十二条, or "" when the source has no articles
    source_start: int
    source_end: int
    chars: int  # the unit's characters copied from it
    similarity: float  # of the passage that copies most of it
    passages: tuple[int, ...]  # 1-based passage numbers
    omitted: tuple[tuple[int, int], ...]  # source offsets of runs the unit does not repeat
    coverage: float = 0.0  # share of the provision's (or its best paragraph's) characters the unit repeats

    def to_dict(self) -> dict:
        return {
            "source_id": self.source_id,
            "title": self.title,
            "path": self.path,
            "article": self.article,
            "source_start": self.source_start,
            "source_end": self.source_end,
            "chars": self.chars,
            "similarity": round(self.similarity, 4),
            "passages": list(self.passages),
            "omitted": [list(s) for s in self.omitted],
            "coverage": round(self.coverage, 4),
        }


@dataclass(frozen=True)
class MappedUnit:
    """One unit of the draft, classified."""

    label: str
    start: int
    end: int
    chars: int  # non-whitespace characters, label and format elements not counted
    matched_chars: int
    cls: str  # "copied" | "refined" | "new"
    provisions: tuple[Provision, ...]
    added: tuple[tuple[int, int], ...]  # draft offsets of runs with no counterpart in a source

    @property
    def class_label(self) -> str:
        return CLASS_LABELS[self.cls]

    @property
    def added_share(self) -> float:
        return 1.0 - self.matched_chars / self.chars if self.chars else 0.0

    @property
    def class_text(self) -> str:
        """The class as reports show it: 照搬, 细化（新增 23%）, 新增."""
        if self.cls == "refined":
            return f"{self.class_label}（新增 {self.added_share * 100:.0f}%）"
        return self.class_label

    def to_dict(self) -> dict:
        return {
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "chars": self.chars,
            "matched_chars": self.matched_chars,
            "class": self.cls,
            "class_label": self.class_label,
            "added_share": round(self.added_share, 4),
            "provisions": [p.to_dict() for p in self.provisions],
            "added": [list(s) for s in self.added],
        }


@dataclass(frozen=True)
class ArticleMap:
    """The draft's units, classified; ``summary`` is the line a reviewer quotes."""

    doc_word: str  # 办法, 条例, 意见 … (本办法), or 文件
    unit_word: str  # 条, 项, 段
    units: tuple[MappedUnit, ...]

    def count(self, cls: str) -> int:
        return sum(1 for u in self.units if u.cls == cls)

    @property
    def summary(self) -> str:
        """ "本办法共 45 条：照搬上位法 31 条，细化 9 条，新增 5 条"."""
        w = self.unit_word
        return (
            f"本{self.doc_word}共 {len(self.units)} {w}：照搬上位法 {self.count('copied')} {w}，"
            f"细化 {self.count('refined')} {w}，新增 {self.count('new')} {w}"
        )

    def by_source(self) -> list[tuple[int, str, list[tuple[MappedUnit, Provision]]]]:
        """全文对照: for each source (most units first), the draft's units it explains."""
        groups: dict[int, list[tuple[MappedUnit, Provision]]] = {}
        titles: dict[int, str] = {}
        for u in self.units:
            for p in u.provisions:
                groups.setdefault(p.source_id, []).append((u, p))
                titles[p.source_id] = p.title
        order = sorted(groups, key=lambda sid: (-sum(p.chars for _, p in groups[sid]), sid))
        return [(sid, titles[sid], groups[sid]) for sid in order]

    def to_dict(self) -> dict:
        return {
            "summary": self.summary,
            "doc_word": self.doc_word,
            "unit_word": self.unit_word,
            "counts": {c: self.count(c) for c in CLASSES},
            "thresholds": {
                "copied_min_matched_share": COPIED_MIN_MATCHED_SHARE,
                "refined_min_matched_share": REFINED_MIN_MATCHED_SHARE,
                "refined_min_coverage": REFINED_MIN_COVERAGE,
                "min_counterpart_chars": MIN_COUNTERPART_CHARS,
                "counterpart_run": COUNTERPART_RUN,
            },
            "units": [u.to_dict() for u in self.units],
        }


def classify(matched_share: float, coverage: float = 0.0) -> str:
    """照搬 / 细化 / 新增 from the share of a unit's characters that repeat a superior provision
    and the largest share of one superior provision (of at least :data:`MIN_COUNTERPART_CHARS`
    repeated characters) that the unit repeats."""
    if matched_share >= COPIED_MIN_MATCHED_SHARE:
        return "copied"
    if matched_share >= REFINED_MIN_MATCHED_SHARE or coverage >= REFINED_MIN_COVERAGE:
        return "refined"
    return "new"


def doc_word(text: str, exclude: Sequence[tuple[int, int]] = ()) -> str:
    """What the document calls itself (本办法, 本条例, 本意见), from its title line (the first line
    not inside an ``exclude`` span: the 版头 comes before the title); else 文件."""
    lines = [(a, b) for a, b in line_spans(text) if not any(x <= a and b <= y for x, y in exclude)]
    title = text[lines[0][0] : lines[0][1]].strip().lstrip("#").strip() if lines else ""
    title = re.sub(r"[（(](草案|征求意见稿|送审稿|试行|修订稿?)[）)]\s*$", "", title)
    for word in _DOC_WORDS:
        if title.endswith(word):
            return word[-2:] if word.startswith("实施") else word
    return "文件"


def _runs(mask: np.ndarray, offset: int, text: str) -> list[tuple[int, int]]:
    """Maximal runs of True in ``mask`` (whitespace between two runs joins them), as offsets."""
    idx = np.flatnonzero(mask) + offset
    if not len(idx):
        return []
    runs: list[tuple[int, int]] = []
    start = int(idx[0])
    for g in np.flatnonzero(idx[1:] != idx[:-1] + 1).tolist():  # only the gaps are looked at
        end, nxt = int(idx[g]) + 1, int(idx[g + 1])
        if text[end:nxt].strip():
            runs.append((start, end))
            start = nxt
    runs.append((start, int(idx[-1]) + 1))
    return runs


def _matched_pairs(report: Report, ra: ReportArticles, index: int) -> tuple[np.ndarray, np.ndarray]:
    """The matched characters of a passage as absolute (draft offsets, source offsets) arrays."""
    alignment = ra.alignment(index)
    if alignment is None or not alignment.draft_to_source:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    p = report.passages[index]
    pairs = alignment.draft_to_source
    draft = np.fromiter(pairs.keys(), dtype=np.int64, count=len(pairs)) + p.draft_start
    source = np.fromiter(pairs.values(), dtype=np.int64, count=len(pairs)) + p.source_start
    return draft, source


class _Sources:
    """The articles of each source, their bounds as arrays and their run index, made once per map."""

    def __init__(self, report: Report, ra: ReportArticles) -> None:
        self.report, self.ra = report, ra
        self._bounds: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._runs: dict[int, _RunIndex] = {}
        self._keys: dict[int, _Keys] = {}
        self._draft_keys: _Keys | None = None

    def keys(self, source_id: int) -> _Keys:
        """The source's comparison keys."""
        if source_id not in self._keys:
            self._keys[source_id] = _Keys.of(self.report.source_texts.get(source_id, ""))
        return self._keys[source_id]

    def draft_keys(self) -> _Keys:
        """The draft's comparison keys."""
        if self._draft_keys is None:
            self._draft_keys = _Keys.of(self.report.text)
        return self._draft_keys

    def runs(self, source_id: int, wanted: np.ndarray) -> _RunIndex:
        """The :data:`COUNTERPART_RUN`-character runs of each article's body (label left out) that
        are among ``wanted`` (sorted hashes: the runs of every unit the search is for, the same
        array on every call of one map)."""
        if source_id not in self._runs:
            self._runs[source_id] = _RunIndex.of(
                self.keys(source_id), [(a.start + len(a.label), a.end) for a in self.articles(source_id)], wanted
            )
        return self._runs[source_id]

    def articles(self, source_id: int) -> list[Article]:
        return self.ra.source_articles(source_id)

    def article_index(self, source_id: int, offsets: np.ndarray) -> np.ndarray:
        """For each source offset, the index of the article holding it, -1 outside every article."""
        if source_id not in self._bounds:
            arts = self.articles(source_id)
            self._bounds[source_id] = (
                np.array([a.start for a in arts], dtype=np.int64),
                np.array([a.end for a in arts], dtype=np.int64),
            )
        starts, ends = self._bounds[source_id]
        if not len(starts):
            return np.full(len(offsets), -1, dtype=np.int64)
        k = np.searchsorted(starts, offsets, "right") - 1
        inside = (k >= 0) & (offsets < ends[np.maximum(k, 0)])
        return np.where(inside, k, -1)


def _passages_by_unit(report: Report, units: Sequence[Unit]) -> list[list[int]]:
    """For each unit (in draft order, not overlapping), the indexes of the passages reaching into
    its body, in passage order: each passage is placed by a search over the units' ends instead
    of every unit scanning every passage (a 400 k-character draft has thousands of each)."""
    ends = np.array([u.end for u in units], dtype=np.int64)
    out: list[list[int]] = [[] for _ in units]
    for i, p in enumerate(report.passages):
        j = int(np.searchsorted(ends, p.draft_start, "right"))
        while j < len(units) and units[j].body < p.draft_end:
            out[j].append(i)
            j += 1
    return out


def build_article_map(
    report: Report, *, exclude: Sequence[tuple[int, int]] = (), articles: ReportArticles | None = None
) -> ArticleMap:
    """Classify every unit of ``report``'s draft (``exclude``: format-element spans, not counted)."""
    text = report.text
    ra = articles or ReportArticles(report)
    sources = _Sources(report, ra)
    units, word = split_units(text, exclude)
    counted = nonspace_mask(text)
    for a, b in exclude:
        counted[a:b] = False
    pairs = [_matched_pairs(report, ra, i) for i in range(len(report.passages))]
    titles = {s.id: (s.title, s.path) for s in report.sources}
    overlapping = _passages_by_unit(report, units)
    found: list[tuple[Unit, np.ndarray, np.ndarray, list[Provision], int]] = []
    for u, passages in zip(units, overlapping, strict=True):
        # The unit's own slice of the draft, in unit offsets: work per unit stays proportional to
        # the unit (and to the passages that reach it), not to the whole draft.
        body = counted[u.body : u.end].copy()
        matched = np.zeros(len(body), dtype=bool)
        groups: dict[tuple[int, int], list[tuple[int, np.ndarray, np.ndarray]]] = {}
        for i in passages:
            draft_at, source_at = pairs[i]
            inside = (draft_at >= u.body) & (draft_at < u.end)
            draft_at, source_at = draft_at[inside], source_at[inside]
            keep = body[draft_at - u.body]
            draft_at, source_at = draft_at[keep], source_at[keep]
            if not len(draft_at):
                continue
            matched[draft_at - u.body] = True
            art = sources.article_index(report.passages[i].source_id, source_at)
            for k in np.unique(art):
                sel = art == k
                groups.setdefault((report.passages[i].source_id, int(k)), []).append((i, draft_at[sel], source_at[sel]))
        provisions = []
        for (source_id, k), parts in groups.items():
            chars = len(np.unique(np.concatenate([d for _, d, _ in parts])))
            if chars >= MIN_PROVISION_CHARS:
                provisions.append(_provision(report, sources, titles, source_id, k, parts, chars))
        found.append((u, body, matched, provisions, int(matched.sum())))
    # A unit no passage reaches: a counterpart below the passage rules (see COUNTERPART_RUN),
    # searched for all such units at once (one filtered run index per source).
    alone = [i for i, (_, _, _, provisions, _) in enumerate(found) if not provisions]
    counterparts = _counterparts(report, sources, titles, [(found[i][0], found[i][1]) for i in alone])
    for i, counterpart in zip(alone, counterparts, strict=True):
        if counterpart is not None:
            provision, found_at = counterpart
            u, body, matched, provisions, _ = found[i]
            provisions.append(provision)
            matched[found_at - u.body] = True
            found[i] = (u, body, matched, provisions, len(found_at))
    mapped = []
    for u, body, matched, provisions, hits in found:
        top = max((v.chars for v in provisions), default=0)
        # An alignment edge that lands a few characters in the next article is not a provision.
        provisions = [v for v in provisions if v.chars >= MIN_COUNTERPART_CHARS or v.chars * 4 >= top]
        provisions.sort(key=lambda v: (-v.chars, v.source_id, v.source_start))
        chars = int(body.sum())
        share = hits / chars if chars else 0.0
        cls = classify(share, max((v.coverage for v in provisions if v.chars >= MIN_COUNTERPART_CHARS), default=0.0))
        if not provisions:
            cls = "new"
        added = _runs(body & ~matched, u.body, text)
        mapped.append(MappedUnit(u.label, u.start, u.end, chars, hits, cls, tuple(provisions), tuple(added)))
    return ArticleMap(doc_word(text, exclude), word, tuple(mapped))


def _provision(
    report: Report,
    sources: _Sources,
    titles: Mapping[int, tuple[str, str]],
    source_id: int,
    k: int,
    parts: list[tuple[int, np.ndarray, np.ndarray]],
    chars: int,
) -> Provision:
    """A provision from the passages' matched characters that fall in source article ``k``
    (``-1``: outside every article, the provision is the run they copy)."""
    source_text = report.source_texts.get(source_id, "")
    at = np.unique(np.concatenate([s for _, _, s in parts]))
    if k >= 0:
        article = sources.articles(source_id)[k]
        end = article.end
        for a, b in reversed(line_spans(source_text[article.start : article.end])[1:]):
            if not _HEADING_LINE.match(source_text, article.start + a, article.start + b):
                break
            end = article.start + a  # a chapter heading (## 第二章 …) after the article's last paragraph
        while end > article.start and source_text[end - 1].isspace():
            end -= 1
        label, span, body_start = article.label, (article.start, end), article.start + len(article.label)
    else:
        label, span = "", (int(at.min()), int(at.max()) + 1)
        body_start = span[0]
    mask = nonspace_mask(source_text[span[0] : span[1]]) if source_text else np.zeros(0, dtype=bool)
    mask[: body_start - span[0]] = False  # the article's label is not content
    total = int(mask.sum())
    seen = np.zeros(len(mask), dtype=bool)
    seen[at[(at >= span[0]) & (at < span[1])] - span[0]] = True
    coverage = float((seen & mask).sum() / total) if total else 0.0
    if k >= 0:  # or of one of its paragraphs (款): a unit may follow one paragraph of a long article
        for a, b in line_spans(source_text[span[0] : span[1]]):
            n = int(mask[a:b].sum())
            if n and int((seen[a:b] & mask[a:b]).sum()) >= MIN_COUNTERPART_CHARS:
                coverage = max(coverage, float((seen[a:b] & mask[a:b]).sum() / n))
    omitted = tuple(_runs(mask & ~seen, span[0], source_text)) if source_text else ()
    best = max(parts, key=lambda t: (len(t[1]), -t[0]))[0]
    title, path = titles.get(source_id, (f"#{source_id}", ""))
    return Provision(
        source_id,
        title,
        path,
        label,
        span[0],
        span[1],
        chars,
        report.passages[best].similarity,
        tuple(sorted({i + 1 for i, _, _ in parts})),
        omitted,
        coverage,
    )


def _counterparts(
    report: Report,
    sources: _Sources,
    titles: Mapping[int, tuple[str, str]],
    alone: Sequence[tuple[Unit, np.ndarray]],
) -> list[tuple[Provision, np.ndarray] | None]:
    """For each unit no passage reaches (``(unit, body)``; ``body`` marks the counted characters
    of the unit's body, in unit offsets): the source article (of the report's sources, the
    documents the draft copies) sharing the most characters with it in common runs of at least
    :data:`COUNTERPART_RUN`, when those make it a counterpart (:func:`classify`); else ``None``.
    Each answer is the provision and the draft offsets of the shared characters.

    The candidates are each source's :data:`COUNTERPART_CANDIDATES` articles sharing the most
    distinct runs with the unit. Aligning one (:func:`_common_runs`) is the costly step, so they
    are aligned best bound first and the search stops when no candidate left can win: the unit's
    characters covered by a run the article has at all bound what the alignment can pair (each
    character of an equal block of at least :data:`COUNTERPART_RUN` lies in such a run), and the
    winner is the one the plain loop over every candidate would pick (most characters, then the
    lower source id, then the first in source and candidate order). A source's run index keeps
    only the runs some of these units have: a draft that copies little has few, and hashing a
    source is cheap where sorting all its runs is not."""
    draft = sources.draft_keys()
    runs = [_UnitRuns.of(draft, u.body, u.end) for u, _ in alone]
    live = [i for i, r in enumerate(runs) if r is not None]
    live_runs = [r for r in runs if r is not None]
    queues: list[list[tuple[int, int, int, int, int]]] = [[] for _ in alone]  # (bound, -id, -order, id, k)
    if live:
        # Every unit's distinct runs in one array: one lookup per source serves all units.
        sizes = np.array([len(r.distinct) for r in live_runs], dtype=np.int64)
        every = np.concatenate([r.distinct for r in live_runs])
        owner = np.repeat(np.arange(len(live), dtype=np.int64), sizes)
        first = np.cumsum(sizes) - sizes
        wanted = np.unique(every)
        for s in report.sources:
            if not report.source_texts.get(s.id):
                continue
            hit, article = sources.runs(s.id, wanted).lookup(every)
            if not len(article):
                continue
            # (unit, article) pairs, and how many distinct runs each shares.
            n = len(sources.articles(s.id))
            pair = owner[hit] * n + article
            order = np.argsort(pair, kind="stable")
            shared_of = (hit - first[owner[hit]])[order]  # distinct-run indexes of each unit, by pair
            pairs, start, counts = np.unique(pair[order], return_index=True, return_counts=True)
            unit_of, art_of = pairs // n, pairs % n
            # Per unit: most runs, then the later article; the first COUNTERPART_CANDIDATES kept.
            best = np.lexsort((-art_of, -counts, unit_of))
            new_unit = np.ones(len(best), dtype=bool)
            new_unit[1:] = unit_of[best][1:] != unit_of[best][:-1]
            rank = np.arange(len(best)) - np.maximum.accumulate(np.where(new_unit, np.arange(len(best)), 0))
            for j in best[rank < COUNTERPART_CANDIDATES].tolist():
                i = live[int(unit_of[j])]
                (u, body), queue = alone[i], queues[i]
                covered = live_runs[int(unit_of[j])].covered(shared_of[start[j] : start[j] + counts[j]])
                queue.append((int(body[covered - u.body].sum()), -s.id, -len(queue), s.id, int(art_of[j])))
    return [_settle(report, sources, titles, u, body, queue) for (u, body), queue in zip(alone, queues, strict=True)]


def _settle(
    report: Report,
    sources: _Sources,
    titles: Mapping[int, tuple[str, str]],
    u: Unit,
    body: np.ndarray,
    queue: Sequence[tuple[int, int, int, int, int]],
) -> tuple[Provision, np.ndarray] | None:
    """One unit's answer of :func:`_counterparts` from its candidates ``queue``."""
    draft = sources.draft_keys()

    def align(source_id: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        a = sources.articles(source_id)[k]
        span = (a.start + len(a.label), a.end)
        draft_at, source_at = _common_runs(draft, (u.body, u.end), sources.keys(source_id), span)
        keep = body[draft_at - u.body]  # ``body`` is in offsets of the unit's body
        return draft_at[keep], source_at[keep]

    best = _best_candidate(queue, align)
    if best is None:
        return None
    source_id, k, draft_at, source_at = best
    chars = len(draft_at)
    provision = _provision(report, sources, titles, source_id, k, [(-1, draft_at, source_at)], chars)
    provision = replace(provision, passages=(), similarity=0.0)
    share = chars / int(body.sum())
    if classify(share, provision.coverage) == "new":
        return None
    return provision, draft_at


def _best_candidate(
    queue: Sequence[tuple[int, int, int, int, int]],
    align: Callable[[int, int], tuple[np.ndarray, np.ndarray]],
) -> tuple[int, int, np.ndarray, np.ndarray] | None:
    """Of the candidates ``(bound, -source id, -order, source id, article)``, the one whose
    alignment (``align(source id, article)``: draft and source offsets) pairs the most characters,
    ties to the lower source id and then the earlier order, if it pairs at least
    :data:`MIN_COUNTERPART_CHARS`: ``(source id, article, draft offsets, source offsets)``.

    Each ``bound`` must be at least what its alignment pairs; candidates are aligned best bound
    first, and the search stops at the first whose bound cannot reach the minimum or beat the
    best so far, so the answer is the one aligning every candidate would give."""
    best: tuple[int, int, int, int, int, np.ndarray, np.ndarray] | None = None  # (chars, -id, -order, id, k, ...)
    for bound, neg_id, neg_order, source_id, k in sorted(queue, reverse=True):
        if bound < MIN_COUNTERPART_CHARS or (best is not None and (bound, neg_id, neg_order) < best[:3]):
            break  # sorted: no candidate left can reach the minimum or beat the best
        draft_at, source_at = align(source_id, k)
        if best is None or (len(draft_at), neg_id, neg_order) > best[:3]:
            best = (len(draft_at), neg_id, neg_order, source_id, k, draft_at, source_at)
    if best is None or best[0] < MIN_COUNTERPART_CHARS:
        return None
    _, _, _, source_id, k, draft_at, source_at = best
    return source_id, k, draft_at, source_at


@dataclass(frozen=True)
class _Keys:
    """A text's non-space characters as :func:`_common_runs` compares them: their offsets, and one
    code each, equal exactly when their :func:`~dupcheck.render.common.char_keys` are — a key's
    code point, or for a case-folded key of two or three characters (ß → ss) its code points
    packed 21 bits apart, which no single code point reaches. Made once per text (one script
    conversion of a whole source, not one per article); a span is read by :meth:`span`."""

    at: np.ndarray  # int64 offsets of the non-space characters
    codes: np.ndarray  # uint64, one per non-space character

    @classmethod
    def of(cls, text: str) -> _Keys:
        keys = char_keys(text)
        at = np.flatnonzero(nonspace_mask(text)).astype(np.int64)
        if isinstance(keys, str):
            codes = codepoints(keys).astype(np.uint64)
        else:
            codes = np.array([sum(ord(c) << (21 * i) for i, c in enumerate(k)) for k in keys], dtype=np.uint64)
        return cls(at, codes[at])

    def span(self, start: int, end: int) -> slice:
        """Which of the non-space characters lie in ``[start, end)``."""
        return slice(int(np.searchsorted(self.at, start)), int(np.searchsorted(self.at, end)))


def _run_hashes(codes: np.ndarray) -> np.ndarray:
    """A hash of every :data:`COUNTERPART_RUN` consecutive key codes (the alignment's 64-bit
    k-gram hash). A collision can only add a run that is not shared, which loosens the bound of
    :func:`_counterpart` but never breaks it."""
    return kgram_hashes64(codes, COUNTERPART_RUN)


_TABLE_SIZE = 1 << 18
"""Entries of the low-bits table that filters a source's runs (:meth:`_RunIndex.of`)."""


@dataclass(frozen=True)
class _RunIndex:
    """The distinct runs of each article of a source, sorted by hash for lookups."""

    runs: np.ndarray  # uint64, sorted
    article: np.ndarray  # int64: the article of each run

    @classmethod
    def of(cls, keys: _Keys, bodies: Sequence[tuple[int, int]], wanted: np.ndarray | None = None) -> _RunIndex:
        """The runs of each ``(start, end)`` span (in order, not overlapping) of the text ``keys``
        was made of: the text's runs hashed once, each kept for the span it lies wholly in, and
        (``wanted``: sorted hashes) only if it is one of ``wanted``."""
        runs = _run_hashes(keys.codes)
        at = np.arange(len(runs), dtype=np.int64)
        if wanted is not None:
            # A table of the hashes' low bits rules out nearly every run for one read each; the
            # few left are searched for.
            table = np.zeros(_TABLE_SIZE, dtype=bool)
            table[(wanted & np.uint64(_TABLE_SIZE - 1)).astype(np.intp)] = True
            maybe = np.flatnonzero(table[(runs & np.uint64(_TABLE_SIZE - 1)).astype(np.intp)])
            runs, at = runs[maybe], at[maybe]
            j = np.minimum(np.searchsorted(wanted, runs), max(len(wanted) - 1, 0))
            keep = wanted[j] == runs if len(wanted) else np.zeros(len(runs), dtype=bool)
            runs, at = runs[keep], at[keep]
        starts = np.searchsorted(keys.at, np.array([a for a, _ in bodies], dtype=np.int64))
        stops = np.searchsorted(keys.at, np.array([b for _, b in bodies], dtype=np.int64)) - COUNTERPART_RUN + 1
        article = np.searchsorted(starts, at, "right") - 1  # the last span starting at or before the run
        inside = (article >= 0) & (at < stops[np.maximum(article, 0)]) if len(starts) else np.zeros(len(at), bool)
        runs, article = runs[inside], article[inside]
        order = np.lexsort((article, runs))
        runs, article = runs[order], article[order]
        first = np.ones(len(runs), dtype=bool)
        first[1:] = (runs[1:] != runs[:-1]) | (article[1:] != article[:-1])
        return cls(runs[first], article[first])

    def lookup(self, distinct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (run of ``distinct``, article having it) pair: the runs' indexes into ``distinct``
        and the articles. One pair per article and run, so counting articles counts distinct runs."""
        lo = np.searchsorted(self.runs, distinct, "left")
        n = np.searchsorted(self.runs, distinct, "right") - lo
        return np.repeat(np.arange(len(distinct), dtype=np.int64), n), gather(self.article, lo, n)


@dataclass(frozen=True)
class _UnitRuns:
    """A span's runs: their distinct hashes, and for each run position which distinct one it is."""

    at: np.ndarray  # offsets of the span's non-space characters
    distinct: np.ndarray
    inverse: np.ndarray

    @classmethod
    def of(cls, keys: _Keys, start: int, end: int) -> _UnitRuns | None:
        span = keys.span(start, end)
        runs = _run_hashes(keys.codes[span])
        if not len(runs):
            return None
        distinct, inverse = np.unique(runs, return_inverse=True)
        return cls(keys.at[span], distinct, inverse.reshape(-1))

    def covered(self, shared: np.ndarray) -> np.ndarray:
        """Offsets of the characters inside a run whose distinct index is in ``shared``."""
        flag = np.zeros(len(self.distinct), dtype=bool)
        flag[shared] = True
        starts = flag[self.inverse].astype(np.int64)
        hits = np.convolve(starts, np.ones(COUNTERPART_RUN, dtype=np.int64))[: len(self.at)]
        return self.at[hits > 0]


def _common_runs(
    draft: _Keys, draft_span: tuple[int, int], source: _Keys, source_span: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (in the draft, in the source) of the characters the two spans share in runs of at
    least :data:`COUNTERPART_RUN` consecutive non-space characters of an LCS alignment.

    The alignment is :func:`dupcheck.render.common.char_alignment`'s (the same keys, the same
    ``Indel.opcodes``), read straight from its opcodes: each ``equal`` block is a run, since the
    blocks between two of them always skip a character on at least one side."""
    d, s = draft.span(*draft_span), source.span(*source_span)
    di, si = draft.at[d], source.at[s]
    draft_at: list[np.ndarray] = []
    source_at: list[np.ndarray] = []
    for op in Indel.opcodes(draft.codes[d].tolist(), source.codes[s].tolist()):
        if op.tag == "equal" and op.src_end - op.src_start >= COUNTERPART_RUN:
            draft_at.append(di[op.src_start : op.src_end])
            source_at.append(si[op.dest_start : op.dest_end])
    if not draft_at:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(draft_at), np.concatenate(source_at)


def review(report: Report, *, exclude: Sequence[tuple[int, int]] = ()) -> Report:
    """``report`` with its article map and the exact 13-character rule's rate filled in."""
    return replace(
        report,
        article_map=build_article_map(report, exclude=exclude),
        exact13_rate=exact13_rate(report.text, report.source_texts),
    )


# ---------------------------------------------------------------------------------------------
# What the draft adds


def additions(amap: ArticleMap, text: str) -> list[tuple[MappedUnit, list[str]]]:
    """The draft's own content: each 新增 unit whole, and the added runs of each 细化 unit
    (runs shorter than :data:`MIN_ADDED_RUN_CHARS` left out)."""
    out = []
    for u in amap.units:
        if u.cls == "new":
            out.append((u, [text[u.start : u.end].strip()]))
        elif u.cls == "refined":
            runs = [text[a:b] for a, b in u.added if len("".join(text[a:b].split())) >= MIN_ADDED_RUN_CHARS]
            if runs:
                out.append((u, runs))
    return out


def additions_text(amap: ArticleMap, text: str, *, title: str = "") -> str:
    """ "What the draft adds" as plain text, for download (UTF-8, one block per unit)."""
    lines = [f"{title or '送审稿'}：新增内容（dupcheck 条文对照）", amap.summary, ""]
    for u, runs in additions(amap, text):
        head = f"{u.label or '—'}（{u.class_label}"
        head += f"，新增 {u.added_share * 100:.0f}%）" if u.cls == "refined" else "）"
        lines.append(head)
        lines.extend("……" + r.strip() + "……" if u.cls == "refined" else r for r in runs)
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# ---------------------------------------------------------------------------------------------
# The exact 13-character rule's figure beside dupcheck's


def exact13_rate(text: str, source_texts: Mapping[int, str]) -> float:
    """The copy rate the exact 13-character rule (连续13字相同) gives ``text`` against these
    sources (:class:`dupcheck.baseline.Exact13`, the rule commercial checkers state)."""
    if not source_texts:
        return 0.0
    from dupcheck.baseline import Exact13

    rule = Exact13()
    rule.add_texts((str(sid), t, str(sid)) for sid, t in sorted(source_texts.items()))
    return rule.check_text(text).copy_rate


def exact13_note(dupcheck_rate: float, rule_rate: float, *, format_chars: int = 0) -> str:
    """One sentence on why the two figures differ (shown beside them)."""
    if abs(dupcheck_rate - rule_rate) < 0.005:
        return "两种算法结果基本一致。"
    if rule_rate < dupcheck_rate:
        return (
            "连续13字规则只认逐字相同的连续文字，繁体字、替换的发文机关或地名（如国务院→市人民政府）"
            "和逐句增删改写都会使它漏计，dupcheck 把这些改写同样计为复制。"
        )
    why = "dupcheck 不计公文格式要素（版头、主送、版记等）" if format_chars else "dupcheck 只计与来源对齐的完整片段"
    return f"{why}，而连续13字规则把任何13字相同的套话都计为复制，因此其结果偏高。"
