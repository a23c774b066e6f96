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
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dupcheck import __version__, pool
from dupcheck.align import AlignParams
from dupcheck.articlemap import review
from dupcheck.corpus import is_corpus_file, read_corpus
from dupcheck.credit import Source, find_passages
from dupcheck.errors import DupcheckError, IndexFormatError, InputError, ParameterError
from dupcheck.extract import SUPPORTED_SUFFIXES, extract_bytes, read_document_bytes
from dupcheck.fingerprint import Scheme
from dupcheck.formatelements import element_chars, element_spans, find_format_elements, outside
from dupcheck.matchkey import match_key
from dupcheck.measure import measure
from dupcheck.normalize import codepoints
from dupcheck.pipeline import document_features
from dupcheck.postings import LazyRetriever, PostingsWriter, is_current
from dupcheck.report import Report, Skipped, SourceMatch
from dupcheck.retrieve import Retriever
from dupcheck.runrecord import RunRecord, draft_digest, index_digest
from dupcheck.safety import clean_text, display, remove_stale
from dupcheck.store import DocumentRow, PackedDocument, Store, classify, unpack
from dupcheck.versions import (
    Version,
    check_date,
    in_force,
    one_version_each,
    read_metadata_csv,
    store_corpus_metadata,
    store_metadata,
    versions,
)

if TYPE_CHECKING:
    from dupcheck.audit import AuditResult

Progress = Callable[[int, int], None]  # (done, total)
PageProgress = Callable[[str, str, int, int], None]  # (draft path, "pages" or "ocr", done, total)
StageProgress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class UpdateResult:
    """What an index update did: paths added, updated (content changed), unchanged, removed, skipped."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = field(default=())
    extracted: tuple[tuple[str, str], ...] = ()  # (path, Extracted.method) of every file read this time

    def by_format(self) -> dict[str, FormatCount]:
        """Per file suffix (".docx", ".pdf" …; "" when none), how many of the files looked at this
        time were read, converted, OCR'd and skipped, and the skip reasons with their counts."""
        out: dict[str, FormatCount] = {}

        def entry(path: str) -> FormatCount:
            return out.setdefault(Path(path).suffix.lower(), FormatCount())

        for path, method in self.extracted:
            c = entry(path)
            if method.startswith("converted:"):
                c.converted += 1
            elif method.startswith("ocr:"):
                c.ocr += 1
            else:
                c.read += 1
        for s in self.skipped:
            c = entry(s.path)
            c.skipped += 1
            c.reasons[s.reason] = c.reasons.get(s.reason, 0) + 1
        return dict(sorted(out.items()))


@dataclass
class FormatCount:
    """Files of one format in an index update: read as they are, converted (.doc/.wps), OCR'd, skipped."""

    read: int = 0
    converted: int = 0
    ocr: int = 0
    skipped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


LAZY_CHECKS = 2
"""Drafts an :class:`Index` checks from the stored postings before it loads the tables whole: a
one-off check (a CLI run, a pre-commit hook) reads only what it needs, a batch pays the load once
(at 20 M characters: 0.35 s, then about 60 ms less per draft)."""


def remove_stale_rebuilds(path: str | os.PathLike) -> None:
    """Remove what a killed rebuild of the index at ``path`` left beside it (only when its process is gone)."""
    if str(path) != ":memory:":
        name = re.escape(Path(path).name)
        remove_stale(Path(path).parent, re.compile(name + r"\.rebuild-(?P<pid>\d+)(?:-wal|-shm|-journal)?"))


def check_threshold(threshold: float) -> float:
    if not isinstance(threshold, (int, float)) or not 0.0 <= float(threshold) <= 1.0:
        raise ParameterError(f"阈值必须在 0 到 1 之间（0.8 表示 80%），收到的是 {threshold!r}")
    return float(threshold)


def find_documents(root: str | os.PathLike) -> list[Path]:
    """Every supported file under ``root`` (or ``root`` itself), sorted; hidden folders skipped."""
    root = Path(root)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise InputError(str(root), "文件或文件夹不存在")
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                found.append(Path(dirpath) / name)
    return found


