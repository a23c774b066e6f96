"""End-to-end checks on real laws, from the corpus the project ships (no ../shared needed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dupcheck.api import Index
from dupcheck.corpus import read_corpus
from dupcheck.default import default_corpus_path
from tests.docgen import make_docx, make_pdf

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "corpora" / "examples"


@pytest.fixture(scope="session")
def records():
    return {r["title"]: r for r in read_corpus(default_corpus_path())}


@pytest.fixture(scope="session")
def default_index(tmp_path_factory):
    """The full default corpus (1,510 documents), indexed once for the session."""
    import os

    os.environ["DUPCHECK_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    index = Index.default()
    yield index
    index.close()


def articles(text: str) -> list[str]:
    return [line for line in text.split("\n") if re.match(r"第[一二三四五六七八九十百零]+条", line)]


def test_verbatim_copy_scores_at_least_99(default_index, records):
    for title in ("中华人民共和国行政许可法", "中华人民共和国城市居民委员会组织法", "中华人民共和国消防法"):
        report = default_index.check_text(records[title]["text"])
        assert report.copy_rate >= 0.99, title
        assert report.sources[0].title == title


def test_unrelated_law_scores_under_5(tmp_path, records):
    with Index.open(tmp_path / "small.db") as index:
        index.add_texts((r["path"], r["text"], t) for t, r in records.items() if r["category"] == "刑法")
        report = index.check_text(records["中华人民共和国义务教育法"]["text"])
    assert report.copy_rate < 0.05


@pytest.mark.parametrize(
    "example, parent",
    [
        ("shandong-deputies-law.txt", "中华人民共和国全国人民代表大会和地方各级人民代表大会代表法"),
        ("henan-assembly-law.txt", "中华人民共和国集会游行示威法"),
        ("beijing-residents-committees.txt", "中华人民共和国城市居民委员会组织法"),
    ],
)
def test_real_local_regulation_finds_its_national_law_first(default_index, example, parent):
    report = default_index.check(EXAMPLES / example)
    assert report.sources[0].title == parent
    assert report.copy_rate > 0.5
    for p in report.passages:  # every passage maps to exact offsets on both sides
        assert 0 <= p.draft_start < p.draft_end <= len(report.text)
        assert 0 <= p.source_start < p.source_end <= len(report.source_texts[p.source_id])


SWAPS = [("国务院", "市人民政府"), ("全国", "全市"), ("国家", "本市"), ("省、自治区、直辖市", "本市")]


def swapped_draft(records, share: float) -> tuple[str, float]:
    """A draft copying ``share`` of its characters from a law with the issuer swapped, rest original.

    The original part comes from a local regulation that implements no national law (local
    regulations are not in the default corpus; this one shares only ≈5% legal formulas with it).
    Returns the draft and its true copy rate.
    """
    parent = articles(records["中华人民共和国行政许可法"]["text"])
    own = articles((EXAMPLES / "beijing-school-safety.txt").read_text(encoding="utf-8"))
    own_chars = sum(len(re.sub(r"\s", "", a)) for a in own[:12])
    copied, copied_chars = [], 0
    for art in parent[5:]:
        for old, new in SWAPS:
            art = art.replace(old, new)
        copied.append(art)
        copied_chars += len(re.sub(r"\s", "", art))
        if copied_chars / (copied_chars + own_chars) >= share:
            break
    paragraphs = []
    for i in range(max(len(copied), 12)):  # interleave runs: 3 copied articles, then 2 own ones
        paragraphs += copied[3 * i : 3 * i + 3] + own[2 * i : 2 * i + 2] if 2 * i < 12 else copied[3 * i : 3 * i + 3]
    text = "\n".join(p for p in paragraphs if p)
    return text, copied_chars / (copied_chars + own_chars)


def test_issuer_swapped_copy_scores_within_3_points(default_index, records):
    draft, truth = swapped_draft(records, 0.6)
    assert 0.58 < truth < 0.65
    report = default_index.check_text(draft)
    assert abs(report.copy_rate - truth) <= 0.03, (report.copy_rate, truth)
    assert report.sources[0].title == "中华人民共和国行政许可法"


def test_same_draft_as_txt_docx_pdf_scores_alike(default_index, records, tmp_path):
    draft, _ = swapped_draft(records, 0.6)
    txt = tmp_path / "draft.txt"
    txt.write_text(draft, encoding="utf-8")
    docx = make_docx(tmp_path / "draft.docx", draft.split("\n"))
    pdf = make_pdf(tmp_path / "draft.pdf", draft)
    rates = [default_index.check(p).copy_rate for p in (txt, docx, pdf)]
    assert max(rates) - min(rates) <= 0.01, rates


def test_traditional_draft_scores_like_simplified(default_index, records):
    import opencc

    draft, _ = swapped_draft(records, 0.6)
    simplified = default_index.check_text(draft).copy_rate
    traditional = default_index.check_text(opencc.OpenCC("s2t").convert(draft)).copy_rate
    assert abs(simplified - traditional) <= 0.01
