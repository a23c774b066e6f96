"""Fuzz targets (hypothesis, bounded: a few hundred examples, well under a minute in all):

- ``extract_bytes`` on any bytes, and on bytes that start like each format, raises only
  :class:`InputError`;
- ``normalize`` keeps its offset map exact on any text;
- ``Index.check_text`` on any ``str`` (lone surrogates, NULs, private-use, astral) returns a
  report whose offsets lie inside the text, or raises a :class:`DupcheckError` — nothing else.

Inputs that once broke one of these are kept in ``regressions/`` and replayed first.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dupcheck.api import Index
from dupcheck.errors import DupcheckError, InputError
from dupcheck.extract import extract_bytes
from dupcheck.normalize import normalize
from tests.test_index import LAW_A, LAW_B

REGRESSIONS = Path(__file__).parent / "regressions"
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)

_PREFIXES = [
    b"",
    b"%PDF-1.4\n",
    b"PK\x03\x04",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"{\\rtf1",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
]
_NAMES = ["a.txt", "a.md", "a.docx", "a.pdf", "a"]


def _regressions(kind: str) -> list:
    path = REGRESSIONS / f"{kind}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def index():
    with Index.open(":memory:") as idx:
        idx.add_texts([("a", LAW_A, "甲法"), ("b", LAW_B, "乙法")])
        yield idx


def _extract_ok(data: bytes, name: str) -> None:
    try:
        out = extract_bytes(data, name)
    except InputError as exc:
        assert exc.reason and "\n" not in exc.reason
        return
    assert isinstance(out.text, str)
    out.text.encode("utf-8")  # no lone surrogates reach later stages


@FUZZ
@given(st.sampled_from(_PREFIXES), st.binary(max_size=2048), st.sampled_from(_NAMES))
def test_extract_bytes_raises_only_input_error(prefix, body, name):
    _extract_ok(prefix + body, name)


@FUZZ
@given(st.text(max_size=400), st.booleans())
def test_normalize_offsets_stay_exact(text, drop):
    n = normalize(text, drop_punctuation=drop)
    assert len(n.text) == len(n.starts) == len(n.ends)
    assert all(0 <= s < e <= len(text) for s, e in zip(n.starts.tolist(), n.ends.tolist()))


_CODE = st.one_of(st.integers(0, 0x10FFFF), st.integers(0xD800, 0xDFFF), st.integers(0x4E00, 0x9FA5))
_ANY_STR = st.lists(_CODE, max_size=300).map(lambda codes: "".join(map(chr, codes)))  # lone surrogates too


@FUZZ
@given(st.one_of(_ANY_STR, st.builds(lambda a, b: a + LAW_A[:300] + b, _ANY_STR, _ANY_STR)))
def test_check_text_raises_only_dupcheck_errors(index, text):
    _check_ok(index, text)


def _check_ok(index, text: str) -> None:
    try:
        report = index.check_text(text)
    except DupcheckError:
        return
    assert 0.0 <= report.copy_rate <= 1.0
    for p in report.passages:
        assert 0 <= p.draft_start < p.draft_end <= len(text)


@pytest.mark.parametrize("case", _regressions("check_text"), ids=lambda c: c["why"][:40])
def test_check_text_regressions(index, case):
    _check_ok(index, case["text"])


@pytest.mark.parametrize("case", _regressions("extract_bytes"), ids=lambda c: c["why"][:40])
def test_extract_regressions(case):
    _extract_ok(bytes.fromhex(case["hex"]), case["name"])


def test_non_str_is_a_parameter_error(index):
    for bad in (None, b"bytes", 42, ["list"]):
        with pytest.raises(DupcheckError):
            index.check_text(bad)
