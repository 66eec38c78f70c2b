"""Feedback, the survey and opinions through the real webhook, stored in a real SQLite file."""

import re

import pytest

from bot.app import create_app
from bot.webhook import hash_user
from chat import USER, Conversation, ask
from conftest import drain, server_env

QUESTION = "榮民證要去哪裡辦？"


@pytest.fixture()
def app(tmp_path, fake_line, db_url):
    """The app on each kind of database (SQLite file, PostgreSQL server) with the fake LINE API."""
    app = create_app(server_env(tmp_path, fake_line.url, DATABASE_URL=db_url, LINE_API_TIMEOUT="1"))
    yield app
    app.config["POOL"].shutdown(wait=True)
    app.config["STORE"].close()


def rows(app, sql: str) -> list[tuple]:
    """Query the app's database directly, as a supervisor's report would."""
    return [tuple(row) for row in app.config["STORE"]._run(sql).fetchall()]


def test_thumbs_up_is_kept_with_its_question_and_brings_the_survey_once(app, fake_line):
    talk = Conversation(app, fake_line)
    talk.say(QUESTION)
    reply = talk.tap("👍 有幫助")
    assert "謝謝您的回饋" in reply and "打個分數" in reply
    assert talk.labels == ["5 很滿意", "4 滿意", "3 普通", "2 不滿意", "1 很不滿意"]
    [(rating, question, user)] = rows(app, "SELECT r.rating, q.text, r.user_hash FROM answer_ratings r "
                                           "JOIN questions q ON q.id = r.question_id")
    assert (rating, question) == ("up", QUESTION)
    assert user == hash_user("test-user-hash-key", USER) and USER not in user
    talk.say(QUESTION)
    assert "打個分數" not in talk.tap("👍 有幫助")  # at most once per SURVEY_EVERY_DAYS


def test_thumbs_down_asks_the_reason_then_an_optional_comment_which_is_redacted(app, fake_line):
    talk = Conversation(app, fake_line)
    talk.say(QUESTION)
    assert "哪裡不好" in talk.tap("👎 沒幫助")
    assert talk.labels == ["答非所問", "資訊不完整", "看不懂", "其他"]
    assert "想多說一點" in talk.tap("資訊不完整")
    assert "謝謝您寶貴的意見" in talk.say("沒寫要帶什麼，請打0912345678給我，身分證A123456789")
    [(reason, comment)] = rows(app, "SELECT reason, comment FROM answer_ratings")
    assert reason == "incomplete"
    assert comment == "沒寫要帶什麼，請打〔電話〕給我，身分證〔身分證號〕"


def test_the_survey_on_demand_and_no_thanks(app, fake_line):
    talk = Conversation(app, fake_line)
    assert "打個分數" in talk.say("滿意度調查")
    assert "想多說一點" in talk.tap("4 滿意")
    assert "好的" in talk.tap("不用了")
    assert rows(app, "SELECT stars, comment FROM survey_ratings") == [(4, None)]
    assert "打個分數" in talk.say("滿意度調查")
    assert "謝謝您的評分" in talk.say("5分")  # typed stars count too
    assert sorted(rows(app, "SELECT stars FROM survey_ratings")) == [(4,), (5,)]


def test_a_thank_you_after_an_answer_brings_the_survey(app, fake_line):
    talk = Conversation(app, fake_line)
    talk.say(QUESTION)
    assert "打個分數" in talk.say("謝謝")
    assert "打個分數" not in Conversation(app, fake_line, user="U" + "2" * 32).say("謝謝")  # no answer yet


def test_an_opinion_gets_the_formal_channels_and_a_reference_number(app, fake_line, agencies):
    talk = Conversation(app, fake_line)
    intro = talk.say("我要反映意見")
    channels = [e for e in agencies["taoyuan-vac"].entries if e.kind == "channel"]
    assert all(e.title in intro for e in channels[:4])
    assert any(f"{e.reply_days} 日內回覆" in intro for e in channels if e.reply_days)
    assert "300 字" in talk.tap("留下意見")
    receipt = talk.say("櫃台的人很親切，可是停車位太少。我的信箱 amy@example.com")
    reference = re.search(r"編號：(\d{8}-\d{4})", receipt).group(1)
    assert rows(app, "SELECT reference, text FROM opinions") == [
        (reference, "櫃台的人很親切，可是停車位太少。我的信箱 〔電子郵件〕")]


