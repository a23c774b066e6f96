"""Format elements (GB/T 9704 layout built from a real law), the article map and the run record;
versions: one law in two versions (全国年节及纪念日放假办法, 2013 and 2024 texts in tests/data),
their dates and status from metadata.csv beside the files or from a .jsonl corpus file, --as-of,
and the report naming one version, not two sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dupcheck.api import Index
from dupcheck.cli import main
from dupcheck.corpus import corpus_items
from dupcheck.default import default_corpus_path
from dupcheck.formatelements import find_format_elements
from dupcheck.runrecord import compare


@pytest.fixture(scope="module")
def law():
    for path, text, title in corpus_items(default_corpus_path()):
        if path.startswith("宪法相关法/城市居民委员会组织法"):
            return path, text, title
    pytest.skip("城市居民委员会组织法 not in the shipped corpus")


HEAD = "000123\n机密★1年\n特急\n石狮市人民政府文件\n石政文〔2023〕12号\n"
ADDRESSEE = "各镇人民政府、街道办事处，市政府各部门：\n"
TAIL = "附件：1．有关说明\n石狮市人民政府\n2023年5月12日\n（此件公开发布）\n抄送：市委办公室，市人大常委会办公室。\n石狮市人民政府办公室  2023年5月12日印发\n— 1 —\n"


def test_elements_by_position_and_a_cited_number_is_not_the_documents_own():
    text = HEAD + "关于做好某项工作的通知\n" + ADDRESSEE + "依据《通知》（国发〔2016〕12号）办理。\n" + TAIL
    kinds = {e.kind: text[e.start : e.end] for e in find_format_elements(text)}
    assert kinds["发文字号"] == "石政文〔2023〕12号"
    assert kinds["主送机关"] == ADDRESSEE.strip()
    assert kinds["成文日期"] == "2023年5月12日" and kinds["附注"] == "（此件公开发布）"
    assert kinds["印发机关和印发日期"].endswith("印发") and kinds["页码"] == "— 1 —"
    assert all("国发" not in text[e.start : e.end] for e in find_format_elements(text))


def test_format_elements_are_kept_out_of_the_rate(law):
    path, text, title = law
    body = text.split("\n", 2)[2]
    parent = HEAD + "关于印发组织法的通知\n" + ADDRESSEE + body + TAIL
    with Index.open(":memory:") as index:
        index.add_texts([(path, parent, title)])
        only_lines = (
            "关于开展社区走访活动的通知\n"
            + ADDRESSEE
            + "今年九月，各社区组织居民代表走访慰问困难家庭，并于月底前报送走访情况。\n"
            + TAIL
        )
        assert index.check_text(only_lines).copy_rate < 0.05
        bare = index.check_text("某市社区工作办法\n" + body)
        dressed = index.check_text(HEAD + "某市社区工作办法\n" + ADDRESSEE + body + TAIL)
        assert abs(bare.copy_rate - dressed.copy_rate) < 0.005 and dressed.format_chars > 50
        kept = index.check_text(HEAD + "某市社区工作办法\n" + ADDRESSEE + body + TAIL, keep_format_elements=True)
        assert kept.total_chars > dressed.total_chars
        amap = bare.article_map
        assert amap.count("copied") >= len(amap.units) * 0.8 and amap.summary.startswith("本办法共")
        assert bare.exact13_rate is not None and bare.run_record.index_documents == 1
        assert compare(bare.to_dict(), index.check_text("某市社区工作办法\n" + body).to_dict()) == []


# ---------------------------------------------------------------------------------------------
# Versions

DATA = Path(__file__).parent / "data"
OLD, NEW = (
    (DATA / "holidays-2013.md").read_text(encoding="utf-8"),
    (DATA / "holidays-2024.md").read_text(encoding="utf-8"),
)
GROUP = "全国年节及纪念日放假办法"
# File names without a date, so effective dates and status can only come from the metadata.
META = [("holidays-a.md", "2014-01-01", "superseded"), ("holidays-b.md", "2025-01-01", "in_force")]

# A local text that copies the 2013 version's holiday list and its 第六条 (星期六、星期日).
DRAFT = (
    "某省年节及纪念日放假实施办法\n"
    + OLD[OLD.index("第二条") : OLD.index("第七条")]
    + "第七条 本办法自发布之日起施行。\n"
)


@pytest.fixture()
def folder(tmp_path):
    root = tmp_path / "laws"
    root.mkdir()
    (root / "holidays-a.md").write_text(OLD, encoding="utf-8")
    (root / "holidays-b.md").write_text(NEW, encoding="utf-8")
    rows = ["path,effective,status,version_of"] + [f"{p},{e},{s},{GROUP}" for p, e, s in META]
    (root / "metadata.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def _draft(tmp_path) -> Path:
    path = tmp_path / "draft.txt"
    path.write_text(DRAFT, encoding="utf-8")
    return path


def test_metadata_csv_the_version_in_force_is_named_and_the_other_not_listed(tmp_path, folder):
    with Index.open(tmp_path / "v.db") as index:
        index.sync(folder)
        report = index.check(_draft(tmp_path))
    assert len(report.sources) == 1  # two versions matched, one source
    (source,) = report.sources
    assert source.path.endswith("holidays-b.md") and (source.effective, source.status) == ("2025-01-01", "in_force")
    assert [Path(p).name for p in source.other_versions] == ["holidays-a.md"]
    # The 2013 text explains the draft better, but the report credits the version in force.
    assert report.copy_rate > 0.7


def test_as_of_counts_only_the_version_in_force_on_that_date(tmp_path, folder):
    with Index.open(tmp_path / "v.db") as index:
        index.sync(folder)
        report = index.check(_draft(tmp_path), as_of="2020-06-01")
        before_both = index.check(_draft(tmp_path), as_of="2000-01-01")
    (source,) = report.sources
    assert source.path.endswith("holidays-a.md") and source.status == "superseded"
    assert source.other_versions == ()  # the 2024 text was not in force: not a candidate at all
    assert report.as_of == "2020-06-01" and report.run_record.as_of == "2020-06-01"
    assert before_both.sources == () and before_both.copy_rate == 0.0  # neither was in force yet
    # The 2013 text copied verbatim, against the 2013 version: nearly all of the draft.
    assert report.copy_rate > 0.9


def test_jsonl_corpus_fields_are_stored_by_dupcheck_index(tmp_path, capsys):
    corpus = tmp_path / "laws.jsonl"
    with open(corpus, "w", encoding="utf-8") as fh:
        for (path, effective, status), text in zip(META, (OLD, NEW), strict=True):
            record = {"path": path, "title": GROUP, "text": text, "effective": effective, "status": status}
            fh.write(json.dumps({**record, "version_of": GROUP}, ensure_ascii=False) + "\n")
    db = tmp_path / "j.db"
    assert main(["index", str(corpus), "--db", str(db), "--quiet"]) == 0
    draft = _draft(tmp_path)
    assert main(["check", str(draft), "--db", str(db), "--format", "json", "--as-of", "2020-06-01"]) in (0, 1)
    (entry,) = json.loads(capsys.readouterr().out)
    (source,) = entry["sources"]
    assert (source["path"], source["effective"], source["status"]) == ("holidays-a.md", "2014-01-01", "superseded")
    assert entry["as_of"] == "2020-06-01"
    assert main(["check", str(draft), "--db", str(db), "--format", "json"]) in (0, 1)
    (entry,) = json.loads(capsys.readouterr().out)
    (source,) = entry["sources"]
    assert (source["path"], source["status"], source["other_versions"]) == (
        "holidays-b.md",
        "in_force",
        ["holidays-a.md"],
    )


# ---------------------------------------------------------------------------------------------
# Article maps counted by hand (tests/golden/articlemap-*.json, texts in tests/data)

GOLDEN = Path(__file__).parent / "golden"
PAIRS = [
    ("articlemap-beijing-assembly.json", "beijing-assembly-law.md", "assembly-law(2009-08-27).md", 0.85),
    ("articlemap-beijing-red-cross.json", "beijing-red-cross-law.md", "red-cross-law(2017-02-24).md", 0.5),
]


@pytest.mark.parametrize(("golden", "draft", "law", "agreement"), PAIRS)
def test_article_map_agrees_with_the_hand_count(golden, draft, law, agreement):
    hand = json.loads((GOLDEN / golden).read_text(encoding="utf-8"))
    with Index.open(":memory:") as index:
        index.add_texts([(law, (DATA / law).read_text(encoding="utf-8"), None)])
        amap = index.check(DATA / draft).article_map
    tool = {u.label: u for u in amap.units}
    assert [u["label"] for u in hand["units"]] == list(tool)  # the same articles, in order
    disagree = {u["label"]: tool[u["label"]].cls for u in hand["units"] if u["class"] != tool[u["label"]].cls}
    # Every disagreement is listed and explained in the golden file, and only those.
    assert disagree == {d["label"]: d["tool"] for d in hand["disagreements"]}
    assert all(d["why"] for d in hand["disagreements"])
    assert 1 - len(disagree) / len(tool) >= agreement
    for u in hand["units"]:  # where both see a counterpart, the tool names the article read
        mapped = tool[u["label"]]
        if u["class"] != "new" and mapped.cls != "new":
            assert u["provisions"][0] in {p.article for p in mapped.provisions}, u["label"]


# ---------------------------------------------------------------------------------------------
# Run record and `dupcheck verify`


@pytest.fixture()
def checked(tmp_path):
    """A folder index of the assembly law, the Beijing text checked against it, its JSON report."""
    laws = tmp_path / "laws"
    laws.mkdir()
    (laws / "assembly-law.md").write_bytes((DATA / "assembly-law(2009-08-27).md").read_bytes())
    db, draft, report = tmp_path / "corpus.db", tmp_path / "draft.md", tmp_path / "report.json"
    draft.write_bytes((DATA / "beijing-assembly-law.md").read_bytes())
    assert main(["index", str(laws), "--db", str(db), "--quiet"]) == 0
    assert main(["check", str(draft), "--db", str(db), "--format", "json", "-o", str(report)]) in (0, 1)
    return laws, db, draft, report


def test_run_record_in_the_json_report(checked):
    _laws, _db, draft, report = checked
    (entry,) = json.loads(report.read_text(encoding="utf-8"))
    record = entry["run_record"]
    import hashlib

    assert record["draft_sha256"] == hashlib.sha256(draft.read_bytes()).hexdigest()
    assert record["draft_bytes"] == draft.stat().st_size and record["index_documents"] == 1
    assert record["index_name"] and len(record["index_digest"]) == 64 and record["scheme"]["k"] > 0
    assert record["checked_at"][-6] in "+-" and record["threshold"] == 0.8  # a time with its zone


def test_verify_says_identical(checked, capsys):
    _laws, db, draft, report = checked
    capsys.readouterr()
    assert main(["verify", str(report), str(draft), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("复核一致：") and "比对库" in out and "1 篇" in out


def test_verify_says_what_changed_in_the_index(checked, capsys):
    laws, db, draft, report = checked
    law = laws / "assembly-law.md"
    text = law.read_text(encoding="utf-8")
    # The law loses its 第二十七条 (the draft's 第十七条 copies it) and a second law joins the index.
    start, end = text.index("第二十七条"), text.index("## 第四章")
    law.write_text(text[:start] + text[end:], encoding="utf-8")
    (laws / "red-cross-law.md").write_bytes((DATA / "red-cross-law(2017-02-24).md").read_bytes())
    assert main(["index", str(laws), "--db", str(db), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["verify", str(report), str(draft), "--db", str(db)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("复核不一致：")
    assert "比对库内容已变化" in out and "（1 篇）→" in out and "（2 篇）" in out
    assert "copy_rate: " in out and "复制片段不同" in out and "条文对照不同" in out


def test_verify_says_when_the_draft_changed(checked, capsys):
    _laws, db, draft, report = checked
    draft.write_text(draft.read_text(encoding="utf-8").replace("首都", "本市"), encoding="utf-8")
    capsys.readouterr()
    assert main(["verify", str(report), str(draft), "--db", str(db)]) == 1
    assert "送审稿内容已变化" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# A policy document (意见) without articles: its units are the numbered paragraphs

POLICY = """某市人民政府关于加强安全生产工作的实施意见

