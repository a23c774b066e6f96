"""Faults with real processes: kill -9 / SIGTERM of `dupcheck index`, a reader during a long write,
two writers, a full disk, a read-only index. Every subprocess is bounded; no traceback allowed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.robustness.cases import dupcheck
from tests.test_index import LAW_A, LAW_B

PY = sys.executable


def _many(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"d{i:04d}.txt").write_text(
            f"第{i}号文件\n" + (LAW_A if i % 2 else LAW_B) + f"\n附{i}：" + "某" * (i % 37), encoding="utf-8"
        )
    return folder


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _gone(pids: list[int], within: float = 10.0) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        alive = [p for p in pids if Path(f"/proc/{p}").exists() and "Z" not in _state(p)]
        if not alive:
            return True
        time.sleep(0.1)
    return False


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def _wait_for_workers(pid: int, within: float = 30.0) -> None:
    """Until the index runs its worker processes: the signal must land mid-update, not while the
    interpreter is still importing (on a loaded machine that takes seconds)."""
    end = time.monotonic() + within
    while time.monotonic() < end and not _children(pid):
        time.sleep(0.05)


@pytest.mark.parametrize("sig,delay", [(signal.SIGKILL, 0.0), (signal.SIGKILL, 0.8), (signal.SIGTERM, 0.4)])
def test_killed_index_leaves_an_index_that_opens_answers_and_resumes(tmp_path, sig, delay):
    corpus = _many(tmp_path / "corpus", 160)
    db = tmp_path / "i.db"
    assert dupcheck("index", str(corpus / "d0001.txt"), "--db", str(db), "-q").code == 0  # a first, small index
    from tests.robustness.inputs import pdf_drawing

    slow = pdf_drawing(corpus / "zz-drawing.pdf", 1_500_000)  # seconds of work: the signal lands mid-update
    proc = subprocess.Popen(
        [PY, "-m", "dupcheck.cli", "index", str(corpus), "--db", str(db), "--workers", "2", "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _wait_for_workers(proc.pid)
    time.sleep(delay)
    workers = _children(proc.pid)
    proc.send_signal(sig)
    _out, err = proc.communicate(timeout=30)  # returns: no worker holds the pipes
    assert b"Traceback" not in err
    if sig == signal.SIGTERM:
        assert proc.returncode == 143 and "已终止".encode() in err, (proc.returncode, err)
    assert _gone(workers), "worker processes outlived their parent"
    draft = tmp_path / "draft.txt"
    draft.write_text(LAW_A, encoding="utf-8")
    run = dupcheck("check", str(draft), "--db", str(db))  # opens and answers
    assert run.code == 1, run.err
    slow.unlink()
    run = dupcheck("index", str(corpus), "--db", str(db))  # resumes
    assert run.code == 0 and "共 160 篇" in run.err, run.err
    leftovers = [p.name for p in tmp_path.iterdir() if ".rebuild-" in p.name or p.name.endswith(".partial")]
    assert leftovers == []


def test_stale_rebuild_and_partial_files_are_removed(tmp_path):
    corpus = _many(tmp_path / "corpus", 3)
    db = tmp_path / "i.db"
    dead = subprocess.run([PY, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / f"i.db.rebuild-{dead}{suffix}").write_bytes(b"x" * 100)
    (tmp_path / f"i.db.rebuild-{os.getpid()}").write_bytes(b"live")  # a live writer's: kept
    assert dupcheck("index", str(corpus), "--db", str(db), "-q").code == 0
    assert sorted(p.name for p in tmp_path.iterdir() if ".rebuild-" in p.name) == [f"i.db.rebuild-{os.getpid()}"]
    cache = tmp_path / "cache"
    cache.mkdir()
    from dupcheck.default import default_corpus_path

    if not default_corpus_path().exists():
        pytest.skip("no default corpus in this checkout")
    stem = "national-laws-x"
    (cache / f"{stem}.{dead}.partial").write_bytes(b"x")
    (cache / f"{stem}.{dead}.partial-wal").write_bytes(b"x")
    import re

    from dupcheck.safety import remove_stale

    removed = remove_stale(cache, re.compile(re.escape(stem) + r"\.(?P<pid>\d+)\.partial(?:-wal|-shm)?"))
    assert len(removed) == 2 and not list(cache.iterdir())


_HOLD = """
import sys
from dupcheck.api import Index
index = Index.open(sys.argv[1])
with index.store.transaction():
    index.add_texts([("held", "某法\\n第一条 持有写锁的测试文件，内容不重要。" * 50, "held")])
    print("holding", flush=True)
    sys.stdin.readline()  # until the test lets go
