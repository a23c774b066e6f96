#!/usr/bin/env python
"""Peak memory and time of ``dupcheck`` right at and just over each limit of dupcheck/limits.py.

    python bench/bench_limits.py                   # the whole table (a few minutes)
    python bench/bench_limits.py --only docx pdf   # rows whose name contains a word
    python bench/bench_limits.py --json out.json

Every row runs the real CLI (``python -m dupcheck.cli extract FILE`` or ``check FILE --db``) as a
child process; its peak resident memory is the child's own ``ru_maxrss`` from ``os.wait4``
(its workers too, for ``index``: the largest of them, from their ``RUSAGE_CHILDREN``). Inputs come
from tests/robustness/inputs.py and are written in chunks to a temporary folder, sparse where the
content does not matter. Each figure is printed beside a baseline measured in the same run: the
same command on a one-line file of the same format (the interpreter and the imports that format
needs), so ``+MB`` is what the input costs. Times are wall clock of the whole process; other jobs on the machine slow them, so the
table also prints the load average.

The rule checked (``ok`` column): a refused input must cost no more than the baseline plus the
bytes the limit allows it to hold (a file refused before reading costs nothing), and every run
ends with exit 0, 1 or 2 and one line of reason, never a traceback, within its time bound.
Exit code 0 whatever the figures; 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dupcheck import limits  # noqa: E402
from tests.robustness import inputs  # noqa: E402
from tests.test_index import LAW_A, LAW_B  # noqa: E402

MB = 2**20


@dataclass
class Row:
    name: str
    limit: str
    command: str
    code: int
    seconds: float
    peak_mb: float
    extra_mb: float
    message: str
    ok: bool


def run(args: list[str], env: dict | None = None, timeout: float = 900) -> tuple[int, float, float, str]:
    """(exit code, seconds, peak RSS in MB of the process and any of its children, last stderr line)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    wrapper = (
        "import os, resource, subprocess, sys\n"
        "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
        "err = p.stderr.read()\n"
        "_, status, usage = os.wait4(p.pid, 0)\n"
        "sys.stderr.buffer.write(err)\n"
        "kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(os.waitstatus_to_exitcode(status), max(usage.ru_maxrss, kids))\n"
    )
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", wrapper, sys.executable, "-m", "dupcheck.cli", *args],
        capture_output=True,
        timeout=timeout,
        env=full_env,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - t
    code, kb = proc.stdout.split()
    err = proc.stderr.decode("utf-8", "replace").strip()
    last = err.splitlines()[-1] if err else ""
    if "Traceback" in err:
        last = "TRACEBACK: " + last
    return int(code), seconds, int(kb) / 1024, last


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*", default=[], help="run only rows whose name contains one of these words")
    ap.add_argument("--json", help="write the rows here too")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-limits-"))
    env = {"DUPCHECK_CACHE": str(tmp / "cache")}
    corpus = tmp / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(LAW_A, encoding="utf-8")
    (corpus / "b.txt").write_text(LAW_B, encoding="utf-8")
    db = str(tmp / "i.db")
    assert run(["index", str(corpus), "--db", db, "-q"], env)[0] == 0
    small = tmp / "small.txt"
    small.write_text(LAW_A, encoding="utf-8")

    max_chars, text_bytes = limits.MAX_CHARS, limits.MAX_TEXT_FILE_BYTES
    file_bytes, xml_bytes = limits.MAX_FILE_BYTES, limits.MAX_XML_BYTES
    pages, page_bytes = limits.MAX_PDF_PAGES, limits.MAX_PDF_PAGE_CONTENT_BYTES

    # (name, limit, command, file maker, MB a refusal may cost over the baseline; None: not refused)
    def folder_with(maker):
        def make(p: Path) -> Path:
            p.mkdir()
            (p / "law.txt").write_text(LAW_A, encoding="utf-8")
            maker(p / "huge.txt")
            return p

        return make

    rows_spec = [
        ("baseline .txt", "-", "extract", lambda p: small, None),
        ("baseline check", "-", "check", lambda p: small, None),
        ("baseline .docx", "-", "extract", lambda p: inputs.docx_file(p, 20_000), None),
        ("baseline .pdf", "-", "extract", lambda p: inputs.pdf_pages(p, 1), None),
        (
            ".txt at the character limit",
            f"{max_chars:,} chars",
            "extract",
            lambda p: inputs.text_file(p, max_chars),
            None,
        ),
        (
            ".txt at the character limit",
            f"{max_chars:,} chars",
            "check",
            lambda p: inputs.text_file(p, max_chars),
            None,
        ),
        (".txt one character over", f"{max_chars:,} chars", "extract", lambda p: inputs.text_file(p, max_chars + 1), 2),
        (
            ".txt ASCII at the text-file size",
            f"{text_bytes // MB} MB",
            "extract",
            lambda p: inputs.ascii_file(p, text_bytes),
            24,
        ),
        (
            ".txt one byte over the text-file size",
            f"{text_bytes // MB} MB",
            "extract",
            lambda p: inputs.sized_file(p, text_bytes + 1, b"a"),
            2,
        ),
        (
            ".txt of 60 M characters (180 MB)",
            f"{text_bytes // MB} MB",
            "extract",
            lambda p: inputs.text_file(p, 60_000_000),
            2,
        ),
        (
            ".docx at the file size (a 63 MB image)",
            f"{file_bytes // MB} MB",
            "extract",
            lambda p: inputs.docx_file(p, 200_000, pad_to=file_bytes),
            None,
        ),
        (
            ".pdf one byte over the file size",
            f"{file_bytes // MB} MB",
            "extract",
            lambda p: inputs.sized_file(p, file_bytes + 1, b"%PDF-1.4\n"),
            2,
        ),
        (
            "index: a folder with a 500 MB file",
            f"{text_bytes // MB} MB",
            "index",
            folder_with(lambda p: inputs.sized_file(p, 500 * MB, b"a")),
            2,
        ),
        (
            ".docx XML at the expanded size",
            f"{xml_bytes // MB} MB",
            "extract",
            lambda p: inputs.docx_file(p, xml_bytes - 1024),
            None,
        ),
        (
            ".docx one paragraph under the element limit",
            f"{limits.MAX_DOCX_BLOCK_NODES:,} elements",
            "extract",
            lambda p: inputs.docx_file(p, 6_000_000, one_paragraph=True),
            None,
        ),
        (
            ".docx XML at the expanded size, one paragraph",
            f"{limits.MAX_DOCX_BLOCK_NODES:,} elements",
            "extract",
            lambda p: inputs.docx_file(p, xml_bytes - 1024, one_paragraph=True),
            200,
        ),
        (
            ".docx XML expanding to 100 MB",
            f"{xml_bytes // MB} MB",
            "extract",
            lambda p: inputs.docx_file(p, 100 * MB),
            2,
        ),
        (
            ".docx XML expanding to 900 MB",
            f"{xml_bytes // MB} MB",
            "extract",
            lambda p: inputs.docx_file(p, 900 * MB),
            2,
        ),
        (
            ".docx with more text than the character limit",
            f"{max_chars:,} chars",
            "extract",
            lambda p: inputs.docx_file(p, 60 * MB, text_share=0.9),
            8,
        ),
        (".pdf at the page limit", f"{pages:,} pages", "extract", lambda p: inputs.pdf_pages(p, pages), None),
        (".pdf one page over", f"{pages:,} pages", "extract", lambda p: inputs.pdf_pages(p, pages + 1), 8),
        (
            ".pdf page content at the budget",
            f"{page_bytes // MB} MB a page",
            "extract",
            lambda p: inputs.pdf_drawing(p, page_bytes - 4096),
            None,
        ),
        (
            ".pdf page content of 200 MB",
            f"{page_bytes // MB} MB a page",
            "extract",
            lambda p: inputs.pdf_drawing(p, 200 * MB),
            8,
        ),
    ]
    rows: list[Row] = []
    base: dict[str, float] = {}
    for name, limit, command, make, allowed in rows_spec:
        if args.only and not any(w in name for w in args.only) and "baseline" not in name:
            continue
        suffix = ".docx" if ".docx" in name else ".pdf" if ".pdf" in name else ".txt"
        target = make(tmp / f"in-{len(rows)}{'' if command == 'index' else suffix}")
        cmd = {
            "extract": ["extract", str(target)],
            "check": ["check", str(target), "--db", db, "--format", "json"],
            "index": ["index", str(target), "--db", str(tmp / f"x{len(rows)}.db"), "-q", "--workers", "2"],
        }[command]
        code, seconds, peak, message = run(cmd, env)
        kind = command if command != "extract" else suffix  # the same command on a one-line file of the same format
        b = base.setdefault(kind, peak) if "baseline" in name else base.get(kind, base[".txt"])
        extra = peak - b
        ok = "TRACEBACK" not in message and code in (0, 1, 2)
        if allowed is not None:  # refused (index: skipped, exit 0) at no more than the allowed cost
            ok = ok and code == (0 if command == "index" else 2) and extra <= allowed + 16  # 16 MB: import noise
        rows.append(
            Row(name, limit, command, code, round(seconds, 2), round(peak, 1), round(extra, 1), message[:160], ok)
        )
        r = rows[-1]
        print(
            f"{r.name:48} {r.limit:>14} {r.command:8} exit {r.code}  {r.seconds:7.2f} s  peak {r.peak_mb:7.1f} MB (+{r.extra_mb:.1f})  {'ok' if r.ok else 'FAIL'}  {r.message}",
            flush=True,
        )
        if target.is_file() and target != small:
            target.unlink()
    print("load:", os.getloadavg())
    if args.json:
        Path(args.json).write_text(
            json.dumps({"load": os.getloadavg(), "rows": [asdict(r) for r in rows]}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
