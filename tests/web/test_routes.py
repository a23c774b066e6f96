"""Every route of the app in its normal use (the registry of ``conftest.py``), and what only an
admin may do."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from urllib.parse import unquote

import pytest

from tests.web.conftest import LAW, OTHER, check, declared_routes, login, submit, token, wait

# Arguments for building a URL of every rule (the values need not exist: each is refused first).
DUMMY = {"job_id": "nosuchjob", "check_id": 1, "fmt": "docx", "library_id": "main", "filename": "app.css"}


def test_every_route_has_a_test(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    declared = declared_routes()
    untested = sorted(endpoints - declared.keys())
    assert not untested, f"routes without a test (mark one with @pytest.mark.routes): {untested}"
    unknown = sorted(declared.keys() - endpoints)
    assert not unknown, f"tests claim routes the app does not have: {unknown}"


def test_the_route_table_in_the_docstring_lists_every_rule(app):
    import dupcheck.web.app as module

    doc = module.__doc__ or ""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for segment in (s for s in rule.rule.split("/") if s and not s.startswith("<")):
            assert f"/{segment}" in doc or f"``{segment}``" in doc, f"{rule.rule}: not in the route table of app.py"


def network_app(make_app, tmp_path, users=(("admin", "admin"), ("clerk", "clerk"))):
    from dupcheck.web import security
    from dupcheck.web.db import AppDB

    (tmp_path / "data").mkdir(exist_ok=True)
    db = AppDB(tmp_path / "data" / "web.db")
    for name, role in users:
        db.set_user(name, security.hash_password("correct horse 1"), role)
    db.close()
    return make_app(host="0.0.0.0")


def test_unauthenticated_in_network_mode_every_route_refused(make_app, tmp_path):
    app = network_app(make_app, tmp_path)
    owner = app.test_client()
    login(owner, "clerk")
    check_id = check(owner, [(LAW, "a.txt")])[0]
    job_url = submit(owner, [(LAW, "b.txt")]).headers["Location"]
    wait(owner, job_url)
    real = {**DUMMY, "check_id": check_id, "job_id": job_url.rsplit("/", 1)[1]}

    stranger = app.test_client()
    csrf = token(stranger, "/login")  # a session of its own, not logged in
    seen = set()
    for rule in app.url_map.iter_rules():
        url = rule.build({k: real[k] for k in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            seen.add(rule.endpoint)
            if method == "GET":
                r = stranger.get(url)
                if rule.endpoint in ("login", "static"):
                    assert r.status_code == 200, url
                else:
                    assert r.status_code == 302 and r.headers["Location"].startswith("/login"), url
            else:
                r = stranger.post(url, data={"csrf_token": csrf})
                assert r.status_code == 401, (method, url, r.status_code)
                assert "登录" in r.get_data(as_text=True)
    assert seen == {rule.endpoint for rule in app.url_map.iter_rules()}
    # and nothing of the report leaked to the stranger
    assert owner.get(f"/report/{check_id}").status_code == 200


@pytest.mark.routes("login", "logout", "index")
def test_login_and_logout(make_app, tmp_path):
    app = network_app(make_app, tmp_path)
    c = app.test_client()
    assert c.get("/").status_code == 302
    t = token(c, "/login")
    wrong = c.post("/login", data={"csrf_token": t, "name": "clerk", "password": "wrong password"})
    assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.get_data(as_text=True)
    unknown = c.post("/login", data={"csrf_token": t, "name": "nobody", "password": "correct horse 1"})
    assert unknown.status_code == 401 and "用户名或密码不正确" in unknown.get_data(as_text=True)
    r = c.post("/login", data={"csrf_token": t, "name": "clerk", "password": "correct horse 1", "next": "/history"})
    assert r.status_code == 303 and r.headers["Location"] == "/history"
    assert c.get("/").status_code == 200
    # An outside "next" is not followed (no open redirect).
    c2 = app.test_client()
    r = c2.post(
        "/login",
        data={
            "csrf_token": token(c2, "/login"),
            "name": "clerk",
            "password": "correct horse 1",
            "next": "//evil.example/",
        },
    )
    assert r.headers["Location"] == "/"
    out = c.post("/logout", data={"csrf_token": token(c)})
    assert out.status_code == 303 and out.headers["Location"] == "/login"
    assert c.get("/").status_code == 302


@pytest.mark.routes("logout", "history")
def test_a_session_cookie_copied_before_logout_is_dead_after_it(make_app, tmp_path):
    from dupcheck.web import security

    app = network_app(make_app, tmp_path)
    c = app.test_client()
    login(c, "clerk")
    stolen = c.get_cookie("dupcheck_session").value
    c.post("/logout", data={"csrf_token": token(c)})
    thief = app.test_client()
    thief.set_cookie("dupcheck_session", stolen)
    assert thief.get("/history").status_code == 302  # to the login page
    # A password reset (dupcheck serve --add-user again) ends the user's sessions too.
    login(c, "clerk")
    assert c.get("/history").status_code == 200
    app.extensions["dupcheck"].db.set_user("clerk", security.hash_password("another pass 2"), "clerk")
    assert c.get("/history").status_code == 302


@pytest.mark.routes("static")
def test_static_files_are_served_by_the_app(app):
    c = app.test_client()
    page = c.get("/").get_data(as_text=True)
    for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', page):
        r = c.get(url)
        assert r.status_code == 200 and r.data
    assert c.get("/static/app.css").mimetype == "text/css"
    assert c.get("/static/../web.db").status_code == 404


@pytest.mark.routes("check", "job", "job_status", "report", "report_view", "download", "history", "index")
def test_check_report_downloads_history(app):
    import docx

    c = app.test_client()
    assert "开始检测" in c.get("/").get_data(as_text=True)
    upload = LAW.encode("gb18030")  # a clerk's GBK file: its bytes are not the text's UTF-8
    r = submit(c, [(upload, "草稿.txt")])
    assert r.status_code == 303
    done = wait(c, r.headers["Location"])
    assert done.status_code == 303  # one file: straight to its report
    report = done.headers["Location"]
    status = c.get(r.headers["Location"] + "/status").get_json()
    assert status["finished"] and status["items"][0]["state"] == "done" and status["items"][0]["copy_rate"] > 0.9
    page = c.get(report).get_data(as_text=True)
    rate = float(re.search(r'id="copy-rate">(\d+\.\d)%', page).group(1))
    assert rate == pytest.approx(status["items"][0]["copy_rate"] * 100, abs=0.05)
    view = c.get(report + "/view")
    assert view.status_code == 200 and "default-src 'none'" in view.headers["Content-Security-Policy"]
    files = {fmt: c.get(f"{report}/download/{fmt}") for fmt in ("docx", "html", "json")}
    assert all(f.status_code == 200 for f in files.values())
    assert "草稿.查重标注.docx" in unquote(files["docx"].headers["Content-Disposition"])
    assert docx.Document(io.BytesIO(files["docx"].data)).paragraphs
    record = files["json"].get_json()[0]
    # The web check records what the CLI's does: the uploaded file's digest and how it was read.
    assert record["run_record"]["draft_sha256"] == hashlib.sha256(upload).hexdigest()
    assert record["extraction"] == "text"
    assert files["html"].data == view.data
    assert c.get(f"{report}/download/exe").status_code == 404
    assert "草稿.txt" in c.get("/history?q=草稿").get_data(as_text=True)
    assert "草稿.txt" not in c.get("/history?q=nothing-like-it").get_data(as_text=True)


@pytest.mark.routes("forget", "history", "report", "report_view", "download")
def test_forget_deletes_the_stored_report_but_keeps_the_history_line(app):
    c = app.test_client()
    (check_id,) = check(c, [(LAW, "忘记.txt")])
    db = app.extensions["dupcheck"].db
    assert all(db.stored(check_id, what) for what in ("html", "json", "docx"))
    r = c.post(f"/report/{check_id}/forget", data={"csrf_token": token(c)})
    assert r.status_code == 303 and r.headers["Location"] == "/history"
    assert all(db.stored(check_id, what) is None for what in ("html", "json", "docx"))
    assert c.get(f"/report/{check_id}/view").status_code == 404
    assert c.get(f"/report/{check_id}/download/docx").status_code == 404
    assert "已被删除" in c.get(f"/report/{check_id}").get_data(as_text=True)
    history = c.get("/history").get_data(as_text=True)
    assert "忘记.txt" in history and "报告未保存或已删除" in history and re.search(r"\d+\.\d%", history)
    assert c.post("/report/999/forget", data={"csrf_token": token(c)}).status_code == 404


@pytest.mark.routes("check", "report", "report_view", "download", "forget")
def test_a_report_the_clerk_chose_not_to_save_is_never_written_and_expires(app, monkeypatch):
    from dupcheck.web import jobs

    c = app.test_client()
    page = c.get("/").get_data(as_text=True)
    assert 'name="keep" value="0"' in page and 'name="keep" value="1" checked' in page
    kept, unsaved = check(c, [(LAW, "保存.txt")], keep=["0", "1"])[0], check(c, [(LAW, "不保存.txt")], keep=["0"])[0]
    db = app.extensions["dupcheck"].db
    assert db.stored(kept, "html") is not None
    assert all(db.stored(unsaved, what) is None for what in ("html", "json", "docx"))  # nothing on disk
    assert db.check(unsaved).copy_rate > 0.9  # the history line is there, with its figures
    page = c.get(f"/report/{unsaved}").get_data(as_text=True)
    assert "此报告未保存" in page and 'id="download-docx"' in page
    assert c.get(f"/report/{unsaved}/view").status_code == 200
    assert c.get(f"/report/{unsaved}/download/docx").status_code == 200
    monkeypatch.setattr(jobs, "UNSAVED_SECONDS", -1)  # an hour later
    assert c.get(f"/report/{unsaved}/view").status_code == 404
    assert "未保存或已被删除" in c.get(f"/report/{unsaved}").get_data(as_text=True)
    monkeypatch.undo()
    other = check(c, [(LAW, "也不保存.txt")], keep=["0"])[0]
    c.post(f"/report/{other}/forget", data={"csrf_token": token(c)})  # forgetting drops it from memory too
    assert c.get(f"/report/{other}/download/json").status_code == 404


@pytest.mark.routes("history")
def test_history_newest_first_searchable_and_paged(app):
    c = app.test_client()
    check(c, [(LAW, "第一份.txt"), (OTHER, "第二份.txt"), (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "第三份.txt")])
    page = c.get("/history").get_data(as_text=True)
    assert page.index("第三份.txt") < page.index("第二份.txt") < page.index("第一份.txt")
    assert "无法读取" in page
    hits = c.get("/history?q=第二").get_data(as_text=True)
    assert "第二份.txt" in hits and "第一份.txt" not in hits and "共 1 条" in hits
    sha = app.extensions["dupcheck"].db.history(user=None, query="第一份")[0][0].sha256
    assert "第一份.txt" in c.get(f"/history?q={sha[:20]}").get_data(as_text=True)
    assert "共 0 条" in c.get("/history?q=%25").get_data(as_text=True)  # LIKE wildcards are literal
    assert c.get("/history?page=abc").status_code == 200


@pytest.mark.routes("libraries", "library_create", "library")
def test_admin_creates_a_library_and_bad_names_are_refused(app):
    c = app.test_client()
    t = token(c, "/libraries")
    r = c.post("/libraries", data={"csrf_token": t, "name": "泉州市政府文件"})
    assert r.status_code == 303
    lib_url = r.headers["Location"]
    assert "泉州市政府文件" in c.get("/libraries").get_data(as_text=True)
    assert "没有文档" in c.get(lib_url).get_data(as_text=True)
    for bad in ("", "../etc", "a/b", "<script>", "x" * 41, "泉州市政府文件"):
        r = c.post("/libraries", data={"csrf_token": t, "name": bad})
        assert r.status_code == 400, bad
        assert re.search(r"[\u4e00-\u9fff]", r.get_data(as_text=True))
    assert c.get("/libraries/l999").status_code == 404
    assert c.get("/libraries/..%2Fweb.db").status_code == 404
    folder = app.extensions["dupcheck"].config.data_dir / "libraries"  # the name is never a file name
    assert [re.fullmatch(r"lib-[0-9a-f]{16}\.db", p.name) is not None for p in folder.glob("*.db")] == [True]


def _zip(members: dict[str, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    buf.seek(0)
    return buf


@pytest.mark.routes("library_add", "library", "job")
def test_zip_upload_adds_documents_and_lists_the_skipped_with_reasons(app, tmp_path):
    c = app.test_client()
    t = token(c, "/libraries/main")
    archive = _zip(
        {
            "文件夹/北京.txt": OTHER.encode(),
            "文件夹/图片.txt": b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
            "文件夹/程序.exe": b"MZ\x90\x00" + b"\0" * 100,
            "文件夹/空.txt": b"",
            "../越界.txt": "第一条 越界的文件。".encode(),
            "文件夹/.隐藏.txt": b"hidden",
        }
    )
    r = c.post(
        "/libraries/main/add",
        data={"csrf_token": t, "files": [(archive, "上级文件.zip"), (io.BytesIO(LAW.encode()), "单个.txt")]},
    )
    assert r.status_code == 303
    page = wait(c, r.headers["Location"]).get_data(as_text=True)
    assert "新增 2 篇" in page  # 北京.txt from the zip, 单个.txt beside it
    skipped = dict(re.findall(r"<tr><td>([^<]+)</td><td class=\"reason\">([^<]+)</td></tr>", page))
    assert "路径不安全" in skipped["上级文件.zip/越界.txt"]
    assert "不支持的文件类型" in skipped["上级文件.zip/文件夹/程序.exe"]
    assert "空文件" in skipped["上级文件.zip/文件夹/空.txt"]
    assert "图片.txt" in " ".join(skipped)
    assert not any("隐藏" in name for name in skipped)
    assert all(re.search(r"[\u4e00-\u9fff]", reason) for reason in skipped.values())
    lib = c.get("/libraries/main").get_data(as_text=True)
    assert "文件夹/北京.txt" in lib and "单个.txt" in lib and "跳过的文件" in lib and "路径不安全" in lib
    assert "隐藏" not in lib  # a hidden file is neither added nor listed, as `dupcheck index` does
    assert not (tmp_path / "越界.txt").exists() and not (tmp_path / "data" / "越界.txt").exists()


@pytest.mark.routes("library")
def test_library_search_by_title(app):
    c = app.test_client()
    t = token(c, "/libraries/main")
    r = c.post("/libraries/main/add", data={"csrf_token": t, "files": (io.BytesIO(OTHER.encode()), "beijing.txt")})
    wait(c, r.headers["Location"])
    everything = c.get("/libraries/main").get_data(as_text=True)
    assert "北京市中小学生人身伤害事故预防与处理条例" in everything and "测试法" in everything
    hits = c.get("/libraries/main?q=中小学生").get_data(as_text=True)
    assert "北京市中小学生人身伤害事故预防与处理条例" in hits and "测试法" not in hits and "1 篇" in hits
    assert "没有文档" in c.get("/libraries/main?q=不存在的标题").get_data(as_text=True)
    assert "测试法" in c.get("/libraries/main?q=law.txt").get_data(as_text=True)  # by file name too


@pytest.mark.routes("library_remove", "library")
def test_admin_removes_documents(app):
    c = app.test_client()
    t = token(c, "/libraries/main")
    assert "law.txt" in c.get("/libraries/main").get_data(as_text=True)
    assert c.post("/libraries/main/remove", data={"csrf_token": t}).status_code == 400  # nothing ticked
    r = c.post("/libraries/main/remove", data={"csrf_token": t, "path": ["law.txt", "not-there.txt"]})
    assert r.status_code == 303
    page = c.get("/libraries/main").get_data(as_text=True)
    assert "没有文档" in page and "移除 1 篇" in page
    assert len(app.extensions["dupcheck"].libraries.index(app.extensions["dupcheck"].libraries.builtin)) == 0


@pytest.mark.routes("library_remove", "library_add", "library_create", "library", "libraries")
def test_a_clerk_cannot_manage_libraries(make_app, tmp_path):
    app = network_app(make_app, tmp_path)
    c = app.test_client()
    login(c, "clerk")
    t = token(c)
    page = c.get("/libraries/main").get_data(as_text=True)
    assert "law.txt" in page and "移除所选文档" not in page and "加入文档库" not in page
    assert "新建文档库" not in c.get("/libraries").get_data(as_text=True)
    refused = [
        c.post("/libraries", data={"csrf_token": t, "name": "新库"}),
        c.post("/libraries/main/remove", data={"csrf_token": t, "path": "law.txt"}),
        c.post("/libraries/main/add", data={"csrf_token": t, "files": (io.BytesIO(LAW.encode()), "x.txt")}),
    ]
    for r in refused:
        assert r.status_code == 403 and "无权访问" in r.get_data(as_text=True)
    assert "law.txt" in c.get("/libraries/main").get_data(as_text=True)
    admin = app.test_client()
    login(admin, "admin")
    assert "移除所选文档" in admin.get("/libraries/main").get_data(as_text=True)


@pytest.mark.routes("check", "library_create", "library_add", "report")
def test_each_check_uses_the_library_chosen_for_it(app):
    c = app.test_client()
    t = token(c, "/libraries")
    lib_url = c.post("/libraries", data={"csrf_token": t, "name": "北京市文件"}).headers["Location"]
    lib_id = lib_url.rsplit("/", 1)[1]
    add = c.post(f"/libraries/{lib_id}/add", data={"csrf_token": t, "files": (io.BytesIO(OTHER.encode()), "bj.txt")})
    wait(c, add.headers["Location"])
    options = re.findall(r'<option value="([^"]+)">([^<]+)</option>', c.get("/").get_data(as_text=True))
    assert ("main", app.extensions["dupcheck"].libraries.builtin.name) in options and (lib_id, "北京市文件") in options
    on_main, on_beijing = check(c, [(OTHER, "草稿甲.txt")]), check(c, [(OTHER, "草稿乙.txt")], library=lib_id)
    db = app.extensions["dupcheck"].db
    main_row, bj_row = db.check(on_main[0]), db.check(on_beijing[0])
    assert main_row.library == app.extensions["dupcheck"].libraries.builtin.name and bj_row.library == "北京市文件"
    assert bj_row.copy_rate > 0.9 and main_row.copy_rate < 0.2 and bj_row.library_docs == 1
    assert "北京市文件" in c.get(f"/report/{on_beijing[0]}").get_data(as_text=True)
    r = submit(c, [(OTHER, "x.txt")], library="l999")
    assert r.status_code == 400 and "请选择一个文档库" in r.get_data(as_text=True)