def _file_features(path: str, scheme: Scheme) -> tuple[PackedDocument, str] | Skipped:
    """Read, extract and fingerprint one file (runs in a worker process); with how it was read."""
    try:
        data = read_document_bytes(path)  # regular files only, size checked before reading
        extracted = extract_bytes(data, path)
    except InputError as exc:
        return Skipped(path, exc.reason)
    features = document_features(path, extracted.text, scheme, sha256=hashlib.sha256(data).hexdigest())
    return PackedDocument.of(features), extracted.method


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
        self._checks = 0  # drafts checked by this Index: past LAZY_CHECKS the tables are loaded whole
        self._sources: OrderedDict[int, Source] = OrderedDict()

    # -- opening
    @classmethod
    def open(
        cls,
        path: str | os.PathLike,
        *,
        create: bool = True,
        name: str | None = None,
        params: AlignParams = AlignParams(),
    ) -> Index:
        """Open (or create) the index at ``path``; ``":memory:"`` makes a throw-away one."""
        scheme = Scheme.current()
        store = Store.open(os.fspath(path), scheme.as_dict(), create=create)
        return cls(store, scheme, params, name or Path(str(path)).name)

    @classmethod
    def default(
        cls,
        corpus: str | os.PathLike | None = None,
        *,
        params: AlignParams = AlignParams(),
        progress: Progress | None = None,
        workers: int | None = None,
    ) -> Index:
        """The shipped default corpus (package data; or ``corpus``, a corpus file), indexed on first
        use into a cache file (:mod:`dupcheck.default`)."""
        from dupcheck.default import open_default

        return open_default(corpus, params=params, progress=progress, workers=workers)

    @classmethod
    def rebuild(
        cls,
        path: str | os.PathLike,
        source: str | os.PathLike,
        *,
        progress: Progress | None = None,
        workers: int | None = None,
        on_wait: Callable[[str, float], None] | None = None,
    ) -> UpdateResult:
        """Make the index at ``path`` hold exactly the documents of ``source`` (a folder or a corpus file).

        An index that opens is rebuilt in one write transaction (readers see the old documents until
        the new ones are all in; an interrupted run leaves it as it was). A file that does not open
        as an index of this scheme (or does not exist) is replaced: the new index is built beside
        it and renamed over it."""
        path = str(path)
        remove_stale_rebuilds(path)
        if path != ":memory:" and Path(path).exists():
            try:
                index = cls.open(path, create=False)
            except IndexFormatError:
                kind = classify(path)
                if kind not in ("dupcheck", "empty"):
                    what = "其他程序的 SQLite 数据库" if kind == "sqlite" else "不是 dupcheck 索引的文件"
                    raise IndexFormatError(
                        f"{display(path)}: 是{what}，--rebuild 不会覆盖它；请换一个 --db 路径"
                    ) from None
                index = None
            if index is not None:
                index.store.on_wait = on_wait
                with index, index.store.transaction():
                    index.remove([d.path for d in index.documents()])
                    return index.sync(source, progress=progress, workers=workers)
        target = f"{path}.rebuild-{os.getpid()}"
        try:
            with cls.open(target) as index:
                result = index.sync(source, progress=progress, workers=workers)
            for suffix in ("-wal", "-shm"):
                Path(path + suffix).unlink(missing_ok=True)
            os.replace(target, path)  # write-then-rename: a reader never sees a half-built index
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(target + suffix).unlink(missing_ok=True)
        return result

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- updating
    def add(
        self, paths: Iterable[str | os.PathLike], *, progress: Progress | None = None, workers: int | None = None
    ) -> UpdateResult:
        """Index these files; a file already indexed with the same content is not read again."""
        return self._update([str(p) for p in paths], remove_missing_under=None, progress=progress, workers=workers)

    def sync(
        self, root: str | os.PathLike, *, progress: Progress | None = None, workers: int | None = None
    ) -> UpdateResult:
        """Index every supported file under ``root``, only new or changed ones, and drop deleted ones.

        ``root`` may also be a corpus file (``.jsonl``, ``.jsonl.xz``, ``.jsonl.gz``): its records
        are added as :meth:`add_texts` does."""
        if is_corpus_file(root):
            records = list(read_corpus(root))
            with self.store.transaction():  # the texts and their version fields land together
                result = self.add_texts(
                    ((r["path"], r["text"], r.get("title")) for r in records), progress=progress, workers=workers
                )
                store_corpus_metadata(self.store, records)
            return result
        paths = [str(p) for p in find_documents(root)]
        metadata = read_metadata_csv(os.fspath(root))  # metadata.csv beside the files: versions (dupcheck/versions.py)
        with self.store.transaction():
            result = self._update(paths, remove_missing_under=str(root), progress=progress, workers=workers)
            store_metadata(self.store, metadata)
        return result

    def add_texts(
        self,
        items: Iterable[tuple[str, str, str | None]],
        *,
        progress: Progress | None = None,
        workers: int | None = None,
    ) -> UpdateResult:
        """Index in-memory texts: ``(key, text, title)``; the key is stored as the document's path."""
        items = [(key, clean_text(text), title) for key, text, title in items]  # no lone surrogates
        known = self.store.hashes_by_path()
        todo = [it for it in items if known.get(it[0]) != hashlib.sha256(it[1].encode("utf-8")).hexdigest()]
        changed = {it[0] for it in todo}
        added: list[str] = []
        updated: list[str] = []
        with self._writing() as writer:  # rows are written as workers deliver them; all land, or none
            for f in pool.imap(_text_features, todo, shared=self.scheme, workers=workers, progress=progress):
                (updated if f.path in known else added).append(f.path)
                self._put(f, writer, replacing=f.path in known)
        unchanged = tuple(it[0] for it in items if it[0] not in changed)
        return UpdateResult(tuple(added), tuple(updated), unchanged)

    def remove(self, paths: Iterable[str]) -> tuple[str, ...]:
        with self._writing() as writer:
            return tuple(p for p in paths if self._remove(str(p), writer))

    @contextmanager
    def _writing(self) -> Iterator[PostingsWriter]:
        """One write transaction whose postings are written in it too (:mod:`dupcheck.postings`)."""
        with self.store.transaction():
            writer = PostingsWriter(self.store, self.scheme).start()
            yield writer
            writer.finish()

    def _put(self, doc: PackedDocument, writer: PostingsWriter, *, replacing: bool) -> None:
        if replacing:
            writer.removing(doc.path)
        doc_id = self.store.put(doc)
        writer.added_document(doc_id, unpack(doc.fingerprints), unpack(doc.bigram_ids), unpack(doc.bigram_counts))

    def _remove(self, path: str, writer: PostingsWriter) -> bool:
        writer.removing(path)
        return self.store.remove(path)

    def _update(
        self, paths: list[str], *, remove_missing_under: str | None, progress: Progress | None, workers: int | None
    ) -> UpdateResult:
        known = self.store.hashes_by_path()
        todo, unchanged, skipped = [], [], []
        for p in paths:
            if p in known:
                try:
                    digest = hashlib.sha256(read_document_bytes(p)).hexdigest()
                except InputError as exc:
                    skipped.append(Skipped(p, exc.reason))
                    continue
                if digest == known[p]:
                    unchanged.append(p)
                    continue
            todo.append(p)
        added: list[str] = []
        updated: list[str] = []
        removed: list[str] = []
        extracted: list[tuple[str, str]] = []
        with self._writing() as writer:  # all of the update lands, or none of it
            for result in pool.imap(_file_features, todo, shared=self.scheme, workers=workers, progress=progress):
                if isinstance(result, Skipped):
                    skipped.append(result)
                    continue
                r, method = result
                extracted.append((r.path, method))
                (updated if r.path in known else added).append(r.path)
                self._put(r, writer, replacing=r.path in known)
            if remove_missing_under is not None:
                present = set(paths)
                prefix = str(Path(remove_missing_under))
                for p in known:
                    if (
                        p not in present
                        and (p == prefix or p.startswith(prefix.rstrip(os.sep) + os.sep))
                        and not Path(p).exists()
                    ):
                        self._remove(p, writer)
                        removed.append(p)
        return UpdateResult(
            tuple(added), tuple(updated), tuple(unchanged), tuple(removed), tuple(skipped), tuple(extracted)
        )

    # -- reading
    def documents(self) -> list[DocumentRow]:
        return self.store.documents()

    def __len__(self) -> int:
        return len(self.store.documents())

    def retriever(self, *, whole: bool = False) -> Retriever:
        """The retrieval tables: read lazily from the stored postings (what one draft needs: a
        one-off check opens fast), or loaded whole (``whole``, or an index whose postings are not
        current). Both give the same candidates; loaded tables answer each further draft faster."""
        generation = self.store.generation()
        stale = self._retriever is None or generation != self._retriever_generation
        if stale or (whole and isinstance(self._retriever, LazyRetriever) and not self._retriever.loaded):
            if is_current(self.store):  # whole: the stored columns read into memory at once
                lazy = LazyRetriever(self.store, self.scheme)
                self._retriever = lazy.load() if whole else lazy
            else:
                self._retriever = Retriever.build(self.store.features(), self.scheme)
            self._retriever_generation = generation
            self._sources.clear()
        assert self._retriever is not None
        return self._retriever

    def audit(
        self,
        *,
        threshold: float = 0.5,
        progress: StageProgress | None = None,
        workers: int | None = None,
        exhaustive: bool = False,
    ) -> AuditResult:
        """Every pair of indexed documents that copy each other at ``threshold`` or more (either
        direction), and the groups they form (:mod:`dupcheck.audit`)."""
        from dupcheck.audit import audit_collection, audit_max_df

        threshold = check_threshold(threshold)
        retriever = self.retriever()
        if isinstance(retriever, LazyRetriever):
            hashes, owners = retriever.fingerprint_table()
        else:
            hashes, owners = retriever.hashes, retriever.owners
        rows = {r.id: r for r in self.documents()}
        documents = [rows[int(d)] for d in retriever.doc_ids]
        return audit_collection(
            documents,
            hashes,
            owners,
            self.store.text,
            scheme=self.scheme,
            params=self.params,
            threshold=threshold,
            max_df=audit_max_df(len(documents)),
            progress=progress,
            workers=workers,
            exhaustive=exhaustive,
            spans_of=self.store.mask_spans,
        )

    def source(self, doc_id: int) -> Source:
        """A source prepared for alignment (cached: batches keep meeting the same sources)."""
        if doc_id in self._sources:
            self._sources.move_to_end(doc_id)
            return self._sources[doc_id]
        entry = Source.prepare(doc_id, self.store.text(doc_id), self.params, self.store.mask_spans(doc_id))
        self._sources[doc_id] = entry
        if len(self._sources) > 256:
            self._sources.popitem(last=False)
        return entry

    # -- checking
    def check(
        self,
        draft: str | os.PathLike,
        *,
        threshold: float = 0.8,
        keep_format_elements: bool = False,
        as_of: str | None = None,
        progress: PageProgress | None = None,
    ) -> Report:
        """Check a draft file (any format :mod:`dupcheck.extract` reads) against the index;
        ``progress(path, stage, done, total)`` as a PDF's pages are read and OCR'd."""
        name = os.fsdecode(draft)
        data = read_document_bytes(name)  # read once: the text and the run record's digest agree
        extracted = extract_bytes(data, name, progress=None if progress is None else lambda *a: progress(name, *a))
        digest = draft_digest(data)
        del data
        return self.check_text(
            extracted.text,
            path=str(draft),
            threshold=threshold,
            keep_format_elements=keep_format_elements,
            as_of=as_of,
            digest=digest,
            extraction=extracted.method,
            ocr_confidence=extracted.ocr_confidence,
        )

    def check_many(
        self,
        drafts: Iterable[str | os.PathLike],
        *,
        threshold: float = 0.8,
        keep_format_elements: bool = False,
        as_of: str | None = None,
        progress: PageProgress | None = None,
    ) -> list[Report | Skipped]:
        """Check several drafts; one that cannot be read becomes a :class:`Skipped` in its place."""
        out: list[Report | Skipped] = []
        for d in drafts:
            try:
                out.append(
                    self.check(
                        d,
                        threshold=threshold,
                        keep_format_elements=keep_format_elements,
                        as_of=as_of,
                        progress=progress,
                    )
                )
            except InputError as exc:
                out.append(Skipped(exc.path, exc.reason))
        return out

    def versions(self) -> dict[int, Version]:
        """Every document's version (effective date, status, group), cached per index generation."""
        generation = self.store.generation()
        if getattr(self, "_versions_generation", None) != generation:
            self._versions, self._versions_generation = versions(self.store), generation
            self._digest = index_digest(
                [(d.path, d.sha256) for d in self.documents()],
                self.store.conn.execute("SELECT * FROM document_versions").fetchall(),
            )
        return self._versions

    def check_text(
        self,
        text: str,
        *,
        path: str = "<text>",
        threshold: float = 0.8,
        exclude: Iterable[str] = (),
        keep_format_elements: bool = False,
        as_of: str | None = None,
        digest: tuple[str, int] | None = None,
        extraction: str = "text",
        ocr_confidence: float | None = None,
    ) -> Report:
        """Check a draft given as text; ``exclude`` names indexed paths not to count as sources.

        ``extraction`` and ``ocr_confidence`` (from :class:`dupcheck.extract.Extracted`) say in the
        report how the text was obtained (converted, OCR'd).

        公文格式要素 (:mod:`dupcheck.formatelements`) are left out of the rates unless
        ``keep_format_elements``; with ``as_of`` (YYYY-MM-DD) only sources in force on that date
        count, and of several matching versions of one document only one is kept
        (:mod:`dupcheck.versions`). Lone surrogates (from a bad decoder upstream) are read as
        U+FFFD, one for one, so offsets still refer to ``text``; anything but a ``str`` is a
        :class:`ParameterError`.
        """
        threshold = check_threshold(threshold)
        if not isinstance(text, str):
            raise ParameterError(f"text 必须是字符串（str），收到的是 {type(text).__name__}")
        text = clean_text(text)
        as_of = check_date(as_of) if as_of else ""
        key = match_key(text)
        self._checks += 1
        retriever = self.retriever(whole=self._checks > LAZY_CHECKS)
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
        checked_at = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
        record = RunRecord(
            *(digest or draft_digest(text.encode("utf-8"))),
            self.name,
            len(all_versions),
            self._digest,
            __version__,
            self.scheme.as_dict(),
            asdict(self.params),
            threshold,
            keep_format_elements,
            as_of,
            checked_at,
        )

        def describe(doc_id: int) -> tuple[str, str]:
            row = self.store.document(doc_id)
            return row.title, row.path

        return draft_report(
            text,
            key,
            sources,
            describe,
            params=self.params,
            path=path,
            threshold=threshold,
            corpus=self.name,
            checked_at=checked_at,
            keep_format_elements=keep_format_elements,
            versions=all_versions,
            as_of=as_of,
            run_record=record,
            extraction=extraction,
            ocr_confidence=ocr_confidence,
        )


