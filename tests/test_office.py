"""The office block: its validation, opening hours on Taiwan's calendar, practical answers, dead ends,
dated entries and the staff's regression questions."""

import datetime as dt

import pytest

from bot.core import hours
from bot.core.answerer import Answerer
from bot.core.checks import dead_end_warnings, regression_failures, review_warnings
from bot.core.knowledge import KnowledgeError, load_regressions, parse_agency
from bot.core.office import dial
from conftest import DATA

DEMO_TEXT = (DATA / "demo-office.yaml").read_text(encoding="utf-8")
TPE = hours.TAIPEI


def demo(text: str = DEMO_TEXT) -> Answerer:
    return Answerer(parse_agency(text, "demo-office.yaml"))


def at(y, m, d, hh, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=TPE)


def hours_reply(moment: dt.datetime) -> str:
    return demo().ask("現在有開嗎", moment).text


def test_a_weekday_morning_is_open_until_noon():
    assert "現在有開，今天開到 12:00" in hours_reply(at(2026, 12, 1, 9, 30))  # a Tuesday


def test_the_lunch_break_says_when_it_opens_again():
    assert "現在沒有開。下次開門：今天 13:30" in hours_reply(at(2026, 12, 1, 12, 15))


def test_thursday_evening_service_is_open_at_seven():
    assert "今天開到 20:00" in hours_reply(at(2026, 12, 3, 19, 0))


def test_after_hours_on_friday_opens_next_monday():
    assert "下次開門：12月7日（星期一） 08:00" in hours_reply(at(2026, 12, 4, 18, 0))


def test_a_weekend_is_closed_and_says_monday():
    got = hours_reply(at(2026, 12, 5, 10, 0))  # Saturday
    assert "現在沒有開" in got and "12月7日（星期一）" in got and "不上班" not in got


def test_a_national_holiday_is_named_and_closed():
    got = hours_reply(at(2026, 10, 9, 10, 0))  # 國慶日 observed on a Friday
    assert "今天10月9日（星期五）是「" in got and "不上班" in got
    assert "下次開門：10月12日（星期一） 08:00" in got  # 10/10 is a Saturday


def test_a_make_up_workday_opens_like_a_weekday():
    # 2025-02-08 was a Saturday worked in place of a Lunar New Year bridge day (補班).
    assert "現在有開，今天開到 12:00" in hours_reply(at(2025, 2, 8, 9, 0))


def test_a_staff_closure_closes_the_office_with_its_reason():
    got = hours_reply(at(2026, 12, 24, 10, 0))  # the demo file's typhoon day, a Thursday
    assert "是「颱風停班」，不上班" in got and "下次開門：12月25日" not in got  # 12/25 is 行憲紀念日
    assert "下次開門：12月28日（星期一） 08:00" in got


def test_hours_are_computed_when_asked_not_cached():
    answerer = demo()
    assert "現在有開" in answerer.ask("現在有開嗎", at(2026, 12, 1, 9)).text
    assert "現在沒有開" in answerer.ask("現在有開嗎", at(2026, 12, 1, 22)).text


@pytest.mark.parametrize("question, entry", [
    ("示範處在哪裡", "office-address"), ("地址在哪", "office-address"), ("電話幾號", "office-phone"),
    ("星期六有上班嗎", "office-hours"), ("中午可以辦嗎", "office-hours"), ("幾點開", "office-hours"),
])
def test_practical_questions_are_answered_from_the_office_block(question, entry):
    assert demo().ask(question, at(2026, 12, 1, 10)).entry_id == entry


def test_the_phone_reply_lists_other_service_phones():
    got = demo().ask("電話幾號").text
    assert "07-1234567轉100" in got and "24小時值日室：07-7654321" in got


def test_a_missing_fact_is_said_plainly_with_what_is_known():
    text = DEMO_TEXT.replace("  address: {value: 示範市示範路1號, source: \"https://www.example.gov.tw/contact\", "
                             "checked: \"2026-12-01\"}", "  address: {}")
    got = demo(text).ask("地址在哪").text
    assert "地址，這裡還沒有官方資料" in got and "電話：07-1234567轉100" in got and "https://www.example.gov.tw/" in got


def test_tel_links_dial_the_main_number_without_the_extension():
    assert dial("07-7400141轉2208") == "077400141"
    assert dial("(07) 740-0141 分機 12") == "077400141"
    assert dial("07-7400141#2208") == "077400141"
    assert dial("1996") == "1996"


