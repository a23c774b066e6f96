from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dupcheck.align import AlignParams, SeedTable, align, maximal_exact_matches, undominated
from dupcheck.matchkey import match_key
from dupcheck.normalize import codepoints

SOURCE = (
    "第一条为了规范行政许可的设定和实施保护公民法人和其他组织的合法权益维护公共利益和社会秩序保障和监督行政机关有效实施行政管理根据宪法制定本法"
    "第二条本法所称行政许可是指行政机关根据公民法人或者其他组织的申请经依法审查准予其从事特定活动的行为"
    "第三条行政许可的设定和实施适用本法有关行政机关对其他机关或者对其直接管理的事业单位的人事财务外事等事项的审批不适用本法"
)


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
    assert (m.draft_start, m.draft_end, m.source_start, m.source_end) == (14, 14 + len(SOURCE), 0, len(SOURCE))
    assert m.similarity == 1.0


def test_edits_do_not_break_the_passage():
    edited = SOURCE.replace("行政许可", "行政审批", 2).replace("合法权益", "合法利益").replace("根据宪法", "依据宪法")
    found = align(edited, SOURCE)
    assert len(found) == 1
    assert found[0].draft_start == 0 and found[0].draft_end == len(edited)
    assert 0.9 < found[0].similarity < 1.0


def test_reordered_articles_become_separate_passages():
    arts = SOURCE.split("第")[1:]
    draft = "第" + arts[2] + "第" + arts[0]
    found = align(draft, SOURCE)
    assert [(m.source_start > 0) for m in found] == [True, False]
    assert sum(m.draft_end - m.draft_start for m in found) == len(draft)


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


# Two regulations of one field often restate a provision in their own words: the 资源税 rule
# below shares three runs of 8, 6 and 9 characters with the 增值税 one, in step, at a similarity
# of 0.84. That is reused wording, not a copy; a copy with 10% of its characters edited keeps a
# similarity of about 0.93 (1 - 2/3 of the edit rate), which is what the rule without a long
# anchor asks for (>= 0.85).
VAT = match_key(
    "第十九条 增值税纳税义务发生时间：（一）发生应税销售行为，为收讫销售款项或者取得索取销售款项凭据的当天；"
    "先开具发票的，为开具发票的当天。"
).text
RESOURCE_TAX = match_key(
    "第十条 纳税人销售应税产品，纳税义务发生时间为收讫销售款或者取得索取销售款凭据的当天；"
    "自用应税产品的，纳税义务发生时间为移送应税产品的当天。"
).text


def test_reworded_provision_of_a_related_regulation_is_not_a_passage():
    relaxed = align(RESOURCE_TAX, VAT, AlignParams(min_seeded_similarity=0.75))
    assert len(relaxed) == 1 and 0.75 <= relaxed[0].similarity < 0.85  # the case the rule is for
    assert align(RESOURCE_TAX, VAT) == []


def test_dense_edits_without_a_long_exact_run_are_found():
    # one character in nine replaced: no exact run reaches min_anchor, similarity ≈ 0.89
    edited = "".join("某" if i % 9 == 4 else ch for i, ch in enumerate(SOURCE))
    runs = maximal_exact_matches(codepoints(edited), codepoints(SOURCE), 6, 16)
    assert runs[:, 2].max() < AlignParams().min_anchor
    found = align(edited, SOURCE)
    assert len(found) == 1 and found[0].draft_end - found[0].draft_start >= 0.95 * len(SOURCE)
    assert 0.85 <= found[0].similarity < 0.95


