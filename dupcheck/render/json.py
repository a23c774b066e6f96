"""The machine-readable report: one JSON array, one object per draft, in the order checked.

Each object is :meth:`Report.to_dict` or :meth:`Skipped.to_dict` (the schema is documented in
the README); Chinese is written as is (``ensure_ascii=False``), not as ``\\uXXXX`` escapes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from dupcheck.report import Report, Skipped


def render_json(results: Sequence[Report | Skipped]) -> str:
    """The JSON array of ``results``, indented by two spaces, without a trailing newline."""
    return json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2)
