"""Every refusal: too big, wrong type, traversal names, bad Host or Origin, missing or wrong CSRF
token, another clerk's report, unauthenticated in network mode (``test_routes.py``); and the
headers, cookies and password hashes the refusals rest on."""

from __future__ import annotations

import argparse
import io
import re
from pathlib import Path

import pytest

from tests.docgen import make_pdf
from tests.web.conftest import LAW, add_user, check, login, submit, token, wait

CHINESE = re.compile(r"[\u4e00-\u9fff]{2,}")


def error_text(response) -> str:
    """The title and message of an error page, which must be Chinese."""
    html = response.get_data(as_text=True)
    m = re.search(r'<section class="error"[^>]*>\s*<h1>([^<]+)</h1>\s*<p>([^<]+)</p>', html)
    assert m, html[:500]
    assert CHINESE.search(m.group(1)) and CHINESE.search(m.group(2))
    return m.group(1) + m.group(2)


def uploads_left(app) -> list[Path]:
    return list(app.extensions["dupcheck"].uploads.path.iterdir())


# -- Host and Origin -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "localhost.evil.example:80", ""]
)
def test_a_foreign_host_header_is_refused(app, host):
    r = app.test_client().get("/", headers={"Host": host})
    assert r.status_code == 400 and "主机名不被允许" in error_text(r)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST:8000"])
def test_loopback_host_headers_are_served(app, host):
    assert app.test_client().get("/", headers={"Host": host}).status_code == 200


def test_allow_host_adds_a_name(make_app):
    app = make_app(allow_hosts=("dupcheck.office.lan",))
    c = app.test_client()
    assert c.get("/", headers={"Host": "dupcheck.office.lan:8000"}).status_code == 200
    assert c.get("/", headers={"Host": "other.office.lan"}).status_code == 400


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://localhost:9999"},  # another page on this machine
        {"Referer": "http://evil.example/page"},
        {"Origin": "http://evil.example", "Referer": "http://localhost/"},
    ],
)
def test_a_post_from_another_origin_is_refused(app, headers):
    c = app.test_client()
    t = token(c)
    r = c.post("/check", data={"csrf_token": t, "files": (io.BytesIO(LAW.encode()), "a.txt")}, headers=headers)
    assert r.status_code == 403 and "请求来源不被允许" in error_text(r)
    assert app.extensions["dupcheck"].db.history(user=None)[1] == 0
    assert not uploads_left(app)


def test_a_post_from_this_origin_is_served(app):
    c = app.test_client()
    t = token(c)
    for headers in ({"Origin": "http://localhost"}, {"Referer": "http://localhost/"}, {}):
        r = c.post("/check", data={"csrf_token": t, "files": (io.BytesIO(LAW.encode()), "a.txt")}, headers=headers)
        assert r.status_code == 303, headers


# -- CSRF ------------------------------------------------------------------------------------------


def test_csrf_token_missing_wrong_or_from_another_session_is_refused(app):
    c, other = app.test_client(), app.test_client()
    token(c)
    theirs = token(other)
    for data in ({}, {"csrf_token": ""}, {"csrf_token": "x" * 43}, {"csrf_token": theirs}):
        data = {**data, "files": (io.BytesIO(LAW.encode()), "a.txt")}
        r = c.post("/check", data=data)
        assert r.status_code == 403 and "表单已失效" in error_text(r)
    fresh = app.test_client()  # no session at all
    assert fresh.post("/check", data={"csrf_token": theirs}).status_code == 403
    assert app.extensions["dupcheck"].db.history(user=None)[1] == 0
    # the header form (the page's script) is accepted with the right token
    r = c.post("/check", data={"files": (io.BytesIO(LAW.encode()), "a.txt")}, headers={"X-CSRF-Token": token(c)})
    assert r.status_code == 303


def test_every_form_carries_the_csrf_token(app):
    c = app.test_client()
    for path in ("/", "/libraries", "/libraries/main", "/history"):
        html = c.get(path).get_data(as_text=True)
        for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", html, re.S):
            assert 'name="csrf_token"' in form, (path, form[:200])


def test_session_cookie_is_httponly_and_samesite_strict(app):
    c = app.test_client()
    r = c.get("/")
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("dupcheck_session=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie


# -- CSP: nothing from the internet ----------------------------------------------------------------


def test_csp_forbids_every_external_request(app):
    c = app.test_client()
    (check_id,) = check(c, [(LAW, "a.txt")])
    pages = ["/", "/history", "/libraries", "/libraries/main", f"/report/{check_id}", "/nothing-here"]
    for path in pages:
        csp = c.get(path).headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["default-src"] == "'self'"
        for value in directives.values():
            assert "http" not in value and "*" not in value and "'unsafe-inline'" not in value, (path, csp)
    for path in (f"/report/{check_id}/view", f"/report/{check_id}/download/html"):
        csp = c.get(path).headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp and "http" not in csp


def test_no_page_or_file_of_the_app_names_an_external_url():
    root = Path(__file__).resolve().parents[2] / "dupcheck" / "web"
    for path in [*(root / "templates").iterdir(), *(root / "static").iterdir()]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), path
        if path.suffix == ".j2":  # CSP forbids inline script and style attributes: none may be used
            assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
            assert " style=" not in text and " on" + "click=" not in text, path


