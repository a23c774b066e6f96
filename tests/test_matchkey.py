import pytest
from hypothesis import given
from hypothesis import strategies as st

from dupcheck.matchkey import JURIS, NUMBER, SELF, match_key


def key(text):
    return match_key(text).text


@pytest.mark.parametrize(
    "parent, child",
    [
        ("国务院有关部门负责", "市人民政府有关部门负责"),
        ("国家鼓励社会力量", "本市鼓励社会力量"),
        ("全国范围内", "全市范围内"),
        ("省、自治区、直辖市人民政府规定", "本市规定"),
        ("泉州市人民政府决定", "石狮市人民政府决定"),
        ("县级以上地方各级人民政府应当", "区人民政府应当"),
        ("全国人民代表大会常务委员会", "市人民代表大会常务委员会"),
        ("东营市人民政府决定", "三门峡市人民政府决定"),  # cities jieba's dictionary lacks or the numeral filter dropped
        ("六安市湿地保护", "焦作市湿地保护"),
    ],
)
def test_issuer_swaps_mask_alike(parent, child):
    assert key(parent) == key(child)
    assert JURIS in key(parent)


@pytest.mark.parametrize(
    "a, b",
    [("第五条　为了", "第七十二条 为了"), ("第一章 总则", "第3章 总则"), ("依照第十二条第二款", "依照第九条第一款")],
)
def test_article_numbers_mask_alike(a, b):
    assert key(a) == key(b)
    assert NUMBER in key(a)


def test_ordinary_words_are_not_masked():
    assert key("本办法所称城市管理") == SELF + "所称城市管理"  # a self-reference, no issuer (城市管理)
    assert key("市场监督管理部门") == "市场监督管理部门"
    assert key("特大城市和大中城市的非上市公司") == "特大城市和大中城市的非上市公司"


def test_mask_maps_back_to_the_whole_name():
    text = "第五条　泉州市人民政府应当"
    k = match_key(text)
    spans = [text[a:b] for a, b in zip(k.starts, k.ends)]
    assert spans[:4] == ["第", "五", "条", "泉州市人民政府"]
    assert k.original_span(0, len(k)) == (0, len(text))


# The masker's fast paths against the plain rules they replace.

_WORDS = ["县级以上地方各级", "县级以上地方", "县级以上", "县级", "本市", "本自治区", "人民政府", "人民代表大会"]
_PIECES = [*_WORDS, "县", "以上", "地方", "本", "自治", "人民", "政府", "甲", "市", "泉州市", "东营", "北京市", "州"]


@given(st.lists(st.sampled_from(_PIECES), max_size=12))
def test_the_factored_word_pattern_matches_as_the_longest_first_alternation(pieces):
    import re

    from dupcheck.matchkey import _trie_pattern

    text = "".join(pieces)
    plain = re.compile("|".join(map(re.escape, sorted(_WORDS, key=len, reverse=True))))
    factored = re.compile(_trie_pattern(_WORDS))
    assert [m.span() for m in factored.finditer(text)] == [m.span() for m in plain.finditer(text)]


@given(st.lists(st.sampled_from([*_PIECES, "内蒙古", "新疆", "西藏自治区", "海南", "江"]), max_size=12))
def test_place_names_are_the_longest_ending_at_each_character(pieces):
    from dupcheck.matchkey import _place_spans, _places

    text = "".join(pieces)
    names = _places()
    longest, last_chars = max(map(len, names)), {name[-1] for name in names}
    want = []
    for end in range(1, len(text) + 1):
        if text[end - 1] in last_chars:
            for length in range(min(longest, end), 1, -1):
                if text[end - length : end] in names:
                    want.append((end - length, end))
                    break
    assert _place_spans(text) == want


@given(st.lists(st.sampled_from([*_PIECES, "第十条", "本法", "第3款", "，"]), max_size=12))
def test_kept_mask_spans_give_the_same_key(pieces):
    from dupcheck.matchkey import mask_spans
    from dupcheck.normalize import normalize

    text = "".join(pieces)
    spans = mask_spans(normalize(text, drop_punctuation=True).text)
    a, b = match_key(text), match_key(text, spans)
    assert a.text == b.text and a.starts.tolist() == b.starts.tolist() and a.ends.tolist() == b.ends.tolist()
