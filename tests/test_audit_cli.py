"""The CLI (exit codes, one-line errors, JSON schema) and the batch audit."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dupcheck.api import Index
from dupcheck.cli import main
from dupcheck.render.audit import render_audit
from tests.test_index import LAW_A, LAW_B, write_corpus


@pytest.fixture()
def db(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    path = str(tmp_path / "i.db")
    assert main(["index", str(corpus), "--db", path, "-q"]) == 0
    return path


def test_check_exit_codes_and_json(db, tmp_path, capsys):
    copy = tmp_path / "copy.txt"
    copy.write_text(LAW_A, encoding="utf-8")
    own = tmp_path / "own.txt"
    own.write_text("某市关于加强城市绿化的通知\n\n各区要结合实际，做好春季植树工作，确保成活率。", encoding="utf-8")
    assert main(["check", str(own), "--db", db]) == 0
    capsys.readouterr()
    assert main(["check", str(copy), str(own), "--db", db, "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert [d["path"] for d in out] == [str(copy), str(own)]
    first = out[0]
    assert first["flagged"] is True and first["copy_rate"] > 0.95
    assert set(first) >= {
        "path",
        "total_chars",
        "copied_chars",
        "copy_rate",
        "copy_rate_excluding_quotes",
        "max_source_rate",
        "threshold",
        "flagged",
        "sources",
        "passages",
    }
    p = first["passages"][0]
    assert set(p) >= {"draft_start", "draft_end", "source_id", "source_start", "source_end", "similarity", "kind"}
    assert LAW_A[p["draft_start"] : p["draft_end"]].strip()


def test_unreadable_draft_is_one_line_and_exit_2(db, tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.docx"), "--db", db]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope.docx" in err[0]


def test_several_drafts_go_on_past_a_bad_one(db, tmp_path, capsys):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\n%%EOF garbage")
    copy = tmp_path / "copy.txt"
    copy.write_text(LAW_A, encoding="utf-8")
    assert main(["check", str(bad), str(copy), "--db", db, "--format", "json"]) == 2  # the unreadable one is not hidden
    out = json.loads(capsys.readouterr().out)
    assert "error" in out[0] and out[0]["path"] == str(bad)
    assert out[1]["copy_rate"] > 0.95


def test_bad_threshold_is_a_usage_error(db, tmp_path, capsys):
    copy = tmp_path / "copy.txt"
    copy.write_text(LAW_A, encoding="utf-8")
    assert main(["check", str(copy), "--db", db, "--threshold", "80"]) == 2
    assert "80" in capsys.readouterr().err


def test_extract_prints_the_text_offsets_refer_to(tmp_path, capsys):
    f = tmp_path / "gbk.txt"
    f.write_bytes(LAW_B.replace("\n", "\r\n").encode("gb18030"))
    assert main(["extract", str(f)]) == 0
    assert capsys.readouterr().out == LAW_B


def test_module_runs_as_a_program(tmp_path):
    out = subprocess.run([sys.executable, "-m", "dupcheck.cli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and "dupcheck" in out.stdout


def test_audit_finds_copied_pairs_and_groups(tmp_path):
    with Index.open(":memory:") as index:
        index.add_texts(
            [
                ("a", LAW_A, "甲法"),
                ("a-copy", LAW_A.replace("国务院", "市人民政府") + "第三条 本办法自公布之日起施行。", "甲法实施办法"),
                ("b", LAW_B, "乙法"),
                ("b-copy", "乙法细则\n\n" + LAW_B.split("\n", 2)[2], "乙法细则"),
                ("other", "某市关于加强城市绿化的通知\n\n各区要结合实际，做好春季植树工作，确保成活率。", "通知"),
            ]
        )
        result = index.audit(threshold=0.5, workers=1)
    pairs = {frozenset((p.path_a, p.path_b)) for p in result.pairs}
    assert pairs == {frozenset(("a", "a-copy")), frozenset(("b", "b-copy"))}
    assert len(result.groups) == 2
    assert all(p.rate >= 0.5 and p.longest_passage > 0 for p in result.pairs)
    text = render_audit(result, "text")
    assert "甲法实施办法" in text
    csv_lines = render_audit(result, "csv").strip().splitlines()
    assert len(csv_lines) == 3
    assert json.loads(render_audit(result, "json"))["pairs"][0]["rate_ab"] > 0.5


def test_audit_cli_exit_code(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "a2.txt").write_text(LAW_A, encoding="utf-8")
    assert main(["audit", str(corpus), "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert len(out["pairs"]) == 1


def test_audit_finds_a_stub_made_of_boilerplate():
    """A short text of stock provisions shares only fingerprints that are too common to vote;
    the audit still compares it on all its fingerprints."""
    import random

    formula = (
        "第五十条 违反本条例规定，有关行政机关工作人员在监督管理工作中滥用职权、玩忽职守、徇私舞弊的，"
        "依法给予处分；构成犯罪的，依法追究刑事责任。"
    )
    rnd = random.Random(7)
    alphabet = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥天地玄黄宇宙洪荒日月盈昃辰宿列张"
    items = []
    for n in range(30):
        own = "".join(rnd.choice(alphabet) for _ in range(600))
        items.append((f"law{n}", f"第一条 {own}\n{formula}", None))
    items.append(("stub", f"某条例\n{formula}", "stub"))
    with Index.open(":memory:") as index:
        index.add_texts(items)
        result = index.audit(threshold=0.5, workers=1)
    stub_pairs = [p for p in result.pairs if "stub" in (p.path_a, p.path_b)]
    assert len(stub_pairs) == 30


def family_texts(n: int = 30) -> list[tuple[str, str, None]]:
    """``n`` siblings sharing 45% of their text (ten articles) and nothing else."""
    import random

    rnd = random.Random(5)
    alphabet = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]

    def words(k):
        return "".join(rnd.choice(alphabet) for _ in range(k))

    core = "\n".join(f"第{a}条 {words(98)}。" for a in range(1, 11))
    own = ("\n".join(f"{words(118)}。" for _ in range(10)) for _ in range(n))
    return [(f"sibling{k:02d}", f"第一编\n{core}\n{text}", None) for k, text in enumerate(own)]


def test_a_family_larger_than_retrievals_boilerplate_cut_is_still_compared():
    """30 siblings: their shared fingerprints are in 30 documents, more than retrieval's cut (20)
    but not the audit's (100), so every sibling pair becomes a candidate and is found at 0.4."""
    from dupcheck.audit import audit_max_df

    with Index.open(":memory:") as index:
        index.add_texts(family_texts())
        assert index.retriever().max_df == 20 < 30 <= audit_max_df(len(index))
        result = index.audit(threshold=0.4, workers=1)
    assert len(result.pairs) == 30 * 29 // 2
    assert len(result.groups) == 1 and len(result.groups[0]) == 30
    assert all(0.4 <= p.rate_ab < 0.5 for p in result.pairs)