def test_a_phrase_the_source_repeats_is_credited_where_the_longer_match_is():
    # 卫星地面接收设施…的管理 is in the source's 第一条 and 第三条. The draft copies 第一条 and then
    # 第四条: the repeat in 第三条 chains on into 第四条, but the longer exact match says the
    # draft's first article is the source's 第一条.
    source = match_key(
        "第一条 为了加强对卫星地面接收设施接收外国卫星传送的电视节目的管理，保障对外经济、科技和文化交流，"
        "促进社会主义物质文明和精神文明建设，制定本办法。\n"
        "第二条 本办法所称卫星地面接收设施，是指接收卫星传送电视节目的天线、高频头、接收机及编码、解码器等设施。\n"
        "第三条 国务院广播电视行政部门负责全国卫星地面接收设施接收外国卫星传送的电视节目的管理工作。\n"
        "第四条 教育、科研、新闻、金融、经贸以及其他确因业务工作需要的单位，可以按照本办法的规定，"
        "申请利用已有的卫星地面接收设施或者设置专门的卫星地面接收设施接收外国卫星传送的电视节目。"
    ).text
    draft = match_key(
        "第一条 为了加强对卫星地面接收设施接收外国卫星传送的电视节目的管理，保障对外经济、科技和文化交流，"
        "促进社会主义物质文明和精神文明建设，制定本办法。\n"
        "第二条 教育、科研、新闻、金融、经贸以及其他确因业务工作需要的单位，可以按照本办法的规定，"
        "申请利用已有的卫星地面接收设施或者设置专门的卫星地面接收设施接收外国卫星传送的电视节目。"
    ).text
    found = align(draft, source)
    first_article = draft.index("教育")
    assert sum(m.draft_end - m.draft_start for m in found) >= len(draft) - 2
    for m in found:
        if m.draft_start < first_article - 10:
            assert m.source_start < 4 and m.draft_end <= first_article  # the source's own 第一条, not its 第三条


def test_undominated_matches_a_brute_force_reference():
    rng = np.random.default_rng(5)
    for _ in range(2000):
        mems = np.stack([rng.integers(0, 10, 8), rng.integers(0, 30, 8), rng.integers(6, 12, 8)], axis=1)[
            : rng.integers(0, 9)
        ]
        expect = [not any(m2 > m and a2 <= a and a2 + m2 >= a + m for a2, _, m2 in mems) for a, _, m in mems]
        assert undominated(mems).tolist() == expect


def test_the_next_articles_label_is_not_evidence_for_the_passage_before_it():
    # The draft copies 第六条 and then 第一条; in the source 第六条 is followed by 第七条 海关关衔…,
    # so the masked label 第X条 and 海关关衔 match on past the end of the copied article. That
    # chance run must not take the draft's next article from the chain that explains it.
    source = match_key(
        "第一条 根据《中华人民共和国海关关衔条例》的规定，制定本办法。\n"
        "第六条 海关工作人员晋升或者降低关衔的，由批准机关更换其关衔标志；取消或者不予保留关衔的，由批准机关收回其关衔标志。\n"
        "第七条 海关关衔标志式样由海关总署规定。"
    ).text
    draft = match_key(
        "第一条 海关工作人员晋升或者降低关衔的，由批准机关更换其关衔标志；取消或者不予保留关衔的，由批准机关收回其关衔标志。\n"
        "第二条 根据《中华人民共和国海关关衔条例》的规定，制定本办法。"
    ).text
    found = align(draft, source)
    second = draft.index("根据")
    assert [(m.source_start < 5, m.draft_start >= second - 3) for m in found] == [(False, False), (True, True)]
    assert found[1].draft_end == len(draft) and found[0].draft_end <= second - 3


def test_a_long_inserted_sentence_leaves_one_passage_but_an_inserted_article_does_not():
    article = (
        "第三条 行政许可的设定和实施，应当依照法定的权限、范围、条件和程序。有关行政机关对其他机关或者对其直接管理的"
        "事业单位的人事、财务、外事等事项的审批，不适用本法。行政机关应当将行政许可的事项、依据、条件、数量、程序、"
        "期限以及需要提交的全部材料的目录和申请书示范文本等在办公场所公示。"
    )
    source = match_key(article + "\n第四条 设定和实施行政许可，应当遵循公开、公平、公正、非歧视的原则。").text
    sentence = (
        "申请人可以委托代理人提出行政许可申请，但是依法应当由申请人到行政机关办公场所提出行政许可申请的除外，"
        "代理人应当出具授权委托书，并载明委托事项、权限和期限以及联系方式。"
    )
    cut = article.index("有关")
    inserted = match_key(article[:cut] + sentence + article[cut:]).text
    assert len(match_key(sentence).text) > AlignParams().max_gap  # longer than a chain bridges
    found = align(inserted, source)
    assert len(found) == 1 and (found[0].draft_start, found[0].draft_end) == (0, len(inserted))
    assert len(align(inserted, source, AlignParams(max_bridge=0))) == 2
    other = "第九条 " + sentence
    between = match_key(article[:cut] + "\n" + other + "\n" + article[cut:]).text
    assert len(align(between, source)) == 2  # another article sits between the halves


