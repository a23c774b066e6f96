"""Take the README's screenshots of the web page (docs/img/web-*.png) with Playwright and Debian's
chromium, on the shipped corpus, in a throw-away data folder::

    DUPCHECK_CACHE=$PWD/.cache/dupcheck .venv/bin/python -m tests.web.screenshots [docs/img]

Not a test (pytest collects only ``test_*.py``): ``test_browser.py`` drives the same pages.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

from tests.web.test_browser import ARGS, CHROMIUM, EXAMPLE

EXAMPLES = EXAMPLE.parent


def main(out: Path) -> None:
    import waitress
    from playwright.sync_api import sync_playwright

    from dupcheck.web.app import WebConfig, create_app

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as data:
        app = create_app(WebConfig(data_dir=Path(data)))
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        server = waitress.create_server(app, host="127.0.0.1", port=port, threads=4)
        threading.Thread(target=server.run, daemon=True).start()
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, "--lang=zh-CN"])
                page = browser.new_page(viewport={"width": 1200, "height": 800}, locale="zh-CN")
                page.goto(base + "/")
                page.set_input_files("#files", sorted(str(f) for f in EXAMPLES.glob("*.txt")))
                page.screenshot(path=str(out / "web-upload.png"))
                page.click("button[type=submit].primary")
                page.wait_for_selector("#job[data-finished=true]", timeout=120_000)
                page.screenshot(path=str(out / "web-batch.png"))
                page.goto(base + "/history")
                page.click("tr:has-text('henan') >> text=查看报告")
                page.wait_for_selector("#copy-rate")
                page.wait_for_timeout(500)  # the frame sizes itself to the report
                page.screenshot(path=str(out / "web-report.png"))
                page.goto(base + "/libraries/main?q=集会")
                page.screenshot(path=str(out / "web-library.png"))
                # An admin's own library, filled from a .zip of a folder: what was skipped, and why.
                page.goto(base + "/libraries")
                page.fill("input[name=name]", "泉州市政府文件")
                page.click("button:text-is('新建')")
                archive = Path(data) / "泉州市政府文件.zip"
                with zipfile.ZipFile(archive, "w") as zf:
                    for f in sorted(EXAMPLES.glob("beijing-*.txt")):
                        zf.write(f, f"政府文件/{f.name}")
                    zf.writestr("政府文件/扫描件.txt", b"\x89PNG\r\n\x1a\n" + bytes(64))
                    zf.writestr("政府文件/安装程序.exe", b"MZ\x90\x00" + bytes(64))
                page.set_input_files("#lib-files", str(archive))
                page.click("button[type=submit].primary")
                page.wait_for_selector("#job[data-finished=true]", timeout=60_000)
                page.click("text=返回文档库")
                page.screenshot(path=str(out / "web-library-add.png"), full_page=True)
                browser.close()
        finally:
            server.close()
            app.extensions["dupcheck"].close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img"))
