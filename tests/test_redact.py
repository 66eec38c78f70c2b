"""Redaction of personal data: real formats go, look-alikes (dates, amounts, hotlines) stay."""

import pytest

from bot.core.redact import redact

ID, ARC, PHONE, MAIL, CARD = "〔身分證號〕", "〔居留證號〕", "〔電話〕", "〔電子郵件〕", "〔卡號〕"


@pytest.mark.parametrize("text, expected", [
    # 身分證字號
    ("身分證A123456789", f"身分證{ID}"),
    ("身分證字號：F234567890。", f"身分證字號：{ID}。"),
    ("id a123456789 謝謝", f"id {ID} 謝謝"),
    ("我是 A 123 456 789", f"我是 {ID}"),
    ("A-123-456-789", ID),
    # 居留證 / UI numbers, old and new format
    ("居留證AB12345678", f"居留證{ARC}"),
    ("統一證號 A812345678 已更新", f"統一證號 {ARC} 已更新"),
    ("舊證 fd87654321", f"舊證 {ARC}"),
    ("新式居留證號碼Y912345678", f"新式居留證號碼{ARC}"),
    # mobile phones
    ("我的電話0912345678請回電", f"我的電話{PHONE}請回電"),
    ("0912-345-678", PHONE),
    ("手機 0912 345 678。", f"手機 {PHONE}。"),
    ("+886912345678", PHONE),
    ("請撥+886-912-345-678", f"請撥{PHONE}"),
    ("886 912 345 678", PHONE),
    ("0912-345678找王先生", f"{PHONE}找王先生"),
    ("tel.0912.345.678", f"tel.{PHONE}"),
    # landlines and toll-free
    ("02-2345-6789", PHONE),
    ("(02)23456789", PHONE),
    ("家裡07-1234567", f"家裡{PHONE}"),
    ("037-123456", PHONE),
    ("049-2345678", PHONE),
    ("08-7654321", PHONE),
    ("公司(07)123-4567#123，白天在", f"公司{PHONE}，白天在"),
    ("02-2345-6789轉123", PHONE),
    ("02 2345 6789 分機 45", PHONE),
    ("+886-2-2345-6789", PHONE),
    ("0800-123-456", PHONE),
    ("0223456789", PHONE),
    # e-mail
    ("信箱abc.def@gmail.com", f"信箱{MAIL}"),
    ("Mail: wang_1950+vac@mail.example.com.tw 謝謝", f"Mail: {MAIL} 謝謝"),
    ("user@www.example.com", MAIL),
    ("0912345678@yahoo.com.tw", MAIL),
    # cards and bank accounts
    ("卡號4111 1111 1111 1111", f"卡號{CARD}"),
    ("1234-5678-9012-3456", CARD),
    ("帳號123456789012請匯款", f"帳號{CARD}請匯款"),
    ("AMEX 3782 822463 10005", f"AMEX {CARD}"),
    ("郵局 0001234-1234567", f"郵局 {CARD}"),
    ("帳號 123-456-789012-3 ", f"帳號 {CARD} "),
])
def test_real_formats_are_replaced(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "2026-11-23",
    "2026/11/23 開始受理",
    "113年11月23日",
    "113.11.23",
    "上班時間08:30-17:30",
    "規費5,000元",
    "NT$12000",
    "補助3萬元",
    "請到第3號窗口",
    "1957 榮民服務專線",
    "1999 市民專線",
    "緊急請撥110或119",
    "郵遞區號830",
    "83001 高雄市鳳山區",
    "鳳山區光復路二段132號",
    "建國路300之1號",
    "依個資法第17條",
    "https://www.vac.gov.tw/cp-1604-943-115.html",
    "網址 www.vac.gov.tw/cp-1604-943-115.html 可查",
    "https://www.facebook.com/permalink.php?story_fbid=123456789012345&id=100064",
    "2020-2026 年度計畫",
    "文號 1130-012345 號",
    "型號 1234-5678-9012-34AB",  # a serial code is judged whole, not cut down to a "card"
    "滿意度達95.5%",
    "統一編號12345678",
    "統編 04595257",
    "金額 1,234,567,890,123 元",
    "圓周率 3.1415926535897932",
    "2026年11月23日 08:30",
    "B1停車場",
    "12345678 1999",
])
def test_near_misses_are_kept(text):
    assert redact(text) == text


