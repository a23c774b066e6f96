"""The Spark engine gives the local engine's results on the same input (local[2], one session)."""

from __future__ import annotations

import json
import random
import shutil

import pytest

from dupcheck.api import Index
from dupcheck.errors import DupcheckError

pytestmark = pytest.mark.spark

FORMULA = (
    "违反本条例规定，有关行政机关工作人员在监督管理工作中滥用职权、玩忽职守、徇私舞弊的，"
    "依法给予处分；构成犯罪的，依法追究刑事责任。"
)
PHRASES = [
    "县级以上人民政府",
    "应当加强",
    "监督管理工作",
    "建立健全",
    "相关制度",
    "保障公民合法权益",
    "按照规定",
    "组织实施",
    "有关部门",
    "依法履行职责",
    "促进经济社会发展",
    "统筹协调",
    "开展宣传教育",
    "提高服务水平",
    "落实主体责任",
    "完善考核评价",
    "信息公开",
    "社会监督",
    "农村",
    "城市",
    "环境保护",
    "安全生产",
    "食品药品",
    "教育培训",
    "医疗卫生",
    "交通运输",
    "资金投入",
    "科学规划",
    "合理布局",
    "重点支持",
]


def _law(rnd: random.Random, name: str, articles: int) -> str:
    body = [f"# {name}", ""]
    for n in range(1, articles + 1):
        words = "".join(rnd.choice(PHRASES) + rnd.choice("，、的和及") for _ in range(rnd.randint(8, 16)))
        body.append(f"第{n}条 {words[:-1]}。")
    body.append(f"第{articles + 1}条 {FORMULA}")
    return "\n".join(body) + "\n"


def make_corpus(folder):
    """40 documents: 26 laws (a shared formula in all, more than max_df = 20), 8 partial copies with
    edits, 4 short stubs made mostly of the formula, 2 unrelated; in two sub-folders."""
    rnd = random.Random(11)
    (folder / "a").mkdir(parents=True)
    (folder / "b").mkdir()
    laws = [_law(rnd, f"某某管理条例{n}", rnd.randint(12, 30)) for n in range(26)]
    for n, text in enumerate(laws):
        (folder / ("a" if n % 2 else "b") / f"law{n:02d}.md").write_text(text, encoding="utf-8")
    for n in range(8):
        lines = laws[n].split("\n")
        keep = lines[: max(4, int(len(lines) * (0.4 + 0.07 * n)))]
        text = "\n".join(keep).replace("县级以上人民政府", "市人民政府").replace("应当", "要")
        (folder / f"copy{n}.txt").write_text(text + "\n第九十九条 本办法自公布之日起施行。\n", encoding="utf-8")
    for n in range(4):
        (folder / "a" / f"stub{n}.txt").write_text(
            f"某某办法{n}\n第一条 {FORMULA}\n第二条 本办法由市政府解释。\n", encoding="utf-8"
        )
    for n in range(2):
        (folder / "b" / f"notice{n}.txt").write_text(
            f"关于做好第{n}季度工作的通知\n各区要结合实际，做好春季植树工作。\n", encoding="utf-8"
        )
    return laws


@pytest.fixture(scope="module")
def spark():
    from dupcheck import spark as S

    try:
        S.require_spark()
    except DupcheckError as exc:
        pytest.skip(str(exc))
    session = S.session("local[2]", shuffle_partitions=4)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spark") / "corpus"
    laws = make_corpus(folder)
    return folder, laws


def test_audit_matches_the_local_engine(spark, corpus):
    from dupcheck import spark as S

    folder, _ = corpus
    with Index.open(":memory:") as index:
        index.sync(folder)
        # The Spark engine aligns every candidate: the local engine's exhaustive mode is its twin.
        local = index.audit(threshold=0.5, workers=1, exhaustive=True)
    docs = S.read_documents(spark, str(folder))
    assert docs.count == 40 and docs.skipped == ()
    result = S.audit_result(S.audit(spark, docs, threshold=0.5))
    assert result.candidates == local.candidates
    assert len(local.pairs) >= 12 and local.groups  # copies and stubs found: the test can fail
    assert [(p.a, p.b, p.path_a, p.path_b, p.title_a, p.title_b) for p in result.pairs] == [
        (p.a, p.b, p.path_a, p.path_b, p.title_a, p.title_b) for p in local.pairs
    ]
    for mine, theirs in zip(result.pairs, local.pairs):
        assert mine.rate_ab == pytest.approx(theirs.rate_ab, abs=1e-6)
        assert mine.rate_ba == pytest.approx(theirs.rate_ba, abs=1e-6)
        assert (mine.shared_chars_a, mine.shared_chars_b, mine.longest_passage) == (
            theirs.shared_chars_a,
            theirs.shared_chars_b,
            theirs.longest_passage,
        )
    assert result.groups == local.groups
    # The stubs pair only through the short-document rules (their formula is boilerplate).
    assert any("stub" in p.path_a or "stub" in p.path_b for p in local.pairs)


