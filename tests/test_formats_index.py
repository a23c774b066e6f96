"""``dupcheck index`` over a folder of mixed formats: per format, how many files were read,
converted, OCR'd and skipped, with the reasons (UpdateResult.by_format and the CLI summary)."""

from __future__ import annotations

import re
import shutil

import pytest

from dupcheck.api import FormatCount, Index, UpdateResult
from dupcheck.cli import format_summary, main
from dupcheck.ocr import tesseract_missing
from dupcheck.report import Skipped
from tests.docgen import CJK_FONT, corpus_laws, make_docx, make_ofd, make_pdf, make_word97
from tests.test_extract import ARTICLES


def test_by_format_counts_each_way_a_file_was_read():
    result = UpdateResult(
        added=("a.docx", "b.doc", "c.pdf", "d.pdf", "e.PDF"),
        skipped=(Skipped("f.pdf", "加密的 PDF"), Skipped("g.pdf", "加密的 PDF"), Skipped("h.wps", "已损坏")),
        extracted=(
            ("a.docx", "text"),
            ("b.doc", "converted:libreoffice"),
            ("c.pdf", "text-layer"),
            ("d.pdf", "ocr:tesseract"),
            ("e.PDF", "text-layer"),
        ),
    )
    assert result.by_format() == {
        ".doc": FormatCount(converted=1),
        ".docx": FormatCount(read=1),
        ".pdf": FormatCount(read=2, ocr=1, skipped=2, reasons={"加密的 PDF": 2}),
        ".wps": FormatCount(skipped=1, reasons={"已损坏": 1}),
    }
    assert format_summary(result) == [
        "按格式：",
        "  .doc: 转换 1",
        "  .docx: 读取 1",
        "  .pdf: 读取 2，OCR 1，跳过 2（加密的 PDF ×2）",
        "  .wps: 跳过 1（已损坏 ×1）",
    ]


@pytest.mark.slow
def test_index_of_a_mixed_folder_lists_every_format(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DUPCHECK_OCR_ENGINE", "tesseract")
    laws = [text for _, text in corpus_laws(8, 1500)] or [ARTICLES] * 8
    folder = tmp_path / "laws"
    folder.mkdir()
    (folder / "a.txt").write_text(laws[0], encoding="utf-8")
    (folder / "b.md").write_text(laws[1], encoding="gb18030")
    make_docx(folder / "c.docx", laws[2].split("\n"))
    make_ofd(folder / "d.ofd", laws[3])
    (folder / "e.html").write_text(
        "<html><body><nav>首页</nav>" + "".join(f"<p>{p}</p>" for p in laws[4].split("\n")) + "</body></html>",
        encoding="utf-8",
    )
    make_pdf(folder / "f.pdf", laws[5][:1500])
    make_pdf(folder / "g.pdf", laws[6][:300], password="secret")  # skipped: encrypted
    (folder / "h.docx").write_bytes(b"PK\x03\x04 not really a zip")  # skipped: corrupt
    (folder / "i.txt").write_bytes(b"")  # skipped: empty
    expected = {
        ".txt": "读取 1，跳过 1（空文件 ×1）",
        ".md": "读取 1",
        ".docx": "读取 1，跳过 1（无法读取：损坏的 .docx（不是有效的 Word 文件） ×1）",
        ".ofd": "读取 1",
        ".html": "读取 1",
        ".pdf": "读取 1，跳过 1（无法读取：加密的 PDF（请先去除密码） ×1）",
    }
    if tesseract_missing() is None and CJK_FONT.exists():
        from tests.docgen import render_pages

        render_pages(laws[7][:200], dpi=150, max_pages=1)[0].save(folder / "j.png")
        expected[".png"] = "OCR 1"
    if shutil.which("soffice"):
        make_docx(tmp_path / "k.docx", laws[7].split("\n"))
        make_word97(tmp_path / "k.docx", folder)
        shutil.copy(folder / "k.doc", folder / "l.wps")
        expected[".doc"] = expected[".wps"] = "转换 1"
    db = tmp_path / "corpus.db"
    assert main(["index", str(folder), "--db", str(db), "--workers", "1"]) == 0
    err = capsys.readouterr().err
    lines = err.splitlines()
    at = lines.index("按格式：")
    summary = dict(line.strip().split(": ", 1) for line in lines[at + 1 : at + 1 + len(expected)])
    assert summary == expected
    with Index.open(db, create=False) as index:
        read = sum(int(n) for v in expected.values() for n in re.findall(r"(?:读取|转换|OCR) (\d+)", v))
        assert len(index) == read
    # a second run reads only the files it could not read before: they are listed again
    assert main(["index", str(folder), "--db", str(db), "--workers", "1"]) == 0
    again = capsys.readouterr().err.splitlines()
    assert "  .pdf: 跳过 1（无法读取：加密的 PDF（请先去除密码） ×1）" in again
    assert not any(line.startswith("  .ofd:") for line in again)
