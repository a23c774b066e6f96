"""Format elements (GB/T 9704 layout built from a real law), the article map and the run record."""

from __future__ import annotations

import pytest

from dupcheck.api import Index
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