def draft_report(
    text: str,
    key,
    sources: list[Source],
    describe: Callable[[int], tuple[str, str]],
    *,
    params: AlignParams,
    path: str,
    threshold: float,
    corpus: str,
    checked_at: str,
    keep_format_elements: bool = False,
    versions: dict | None = None,
    as_of: str = "",
    run_record: RunRecord | None = None,
    extraction: str = "text",
    ocr_confidence: float | None = None,
) -> Report:
    """The report of one draft against its candidate sources: the kernel every engine runs (this
    process, or a Spark executor). ``describe(doc_id)`` gives a source's (title, path)."""
    all_versions = versions or {}
    elements = find_format_elements(text)
    spans = [] if keep_format_elements else element_spans(elements)
    passages = find_passages(text, key, sources, params)
    passages, others = one_version_each(text, key, sources, passages, all_versions, as_of, params)
    passages = outside(text, passages, spans)
    rates = measure(text, [(p.draft_start, p.draft_end, p.source_id) for p in passages], spans)
    matches = []
    for sid, chars in rates.source_chars.items():
        title, source_path = describe(sid)
        v = all_versions.get(sid)
        matches.append(
            SourceMatch(
                id=sid,
                title=title,
                path=source_path,
                rate=rates.rate(chars),
                copied_chars=chars,
                effective=v.effective if v else "",
                status=v.status if v else "",
                other_versions=tuple(all_versions[o].path for o in others.get(sid, ())),
            )
        )
    matches.sort(key=lambda s: (-s.copied_chars, s.id))
    texts = {s.id: s.text for s in sources}
    report = Report.of_rates(
        rates,
        threshold=threshold,
        path=path,
        sources=tuple(matches),
        passages=tuple(passages),
        text=text,
        source_texts={s.id: texts[s.id] for s in matches},
        corpus=corpus,
        checked_at=checked_at,
        format_elements=elements,
        format_chars=element_chars(text, elements),
        keep_format_elements=keep_format_elements,
        as_of=as_of,
        run_record=run_record,
        extraction=extraction,
        ocr_confidence=ocr_confidence,
    )
    return review(report, exclude=spans)


__all__ = ["DupcheckError", "FormatCount", "Index", "UpdateResult", "check_threshold", "find_documents"]
