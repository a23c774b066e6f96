"""Report formats, one module each, all reading the same :class:`~dupcheck.report.Report`.

- :func:`render_json` — the machine-readable array (``json.py``);
- :func:`render_terminal` — the summary printed by the CLI (``text.py``, rich);
- :func:`render_html` — the self-contained page a filing clerk reads and prints (``html.py``);
- :func:`annotate_docx` — the draft as a Word document, copied passages highlighted and
  commented (``docx.py``).

Each is imported on first use, so printing JSON does not load python-docx, rich or jinja2.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dupcheck.render.docx import annotate_docx
    from dupcheck.render.html import render_html
    from dupcheck.render.json import render_json
    from dupcheck.render.text import render_terminal

_MODULES = {
    "annotate_docx": "dupcheck.render.docx",
    "render_html": "dupcheck.render.html",
    "render_json": "dupcheck.render.json",
    "render_terminal": "dupcheck.render.text",
}

__all__ = ["annotate_docx", "render_html", "render_json", "render_terminal"]


def __getattr__(name: str):
    if name in _MODULES:
        value = getattr(importlib.import_module(_MODULES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
