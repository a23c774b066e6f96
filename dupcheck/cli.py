"""The ``dupcheck`` command: thin commands over the library API, one call each.

Exit codes (documented in the README); an error is never read as a verdict:

- 0 — every draft checked and under the threshold (or the command succeeded);
- 1 — every draft was read, and at least one (or, for ``audit``, one pair) is at or over the threshold;
- 2 — a usage error (bad option or value, unusable output path) or a draft that could not be read.
  With several drafts the readable ones are still checked and reported, every unreadable one is
  named on stderr, and 2 wins over 1;
- 3 — the index (or the cache folder) cannot be used: missing, not an index, another scheme,
  empty (0 documents: checking would pass every draft), locked by a writer past the wait,
  read-only, disk full, an I/O error;
- 130 / 143 — interrupted (Ctrl-C / SIGTERM); the index is left as it was.

Every message is one line in Chinese; file names that are not valid UTF-8 are printed readably.

Defaults come from the environment where set: ``DUPCHECK_DB``, ``DUPCHECK_THRESHOLD``.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from dupcheck.errors import DupcheckError, EmptyIndexError, InputError, OutputError, ParameterError, StoreError
from dupcheck.safety import Terminated, display

EXIT_OK, EXIT_OVER, EXIT_ERROR, EXIT_INDEX = 0, 1, 2, 3
MAX_WORKERS = 64


def _env_threshold(default: float) -> float:
    value = os.environ.get("DUPCHECK_THRESHOLD")
    try:
        return float(value) if value else default
    except ValueError:
        raise ParameterError(f"DUPCHECK_THRESHOLD 必须是 0 到 1 之间的数，收到的是 {value!r}") from None


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def _bar():
    """The rich progress bar every long step shows on stderr: description, bar, n/total, ETA."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=_stderr_console(),
        transient=True,
    )


