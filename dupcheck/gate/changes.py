"""Which documents a change touches, from git: added, modified, renamed, deleted.

Committed changes since the merge base (``git diff --name-status -M BASE...HEAD``) plus what is
staged (``git diff --cached``), so the same call serves CI (nothing staged) and a local run
before committing. Paths are relative to the repository root, with '/'.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dupcheck.errors import DupcheckError

STATUS = {"A": "added", "M": "modified", "R": "renamed", "C": "added", "D": "deleted", "T": "modified"}


class GitError(DupcheckError):
    """git failed or is missing; the message says what to do."""


@dataclass(frozen=True)
class Change:
    status: str  # "added", "modified", "renamed", "deleted", or "given" (named on the command line)
    path: str  # the path now (for "deleted": the path it had)
    old_path: str | None = None  # for "renamed": the path before


def git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, encoding="utf-8")
    except FileNotFoundError:
        raise GitError("git is not installed (dupcheck ci needs it to find changed documents)") from None
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise GitError(f"git {' '.join(args)}: {message}")
    return done.stdout


def repo_root(cwd: str | os.PathLike = ".") -> Path:
    try:
        return Path(git(Path(cwd), "rev-parse", "--show-toplevel").strip())
    except GitError:
        raise GitError(
            f"{Path(cwd).resolve()}: not inside a git repository (dupcheck ci checks a repository's changes)"
        ) from None


def default_base(root: Path, environ: Mapping[str, str] | None = None) -> str:
    """The revision to compare with when none is given.

    A GitHub pull request's base branch (``GITHUB_BASE_REF``), a GitLab merge request's base
    (``CI_MERGE_REQUEST_DIFF_BASE_SHA``), else the remote's default branch, else main/master.
    """
    environ = os.environ if environ is None else environ
    if environ.get("GITHUB_BASE_REF"):
        return f"origin/{environ['GITHUB_BASE_REF']}"
    if environ.get("CI_MERGE_REQUEST_DIFF_BASE_SHA"):
        return environ["CI_MERGE_REQUEST_DIFF_BASE_SHA"]
    try:
        return git(root, "symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD").strip()
    except GitError:
        pass
    for candidate in ("origin/main", "origin/master", "main", "master"):
        try:
            git(root, "rev-parse", "--verify", "-q", candidate + "^{commit}")
            return candidate
        except GitError:
            continue
    raise GitError("cannot find the default branch to compare with; pass --base REV (or set DUPCHECK_BASE)")


def _parse_name_status(out: str) -> list[Change]:
    fields = out.split("\0")
    changes, i = [], 0
    while i < len(fields) and fields[i]:
        code = fields[i][0]
        if code in "RC":
            old, new = fields[i + 1], fields[i + 2]
            changes.append(Change("renamed", new, old) if code == "R" else Change("added", new))
            i += 3
        else:
            if code in STATUS:
                changes.append(Change(STATUS[code], fields[i + 1]))
            i += 2
    return changes


def _combine(committed: list[Change], staged: list[Change]) -> list[Change]:
    """Committed changes, then the staged ones on top of them (a path added and then deleted is gone)."""
    by_path: dict[str, Change] = {c.path: c for c in committed}
    for c in staged:
        before = by_path.pop(c.old_path, None) if c.status == "renamed" and c.old_path else by_path.get(c.path)
        if c.status == "deleted":
            by_path.pop(c.path, None)
            if before is None or before.status != "added":
                by_path[c.path] = Change("deleted", before.old_path if before and before.old_path else c.path)
        elif before is not None and before.status == "added":
            by_path[c.path] = Change("added", c.path)
        elif before is not None and before.status == "renamed":
            by_path[c.path] = Change("renamed", c.path, before.old_path)
        else:
            by_path[c.path] = c
    return sorted(by_path.values(), key=lambda c: c.path)


def changed_files(root: Path, base: str, *, staged: bool = True) -> list[Change]:
    """The files changed between the merge base of ``base`` and HEAD, plus staged changes."""
    try:
        git(root, "rev-parse", "--verify", "-q", base + "^{commit}")
    except GitError:
        raise GitError(
            f"--base {base}: not a revision of this repository (fetch it first; actions/checkout needs fetch-depth: 0)"
        ) from None
    committed = _parse_name_status(git(root, "diff", "--name-status", "-M", "-z", f"{base}...HEAD", "--"))
    cached = _parse_name_status(git(root, "diff", "--cached", "--name-status", "-M", "-z", "--")) if staged else []
    return _combine(committed, cached)


def tracked_files(root: Path) -> list[str]:
    """Every file in git's index (committed or staged), relative to ``root``."""
    return sorted(p for p in git(root, "ls-files", "-z", "--cached").split("\0") if p)