def test_audit_uses_the_local_audits_boilerplate_cut(spark, tmp_path):
    """A family larger than retrieval's cut of 20: Spark finds every sibling pair as the local
    audit does (with retrieval's cut it would find none)."""
    from dupcheck import spark as S
    from tests.test_audit_cli import family_texts

    items = family_texts()
    jsonl = tmp_path / "family.jsonl"
    jsonl.write_text("".join(json.dumps({"path": p, "text": x}, ensure_ascii=False) + "\n" for p, x, _ in items))
    with Index.open(":memory:") as index:
        index.add_texts(items)
        local = index.audit(threshold=0.4, workers=1, exhaustive=True)
    result = S.audit_result(S.audit(spark, S.read_documents(spark, str(jsonl)), threshold=0.4))
    assert len(local.pairs) == 30 * 29 // 2
    assert result.candidates == local.candidates
    assert [(p.path_a, p.path_b) for p in result.pairs] == [(p.path_a, p.path_b) for p in local.pairs]


def test_jsonl_and_parquet_give_the_documents_add_texts_gives(spark, corpus, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dupcheck import spark as S

    _folder, laws = corpus
    items = [(f"law{n}", text, "题名" if n == 3 else None) for n, text in enumerate(laws[:10])]
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text(
        "".join(json.dumps({"path": p, "title": t, "text": x}, ensure_ascii=False) + "\n\n" for p, x, t in items),
        encoding="utf-8",
    )
    pq.write_table(
        pa.table({"path": [i[0] for i in items], "text": [i[1] for i in items], "title": [i[2] for i in items]}),
        tmp_path / "c.parquet",
    )
    with Index.open(":memory:") as index:
        index.add_texts(items)
        expected = [(d.id, d.path, d.title, index.store.text(d.id)) for d in index.documents()]
    for source in (jsonl, tmp_path / "c.parquet"):
        got = [tuple(r) for r in S.read_documents(spark, str(source)).frame.orderBy("id").collect()]
        assert got == expected, source


def test_check_matches_check_text(spark, corpus, tmp_path):
    from dupcheck import spark as S

    folder, laws = corpus
    db = tmp_path / "i.db"
    with Index.open(db) as index:
        index.sync(folder)
    drafts = []
    for n in (0, 3, 9):
        d = tmp_path / f"draft{n}.txt"
        d.write_text(laws[n][: len(laws[n]) * 2 // 3].replace("有关部门", "相关单位"), encoding="utf-8")
        drafts.append(str(d))
    fresh = tmp_path / "fresh.txt"
    fresh.write_text("关于做好冬季防火工作的通知\n各单位要检查消防设施，确保安全。\n", encoding="utf-8")
    drafts += [str(fresh), str(tmp_path / "missing.docx")]
    got = list(S.check(spark, S.read_documents(spark, str(db)), drafts, threshold=0.5))
    with Index.open(db) as index:
        expected = [r.to_dict() for r in index.check_many(drafts, threshold=0.5)]
    for g, e in zip(got, expected):
        for key in ("checked_at", "run_record"):  # when, and the local index's own record
            g.pop(key, None), e.pop(key, None)
        for source in e.get("sources", ()):  # version metadata is the local index's (docs/spark.md)
            source["effective"], source["status"] = "", ""
        diff = {k: (v, e.get(k)) for k, v in g.items() if g.get(k) != e.get(k)}
        assert not diff, repr(diff)[:3000]
    assert got == expected
    assert got[0]["flagged"] and got[0]["sources"][0]["path"].endswith("law00.md") and "error" in got[4]


def test_max_df_is_the_retrievers():
    import numpy as np

    from dupcheck.fingerprint import Scheme
    from dupcheck.retrieve import Retriever
    from dupcheck.spark import max_df_of

    empty = np.zeros(0, dtype=np.uint32)
    for n in (1, 39, 40, 401, 1234):
        built = Retriever.build(((d, empty, empty, empty) for d in range(n)), Scheme(bigrams=1))
        assert max_df_of(n) == built.max_df


def test_missing_java_is_one_chinese_line(monkeypatch):
    from dupcheck import spark as S

    pytest.importorskip("pyspark")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(DupcheckError, match="未找到 Java"):
        S.require_spark()