"""


def _holder(db: Path) -> subprocess.Popen:
    holder = subprocess.Popen(
        [PY, "-c", _HOLD, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    return holder


def _release(holder: subprocess.Popen) -> None:
    if holder.poll() is not None:
        return
    with contextlib.suppress(OSError, ValueError, subprocess.TimeoutExpired):
        holder.communicate("\n", timeout=20)
    if holder.poll() is None:
        holder.kill()
        holder.wait(10)


def test_check_answers_while_an_index_writes_and_a_second_index_waits_then_refuses(tmp_path):
    db = tmp_path / "i.db"
    corpus = _many(tmp_path / "corpus", 4)
    assert dupcheck("index", str(corpus), "--db", str(db), "-q").code == 0
    holder = _holder(db)  # a writer in the middle of a long update
    try:
        draft = tmp_path / "draft.txt"
        draft.write_text(LAW_A, encoding="utf-8")
        run = dupcheck("check", str(draft), "--db", str(db), "--format", "json", timeout=60)
        assert run.code == 1, run.err  # answers at once: a reader takes no lock (a wait would time out)
        run = dupcheck("index", str(corpus), "--db", str(db), env={"DUPCHECK_LOCK_TIMEOUT": "1"}, timeout=60)
        assert run.code == 3 and str(db) in run.err and "等待" in run.err, run.err
        # with the default wait, a second writer says it waits, then runs once the first is done
        second = subprocess.Popen(
            [PY, "-m", "dupcheck.cli", "index", str(corpus), "--db", str(db)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert second.stderr is not None
        first_line = second.stderr.readline()
        assert "等待它结束" in first_line, first_line
        _release(holder)
        rest = second.communicate(timeout=60)[1]
        assert second.returncode == 0 and "Traceback" not in rest, rest
        assert "共 5 篇" in rest  # the first writer's document landed, then the second's update
    finally:
        _release(holder)


def _mount(kind: str, target: Path, *opts: str) -> bool:
    if os.geteuid() != 0:
        return False
    r = subprocess.run(["mount", "-t", kind, *opts, kind, str(target)], capture_output=True, timeout=10)
    return r.returncode == 0


def _umount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True, timeout=10)


def test_full_disk_is_named_as_such(tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    if not _mount("tmpfs", small, "-o", "size=256k"):
        pytest.skip("needs root and tmpfs to simulate a full disk")
    try:
        import random

        rnd = random.Random(5)
        corpus = tmp_path / "corpus"
        corpus.mkdir()
        for i in range(40):  # random characters: about 1.2 MB of index, no compression helps
            (corpus / f"r{i}.txt").write_text(
                "".join(chr(rnd.randrange(0x4E00, 0x9FA5)) for _ in range(20000)), encoding="utf-8"
            )
        run = dupcheck("index", str(corpus), "--db", str(small / "i.db"), "-q", "--workers", "1")
        assert run.code == 3 and "磁盘已满" in run.err and "cannot rollback" not in run.err, run.err
        assert len(run.err.strip().splitlines()) == 1
    finally:
        _umount(small)


def test_read_only_index_can_be_checked_but_not_written(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    if not _mount("tmpfs", ro, "-o", "size=16m"):
        pytest.skip("needs root and tmpfs to make a read-only file system")
    try:
        corpus = _many(tmp_path / "corpus", 4)
        assert dupcheck("index", str(corpus), "--db", str(ro / "i.db"), "-q").code == 0
        r = subprocess.run(["mount", "-o", "remount,ro", str(ro)], capture_output=True, timeout=10)
        if r.returncode:
            pytest.skip("cannot remount read-only")
        draft = tmp_path / "draft.txt"
        draft.write_text(LAW_A, encoding="utf-8")
        run = dupcheck("check", str(draft), "--db", str(ro / "i.db"))
        assert run.code == 1, run.err
        run = dupcheck("index", str(corpus), "--db", str(ro / "i.db"), "-q")
        assert run.code == 3 and "只读" in run.err and len(run.err.strip().splitlines()) == 1, run.err
    finally:
        _umount(ro)