@pytest.mark.parametrize("change, field, message", [
    ('mon: ["08:00-12:00", "13:30-17:30"]', "office.hours.mon[0]", "時段要寫成"),
    ("phone: {value: 07-1234567轉100", "office.phone.value", "不像電話號碼"),
    ('website: {value: "https://www.example.gov.tw/", source: "https://www.example.gov.tw/", checked: "2026-12-01"}',
     "office.website.source", "官方網頁的網址"),
    ("- {date: \"2026-12-24\", reason: 颱風停班}", "office.closures[0]", "要寫日期和原因"),
])
def test_office_block_errors_name_file_line_and_field(change, field, message):
    broken = {
        "office.hours.mon[0]": change.replace("08:00-12:00", "12:00-08:00"),
        "office.phone.value": change.replace("07-1234567轉100", "請洽櫃台"),
        "office.website.source": change.replace('source: "https://www.example.gov.tw/"', 'source: ""'),
        "office.closures[0]": change.replace("reason: 颱風停班", "reason: \"\""),
    }[field]
    with pytest.raises(KnowledgeError) as err:
        parse_agency(DEMO_TEXT.replace(change, broken), "demo-office.yaml")
    named = {"office.hours.mon[0]": "office 的 hours 的 mon 第 1 個", "office.closures[0]": "office 的 closures 第 1 個"}
    problem = next(p for p in err.value.problems if p.field == named.get(field, field.replace(".", " 的 ")))
    assert problem.file == "demo-office.yaml" and problem.line > 10 and message in problem.message


def test_a_file_may_not_define_the_office_entries():
    text = DEMO_TEXT.replace("  - id: anti-fraud", "  - id: office-hours")
    with pytest.raises(KnowledgeError, match="office 段落"):
        parse_agency(text, "demo-office.yaml")


def test_an_answer_sending_people_to_a_phone_gets_the_office_phone_or_a_warning():
    text = DEMO_TEXT.replace("answer: 接到要求匯款的電話，請先掛斷，再打給家人或本處確認。",
                             "answer: 接到要求匯款的電話，請先掛斷，再打電話來本處確認。")
    answerer = demo(text)
    assert "\n電話：07-1234567轉100" in answerer.ask("有人打電話說要匯款").text
    assert dead_end_warnings(answerer.agency) == []
    without = text.replace("  phone: {value: 07-1234567轉100, source: \"https://www.example.gov.tw/contact\", "
                           "checked: \"2026-12-01\"}", "  phone: {}")
    warnings = dead_end_warnings(parse_agency(without, "demo-office.yaml"))
    assert [w.field for w in warnings] == ["anti-fraud.answer"] and "電話" in warnings[0].message


def test_dated_entries_show_their_year_and_remind_staff_after_review_by():
    text = DEMO_TEXT.replace("    source: 001_189702aaad6cbd20.txt 貳、七",
                             "    source: 001_189702aaad6cbd20.txt 貳、七\n    as_of: 113年\n    review_by: \"2026-06-30\"")
    answerer = demo(text)
    assert answerer.ask("防詐騙").text.endswith("（113年資料）")
    reminders = review_warnings(answerer.agency, "2026-12-01")
    assert [r.field for r in reminders] == ["anti-fraud.review_by"]
    assert review_warnings(answerer.agency, "2026-06-01") == []


def test_regression_questions_run_and_name_the_miss(tmp_path):
    path = tmp_path / "demo-office.yaml"
    path.write_text('- {q: 榮民證要去哪裡辦, expect: veteran-card}\n- {q: 護照過期了怎麼辦, expect: none}\n'
                    '- {q: 處長信箱多久回, expect: anti-fraud}\n', encoding="utf-8")
    answerer = demo()
    cases, problems = load_regressions(path, {e.id for e in answerer.agency.entries})
    assert problems == [] and len(cases) == 3
    misses = regression_failures(answerer, cases)
    assert len(misses) == 1 and misses[0].line == 3 and "director-mailbox" in misses[0].message


def test_a_broken_regression_file_names_line_and_field(tmp_path):
    path = tmp_path / "demo-office.yaml"
    path.write_text("- {q: 你好, expect: no-such-entry}\n- {question: 錯的欄位}\n", encoding="utf-8")
    _, problems = load_regressions(path, {"veteran-card"})
    assert [(p.line, p.field) for p in problems] == [(1, "第 1 題的 expect"), (2, "第 2 題")]
