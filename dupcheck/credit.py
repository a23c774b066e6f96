"""Credit stage (归属): every copied draft character to one source, passages snapped to sentences.

Input: the draft, its matching key and the key matches :func:`dupcheck.align.align` found against
each candidate source. Sources are ranked by how much of the draft they explain on their own;
a lower-ranked source keeps only the draft text no better source explains already. Each kept
match then goes one way: key span → original span, snapped to sentence and article-label
boundaries → the reported :class:`~dupcheck.report.Passage`, whose similarity and kind are
computed from exactly the reported text.
Pure functions over strings and arrays: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import Indel

from dupcheck.align import AlignParams, KeyMatch, SeedTable, align, project
from dupcheck.articles import ARTICLE_UNIT, HEADING_UNIT, NUMERAL
from dupcheck.matchkey import match_key
from dupcheck.normalize import Normalized, nonspace_count, normalize, punctuation_table
from dupcheck.report import Passage


@dataclass(frozen=True, eq=False)
class Source:
    """An indexed document prepared for alignment: its text, matching key and seed table."""

    id: int
    text: str
    key: Normalized
    seeds: SeedTable

    @classmethod
    def prepare(
        cls, doc_id: int, text: str, params: AlignParams = AlignParams(), spans: np.ndarray | None = None
    ) -> Source:
        """``spans``: the text's :func:`~dupcheck.matchkey.mask_spans`, if the caller kept them."""
        key = match_key(text, spans)
        return cls(doc_id, text, key, SeedTable.of(key.text, params.k))


def _extend_over_punctuation(text: str, end: int, limit: int = 3) -> int:
    """Move ``end`` over punctuation that closes the passage (。 ” ） …), not over whitespace."""
    table = punctuation_table()
    stop = min(len(text), end + limit)
    while end < stop and ord(text[end]) < 0x10000 and table[ord(text[end])] and not text[end].isspace():
        end += 1
    return end


_BOUNDARY = "。；;！!？?\n"
_LABEL = re.compile(rf"\s*(第\s*{NUMERAL}\s*(?:{ARTICLE_UNIT}|{HEADING_UNIT})[^\n。]{{0,16}})?\s*")
_WHOLE_ARTICLE = re.compile(rf"\s*第\s*{NUMERAL}\s*{ARTICLE_UNIT}\s*\S.*", re.DOTALL)  # an article's label and words


def _sentence_ends(text: str, end: int) -> bool:
    """Whether a sentence ends at ``end``: the text ends there, or a line does, or 。；！？ follows."""
    if text[end - 1 : end] == "\n":
        return True
    while end < len(text) and text[end] in " \t\u3000":
        end += 1
    return end == len(text) or text[end] in _BOUNDARY


def _snap(text: str, start: int, end: int) -> tuple[int, int]:
    """Snap a passage to sentence boundaries where an end only grazes the neighbouring sentence.

    Masked article labels match anywhere, so a passage may end with the label of the next
    (original) article, or begin with the last characters of the previous sentence (法。). A
    label and words that end where their sentence ends are a whole short article (第三十九条
    本法自1995年6月1日起施行。), copied with the rest: kept.
    """
    last = max(text.rfind(ch, start, end - 1) for ch in _BOUNDARY)
    tail = _LABEL.fullmatch(text, last + 1, end) if last >= start else None
    if tail and not (_WHOLE_ARTICLE.fullmatch(tail.group(0)) and _sentence_ends(text, end)):
        end = last + 1
        while end > start and text[end - 1].isspace():
            end -= 1
    head = min((i for i in (text.find(ch, start, min(end, start + 4)) for ch in _BOUNDARY) if i >= 0), default=-1)
    if head >= 0 and head + 1 < end and len(text[start : head + 1].strip()) <= 3:
        start = head + 1
        while start < end and text[start].isspace():
            start += 1
    return start, end


# A unit label at a line start: 第十二条, 第 12 條 (label lines of traditional-script laws have
# spaces), and the numbered paragraphs of policy documents: 一、 （一） (一) 1. 1．
_PARAGRAPH_NUMERAL = "[一二三四五六七八九十百零〇两兩0-9０-９]+"
_UNIT_LABEL = re.compile(
    rf"(?m)^[ \t\u3000]*(?:第[ \t\u3000]*{NUMERAL}[ \t\u3000]*{ARTICLE_UNIT}(?:之{NUMERAL})?"
    rf"|[（(]{_PARAGRAPH_NUMERAL}[）)]|{_PARAGRAPH_NUMERAL}[、．.](?![0-9０-９]))[ \t\u3000]*"
)
# 第十二条 right before a passage, wherever it stands in its line
_LEADING_LABEL = re.compile(rf"第[ \t\u3000]*{NUMERAL}[ \t\u3000]*{ARTICLE_UNIT}(?:之{NUMERAL})?\s*$")
LABEL_SLACK = 12
"""Characters an edit may leave between a unit's label and the first aligned character of its text."""
CLAUSE_SLACK = 24
"""... or a reworded clause, when the two texts hold alike numbers of characters there (within 3)."""