@contextmanager
def _progress(description: str, enabled: bool):
    """A rich progress bar on a terminal; nothing when stderr is piped."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    with _bar() as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


class PageProgress:
    """Pages of long PDFs read and OCR'd, on stderr: a rich bar on a terminal, else (``--progress``)
    one plain line per OCR'd page and per tenth of the pages read; nothing when neither."""

    STAGES: ClassVar[dict[str, str]] = {"pages": "读取页面", "ocr": "OCR 识别"}
    MIN_PAGES = 3  # a short document is done before a bar would be worth showing

    def __init__(self, forced: bool, quiet: bool = False) -> None:
        self.tty = sys.stderr.isatty() and not quiet
        self.plain = forced and not self.tty and not quiet
        self.bar: Any = None
        self.task: Any = None

    @property
    def enabled(self) -> bool:
        return self.tty or self.plain

    def __call__(self, path: str, stage: str, done: int, total: int) -> None:
        if total < self.MIN_PAGES and stage != "ocr":
            return
        label = f"{display(os.path.basename(path))} {self.STAGES.get(stage, stage)}"
        if self.plain:
            step = max(1, total // 10)
            if stage == "ocr" or done == total or done % step == 0:
                print(f"dupcheck: {label} {done}/{total} 页", file=sys.stderr, flush=True)
            return
        if self.bar is None:
            self.bar = _bar()
            self.bar.start()
        if self.task is None or self.bar.tasks[-1].description != label:
            self.task = self.bar.add_task(label, total=total)
        self.bar.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


@contextmanager
def _page_progress(forced: bool):
    progress = PageProgress(forced)
    try:
        yield progress if progress.enabled else None
    finally:
        progress.close()


def _open_index(db: str | None, *, create: bool = False):
    from dupcheck.api import Index

    db = db or os.environ.get("DUPCHECK_DB")
    if db:
        index = Index.open(db, create=create)
    else:
        with _progress("首次使用，正在建立默认语料库索引", True) as progress:
            index = Index.default(progress=progress)
    _refuse_empty(index, db or "默认语料库")
    return index


def _refuse_empty(index, name: str) -> None:
    """An index of 0 documents would pass every draft at 0%: refuse (exit 3), never a silent pass."""
    if index.store.document_count() == 0:
        index.close()
        raise EmptyIndexError(
            f"{display(name)}: 索引中没有任何文档（0 篇），查重结果会全部为 0%；"
            "请先用 `dupcheck index 文件夹 --db 索引文件` 建立索引"
        )


def _say_waiting(path: str, timeout: float) -> None:
    print(
        f"dupcheck: 索引 {display(path)} 正被另一个 dupcheck index 写入，等待它结束（最多 {timeout:g} 秒）…",
        file=sys.stderr,
        flush=True,
    )


def cmd_index(args) -> int:
    from dupcheck.api import Index, remove_stale_rebuilds

    remove_stale_rebuilds(args.db)
    with _progress("正在建立索引", not args.quiet) as progress:
        if args.rebuild:
            result = Index.rebuild(args.db, args.source, progress=progress, workers=args.workers, on_wait=_say_waiting)
        else:
            with Index.open(args.db) as index:
                index.store.on_wait = _say_waiting
                result = index.sync(args.source, progress=progress, workers=args.workers)
    for skipped in result.skipped:
        print(f"已跳过: {display(skipped.path)}: {skipped.reason}", file=sys.stderr)
    if not args.quiet:
        for line in format_summary(result):
            print(line, file=sys.stderr)
        with Index.open(args.db, create=False) as index:
            total = len(index)
        print(
            f"{display(args.db)}: 共 {total} 篇文档；新增 {len(result.added)}，更新 {len(result.updated)}，"
            f"未变 {len(result.unchanged)}，删除 {len(result.removed)}，跳过 {len(result.skipped)}",
            file=sys.stderr,
        )
    return EXIT_ERROR if result.skipped and args.strict else EXIT_OK


def format_summary(result) -> list[str]:
    """The per-format lines of ``dupcheck index``: read, converted, OCR'd, skipped (with reasons)."""
    counts = result.by_format()
    if not counts:
        return []
    lines = ["按格式："]
    for suffix, c in counts.items():
        parts = [f"{label} {n}" for label, n in (("读取", c.read), ("转换", c.converted), ("OCR", c.ocr)) if n]
        if c.skipped:
            reasons = "；".join(f"{reason} ×{n}" for reason, n in sorted(c.reasons.items(), key=lambda kv: -kv[1]))
            parts.append(f"跳过 {c.skipped}（{reasons}）")
        lines.append(f"  {suffix or '（无后缀）'}: " + "，".join(parts))
    return lines


def _output_paths(option: str | None, drafts: list[str], suffix: str, flag: str) -> list[Path] | None:
    """Where each draft's report goes; checked before any work. One draft: ``option`` is the file
    (its folder is made), or an existing folder to write into. Several: a folder (made if missing),
    one file per draft with distinct names (draft.html; draft.txt.html and draft.docx.html when
    stems meet; then -2, -3 …): one report never overwrites another."""
    if not option:
        return None
    target = Path(option)
    if len(drafts) == 1 and not target.is_dir():
        if target.exists() and not target.is_file():
            raise OutputError(f"{flag} {display(option)}: 不是普通文件，无法写入报告；请换一个文件名")
        _make_folder(target.parent, flag)
        return [target]
    if target.exists() and not target.is_dir():
        raise OutputError(f"{flag} {display(option)}: 是一个文件；检查多篇草稿时请给一个文件夹（每篇一个报告）")
    _make_folder(target, flag)
    stems = [Path(d).stem for d in drafts]
    names, used = [], set()
    for d, stem in zip(drafts, stems):
        base = stem if stems.count(stem) == 1 else Path(d).name
        name, n = base + suffix, 1
        while name in used:
            n += 1
            name = f"{base}-{n}{suffix}"
        used.add(name)
        names.append(target / name)
    return names


def _make_folder(folder: Path, flag: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"{flag} {display(folder)}: 无法创建文件夹（{exc.strerror or exc}）；请换一个可写的位置"
        ) from None
    if not os.access(folder, os.W_OK):
        raise OutputError(f"{flag} {display(folder)}: 文件夹不可写；请换一个可写的位置")


def _shown(r):
    """The report as renderers get it: file names readable (not valid UTF-8 ones included)."""
    import dataclasses

    sources = tuple(dataclasses.replace(s, path=display(s.path), title=display(s.title)) for s in r.sources)
    return dataclasses.replace(r, path=display(r.path), sources=sources)


def cmd_check(args) -> int:
    if args.engine == "spark":  # many drafts on Apache Spark: dupcheck/spark.py
        from dupcheck.spark import run_check

        return run_check(args)
    from dupcheck.report import Report, Skipped

    threshold = args.threshold if args.threshold is not None else _env_threshold(0.8)
    from dupcheck.api import check_threshold

    check_threshold(threshold)
    html_paths = _output_paths(args.html, args.drafts, ".html", "--html")
    docx_paths = _output_paths(args.annotate, args.drafts, ".dupcheck.docx", "--annotate")
    if args.output:
        _make_folder(Path(args.output).parent, "--output")
    with _open_index(args.db) as index, _page_progress(args.progress) as progress:
        results = index.check_many(
            args.drafts,
            threshold=threshold,
            keep_format_elements=args.keep_format_elements,
            as_of=args.as_of,
            progress=progress,
        )
    shown = [_shown(r) if isinstance(r, Report) else Skipped(display(r.path), r.reason) for r in results]
    if args.format == "text" and not args.output:  # on the terminal: rich decides about colour
        from rich.console import Console

        from dupcheck.render import render_terminal

        render_terminal(shown, Console())
    else:
        from dupcheck.render import get_format

        options = {"width": 120} if args.format == "text" else {}
        rendered = str(get_format(args.format).render(shown, **options))
        _write(rendered if rendered.endswith("\n") else rendered + "\n", args.output)
    for n, (r, s) in enumerate(zip(results, shown)):
        if isinstance(r, Report) and isinstance(s, Report):
            if html_paths:
                from dupcheck.render import render_html

                _write(render_html(s, corpus_name=s.corpus), str(html_paths[n]), flag="--html")
            if docx_paths:
                from dupcheck.render import annotate_docx

                try:
                    annotate_docx(s, docx_paths[n], draft_path=r.path)
                except OSError as exc:
                    raise OutputError(
                        f"--annotate {display(docx_paths[n])}: 无法写入（{exc.strerror or exc}）"
                    ) from None
    for r in results:
        if isinstance(r, Skipped):  # every unreadable draft is named, even beside a flagged one
            print(f"dupcheck: {display(r.path)}: {r.reason}", file=sys.stderr)
    if any(isinstance(r, Skipped) for r in results):
        return EXIT_ERROR  # an error wins over the verdict: not every draft was checked
    return EXIT_OVER if any(r.flagged for r in results) else EXIT_OK


def cmd_extract(args) -> int:
    from dupcheck.extract import extract_path

    name = args.file
    with _page_progress(args.progress) as progress:
        extracted = extract_path(name, progress=None if progress is None else lambda *a: progress(name, *a))
    _write(extracted.text, args.output)
    return EXIT_OK


def cmd_audit(args) -> int:
    if args.engine == "spark":  # on Apache Spark: dupcheck/spark.py
        from dupcheck.spark import run_audit

        return run_audit(args)
    if args.format == "parquet":
        raise ParameterError("--format parquet 需要 --engine spark 与 --out（Parquet 由 Spark 引擎写出）")
    from dupcheck.api import Index, check_threshold
    from dupcheck.render.audit import render_audit

    threshold = check_threshold(args.threshold if args.threshold is not None else _env_threshold(0.5))
    if args.source and not args.db:
        index = Index.open(":memory:", name=str(args.source))
        with _progress("正在建立索引", True) as progress:
            result = index.sync(args.source, progress=progress)
        for skipped in result.skipped:
            print(f"已跳过: {display(skipped.path)}: {skipped.reason}", file=sys.stderr)
    elif args.db and not args.source:
        index = Index.open(args.db, create=False)
        _refuse_empty(index, args.db)
    else:
        raise ParameterError("audit 需要一个文件夹或 --db 索引文件（二者选一）")
    with index, _stage_progress() as progress:
        audit = index.audit(threshold=threshold, progress=progress, workers=args.workers)
    _write(render_audit(audit, args.format), args.output)
    return EXIT_OVER if audit.pairs else EXIT_OK


@contextmanager
def _stage_progress():
    """A rich progress bar per audit stage (names in Chinese) with an ETA, on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("剩余"),
        TimeRemainingColumn(),
        console=_stderr_console(),
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def _write(text: str, output: str | None, flag: str = "--output") -> None:
    if output:
        with _open_output(output, flag) as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")


@contextmanager
def _open_output(output: str, flag: str = "--output"):
    try:
        fh = open(output, "w", encoding="utf-8", errors="backslashreplace")
    except IsADirectoryError:
        raise OutputError(f"{flag} {display(output)}: 是一个文件夹；请给一个文件名") from None
    except OSError as exc:
        raise OutputError(f"{flag} {display(output)}: 无法写入（{exc.strerror or exc}）；请换一个可写的位置") from None
    with fh:
        yield fh


def _workers(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"必须是 1 到 {MAX_WORKERS} 之间的整数，收到的是 {value!r}") from None
    if not 1 <= n <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"必须是 1 到 {MAX_WORKERS} 之间的整数，收到的是 {value!r}")
    return n


def _threshold(value: str) -> float:
    try:
        t = float(value)
    except ValueError:
        t = float("nan")
    if not 0.0 <= t <= 1.0:
        raise argparse.ArgumentTypeError(f"必须在 0 到 1 之间（0.8 表示 80%），收到的是 {value!r}")
    return t


def _nonempty(value: str) -> str:
    if not value.strip():
        raise argparse.ArgumentTypeError("不能为空")
    return value


_ARGPARSE_ZH = [  # argparse's own messages (Python 3.11-3.13 wording), as a clerk reads them
    (r"^argument ([^:]+): ", r"参数 \1："),
    (r"the following arguments are required: ", "缺少必需的参数："),
    (r"unrecognized arguments: ", "无法识别的参数："),
    (r"invalid choice: (.*) \(choose from (.*)\)$", r"无效的取值 \1（可选：\2）"),
    (r"expected one argument", "需要一个取值"),
    (r"expected at least one argument", "至少需要一个取值"),
    (r"ambiguous option: (\S+) could match (.*)$", r"选项 \1 有歧义，可能是 \2"),
    (r"not allowed with argument ", "不能与此参数同时使用："),
    (r"ignored explicit argument ", "多余的取值："),
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, in Chinese, exit 2
        import re

        for pattern, chinese in _ARGPARSE_ZH:
            message = re.sub(pattern, chinese, message)
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"dupcheck: 参数错误：{message}（用 dupcheck --help 查看用法）\n")

    def format_usage(self) -> str:
        return super().format_usage().replace("usage: ", "用法：", 1)


def _add_engine(p, out_help: str) -> None:
    p.add_argument(
        "--engine", choices=("local", "spark"), default="local", help="spark: run on Apache Spark (docs/spark.md)"
    )
    p.add_argument("--spark-master", default="local[*]", help="Spark master URL (default local[*])")
    p.add_argument("--out", help=out_help)


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="dupcheck", description="Duplication checker for Chinese government documents (公文查重).")
    from dupcheck import __version__
    from dupcheck.render import formats

    ap.add_argument("--version", action="version", version=f"dupcheck {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("index", help="index every .txt/.md/.docx/.pdf under DIR (only new or changed files)")
    p.add_argument("source", help="a folder of documents, or a corpus file (.jsonl/.jsonl.xz)")
    p.add_argument("--db", required=True, type=_nonempty, help="the index file (SQLite) to create or update")
    p.add_argument("--rebuild", action="store_true", help="start from an empty index")
    p.add_argument(
        "--workers",
        type=_workers,
        default=None,
        help=f"processes for extraction, 1 to {MAX_WORKERS} (default: all cores, at most 8)",
    )
    p.add_argument("--strict", action="store_true", help="exit 2 when any file was skipped")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("check", help="check drafts against an index (default: the shipped corpus)")
    p.add_argument("drafts", nargs="+", help="draft files (.txt/.md/.docx/.pdf)")
    p.add_argument(
        "--db", type=_nonempty, help="the index file (default: $DUPCHECK_DB, else the shipped default corpus)"
    )
    p.add_argument(
        "--threshold", type=_threshold, default=None, help="flag drafts at or over this copy rate (default 0.8)"
    )
    p.add_argument(
        "--format",
        choices=formats("batch"),
        default="text",
        help="text (the terminal report), json (schema in the README), sarif, junit or github",
    )
    p.add_argument("--output", "-o", help="write the text/JSON report here instead of stdout")
    p.add_argument("--html", help="write an HTML report (a folder when several drafts)")
    p.add_argument("--annotate", help="write an annotated .docx (a folder when several drafts)")
    p.add_argument(
        "--keep-format-elements", action="store_true", help="count 公文格式要素 (版头, 主送, 版记 …) in the rates"
    )
    p.add_argument("--as-of", help="count only sources in force on this date (YYYY-MM-DD)")
    p.add_argument(
        "--progress", action="store_true", help="pages read / OCR'd on stderr even when it is not a terminal"
    )
    _add_engine(p, "a JSON-lines file, one line per draft (with --engine spark)")
    p.set_defaults(func=cmd_check)
    from dupcheck import runrecord

    runrecord.add_parser(sub)

    p = sub.add_parser("extract", help="print the plain text that all offsets refer to")
    p.add_argument("file")
    p.add_argument("--output", "-o")
    p.add_argument(
        "--progress", action="store_true", help="pages read / OCR'd on stderr even when it is not a terminal"
    )
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("audit", help="all pairs of documents in a collection that copy each other")
    p.add_argument("source", nargs="?", help="a folder of documents (indexed in memory)")
    p.add_argument("--db", type=_nonempty, help="an existing index to audit instead of a folder")
    p.add_argument(
        "--threshold", type=_threshold, default=None, help="report pairs at or over this copy rate (default 0.5)"
    )
    p.add_argument(
        "--format",
        choices=[*formats("audit"), "parquet"],
        default="text",
        help="pairs (text/json/csv) or the groups of documents that copy each other (groups, groups-json, groups-csv); parquet needs --engine spark and --out",
    )
    p.add_argument("--output", "-o")
    p.add_argument("--workers", type=_workers, default=None, help="processes for alignment (default: all cores)")
    _add_engine(p, "a folder: pairs/ and groups/ in --format (with --engine spark)")
    p.set_defaults(func=cmd_audit)

    from dupcheck.gate import ci

    ci.add_parser(sub)  # dupcheck ci, dupcheck config
    from dupcheck.web.serve import add_parser as add_serve_parser  # imports no web library until run

    add_serve_parser(sub)
    return ap


def main(argv: list[str] | None = None) -> int:

    from dupcheck.safety import install_sigterm, restore_sigterm

    for stream in (sys.stdout, sys.stderr):  # a name that is not UTF-8 never ends in a traceback
        with _suppress():
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]  # a TextIOWrapper at start-up
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a usage error (2): a code, not an exception
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    install_sigterm()
    try:
        return _run(args)
    finally:
        restore_sigterm()  # a SIGTERM after the work (at shutdown) ends the process, never a traceback


def _run(args) -> int:
    import sqlite3

    from dupcheck.safety import is_disk_full

    try:
        return args.func(args)
    except InputError as exc:
        print(f"dupcheck: {display(exc.path)}: {exc.reason}", file=sys.stderr)
        return EXIT_ERROR
    except StoreError as exc:
        print(f"dupcheck: {exc}", file=sys.stderr)
        return EXIT_INDEX
    except DupcheckError as exc:
        print(f"dupcheck: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("dupcheck: 已中断（索引保持原样）", file=sys.stderr)
        return 130
    except Terminated:
        print("dupcheck: 已终止（索引保持原样）", file=sys.stderr)
        return 143
    except BrokenPipeError:
        return EXIT_OK
    except (OSError, sqlite3.Error) as exc:  # never a traceback, never exit 1
        if is_disk_full(exc):
            where = display(getattr(exc, "filename", None) or "")
            print(f"dupcheck: 磁盘已满{('：' + where) if where else ''}；请腾出磁盘空间后重试", file=sys.stderr)
        else:
            name = getattr(exc, "filename", None)
            print(
                f"dupcheck: 读写失败{('：' + display(name)) if name else ''}（{getattr(exc, 'strerror', None) or exc}）",
                file=sys.stderr,
            )
        return EXIT_INDEX
    except MemoryError:
        print("dupcheck: 内存不足，无法完成（请减少 --workers 或分批处理）", file=sys.stderr)
        return EXIT_INDEX


def _suppress():
    import contextlib

    return contextlib.suppress(Exception)


if __name__ == "__main__":
    raise SystemExit(main())