为贯彻落实国家有关安全生产的部署，结合本市实际，提出如下意见。

一、总体要求

（一）指导思想。安全生产工作应当以人为本，坚持人民至上、生命至上，把保护人民生命安全摆在首位，树牢安全发展理念，坚持“安全第一、预防为主、综合治理”的方针，从源头上防范化解重大安全风险。

（二）工作目标。到2025年，全市生产安全事故总量明显下降。

二、重点任务

（三）压实企业主体责任。生产经营单位的主要负责人是本单位安全生产第一责任人，对本单位的安全生产工作全面负责。

1.开展隐患排查。各区每季度组织一次重点行业领域隐患排查。

2.建立举报奖励制度。鼓励群众举报重大事故隐患，经查实的给予奖励。

三、保障措施

各区、各部门要压实安全生产责任，加强重点行业领域安全监管，严格执法检查。
"""


def test_policy_document_units_are_its_numbered_paragraphs():
    from dupcheck.articlemap import split_units
    from tests.reportfixtures import LAW, LAW_TITLE, NOTICE, NOTICE_TITLE

    units, word = split_units(POLICY)
    assert word == "项"
    # Headings (一、总体要求) are not units; 三、 with body text is; the preamble is 第1段.
    assert [u.label for u in units] == ["第1段", "一（一）", "一（二）", "二（三）", "二（三）1", "二（三）2", "三"]
    assert POLICY[units[1].body : units[1].end].startswith("指导思想。安全生产工作")
    assert POLICY[units[-1].start : units[-1].end].startswith("三、保障措施\n\n各区")
    with Index.open(":memory:") as index:
        index.add_texts([("law.txt", LAW, LAW_TITLE), ("notice.txt", NOTICE, NOTICE_TITLE)])
        report = index.check_text(POLICY)
    amap = report.article_map
    assert amap.summary.startswith("本意见共 7 项：")
    by_label = {u.label: u for u in amap.units}
    # 一（一） is the law's 第三条 second paragraph word for word under its own heading 指导思想 (4
    # of 90 characters); 二（三） is the law's 第五条 first sentence (42 characters) under a heading
    # of its own (压实企业主体责任。, 9): 细化; 一（二） and the two numbered tasks are the city's
    # own; 三 repeats the notice's 压实…检查.
    assert by_label["一（一）"].cls == "copied" and by_label["一（一）"].provisions[0].article == "第三条"
    assert by_label["二（三）"].cls == "refined" and by_label["二（三）"].provisions[0].article == "第五条"
    assert {by_label[k].cls for k in ("一（二）", "二（三）1", "二（三）2")} == {"new"}
    assert by_label["三"].cls in ("copied", "refined") and by_label["三"].provisions[0].title == NOTICE_TITLE


# ---------------------------------------------------------------------------------------------
# The JSON form: every field is documented in the README's schema section


def _keys(value, prefix=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield prefix + k
            if k not in ("scheme", "align", "counts"):  # parameter names, listed by the code itself
                yield from _keys(v, prefix + k + ".")
    elif isinstance(value, list) and value:
        yield from _keys(value[0], prefix)


def test_every_json_field_is_documented_in_the_readme():
    from dupcheck.report import SCHEMA_VERSION

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("### JSON schema")
    section = readme[start : readme.index("\n## ", start)]
    assert f"schema {SCHEMA_VERSION})" in section.splitlines()[0] and f'"schema": {SCHEMA_VERSION}' in section
    text = HEAD + (DATA / "beijing-assembly-law.md").read_text(encoding="utf-8") + TAIL
    with Index.open(":memory:") as index:
        index.add_texts([("law.md", (DATA / "assembly-law(2009-08-27).md").read_text(encoding="utf-8"), None)])
        entry = index.check_text(text).to_dict()
    keys = set(_keys(entry))
    assert {"article_map.units.provisions.coverage", "format_elements.elements.kind", "run_record.index_digest"} <= keys
    missing = sorted(
        k for k in keys if f"`{k.rsplit('.', 1)[-1]}`" not in section and f'"{k.rsplit(".", 1)[-1]}"' not in section
    )
    assert missing == []


def test_a_second_version_in_force_that_credit_left_out_is_not_named():
    """Only a superseded credited version makes way for a version in force: two texts of one
    title, neither dated, both in force, are reported as before (the Spark engine agrees)."""
    with Index.open(":memory:") as index:
        index.add_texts([("a.md", OLD, GROUP), ("b.md", OLD + "\n附：说明。", GROUP)])
        report = index.check_text(DRAFT)
    (source,) = report.sources
    assert source.other_versions == () and source.status == "in_force"
