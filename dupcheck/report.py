"""Results are data: the typed values every renderer consumes.

Renderers never recompute a score; they read these objects (or their JSON form, see
:meth:`Report.to_dict`, whose schema is documented in the README and kept stable).

Offsets are Python string indices into the *extracted* text (``dupcheck extract FILE``) of the
draft and of the source, so ``draft_text[p.draft_start:p.draft_end]`` is the copied passage.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from dupcheck.articlemap import ArticleMap
    from dupcheck.formatelements import FormatElement
    from dupcheck.measure import Rates
    from dupcheck.runrecord import RunRecord

SCHEMA_VERSION = 2
"""2: the rates leave out 公文格式要素 by default (``format_elements``); article map, exact-13 rate,
run record and document versions added."""

PassageKind = Literal["verbatim", "edited"]


@dataclass(frozen=True)
class Passage:
    """One copied passage: a contiguous run of the draft and the run of one source it copies.

    ``similarity`` is the character-level Indel similarity (0–1) of the two runs after
    normalization; ``kind`` is ``"verbatim"`` when they are identical after normalization
    (script, width, punctuation, whitespace), else ``"edited"``.
    """

    draft_start: int
    draft_end: int
    source_id: int
    source_start: int
    source_end: int
    similarity: float
    kind: PassageKind
    chars: int  # non-whitespace characters of the draft inside the passage


@dataclass(frozen=True)
class SourceMatch:
    """A source document and how much of the draft is credited to it (单篇文字复制比)."""

    id: int
    title: str
    path: str
    rate: float
    copied_chars: int
    effective: str = ""  # the date the document took effect (YYYY-MM-DD), "" when not known
    status: str = ""  # "in_force", "repealed", "superseded", or "" when not known
    other_versions: tuple[str, ...] = ()  # paths of other versions that matched, not listed as sources


@dataclass(frozen=True)
class Report:
    """The result of checking one draft.

    - ``copy_rate`` — 总文字复制比: non-whitespace characters of the draft inside copied
      passages / all non-whitespace characters of the draft.
    - ``copy_rate_excluding_quotes`` — 去除引用文献复制比: the same, not counting copied
      characters inside 《…》 titles and “…” quotations.
    - ``max_source_rate`` — 单篇最大文字复制比: the largest per-source rate.
    """

    path: str
    total_chars: int
    copied_chars: int
    copy_rate: float
    copy_rate_excluding_quotes: float
    max_source_rate: float
    threshold: float
    flagged: bool
    sources: tuple[SourceMatch, ...]
    passages: tuple[Passage, ...]
    text: str = field(repr=False)  # the extracted draft text all draft offsets refer to
    source_texts: dict[int, str] = field(repr=False, default_factory=dict)  # extracted text of each source
    corpus: str = ""
    checked_at: str = ""
    # The filing review (issue 14) and the format elements (issue 13.5); see dupcheck/articlemap.py,
    # dupcheck/formatelements.py and dupcheck/runrecord.py.
    article_map: ArticleMap | None = field(default=None, repr=False)
    exact13_rate: float | None = None  # the exact 13-character rule's copy rate against the same sources
    format_elements: tuple[FormatElement, ...] = field(default=(), repr=False)
    format_chars: int = 0  # non-whitespace characters inside format elements
    keep_format_elements: bool = False  # True: they were counted in the rates
    as_of: str = ""  # only sources in force on this date were counted ("" : all)
    run_record: RunRecord | None = None
    # How the draft's text was obtained (issue 13): dupcheck.extract.METHODS; OCR's mean confidence.
    extraction: str = "text"
    ocr_confidence: float | None = None

    @classmethod
    def of_rates(cls, rates: Rates, *, threshold: float, **fields) -> Report:
        """A report whose figures are the measure stage's ``rates``; flagged when ``copy_rate >= threshold``."""
        return cls(
            total_chars=rates.total_chars,
            copied_chars=rates.copied_chars,
            copy_rate=rates.copy_rate,
            copy_rate_excluding_quotes=rates.copy_rate_excluding_quotes,
            max_source_rate=rates.max_source_rate,
            threshold=threshold,
            flagged=rates.copy_rate >= threshold,
            **fields,
        )

    @property
    def extraction_note(self) -> str:
        """The Chinese line a report shows when the text came from a conversion or OCR, else ""."""
        from dupcheck.extract import extraction_note

        return extraction_note(self.extraction, self.ocr_confidence, self.path)

    def source(self, source_id: int) -> SourceMatch:
        for s in self.sources:
            if s.id == source_id:
                return s
        raise KeyError(source_id)

    def to_dict(self) -> dict:
        """The JSON form (schema version ``SCHEMA_VERSION``); the draft text is not included."""
        return {
            "schema": SCHEMA_VERSION,
            "path": self.path,
            "total_chars": self.total_chars,
            "copied_chars": self.copied_chars,
            "copy_rate": round(self.copy_rate, 6),
            "copy_rate_excluding_quotes": round(self.copy_rate_excluding_quotes, 6),
            "max_source_rate": round(self.max_source_rate, 6),
            "threshold": self.threshold,
            "flagged": self.flagged,
            "corpus": self.corpus,
            "checked_at": self.checked_at,
            "sources": [
                {**asdict(s), "rate": round(s.rate, 6), "other_versions": list(s.other_versions)} for s in self.sources
            ],
            "passages": [{**asdict(p), "similarity": round(p.similarity, 4)} for p in self.passages],
            "format_elements": {
                "kept": self.keep_format_elements,
                "chars": self.format_chars,
                "elements": [e.to_dict() for e in self.format_elements],
            },
            "exact13_rate": None if self.exact13_rate is None else round(self.exact13_rate, 6),
            "article_map": None if self.article_map is None else self.article_map.to_dict(),
            "as_of": self.as_of,
            "run_record": None if self.run_record is None else self.run_record.to_dict(),
            "extraction": self.extraction,
            "ocr_confidence": None if self.ocr_confidence is None else round(self.ocr_confidence, 4),
        }


@dataclass(frozen=True)
class Skipped:
    """A document that could not be read; a batch goes on and lists these."""

    path: str
    reason: str

    def to_dict(self) -> dict:
        return {"schema": SCHEMA_VERSION, "path": self.path, "error": self.reason}
