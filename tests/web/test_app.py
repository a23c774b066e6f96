"""The web application through Flask's test client: a batch with an unreadable file, concurrent
clerks, and the CLI without the web extra. Every route in its normal use: ``test_routes.py``;
the refusals: ``test_security.py``; a killed or slow server: ``test_robust.py``."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import LAW, check, submit, wait


@pytest.mark.routes("check", "job")
def test_unreadable_file_gets_its_chinese_reason_beside_the_others(app):
    c = app.test_client()
    r = submit(
        c, [(LAW, "a.txt"), (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "b.txt"), (b"MZ\x90\x00" + b"\0" * 64, "c.txt")]
    )
    page = wait(c, r.headers["Location"]).get_data(as_text=True)
    assert "查看报告" in page
    reasons = re.findall(r'class="reason">无法读取：([^<]+)<', page)
    assert len(reasons) == 2 and all(re.search(r"[\u4e00-\u9fff]", reason) for reason in reasons)
    assert any("可执行程序" in reason for reason in reasons)


@pytest.mark.routes("check", "job", "report")
def test_two_concurrent_checks_both_get_reports(app):
    c1, c2 = app.test_client(), app.test_client()
    jobs = [(c, submit(c, [(LAW, name)]).headers["Location"]) for c, name in ((c1, "one.txt"), (c2, "two.txt"))]
    for c, location in jobs:
        done = wait(c, location)
        assert done.status_code == 303 and c.get(done.headers["Location"]).status_code == 200
    assert c1.get(jobs[0][1]).status_code == 303 and c2.get(jobs[1][1]).status_code == 303


def test_a_batch_of_twenty_gets_twenty_history_lines(app):
    c = app.test_client()
    ids = check(c, [(LAW[: 2000 + 100 * i], f"稿{i:02d}.txt") for i in range(20)])
    assert len(ids) == 20 and len(set(ids)) == 20
    rows, total = app.extensions["dupcheck"].db.history(user=None)
    assert total == 20 and [r.file_name for r in rows] == [f"稿{i:02d}.txt" for i in reversed(range(20))]


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
