"""The index: incremental updates, atomicity, concurrent readers, scheme checks, bad files."""

from __future__ import annotations

import json
import sqlite3

import pytest

from dupcheck.api import Index
from dupcheck.errors import IndexFormatError, InputError, ParameterError, SchemeMismatchError
from dupcheck.store import Store

LAW_A = "中华人民共和国甲法\n\n第一条 为了规范行政许可的设定和实施，保护公民、法人和其他组织的合法权益，维护公共利益和社会秩序，制定本法。\n第二条 本法所称行政许可，是指行政机关根据公民、法人或者其他组织的申请，经依法审查，准予其从事特定活动的行为。\n"
LAW_B = "中华人民共和国乙法\n\n第一条 为了加强食品安全监督管理，保障公众身体健康和生命安全，制定本条例。\n第二条 食品生产经营者应当依照法律、法规和食品安全标准从事生产经营活动，对社会和公众负责。\n"


def write_corpus(folder):
    folder.mkdir(exist_ok=True)
    (folder / "a.txt").write_text(LAW_A, encoding="utf-8")
    (folder / "b.md").write_text(LAW_B, encoding="gb18030")
    return folder


def test_sync_indexes_only_new_or_changed_and_drops_deleted(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    db = tmp_path / "i.db"
    with Index.open(db) as index:
        first = index.sync(corpus)
        assert sorted(first.added) == sorted([str(corpus / "a.txt"), str(corpus / "b.md")])
        again = index.sync(corpus)
        assert again.added == () and again.updated == () and len(again.unchanged) == 2
        (corpus / "a.txt").write_text(LAW_A + "第三条 本法自公布之日起施行。\n", encoding="utf-8")
        (corpus / "b.md").unlink()
        (corpus / "c.txt").write_text(LAW_B.replace("乙法", "丙法"), encoding="utf-8")
        third = index.sync(corpus)
        assert third.updated == (str(corpus / "a.txt"),)
        assert third.added == (str(corpus / "c.txt"),)
        assert third.removed == (str(corpus / "b.md"),)
        assert sorted(d.title for d in index.documents()) == ["中华人民共和国丙法", "中华人民共和国甲法"]


def test_bad_files_are_skipped_and_listed_the_rest_indexed(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "junk.pdf").write_bytes(b"%PDF-1.4 garbage \x00\x01\x02")
    with Index.open(tmp_path / "i.db") as index:
        result = index.sync(corpus)
        assert len(result.added) == 2
        assert {s.path for s in result.skipped} == {str(corpus / "empty.txt"), str(corpus / "junk.pdf")}
        assert all(s.reason and "\n" not in s.reason for s in result.skipped)


def test_failed_update_leaves_the_index_as_it_was(tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "corpus")
    db = tmp_path / "i.db"
    with Index.open(db) as index:
        index.sync(corpus)
    (corpus / "c.txt").write_text(LAW_B.replace("乙法", "丙法"), encoding="utf-8")
    (corpus / "d.txt").write_text(LAW_B.replace("乙法", "丁法"), encoding="utf-8")
    calls = []
    original = Store.put

    def put_then_fail(self, doc):
        calls.append(doc.path)
        if len(calls) == 2:
            raise KeyboardInterrupt  # interrupted half-way through the write
        return original(self, doc)

    monkeypatch.setattr(Store, "put", put_then_fail)
    with Index.open(db) as index, pytest.raises(KeyboardInterrupt):
        index.sync(corpus)
    monkeypatch.undo()
    with Index.open(db) as index:
        assert len(index.documents()) == 2  # neither c nor d: the whole update rolled back


def test_a_reader_sees_the_old_index_while_a_writer_works(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    db = tmp_path / "i.db"
    with Index.open(db) as index:
        index.sync(corpus)
    writer = Index.open(db)
    reader = Index.open(db)
    with writer.store.transaction():
        writer.add_texts([("new", LAW_B.replace("乙法", "戊法"), "戊法")])
        # The writer holds an open write transaction; the reader still checks against the old index.
        assert len(reader.documents()) == 2
        assert reader.check_text(LAW_A).copy_rate > 0.95
    assert len(reader.documents()) == 3
    writer.close()
    reader.close()


def test_index_built_with_another_scheme_refuses_to_open(tmp_path):
    db = tmp_path / "i.db"
    Index.open(db).close()
    conn = sqlite3.connect(db)
    scheme = json.loads(conn.execute("SELECT value FROM meta WHERE key='scheme'").fetchone()[0])
    scheme["k"] = 13
    conn.execute("UPDATE meta SET value=? WHERE key='scheme'", (json.dumps(scheme),))
    conn.commit()
    conn.close()
    with pytest.raises(SchemeMismatchError, match="k: 索引为 13，本版本为 8"):
        Index.open(db)


def test_not_an_index(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(IndexFormatError, match=r"junk\.db"):
        Index.open(junk)
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(IndexFormatError, match="不是 dupcheck 索引"):
        Index.open(other)
    with pytest.raises(IndexFormatError, match="索引不存在"):
        Index.open(tmp_path / "missing.db", create=False)


def test_check_reports_offsets_on_both_sides(tmp_path):
    with Index.open(":memory:") as index:
        index.add_texts([("a", LAW_A, None), ("b", LAW_B, None)])
        draft = "某市行政许可办法\n\n第一条 本办法依据上位法制定。\n" + LAW_A.split("\n", 2)[2]
        report = index.check_text(draft, threshold=0.5)
        assert report.sources[0].path == "a"
        for p in report.passages:
            source = report.source_texts[p.source_id]
            assert draft[p.draft_start : p.draft_end].strip()
            assert source[p.source_start : p.source_end].strip()
        copied = report.passages[-1]
        assert draft[copied.draft_start : copied.draft_end].startswith("第一条 为了规范行政许可")
        assert copied.kind == "verbatim"
        assert report.flagged == (report.copy_rate >= 0.5)


def test_threshold_is_validated():
    with Index.open(":memory:") as index:
        with pytest.raises(ParameterError, match="80"):
            index.check_text("甲", threshold=80)


def test_check_many_lists_unreadable_drafts_and_goes_on(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(LAW_A, encoding="utf-8")
    with Index.open(":memory:") as index:
        index.add_texts([("a", LAW_A, None)])
        results = index.check_many([tmp_path / "missing.txt", good])
        assert results[0].path == str(tmp_path / "missing.txt") and "不存在" in results[0].reason
        assert results[1].copy_rate > 0.95
        with pytest.raises(InputError):
            index.check(tmp_path / "missing.txt")


def test_readme_python_example_runs(tmp_path, monkeypatch):
    """The README's "From Python" block, run as written against a small folder."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"### From Python\n\n```python\n(.*?)```", readme, re.S).group(1)
    write_corpus(tmp_path / "laws")
    from tests.docgen import make_docx

    make_docx(tmp_path / "draft.docx", LAW_A.split("\n"))
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {})


LOCAL = (
    "泉州市行政许可办法\n\n第一条 为了规范泉州市人民政府及其工作部门行政许可的设定和实施，根据本法第十二条，制定本办法。\n"
    "第二条 本办法所称行政许可，是指泉州市行政机关根据公民、法人或者其他组织的申请，准予其从事特定活动的行为。\n"
)


def test_a_documents_mask_spans_are_stored_and_a_source_is_keyed_without_masking_again(monkeypatch):
    from dupcheck import matchkey
    from dupcheck.matchkey import mask_spans, match_key
    from dupcheck.normalize import normalize

    with Index.open(":memory:") as index:
        index.add_texts([("a", LAW_A, None), ("local", LOCAL, None)], workers=1)
        ids = {d.path: d.id for d in index.documents()}
        stored = index.store.mask_spans(ids["local"])
        assert stored is not None and len(stored) >= 4  # 泉州市人民政府, 泉州市, 十二, 本法
        assert stored.tolist() == mask_spans(normalize(LOCAL, drop_punctuation=True).text).tolist()
        want = match_key(LOCAL)
        monkeypatch.setattr(matchkey, "mask_spans", lambda text: pytest.fail("a stored source was masked again"))
        key = index.source(ids["local"]).key
        assert (key.text, key.starts.tolist(), key.ends.tolist()) == (
            want.text,
            want.starts.tolist(),
            want.ends.tolist(),
        )


def test_an_index_from_before_stored_masks_checks_the_same_and_opens_read_only(tmp_path, monkeypatch):
    """Documents written before migration 3 have no stored spans (masked when read); a read-only
    index without the migration still opens for checking."""
    from dupcheck import store as store_module

    db = tmp_path / "i.db"
    draft = "某县行政许可办法\n\n" + LOCAL.split("\n", 2)[2] + LAW_A.split("\n", 2)[2]

    def report():
        with Index.open(db, create=False) as index:
            r = index.check_text(draft, threshold=0.5)
        return r.copy_rate, [(p.draft_start, p.draft_end, p.source_start, p.source_end) for p in r.passages]

    with Index.open(db) as index:
        index.add_texts([("a", LAW_A, None), ("local", LOCAL, None), ("b", LAW_B, None)], workers=1)
    now = report()
    assert now[0] > 0.9
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE document_masks")
    conn.execute("DELETE FROM migrations WHERE version=3")
    conn.commit()
    conn.close()
    real_access = store_module.os.access
    monkeypatch.setattr(
        store_module.os, "access", lambda p, mode: mode != store_module.os.W_OK and real_access(p, mode)
    )
    assert report() == now  # read-only, without the table
    monkeypatch.undo()
    assert report() == now  # writable: migrated, the old documents without rows
    with Index.open(db) as index:
        assert index.store.mask_spans(next(d.id for d in index.documents() if d.path == "local")) is None


def test_the_audit_keys_documents_from_their_stored_mask_spans(monkeypatch):
    """Neither the short-document screen nor the aligning workers mask a stored document again."""
    from dupcheck import matchkey

    def fail(text):
        pytest.fail("a stored document was masked again")

    with Index.open(":memory:") as index:
        index.add_texts([("a", LAW_A, None), ("local", LOCAL, None), ("b", LAW_B, None)], workers=1)
        want = [(p.path_a, p.path_b, p.rate_ab, p.rate_ba) for p in index.audit(threshold=0.3, workers=1).pairs]
        monkeypatch.setattr(matchkey, "mask_spans", fail)
        got = [(p.path_a, p.path_b, p.rate_ab, p.rate_ba) for p in index.audit(threshold=0.3, workers=1).pairs]
    assert got == want and want