def test_a_new_question_leaves_a_flow(app, fake_line):
    talk = Conversation(app, fake_line)
    talk.say(QUESTION)
    talk.tap("👎 沒幫助")
    talk.tap("看不懂")
    assert "單一窗口" in talk.say("榮民證要去哪裡辦")  # answered, not kept as a comment
    assert rows(app, "SELECT comment FROM answer_ratings") == [(None,)]


def test_flow_state_is_shared_by_workers_and_expires(tmp_path, fake_line, db_url):
    env = server_env(tmp_path, fake_line.url, DATABASE_URL=db_url)
    workers = [create_app(env) for _ in range(3)]  # three processes' apps on one SQLite file
    talk = Conversation(workers[0], fake_line)
    talk.say(QUESTION)
    talk.app = workers[1]
    talk.tap("👎 沒幫助")
    talk.app = workers[2]
    talk.tap("其他")
    talk.app = workers[0]
    talk.say("字太小了")
    assert rows(workers[0], "SELECT reason, comment FROM answer_ratings") == [("other", "字太小了")]

    expired = create_app({**env, "STATE_MINUTES": "0"})
    late = Conversation(expired, fake_line, user="U" + "3" * 32)
    late.say(QUESTION)
    late.tap("👎 沒幫助")
    late.tap("其他")
    late.say("字太小了")  # the wait expired at once: this is a question now
    assert rows(expired, "SELECT comment FROM answer_ratings WHERE reason = 'other' AND comment IS NULL")
    for worker in workers + [expired]:
        drain(worker)
        worker.config["STORE"].close()


@pytest.mark.parametrize("data, expected", [
    ("v=1&a=fb&e=no-such-entry&r=up", "不能用了"),
    ("v=1&a=fb&e=veteran-id-card&r=meh", "不能用了"),
    ("v=1&a=sv&s=9", "1 到 5"),
    ("v=1&a=sv&s=0", "1 到 5"),
    ("v=1&a=why&k=1&r=wrong", "不能用了"),  # someone else's (or no) rating
    ("v=1&a=why&k=1&r=' OR 1=1 --", "不能用了"),
    ("v=9&a=ans&e=veteran-id-card", "不能用了"),
    ("%%%", "不能用了"),
])
def test_forged_postbacks_get_a_clear_reply_and_store_nothing(app, fake_line, data, expected):
    assert expected in Conversation(app, fake_line).postback(data)
    assert rows(app, "SELECT count(*) FROM answer_ratings") == [(0,)]
    assert rows(app, "SELECT count(*) FROM survey_ratings") == [(0,)]


def test_long_odd_and_sql_looking_comments_are_kept_safely(app, fake_line):
    talk = Conversation(app, fake_line)
    talk.say("滿意度調查")
    talk.tap("3 普通")
    assert "只保存前 300 個字" in talk.say("很好" * 5000)
    talk.say("滿意度調查")
    talk.tap("2 不滿意")
    talk.say("'); DROP TABLE survey_ratings; -- 😀\x07\x1b")
    comments = [c for (c,) in rows(app, "SELECT comment FROM survey_ratings ORDER BY id")]
    assert comments == ["很好" * 150, "'); DROP TABLE survey_ratings; -- 😀"]


def test_the_database_failing_costs_the_feedback_not_the_answer(app, fake_line, caplog):
    talk = Conversation(app, fake_line)
    talk.say(QUESTION)
    app.config["STORE"]._run("DROP TABLE answer_ratings")  # the database breaks under the running bot
    assert "沒有存到" in talk.tap("👍 有幫助")
    assert "store add_rating failed event_id=" in caplog.text
    assert "單一窗口" in talk.say(QUESTION)  # questions are still answered


