"""Hostile CLI cases, run as real processes: one Chinese line naming the path, the documented
exit code (0 ok, 1 over threshold, 2 usage/input error, 3 index/IO error), never a traceback."""

from __future__ import annotations

import json
import os
import re
import sqlite3

import pytest

from tests.robustness.cases import corpus, dupcheck, usage_cases
from tests.test_index import LAW_A


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    db = root / "i.db"
    run = dupcheck("index", str(corpus(root / "corpus")), "--db", str(db), "-q")
    assert run.code == 0, run.err
    draft = root / "copy.txt"
    draft.write_text(LAW_A, encoding="utf-8")
    own = root / "own.txt"
    own.write_text("某市关于加强城市绿化的通知\n\n各区要结合实际，做好春季植树工作，确保成活率。", encoding="utf-8")
    return root, str(db), str(draft), str(own)


@pytest.mark.parametrize("i", range(len(usage_cases("db", "d"))))
def test_nonsense_options_are_refused(built, i):
    _root, db, draft, _ = built
    case = usage_cases(db, draft)[i]
    run = dupcheck(*case.args, env=case.env)
    assert run.code == case.code, (case.name, run.err)
    assert all(n in run.err for n in case.names), (case.name, run.err)
    english = re.findall(r"\b(?:usage|argument|invalid|required|unrecognized|expected|choose from)\b", run.err)
    assert not english, (case.name, run.err)  # argparse's own words, translated


def test_exit_codes_keep_error_and_verdict_apart(built, tmp_path):
    _root, db, draft, own = built
    assert dupcheck("check", own, "--db", db).code == 0
    assert dupcheck("check", draft, "--db", db).code == 1
    missing = str(tmp_path / "missing.txt")
    run = dupcheck("check", draft, missing, "--db", db, "--format", "json")
    assert run.code == 2 and "missing.txt" in run.err  # flagged + unreadable: the unreadable one shows
    out = json.loads(run.out)
    assert out[0]["flagged"] is True and "error" in out[1]


def test_empty_index_and_zero_byte_db_refuse_instead_of_passing(built, tmp_path):
    _, _, draft, _ = built
    zero = tmp_path / "zero.db"
    zero.write_bytes(b"")
    run = dupcheck("check", draft, "--db", str(zero))
    assert run.code == 3 and "zero.db" in run.err and len(run.err.strip().splitlines()) == 1
    assert zero.stat().st_size == 0  # a check never writes
    empty = tmp_path / "empty-corpus"
    empty.mkdir()
    db = tmp_path / "empty.db"
    assert dupcheck("index", str(empty), "--db", str(db), "-q").code == 0
    run = dupcheck("check", draft, "--db", str(db))
    assert run.code == 3 and "0 篇" in run.err
    assert dupcheck("audit", "--db", str(db)).code == 3


def test_missing_and_foreign_index(built, tmp_path):
    _, _, draft, _ = built
    run = dupcheck("check", draft, "--db", str(tmp_path / "nope.db"))
    assert run.code == 3 and "nope.db" in run.err
    assert not (tmp_path / "nope.db").exists()
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    run = dupcheck("index", str(tmp_path), "--db", str(other), "--rebuild", "-q")
    assert run.code == 3 and "other.db" in run.err and "SQLite" in run.err
    assert other.read_bytes() == before  # --rebuild never replaces another application's file
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite" * 50)
    assert dupcheck("index", str(tmp_path), "--db", str(junk), "--rebuild", "-q").code == 3
    assert junk.read_bytes() == b"not sqlite" * 50


