"""Regression on the README's examples: corpora/examples/*.txt against the shipped default corpus.

Each example's report is compared with its golden file in tests/golden/examples/: the total copy
rate and every source's rate within 1 point, and every passage matched by one passage of the same
source whose draft and source boundaries are within a few characters (or overlap it by 95%), in both
directions, so a passage that splits, merges, grows over a label or shrinks fails the test.

Regenerate the golden files (and say why in the commit) only after a change that is meant to move
the examples' results — an alignment, crediting or retrieval change measured on the benchmark, or a
new default corpus:

    DUPCHECK_CACHE=$PWD/.cache/dupcheck .venv/bin/python -m tests.test_examples_regression --update

The index of the default corpus is built once per session, into ``DUPCHECK_CACHE`` when it is set
(so a second run reuses it), else into a temporary folder.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from dupcheck.api import Index
from dupcheck.report import Report

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "corpora" / "examples").glob("*.txt"))
GOLDEN = ROOT / "tests" / "golden" / "examples"

RATE_TOLERANCE = 0.01  # 1 point of a rate
BOUNDARY_TOLERANCE = 4  # characters either end of a passage may move
MIN_OVERLAP = 0.95  # or the two passages' intersection over union, on each side


def summary(report: Report) -> dict:
    """What the golden file holds of a report: rates and passages, sources named by path."""
    path_of = {s.id: s.path for s in report.sources}
    return {
        "copy_rate": round(report.copy_rate, 6),
        "sources": [{"path": s.path, "title": s.title, "rate": round(s.rate, 6)} for s in report.sources],
        "passages": [
            {
                "source": path_of[p.source_id],
                "draft_start": p.draft_start,
                "draft_end": p.draft_end,
                "source_start": p.source_start,
                "source_end": p.source_end,
                "draft_text": report.text[p.draft_start : p.draft_end][:24],  # for a reader of the diff
            }
            for p in report.passages
        ],
    }


def _overlap(a0: int, a1: int, b0: int, b1: int) -> float:
    inter = max(0, min(a1, b1) - max(a0, b0))
    union = max(a1, b1) - min(a0, b0)
    return inter / union if union else 1.0


def same_passage(p: dict, q: dict) -> bool:
    """Whether two passages are one: same source, each end within the tolerance or 95% overlap, both sides."""
    if p["source"] != q["source"]:
        return False
    for side in ("draft", "source"):
        p0, p1, q0, q1 = p[f"{side}_start"], p[f"{side}_end"], q[f"{side}_start"], q[f"{side}_end"]
        close = abs(p0 - q0) <= BOUNDARY_TOLERANCE and abs(p1 - q1) <= BOUNDARY_TOLERANCE
        if not close and _overlap(p0, p1, q0, q1) < MIN_OVERLAP:
            return False
    return True


def differences(actual: dict, golden: dict) -> list[str]:
    """Every way ``actual`` departs from ``golden`` beyond the tolerances, as readable lines."""
    out = []
    if abs(actual["copy_rate"] - golden["copy_rate"]) > RATE_TOLERANCE:
        out.append(f"copy rate {actual['copy_rate']:.4f}, golden {golden['copy_rate']:.4f}")
    rates = {s["path"]: s["rate"] for s in actual["sources"]}
    golden_rates = {s["path"]: s["rate"] for s in golden["sources"]}
    for path in sorted(rates.keys() | golden_rates.keys()):
        a, g = rates.get(path, 0.0), golden_rates.get(path, 0.0)
        if abs(a - g) > RATE_TOLERANCE:
            out.append(f"source {path}: rate {a:.4f}, golden {g:.4f}")
    for name, these, those in (("golden", golden, actual), ("reported", actual, golden)):
        for p in these["passages"]:
            if not any(same_passage(p, q) for q in those["passages"]):
                out.append(
                    f"{name} passage draft [{p['draft_start']}, {p['draft_end']}) {p['draft_text']!r}… "
                    f"of {p['source']} [{p['source_start']}, {p['source_end']}) has no counterpart"
                )
    return out


def golden_path(example: Path) -> Path:
    return GOLDEN / f"{example.stem}.json"


@pytest.fixture(scope="module")
def default_index(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        if not os.environ.get("DUPCHECK_CACHE"):
            mp.setenv("DUPCHECK_CACHE", str(tmp_path_factory.mktemp("dupcheck-cache")))
        index = Index.default()
    yield index
    index.close()


def test_every_example_has_a_golden_file():
    assert EXAMPLES, "corpora/examples is empty"
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == [e.stem for e in EXAMPLES]


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_example_matches_its_golden_report(default_index, example):
    golden = json.loads(golden_path(example).read_text(encoding="utf-8"))
    found = differences(summary(default_index.check(example)), golden)
    assert not found, f"{example.name} departs from {golden_path(example).relative_to(ROOT)}:\n" + "\n".join(found)


def test_the_comparison_catches_a_split_passage_and_a_moved_rate():
    golden = {
        "copy_rate": 0.5,
        "sources": [{"path": "a", "title": "A", "rate": 0.5}],
        "passages": [
            {"source": "a", "draft_start": 0, "draft_end": 100, "source_start": 10, "source_end": 110, "draft_text": ""}
        ],
    }
    assert differences(golden, golden) == []
    moved = json.loads(json.dumps(golden))
    moved["passages"][0].update(draft_start=3, source_end=112)
    assert differences(moved, golden) == []
    split = {
        **golden,
        "passages": [
            {**golden["passages"][0], "draft_end": 60, "source_end": 70},
            {**golden["passages"][0], "draft_start": 60, "source_start": 70},
        ],
    }
    assert len(differences(split, golden)) == 3  # the golden passage and both halves lack a counterpart
    assert differences({**golden, "copy_rate": 0.52}, golden) == ["copy rate 0.5200, golden 0.5000"]
    other = {**golden, "sources": [{"path": "b", "title": "B", "rate": 0.5}]}
    assert len(differences(other, golden)) == 2  # a lost 50-point source and a new one


def update() -> None:
    """Write the golden files from the current code and the default corpus."""
    GOLDEN.mkdir(parents=True, exist_ok=True)
    with Index.default() as index:
        for example in EXAMPLES:
            data = summary(index.check(example))
            golden_path(example).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            print(
                f"{golden_path(example).relative_to(ROOT)}: {data['copy_rate']:.4f}, {len(data['passages'])} passages"
            )


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python -m tests.test_examples_regression --update")
    update()


def test_the_counterpart_search_of_many_units_at_once_answers_as_one_at_a_time(default_index):
    """The article map searches every unit no passage reaches in one pass per source; each unit
    must get the answer a search for it alone gives (here over every unit of each example)."""
    from dupcheck.articlemap import _counterparts, _Sources, split_units
    from dupcheck.normalize import nonspace_mask
    from dupcheck.render.common import ReportArticles

    found = 0
    for example in EXAMPLES:
        report = default_index.check(str(example))
        sources = _Sources(report, ReportArticles(report))
        titles = {s.id: (s.title, s.path) for s in report.sources}
        counted = nonspace_mask(report.text)
        alone = [(u, counted[u.body : u.end].copy()) for u in split_units(report.text)[0]]
        together = _counterparts(report, sources, titles, alone)
        for one, got in zip(alone, together, strict=True):
            single = _counterparts(report, _Sources(report, ReportArticles(report)), titles, [one])[0]
            assert (got is None) == (single is None)
            if got is not None and single is not None:
                assert got[0] == single[0] and got[1].tolist() == single[1].tolist()
                found += 1
    assert found >= 10  # the examples restate many provisions: the comparison is not vacuous
