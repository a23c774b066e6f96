"""Quality measures: the PAN text-alignment measures and the verdict-level figures.

Pure functions over plain values; no I/O.  They are the instrument that decides whether a
matching design is good, so every definition here follows a published one and every
convention for an empty or undefined case is written down.

PAN measures (Potthast, Stein, Barrón-Cedeño, Rosso, "An Evaluation Framework for Plagiarism
Detection", COLING 2010; conventions as in the PAN reference implementation
``perfmeasures.py``, version 1.3):

- A *case* ``s`` (ground truth) and a *detection* ``r`` (what a system reports) are each a
  :class:`Span`: a run of the draft and a run of one named source.  As a set, a span is the
  characters it covers in **both** documents: ``|s| = (draft_end - draft_start) +
  (source_end - source_start)``.
- ``r`` *detects* ``s`` iff they are in the same draft, name the same source, and overlap in
  the draft **and** in the source (PAN ``is_overlapping`` for external annotations).
- ``s ⊓ r`` is ``s ∩ r`` if ``r`` detects ``s``, else empty.
- Macro-averaged recall ``rec = 1/|S| Σ_s |∪_r (s ⊓ r)| / |s|`` and precision
  ``prec = 1/|R| Σ_r |∪_s (s ⊓ r)| / |r|`` (precision is recall with the roles swapped).
  Averages run over all cases / detections of the whole collection (every draft pooled),
  not per draft.
- Granularity ``gran = 1/|S_R| Σ_{s ∈ S_R} |{r : r detects s}|`` over the detected cases
  ``S_R``.
- ``plagdet = F1(prec, rec) / log2(1 + gran)``.

Empty sets (PAN convention, kept so figures compare with published ones):

- no cases and no detections: ``rec = prec = 1``;
- cases but no detections, or detections but no cases: ``rec = prec = 0``;
- ``gran = 1`` when there are no detections or no case is detected;
- ``plagdet = 0`` when ``rec = prec = 0``.

So a collection made only of drafts with nothing copied has ``plagdet`` 1 when the system is
silent and 0 otherwise; the benchmark judges such drafts by their copy rate instead
(:func:`false_alarm`), and scores PAN measures only on collections that contain cases.

Verdict-level figures:

- copy rate (总文字复制比), as :class:`dupcheck.report.Report` defines it: non-whitespace
  characters of the draft inside copied passages / all non-whitespace characters of the
  draft; the true rate (:func:`true_copy_rate`) applies the same definition to the cases;
- mean absolute error of the copy rate, in percentage points;
- F1 of the verdict "copy rate ≥ threshold" (threshold 0.8 by default; ``≥`` as
  ``Report.flagged``); undefined (``None``) when no draft is positive in truth or in
  prediction;
- top-source accuracy over drafts with something copied: the system's first source is the
  source that truly supplies the most copied characters.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from dupcheck.normalize import nonspace_mask

__all__ = [
    "PanScores",
    "Span",
    "case_recall",
    "detects",
    "false_alarm",
    "pan_scores",
    "plagdet",
    "rate_mae",
    "top_source_accuracy",
    "true_copy_rate",
    "true_top_source",
    "union_length",
    "verdict_f1",
]


@dataclass(frozen=True, order=True)
class Span:
    """A run of a draft and the run of one source it copies (a PAN annotation).

    ``draft`` names the draft (suspicious document), ``source`` the source document; offsets
    are Python string indices, ends exclusive.
    """

    draft: Hashable
    draft_start: int
    draft_end: int
    source: Hashable
    source_start: int
    source_end: int

    def __post_init__(self) -> None:
        if not (0 <= self.draft_start <= self.draft_end and 0 <= self.source_start <= self.source_end):
            raise ValueError(f"span offsets out of order: {self!r}")

    def __len__(self) -> int:
        return (self.draft_end - self.draft_start) + (self.source_end - self.source_start)


@dataclass(frozen=True)
class PanScores:
    precision: float
    recall: float
    granularity: float
    plagdet: float
    cases: int
    detections: int
    detected_cases: int

    def to_dict(self) -> dict:
        return asdict(self)


def detects(r: Span, s: Span) -> bool:
    """PAN ``is_overlapping``: same draft, same source, overlap on both sides."""
    return (
        r.draft == s.draft
        and r.source == s.source
        and r.draft_start < s.draft_end
        and s.draft_start < r.draft_end
        and r.source_start < s.source_end
        and s.source_start < r.source_end
    )


def union_length(intervals: Iterable[tuple[int, int]]) -> int:
    """Number of integers covered by half-open intervals ``[a, b)`` (overlaps counted once)."""
    total = 0
    cur_a = cur_b = None
    for a, b in sorted(iv for iv in intervals if iv[1] > iv[0]):
        if cur_b is None or a > cur_b:
            if cur_b is not None:
                total += cur_b - cur_a
            cur_a, cur_b = a, b
        elif b > cur_b:
            cur_b = b
    if cur_b is not None:
        total += cur_b - cur_a
    return total


def case_recall(s: Span, detections: Iterable[Span]) -> float:
    """``|∪_r (s ⊓ r)| / |s|``: the share of the case's characters (both sides) detected."""
    draft_parts, source_parts = [], []
    for r in detections:
        if detects(r, s):
            draft_parts.append((max(s.draft_start, r.draft_start), min(s.draft_end, r.draft_end)))
            source_parts.append((max(s.source_start, r.source_start), min(s.source_end, r.source_end)))
    size = len(s)
    if size == 0:
        raise ValueError(f"empty span: {s!r}")
    return (union_length(draft_parts) + union_length(source_parts)) / size


