"""dupcheck — duplication checker for Chinese government documents (公文查重)."""

from dupcheck.errors import DupcheckError, IndexFormatError, InputError, ParameterError, SchemeMismatchError
from dupcheck.report import Passage, Report, Skipped, SourceMatch

__version__ = "0.1.0"


def __getattr__(name: str):
    """``Index`` and ``UpdateResult`` load the pipeline (numpy, scipy) only when first asked for."""
    if name in ("Index", "UpdateResult"):
        from dupcheck import api

        return getattr(api, name)
    raise AttributeError(f"module 'dupcheck' has no attribute {name!r}")


__all__ = [
    "DupcheckError",
    "Index",
    "IndexFormatError",
    "InputError",
    "ParameterError",
    "Passage",
    "Report",
    "SchemeMismatchError",
    "Skipped",
    "SourceMatch",
    "UpdateResult",
]