def test_a_phrase_both_texts_repeat_does_not_chain_across_what_lies_between():
    # Each text has 属于国家秘密的文件、资料和其他物品 twice, with unrelated words between: MEMs of
    # that phrase at both places chain out of step into a "passage" whose only evidence is the
    # phrase (北京市实施《保守国家秘密法》若干规定 against 出境入境边防检查条例, similarity 0.67).
    draft = match_key(
        "（一）发现属于国家秘密的文件、资料和其他物品，应当及时送交有关机关、单位或者保密工作部门；"
        "（二）发现出售、收买属于国家秘密的文件、资料和其他物品的，应当及时报告。"
    ).text
    source = match_key(
        "出境的人员不得非法携带属于国家秘密的文件、资料和其他物品出境；"
        "非法携带属于国家秘密的文件、资料和其他物品的，依法处理。"
    ).text
    found = align(draft, source)
    assert found and all(m.draft_end - m.draft_start <= 20 and m.similarity == 1.0 for m in found)
    # in step (a copy whose words between the two places were replaced), the chain stands
    copy = source.replace("出境非法携带", "出国非法带有")
    assert [(m.draft_start, m.draft_end) for m in align(copy, source)] == [(0, len(copy))]


def test_two_sentences_that_start_alike_still_chain_across_an_insertion():
    article = (
        "第三十一条 国家安全机关工作人员在反间谍工作中采取查阅、调取、传唤、检查等措施，应当由二人以上进行。"
        "国家安全机关依法采取技术侦察措施，应当严格按照批准的措施种类和适用对象执行。"
    )
    source = match_key(article).text
    cut = article.index("国家安全机关依法")
    draft = match_key(article[:cut] + "有关单位和个人应当如实提供情况，不得拒绝或者隐瞒。" + article[cut:]).text
    found = align(draft, source)
    assert [(m.draft_start, m.draft_end) for m in found] == [(0, len(draft))]


def test_a_passage_does_not_end_mid_label():
    # The draft's next article 第十九条 against the source's next heading 第二章: both read 第\ue001
    # in the key, then differ. Those two chance characters are not evidence: without them the
    # stock phrase (15 key characters) is short of a passage, and a real copy ends before them.
    source = "第五条 违反本办法的，给予处分；构成犯罪的，依法追究刑事责任。\n第二章 许可"
    draft = "第十八条 对违反规定的，给予行政处分；构成犯罪的，依法追究刑事责任。\n第十九条 市场监督管理部门应当"
    assert align(match_key(draft).text, match_key(source).text) == []
    copied = "烟草专卖行政主管部门的工作人员滥用职权、徇私舞弊、玩忽职守的，给予处分；构成犯罪的，依法追究刑事责任。\n"
    d, s = match_key("第十八条 " + copied + "第十九条 其他"), match_key("第四十条 " + copied + "第二章 附则")
    [m] = align(d.text, s.text)
    assert d.text[m.draft_end - 1] == "任" and s.text[m.source_end - 1] == "任"


def _passages(draft: str, source: str):
    from dupcheck.credit import Source, find_passages

    return find_passages(draft, match_key(draft), [Source.prepare(1, source)])


def test_an_article_whose_first_words_were_edited_is_still_copied_from_its_label():
    source = "第二十一条 地方各级人民政府、有关部门和单位应当在高温来临前做好供电、供水和防暑医药供应的准备工作，并合理调整工作时间。"
    draft = "第十七条 方各级人还政府、有关部门和单位应当在高温来临前做好供电、供水和防暑医药供应的准备工作，并合理调整工作时间。"
    [p] = _passages(draft, source)
    assert (p.draft_start, p.source_start) == (0, 0)
    policy_source = (
        "（六）国家实行有利于城市供水事业发展的政策，鼓励城市供水科学技术研究，推广先进技术，提高城市供水的现代化水平。"
    )
    policy_draft = (
        "（三）本市实行有利于城市供水事业发展的政策，鼓励城市供水科学技术研究，推广先进技术，提高城市供水的现代化水平。"
    )
    [p] = _passages(policy_draft, policy_source)
    assert (p.draft_start, p.source_start) == (0, 0)
    # a first clause reworded, alike in length on both sides
    reworded = (
        "（三）日制高等学历教育的修业年限应当适当延，鼓励城市供水科学技术研究，推广先进技术，提高城市供水的现代化水平。"
    )
    [p] = _passages(reworded, policy_source)
    assert (p.draft_start, p.source_start) == (0, 0)
    # not when the texts before the passage differ in length (an article's own longer opening)
    longer = "（三）为了保障城市生活用水，本市制定有关规定并组织实施，鼓励城市供水科学技术研究，推广先进技术，提高城市供水的现代化水平。"
    [p] = _passages(longer, policy_source)
    assert p.draft_start > 0


