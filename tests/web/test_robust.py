"""Issue point 5: progress while a batch runs, a slow check that blocks no other page, a server
killed mid-check or mid-update that loses no history and leaves no half-written library, and
reports that re-open as stored."""

from __future__ import annotations

import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import urllib.request
import zlib
from pathlib import Path

import pytest

from dupcheck.api import Index
from tests.web.conftest import LAW, OTHER, check, submit, token, wait

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def gate(monkeypatch):
    """``gate.hold(name)``: the check of the upload called ``name`` waits until ``gate.release()``."""

    class Gate:
        def __init__(self) -> None:
            self.held: set[str] = set()
            self.reached = threading.Event()
            self.open = threading.Event()

        def hold(self, name: str) -> None:
            self.held.add(name)

        def release(self) -> None:
            self.open.set()

    g = Gate()
    original = Index.check_text

    def check_text(self, text, *, path="<text>", **kw):
        if path in g.held:
            g.reached.set()
            assert g.open.wait(30), "the test never released the gate"
        return original(self, text, path=path, **kw)

    monkeypatch.setattr(Index, "check_text", check_text)
    yield g
    g.release()


@pytest.mark.routes("job_status", "job")
def test_job_status_shows_per_file_progress_while_a_batch_runs(app, gate):
    c = app.test_client()
    gate.hold("2.txt")
    r = submit(c, [(LAW, "1.txt"), (LAW, "2.txt"), (OTHER, "3.txt")])
    job_url = r.headers["Location"]
    assert gate.reached.wait(10)
    status = c.get(job_url + "/status").get_json()
    assert (status["finished"], status["done"], status["total"]) == (False, 1, 3)
    assert [i["state"] for i in status["items"]] == ["done", "running", "waiting"]
    assert status["items"][0]["check_id"] and status["items"][0]["copy_rate"] > 0.9
    assert [i["state_label"] for i in status["items"]] == ["完成", "处理中", "等待中"]
    page = c.get(job_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and "1 / 3" in page and "检测进行中" in page  # works without script
    gate.release()
    wait(c, job_url)
    status = c.get(job_url + "/status").get_json()
    assert status["finished"] and status["done"] == 3 and all(i["state"] == "done" for i in status["items"])
    assert 'http-equiv="refresh"' not in c.get(job_url).get_data(as_text=True)


@pytest.mark.routes("index", "history", "libraries", "library", "job_status")
def test_a_slow_check_does_not_block_the_other_pages(make_app, gate):
    waitress = pytest.importorskip("waitress")
    app = make_app(workers=1)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    try:
        c = app.test_client()
        gate.hold("slow.txt")
        job_url = submit(c, [(LAW, "slow.txt")]).headers["Location"]
        queued = submit(app.test_client(), [(LAW, "queued.txt")])  # a second clerk: waits for the one worker
        assert queued.status_code == 303 and gate.reached.wait(10)
        for path in ("/", "/history", "/libraries", "/libraries/main", "/static/app.css"):
            with urllib.request.urlopen(base + path, timeout=5) as response:  # answered while the check runs
                assert response.status == 200
        assert c.get(job_url + "/status").get_json()["items"][0]["state"] == "running"
        gate.release()
        assert wait(c, job_url).status_code == 303
    finally:
        gate.release()
        server.close()


@pytest.mark.routes("report_view", "download", "library_add")
def test_a_past_report_reopens_byte_identical_and_is_not_rechecked(app, monkeypatch):
    c = app.test_client()
    (check_id,) = check(c, [(OTHER, "北京草稿.txt")])
    before = {fmt: c.get(f"/report/{check_id}/download/{fmt}").data for fmt in ("html", "json", "docx")}
    view = c.get(f"/report/{check_id}/view").data
    # The library changes (the draft's own parent is added): a re-check would now differ.
    add = c.post(
        "/libraries/main/add", data={"csrf_token": token(c), "files": (io.BytesIO(OTHER.encode()), "parent.txt")}
    )
    wait(c, add.headers["Location"])

    def no_check(*args, **kwargs):
        raise AssertionError("a stored report was re-checked")

    monkeypatch.setattr(Index, "check_text", no_check)
    monkeypatch.setattr(Index, "check", no_check)
    after = {fmt: c.get(f"/report/{check_id}/download/{fmt}").data for fmt in ("html", "json", "docx")}
    assert after == before and c.get(f"/report/{check_id}/view").data == view == before["html"]
    assert app.extensions["dupcheck"].db.check(check_id).library_docs == 1  # the state it was checked against


def test_uploads_are_deleted_after_every_kind_of_job(app):
    c = app.test_client()
    check(c, [(LAW, "a.txt"), (b"MZ\x90\x00" + b"\0" * 64, "b.exe"), (b"", "c.txt")])
    r = c.post(
        "/libraries/main/add",
        data={"csrf_token": token(c), "files": [(io.BytesIO(OTHER.encode()), "d.txt"), (io.BytesIO(b""), "e.txt")]},
    )
    wait(c, r.headers["Location"])
    assert list(app.extensions["dupcheck"].uploads.path.iterdir()) == []


def test_a_check_while_documents_are_added_still_answers(app, monkeypatch):
    reached, go = threading.Event(), threading.Event()
    original = Index._put

    def slow_put(self, doc, writer, *, replacing):
        original(self, doc, writer, replacing=replacing)
        reached.set()
        assert go.wait(30)

    monkeypatch.setattr(Index, "_put", slow_put)
    c = app.test_client()
    add = c.post(
        "/libraries/main/add",
        data={"csrf_token": token(c), "files": [(io.BytesIO(OTHER.encode()), "p.txt")]},
    )
    assert reached.wait(10)  # the update's transaction is open, one document written in it
    try:
        (check_id,) = check(app.test_client(), [(LAW, "during.txt")], timeout=20)
        row = app.extensions["dupcheck"].db.check(check_id)
        assert row.error is None and row.copy_rate > 0.9 and row.library_docs == 1  # the library as it was
    finally:
        go.set()
    wait(c, add.headers["Location"])
    assert app.extensions["dupcheck"].libraries.state(app.extensions["dupcheck"].libraries.builtin)[0] == 2


# -- a server killed mid-job -----------------------------------------------------------------------

SERVER = r"""
import io, re, sys, time
from pathlib import Path
from dupcheck.api import Index
from dupcheck.web.app import WebConfig, create_app

data, db, mode = sys.argv[1:4]
if mode == "check":
    original = Index.check_text
    def check_text(self, text, *, path="<text>", **kw):
        if path == "2.txt":
            print("KILL ME", flush=True)
            time.sleep(600)
        return original(self, text, path=path, **kw)
    Index.check_text = check_text
else:
    original, written = Index._put, []
    def put(self, doc, writer, *, replacing):
        original(self, doc, writer, replacing=replacing)
        written.append(doc.path)
        if len(written) == 2:  # two of the three documents written inside the update
            print("KILL ME", flush=True)
            time.sleep(600)
    Index._put = put
app = create_app(WebConfig(data_dir=Path(data), db=db, workers=1))
c = app.test_client()
token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/").get_data(as_text=True)).group(1)
law = Path(sys.argv[4]).read_bytes()
files = [(io.BytesIO(law), f"{i}.txt") for i in (1, 2, 3)]
url = "/check" if mode == "check" else "/libraries/main/add"
c.post(url, data={"csrf_token": token, "library": "main", "threshold": "80", "files": files})
time.sleep(600)
"""


def run_until_killed(tmp_path, library_file, mode: str) -> tuple[Path, Path]:
    data, db = tmp_path / "data", tmp_path / "x.db"
    shutil.copy(library_file, db)
    draft = tmp_path / "draft.txt"
    draft.write_text(OTHER if mode == "library" else LAW, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(data), str(db), mode, str(draft)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()  # blocks until the job is where it should be killed
        assert line.strip() == "KILL ME", proc.stderr.read() if proc.poll() is not None else line
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()
    return data, db


def test_a_server_killed_mid_batch_keeps_every_finished_check(tmp_path, library_file, make_app):
    data, _db = run_until_killed(tmp_path, library_file, "check")
    conn = sqlite3.connect(data / "web.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = conn.execute("SELECT file_name, copy_rate, html FROM checks").fetchall()
    conn.close()
    assert [r[0] for r in rows] == ["1.txt"] and rows[0][1] > 0.9
    assert b"<html" in zlib.decompress(rows[0][2])
    app = make_app()  # the next start of the server, on the same data folder and library
    c = app.test_client()
    assert "1.txt" in c.get("/history").get_data(as_text=True)
    assert c.get("/report/1/view").status_code == 200
    assert check(c, [(LAW, "again.txt")])  # and it still checks


def test_a_server_killed_mid_update_leaves_the_library_as_it_was(tmp_path, library_file, make_app):
    _data, db = run_until_killed(tmp_path, library_file, "library")
    with Index.open(db, create=False) as index:
        assert [d.path for d in index.documents()] == ["law.txt"]  # none of the three, not one of them
        assert index.store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    app = make_app()
    c = app.test_client()
    page = c.get("/libraries/main").get_data(as_text=True)
    assert "共 1 篇文档" in page and "1.txt" not in page
    (check_id,) = check(c, [(LAW, "after.txt")])
    assert app.extensions["dupcheck"].db.check(check_id).copy_rate > 0.9