def test_stored_report_has_no_script_and_loads_nothing(app):
    c = app.test_client()
    (check_id,) = check(c, [(LAW, "a.txt")])
    html = c.get(f"/report/{check_id}/view").get_data(as_text=True)
    assert "<script" not in html
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html)


# -- size caps -------------------------------------------------------------------------------------


def test_a_file_over_its_cap_gets_a_chinese_413_and_nothing_is_kept(app):
    c = app.test_client()
    r = submit(c, [(LAW, "small.txt"), (b"x" * 300_000, "big.txt")])
    assert r.status_code == 413 and "“big.txt”超过单个文件的大小上限" in error_text(r)
    assert "195.3 KB" in error_text(r)  # the configured cap, said in the page
    assert not uploads_left(app) and app.extensions["dupcheck"].db.history(user=None)[1] == 0


def test_a_request_over_its_cap_gets_a_chinese_413_not_a_dropped_connection(app):
    c = app.test_client()
    r = submit(c, [(b"x" * 150_000, f"{i}.txt") for i in range(8)])  # each under 200 KB, 1.2 MB in all
    assert r.status_code == 413 and "上传内容过大" in error_text(r)
    assert "976.6 KB" in error_text(r)
    assert not uploads_left(app)


def test_caps_are_configurable(make_app):
    app = make_app(max_file_bytes=20_000, max_request_bytes=100_000)
    c = app.test_client()
    assert submit(c, [(LAW[:5000], "ok.txt")]).status_code == 303
    assert submit(c, [(LAW * 2, "over.txt")]).status_code == 413  # 28 KB of UTF-8
    assert "19.5 KB" in c.get("/").get_data(as_text=True)  # the page says the cap


def test_the_defaults_are_the_documented_ones():
    from dupcheck.web.app import WebConfig

    cfg = WebConfig(data_dir=Path("unused"))
    assert (cfg.host, cfg.max_file_bytes, cfg.max_request_bytes) == ("127.0.0.1", 20 * 2**20, 100 * 2**20)
    doc = (Path(__file__).resolve().parents[2] / "docs" / "web.md").read_text(encoding="utf-8")
    assert "20 MB per file, 100 MB per request" in doc


# -- the type is decided by content ----------------------------------------------------------------


def test_a_txt_name_holding_a_pdf_is_read_as_a_pdf(app, tmp_path):
    text = "\n".join(p for p in LAW.split("\n") if p.strip())[:3000]
    pdf = make_pdf(tmp_path / "d.pdf", text).read_bytes()
    c = app.test_client()
    (check_id,) = check(c, [(pdf, "草稿.txt")])
    row = app.extensions["dupcheck"].db.check(check_id)
    assert row.error is None and row.copy_rate > 0.9


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"MZ\x90\x00" + b"\0" * 200, "草稿.docx", "可执行程序"),
        (b"MZ\x90\x00" + b"\0" * 200, "setup.exe", "可执行程序"),
        (b"\x7fELF" + b"\0" * 200, "草稿.txt", ""),
        (b"PK\x03\x04" + b"\0" * 200, "草稿.docx", ""),
        (b"", "空.txt", "空文件"),
    ],
)
def test_a_non_document_is_refused_by_its_content_with_a_chinese_reason(app, data, name, reason):
    c = app.test_client()
    (check_id,) = check(c, [(data, name)])
    row = app.extensions["dupcheck"].db.check(check_id)
    assert row.error and reason in row.error and CHINESE.search(row.error) and row.copy_rate is None
    assert re.search(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+", row.error) is None, row.error  # no English sentence


# -- names from the request never reach the file system --------------------------------------------


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("../../../../tmp/evil.txt", "evil.txt"),
        ("..\\..\\evil.txt", "evil.txt"),
        ("/etc/passwd", "passwd"),
        ("a\x00b\x1f.txt", "ab.txt"),
        ("..", "未命名文件"),
    ],
)
def test_traversal_names_are_display_strings_only(app, tmp_path, sent, shown):
    c = app.test_client()
    (check_id,) = check(c, [(LAW, sent)])
    assert app.extensions["dupcheck"].db.check(check_id).file_name == shown
    assert not Path("/tmp/evil.txt").exists()
    assert not uploads_left(app)


def test_uploads_are_saved_under_random_names_in_a_private_folder(app, monkeypatch):
    seen = []
    svc = app.extensions["dupcheck"]
    original = svc.jobs.submit_check

    def spy(owner, library, threshold, uploads, **kw):
        seen.extend(u.path for u in uploads)
        assert all(u.path.exists() for u in uploads)
        return original(owner, library, threshold, uploads, **kw)

    monkeypatch.setattr(svc.jobs, "submit_check", spy)
    c = app.test_client()
    check(c, [(LAW, "机密草稿.txt"), (LAW, "机密草稿.txt")])
    assert len(seen) == 2 and seen[0] != seen[1]
    for p in seen:
        assert p.parent == svc.uploads.path and re.fullmatch(r"[0-9a-f]{32}", p.name)
        assert not p.exists()  # deleted after the check
    assert (svc.uploads.path.stat().st_mode & 0o777) == 0o700