def test_an_article_whose_last_words_were_edited_is_copied_to_its_end():
    source = "第二十九条 本条例下列用语的定义：船舶，是指各类排水或者非排水船、艇、水上飞机、潜水器和移动式平台。\n第三十条 本条例自公布之日起施行。"
    draft = "第十八条 本条例下列用语的定义：船舶，是指各类排水或者非排水船、艇、水上飞机、潜有器阅移动式平结台。\n第十九条 本市另行规定。"
    [p] = _passages(draft, source)
    assert draft[p.draft_end - 1] == "。" and p.draft_end == draft.index("\n")
    assert source[p.source_end - 1] == "。" and p.source_end == source.index("\n")


def test_a_paragraph_of_the_drafts_own_between_two_copied_ones_parts_them():
    # Policy documents number paragraphs （一）（二）: no label the key can see. The draft's own
    # paragraph between two copied ones must not be credited to the source.
    first = (
        "旅行社应当投保旅行社责任险。旅行社责任险的具体方案由国务院旅游行政主管部门会同国务院保险监督管理机构另行制定。"
    )
    second = "旅行社对可能危及旅游者人身、财产安全的事项，应当向旅游者作出真实的说明和明确的警示，并采取防止危害发生的必要措施。"
    own = "消费者在购买、使用商品和接受服务时，享有人格尊严、民族风俗习惯得到尊重的权利。"
    source = f"（十五）{first}\n（十六）{second}"
    draft = f"（二十七）{first}\n（二十八）{own}\n（二十九）{second}"
    found = _passages(draft, source)
    mine = draft.index(own)
    assert len(found) == 2
    assert all(p.draft_end <= mine or p.draft_start >= mine + len(own) for p in found)


def test_a_document_naming_itself_otherwise_still_aligns():
    # 本法 → 本办法 (an implementing rule), 本规范 → 本实施细则 (a policy document): without the
    # self-reference mask this short article falls into pieces shorter than a passage.
    source = "第四条 生产者、销售者依照本法规定承担产品质量责任。"
    draft = "第四条 生产者、销售者依照本办法规定承担产品质量责任。"
    assert match_key(source).text == match_key(draft).text
    [m] = align(match_key(draft).text, match_key(source).text)
    assert (m.draft_start, m.draft_end) == (0, len(match_key(draft).text))
    assert match_key("本规范所称").text == match_key("本实施细则所称").text
    assert match_key("香港特别行政区基本法").text.endswith("基本法")  # 基本法 is no self-reference


def test_consecutive_articles_copied_in_order_are_one_passage():
    # The draft copies 第三十四条 without its second paragraph, then 第三十五条: the source's gap
    # (the dropped paragraph and a label) is longer than a chain bridges, the draft's is a label.
    source = match_key(
        "第三十四条 国家鼓励利用财政性资金设立的科学技术计划项目所形成的知识产权首先在境内使用。\n"
        "前款规定的知识产权向境外的组织或者个人转让，或者许可境外的组织或者个人独占实施的，应当经项目管理机构批准；法律、行政法规对批准机构另有规定的，依照其规定。\n"
        "第三十五条 国家鼓励新技术应用，按照包容审慎原则，推动开展新技术、新产品、新服务、新模式应用试验，为新技术、新产品应用创造条件。"
    ).text
    draft = match_key(
        "第十九条 国家鼓励利用财政性资金设立的科学技术计划项目所形成的知识产权首先在境内使用。\n"
        "第二十条 国家鼓励新技术应用，按照包容审慎原则，推动开展新技术、新产品、新服务、新模式应用试验，为新技术、新产品应用创造条件。"
    ).text
    assert [(m.draft_start, m.draft_end) for m in align(draft, source)] == [(0, len(draft))]
    # two articles apart in the source (第三十四条, 第三十六条) stay two passages
    skipped = source.replace("第\ue001条\ue000鼓励新技术", "第\ue001条其他规定第\ue001条\ue000鼓励新技术")
    assert len(align(draft, skipped)) == 2


