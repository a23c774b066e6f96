"""dupcheck — duplication checker for Chinese government documents (公文查重)."""

from dupcheck.errors import DupcheckError, IndexFormatError, InputError, ParameterError, SchemeMismatchError
from dupcheck.report import Passage, Report, Skipped, SourceMatch

__version__ = "0.1.0"

__all__ = [
    "DupcheckError",
    "IndexFormatError",
    "InputError",
    "ParameterError",
    "SchemeMismatchError",
    "Passage",
    "Report",
    "Skipped",
    "SourceMatch",
]