def test_short_document_pairs_hand_computed():
    import numpy as np

    from dupcheck.audit import short_document_pairs

    def screen(*values):  # k-gram hashes keep their top 48 bits; the low 16 carry the row
        return np.array(sorted(v << 16 for v in values), dtype=np.uint64)

    screens = [screen(1, 2, 3, 4), screen(1, 2, 9, 10, 11, 12), screen(3, 20, 21), screen(30, 31)]
    # row 0 is short: half of its k-grams are in row 1, a quarter in row 2, none in row 3
    pairs, share = short_document_pairs(screens, np.array([0]), min_share=0.5)
    assert pairs.tolist() == [[0, 1]] and share.tolist() == [0.5]
    pairs, share = short_document_pairs(screens, np.array([0]), min_share=0.25)
    assert pairs.tolist() == [[0, 1], [0, 2]] and share.tolist() == [0.5, 0.25]
    # rows 0 and 2 both short: the pair once, with the larger share (row 2's 1 of 3, row 0's 1 of 4)
    pairs, share = short_document_pairs(screens, np.array([0, 2]), min_share=0.25)
    assert pairs.tolist() == [[0, 1], [0, 2]] and share.tolist() == [0.5, 1 / 3]
    assert short_document_pairs(screens, np.array([3]), min_share=0.1)[0].tolist() == []


def test_index_rebuild_replaces_documents_in_one_step(tmp_path, capsys):
    import sqlite3

    corpus = write_corpus(tmp_path / "corpus")
    db = str(tmp_path / "i.db")
    assert main(["index", str(corpus), "--db", db, "-q"]) == 0
    (corpus / "b.md").unlink()
    assert main(["index", str(corpus), "--db", db, "--rebuild"]) == 0
    assert "新增 1" in capsys.readouterr().err
    with Index.open(db) as index:
        assert [d.path for d in index.documents()] == [str(corpus / "a.txt")]
    # An index of another scheme cannot be opened; --rebuild replaces it.
    conn = sqlite3.connect(db)
    conn.execute("UPDATE meta SET value='{}' WHERE key='scheme'")
    conn.commit()
    conn.close()
    assert main(["index", str(corpus), "--db", db, "-q"]) == 3  # an index that cannot be used
    assert "--rebuild" in capsys.readouterr().err
    assert main(["index", str(corpus), "--db", db, "-q", "--rebuild"]) == 0
    with Index.open(db) as index:
        assert len(index.documents()) == 1


def test_every_cli_command_is_documented_in_the_readme():
    from pathlib import Path

    from dupcheck.cli import build_parser

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    commands = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices
    for name in commands:
        assert f"dupcheck {name}" in readme, name