def _within_slack(gap_a: int, gap_b: int) -> bool:
    return max(gap_a, gap_b) <= LABEL_SLACK or (max(gap_a, gap_b) <= CLAUSE_SLACK and abs(gap_a - gap_b) <= 3)


def _label_before(text: str, start: int, slack: int = LABEL_SLACK) -> tuple[int, int]:
    """Where the unit label (第X条, （一）, 1.) that begins the line of ``start`` begins, and how many
    non-whitespace characters lie between its end and ``start`` (``(start, 0)`` if there is none).

    A run of copied articles is often found as passages that start after the label: the
    neighbouring passage's masked label matched first and was then snapped off it, or the label
    differs (（四） against （一）), or an edit among the first words kept them from seeding.
    """
    right_before = _LEADING_LABEL.search(text, max(0, start - 16), start)  # anywhere in a line
    if right_before:
        return right_before.start(), 0
    line = text.rfind("\n", 0, start) + 1
    if start - line > 4 * slack + 16:
        return start, 0
    m = _UNIT_LABEL.match(text, line)
    if m is None or m.end() > start:
        return start, 0
    between = text[m.end() : start]
    return line + (len(m.group(0)) - len(m.group(0).lstrip())), len("".join(between.split()))


def _line_end_after(text: str, end: int) -> tuple[int, int]:
    """The end of the line of ``end`` (before trailing whitespace), and the non-whitespace characters up to it."""
    stop = text.find("\n", end)
    stop = len(text) if stop < 0 else stop
    while stop > end and text[stop - 1].isspace():
        stop -= 1
    return stop, len("".join(text[end:stop].split()))


def _trim(
    draft_key: str, source_key: str, match: KeyMatch, taken: np.ndarray, params: AlignParams, body: int = 0
) -> KeyMatch | None:
    """The part of ``match`` outside draft positions already credited to a better source, and not
    in the draft's title line when it begins inside the title and runs on into the body (``body``:
    the key position where the body begins). A title copied whole stays copied."""
    free = np.flatnonzero(~taken[match.draft_start : match.draft_end])
    if 0 < match.draft_start < body < match.draft_end:
        free = free[free >= body - match.draft_start]
    if len(free) < params.min_matched:
        return None
    trimmed = project(
        draft_key, source_key, match, match.draft_start + int(free[0]), match.draft_start + int(free[-1]) + 1
    )
    if (
        trimmed.similarity < params.min_similarity
        or trimmed.source_end - trimmed.source_start < params.min_matched // 2
    ):
        return None
    return trimmed


MAX_TITLE = 80


def title_end(text: str, key: Normalized, breaks: np.ndarray) -> int:
    """The key position where the body of a draft begins, after its title line (0 if it has none).

    A draft names the document it implements in its title (某市实施《船舶和海上设施检验条例》办法),
    and the source begins with that title: a chain from one to the other ran on into the first
    article and made the title copied text. The first line is a title when it is short
    (``MAX_TITLE`` characters) and no article label."""
    if len(breaks) == 0:
        return 0
    first = text[: int(breaks[0])].strip()
    if not first or len(first) > MAX_TITLE or _UNIT_LABEL.match(first):
        return 0
    return int(np.searchsorted(key.starts, int(breaks[0]) + 1))


def explained(matches: list[KeyMatch]) -> float:
    """How much of the draft a source explains on its own: its exactly matched key characters.

    Exactly matched, because a library may hold near-identical siblings of the true source
    (another version, the same regulation of another place) whose chains cover the same draft
    text across their few differences, and may run a few characters further on chance (a
    sibling's 41 key characters at similarity 0.96 outweighed the true source's exact 29 when
    passages were weighed by length × similarity): the source the draft copies is the one it
    copies most exactly.
    """
    return float(sum(m.matched for m in matches))


