"""A generator of hostile cases for the CLI: each case is files on disk plus a command line, and
the outcome a clerk must see (an exit code and, on error, one line naming the path)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.test_index import LAW_A, LAW_B

TIMEOUT = 60


@dataclass
class Run:
    code: int
    out: str
    err: str


def dupcheck(*args: str, env: dict | None = None, timeout: float = TIMEOUT, cwd: str | None = None) -> Run:
    """Run the real ``dupcheck`` in a subprocess, bounded in time; assert it left no traceback."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "dupcheck.cli", *args], capture_output=True, timeout=timeout, env=full_env, cwd=cwd
    )
    err = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    return Run(proc.returncode, proc.stdout.decode("utf-8", "replace"), err)


def corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text(LAW_A, encoding="utf-8")
    (folder / "b.md").write_text(LAW_B, encoding="utf-8")
    return folder


@dataclass
class Case:
    name: str
    args: list[str]
    code: int
    names: list[str] = field(default_factory=list)  # what the one stderr line must name
    env: dict = field(default_factory=dict)


def usage_cases(db: str, draft: str) -> list[Case]:
    """Nonsense options and values: refused with exit 2, never run."""
    return [
        Case("workers 0", ["index", "x", "--db", db, "--workers", "0"], 2, ["--workers"]),
        Case("workers -3", ["index", "x", "--db", db, "--workers", "-3"], 2, ["--workers"]),
        Case("workers 1000", ["index", "x", "--db", db, "--workers", "1000"], 2, ["--workers"]),
        Case("workers abc", ["index", "x", "--db", db, "--workers", "abc"], 2, ["--workers"]),
        Case("threshold 80", ["check", draft, "--db", db, "--threshold", "80"], 2, ["80"]),
        Case("threshold nan", ["check", draft, "--db", db, "--threshold", "nan"], 2, ["nan"]),
        Case("threshold -0.1", ["check", draft, "--db", db, "--threshold", "-0.1"], 2, ["-0.1"]),
        Case("env threshold", ["check", draft, "--db", db], 2, ["DUPCHECK_THRESHOLD"], {"DUPCHECK_THRESHOLD": "x"}),
        Case("empty --db", ["check", draft, "--db", ""], 2, ["--db"]),
        Case("unknown option", ["check", draft, "--db", db, "--frobnicate"], 2, ["--frobnicate"]),
        Case("bad format", ["check", draft, "--db", db, "--format", "xml"], 2, ["xml"]),
        Case("no command", [], 2, []),
        Case("no draft", ["check", "--db", db], 2, ["drafts"]),
        Case("unknown command", ["frobnicate"], 2, ["frobnicate"]),
        Case("option without its value", ["check", draft, "--threshold"], 2, ["--threshold"]),
    ]


# -- hostile and at-the-limit input files ------------------------------------------------------

SMALL_LIMITS = {
    "DUPCHECK_MAX_CHARS": "20000",
    "DUPCHECK_MAX_TEXT_MB": "0.1",
    "DUPCHECK_MAX_FILE_MB": "2",
    "DUPCHECK_MAX_XML_MB": "1",
    "DUPCHECK_MAX_DOCX_BLOCK_NODES": "20000",
    "DUPCHECK_MAX_PDF_PAGES": "5",
    "DUPCHECK_MAX_PDF_PAGE_MB": "0.1",
}
"""The limits of dupcheck/limits.py scaled down, so a case just over each is small and fast
(bench/bench_limits.py runs the same generators at the real limits and measures memory)."""


@dataclass
class InputCase:
    name: str
    path: Path
    code: int  # of ``extract``: 0 read, 2 refused
    reason: str = ""  # what the one stderr line must say (besides the file name)
    copied: bool = False  # holds LAW_A: ``check`` must flag it


_BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + ']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>&i;</w:t></w:r></w:p></w:body></w:document>"
)


