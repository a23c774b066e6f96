"""Every hostile input of ``cases.input_cases`` through ``extract``, ``check`` and ``index``: the
documented exit code, one Chinese line naming the file and its reason, no hang (a FIFO among
them), never a traceback. Limits are scaled down (``SMALL_LIMITS``) so each case is small."""

from __future__ import annotations

import json
import re
import signal

import pytest

from dupcheck import extract, limits
from tests.robustness.cases import SMALL_LIMITS, corpus, dupcheck, input_cases


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    folder = root / "inputs"
    folder.mkdir()
    cases = input_cases(folder)
    db = root / "i.db"
    assert dupcheck("index", str(corpus(root / "corpus")), "--db", str(db), "-q").code == 0
    return root, folder, cases, str(db)


def _small_limits(monkeypatch) -> None:
    mb = 2**20
    small = {k: float(v) for k, v in SMALL_LIMITS.items()}
    monkeypatch.setattr(limits, "MAX_CHARS", int(small["DUPCHECK_MAX_CHARS"]))
    monkeypatch.setattr(limits, "MAX_TEXT_FILE_BYTES", int(small["DUPCHECK_MAX_TEXT_MB"] * mb))
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", int(small["DUPCHECK_MAX_FILE_MB"] * mb))
    monkeypatch.setattr(extract, "MAX_BYTES", int(small["DUPCHECK_MAX_FILE_MB"] * mb))
    monkeypatch.setattr(limits, "MAX_XML_BYTES", int(small["DUPCHECK_MAX_XML_MB"] * mb))
    monkeypatch.setattr(limits, "MAX_DOCX_BLOCK_NODES", int(small["DUPCHECK_MAX_DOCX_BLOCK_NODES"]))
    monkeypatch.setattr(limits, "MAX_PDF_PAGES", int(small["DUPCHECK_MAX_PDF_PAGES"]))
    monkeypatch.setattr(limits, "MAX_PDF_PAGE_CONTENT_BYTES", int(small["DUPCHECK_MAX_PDF_PAGE_MB"] * mb))


def _alarm(signum, frame):
    raise TimeoutError("extract hung")


def test_extract_of_each_hostile_input(hostile, monkeypatch, capsys):
    from dupcheck.cli import main

    _root, _folder, cases, _db = hostile
    _small_limits(monkeypatch)
    wrong = []
    for case in cases:
        if not case.code:
            continue  # readable ones are read (and scored) by the check below
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(30)  # a FIFO opened for reading blocks forever unless refused first
        try:
            code = main(["extract", str(case.path)])
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
        out, err = capsys.readouterr()
        lines = err.strip().splitlines()
        good = code == case.code and len(lines) == 1 and case.path.name in lines[0] and case.reason in lines[0]
        if not good or out:
            wrong.append((case.name, code, err))
    assert not wrong


def test_check_of_every_hostile_input_at_once(hostile):
    """One ``check`` of all of them: the readable ones are scored (a Big5 law as copied), every
    unreadable one is named with its reason, and the exit code is 2 (an error beats the verdict)."""
    _root, _folder, cases, db = hostile
    run = dupcheck("check", *(str(c.path) for c in cases), "--db", db, "--format", "json", env=SMALL_LIMITS)
    assert run.code == 2, run.err
    results = {r["path"]: r for r in json.loads(run.out)}
    for c in cases:
        r = results[str(c.path)]
        if c.code:
            assert "error" in r, c.name
            assert any(c.path.name in line and c.reason in line for line in run.err.splitlines()), (c.name, run.err)
        else:
            assert "error" not in r, (c.name, r)
            assert r["flagged"] is c.copied, (c.name, r["copy_rate"])


def test_index_of_a_folder_of_every_hostile_input(hostile):
    """``index`` over the folder (a FIFO in it): each unreadable file skipped with its reason, the
    rest indexed, no hang; with ``--strict`` the skips exit 2."""
    root, folder, cases, _db = hostile
    db = str(root / "hostile.db")
    run = dupcheck("index", str(folder), "--db", db, "--workers", "2", "--strict", env=SMALL_LIMITS)
    assert run.code == 2, run.err
    skipped = [line for line in run.err.splitlines() if line.startswith("已跳过")]
    refused = [c for c in cases if c.code and c.path.suffix in extract.SUPPORTED_SUFFIXES and not c.path.is_dir()]
    for c in refused:
        assert any(c.path.name in line and c.reason in line for line in skipped), (c.name, run.err)
    readable = sum(1 for c in cases if not c.code)
    assert f"新增 {readable}，" in run.err and f"跳过 {len(refused)}" in run.err, run.err
    lines = run.err.strip().splitlines()
    # Nothing else on stderr: the skips, the per-format tally (按格式：, one indented line per
    # format, whose skip counts add up to the same total) and the totals line.
    tally = lines[len(skipped) : -1]
    assert tally[0] == "按格式：" and all(line.startswith("  ") for line in tally[1:]), run.err
    per_format = [int(m) for line in tally[1:] for m in re.findall(r"跳过 (\d+)（", line)]
    assert len(skipped) == len(refused) == sum(per_format), run.err


def _peak_mb(*args: str) -> tuple[int, float]:
    """Exit code and peak resident memory (MB) of one ``dupcheck`` process."""
    import os
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "dupcheck.cli", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:
        proc.kill()
        raise
    return os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024


def test_a_page_of_vector_drawings_costs_memory_of_its_size_not_of_its_shapes(tmp_path):
    """pdfplumber kept an object per rectangle: 1 MB of drawing operators held 360 MB (8 MB, the
    page budget: over 1 GB). The text layer is read without them."""
    from tests.robustness import inputs

    small = tmp_path / "small.txt"
    small.write_text("第一条 测试。", encoding="utf-8")
    code, base = _peak_mb("extract", str(small))
    assert code == 0
    code, peak = _peak_mb("extract", str(inputs.pdf_drawing(tmp_path / "d.pdf", 300_000)))
    assert code == 0
    assert peak < base + 50, (base, peak)


def test_reading_a_long_pdf_reports_progress_per_page(hostile):
    """A PDF of thousands of pages takes minutes: the check says how far it is (the CLI shows a bar)."""
    from dupcheck.api import Index

    _root, folder, _cases, db = hostile
    seen: list[tuple[str, int, int]] = []
    path = folder / "pages-at.pdf"
    with Index.open(db, create=False) as index:
        index.check(path, progress=lambda name, stage, done, total: seen.append((stage, done, total)))
    assert seen == [("pages", i, 5) for i in range(1, 6)]
