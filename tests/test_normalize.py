import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from dupcheck.normalize import fold, nonspace_count, normalize

CJK_MIX = st.text(
    alphabet=st.sampled_from(
        list("國務院关于發佈《中華人民共和國》，。、；：“”「」（）ＡＢＣ１２３abc 　\n\t條例第十二条\u200b")
    ),
    max_size=60,
)


def test_fold_keeps_length_and_folds_script_width_punctuation():
    assert fold("國務院關於ＡＢＣ１２３，。“”《》") == '国务院关于ABC123,.""<>'
    assert len(fold("後來的發展　\n")) == len("後來的發展　\n")


def test_normalize_drops_whitespace_and_maps_back():
    text = "第十二條　國務院\n 決定，"
    n = normalize(text)
    assert n.text == "第十二条国务院决定,"
    assert [text[a:b] for a, b in zip(n.starts, n.ends)] == list("第十二條國務院決定，")


def test_drop_punctuation():
    n = normalize("甲，乙。“丙”", drop_punctuation=True)
    assert n.text == "甲乙丙"
    assert n.original_span(0, 3) == (0, 6)


@given(CJK_MIX)
def test_offset_map_round_trip(text):
    for drop in (False, True):
        n = normalize(text, drop_punctuation=drop)
        assert len(n.starts) == len(n.text) == len(n.ends)
        assert np.all(np.diff(n.starts) > 0)
        for i, ch in enumerate(n.text):
            assert fold(text[n.starts[i] : n.ends[i]]) == ch  # every normalized char comes from its span


@given(CJK_MIX)
def test_nonspace_count_matches_python(text):
    assert nonspace_count(text) == sum(1 for c in text if not (c.isspace() or c == "\u200b"))
