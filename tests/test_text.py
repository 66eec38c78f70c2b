"""Normalisation: width, case, script folding, variants, punctuation, n-grams."""

import pytest

from bot.core.text import MAX_MATCH_CHARS, clean, grams, match_key


@pytest.mark.parametrize("a, b", [
    ("榮民證怎麼申請", "荣民证怎么申请"),     # Simplified input
    ("臺北", "台北"),                       # 臺/台
    ("身份證", "身分證"),                   # variant that survives t2s
    ("甚麼", "什麼"),
    ("櫃檯", "櫃台"),
    ("ＦＢ粉絲專頁", "fb粉絲專頁"),          # full-width letters and case
    ("區長 信箱", "區長信箱 "),              # spaces do not matter to n-grams
])
def test_equivalent_spellings_share_grams(a, b):
    assert set(grams(match_key(a))) == set(grams(match_key(b)))


def test_punctuation_emoji_and_control_characters_are_dropped():
    assert match_key("榮民證？！😀\x00\x1b[31m") == match_key("榮民證 31m")
    assert match_key("😀😀🙏") == ""
    assert clean("a\u200bb\tc") == "a b c"


def test_bigrams_do_not_span_latin_words():
    g = grams(match_key("line fb"))
    assert "linefb" not in g and "line" in g and "fb" in g


def test_latin_words_and_digits_are_single_units():
    g = grams(match_key("LINE 24小時"))
    assert "line" in g and "24" in g and "l" not in g and "24小" in g


def test_long_input_is_cut():
    assert len(match_key("榮" * 10_000)) == MAX_MATCH_CHARS
