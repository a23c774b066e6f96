"""The library API: an :class:`Index` of parent-level documents that drafts are checked against.

The CLI, the CI hook and any web page are thin layers over this module::

    from dupcheck import Index

    with Index.open("corpus.db") as index:
        index.sync("laws/")                      # index new/changed files, drop deleted ones
        report = index.check("draft.docx", threshold=0.8)
        print(report.copy_rate, report.sources[0].title)
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from dupcheck import __version__
from dupcheck.align import AlignParams
from dupcheck.articlemap import review
from dupcheck.formatelements import element_chars, element_spans, find_format_elements, outside
from dupcheck.runrecord import RunRecord, draft_digest, index_digest
from dupcheck.versions import Version, check_date, in_force, one_version_each, read_metadata_csv, store_metadata, versions
from dupcheck.errors import DupcheckError, InputError, ParameterError
from dupcheck.extract import SUPPORTED_SUFFIXES, extract_bytes, extract_path
from dupcheck.fingerprint import Scheme
from dupcheck.measure import measure
from dupcheck.normalize import codepoints
from dupcheck.credit import Source, find_passages
from dupcheck.pipeline import document_features
from dupcheck.report import Report, Skipped, SourceMatch
from dupcheck.retrieve import Retriever
from dupcheck.matchkey import match_key
from dupcheck.store import DocumentRow, PackedDocument, Store

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class UpdateResult:
    """What an index update did: paths added, updated (content changed), unchanged, removed, skipped."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = field(default=())


def check_threshold(threshold: float) -> float:
    if not isinstance(threshold, (int, float)) or not 0.0 <= float(threshold) <= 1.0:
        raise ParameterError(f"threshold must be between 0 and 1 (0.8 means 80%), got {threshold!r}")
    return float(threshold)


def find_documents(root: str | os.PathLike) -> list[Path]:
    """Every supported file under ``root`` (or ``root`` itself), sorted; hidden folders skipped."""
    root = Path(root)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise InputError(str(root), "no such file or folder")
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                found.append(Path(dirpath) / name)
    return found


