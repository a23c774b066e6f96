"""The Flask application: ``create_app(WebConfig(...))`` (an app factory, as Datasette's
``create_app``), pages rendered on the server with Jinja2, in Chinese.

Routes (every one has a test in ``tests/web/``; ``test_routes.py`` fails for one without, or missing here):

==========================================  =====================================================
``GET /``                                    upload drafts, choose library and threshold
``POST /check``                              save uploads, start a check job -> its page
``GET /jobs/<id>`` / ``/jobs/<id>/status``   progress (page / JSON for the script)
``GET /report/<n>``                          a stored report, with download buttons
``GET /report/<n>/view``                     the stored HTML report itself (shown in a frame)
``GET /report/<n>/download/<docx|html|json>`` the stored files
``POST /report/<n>/forget``                  delete the stored report (the history line stays)
``GET /history``                             the history, newest first, searchable
``GET /libraries``, ``POST /libraries``      the libraries; create one (admin)
``GET /libraries/<id>``                      its documents, search by title
``POST /libraries/<id>/add`` / ``remove``    add documents (files or a .zip) / remove them (admin)
``GET|POST /login``, ``POST /logout``        accounts (``dupcheck serve --add-user``)
==========================================  =====================================================
"""

from __future__ import annotations

import logging
import math
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from flask import (
    Flask,
    Request,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from dupcheck.errors import DupcheckError
from dupcheck.web import security
from dupcheck.web.db import AppDB
from dupcheck.web.jobs import STATE_LABELS, UNSAVED_SECONDS, JobManager, Upload
from dupcheck.web.libraries import Libraries, Library, added_at
from dupcheck.web.uploads import FORMATS, UploadDir, display_name, human

log = logging.getLogger("dupcheck.web")

LOCAL_USER = "本机用户"
MAX_FILES_PER_REQUEST = 200
PAGE_SIZE = 100


@dataclass
class WebConfig:
    """Settings of one server; the defaults are the documented ones (docs/web.md)."""

    data_dir: Path
    db: str | None = None  # an index to use as the built-in library (default: the shipped corpus)
    db_name: str | None = None  # its name on the pages
    host: str = "127.0.0.1"
    port: int = 8000
    allow_hosts: tuple[str, ...] = ()
    max_file_bytes: int = 20 * 2**20
    max_request_bytes: int = 100 * 2**20
    max_zip_total_bytes: int = 500 * 2**20
    workers: int = 2
    secret_key: bytes | None = None  # default: a random key kept in <data_dir>/secret.key
    extra: dict = field(default_factory=dict)


class Services:
    """What the views share: the app database, libraries, uploads folder and job pool."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = AppDB(config.data_dir / "web.db")
        self.network = not security.is_loopback(config.host)
        if self.network and not self.db.has_users():
            # Refused here, not only by the CLI: an app built any other way is refused too.
            self.db.close()
            raise DupcheckError(
                f"拒绝在 {config.host} 上启动：办公网络上必须先建立账户，例如 dupcheck serve --add-user 张三 --role admin"
            )
        self.libraries = Libraries.create(
            self.db, config.data_dir / "libraries", db_path=config.db, db_name=config.db_name
        )
        self.uploads = UploadDir()
        self.jobs = JobManager(
            self.db,
            self.libraries,
            self.uploads,
            workers=config.workers,
            max_file_bytes=config.max_file_bytes,
            max_zip_total_bytes=config.max_zip_total_bytes,
        )
        self.allowed_hosts = security.allowed_hosts(config.host, config.allow_hosts)

    def login_required(self) -> bool:
        return self.network or self.db.has_users()

    def close(self) -> None:
        self.jobs.shutdown()
        self.uploads.remove()
        self.db.close()


class UploadRequest(Request):
    """Multipart file parts are spooled into the private uploads folder, not the system's /tmp."""

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return services().uploads.spool()


def services() -> Services:
    return current_app.extensions["dupcheck"]


def _secret_key(data_dir: Path) -> bytes:
    path = data_dir / "secret.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
    return path.read_bytes()


def create_app(config: WebConfig) -> Flask:
    app = Flask(__name__)
    app.request_class = UploadRequest
    svc = Services(config)
    app.extensions["dupcheck"] = svc
    app.config.update(
        SECRET_KEY=config.secret_key or _secret_key(config.data_dir),
        MAX_CONTENT_LENGTH=config.max_request_bytes,
        MAX_FORM_PARTS=MAX_FILES_PER_REQUEST + 50,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="dupcheck_session",
        PERMANENT_SESSION_LIFETIME=12 * 3600,
    )
    app.jinja_env.filters["percent"] = _percent
    app.jinja_env.filters["human"] = human
    app.jinja_env.globals.update(csrf_token=_csrf_token, state_labels=STATE_LABELS)
    app.before_request(_guard)
    app.after_request(_headers)
    app.register_error_handler(HTTPException, _error_page)
    app.register_error_handler(Exception, _internal_error)
    _routes(app)
    return app


# -- request guards --------------------------------------------------------------------------------


def _guard():
    svc = services()
    if security.host_name(request.host) not in svc.allowed_hosts:
        return _page_error(400, "主机名不被允许", "请用管理员告知的地址访问本页面（Host 头不在允许列表中）。")
    if request.method == "POST":
        origin = request.headers.get("Origin")
        referer = request.headers.get("Referer")
        if origin is not None and not security.same_origin(origin, request.host):
            return _page_error(403, "请求来源不被允许", "此表单不是从本站页面提交的（Origin 不符），已拒绝。")
        if origin is None and referer is not None and not security.same_origin(referer, request.host):
            return _page_error(403, "请求来源不被允许", "此表单不是从本站页面提交的（Referer 不符），已拒绝。")
        given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token")
        if not security.tokens_match(session.get("csrf"), given):
            return _page_error(403, "表单已失效", "安全令牌缺失或不符（页面可能已过期）。请返回、刷新页面后重新提交。")
    g.user = _current_user(svc)
    if g.user is None and request.endpoint not in ("login", "static"):
        if request.method == "GET":
            return redirect(url_for("login", next=request.full_path if request.query_string else request.path))
        return _page_error(401, "请先登录", "此操作需要登录。")


def _current_user(svc: Services):
    from dupcheck.web.db import User

    if not svc.login_required():
        return User(LOCAL_USER, "", "admin")
    sid = session.get("sid")
    name = svc.db.session_user(sid) if sid else None  # a copied cookie dies with the logout
    return svc.db.user(name) if name else None


def _csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = security.new_csrf_token()
    return session["csrf"]


def _headers(response: Response) -> Response:
    if request.endpoint == "report_view":
        response.headers["Content-Security-Policy"] = security.REPORT_CSP
    else:
        response.headers.setdefault("Content-Security-Policy", security.APP_CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"  # pages hold unreleased drafts
    return response


def _page_error(status: int, title: str, message: str):
    return render_template("error.html.j2", status=status, title=title, message=message), status


_HTTP_MESSAGES = {
    400: ("请求有误", "提交的内容不完整或格式不对。"),
    401: ("请先登录", "此操作需要登录。"),
    403: ("无权访问", "您的账户无权执行此操作（文档库由管理员维护）。"),
    404: ("页面不存在", "您要找的页面或报告不存在，或不属于您的账户。"),
    405: ("请求方式不对", "此地址不接受这种请求。"),
}


def _error_page(exc: HTTPException):
    if isinstance(exc, RequestEntityTooLarge):
        cfg = services().config
        return _page_error(
            413,
            "上传内容过大",
            f"一次上传的总大小上限为 {human(cfg.max_request_bytes)}，单个文件上限为 "
            f"{human(cfg.max_file_bytes)}。请分批上传或压缩文件后重试。",
        )
    title, message = _HTTP_MESSAGES.get(exc.code or 500, ("出错了", "请求无法完成。"))
    description = exc.description or ""
    if exc.code == 400 and description.startswith("zh:"):
        message = description[3:]
    return _page_error(exc.code or 500, title, message)


def _internal_error(exc: Exception):
    log.exception("unhandled error on %s", request.path)
    return _page_error(500, "服务器内部错误", "请求未能完成，已记录在服务器日志中。请稍后重试或联系管理员。")


def _bad_request(message: str) -> NoReturn:
    abort(400, description="zh:" + message)


def _require_admin():
    if not g.user.is_admin:
        abort(403)


def _percent(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:.1f}%"


# -- uploads ---------------------------------------------------------------------------------------


def _save_uploads(field_name: str = "files") -> list[Upload]:
    """Every file of the form field, saved under a random name; 413 (nothing kept) when one is
    over the per-file cap; 400 when there is none."""
    svc = services()
    parts = [f for f in request.files.getlist(field_name) if f.filename or f.content_length]
    if not parts:
        _bad_request("请至少选择一个文件。")
    if len(parts) > MAX_FILES_PER_REQUEST:
        _bad_request(f"一次最多上传 {MAX_FILES_PER_REQUEST} 个文件。")
    saved: list[Upload] = []
    for part in parts:
        name = display_name(part.filename)
        result = svc.uploads.save(part.stream, limit=svc.config.max_file_bytes)
        if result is None:
            for s in saved:
                s.path.unlink(missing_ok=True)
            return _too_big(name)
        saved.append(Upload(name, result[0], result[1]))
    return saved


class _TooBig(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


def _too_big(name: str):
    raise _TooBig(name)


# -- views -----------------------------------------------------------------------------------------


def _routes(app: Flask) -> None:
    @app.errorhandler(_TooBig)
    def too_big(exc: _TooBig):
        return _page_error(
            413,
            "文件过大",
            f"“{exc.name}”超过单个文件的大小上限 {human(services().config.max_file_bytes)}，本次上传的文件均未保存。",
        )

    @app.get("/")
    def index():
        svc = services()
        return render_template(
            "index.html.j2",
            libraries=svc.libraries.all(),
            threshold=80,
            max_file=svc.config.max_file_bytes,
            max_request=svc.config.max_request_bytes,
            formats=FORMATS,
            unsaved_minutes=UNSAVED_SECONDS // 60,
        )

    @app.post("/check")
    def check():
        svc = services()
        lib = svc.libraries.get(request.form.get("library", "main"))
        if lib is None:
            _bad_request("请选择一个文档库。")
        try:
            threshold = float(request.form.get("threshold", "80"))
        except ValueError:
            threshold = -1
        if not 1 <= threshold <= 100:
            _bad_request("阈值须为 1 到 100 之间的数（百分比）。")
        keep = request.form.getlist("keep")[-1:] != ["0"]  # hidden "0" then the checkbox's "1"
        uploads = _save_uploads()
        job = svc.jobs.submit_check(g.user.name, lib, threshold / 100, uploads, keep=keep)
        return redirect(url_for("job", job_id=job.id), 303)

    def _job_or_404(job_id: str):
        job = services().jobs.get(job_id)
        if job is None or (job.owner != g.user.name and not g.user.is_admin):
            abort(404)
        return job

    @app.get("/jobs/<job_id>")
    def job(job_id: str):
        job = _job_or_404(job_id)
        if job.finished and job.kind == "check" and len(job.items) == 1 and job.items[0].state == "done":
            return redirect(url_for("report", check_id=job.items[0].check_id), 303)
        return render_template("job.html.j2", job=job)

    @app.get("/jobs/<job_id>/status")
    def job_status(job_id: str):
        return jsonify(_job_or_404(job_id).to_dict())

    def _check_or_404(check_id: int):
        row = services().db.check(check_id)
        if row is None or (row.user != g.user.name and not g.user.is_admin):
            abort(404)
        return row

    def _stored(check_id: int, what: str) -> bytes | None:
        svc = services()
        data = svc.db.stored(check_id, what)
        return data if data is not None else svc.jobs.unsaved(check_id, what)

    @app.get("/report/<int:check_id>")
    def report(check_id: int):
        row = _check_or_404(check_id)
        unsaved = not row.has_report and services().jobs.unsaved(check_id, "html") is not None
        return render_template("report.html.j2", row=row, unsaved=unsaved, unsaved_minutes=UNSAVED_SECONDS // 60)

    @app.get("/report/<int:check_id>/view")
    def report_view(check_id: int):
        _check_or_404(check_id)
        html = _stored(check_id, "html")
        if html is None:
            abort(404)
        return Response(html, mimetype="text/html", content_type="text/html; charset=utf-8")

    @app.get("/report/<int:check_id>/download/<fmt>")
    def download(check_id: int, fmt: str):
        row = _check_or_404(check_id)
        kinds = {
            "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".查重标注.docx"),
            "html": ("text/html; charset=utf-8", ".查重报告.html"),
            "json": ("application/json; charset=utf-8", ".查重报告.json"),
        }
        if fmt not in kinds:
            abort(404)
        data = _stored(check_id, fmt)
        if data is None:
            abort(404)
        mimetype, suffix = kinds[fmt]
        import io

        from flask import send_file

        stem = row.file_name.rsplit(".", 1)[0] if "." in row.file_name else row.file_name
        response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=stem + suffix)
        if fmt == "html":
            response.headers["Content-Security-Policy"] = security.REPORT_CSP
        return response

    @app.post("/report/<int:check_id>/forget")
    def forget(check_id: int):
        _check_or_404(check_id)
        services().db.forget_report(check_id)
        services().jobs.forget_unsaved(check_id)
        return redirect(url_for("history"), 303)

    @app.get("/history")
    def history():
        q = request.args.get("q", "").strip()[:100]
        page = max(1, request.args.get("page", 1, type=int) or 1)
        rows, total = services().db.history(
            user=None if g.user.is_admin else g.user.name, query=q, limit=50, offset=(page - 1) * 50
        )
        return render_template(
            "history.html.j2", rows=rows, total=total, q=q, page=page, pages=max(1, math.ceil(total / 50))
        )

    @app.get("/libraries")
    def libraries():
        svc = services()
        libs = [(lib, *svc.libraries.state(lib)) for lib in svc.libraries.all()]
        return render_template("libraries.html.j2", libs=libs)

    @app.post("/libraries")
    def library_create():
        _require_admin()
        try:
            lib = services().libraries.new(request.form.get("name", ""), g.user.name)
        except ValueError as exc:
            _bad_request(str(exc))
        return redirect(url_for("library", library_id=lib.id), 303)

    def _library_or_404(library_id: str) -> Library:
        lib = services().libraries.get(library_id)
        if lib is None:
            abort(404)
        return lib

    @app.get("/libraries/<library_id>")
    def library(library_id: str):
        svc = services()
        lib = _library_or_404(library_id)
        index = svc.libraries.index(lib)
        docs = index.documents()
        when = added_at(index)
        q = request.args.get("q", "").strip()[:100]
        if q:
            docs = [d for d in docs if q.lower() in d.title.lower() or q.lower() in d.path.lower()]
        docs.sort(key=lambda d: (when.get(d.path, ""), d.id), reverse=True)
        page = max(1, request.args.get("page", 1, type=int) or 1)
        pages = max(1, math.ceil(len(docs) / PAGE_SIZE))
        shown = docs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        count, generation = svc.libraries.state(lib)
        return render_template(
            "library.html.j2",
            lib=lib,
            docs=shown,
            matched=len(docs),
            count=count,
            generation=generation,
            when=when,
            q=q,
            page=page,
            pages=pages,
            last=svc.db.last_update(lib.name),
            max_file=svc.config.max_file_bytes,
        )

    @app.post("/libraries/<library_id>/add")
    def library_add(library_id: str):
        _require_admin()
        svc = services()
        lib = _library_or_404(library_id)
        if not lib.editable:
            _bad_request("内置的国家法律法规库由随软件发布的语料生成，不能在此修改；请新建一个文档库。")
        uploads = _save_uploads()
        job = svc.jobs.submit_library_add(g.user.name, lib, uploads)
        return redirect(url_for("job", job_id=job.id), 303)

    @app.post("/libraries/<library_id>/remove")
    def library_remove(library_id: str):
        _require_admin()
        svc = services()
        lib = _library_or_404(library_id)
        if not lib.editable:
            _bad_request("内置的国家法律法规库不能在此修改。")
        paths = request.form.getlist("path")
        if not paths:
            _bad_request("请勾选要移除的文档。")
        with svc.libraries.write_lock(lib):
            removed = svc.libraries.index(lib).remove(paths)  # one transaction
        svc.db.record_update(lib.name, g.user.name, {"removed": list(removed)})
        return redirect(url_for("library", library_id=lib.id), 303)

    @app.route("/login", methods=["GET", "POST"])
    def login():
        svc = services()
        target = request.values.get("next", "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        if not svc.login_required():
            return redirect(target, 303)
        error = ""
        if request.method == "POST":
            name = request.form.get("name", "").strip()
            user = svc.db.user(name)
            # The hash is checked even for an unknown name: the same work either way (no timing oracle).
            ok = security.verify_password(user.password_hash if user else None, request.form.get("password", ""))
            if ok and user is not None:
                session.clear()
                session["sid"] = svc.db.open_session(user.name)
                session["csrf"] = security.new_csrf_token()
                session.permanent = True
                return redirect(target, 303)
            error = "用户名或密码不正确。"
        return render_template("login.html.j2", error=error, next=target), (401 if error else 200)

    @app.post("/logout")
    def logout():
        if session.get("sid"):
            services().db.close_session(session["sid"])
        session.clear()
        return redirect(url_for("login"), 303)
