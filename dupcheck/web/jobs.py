"""Work that runs off the request thread: checking drafts and adding documents to a library.

A :class:`JobManager` owns a small pool of worker threads. A request saves its uploads, submits a
job and answers at once with the job's page, which shows per-file progress (refreshing itself,
or polled by the page's script); so a slow check never holds up other pages, and two clerks
checking at once both get their reports (the pool runs both, or queues the second).

Each checked file is recorded in the history (``web.db``) in its own transaction the moment it
is done, with its rendered HTML, JSON and annotated .docx (or, when the clerk chose not to save
the report, only its figures: the report is then held in memory for ``UNSAVED_SECONDS``); the
uploaded file is deleted either way.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dupcheck.errors import InputError
from dupcheck.extract import extract_bytes
from dupcheck.web.db import AppDB
from dupcheck.web.libraries import Libraries, Library
from dupcheck.web.uploads import UploadDir, is_plain_zip, zip_documents

log = logging.getLogger("dupcheck.web")

STATE_LABELS = {"waiting": "等待中", "running": "处理中", "done": "完成", "error": "无法读取"}
MAX_JOBS_KEPT = 500
UNSAVED_SECONDS = 3600
"""How long a report the clerk chose not to save stays viewable (in memory only, never on disk)."""
MAX_UNSAVED = 200


@dataclass
class Upload:
    """A file saved by a request: its display name (from the browser, never used as a path),
    the random path it was saved at, and its size."""

    name: str
    path: Path
    size: int


@dataclass
class JobItem:
    name: str
    size: int
    state: str = "waiting"
    message: str = ""
    check_id: int | None = None
    copy_rate: float | None = None
    flagged: bool | None = None
    top_source: str | None = None

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "state": self.state,
            "state_label": STATE_LABELS[self.state],
            "message": self.message,
            "check_id": self.check_id,
            "copy_rate": self.copy_rate,
            "flagged": self.flagged,
        }


@dataclass
class Job:
    id: str
    kind: str  # "check" or "library"
    owner: str
    library: Library
    threshold: float | None
    items: list[JobItem]
    created: float = field(default_factory=time.time)
    finished: bool = False
    keep: bool = True  # store the reports in the history (else: in memory for UNSAVED_SECONDS)
    error: str = ""  # a failure of the whole job (Chinese)
    summary: dict = field(default_factory=dict)  # library jobs: added/updated/unchanged/skipped

    @property
    def done_count(self) -> int:
        return sum(1 for i in self.items if i.state in ("done", "error"))

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "finished": self.finished,
            "done": self.done_count,
            "total": len(self.items),
            "error": self.error,
            "items": [i.to_dict() for i in self.items],
        }


class JobManager:
    def __init__(
        self,
        db: AppDB,
        libraries: Libraries,
        uploads: UploadDir,
        *,
        workers: int = 2,
        max_file_bytes: int,
        max_zip_total_bytes: int,
    ) -> None:
        self.db = db
        self.libraries = libraries
        self.uploads = uploads
        self.max_file_bytes = max_file_bytes
        self.max_zip_total_bytes = max_zip_total_bytes
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="dupcheck-job")
        self._jobs: dict[str, Job] = {}
        self._unsaved: dict[int, tuple[float, dict[str, bytes]]] = {}  # check id -> (when, bodies)
        self._lock = threading.Lock()

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _register(self, job: Job) -> None:
        with self._lock:
            self._jobs[job.id] = job
            if len(self._jobs) > MAX_JOBS_KEPT:
                for old in sorted(self._jobs.values(), key=lambda j: j.created)[: len(self._jobs) - MAX_JOBS_KEPT]:
                    if old.finished:
                        del self._jobs[old.id]

    def submit_check(
        self, owner: str, library: Library, threshold: float, uploads: list[Upload], *, keep: bool = True
    ) -> Job:
        job = Job(
            secrets.token_urlsafe(16),
            "check",
            owner,
            library,
            threshold,
            [JobItem(u.name, u.size) for u in uploads],
            keep=keep,
        )
        self._register(job)
        self._pool.submit(self._run_check, job, uploads)
        return job

    def submit_library_add(self, owner: str, library: Library, uploads: list[Upload]) -> Job:
        job = Job(
            secrets.token_urlsafe(16), "library", owner, library, None, [JobItem(u.name, u.size) for u in uploads]
        )
        self._register(job)
        self._pool.submit(self._run_library_add, job, uploads)
        return job

    def unsaved(self, check_id: int, what: str) -> bytes | None:
        """A report body the clerk chose not to save, while it is still held (else None)."""
        with self._lock:
            held = self._unsaved.get(check_id)
            if held is None:
                return None
            if time.monotonic() - held[0] > UNSAVED_SECONDS:
                del self._unsaved[check_id]
                return None
            return held[1].get(what)

    def forget_unsaved(self, check_id: int) -> None:
        with self._lock:
            self._unsaved.pop(check_id, None)

    def _hold(self, check_id: int, bodies: dict[str, bytes]) -> None:
        with self._lock:
            now = time.monotonic()
            for key in [k for k, (at, _) in self._unsaved.items() if now - at > UNSAVED_SECONDS]:
                del self._unsaved[key]
            while len(self._unsaved) >= MAX_UNSAVED:
                del self._unsaved[next(iter(self._unsaved))]  # the oldest
            self._unsaved[check_id] = (now, bodies)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    # -- checking
    def _run_check(self, job: Job, uploads: list[Upload]) -> None:
        try:
            for item, upload in zip(job.items, uploads):
                item.state = "running"
                try:
                    self._check_one(job, item, upload)
                except Exception:  # a bug must not stop the batch or the server
                    log.exception("check of %s failed", item.name)
                    item.state, item.message = "error", "内部错误：检测失败，请联系管理员（详情见服务器日志）"
                finally:
                    upload.path.unlink(missing_ok=True)
        finally:
            for upload in uploads:
                upload.path.unlink(missing_ok=True)
            job.finished = True

    def _check_one(self, job: Job, item: JobItem, upload: Upload) -> None:
        from dupcheck.render import annotate_docx, render_html, render_json

        data = upload.path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        lib = job.library
        index = self.libraries.index(lib)
        docs, generation = self.libraries.state(lib)
        common: dict[str, Any] = dict(
            user=job.owner,
            file_name=item.name,
            sha256=sha256,
            size=len(data),
            library=lib.name,
            library_docs=docs,
            library_generation=generation,
            threshold=job.threshold,
        )
        try:
            extracted = extract_bytes(data, item.name)  # the type is decided by content
        except InputError as exc:
            item.check_id = self.db.add_check(**common, error=exc.reason)
            item.state, item.message = "error", exc.reason
            return
        assert job.threshold is not None  # a check job always has one (library jobs have none)
        report = index.check_text(
            extracted.text,
            path=item.name,
            threshold=job.threshold,
            digest=(sha256, len(data)),  # the run record names the uploaded file, as the CLI's does
            extraction=extracted.method,
            ocr_confidence=extracted.ocr_confidence,
        )
        html = render_html(report, corpus_name=lib.name)
        json_text = render_json([report])
        annotated = self.uploads.new_path()
        try:
            annotate_docx(report, annotated, draft_path=upload.path)
            docx = annotated.read_bytes()
        finally:
            annotated.unlink(missing_ok=True)
        if job.keep:
            item.check_id = self.db.add_check(**common, report=report, html=html, json_text=json_text, docx=docx)
        else:  # the history keeps the figures; the report itself only memory, for a while
            item.check_id = self.db.add_check(**common, report=report)
            self._hold(item.check_id, {"html": html.encode("utf-8"), "json": json_text.encode("utf-8"), "docx": docx})
        item.copy_rate, item.flagged = report.copy_rate, report.flagged
        item.top_source = report.sources[0].title if report.sources else None
        item.state = "done"

    # -- adding documents to a library
    def _run_library_add(self, job: Job, uploads: list[Upload]) -> None:
        lib = job.library
        texts: list[tuple[str, str, None]] = []
        keys: set[str] = set()
        skipped: list[tuple[str, str]] = []

        def take(name: str, data: bytes, shown: str) -> str | None:
            """Add the document as ``name``; ``shown`` is how a refusal names it (with its archive)."""
            try:
                text = extract_bytes(data, name).text
            except InputError as exc:
                skipped.append((shown, exc.reason))
                return exc.reason
            key, n = name, 2
            while key in keys:  # two uploads of one name in one batch: keep both
                key, n = f"{name} ({n})", n + 1
            keys.add(key)
            texts.append((key, text, None))
            return None

        try:
            for item, upload in zip(job.items, uploads):
                item.state = "running"
                try:
                    if is_plain_zip(upload.path):
                        members = zip_documents(
                            upload.path,
                            max_member_bytes=self.max_file_bytes,
                            max_total_bytes=self.max_zip_total_bytes,
                            archive_name=item.name,
                        )
                        good = 0
                        for m in members:
                            if m.data is None:
                                skipped.append((m.name, m.reason or ""))
                            elif take(m.name.split("/", 1)[1], m.data, m.name) is None:
                                good += 1
                        item.state, item.message = "done", f"压缩包内读取 {good} 个文件，跳过 {len(members) - good} 个"
                    else:
                        reason = take(item.name, upload.path.read_bytes(), item.name)
                        item.state, item.message = ("error", reason) if reason else ("done", "")
                finally:
                    upload.path.unlink(missing_ok=True)
            with self.libraries.write_lock(lib):
                result = self.libraries.index(lib).add_texts(texts)  # one transaction: all land, or none
            job.summary = {
                "added": list(result.added),
                "updated": list(result.updated),
                "unchanged": list(result.unchanged),
                "skipped": skipped,
            }
            self.db.record_update(lib.name, job.owner, job.summary)
        except Exception:
            log.exception("library update of %s failed", lib.name)
            job.error = "内部错误：文档库更新失败，库内容未改变（详情见服务器日志）"
        finally:
            for upload in uploads:
                upload.path.unlink(missing_ok=True)
            job.finished = True