def find_passages(
    draft_text: str, draft_key: Normalized, sources: list[Source], params: AlignParams = AlignParams()
) -> list[Passage]:
    """Align the draft with each candidate source and credit every draft character to one source.

    Sources are ranked by how much of the draft they explain on their own (:func:`explained`);
    each passage of a lower-ranked source keeps only the draft text that no better source
    explains already.
    """
    aligned = []
    breaks = np.flatnonzero(np.frombuffer(draft_text.encode("utf-32-le"), dtype=np.uint32) == 10)
    line_starts = np.unique(np.searchsorted(draft_key.starts, breaks + 1))
    body = title_end(draft_text, draft_key, breaks)
    mine = SeedTable.of(draft_key.text, params.k)  # the draft's k-grams, sorted once for every source
    for source in sources:
        matches = align(
            draft_key.text, source.key.text, params, seeds=source.seeds, draft_seeds=mine, line_starts=line_starts
        )
        if matches:
            aligned.append((explained(matches), source, matches))
    aligned.sort(key=lambda x: (-x[0], x[1].id))
    taken = np.zeros(len(draft_key) + 1, dtype=bool)
    passages = []
    for _, source, matches in aligned:
        kept = [
            t
            for t in (_trim(draft_key.text, source.key.text, m, taken, params, body) for m in matches)
            if t is not None
        ]
        for m in kept:
            taken[m.draft_start : m.draft_end] = True
        for m in kept:
            p = _to_passage(draft_text, draft_key, source, m)
            # what the label pull and the line end added, in key positions: not another passage's
            k0, k1 = np.searchsorted(draft_key.starts, [p.draft_start, p.draft_end])
            if taken[k0 : m.draft_start].any() or taken[m.draft_end : k1].any():
                p = _to_passage(draft_text, draft_key, source, m, widen=False)
            else:
                taken[k0:k1] = True
            passages.append(p)
    passages.sort(key=lambda p: (p.draft_start, p.source_id))
    return passages


def _original_span(text: str, key: Normalized, k0: int, k1: int) -> tuple[int, int]:
    """Key span ``[k0, k1)`` as a span of the original text, snapped to sentences, closing punctuation taken."""
    start, end = _snap(text, *key.original_span(k0, k1))
    return start, _extend_over_punctuation(text, end)


def _to_passage(draft_text: str, draft_key: Normalized, source: Source, m: KeyMatch, widen: bool = True) -> Passage:
    """The reported passage of a key match, in one direction: key span → original span → snapped
    (and the article label before it pulled in on both sides) → similarity and kind of exactly
    the reported text."""
    a0, a1 = _original_span(draft_text, draft_key, m.draft_start, m.draft_end)
    b0, b1 = _original_span(source.text, source.key, m.source_start, m.source_end)
    (label_a, gap_a), (label_b, gap_b) = _label_before(draft_text, a0), _label_before(source.text, b0)
    if label_a < a0 and label_b < b0 and (max(gap_a, gap_b) == 0 or (widen and _within_slack(gap_a, gap_b))):
        a0, b0 = label_a, label_b
    # An edit among the last words of a unit keeps them from aligning: when both texts end their
    # line a few characters later, alike in length, the passage ends there too.
    (end_a, rest_a), (end_b, rest_b) = _line_end_after(draft_text, a1), _line_end_after(source.text, b1)
    if widen and 0 < max(rest_a, rest_b) and _within_slack(rest_a, rest_b) and abs(rest_a - rest_b) <= 3:
        a1, b1 = end_a, end_b
    return passage_of(draft_text, a0, a1, source.text, b0, b1, source.id)


def passage_of(draft_text: str, a0: int, a1: int, source_text: str, b0: int, b1: int, source_id: int) -> Passage:
    """A :class:`Passage` for draft ``[a0, a1)`` copied from source ``[b0, b1)``.

    ``similarity`` is the Indel similarity of the two passages' matching keys (script, width,
    punctuation, issuers and article numbers folded, as in matching); ``kind`` is ``verbatim``
    when they are the same after normalization alone (issuers and numbers as written).
    """
    a, b = draft_text[a0:a1], source_text[b0:b1]
    same = normalize(a, drop_punctuation=True).text == normalize(b, drop_punctuation=True).text
    similarity = 1.0 if same else Indel.normalized_similarity(match_key(a).text, match_key(b).text)
    return Passage(
        draft_start=a0,
        draft_end=a1,
        source_id=source_id,
        source_start=b0,
        source_end=b1,
        similarity=round(float(similarity), 4),
        kind="verbatim" if same else "edited",
        chars=nonspace_count(a),
    )