def test_the_title_naming_the_source_is_not_copied_text():
    source = "船舶和海上设施检验条例\n第一章 总则\n第一条 为了保证船舶、海上设施和船运货物集装箱具备安全航行、安全作业的技术条件，制定本条例。"
    draft = "天津市实施《船舶和海上设施检验条例》办法\n第一条 为了保证船舶、海上设施和船运货物集装箱具备安全航行、安全作业的技术条件，制定本办法。"
    [p] = _passages(draft, source)
    assert p.draft_start == draft.index("第一条") and p.source_start == source.index("第一条")
    # a title copied whole is copied text
    [p] = _passages(source, source)
    assert (p.draft_start, p.draft_end) == (0, len(source))


def test_an_article_from_elsewhere_between_two_copied_ones_parts_them_though_a_seed_ran_into_its_label():
    # 拍卖法: the draft puts 第二十四条 (from another place) between 第四十七条 and 第五十条; the source
    # has a heading and 第四十八条 there. The seed of the first article runs on into the next label
    # (第\ue001 of 第二十四条 against 第\ue001 of 第三节): the line after it is still a whole line between.
    source = (
        "第四十七条 拍卖人应当在拍卖前展示拍卖标的，并提供查看拍卖标的的条件及有关资料。拍卖标的的展示时间不得少于两日。\n"
        "第三节 拍卖的实施\n"
        "第四十八条 拍卖师应当于拍卖前宣布拍卖规则和注意事项。\n"
        "第五十条 拍卖标的无保留价的，拍卖师应当在拍卖前予以说明。拍卖标的有保留价的，竞买人的最高应价未达到保留价时，该应价不发生效力，拍卖师应当停止拍卖标的的拍卖。"
    )
    own = "买受人是指以最高应价购得拍卖标的的竞买人。"
    draft = (
        "第四十七条 拍卖人应当在拍卖前展示拍卖标的，并提供查看拍卖标的的条件及有关资料。拍卖标的的展示时间不得少于两日。\n"
        f"第二十四条 {own}\n"
        "第五十条 拍卖标的无保留价的，拍卖师应当在拍卖前予以说明。拍卖标的有保留价的，竞买人的最高应价未达到保留价时，该应价不发生效力，拍卖师应当停止拍卖标的的拍卖。"
    )
    found = _passages(draft, source)
    mine = draft.index(own)
    assert len(found) == 2
    assert all(p.draft_end <= mine or p.draft_start >= mine + len(own) for p in found)


def test_sources_rank_by_exactly_matched_characters():
    # The copied document explains 29 key characters exactly; a sibling covers 41 at 0.962 with 27
    # exactly matched (its chain ran on over chance characters): the copied document ranks first.
    from dupcheck.align import KeyMatch
    from dupcheck.credit import explained

    copied = [KeyMatch(244, 273, 10, 39, 29, 1.0), KeyMatch(1098, 1480, 50, 432, 382, 1.0)]
    sibling = [KeyMatch(244, 285, 12, 53, 27, 0.962), KeyMatch(1098, 1480, 52, 434, 372, 0.974)]
    assert explained(copied) > explained(sibling)


def _mems_brute_force(draft: str, source: str, k: int, max_occurrences: int) -> set[tuple[int, int, int]]:
    """Every maximal run of equal characters on one diagonal, seeded by k-grams found at most
    ``max_occurrences`` times in the source."""
    grams: dict[str, int] = {}
    for j in range(len(source) - k + 1):
        grams[source[j : j + k]] = grams.get(source[j : j + k], 0) + 1
    seeds = {
        (i, j)
        for i in range(len(draft) - k + 1)
        for j in range(len(source) - k + 1)
        if draft[i : i + k] == source[j : j + k] and grams[draft[i : i + k]] <= max_occurrences
    }
    out = set()
    for i, j in seeds:
        if (i - 1, j - 1) in seeds:
            continue  # not the start of its run
        n = 1
        while (i + n, j + n) in seeds:
            n += 1
        out.add((i, j, n + k - 1))
    return out


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abc", max_size=40), st.text(alphabet="abc", max_size=40), st.integers(2, 4), st.integers(1, 4))
def test_mems_match_a_brute_force_reference(draft, source, k, max_occurrences):
    mems = maximal_exact_matches(codepoints(draft), codepoints(source), k, max_occurrences)
    assert {tuple(m) for m in mems.tolist()} == _mems_brute_force(draft, source, k, max_occurrences)
    assert len(mems) == len({tuple(m) for m in mems.tolist()})
    # the same MEMs, in the same order, from the two texts' seed tables (kept by callers that meet a text again)
    tables = (SeedTable.of(codepoints(draft), k), SeedTable.of(codepoints(source), k))
    assert maximal_exact_matches(*tables, k, max_occurrences).tolist() == mems.tolist()