def plagdet(precision: float, recall: float, granularity: float) -> float:
    """``F1 / log2(1 + gran)``; 0 when both precision and recall are 0 (PAN ``plagdet_score``)."""
    if (recall == 0 and precision == 0) or precision < 0 or recall < 0 or granularity < 1:
        return 0.0
    f1 = 2 * recall * precision / (recall + precision)
    return f1 / math.log2(1 + granularity)


def _by_draft(spans: Iterable[Span]) -> dict:
    out: dict = {}
    for sp in spans:
        out.setdefault(sp.draft, []).append(sp)
    return out


def pan_scores(cases: Sequence[Span], detections: Sequence[Span]) -> PanScores:
    """Macro-averaged PAN precision, recall, granularity and PlagDet over a whole collection.

    ``cases`` and ``detections`` may come from many drafts (``Span.draft`` tells them apart);
    the averages pool every case and every detection of the collection, as PAN does.
    """
    cases = list(cases)
    detections = list(detections)
    case_idx = _by_draft(cases)
    det_idx = _by_draft(detections)

    if not cases and not detections:
        rec = prec = 1.0
    elif not cases or not detections:
        rec = prec = 0.0
    else:
        rec = sum(case_recall(s, det_idx.get(s.draft, ())) for s in cases) / len(cases)
        prec = sum(case_recall(r, case_idx.get(r.draft, ())) for r in detections) / len(detections)

    per_case = [sum(1 for r in det_idx.get(s.draft, ()) if detects(r, s)) for s in cases]
    detected = [n for n in per_case if n > 0]
    gran = sum(detected) / len(detected) if (detections and detected) else 1.0
    return PanScores(
        precision=prec,
        recall=rec,
        granularity=gran,
        plagdet=plagdet(prec, rec, gran),
        cases=len(cases),
        detections=len(detections),
        detected_cases=len(detected),
    )


# --- verdict-level figures ---------------------------------------------------------------


def _covered_nonspace(text: str, spans: Iterable[Span]) -> tuple[int, int]:
    """(counted characters inside any span's draft run, all counted characters).

    A counted character is what every rate of dupcheck counts (:func:`dupcheck.normalize.nonspace_mask`:
    not whitespace, not zero-width), so the true rate and a measured one are in the same unit.
    """
    counted = nonspace_mask(text)
    covered = np.zeros(len(text), dtype=bool)
    for sp in spans:
        a, b = max(0, sp.draft_start), min(sp.draft_end, len(text))
        if b > a:
            covered[a:b] = True
    return int((covered & counted).sum()), int(counted.sum())


def true_copy_rate(text: str, spans: Iterable[Span]) -> float:
    """The copy rate the spans imply: non-whitespace characters of ``text`` inside any span's
    draft run / all non-whitespace characters (0 for a text with none)."""
    copied, total = _covered_nonspace(text, spans)
    return copied / total if total else 0.0


def rate_mae(true_rates: Sequence[float], predicted_rates: Sequence[float]) -> float | None:
    """Mean absolute error of copy rates, in percentage points (``None`` for no drafts)."""
    if len(true_rates) != len(predicted_rates):
        raise ValueError(f"{len(true_rates)} true rates but {len(predicted_rates)} predicted")
    if not true_rates:
        return None
    return 100.0 * sum(abs(t - p) for t, p in zip(true_rates, predicted_rates)) / len(true_rates)


def verdict_f1(true_rates: Sequence[float], predicted_rates: Sequence[float], threshold: float = 0.8) -> float | None:
    """F1 of the verdict ``rate >= threshold``; ``None`` when no draft is positive in truth or
    in prediction (F1 undefined)."""
    if len(true_rates) != len(predicted_rates):
        raise ValueError(f"{len(true_rates)} true rates but {len(predicted_rates)} predicted")
    tp = fp = fn = 0
    for t, p in zip(true_rates, predicted_rates):
        truth, pred = t >= threshold, p >= threshold
        tp += truth and pred
        fp += pred and not truth
        fn += truth and not pred
    if tp + fp + fn == 0:
        return None
    return 2 * tp / (2 * tp + fp + fn)


def true_top_source(text: str, spans: Iterable[Span]) -> Hashable | None:
    """The source whose cases cover the most non-whitespace draft characters (ties: the
    smallest key by ``str``), or ``None`` when nothing is copied."""
    per: dict = {}
    for sp in spans:
        per.setdefault(sp.source, []).append(sp)
    best, best_n = None, 0
    for src in sorted(per, key=str):
        n = _covered_nonspace(text, per[src])[0]
        if n > best_n:
            best, best_n = src, n
    return best


def top_source_accuracy(
    true_tops: Sequence[Hashable | None], predicted_tops: Sequence[Hashable | None]
) -> float | None:
    """Share of drafts whose predicted first source is the true top source, over drafts with
    a true top source (``None`` when there is none)."""
    if len(true_tops) != len(predicted_tops):
        raise ValueError(f"{len(true_tops)} true tops but {len(predicted_tops)} predicted")
    pairs = [(t, p) for t, p in zip(true_tops, predicted_tops) if t is not None]
    if not pairs:
        return None
    return sum(t == p for t, p in pairs) / len(pairs)


def false_alarm(predicted_rates: Sequence[float]) -> dict:
    """Mean and max reported copy rate on drafts with nothing copied."""
    if not predicted_rates:
        return {"drafts": 0, "mean": None, "max": None}
    return {
        "drafts": len(predicted_rates),
        "mean": sum(predicted_rates) / len(predicted_rates),
        "max": max(predicted_rates),
    }
