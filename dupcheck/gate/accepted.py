"""Accepted findings: reviewed copies recorded with a reason, like a linter's baseline.

A *finding* is what one document copies from one source. It is recorded in the baseline file
(``.dupcheck-accepted.json``, written by ``dupcheck ci --accept --reason …``) with the number
of copied characters credited to that source and the fingerprint of each passage: the hash of
the passage's normalised text (script, width, punctuation and whitespace folded, so reflowing a
paragraph or a full-width comma changes nothing) and the source path.

A finding stays accepted while the document copies no more characters from that source than
were accepted and no passage with an unknown fingerprint appears. A document over its level
is accepted when each of its findings is.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dupcheck.errors import DupcheckError
from dupcheck.normalize import normalize
from dupcheck.report import Passage, Report

VERSION = 1


def passage_fingerprint(report: Report, passage: Passage) -> str:
    """sha256 of the passage's normalised draft text and its source path (hex, 32 characters)."""
    try:
        source = report.source(passage.source_id).path
    except KeyError:
        source = f"#{passage.source_id}"
    text = normalize(report.text[passage.draft_start : passage.draft_end]).text
    return hashlib.sha256(f"{text}\0{source}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Finding:
    document: str
    source: str
    source_title: str
    copied_chars: int
    passages: tuple[str, ...]  # fingerprints
    reason: str
    accepted_at: str


@dataclass(frozen=True)
class Judgement:
    """How a report's findings stand against the baseline."""

    accepted: Mapping[str, str]  # passage fingerprint -> reason, for passages of accepted findings
    new: tuple[str, ...]  # source paths whose finding is not (or no longer) accepted

    @property
    def all_accepted(self) -> bool:
        return not self.new


def findings_of(report: Report, reason: str, when: str) -> list[Finding]:
    out = []
    for source in report.sources:
        if source.copied_chars <= 0:
            continue
        prints = sorted({passage_fingerprint(report, p) for p in report.passages if p.source_id == source.id})
        out.append(Finding(report.path, source.path, source.title, source.copied_chars, tuple(prints), reason, when))
    return out


class Baseline:
    """The baseline file: findings by (document, source path)."""

    def __init__(self, path: Path, findings: Iterable[Finding] = ()) -> None:
        self.path = path
        self.findings: dict[tuple[str, str], Finding] = {(f.document, f.source): f for f in findings}

    @classmethod
    def load(cls, path: str | os.PathLike) -> Baseline:
        path = Path(path)
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != VERSION:
                raise ValueError(f"version {data.get('version')!r}, expected {VERSION}")
            findings = [
                Finding(
                    f["document"],
                    f["source"],
                    f.get("source_title", ""),
                    int(f["copied_chars"]),
                    tuple(f["passages"]),
                    f.get("reason", ""),
                    f.get("accepted_at", ""),
                )
                for f in data["findings"]
            ]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise DupcheckError(f"{path}: not a dupcheck baseline of accepted findings ({exc})") from None
        return cls(path, findings)

    def judge(self, report: Report, *, document: str | None = None) -> Judgement:
        """Which of ``report``'s findings are accepted; ``document`` is the path the baseline knows
        (the old path of a renamed document)."""
        document = document or report.path
        accepted: dict[str, str] = {}
        new = []
        for current in findings_of(report, "", ""):
            known = self.findings.get((document, current.source))
            if (
                known is not None
                and current.copied_chars <= known.copied_chars
                and set(current.passages) <= set(known.passages)
            ):
                accepted.update((fp, known.reason) for fp in current.passages)
            else:
                new.append(current.source)
        return Judgement(accepted, tuple(new))

    def accept(self, report: Report, reason: str, *, replaces: str | None = None) -> None:
        """Record every finding of ``report`` (replacing what was recorded for the document)."""
        when = datetime.now(UTC).isoformat(timespec="seconds")
        for doc in {report.path, replaces} - {None}:
            for key in [k for k in self.findings if k[0] == doc]:
                del self.findings[key]
        for f in findings_of(report, reason, when):
            self.findings[(f.document, f.source)] = f

    def forget(self, documents: Iterable[str]) -> None:
        gone = set(documents)
        for key in [k for k in self.findings if k[0] in gone]:
            del self.findings[key]

    def save(self) -> None:
        """Write the file (sorted, one finding per entry), replacing the old one in one step."""
        findings = [
            {
                "document": f.document,
                "source": f.source,
                "source_title": f.source_title,
                "copied_chars": f.copied_chars,
                "passages": list(f.passages),
                "reason": f.reason,
                "accepted_at": f.accepted_at,
            }
            for _, f in sorted(self.findings.items())
        ]
        text = json.dumps({"version": VERSION, "findings": findings}, ensure_ascii=False, indent=2) + "\n"
        partial = self.path.with_name(self.path.name + f".{os.getpid()}.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, self.path)