def test_output_paths(built, tmp_path):
    _root, db, draft, own = built
    # into a missing folder: made
    target = tmp_path / "new" / "sub" / "r.html"
    assert dupcheck("check", draft, "--db", db, "--html", str(target)).code == 1
    assert target.read_text(encoding="utf-8").startswith("<!")
    # onto an existing folder with one draft: written into it
    folder = tmp_path / "out"
    folder.mkdir()
    assert dupcheck("check", draft, "--db", db, "--html", str(folder)).code == 1
    assert (folder / "copy.html").exists()
    # several drafts onto an existing file: one line, nothing checked
    afile = tmp_path / "one.html"
    afile.write_text("keep", encoding="utf-8")
    run = dupcheck("check", draft, own, "--db", db, "--html", str(afile))
    assert run.code == 2 and "one.html" in run.err and len(run.err.strip().splitlines()) == 1
    assert afile.read_text(encoding="utf-8") == "keep"
    # name collisions: three reports, three files
    for rel in ("a/draft.txt", "b/draft.txt", "a/draft.docx"):
        p = tmp_path / rel
        p.parent.mkdir(exist_ok=True)
    (tmp_path / "a/draft.txt").write_text(LAW_A, encoding="utf-8")
    (tmp_path / "b/draft.txt").write_text(LAW_A[:200], encoding="utf-8")
    from docx import Document

    d = Document()
    for line in LAW_A.splitlines():
        d.add_paragraph(line)
    d.save(tmp_path / "a/draft.docx")
    reports = tmp_path / "reports"
    run = dupcheck(
        "check",
        *(str(tmp_path / r) for r in ("a/draft.txt", "b/draft.txt", "a/draft.docx")),
        "--db",
        db,
        "--html",
        str(reports),
        "--annotate",
        str(tmp_path / "marked"),
    )
    assert run.code == 1, run.err
    assert len(list(reports.glob("*.html"))) == 3
    assert len(list((tmp_path / "marked").glob("*.docx"))) == 3
    # --output onto a folder
    run = dupcheck("check", draft, "--db", db, "--output", str(folder))
    assert run.code == 2 and "out" in run.err


def test_file_names_that_are_not_utf8(built, tmp_path):
    _root, db, _, _ = built
    folder = tmp_path / "gbk"
    folder.mkdir()
    name = os.fsencode(folder) + b"/" + "草稿".encode("gbk") + b".txt"
    with open(name, "wb") as fh:
        fh.write(LAW_A.encode("utf-8"))
    bad = os.fsencode(folder) + b"/\xff\xfe.txt"
    with open(bad, "wb") as fh:
        fh.write(LAW_A.encode("utf-8"))
    idx = str(tmp_path / "gbk.db")
    assert dupcheck("index", str(folder), "--db", idx).code == 0
    assert dupcheck("index", str(folder), "--db", idx).err.count("未变 2") == 1  # stored exactly: unchanged
    run = dupcheck("check", os.fsdecode(name), os.fsdecode(bad), "--db", idx)  # the terminal report
    assert run.code == 1 and "草稿" in run.out, run.err
    reports = tmp_path / "h"
    run = dupcheck("check", os.fsdecode(name), os.fsdecode(bad), "--db", db, "--html", str(reports), "--format", "json")
    assert run.code == 1 and all(r["flagged"] for r in json.loads(run.out)), run.err
    names = sorted(os.listdir(os.fsencode(reports)))  # named after the real file names
    assert names == sorted([b"\xff\xfe.html", "草稿".encode("gbk") + b".html"])
    html = (reports / os.fsdecode("草稿".encode("gbk") + b".html")).read_text(encoding="utf-8")
    assert "草稿" in html  # the name shown readably (GB18030 bytes)


def test_cache_folder_problems(built, tmp_path):
    _, _, draft, _ = built
    blocker = tmp_path / "file"
    blocker.write_text("x")
    run = dupcheck("check", draft, env={"DUPCHECK_CACHE": str(blocker / "sub")})
    assert run.code == 3 and "DUPCHECK_CACHE" in run.err and len(run.err.strip().splitlines()) == 1


def test_home_unset_without_a_passwd_entry_is_one_line(monkeypatch, capsys, built):
    import pwd

    from dupcheck.cli import main

    _, _, draft, _ = built
    for var in ("HOME", "DUPCHECK_CACHE", "XDG_CACHE_HOME", "DUPCHECK_DB"):
        monkeypatch.delenv(var, raising=False)

    def no_entry(uid):
        raise KeyError(uid)

    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    assert main(["check", draft]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "HOME" in err[0] and "DUPCHECK_CACHE" in err[0]


def test_sigterm_after_the_work_ends_the_process_without_a_traceback(tmp_path, capsys):
    """SIGTERM turns into a clean exit 143 while dupcheck works; once main() returns (the
    interpreter joining threads at shutdown) it must not raise where nothing catches it."""
    import signal

    from dupcheck.cli import main

    draft = tmp_path / "d.txt"
    draft.write_text(LAW_A, encoding="utf-8")
    before = signal.getsignal(signal.SIGTERM)
    try:
        assert main(["extract", str(draft)]) == 0
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, before)
    capsys.readouterr()
