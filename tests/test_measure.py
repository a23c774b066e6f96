import pytest

from dupcheck.measure import measure, quotation_mask


def test_rates_hand_computed():
    text = "甲乙丙 丁戊\n己庚辛壬癸"  # 10 non-whitespace characters
    r = measure(text, [(0, 3, 1), (2, 6, 2)])  # 甲乙丙 from 1; 丙 丁戊 from 2 (丙 counted once in the total)
    assert r.total_chars == 10
    assert r.copied_chars == 5
    assert r.copy_rate == pytest.approx(0.5)
    assert r.source_chars == {1: 3, 2: 3}
    assert r.max_source_rate == pytest.approx(0.3)


def test_quotations_are_excluded_from_the_quote_free_rate():
    text = "根据《中华人民共和国行政许可法》制定"
    assert quotation_mask(text).sum() == len("《中华人民共和国行政许可法》")
    r = measure(text, [(0, len(text), 7)])
    assert r.copy_rate == 1.0
    assert r.copied_outside_quotes == len("根据制定")


def test_empty_text_has_zero_rates():
    r = measure("", [])
    assert (r.total_chars, r.copy_rate, r.max_source_rate) == (0, 0.0, 0.0)


def test_span_outside_text_is_an_error():
    with pytest.raises(ValueError, match="outside"):
        measure("甲乙", [(0, 5, 1)])
