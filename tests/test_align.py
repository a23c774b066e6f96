import numpy as np

from dupcheck.align import AlignParams, align, maximal_exact_matches
from dupcheck.normalize import codepoints
from dupcheck.segment import match_key

SOURCE = ("第一条为了规范行政许可的设定和实施保护公民法人和其他组织的合法权益维护公共利益和社会秩序保障和监督行政机关有效实施行政管理根据宪法制定本法"
          "第二条本法所称行政许可是指行政机关根据公民法人或者其他组织的申请经依法审查准予其从事特定活动的行为"
          "第三条行政许可的设定和实施适用本法有关行政机关对其他机关或者对其直接管理的事业单位的人事财务外事等事项的审批不适用本法")


def test_mems_hand_computed():
    mems = maximal_exact_matches(codepoints("xxabcdefyy"), codepoints("abcdefzzabc"), 3, 10)
    # "abcdef" at source 0, and its prefix "abc" again at source 8 (another diagonal); longest first
    assert mems.tolist() == [[2, 0, 6], [2, 8, 3]]
    mems = maximal_exact_matches(codepoints("abcabc"), codepoints("zabcz"), 3, 10)
    assert sorted(mems.tolist()) == [[0, 1, 3], [3, 1, 3]]


def test_verbatim_copy_is_one_passage():
    draft = "前言部分与来源无关的文字内容" + SOURCE + "结尾也是与来源毫无关系的原创的文字"
    found = align(draft, SOURCE)
    assert len(found) == 1
    m = found[0]
    assert (m.d0, m.d1, m.s0, m.s1) == (14, 14 + len(SOURCE), 0, len(SOURCE))
    assert m.similarity == 1.0


def test_edits_do_not_break_the_passage():
    edited = SOURCE.replace("行政许可", "行政审批", 2).replace("合法权益", "合法利益").replace("根据宪法", "依据宪法")
    found = align(edited, SOURCE)
    assert len(found) == 1
    assert found[0].d0 == 0 and found[0].d1 == len(edited)
    assert 0.9 < found[0].similarity < 1.0


def test_reordered_articles_become_separate_passages():
    arts = SOURCE.split("第")[1:]
    draft = "第" + arts[2] + "第" + arts[0]
    found = align(draft, SOURCE)
    assert [(m.s0 > 0) for m in found] == [True, False]
    assert sum(m.d1 - m.d0 for m in found) == len(draft)


def test_unrelated_text_finds_nothing():
    other = "第一条为了加强食品安全监督管理保障公众身体健康和生命安全制定本条例第二条食品生产经营者应当依照法律法规和食品安全标准从事生产经营活动"
    assert align(other, SOURCE) == []


def test_short_common_phrase_is_not_a_passage():
    # A shared run shorter than min_matched (boilerplate) is not reported.
    assert align("本条所称的行政机关根据宪法制定本法另有规定", SOURCE, AlignParams(min_matched=16)) == []


def test_issuer_swap_aligns_through_masking():
    parent = match_key("第五条　国务院有关部门应当按照各自职责，负责本法的实施和监督管理工作，并向社会公布。").text
    child = match_key("第七条　市人民政府有关部门应当按照各自职责，负责本法的实施和监督管理工作，并向社会公布。").text
    found = align(child, parent)
    assert len(found) == 1 and found[0].similarity == 1.0
