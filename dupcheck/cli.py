"""The ``dupcheck`` command: thin commands over the library API, one call each.

Exit codes (documented in the README):

- 0 — every draft checked and under the threshold (or the command succeeded);
- 1 — at least one draft (or, for ``audit``, one pair) is at or over the threshold;
- 2 — a usage error, a file that could not be read, or an index that could not be opened.
  With several drafts, the readable ones are still checked and reported.

Defaults come from the environment where set: ``DUPCHECK_DB``, ``DUPCHECK_THRESHOLD``.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from dupcheck.errors import DupcheckError, InputError

EXIT_OK, EXIT_OVER, EXIT_ERROR = 0, 1, 2


def _env_threshold(default: float) -> float:
    value = os.environ.get("DUPCHECK_THRESHOLD")
    try:
        return float(value) if value else default
    except ValueError:
        raise DupcheckError(f"DUPCHECK_THRESHOLD must be a number between 0 and 1, got {value!r}") from None


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


@contextmanager
def _progress(description: str, enabled: bool):
    """A rich progress bar on a terminal; nothing when stderr is piped."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=_stderr_console(), transient=True) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _open_index(db: str | None, *, create: bool = False):
    from dupcheck.api import Index

    db = db or os.environ.get("DUPCHECK_DB")
    if db:
        return Index.open(db, create=create)
    with _progress("首次使用，正在建立默认语料库索引 (first use: indexing the default corpus)", True) as progress:
        return Index.default(progress=progress)


def cmd_index(args) -> int:
    from dupcheck.errors import IndexFormatError

    try:
        result, total = _index_into(args.db, args, rebuild=args.rebuild)
    except IndexFormatError:
        if not args.rebuild or not Path(args.db).exists():
            raise
        # The old file cannot be opened (another scheme, not an index): build a new one beside
        # it and rename it over, so an interrupted rebuild still leaves the old file in place.
        target = f"{args.db}.rebuild-{os.getpid()}"
        try:
            result, total = _index_into(target, args, rebuild=False)
            for suffix in ("-wal", "-shm"):
                Path(args.db + suffix).unlink(missing_ok=True)
            os.replace(target, args.db)
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(target + suffix).unlink(missing_ok=True)
    for skipped in result.skipped:
        print(f"skipped: {skipped.path}: {skipped.reason}", file=sys.stderr)
    if not args.quiet:
        print(f"{args.db}: {total} documents; added {len(result.added)}, updated {len(result.updated)}, "
              f"unchanged {len(result.unchanged)}, removed {len(result.removed)}, skipped {len(result.skipped)}",
              file=sys.stderr)
    return EXIT_ERROR if result.skipped and args.strict else EXIT_OK


def _index_into(db: str, args, *, rebuild: bool):
    from dupcheck.api import Index

    with Index.open(db) as index, _progress("indexing", not args.quiet) as progress:
        # One write transaction: with --rebuild, readers see the old documents until the new
        # ones are all in, and an interrupted run leaves the index as it was.
        with index.store.transaction():
            if rebuild:
                index.remove([d.path for d in index.documents()])
            if Path(args.source).suffix in (".jsonl", ".xz", ".gz"):
                from dupcheck.corpus import corpus_items

                result = index.add_texts(corpus_items(args.source), progress=progress, workers=args.workers)
            else:
                result = index.sync(args.source, progress=progress, workers=args.workers)
        return result, len(index)


def _output_path(option: str, draft: str, many: bool, suffix: str) -> Path:
    target = Path(option)
    if many:
        target.mkdir(parents=True, exist_ok=True)
        return target / (Path(draft).stem + suffix)
    return target


