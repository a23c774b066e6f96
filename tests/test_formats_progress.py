"""Progress of long PDFs and OCR: the library callback (pages read, pages OCR'd) and the CLI's
stderr lines with ``--progress`` (a rich bar instead when stderr is a terminal)."""

from __future__ import annotations

from dupcheck.api import Index
from dupcheck.cli import main
from dupcheck.extract import extract_path
from tests.docgen import corpus_laws, make_pdf
from tests.test_extract import ARTICLES


def _long_pdf(tmp_path):
    text = "\n".join(t for _, t in corpus_laws(2, 2500)) or ARTICLES * 6
    path = make_pdf(tmp_path / "laws.pdf", text)
    return path, text


def test_the_library_reports_every_page_read(tmp_path):
    path, text = _long_pdf(tmp_path)
    calls: list[tuple[str, int, int]] = []
    extract_path(path, progress=lambda stage, done, total: calls.append((stage, done, total)))
    total = calls[-1][2]
    assert total >= 3
    assert calls == [("pages", n, total) for n in range(1, total + 1)]
    with Index.open(":memory:") as index:
        index.add_texts([("src", text, None)])
        seen: list[tuple[str, str, int, int]] = []
        report = index.check(path, progress=lambda *a: seen.append(a))
    assert seen == [(str(path), "pages", n, total) for n in range(1, total + 1)]
    assert report.extraction == "text-layer"


def test_the_cli_prints_pages_on_stderr_with_progress(tmp_path, capsys):
    path, _ = _long_pdf(tmp_path)
    assert main(["extract", str(path), "--progress", "-o", str(tmp_path / "out.txt")]) == 0
    err = capsys.readouterr().err.splitlines()
    totals: list[int] = []
    extract_path(path, progress=lambda stage, done, total: totals.append(total))
    pages = totals[-1]
    assert err[-1] == f"dupcheck: laws.pdf 读取页面 {pages}/{pages} 页"
    assert all(line.startswith("dupcheck: laws.pdf 读取页面 ") for line in err)
    assert main(["extract", str(path), "-o", str(tmp_path / "out.txt")]) == 0  # not a terminal, no flag: quiet
    assert capsys.readouterr().err == ""
