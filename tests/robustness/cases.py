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
    ]
