"""The feedback report: exact figures from a seeded SQLite store, the text, and `python -m bot report`."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.review.report import FEW, Month, ReportError, build, month_range, peer_groups, render_text
from bot.review.unanswered import question_key
from conftest import run_cli
from review_data import ask, new_store, offer, rate, survey, taipei

MARCH = dt.date(2026, 3, 15)


@pytest.fixture()
def db(tmp_path):
    """(store, path) of a fresh SQLite file."""
    path = tmp_path / "bot.db"
    store = new_store(path)
    yield store, path
    store.close()


def one(store, agencies, start="2026-01", end="2026-03", agency="taoyuan-vac"):
    """The report of one office."""
    (report,) = build(store, agencies, agency, start, end)
    return report


def month(report, label: str) -> Month:
    return next(m for m in report.months if m.month == label)


@pytest.mark.parametrize("start, end, expected", [
    (None, None, ("2025-04", "2026-03")),
    ("2026-01", None, ("2026-01", "2026-03")),
    (None, "2026-06", ("2025-07", "2026-06")),
    ("2026-1", "2026-2", ("2026-01", "2026-02")),
    ("2027-02", None, ("2027-02", "2027-02")),  # a start after today: that month alone, not an error
])
def test_month_range_defaults_to_the_twelve_months_ending_now(start, end, expected):
    assert month_range(start, end, today=MARCH) == expected


@pytest.mark.parametrize("start, end, words", [
    ("2026-13", None, "看不懂"), ("26-01", None, "看不懂"), ("abc", None, "看不懂"), (None, "2026-00", "看不懂"),
    ("2026-05", "2026-01", "前後顛倒"), ("2000-01", "2026-01", "太長"),
])
def test_month_range_errors_are_zh_tw_sentences(start, end, words):
    with pytest.raises(ReportError, match=words):
        month_range(start, end, today=MARCH)


def test_months_are_zero_filled_and_outcomes_counted_apart(db, agencies):
    store, _ = db
    for outcome in ("answer", "answer", "clarify", "fallback", "smalltalk", "choice", "choice"):
        ask(store, taipei(2026, 1, 10), outcome=outcome)
    ask(store, taipei(2026, 3, 2), outcome="fallback")
    report = one(store, agencies, "2026-01", "2026-04")
    assert [m.month for m in report.months] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    jan, feb = month(report, "2026-01"), month(report, "2026-02")
    assert (jan.questions, jan.answered, jan.clarified, jan.fallback, jan.chosen) == (4, 2, 1, 1, 2)
    assert feb == Month("2026-02", 0, 0, 0, 0, 0, 0, 0, 0, 0, {s: 0 for s in range(1, 6)}, 0)
    assert report.total.month == "合計"
    assert (report.total.questions, report.total.fallback, report.total.chosen) == (5, 2, 2)
    assert report.total.fallback_share == pytest.approx(2 / 5)
    assert not report.empty


def test_a_pause_of_thirty_minutes_starts_a_new_conversation(db, agencies):
    store, _ = db
    t = taipei(2026, 1, 5, 9)
    for at in (t, t + 29 * 60, t + 29 * 60 + 30 * 60):  # 29 min: same; exactly 30 min: a new one
        ask(store, at, user="user-hash-a")
    ask(store, t + 60, user="user-hash-b")
    # Begun before the range (Dec 31 23:50) and going on into it: not a January conversation.
    ask(store, taipei(2025, 12, 31, 23, 50), user="user-hash-c")
    ask(store, taipei(2026, 1, 1, 0, 10), user="user-hash-c")
    # Begun on Jan 31 23:50 and going on into February: January's alone.
    ask(store, taipei(2026, 1, 31, 23, 50), user="user-hash-d")
    ask(store, taipei(2026, 2, 1, 0, 5), user="user-hash-d")
    report = one(store, agencies, "2026-01", "2026-02")
    assert month(report, "2026-01").conversations == 4  # a twice, b, d
    assert month(report, "2026-02").conversations == 0
    assert month(report, "2026-01").questions == 6 and month(report, "2026-02").questions == 1


def test_thumbs_up_rate_and_the_line_between_too_few_and_enough(db, agencies):
    store, _ = db
    for i in range(FEW - 1):  # January: 19 ratings, 15 of them 👍
        rate(store, taipei(2026, 1, 3) + i, "up" if i < 15 else "down")
    for i in range(FEW):  # February: 20 ratings, 10 of them 👍
        rate(store, taipei(2026, 2, 3) + i, "up" if i < 10 else "down")
    report = one(store, agencies)
    jan, feb, mar = (month(report, m) for m in ("2026-01", "2026-02", "2026-03"))
    assert (jan.thumbs_up, jan.thumbs_down, jan.up_rate, jan.few_ratings) == (15, 4, pytest.approx(15 / 19), True)
    assert (feb.up_rate, feb.few_ratings) == (pytest.approx(0.5), False)
    assert mar.up_rate is None and mar.few_ratings
    assert report.total.up_rate == pytest.approx(25 / 39)


def test_satisfaction_mean_distribution_and_response_rate(db, agencies):
    store, _ = db
    for i, stars in enumerate((5, 5, 4, 3, 1)):
        survey(store, taipei(2026, 1, 8) + i, stars)
    offer(store, taipei(2026, 1, 8), times=10)
    for i in range(FEW):  # February: 20 answers of 4 stars, no offers noted
        survey(store, taipei(2026, 2, 8) + i, 4)
    report = one(store, agencies)
    jan, feb = month(report, "2026-01"), month(report, "2026-02")
    assert jan.survey_dist == {1: 1, 2: 0, 3: 1, 4: 1, 5: 2}
    assert (jan.survey_n, jan.survey_mean, jan.survey_offers, jan.response_rate) == (5, pytest.approx(3.6), 10, 0.5)
    assert jan.few_surveys and not feb.few_surveys
    assert (feb.survey_mean, feb.response_rate) == (4.0, None)
    assert report.total.survey_dist == {1: 1, 2: 0, 3: 1, 4: 21, 5: 2}


def test_months_are_taipei_months(db, agencies):
    store, _ = db
    ask(store, taipei(2026, 1, 31, 23, 30), outcome="fallback")  # 15:30 UTC: January either way
    ask(store, taipei(2026, 2, 1, 0, 30))  # still Jan 31 in UTC: February in Taipei
    report = one(store, agencies, "2026-01", "2026-02")
    assert (month(report, "2026-01").fallback, month(report, "2026-01").answered) == (1, 0)
    assert month(report, "2026-02").answered == 1
    february = one(store, agencies, "2026-02", "2026-02")
    assert (february.total.questions, february.total.fallback, february.unanswered) == (1, 0, [])


def seed_unanswered(store) -> int:
    """Fallbacks in three wordings of one question and one unrelated; a 👎-rated answer. Its question id."""
    t = taipei(2026, 2, 10)
    for i, text in enumerate(["停車位在哪"] * 3 + ["停車位在哪裡？"] * 2 + ["停車場在哪裡", "今天天氣如何"]):
        ask(store, t + i * 3600, text=text, outcome="fallback", user=f"user-hash-{i}")
    rated = ask(store, t, text="榮民證遺失怎麼補", user="user-hash-x")
    rate(store, t + 60, "down", question_id=rated, user="user-hash-x", reason="wrong")
    liked = ask(store, t, text="安家費怎麼申請", user="user-hash-y")
    rate(store, t + 60, "up", question_id=liked, user="user-hash-y")
    return rated


def test_similar_unanswered_questions_are_grouped_under_a_stable_key(db, agencies):
    store, _ = db
    seed_unanswered(store)
    groups = one(store, agencies).unanswered
    assert [(g.example, g.count, g.down_votes) for g in groups] == [  # equal counts: the latest first
        ("停車位在哪", 6, 0), ("今天天氣如何", 1, 0), ("榮民證遺失怎麼補", 1, 1)]
    parking = groups[0]
    assert parking.key == question_key("停車位在哪") and parking.status is None
    assert parking.texts == ("停車位在哪", "停車位在哪裡？", "停車場在哪裡")
    assert parking.last_at == taipei(2026, 2, 10) + 5 * 3600
    assert [g.key for g in one(store, agencies).unanswered] == [g.key for g in groups]  # same data, same keys


def test_reviewed_groups_come_after_open_ones_with_their_status(db, agencies):
    store, _ = db
    seed_unanswered(store)
    parking = one(store, agencies).unanswered[0]
    store.set_review("taoyuan-vac", parking.key, "added", taipei(2026, 3, 1))
    store.set_review("taoyuan-vac", question_key("今天天氣如何"), "not_ours", taipei(2026, 3, 1))
    groups = one(store, agencies).unanswered
    assert [(g.example, g.status) for g in groups] == [
        ("榮民證遺失怎麼補", None), ("停車位在哪", "added"), ("今天天氣如何", "not_ours")]
    text = render_text([one(store, agencies)])
    assert "停車位在哪　6 次，最近 2026-02-10〔已加入知識庫〕" in text
    assert "也有人問：停車位在哪裡？、停車場在哪裡" in text
    store.set_review("taoyuan-vac", parking.key, None, taipei(2026, 3, 2))
    assert one(store, agencies).unanswered[0].key == parking.key  # reopened: first again


def test_top_entries_count_typed_answers_and_taps(db, agencies):
    store, _ = db
    t = taipei(2026, 1, 20)
    for _ in range(3):
        ask(store, t, entry_id="employment-station")
    for _ in range(2):
        ask(store, t, outcome="choice", entry_id="retirement-pay-counter")
    ask(store, t, entry_id="no-longer-there")
    ask(store, t, outcome="clarify")
    assert one(store, agencies).top_entries == [
        ("employment-station", "就業站", 3), ("retirement-pay-counter", "退除給付櫃台", 2),
        ("no-longer-there", "no-longer-there", 1)]


def test_peer_groups_put_the_two_veterans_offices_side_by_side(db, agencies):
    store, _ = db
    reports = build(store, agencies, None, "2026-01", "2026-01")
    assert [r.agency for r in reports] == sorted(agencies)
    assert [[r.agency for r in group] for group in peer_groups(reports)] == [["pingtung-vac", "taoyuan-vac"]]
    assert peer_groups(build(store, agencies, "taoyuan-vac", "2026-01", "2026-01")) == []


def test_an_empty_store_gives_an_empty_report_that_says_so(db, agencies):
    store, _ = db
    reports = build(store, agencies, None, "2026-01", "2026-12")
    assert len(reports) == 5 and all(r.empty for r in reports)
    assert all(len(r.months) == 12 and r.total.up_rate is None for r in reports)
    text = render_text(reports)
    assert "這段期間沒有資料" in text and "2026-01 至 2026-12" in text


def test_the_text_shows_figures_marks_small_samples_and_compares_offices(db, agencies):
    store, _ = db
    for i in range(FEW):
        rate(store, taipei(2026, 1, 3) + i, "up" if i < 17 else "down", agency="pingtung-vac",
             entry_id="one-stop-counter")
    for i in range(4):
        rate(store, taipei(2026, 1, 3) + i, "up" if i < 3 else "down")
    text = render_text(build(store, agencies, None, "2026-01", "2026-01"))
    assert "■ 桃園市榮民服務處（taoyuan-vac）" in text and "75.0%＊" in text and "85.0%" in text
    assert "85.0%＊" not in text and "樣本太少" in text
    assert "同類機關並列比較：榮民服務處" in text and "各機關共同指標" in text
    peers = text.split("同類機關並列比較")[1].split("各機關共同指標")[0]
    assert "屏東榮服處" in peers and "桃園榮服處" in peers and "三民區公所" not in peers
    assert "■ 高雄市三民區公所（sanmin-district）\n  這段期間沒有資料。" in text


def test_build_rejects_an_unknown_office(db, agencies):
    with pytest.raises(ReportError, match="taoyuan-vac"):
        build(db[0], agencies, "nowhere", "2026-01", "2026-01")


def test_cli_report_prints_the_figures(db):
    store, path = db
    seed_unanswered(store)
    for i, stars in enumerate((5, 4)):
        survey(store, taipei(2026, 2, 11) + i, stars)
    result = run_cli("report", "--agency", "taoyuan-vac", "--from", "2026-01", "--to", "2026-03",
                     env={"DATABASE_URL": f"sqlite:///{path}"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "服務回饋報告　2026-01 至 2026-03" in out and "■ 桃園市榮民服務處" in out
    assert "停車位在哪　6 次" in out and "4.50＊" in out and "0/0/0/1/1" in out
    feb = next(line for line in out.splitlines() if line.strip().startswith("2026-02") and "%" in line)
    assert feb.split()[1:5] == ["9", "9", "2", "0"]  # conversations, questions, answered, clarified


@pytest.mark.parametrize("args, words", [
    (("--from", "2026-05", "--to", "2026-01"), "前後顛倒"),
    (("--from", "2026-13"), "月份看不懂"),
    (("--agency", "nowhere"), "pingtung-vac"),
])
def test_cli_report_bad_input_is_a_message_and_exit_2(db, args, words):
    result = run_cli("report", *args, env={"DATABASE_URL": f"sqlite:///{db[1]}"})
    assert result.returncode == 2
    assert words in result.stderr and "Traceback" not in result.stderr


def test_cli_report_on_an_empty_store(db):
    result = run_cli("report", "--from", "2026-01", "--to", "2026-02", env={"DATABASE_URL": f"sqlite:///{db[1]}"})
    assert result.returncode == 0, result.stderr
    assert "這段期間沒有資料" in result.stdout
