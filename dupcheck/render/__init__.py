"""Report formats behind one interface, registered by name, all reading the same results.

Every format is a :class:`Format`: a name (what ``--format`` takes), what it renders (``"batch"``:
a sequence of :class:`~dupcheck.report.Report` / :class:`~dupcheck.report.Skipped` in the order
checked; ``"report"``: one report, written one file per draft; ``"audit"``: an
:class:`~dupcheck.audit.AuditResult`), the file suffix, and whether its output is bytes. Call
``get_format(name).render(value, **options)``; the module behind a format is imported on first
use, so printing JSON does not load python-docx, rich or jinja2.

The functions of the built-in formats stay importable by name as well:

- :func:`render_json` — the machine-readable array (``json.py``);
- :func:`render_terminal` — the summary printed by the CLI, on a rich console (``text.py``);
- :func:`render_html` — the self-contained page a filing clerk reads and prints (``html.py``);
- :func:`annotate_docx` — the draft as a Word document, copied passages highlighted and
  commented (``docx.py``).

A new format is one module with one function, and one :func:`register` call below.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from dupcheck.errors import ParameterError

if TYPE_CHECKING:
    from dupcheck.render.docx import annotate_docx
    from dupcheck.render.html import render_html
    from dupcheck.render.json import render_json
    from dupcheck.render.text import render_terminal

Kind = Literal["batch", "report", "audit"]


@dataclass(frozen=True)
class Format:
    """One output format: ``render(value, **options)`` returns ``str`` (``bytes`` if ``binary``)."""

    name: str
    kind: Kind
    suffix: str
    target: str  # "module:function", imported on first use
    description: str
    binary: bool = False

    @property
    def function(self) -> Callable[..., Any]:
        module, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module), attr)

    def render(self, value: Any, **options: Any) -> str | bytes:
        return self.function(value, **options)


_FORMATS: dict[tuple[Kind, str], Format] = {}


def register(fmt: Format) -> Format:
    if (fmt.kind, fmt.name) in _FORMATS:
        raise ValueError(f"{fmt.kind} format {fmt.name!r} is already registered")
    _FORMATS[fmt.kind, fmt.name] = fmt
    return fmt


def formats(kind: Kind) -> list[str]:
    """The names of the registered formats of one kind, in registration order."""
    return [f.name for f in _FORMATS.values() if f.kind == kind]


def get_format(name: str, kind: Kind = "batch") -> Format:
    """The format of this kind called ``name``; a :class:`~dupcheck.errors.ParameterError` names the choices."""
    fmt = _FORMATS.get((kind, name))
    if fmt is None:
        raise ParameterError(f"unknown format {name!r} (choose from {', '.join(formats(kind))})")
    return fmt


register(Format("text", "batch", ".txt", "dupcheck.render.text:render_text", "the terminal report as text"))
register(Format("json", "batch", ".json", "dupcheck.render.json:render_json", "one JSON array, schema in the README"))
register(
    Format(
        "sarif",
        "batch",
        ".sarif",
        "dupcheck.render.sarif:render_sarif",
        "SARIF 2.1.0: each passage a result (code scanning)",
    )
)
register(Format("junit", "batch", ".xml", "dupcheck.render.junit:render_junit", "JUnit XML, a test case per draft"))
register(
    Format(
        "github",
        "batch",
        ".txt",
        "dupcheck.render.github:render_github",
        "GitHub workflow annotations (summary=True: the Markdown job summary)",
    )
)
register(Format("html", "report", ".html", "dupcheck.render.html:render_html", "a self-contained HTML page"))
register(
    Format(
        "docx",
        "report",
        ".dupcheck.docx",
        "dupcheck.render.docx:render_docx",
        "the draft as Word, copied passages highlighted and commented",
        binary=True,
    )
)

for _name, _fn, _what in [
    ("text", "audit_text", "pairs, highest rate first, then the groups"),
    ("json", "audit_json", "pairs and groups as JSON"),
    ("csv", "audit_csv", "one row a pair"),
    ("groups", "groups_text", "the groups of documents that copy each other"),
    ("groups-json", "groups_json", "the groups as JSON"),
    ("groups-csv", "groups_csv", "one row a group member"),
]:
    register(
        Format(
            _name,
            "audit",
            ".csv" if "csv" in _name else ".json" if "json" in _name else ".txt",
            f"dupcheck.render.audit:{_fn}",
            _what,
        )
    )

_MODULES = {
    "annotate_docx": "dupcheck.render.docx",
    "render_html": "dupcheck.render.html",
    "render_json": "dupcheck.render.json",
    "render_terminal": "dupcheck.render.text",
}

__all__ = [
    "Format",
    "annotate_docx",
    "formats",
    "get_format",
    "register",
    "render_html",
    "render_json",
    "render_terminal",
]


def __getattr__(name: str):
    if name in _MODULES:
        value = getattr(importlib.import_module(_MODULES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
