"""Versions of one document in an index: effective dates, status, and which version counts.

Laws are amended and re-issued; an index often holds several versions of one document (the
shipped corpus has 105 titles in two or more versions). A reviewer wants the draft checked
against the version in force, and a report that lists 民事诉讼法 three times is noise. So:

- every document may carry ``effective`` (YYYY-MM-DD), ``status`` (``in_force``, ``repealed``,
  ``superseded``) and ``version_of`` (a key naming the document all its versions share). They
  come from a corpus file's record fields (``effective`` or ``date``, ``status``, ``version_of``)
  or from ``metadata.csv`` beside the files of a folder (columns ``path,effective,status,
  version_of``, paths relative to the folder), stored in the index's ``document_versions`` table
  (keyed by path, so re-indexing a changed file keeps them);
- where a field is missing it is derived: ``effective`` from a date in the file name
  (城市居民委员会组织法(2018-12-29).md), ``version_of`` from the title; within one group the
  version with the latest effective date is in force and earlier ones superseded;
- ``--as-of DATE`` counts only sources in force on that date: effective on or before it, not
  repealed, and not replaced by a later version effective on or before it;
- when several versions of one document match a draft, the report keeps one — the version in
  force (on the ``--as-of`` date, else today), or the best-matching one when none of those that
  matched is in force or when another version explains more of the draft than the one in force
  does — and names the others in ``SourceMatch.other_versions``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dupcheck.errors import DupcheckError, InputError

STATUSES = ("in_force", "repealed", "superseded")
STATUS_LABELS = {"in_force": "现行有效", "repealed": "已废止", "superseded": "已被修订"}
METADATA_CSV = "metadata.csv"

_PATH_DATE = re.compile(r"[（(](\d{4}-\d{2}-\d{2})[）)][^/\\]*$")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Version:
    doc_id: int
    path: str
    group: str  # what all versions of the document share
    effective: str  # YYYY-MM-DD or ""
    status: str  # one of STATUSES (derived when not given)


def check_date(value: str, what: str = "--as-of") -> str:
    if not _DATE.fullmatch(value or ""):
        raise DupcheckError(f"{what} 须为 YYYY-MM-DD 格式的日期，而不是 {value!r}")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise DupcheckError(f"{what}: {value!r} 不是有效日期") from None
    return value


def date_from_path(path: str) -> str:
    m = _PATH_DATE.search(path)
    return m.group(1) if m else ""


def _clean(record: dict, where: str) -> tuple[str | None, str | None, str | None]:
    effective = (record.get("effective") or record.get("date") or "").strip() or None
    status = (record.get("status") or "").strip() or None
    version_of = (record.get("version_of") or "").strip() or None
    if effective is not None:
        check_date(effective, f"{where}: effective")
    if status is not None and status not in STATUSES:
        raise DupcheckError(f"{where}: status 须为 {', '.join(STATUSES)} 之一，而不是 {status!r}")
    return effective, status, version_of


def store_metadata(store, rows: Iterable[tuple[str, str | None, str | None, str | None]]) -> int:
    """Write ``(path, effective, status, version_of)`` rows (inside the caller's transaction)."""
    n = 0
    with store.transaction():
        for path, effective, status, version_of in rows:
            store.conn.execute(
                "INSERT INTO document_versions (path, effective, status, version_of) VALUES (?,?,?,?) "
                "ON CONFLICT(path) DO UPDATE SET effective=excluded.effective, status=excluded.status, "
                "version_of=excluded.version_of",
                (path, effective, status, version_of),
            )
            n += 1
        if n:
            store.set_meta("generation", str(store.generation() + 1))
    return n


def store_corpus_metadata(store, records: Iterable[dict]) -> int:
    """Store the version fields of corpus records that have any."""
    rows = []
    for r in records:
        if any(r.get(k) for k in ("effective", "status", "version_of")):
            rows.append((r["path"], *_clean(r, r["path"])))
    return store_metadata(store, rows)


def read_metadata_csv(root: str | Path) -> list[tuple[str, str | None, str | None, str | None]]:
    """The rows of ``root/metadata.csv`` with paths as the index stores them; ``[]`` without one."""
    csv_path = Path(root) / METADATA_CSV
    if not Path(root).is_dir() or not csv_path.is_file():
        return []
    try:
        with open(csv_path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None or "path" not in reader.fieldnames:
                raise InputError(str(csv_path), "缺少 path 列（应为 path,effective,status,version_of）")
            rows = []
            for n, record in enumerate(reader, 2):
                if not (record.get("path") or "").strip():
                    continue
                rows.append((str(Path(root) / record["path"].strip()), *_clean(record, f"{csv_path}:{n}")))
            return rows
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(str(csv_path), f"无法读取版本信息表（{exc}）") from None


def versions(store) -> dict[int, Version]:
    """Every document's version, stored fields first, the rest derived (see the module docstring)."""
    stored = {
        p: (e, s, v)
        for p, e, s, v in store.conn.execute("SELECT path, effective, status, version_of FROM document_versions")
    }
    raw = []
    for d in store.documents():
        effective, status, version_of = stored.get(d.path, (None, None, None))
        raw.append((d.id, d.path, version_of or d.title, effective or date_from_path(d.path), status))
    latest: dict[str, str] = {}
    for _, _, group, effective, _ in raw:
        if effective and effective > latest.get(group, ""):
            latest[group] = effective
    out = {}
    for doc_id, path, group, effective, status in raw:
        if status is None:
            status = "superseded" if effective and effective < latest.get(group, "") else "in_force"
        out[doc_id] = Version(doc_id, path, group, effective, status)
    return out


def in_force(v: Version, all_versions: dict[int, Version], on: str) -> bool:
    """Was ``v`` in force on the date ``on``?"""
    if v.status == "repealed" or (v.effective and v.effective > on):
        return False
    later = [
        w
        for w in all_versions.values()
        if w.group == v.group and w.doc_id != v.doc_id and w.effective and v.effective < w.effective
    ]
    if any(w.effective <= on for w in later):
        return False  # replaced by then
    return v.status != "superseded" or bool(later)  # superseded, but only after that date


def choose(matched: dict[int, int], all_versions: dict[int, Version], as_of: str | None) -> dict[int, list[int]]:
    """One document id per group among ``matched`` (id → characters it explains alone): the one in
    force on ``as_of`` (else today), else the best-matching; → ``{kept id: [other ids]}``."""
    on = as_of or date.today().isoformat()
    groups: dict[str, list[int]] = {}
    for doc_id in matched:
        v = all_versions.get(doc_id)
        groups.setdefault(v.group if v else f"#{doc_id}", []).append(doc_id)
    out = {}
    for members in groups.values():
        current = [d for d in members if d in all_versions and in_force(all_versions[d], all_versions, on)]
        pool = current or members
        keep = max(pool, key=lambda d: (matched[d], all_versions[d].effective if d in all_versions else "", -d))
        out[keep] = sorted(d for d in members if d != keep)
    return out


IN_FORCE_SHARE = 0.95
"""The share of another version's characters the version in force must explain on its own to be kept."""


def one_version_each(
    text: str, key, sources: list, passages: list, all_versions: dict[int, Version], as_of: str | None, params
) -> tuple[list, dict[int, list[int]]]:
    """Passages with one version per document: when several versions of one document matched,
    the others are dropped and the passages found again without them (so what they explained
    is credited to the kept version). Returns the passages and ``{kept id: [other ids]}``.

    A candidate version in force of a document whose credited versions are all out of force
    counts as matching even with no passage of its own: credit gives each character to one
    source, so the version in force rarely keeps any when the draft copied an older one. If it
    then explains nothing of the draft on its own, the best-matching version is kept instead.

    The version in force is kept unless, found again alone, it explains clearly fewer characters
    (under :data:`IN_FORCE_SHARE`) than another version did: a draft written from a superseded
    text (山东省实施《矿产资源法》办法 copies 1,031 characters of the 2009 law, 115 of its 2024
    rewrite) is reported against the version it copies, whose status says it is superseded, and
    its copy rate keeps what it copied. A few characters either way (an edited closing article
    that one version's passage takes in) do not make the choice."""

    def group(doc_id: int) -> str:
        v = all_versions.get(doc_id)
        return v.group if v else f"#{doc_id}"

    matched: dict[int, int] = {}
    for p in passages:
        matched[p.source_id] = matched.get(p.source_id, 0) + p.chars
    on = as_of or date.today().isoformat()

    def current(doc_id: int) -> bool:
        return doc_id in all_versions and in_force(all_versions[doc_id], all_versions, on)

    # Groups whose credited versions are none of them in force: there a version in force among
    # the candidates takes their place.
    stale = {group(d) for d in matched} - {group(d) for d in matched if current(d)}
    for s in sources:
        if s.id not in matched and group(s.id) in stale and current(s.id):
            matched[s.id] = 0
    chosen = choose(matched, all_versions, as_of)
    if not any(chosen.values()):
        return passages, {}
    found = _without(chosen, text, key, sources, params)
    credited: dict[int, int] = {}
    for p in found:
        credited[p.source_id] = credited.get(p.source_id, 0) + p.chars
    fallback = {}
    for keep, others in chosen.items():
        best = max(others, key=lambda d: (matched[d], -d), default=None)
        if best is not None and credited.get(keep, 0) < IN_FORCE_SHARE * matched[best]:
            fallback[best] = sorted(d for d in [keep, *others] if d != best)
        else:
            fallback[keep] = others
    if fallback != chosen:
        chosen, found = fallback, _without(fallback, text, key, sources, params)
    return found, {k: v for k, v in chosen.items() if v}


def _without(chosen: dict[int, list[int]], text: str, key, sources: list, params) -> list:
    """The passages found again without the versions ``chosen`` drops."""
    from dupcheck.credit import find_passages

    dropped = {d for others in chosen.values() for d in others}
    return find_passages(text, key, [s for s in sources if s.id not in dropped], params)
