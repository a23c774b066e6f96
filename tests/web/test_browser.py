"""One real-browser run: Playwright drives Debian's chromium against the app served by waitress."""

from __future__ import annotations

import re
import shutil
import socket
import threading
from pathlib import Path

import pytest

from dupcheck.api import Index

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
EXAMPLE = Path(__file__).resolve().parents[2] / "corpora" / "examples" / "henan-assembly-law.txt"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.mark.browser
def test_upload_report_download(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    waitress = pytest.importorskip("waitress")
    docx = pytest.importorskip("docx")
    from dupcheck.web.app import WebConfig, create_app

    with Index.open(tmp_path / "x.db") as ix:
        ix.add_texts([("law.txt", EXAMPLE.read_text(encoding="utf-8"), "测试法")])
    app = create_app(WebConfig(data_dir=tmp_path / "data", db=str(tmp_path / "x.db")))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = waitress.create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(accept_downloads=True)
            page.goto(f"http://127.0.0.1:{port}/")
            page.set_input_files("#files", str(EXAMPLE))
            page.click("button[type=submit].primary")
            page.wait_for_selector("#copy-rate", timeout=60_000)
            rate = float(re.match(r"([\d.]+)%", page.inner_text("#copy-rate")).group(1))
            assert rate > 50
            with page.expect_download() as info:
                page.click("#download-docx")
            target = tmp_path / "marked.docx"
            info.value.save_as(target)
            assert docx.Document(str(target)).paragraphs
            page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
            browser.close()
    finally:
        server.close()
        app.extensions["dupcheck"].close()


@pytest.mark.browser
def test_a_batch_page_follows_progress_by_script(tmp_path, monkeypatch):
    """With the script, the job page polls /jobs/<id>/status (its refresh tag is inside <noscript>):
    it shows the running file and reloads itself once the batch is done."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    waitress = pytest.importorskip("waitress")
    from dupcheck.web.app import WebConfig, create_app

    release = threading.Event()
    original = Index.check_text

    def check_text(self, text, *, path="<text>", **kw):
        if path == "second.txt":
            assert release.wait(30)
        return original(self, text, path=path, **kw)

    monkeypatch.setattr(Index, "check_text", check_text)
    with Index.open(tmp_path / "x.db") as ix:
        ix.add_texts([("law.txt", EXAMPLE.read_text(encoding="utf-8"), "测试法")])
    app = create_app(WebConfig(data_dir=tmp_path / "data", db=str(tmp_path / "x.db")))
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    (tmp_path / "first.txt").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "second.txt").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.effective_port}/")
            page.set_input_files("#files", [str(tmp_path / "first.txt"), str(tmp_path / "second.txt")])
            page.click("button[type=submit].primary")
            page.wait_for_selector("#job")
            # (a selector, not wait_for_function: the page's CSP forbids evaluating strings)
            sync_api.expect(page.locator("#job-count")).to_have_text("1 / 2", timeout=20_000)
            sync_api.expect(page.locator("tr.state-running .state")).to_have_text("处理中")
            release.set()
            page.wait_for_selector("#job[data-finished=true]", timeout=20_000)  # reloaded by the script
            assert page.locator("text=查看报告").count() == 2
            browser.close()
    finally:
        release.set()
        server.close()
        app.extensions["dupcheck"].close()
