"""The web application through Flask's test client: every route and the refusals."""

from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("flask")

from dupcheck.api import Index
from dupcheck.web import security
from dupcheck.web.app import WebConfig, create_app

EXAMPLE = Path(__file__).resolve().parents[2] / "corpora" / "examples" / "henan-assembly-law.txt"
LAW = EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture()
def app(tmp_path):
    with Index.open(tmp_path / "x.db") as ix:
        ix.add_texts([("law.txt", LAW, "测试法")])
    app = create_app(
        WebConfig(
            data_dir=tmp_path / "data", db=str(tmp_path / "x.db"), max_file_bytes=200_000, max_request_bytes=1_000_000
        )
    )
    yield app
    app.extensions["dupcheck"].close()


def token(client, path="/"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def wait(client, location):
    for _ in range(100):
        r = client.get(location)
        if r.status_code == 303 or "检测完成" in r.get_data(as_text=True) or "完成</h1>" in r.get_data(as_text=True):
            return r
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def test_check_report_downloads_history(app):
    c = app.test_client()
    r = c.post(
        "/check",
        data={
            "csrf_token": token(c),
            "library": "main",
            "threshold": "80",
            "files": (io.BytesIO(LAW.encode()), "草稿.txt"),
        },
    )
    assert r.status_code == 303
    done = wait(c, r.headers["Location"])
    report = done.headers["Location"]
    page = c.get(report).get_data(as_text=True)
    assert re.search(r'id="copy-rate">(\d+\.\d)%', page)
    view = c.get(report + "/view")
    assert "default-src 'none'" in view.headers["Content-Security-Policy"]
    for fmt in ("docx", "html", "json"):
        assert c.get(f"{report}/download/{fmt}").status_code == 200
    assert "草稿.txt" in c.get("/history?q=草稿").get_data(as_text=True)
    assert "草稿.txt" not in c.get("/history?q=nothing-like-it").get_data(as_text=True)


def test_unreadable_file_gets_reason_beside_others(app):
    c = app.test_client()
    r = c.post(
        "/check",
        data={
            "csrf_token": token(c),
            "library": "main",
            "threshold": "80",
            "files": [(io.BytesIO(LAW.encode()), "a.txt"), (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 100), "b.txt")],
        },
    )
    page = wait(c, r.headers["Location"]).get_data(as_text=True)
    assert "无法读取" in page and "查看报告" in page


def test_refusals(app):
    c = app.test_client()
    t = token(c)
    assert c.post("/check", data={"library": "main"}).status_code == 403  # no CSRF token
    assert c.post("/check", data={"csrf_token": t}, headers={"Origin": "http://evil.example"}).status_code == 403
    assert c.get("/", headers={"Host": "evil.example"}).status_code == 400
    big = c.post("/check", data={"csrf_token": t, "files": (io.BytesIO(b"x" * 300_000), "big.txt")})
    assert big.status_code == 413 and "文件过大" in big.get_data(as_text=True)
    huge = c.post("/check", data={"csrf_token": t, "files": (io.BytesIO(b"x" * 2_000_000), "huge.txt")})
    assert huge.status_code == 413 and "上传内容过大" in huge.get_data(as_text=True)
    assert (
        c.post("/check", data={"csrf_token": t, "threshold": "500", "files": (io.BytesIO(b"abc"), "a.txt")}).status_code
        == 400
    )
    assert "default-src 'self'" in c.get("/").headers["Content-Security-Policy"]


def test_library_zip_traversal_refused(app, tmp_path):
    c = app.test_client()
    t = token(c, "/libraries")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../evil.txt", "第一条 为了测试本办法制定本条文字内容。")
        zf.writestr("folder/good.txt", "第一条 这是一个新的地方文件正文，用来测试文档库的添加功能。")
    buf.seek(0)
    r = c.post("/libraries/main/add", data={"csrf_token": t, "files": (buf, "docs.zip")})
    page = wait(c, r.headers["Location"]).get_data(as_text=True)
    assert "路径不安全" in page
    lib = c.get("/libraries/main").get_data(as_text=True)
    assert "folder/good.txt" in lib and "evil.txt" not in lib.split("跳过的文件")[-1].split("<h2>文档</h2>")[-1]
    assert not (tmp_path / "evil.txt").exists()


def test_network_mode_needs_login_and_clerk_cannot_manage(tmp_path):
    with Index.open(tmp_path / "x.db") as ix:
        ix.add_texts([("law.txt", LAW, "测试法")])
    app = create_app(WebConfig(data_dir=tmp_path / "data", db=str(tmp_path / "x.db"), host="0.0.0.0"))
    db = app.extensions["dupcheck"].db
    db.set_user("clerk", security.hash_password("password1"), "clerk")
    c = app.test_client()
    assert c.get("/").status_code == 302
    t = token(c, "/login")
    assert c.post("/login", data={"csrf_token": t, "name": "clerk", "password": "wrong"}).status_code == 401
    assert c.post("/login", data={"csrf_token": t, "name": "clerk", "password": "password1"}).status_code == 303
    t = token(c, "/libraries")
    assert c.post("/libraries", data={"csrf_token": t, "name": "新库"}).status_code == 403
    app.extensions["dupcheck"].close()


def test_two_concurrent_checks_both_get_reports(app):
    c1, c2 = app.test_client(), app.test_client()
    jobs = []
    for c, name in ((c1, "one.txt"), (c2, "two.txt")):
        r = c.post(
            "/check",
            data={
                "csrf_token": token(c),
                "library": "main",
                "threshold": "80",
                "files": (io.BytesIO(LAW.encode()), name),
            },
        )
        jobs.append((c, r.headers["Location"]))
    for c, location in jobs:
        done = wait(c, location)
        assert done.status_code == 303 and c.get(done.headers["Location"]).status_code == 200
    assert c1.get(jobs[0][1]).status_code == 303 and c1.get(jobs[1][1]).status_code == 303


def test_the_cli_needs_no_web_library_until_serve_runs():
    # A wheel installed without the web extra must still run every other command.
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['flask'] = None; sys.modules['waitress'] = None\n"
        "from dupcheck.cli import main\n"
        "assert main(['check', '--help']) == 0\n"
        "print('serve:', main(['serve', '--port', '0']))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "serve: 2" in out.stdout and 'pip install "dupcheck[web]"' in out.stderr
    assert "Traceback" not in out.stderr