def test_mixed_sentence_with_several_items():
    text = ("王大明，身分證A123456789，手機0912-345-678，家裡(07)7462000，"
            "信箱wang@example.com，退款帳號 700-0001234-567890，113年11月23日到第3號窗口。")
    assert redact(text) == (f"王大明，身分證{ID}，手機{PHONE}，家裡{PHONE}，"
                            f"信箱{MAIL}，退款帳號 {CARD}，113年11月23日到第3號窗口。")


def test_two_items_of_the_same_kind_both_go():
    assert redact("0912345678、0922333444") == f"{PHONE}、{PHONE}"
    assert redact("4111 1111 1111 1111 4222 2222 2222 2222") == CARD


@pytest.mark.parametrize("text, expected", [
    ("電話０９１２３４５６７８", f"電話{PHONE}"),
    ("Ａ１２３４５６７８９", ID),
    ("ａ１２３４５６７８９號", f"{ID}號"),
    ("（０２）２３４５－６７８９", PHONE),
    ("ａｂｃ＠ｇｍａｉｌ．ｃｏｍ", MAIL),
    ("０９１２　３４５　６７８", PHONE),
    ("02–2345–6789", PHONE),  # en dash from a phone's autocorrect
])
def test_full_width_forms_are_matched(text, expected):
    assert redact(text) == expected


def test_unmatched_full_width_text_is_kept_as_typed():
    text = "ＦＢ粉絲專頁１２３號，電話０９１２３４５６７８！"
    assert redact(text) == f"ＦＢ粉絲專頁１２３號，電話{PHONE}！"


def test_a_url_is_kept_but_an_item_next_to_it_goes():
    url = "https://www.vac.gov.tw/cp-1604-943-115.html"
    assert redact(f"見{url} 或撥0912345678") == f"見{url} 或撥{PHONE}"


def test_control_characters_are_dropped_but_newline_and_tab_stay():
    assert redact("第一行\r\n第二行\t完\x00\x1b[0m\x7f") == "第一行\n第二行\t完[0m"


def test_a_control_character_cannot_hide_a_number():
    assert redact("0912\x00345\x08678") == PHONE


def test_empty_text():
    assert redact("") == ""


def test_emoji_and_sql_looking_text_are_preserved():
    assert redact("謝謝👍🙏 0912345678 😀") == f"謝謝👍🙏 {PHONE} 😀"
    sql = "'; DROP TABLE feedback; -- SELECT * FROM users WHERE id = 1 OR 1=1;"
    assert redact(sql) == sql


def test_ten_thousand_characters():
    chunk = "請問榮民證怎麼辦理？電話0912345678，2026-11-23 來第3號窗口。"
    text = (chunk * (10_000 // len(chunk) + 1))[:10_000]
    out = redact(text)
    assert "0912345678" not in out and out.count(PHONE) == text.count("0912345678")
    assert "2026-11-23" in out


@pytest.mark.parametrize("text", [
    "1" * 10_000,
    "a" * 10_000,
    "a." * 5_000 + "@",
    "1 " * 5_000,
    "1-" * 5_000,
    "0912" * 2_500,
])
def test_long_adversarial_runs_finish(text):
    # No time is asserted: patterns start once per run and never nest quantifiers, so these
    # finish at once; a backtracking pattern would hang here instead.
    assert isinstance(redact(text), str)


@pytest.mark.parametrize("text, expected", [
    ("身分證A123\u200b456789", "身分證〔身分證號〕"),          # a zero-width space inside an ID
    ("手機0912\u200b345\u200d678", "手機〔電話〕"),            # zero-width characters inside a mobile
    ("身分證A١٢٣٤٥٦٧٨٩", "身分證〔身分證號〕"),                # Arabic-Indic digits
    ("手機۰۹۱۲۳۴۵۶۷۸", "手機〔電話〕"),                       # Persian digits
    ("手機09 10 14 56 78", "手機〔電話〕"),                    # read out in pairs
    ("手機09 1015 5678", "手機〔電話〕"),
    ("信箱user@例子.台灣", "信箱〔電子郵件〕"),                  # a Chinese domain
    ("信箱 user(at)example.com", "信箱 〔電子郵件〕"),
    ("信箱 user [at] example.com", "信箱 〔電子郵件〕"),
    ("信箱 user @ example.com", "信箱 〔電子郵件〕"),
])
def test_disguised_forms_are_replaced(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "2020-2026年的資料", "第09 12 號窗口", "我在 at 家", "價格 @ 100元", "民國09年",
    "https://www.vac.gov.tw/cp-1604-943-115.html", "09點10分到14點", "email 寫 @ 就好",
])
def test_disguise_near_misses_are_kept(text):
    assert redact(text) == text
