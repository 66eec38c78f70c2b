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
    ("辦身分證愛帶啥", "辦身分證要帶什麼"),     # Taiwanese-Mandarin words as the Mandarin they mean
    ("孫仔幾歲要做兵", "孫子幾歲要當兵"),
    ("公所甘有急難救助 按怎申請", "公所有沒有急難救助 怎麼申請"),
    ("阿公破病袂出門", "阿公生病不會出門"),
    ("身分證掉ㄌ 補辦要錢ㄇ", "身分證掉了 補辦要錢嗎"),   # Bopomofo for a final particle
    ("法院判決我跟老公 divorce 了", "法院判決我跟老公離婚了"),   # English words new immigrants mix in
    ("我們在菲律賓married了", "我們在菲律賓結婚了"),
    ("我的ARC掉了", "我的居留證掉了"),
    ("我爸的榮民正掉了要去哪裡補半", "我爸的榮民證掉了要去哪裡補辦"),  # 注音 homophone typos
    ("想伸請戶藉騰本", "想申請戶籍謄本"),
    ("冰單可以延其嗎", "兵單可以延期嗎"),
    ("育兒津帖 助聽氣 假芽", "育兒津貼 助聽器 假牙"),  # near-form characters
    ("機車形照不見了", "機車行照不見了"),  # folded only in a phrase: 「情形照片」 is no 行照
    ("榮復處 兵疫課 體見", "榮服處 兵役課 體檢"),  # an office's name typed wrong
    ("戶正所 三民區工所", "戶政所 三民區公所"),
])
def test_equivalent_spellings_share_grams(a, b):
    assert set(grams(match_key(a))) == set(grams(match_key(b)))


@pytest.mark.parametrize("text, kept", [
    ("請附現場情形照片", "形照"),
    ("他出鏡接受訪問", "出镜"),
    ("退五百元給我", "退五"),
    ("下午參加活動", "午参"),
])
def test_a_typo_that_is_a_real_word_elsewhere_is_kept_there(text, kept):
    assert kept in match_key(text)


@pytest.mark.parametrize("text", ["兒子要做兵籍調查", "沒做兵調會被罰嗎", "做兵役體檢"])
def test_a_dialect_word_inside_a_longer_word_is_left_alone(text):
    assert "当兵" not in match_key(text)


@pytest.mark.parametrize("text", ["research", "marc", "babysitter", "visas"])
def test_an_english_word_inside_a_longer_word_is_left_alone(text):
    assert match_key(text) == text


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