def test_raw_user_ids_reach_neither_the_database_nor_the_log(app, fake_line, caplog):
    caplog.set_level("INFO")
    talk = Conversation(app, fake_line)
    talk.say("我的電話是0912345678，" + QUESTION)
    talk.tap("👎 沒幫助")
    talk.tap("其他")
    talk.say("請打給我 0912345678")
    for table in ("questions", "answer_ratings", "conversation_state", "processed_events"):
        dump = repr(rows(app, f"SELECT * FROM {table}"))
        assert USER not in dump and "0912345678" not in dump, table
    if hasattr(app.config["STORE"], "path"):  # SQLite: not even in free pages or the WAL
        store_bytes = b"".join(p.read_bytes() for p in app.config["STORE"].path.parent.glob("bot.db*"))
        assert USER.encode() not in store_bytes and "0912345678".encode() not in store_bytes
    assert USER not in caplog.text and "0912345678" not in caplog.text and "榮民證" not in caplog.text


def test_the_bot_starts_and_answers_with_the_database_down(tmp_path, fake_line, caplog):
    down = create_app(server_env(tmp_path, fake_line.url, DATABASE_URL="postgresql://bot@127.0.0.1:9/nowhere"))
    talk = Conversation(down, fake_line)
    assert "單一窗口" in talk.say(QUESTION)
    assert "沒有存到" in talk.tap("👍 有幫助")
    assert "database unavailable at start" in caplog.text and "dedupe unavailable" in caplog.text
    drain(down)


def test_the_follow_greeting_says_what_is_kept(app, fake_line):
    reply = ask(app, fake_line, "taoyuan-vac", {
        "type": "follow", "mode": "active", "timestamp": 1, "source": {"type": "user", "userId": USER},
        "webhookEventId": "01FOLLOW", "replyToken": "tok-follow", "deliveryContext": {"isRedelivery": False},
        "follow": {"isUnblocked": False}})
    assert "保存您的提問、評分和意見一年" in reply["messages"][0]["text"]


def test_an_opinion_typed_without_the_button_is_kept_after_one_confirmation(app, fake_line):
    talk = Conversation(app, fake_line)
    talk.say("我要反映意見")
    confirm = talk.say("公園的廁所很髒，請派人打掃，電話 0912345678")  # typed straight away, no 「留下意見」
    assert "要把這段話當作您的意見送出嗎" in confirm and "0912345678" not in confirm
    assert rows(app, "SELECT text FROM opinions") == []  # not before the confirmation
    receipt = talk.tap("送出意見")
    assert re.search(r"編號：\d{8}-\d{4}", receipt)
    assert rows(app, "SELECT text FROM opinions") == [("公園的廁所很髒，請派人打掃，電話 〔電話〕",)]
    assert "已經不能用" in talk.postback("v=1&a=opc")  # sent once; a second tap keeps nothing more
    assert len(rows(app, "SELECT text FROM opinions")) == 1


def test_an_opinion_after_a_survey_is_an_opinion_not_the_surveys_comment(app, fake_line):
    talk = Conversation(app, fake_line)
    talk.say("滿意度調查")
    talk.say("5")
    talk.say("我要反映意見")  # a new flow ends the survey's waiting comment
    talk.say("公園的廁所很髒")
    assert re.search(r"編號：", talk.tap("送出意見"))
    assert rows(app, "SELECT stars, comment FROM survey_ratings") == [(5, None)]
    assert rows(app, "SELECT text FROM opinions") == [("公園的廁所很髒",)]


def test_an_unconfirmed_opinion_is_dropped_when_the_citizen_says_no(app, fake_line):
    talk = Conversation(app, fake_line)
    talk.say("我要反映意見")
    talk.say("榮民證要去哪裡辦")
    assert "好的" in talk.tap("不用了")
    assert rows(app, "SELECT text FROM opinions") == []
    assert "單一窗口" in talk.say("榮民證要去哪裡辦")  # and questions are answered again