# -- per-clerk history -----------------------------------------------------------------------------


def network_app(make_app, tmp_path):
    from dupcheck.web import security
    from dupcheck.web.db import AppDB

    (tmp_path / "data").mkdir(exist_ok=True)
    db = AppDB(tmp_path / "data" / "web.db")
    db.set_user("甲", security.hash_password("correct horse 1"), "clerk")
    db.close()
    app = make_app(host="0.0.0.0")
    add_user(app, "乙")
    add_user(app, "管理员", "admin")
    return app


def test_a_clerk_cannot_open_or_see_another_clerks_report(make_app, tmp_path):
    app = network_app(make_app, tmp_path)
    a, b, admin = app.test_client(), app.test_client(), app.test_client()
    login(a, "甲")
    login(b, "乙")
    login(admin, "管理员")
    job_url = submit(a, [(LAW, "甲的草稿.txt")]).headers["Location"]
    report_url = wait(a, job_url).headers["Location"]
    check_id = int(report_url.rsplit("/", 1)[1])
    for url in (report_url, f"{report_url}/view", f"{report_url}/download/docx", job_url, f"{job_url}/status"):
        r = b.get(url)
        assert r.status_code == 404 and "页面不存在" in error_text(r), url
        assert "甲的草稿" not in r.get_data(as_text=True)
    assert b.post(f"{report_url}/forget", data={"csrf_token": token(b)}).status_code == 404
    assert app.extensions["dupcheck"].db.stored(check_id, "html") is not None
    for url in ("/history", "/history?q=甲的草稿", "/history?q=txt"):
        page = b.get(url).get_data(as_text=True)
        assert "共 0 条" in page and "甲的草稿.txt" not in page and f"/report/{check_id}" not in page
    assert "共 0 条" in b.get("/history").get_data(as_text=True)
    assert "甲的草稿.txt" in a.get("/history").get_data(as_text=True)
    assert "甲的草稿.txt" in admin.get("/history").get_data(as_text=True)
    assert admin.get(report_url).status_code == 200


# -- accounts --------------------------------------------------------------------------------------


def test_passwords_are_stored_as_salted_scrypt_hashes():
    from dupcheck.web import security

    h1, h2 = security.hash_password("correct horse 1"), security.hash_password("correct horse 1")
    assert h1.startswith("scrypt:") and h1 != h2 and "correct horse" not in h1
    assert security.verify_password(h1, "correct horse 1") and not security.verify_password(h1, "correct horse 2")
    assert not security.verify_password(None, "correct horse 1")


def serve_args(tmp_path, **kw) -> argparse.Namespace:
    values = dict(
        db=None,
        host="127.0.0.1",
        port=0,
        data=str(tmp_path / "data"),
        allow_host=[],
        max_file_mb=20,
        max_request_mb=100,
        workers=1,
        add_user=None,
        role="clerk",
    )
    values.update(kw)
    return argparse.Namespace(**values)


def test_add_user_stores_a_hash_and_refuses_a_short_password(tmp_path, monkeypatch):
    from dupcheck.errors import DupcheckError
    from dupcheck.web import serve
    from dupcheck.web.db import AppDB

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    with pytest.raises(DupcheckError, match="密码至少 8 个字符"):
        serve.run(serve_args(tmp_path, add_user="张三"))
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse 1\n"))
    assert serve.run(serve_args(tmp_path, add_user="张三", role="admin")) == 0
    user = AppDB(tmp_path / "data" / "web.db").user("张三")
    assert user.role == "admin" and user.password_hash.startswith("scrypt:")
    raw = (tmp_path / "data" / "web.db").read_bytes()
    assert b"correct horse 1" not in raw


def test_network_mode_refuses_to_start_without_accounts(tmp_path, make_app, monkeypatch):
    from dupcheck.errors import DupcheckError
    from dupcheck.web import serve

    def started(*args, **kwargs):
        raise AssertionError("the server started without accounts")

    monkeypatch.setattr("waitress.serve", started)
    with pytest.raises(DupcheckError, match=r"拒绝在 0\.0\.0\.0 上启动：办公网络上必须先建立账户"):
        serve.run(serve_args(tmp_path, host="0.0.0.0", db=str(tmp_path / "none.db")))
    with pytest.raises(DupcheckError, match="必须先建立账户"):
        make_app(host="0.0.0.0")  # the app itself refuses, however it is built
    assert make_app(host="127.0.0.1").test_client().get("/").status_code == 200  # no accounts needed locally


def test_errors_a_clerk_sees_are_chinese(app):
    c = app.test_client()
    for r in (
        c.get("/no/such/page"),
        c.put("/"),
        c.get("/report/12345"),
        c.get("/jobs/nosuchjob"),
        submit(c, [(LAW, "a.txt")], threshold="500"),
        submit(c, [(LAW, "a.txt")], threshold="abc"),
        c.post("/check", data={"csrf_token": token(c)}),  # no file
    ):
        assert r.status_code >= 400
        error_text(r)
