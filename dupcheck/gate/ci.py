"""``dupcheck ci`` (check the documents a change touches) and ``dupcheck config``.

Exit codes: 1 when a document is over its fail level and not accepted; 2 on an error (bad
setting, git failure, an unreadable changed document); else 0 (warnings included).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from dupcheck.errors import InputError
from dupcheck.gate.accepted import Baseline
from dupcheck.gate.changes import (
    Change,
    changed_files,
    default_base,
    repo_root,
    tracked_files,
)
from dupcheck.gate.config import Settings, describe, load_settings
from dupcheck.gate.repoindex import (
    RepoIndex,
    default_index_path,
    is_document,
    repository_documents,
)
from dupcheck.gate.verdict import RATE_LABELS, STATUS_LABELS, Verdict, judge_rate
from dupcheck.report import Report, Skipped

EXIT_OK, EXIT_OVER, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "sarif", "junit", "github")


def add_parser(sub) -> None:
    p = sub.add_parser("ci", help="check the documents changed since a base revision (a gate for CI and pre-commit)")
    p.add_argument("files", nargs="*", help="check these files (as pre-commit passes them) instead of asking git")
    p.add_argument("--base", help="compare with this revision (default: the merge base with the default branch)")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--output", "-o", help="write the report here instead of stdout")
    p.add_argument("--accept", action="store_true", help="record the findings over the warn level as accepted")
    p.add_argument("--reason", help="why the findings are accepted (required with --accept)")
    p.add_argument("--config", help="a dupcheck.toml or pyproject.toml (default: found in the repository root)")
    p.add_argument("--warn", type=float, default=None, help="warn at or over this rate")
    p.add_argument("--fail", type=float, default=None, help="fail at or over this rate")
    p.add_argument(
        "--corpus",
        action="append",
        default=None,
        help="a parent corpus ('default', a corpus file, a folder or an index); repeatable",
    )
    p.add_argument(
        "--no-repository",
        dest="repository",
        action="store_false",
        default=None,
        help="do not check against the repository's other documents",
    )
    p.add_argument("--exclude-quotes", action="store_true", default=None, help="judge 去除引用文献复制比")
    p.add_argument("--index", help="the gate's index file (default: in the cache folder)")
    p.set_defaults(func=run)
    p = sub.add_parser("config", help="print the effective gate settings and where each came from")
    p.add_argument("--config", help="a dupcheck.toml or pyproject.toml")
    p.set_defaults(
        func=run_config, base=None, warn=None, fail=None, corpus=None, repository=None, exclude_quotes=None, index=None
    )


def _settings(args, root: Path) -> Settings:
    cli = {
        "base": args.base,
        "warn": args.warn,
        "fail": args.fail,
        "corpora": args.corpus,
        "repository": args.repository,
        "exclude_quotes": args.exclude_quotes,
        "index": args.index,
    }
    return load_settings(root, config=args.config, cli=cli)


def run_config(args) -> int:
    print(describe(_settings(args, repo_root())))
    return EXIT_OK


def _changes(args, root: Path, settings: Settings) -> list[Change]:
    if args.files:
        return [Change("given", Path(os.path.relpath(Path(f).resolve(), root)).as_posix()) for f in args.files]
    return changed_files(root, settings.base or default_base(root))


def _rate(report: Report, settings: Settings) -> tuple[float, str]:
    # exclude_format_elements: the exclusion is not built yet; it judges copy_rate until then.
    if settings.exclude_quotes:
        return report.copy_rate_excluding_quotes, "copy_rate_excluding_quotes"
    return report.copy_rate, "copy_rate"


def check_changes(root: Path, settings: Settings, changes: list[Change], *, progress=None):
    """Check the changed documents; returns (results, verdicts, deleted paths)."""
    documents = [c for c in changes if c.status != "deleted" and is_document(c.path) and not settings.skipped(c.path)]
    deleted = [c.path for c in changes if c.status == "deleted" and is_document(c.path)]
    if not settings.repository and not settings.corpora:
        from dupcheck.gate.config import ConfigError

        raise ConfigError("nothing to check against: repository = false and no corpora")
    repo_docs = repository_documents(root, tracked_files(root), settings.skipped) if settings.repository else None
    index_path = Path(root, settings.index) if settings.index else default_index_path(root)
    results: list[Report | Skipped] = []
    verdicts: dict[str, Verdict] = {}
    if not documents:
        return results, verdicts, deleted
    baseline = Baseline.load(Path(root, settings.accepted))
    from dupcheck.extract import extract_path

    with (
        RepoIndex(root, index_path).open(corpora=settings.corpora, documents=repo_docs, progress=progress) as index,
        contextlib.chdir(root),
    ):
        for change in documents:
            warn, fail = settings.levels_for(change.path)
            try:
                extracted = extract_path(change.path)
            except InputError as exc:
                results.append(Skipped(change.path, exc.reason))
                continue
            report = index.check_text(
                extracted.text,
                path=change.path,
                threshold=fail,
                exclude=[change.path],
                extraction=extracted.method,  # a converted or OCR'd document says so in the gate's report too
                ocr_confidence=extracted.ocr_confidence,
            )
            rate, name = _rate(report, settings)
            level = judge_rate(rate, warn, fail)
            known = {k[0] for k in baseline.findings}
            document = change.old_path if change.old_path and change.path not in known else change.path
            judgement = baseline.judge(report, document=document)
            status = "accepted" if level != "pass" and judgement.all_accepted and judgement.accepted else level
            new = judgement.new if document in known else ()  # only said of a document with accepted findings
            verdicts[change.path] = Verdict(
                status, rate, name, warn, fail, level, judgement.accepted, new, change.status, change.old_path
            )
            results.append(report)
    return results, verdicts, deleted


def accept(root: Path, settings: Settings, results, verdicts: dict[str, Verdict], reason: str) -> dict[str, Verdict]:
    """Record the findings of every document over its warn level; their verdicts become accepted."""
    baseline = Baseline.load(Path(root, settings.accepted))
    out = dict(verdicts)
    for r in results:
        v = verdicts.get(r.path) if isinstance(r, Report) else None
        if v is None or v.level == "pass":
            continue
        baseline.accept(r, reason, replaces=v.old_path)
        judgement = baseline.judge(r)
        out[r.path] = Verdict(
            "accepted", v.rate, v.rate_name, v.warn, v.fail, v.level, judgement.accepted, (), v.change, v.old_path
        )
    baseline.save()
    return out


def render_text(results, verdicts: dict[str, Verdict], deleted: list[str]) -> str:
    lines = []
    for r in results:
        if isinstance(r, Skipped):
            lines.append(f"ERROR     {r.path}: {r.reason}")
            continue
        v = verdicts[r.path]
        top = f"; most from {r.sources[0].title} ({r.sources[0].rate:.1%})" if r.sources else ""
        lines.append(
            f"{v.status.upper():9} {r.path}  {RATE_LABELS[v.rate_name]} {v.rate:.1%} "
            f"(warn {v.warn:.0%}, fail {v.fail:.0%}; {STATUS_LABELS[v.status]}){top}"
        )
        for source in v.new_sources if v.level != "pass" else ():
            lines.append(f"          new or grown since accepted: {source}")
    for path in deleted:
        lines.append(f"deleted   {path}")
    if not lines:
        lines.append("no changed documents to check")
    return "\n".join(lines) + "\n"


def render(fmt: str, results, verdicts, deleted) -> str:
    if fmt == "text":
        return render_text(results, verdicts, deleted)
    if fmt == "json":
        import json

        items = []
        for r in results:
            d = r.to_dict()
            if isinstance(r, Report):
                v = verdicts[r.path]
                d["gate"] = {
                    "status": v.status,
                    "rate": round(v.rate, 6),
                    "rate_name": v.rate_name,
                    "warn": v.warn,
                    "fail": v.fail,
                    "change": v.change,
                    "old_path": v.old_path,
                    "new_sources": list(v.new_sources),
                    "accepted_passages": len(v.accepted),
                }
            items.append(d)
        return json.dumps({"schema": 1, "results": items, "deleted": deleted}, ensure_ascii=False, indent=1) + "\n"
    if fmt == "sarif":
        from dupcheck.render.sarif import render_sarif

        return render_sarif(results, verdicts=verdicts)
    if fmt == "junit":
        from dupcheck.render.junit import render_junit

        return render_junit(results, verdicts=verdicts)
    from dupcheck.render.github import render_github

    return render_github(results, verdicts=verdicts)


def run(args) -> int:
    from dupcheck.errors import ParameterError

    if args.accept and not (args.reason or "").strip():
        raise ParameterError("--accept needs --reason TEXT (why these copies are accepted)")
    root = repo_root()
    settings = _settings(args, root)
    changes = _changes(args, root, settings)
    results, verdicts, deleted = check_changes(root, settings, changes)
    if args.accept:
        verdicts = accept(root, settings, results, verdicts, args.reason.strip())
    text = render(args.format, results, verdicts, deleted)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if args.format == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
        from dupcheck.render.github import render_github

        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as fh:
            fh.write(render_github(results, verdicts=verdicts, summary=True))
    for r in results:
        if isinstance(r, Skipped):
            print(f"dupcheck: {r.path}: {r.reason}", file=sys.stderr)
    if os.environ.get("GITHUB_OUTPUT"):
        statuses = [v.status for v in verdicts.values()]
        with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as fh:
            fh.write(
                f"checked={len(results)}\nfailed={statuses.count('fail')}\nwarned={statuses.count('warn')}\n"
                f"accepted={statuses.count('accepted')}\n"
            )
    if any(v.status == "fail" for v in verdicts.values()):
        return EXIT_OVER
    return EXIT_ERROR if any(isinstance(r, Skipped) for r in results) else EXIT_OK