def input_cases(folder: Path) -> list[InputCase]:
    """Write every hostile input into ``folder`` (which must exist) and say what ``extract`` must do
    with it under :data:`SMALL_LIMITS`. Readable ones hold LAW_A, so ``check`` flags them."""
    import random
    import zipfile

    from tests.docgen import make_pdf
    from tests.robustness import inputs

    f = folder
    cases: list[InputCase] = []

    def add(name: str, filename: str, code: int, reason: str = "", copied: bool = False) -> Path:
        path = f / filename
        cases.append(InputCase(name, path, code, reason, copied))
        return path

    add("empty", "empty.txt", 2, "空文件").write_bytes(b"")
    add("whitespace only", "blank.txt", 2, "空文件").write_bytes(b" \n\t\r\n")
    add("random bytes", "random.txt", 2, "二进制").write_bytes(random.Random(1).randbytes(4000))
    add("ELF program named .docx", "prog.docx", 2, "可执行程序").write_bytes(b"\x7fELF" + b"\x00" * 100)
    add("zip garbage named .docx", "bad.docx", 2, "损坏的 .docx").write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    with zipfile.ZipFile(add("billion laughs .docx", "laughs.docx", 2, "损坏的 .docx"), "w") as z:
        z.writestr("word/document.xml", _BILLION_LAUGHS)
    add("PDF header then garbage", "bad.pdf", 2, "损坏的 PDF").write_bytes(b"%PDF-1.4\n" + b"garbage " * 50)
    make_pdf(add("encrypted PDF", "secret.pdf", 2, "加密的 PDF"), LAW_A, password="secret")
    add("GBK law", "gbk.txt", 0, copied=True).write_bytes(LAW_A.encode("gbk"))
    add("UTF-16 without BOM", "utf16.txt", 0, copied=True).write_bytes(LAW_A.encode("utf-16-le"))
    add("Big5 law", "big5.txt", 0, copied=True).write_bytes(_traditional(LAW_A).encode("big5"))
    add("Shift_JIS text", "sjis.txt", 2, "乱码").write_bytes(
        ("日本国憲法は、日本国民が正当に選挙された国会における代表者を通じて行動し、" * 4).encode("shift_jis")
    )
    add("EUC-KR Korean", "korean.txt", 2, "EUC-KR").write_bytes(
        ("대한민국은 민주공화국이다. 대한민국의 주권은 국민에게 있고, 모든 권력은 국민으로부터 나온다. " * 4).encode(
            "euc_kr"
        )
    )
    add("EUC-JP Japanese", "japanese.txt", 2, "EUC-JP").write_bytes(
        ("日本国憲法は、日本国民が正当に選挙された国会における代表者を通じて行動し、" * 4).encode("euc_jp")
    )
    loop = add("symlink loop", "loop.txt", 2, "符号链接循环")
    os.symlink(loop.name, loop)
    os.mkfifo(add("FIFO", "pipe.txt", 2, "命名管道"))
    (f / "folder.txt").mkdir()
    cases.append(InputCase("a folder named .txt", f / "folder.txt", 2, "是文件夹"))
    limit_chars = int(SMALL_LIMITS["DUPCHECK_MAX_CHARS"])
    inputs.text_file(add(".txt at the character limit", "chars-at.txt", 0, copied=True), limit_chars)
    inputs.text_file(add(".txt one character over", "chars-over.txt", 2, "文字过多"), limit_chars + 1)
    inputs.sized_file(add(".txt over the text-file size", "big.txt", 2, "文件过大"), 110_000, b"a")
    inputs.sized_file(add(".pdf over the file size", "big.pdf", 2, "文件过大"), 3 * 2**20, b"%PDF-1.4\n")
    inputs.docx_file(add(".docx XML expanding over its limit", "bomb.docx", 2, "压缩炸弹"), 3 * 2**20)
    inputs.docx_file(
        add(".docx one paragraph expanding over its limit", "bomb1.docx", 2, "压缩炸弹"), 3 * 2**20, one_paragraph=True
    )
    inputs.docx_file(add(".docx XML within its limit", "xml-ok.docx", 0), 2**20 - 2048)
    inputs.docx_file(
        add(".docx one paragraph of too many elements", "one-p.docx", 2, "段落或表格"), 2**20 - 2048, one_paragraph=True
    )
    inputs.docx_file(add(".docx with too much text", "chars.docx", 2, "文字过多"), 900_000, text_share=0.9)
    inputs.pdf_pages(add(".pdf at the page limit", "pages-at.pdf", 0), 5)
    inputs.pdf_pages(add(".pdf one page over", "pages-over.pdf", 2, "页数过多"), 6)
    inputs.pdf_drawing(add(".pdf drawing within the page budget", "draw-at.pdf", 0), 40_000)
    inputs.pdf_drawing(add(".pdf drawing over the page budget", "draw-over.pdf", 2, "内容过大"), 4 * 2**20)
    return cases


def _traditional(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2tw").convert(text)