def cmd_check(args) -> int:
    from dupcheck.report import Report, Skipped

    threshold = args.threshold if args.threshold is not None else _env_threshold(0.8)
    from dupcheck.api import check_threshold

    check_threshold(threshold)
    with _open_index(args.db) as index:
        results = index.check_many(args.drafts, threshold=threshold)
    many = len(args.drafts) > 1
    if args.format == "json":
        from dupcheck.render import render_json

        _write(render_json(results) + "\n", args.output)
    else:
        from rich.console import Console

        from dupcheck.render import render_terminal

        if args.output:
            with open(args.output, "w", encoding="utf-8") as fh:
                render_terminal(results, Console(file=fh, width=120))
        else:
            render_terminal(results, Console())
    for r in results:
        if isinstance(r, Report):
            if args.html:
                from dupcheck.render import render_html

                _output_path(args.html, r.path, many, ".html").write_text(
                    render_html(r, corpus_name=r.corpus), encoding="utf-8")
            if args.annotate:
                from dupcheck.render import annotate_docx

                annotate_docx(r, _output_path(args.annotate, r.path, many, ".dupcheck.docx"), draft_path=r.path)
    if not many and results and isinstance(results[0], Skipped):
        print(f"dupcheck: {results[0].path}: {results[0].reason}", file=sys.stderr)
    if any(isinstance(r, Report) and r.flagged for r in results):
        return EXIT_OVER
    return EXIT_ERROR if any(isinstance(r, Skipped) for r in results) else EXIT_OK


def cmd_extract(args) -> int:
    from dupcheck.extract import extract_path

    _write(extract_path(args.file).text, args.output)
    return EXIT_OK


def cmd_audit(args) -> int:
    from dupcheck.audit import audit_index, render_audit

    threshold = args.threshold if args.threshold is not None else _env_threshold(0.5)
    if args.source and not args.db:
        from dupcheck.api import Index

        index = Index.open(":memory:", name=str(args.source))
        with _progress("indexing", True) as progress:
            result = index.sync(args.source, progress=progress)
        for skipped in result.skipped:
            print(f"skipped: {skipped.path}: {skipped.reason}", file=sys.stderr)
    elif args.db and not args.source:
        from dupcheck.api import Index

        index = Index.open(args.db, create=False)
    else:
        raise DupcheckError("audit takes a folder or --db INDEX (one of them)")
    with index, _progress("auditing", True) as progress:
        result = audit_index(index, threshold=threshold, progress=progress)
    _write(render_audit(result, args.format), args.output)
    return EXIT_OVER if result.pairs else EXIT_OK


def _write(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="dupcheck", description="Duplication checker for Chinese government documents (公文查重).")
    from dupcheck import __version__

    ap.add_argument("--version", action="version", version=f"dupcheck {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="index every .txt/.md/.docx/.pdf under DIR (only new or changed files)")
    p.add_argument("source", help="a folder of documents, or a corpus file (.jsonl/.jsonl.xz)")
    p.add_argument("--db", required=True, help="the index file (SQLite) to create or update")
    p.add_argument("--rebuild", action="store_true", help="start from an empty index")
    p.add_argument("--workers", type=int, default=None, help="processes for extraction (default: all cores)")
    p.add_argument("--strict", action="store_true", help="exit 2 when any file was skipped")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("check", help="check drafts against an index (default: the shipped corpus)")
    p.add_argument("drafts", nargs="+", help="draft files (.txt/.md/.docx/.pdf)")
    p.add_argument("--db", help="the index file (default: $DUPCHECK_DB, else the shipped default corpus)")
    p.add_argument("--threshold", type=float, default=None, help="flag drafts at or over this copy rate (default 0.8)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--output", "-o", help="write the text/JSON report here instead of stdout")
    p.add_argument("--html", help="write an HTML report (a folder when several drafts)")
    p.add_argument("--annotate", help="write an annotated .docx (a folder when several drafts)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("extract", help="print the plain text that all offsets refer to")
    p.add_argument("file")
    p.add_argument("--output", "-o")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("audit", help="all pairs of documents in a collection that copy each other")
    p.add_argument("source", nargs="?", help="a folder of documents (indexed in memory)")
    p.add_argument("--db", help="an existing index to audit instead of a folder")
    p.add_argument("--threshold", type=float, default=None, help="report pairs at or over this copy rate (default 0.5)")
    p.add_argument("--format", choices=("text", "json", "csv"), default="text")
    p.add_argument("--output", "-o")
    p.set_defaults(func=cmd_audit)

    from dupcheck.web.serve import add_parser as add_serve_parser  # imports no web library until run

    add_serve_parser(sub)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print(f"dupcheck: {exc.path}: {exc.reason}", file=sys.stderr)
        return EXIT_ERROR
    except DupcheckError as exc:
        print(f"dupcheck: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("dupcheck: interrupted (the index is unchanged)", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