def _file_features(path: str, scheme: Scheme) -> PackedDocument | Skipped:
    """Read, extract and fingerprint one file (runs in a worker process)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return Skipped(path, f"cannot read file ({exc.strerror or exc})")
    try:
        text = extract_bytes(data, path).text
    except InputError as exc:
        return Skipped(path, exc.reason)
    return PackedDocument.of(document_features(path, text, scheme, sha256=hashlib.sha256(data).hexdigest()))


def _text_features(item: tuple[str, str, str | None], scheme: Scheme) -> PackedDocument:
    key, text, title = item
    return PackedDocument.of(document_features(key, text, scheme, title=title))


class Index:
    """An index of reference (parent-level) documents in one SQLite file."""

    def __init__(self, store: Store, scheme: Scheme, params: AlignParams, name: str) -> None:
        self.store = store
        self.scheme = scheme
        self.params = params
        self.name = name
        self._retriever: Retriever | None = None
        self._retriever_generation = -1
        self._sources: OrderedDict[int, Source] = OrderedDict()

    # -- opening
    @classmethod
    def open(cls, path: str | os.PathLike, *, create: bool = True, name: str | None = None,
             params: AlignParams = AlignParams()) -> "Index":
        """Open (or create) the index at ``path``; ``":memory:"`` makes a throw-away one."""
        scheme = Scheme.current()
        store = Store.open(path, scheme.as_dict(), create=create)
        return cls(store, scheme, params, name or Path(str(path)).name)

    @classmethod
    def default(cls, *, progress: Progress | None = None) -> "Index":
        """The shipped default corpus (corpora/), indexed on first use into a cache file."""
        from dupcheck.corpus import open_default

        return open_default(progress=progress)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- updating
    def add(self, paths: Iterable[str | os.PathLike], *, progress: Progress | None = None,
            workers: int | None = None) -> UpdateResult:
        """Index these files; a file already indexed with the same content is not read again."""
        return self._update([str(p) for p in paths], remove_missing_under=None, progress=progress, workers=workers)

    def sync(self, root: str | os.PathLike, *, progress: Progress | None = None, workers: int | None = None) -> UpdateResult:
        """Index every supported file under ``root``, only new or changed ones, and drop deleted ones."""
        paths = [str(p) for p in find_documents(root)]
        metadata = read_metadata_csv(root)  # metadata.csv beside the files: versions (dupcheck/versions.py)
        with self.store.transaction():
            result = self._update(paths, remove_missing_under=str(root), progress=progress, workers=workers)
            store_metadata(self.store, metadata)
        return result

    def add_texts(self, items: Iterable[tuple[str, str, str | None]], *, progress: Progress | None = None,
                  workers: int | None = None) -> UpdateResult:
        """Index in-memory texts: ``(key, text, title)``; the key is stored as the document's path."""
        items = list(items)
        known = self.store.hashes_by_path()
        todo = [it for it in items if known.get(it[0]) != hashlib.sha256(it[1].encode("utf-8")).hexdigest()]
        changed = {it[0] for it in todo}
        added, updated = [], []
        with self.store.transaction():  # rows are written as workers deliver them; all land, or none
            for f in self._imap(_text_features, todo, workers=workers, progress=progress):
                (updated if f.path in known else added).append(f.path)
                self.store.put(f)
        unchanged = tuple(it[0] for it in items if it[0] not in changed)
        return UpdateResult(tuple(added), tuple(updated), unchanged)

    def remove(self, paths: Iterable[str]) -> tuple[str, ...]:
        with self.store.transaction():
            return tuple(p for p in paths if self.store.remove(str(p)))

    def _update(self, paths: list[str], *, remove_missing_under: str | None, progress: Progress | None,
                workers: int | None) -> UpdateResult:
        known = self.store.hashes_by_path()
        todo, unchanged, skipped = [], [], []
        for p in paths:
            if p in known:
                try:
                    digest = hashlib.sha256(Path(p).read_bytes()).hexdigest()
                except OSError as exc:
                    skipped.append(Skipped(p, f"cannot read file ({exc.strerror or exc})"))
                    continue
                if digest == known[p]:
                    unchanged.append(p)
                    continue
            todo.append(p)
        added, updated, removed = [], [], []
        with self.store.transaction():  # all of the update lands, or none of it
            for r in self._imap(_file_features, todo, workers=workers, progress=progress):
                if isinstance(r, Skipped):
                    skipped.append(r)
                    continue
                (updated if r.path in known else added).append(r.path)
                self.store.put(r)
            if remove_missing_under is not None:
                present = set(paths)
                prefix = str(Path(remove_missing_under))
                for p in known:
                    if p not in present and (p == prefix or p.startswith(prefix.rstrip(os.sep) + os.sep)) and not Path(p).exists():
                        self.store.remove(p)
                        removed.append(p)
        return UpdateResult(tuple(added), tuple(updated), tuple(unchanged), tuple(removed), tuple(skipped))

    def _imap(self, fn, items: Sequence, *, workers: int | None, progress: Progress | None) -> Iterator:
        """Yield ``fn(item, scheme)`` for each item in order, from worker processes when it pays off."""
        total = len(items)
        if progress:
            progress(0, total)
        workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
        if workers <= 1 or total < 64:
            results = (fn(item, self.scheme) for item in items)
            for n, r in enumerate(results, 1):
                yield r
                if progress:
                    progress(n, total)
            return
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for n, r in enumerate(pool.map(fn, items, [self.scheme] * total, chunksize=16), 1):
                yield r
                if progress:
                    progress(n, total)

    # -- reading
    def documents(self) -> list[DocumentRow]:
        return self.store.documents()

    def __len__(self) -> int:
        return len(self.store.documents())

    def retriever(self) -> Retriever:
        generation = self.store.generation()
        if self._retriever is None or generation != self._retriever_generation:
            self._retriever = Retriever.build(self.store.features(), self.scheme)
            self._retriever_generation = generation
            self._sources.clear()
        return self._retriever

    def source(self, doc_id: int) -> Source:
        """A source prepared for alignment (cached: batches keep meeting the same sources)."""
        if doc_id in self._sources:
            self._sources.move_to_end(doc_id)
            return self._sources[doc_id]
        entry = Source.prepare(doc_id, self.store.text(doc_id), self.params)
        self._sources[doc_id] = entry
        if len(self._sources) > 256:
            self._sources.popitem(last=False)
        return entry

    # -- checking
    def check(self, draft: str | os.PathLike, *, threshold: float = 0.8, keep_format_elements: bool = False,
              as_of: str | None = None) -> Report:
        """Check a draft file (.txt/.md/.docx/.pdf) against the index."""
        extracted = extract_path(draft)
        try:
            digest = draft_digest(Path(draft).read_bytes())
        except OSError as exc:
            raise InputError(str(draft), f"cannot read file ({exc.strerror or exc})") from None
        return self.check_text(extracted.text, path=str(draft), threshold=threshold,
                               keep_format_elements=keep_format_elements, as_of=as_of, digest=digest)

    def check_many(self, drafts: Iterable[str | os.PathLike], *, threshold: float = 0.8,
                   keep_format_elements: bool = False, as_of: str | None = None) -> list[Report | Skipped]:
        """Check several drafts; one that cannot be read becomes a :class:`Skipped` in its place."""
        out: list[Report | Skipped] = []
        for d in drafts:
            try:
                out.append(self.check(d, threshold=threshold, keep_format_elements=keep_format_elements, as_of=as_of))
            except InputError as exc:
                out.append(Skipped(exc.path, exc.reason))
        return out

    def versions(self) -> dict[int, Version]:
        """Every document's version (effective date, status, group), cached per index generation."""
        generation = self.store.generation()
        if getattr(self, "_versions_generation", None) != generation:
            self._versions, self._versions_generation = versions(self.store), generation
            self._digest = index_digest([(d.path, d.sha256) for d in self.documents()],
                                        self.store.conn.execute("SELECT * FROM document_versions").fetchall())
        return self._versions

    def check_text(self, text: str, *, path: str = "<text>", threshold: float = 0.8,
                   exclude: Iterable[str] = (), keep_format_elements: bool = False, as_of: str | None = None,
                   digest: tuple[str, int] | None = None) -> Report:
        """Check a draft given as text; ``exclude`` names indexed paths not to count as sources.

        公文格式要素 (:mod:`dupcheck.formatelements`) are left out of the rates unless
        ``keep_format_elements``; with ``as_of`` (YYYY-MM-DD) only sources in force on that date
        count, and of several matching versions of one document only one is kept
        (:mod:`dupcheck.versions`).
        """
        threshold = check_threshold(threshold)
        as_of = check_date(as_of) if as_of else ""
        key = match_key(text)
        retriever = self.retriever()
        all_versions = self.versions()
        excluded = set(exclude)
        candidates = retriever.candidates(codepoints(key.text))
        sources = []
        for c in candidates:
            if excluded and self.store.document(c.doc_id).path in excluded:
                continue
            if as_of and c.doc_id in all_versions and not in_force(all_versions[c.doc_id], all_versions, as_of):
                continue
            sources.append(self.source(c.doc_id))
        elements = find_format_elements(text)
        spans = [] if keep_format_elements else element_spans(elements)
        passages = find_passages(text, key, sources, self.params)
        passages, others = one_version_each(text, key, sources, passages, all_versions, as_of, self.params)
        passages = outside(text, passages, spans)
        rates = measure(text, [(p.draft_start, p.draft_end, p.source_id) for p in passages], spans)
        matches = []
        for sid, chars in rates.source_chars.items():
            row = self.store.document(sid)
            v = all_versions.get(sid)
            matches.append(SourceMatch(id=sid, title=row.title, path=row.path, rate=rates.rate(chars), copied_chars=chars,
                                       effective=v.effective if v else "", status=v.status if v else "",
                                       other_versions=tuple(all_versions[o].path for o in others.get(sid, ()))))
        matches.sort(key=lambda s: (-s.copied_chars, s.id))
        checked_at = datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")
        report = Report(
            path=path,
            total_chars=rates.total_chars,
            copied_chars=rates.copied_chars,
            copy_rate=rates.copy_rate,
            copy_rate_excluding_quotes=rates.copy_rate_excluding_quotes,
            max_source_rate=rates.max_source_rate,
            threshold=threshold,
            flagged=rates.copy_rate >= threshold,
            sources=tuple(matches),
            passages=tuple(passages),
            text=text,
            source_texts={s.id: self.source(s.id).text for s in matches},
            corpus=self.name,
            checked_at=checked_at,
            format_elements=elements,
            format_chars=element_chars(text, elements),
            keep_format_elements=keep_format_elements,
            as_of=as_of,
            run_record=RunRecord(
                *(digest or draft_digest(text.encode("utf-8"))), self.name, len(all_versions), self._digest, __version__,
                self.scheme.as_dict(), asdict(self.params), threshold, keep_format_elements, as_of, checked_at),
        )
        return review(report, exclude=spans)


__all__ = ["Index", "UpdateResult", "find_documents", "check_threshold", "DupcheckError"]