# 最高人民法院关于审理破坏森林资源刑事案件具体应用法律若干问题的解释 (2000), items (十三)–(十八), and a
# policy-style draft of the quality benchmark (seed 4, policy-6) that renumbers them, rewords
# clauses and leaves out items (十五) and (十六).
_FOREST_SOURCE = (
    "（十三）对于伪造、变造、买卖林木采伐许可证、木材运输证件，森林、林木、林地权属证书，占用或者征用林地审核同意书、育林基金等缴费收据以及其他国家机关批准的林业证件构成犯罪的，依照刑法第二百八十条第一款的规定，以伪造、变造、买卖国家机关公文、证件罪定罪处罚。\n"
    "对于买卖允许进出口证明书等经营许可证明，同时触犯刑法第二百二十五条、第二百八十条规定之罪的，依照处罚较重的规定定罪处罚。\n"
    "（十四）聚众哄抢林木5立方米以上的，属于聚众哄抢“数额较大”；聚众哄抢林木20立方米以上的，属于聚众哄抢“数额巨大”，对首要分子和积极参加的，依照刑法第二百六十八条的规定，以聚众哄抢罪定罪处罚。\n"
    "（十五）非法实施采种、采脂、挖笋、掘根、剥树皮等行为，牟取经济利益数额较大的，依照刑法第二百六十四条的规定，以盗窃罪定罪处罚。同时构成其他犯罪的，依照处罚较重的规定定罪处罚。\n"
    "（十六）单位犯刑法第三百四十四条、第三百四十五条规定之罪，定罪量刑标准按照本解释的规定执行。\n"
    "（十七）本解释规定的林木数量以立木蓄积计算，计算方法为：原木材积除以该树种的出材率。\n"
    "本解释所称“幼树”，是指胸径5厘米以下的树木。\n"
    "滥伐林木的数量，应在伐区调查设计允许的误差额以上计算。\n"
    "（十八）盗伐、滥伐以生产竹材为主要目的的竹林的定罪量刑问题，有关省、自治区、直辖市高级人民法院可以参照上述规定的精神，规定本地区的具体标准，并报最高人民法院备案。"
)
_FOREST_DRAFT = (
    "（八）对于伪造、变造、买卖林木采伐许可证、自首或者有立，森林、林木、林地权属证书，占用或者征用林地审核同意书、保证人应当填写保证书，并在保证书上签名、捺指印，依照刑法第三十九条第一款的规定，以伪造、变造、买卖国家机关公文、证件罪定罪处罚。\n"
    "对于买卖允许进出口证明书等经营许可证明，助理可以协助检察官出、第三十七条规定之罪的，依照处罚较重的规定定罪处罚。\n"
    "（九）聚众哄抢林木5立方米以上的，属于聚众哄抢“数额较大”；聚众哄抢林木20立方米以上的，属于聚众哄抢“数额巨大”，索取本人健康监护档案复，依照刑法第十五条的规定，予警告处分，又有减轻\n"
    "（十）本解释规定的林木数量以立木蓄积计算，计算方法为：原木材积除以该树种的出材率。\n"
    "本解释所称“幼树”，起附带民事诉讼的，由附带民事诉讼原告人撤回，应在伐区调查设计允许的误差额以上计算。\n"
    "（十一）盗伐、滥伐以生产竹材为主要目的的竹林的定罪量刑问题，有关省、自治区、（三）个人独资企业，者担保相等的，优先履，并报最高人民法院备案。"
)


def test_a_chain_over_left_out_paragraphs_is_judged_in_halves():
    """The chain steps over the two items the draft leaves out (within max_shift); the whole span
    is then under the similarity bar although each side is a copy. Judged in halves, both sides
    are found; without the split, nothing is."""
    draft, source = match_key(_FOREST_DRAFT), match_key(_FOREST_SOURCE)
    found = align(draft.text, source.text)
    assert sum(m.draft_end - m.draft_start for m in found) >= 0.9 * len(draft.text)
    assert all(m.similarity >= AlignParams().min_similarity for m in found)
    assert align(draft.text, source.text, replace(AlignParams(), max_splits=0)) == []
