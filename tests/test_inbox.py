"""The inbox: every event is kept before LINE gets its 200, handled once, taken again when its worker
died, and kept without raw user ids or personal numbers."""

import json
import sqlite3
import time

import pytest

from bot.webhook import poll_inbox
from handlers.postback import encode
from conftest import drain, server_env
from servers import wait_for
from test_webhook import body_of, post, text_event


def rows(tmp_path) -> list[tuple]:
    with sqlite3.connect(tmp_path / "bot.db") as db:
        return db.execute("SELECT event_id, body, done_at, attempts FROM inbox ORDER BY id").fetchall()


def test_an_event_is_in_the_inbox_when_the_200_leaves_and_done_after(app, fake_line, tmp_path):
    app.config["POOL"].submit(time.sleep, 0.5)  # the pool is busy a moment: the 200 does not wait for it
    assert post(app.test_client(), body_of(text_event("榮民證要去哪裡辦", "01KEPT"))).status_code == 200
    (event_id, body, done_at, _), = rows(tmp_path)
    assert event_id == "01KEPT" and json.loads(body)["message"]["text"] == "榮民證要去哪裡辦"
    drain(app)
    (_, body, done_at, _), = rows(tmp_path)
    assert done_at and body == ""  # handled, and its text forgotten
    assert len(fake_line.replies()) == 1


def test_a_redelivered_event_is_answered_once(app, fake_line, tmp_path):
    for _ in range(3):
        assert post(app.test_client(), body_of(text_event("榮民證要去哪裡辦", "01TWICE"))).status_code == 200
    drain(app)
    assert len(fake_line.replies()) == 1 and len(rows(tmp_path)) == 1


def test_an_event_whose_worker_died_is_handled_after_its_lease(tmp_path, fake_line):
    from bot.app import create_app

    env = server_env(tmp_path, fake_line.url, INBOX_LEASE_SECONDS="1")
    dead = create_app(env)
    dead.config["POOL"].shutdown(wait=True)
    dead.config["POOL"].submit = lambda *a, **k: None  # this worker acknowledges, then dies before handling
    assert post(dead.test_client(), body_of(text_event("處長信箱幾天會回？", "01DIED"))).status_code == 200
    survivor = create_app(env)
    assert poll_inbox(survivor) == 0  # still leased by the dead worker
    # Taken once the lease (1 s, counted in whole seconds: up to 2 s) has run out; a look before finds nothing.
    assert wait_for(lambda: poll_inbox(survivor) == 1, 5)
    drain(survivor)
    (reply,) = fake_line.replies()
    assert "五日" in reply["messages"][0]["text"]
    (_, _, done_at, attempts), = rows(tmp_path)
    assert done_at and attempts == 1


def slow_writes(app, seconds: float) -> None:
    """The inbox write takes `seconds` (a busy disk), then lands."""
    real = app.config["STORE"]

    class Slow:
        def __getattr__(self, name):
            return getattr(real, name)

        def enqueue_many(self, *args):
            time.sleep(seconds)
            return real.enqueue_many(*args)

    app.config["STORE"] = Slow()


def test_a_write_that_lands_after_the_200_stays_for_the_next_worker_if_this_one_dies(tmp_path, fake_line):
    from bot.app import create_app

    env = server_env(tmp_path, fake_line.url, INBOX_WRITE_SECONDS="0.1", INBOX_LEASE_SECONDS="1")
    dead = create_app(env)
    slow_writes(dead, 0.5)
    dead.config["POOL"].shutdown(wait=True)
    dead.config["POOL"].submit = lambda *a, **k: None  # the 200 left, then the worker died before handling
    assert post(dead.test_client(), body_of(text_event("處長信箱幾天會回？", "01SLOW"))).status_code == 200
    assert wait_for(lambda: len(rows(tmp_path)) == 1, 5)  # the write landed after the 200
    time.sleep(0.3)
    (_, _, done_at, _), = rows(tmp_path)
    assert done_at is None  # not marked done: nobody handled it
    survivor = create_app(env)
    assert wait_for(lambda: poll_inbox(survivor) == 1, 5)
    drain(survivor)
    (reply,) = fake_line.replies()
    assert "五日" in reply["messages"][0]["text"]
    assert rows(tmp_path)[0][2]


def test_a_write_that_lands_after_the_200_is_answered_once(tmp_path, fake_line):
    from bot.app import create_app

    app = create_app(server_env(tmp_path, fake_line.url, INBOX_WRITE_SECONDS="0.1", INBOX_LEASE_SECONDS="1"))
    slow_writes(app, 0.5)
    assert post(app.test_client(), body_of(text_event("處長信箱幾天會回？", "01SLOWOK"))).status_code == 200
    drain(app)  # answered from memory
    assert wait_for(lambda: rows(tmp_path) and rows(tmp_path)[0][2], 5)  # and marked done when the write landed
    time.sleep(2.1)  # past the lease: a poller finds nothing to answer again
    assert poll_inbox(app) == 0
    drain(app)
    assert len(fake_line.replies()) == 1


def test_an_event_found_too_late_for_its_reply_token_is_still_kept(tmp_path, fake_line, caplog):
    from bot import webhook
    from bot.app import create_app

    env = server_env(tmp_path, fake_line.url, INBOX_LEASE_SECONDS="1")
    dead = create_app(env)
    dead.config["POOL"].submit = lambda *a, **k: None
    rating = {"type": "postback", "mode": "active", "timestamp": 1767225600000, "webhookEventId": "01LATE",
              "replyToken": "late-token", "deliveryContext": {"isRedelivery": False},
              "source": {"type": "user", "userId": "U0d1a10900000000000000000000late"},
              "postback": {"data": encode("sv", stars=5)}}
    post(dead.test_client(), body_of(rating))
    survivor = create_app(env)
    old_window, webhook.REPLY_WINDOW = webhook.REPLY_WINDOW, 0  # as if the worker came back a minute later
    try:
        assert wait_for(lambda: poll_inbox(survivor) == 1, 5)  # once the 1 s lease has run out
        drain(survivor)
    finally:
        webhook.REPLY_WINDOW = old_window
    assert fake_line.replies() == [] and "stale reply token skipped event_id=01LATE" in caplog.text
    with sqlite3.connect(tmp_path / "bot.db") as db:
        assert db.execute("SELECT stars FROM survey_ratings").fetchall() == [(5,)]


def test_the_inbox_keeps_no_raw_user_id_and_no_personal_numbers(app, tmp_path):
    app.config["POOL"].submit = lambda *a, **k: None  # keep it unhandled, to read what was stored
    user = "U0d1a10900000000000000000000raw01"
    event = text_event("我的手機0912345678，身分證A123456789，榮民證要去哪裡辦", "01PRIVATE",
                       source={"type": "user", "userId": user})
    post(app.test_client(), body_of(event))
    (_, body, _, _), = rows(tmp_path)
    assert user not in body and "0912345678" not in body and "A123456789" not in body
    assert json.loads(body)["source"]["userId"].startswith("h:")


class Down:
    """A database that refuses every call."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise OSError("database down")
        return fail


def spooled(tmp_path) -> list:
    return sorted((tmp_path / "spool").glob("*.events.json"))


def test_with_the_database_down_events_are_still_answered_from_memory(app, fake_line, caplog, tmp_path):
    app.config["STORE"] = Down()
    assert post(app.test_client(), body_of(text_event("榮民證要去哪裡辦", "01DOWN"))).status_code == 200
    drain(app)
    assert len(fake_line.replies()) == 1 and "inbox unavailable" in caplog.text
    # Answered: its spool file is gone (a typed message is not handled a second time later).
    assert spooled(tmp_path) == [] and "kept in the spool" in caplog.text


def test_events_acknowledged_with_the_database_down_survive_their_worker(tmp_path, fake_line):
    from bot.app import create_app
    from bot.webhook import replay_spool

    env = server_env(tmp_path, fake_line.url)
    dead = create_app(env)
    dead.config["STORE"] = Down()
    dead.config["POOL"].shutdown(wait=True)
    dead.config["POOL"].submit = lambda *a, **k: None  # the 200 left, then the worker died before handling
    assert post(dead.test_client(), body_of(text_event("處長信箱幾天會回？", "01SPOOL"))).status_code == 200
    assert len(spooled(tmp_path)) == 1 and rows(tmp_path) == []
    survivor = create_app(env)
    assert replay_spool(survivor) == 0  # its worker is alive: it may still answer them
    dead.config["SPOOL"].close()  # as the worker's death does: its lock is let go
    assert replay_spool(survivor) == 1 and spooled(tmp_path) == []
    assert poll_inbox(survivor) == 1
    drain(survivor)
    (reply,) = fake_line.replies()
    assert "五日" in reply["messages"][0]["text"]
    assert rows(tmp_path)[0][2]  # handled and done


def test_a_rating_tapped_with_the_database_down_is_kept_when_it_is_back(app, fake_line, tmp_path):
    from bot.webhook import replay_spool
    from load import feedback_events

    real = app.config["STORE"]
    app.config["STORE"] = Down()
    event = feedback_events(1)[0]
    assert post(app.test_client(), json.dumps({"destination": "U", "events": [event]}).encode()).status_code == 200
    drain(app)
    assert len(fake_line.replies()) == 1  # "not saved, please try again", from memory
    (ready,) = spooled(tmp_path)  # the tap waits in the spool for the database
    assert ready.name.startswith("ready-") and event["webhookEventId"] in ready.read_text(encoding="utf-8")
    app.config["STORE"] = real  # the database is back
    assert replay_spool(app) == 1 and poll_inbox(app) == 1
    drain(app)
    with sqlite3.connect(tmp_path / "bot.db") as db:
        assert db.execute("SELECT event_id FROM answer_ratings").fetchall() == [(event["webhookEventId"],)]
    assert len(fake_line.replies()) == 1  # handled again without a second reply
    assert spooled(tmp_path) == []


@pytest.mark.parametrize("header", ["簽章", "a" * 10 + "é"])
def test_a_signature_header_that_is_not_ascii_is_a_400(app, header):
    body = body_of(text_event("你好", "01SIG"))
    assert post(app.test_client(), body, signature=header).status_code == 400


def test_json_nested_thousands_deep_is_a_400_not_a_500(app):
    body = ("{\"events\": " + "[" * 5000 + "]" * 5000 + "}").encode()
    assert post(app.test_client(), body).status_code == 400


@pytest.mark.parametrize("change", [
    lambda e: e.pop("source"),                                                      # a message without source
    lambda e: e["source"].update(userId="U\udc00surrogate"),                        # a lone surrogate
    lambda e: e.update(webhookEventId="\ud800" + "<script>" * 2000, type="message"),  # a hostile id
])
def test_odd_events_get_an_answer_and_no_traceback(app, fake_line, caplog, change):
    event = text_event("榮民證要去哪裡辦", "01ODD")
    change(event)
    body = json.dumps({"destination": "U123", "events": [event]}).encode()  # escapes, as LINE's JSON would
    assert post(app.test_client(), body).status_code == 200
    drain(app)
    assert "Traceback" not in caplog.text and "event failed" not in caplog.text
    assert len(fake_line.replies()) == 1 and "榮民證" in fake_line.replies()[0]["messages"][0]["text"]
    assert all(len(r.getMessage()) < 1000 for r in caplog.records)


def test_survey_stars_in_other_digits_are_not_read_as_numbers(app, fake_line, caplog):
    event = {"type": "postback", "mode": "active", "timestamp": 1767225600000, "webhookEventId": "01STAR",
             "replyToken": "star-token", "deliveryContext": {"isRedelivery": False},
             "source": {"type": "user", "userId": "U0d1a10900000000000000000000star"},
             "postback": {"data": "v=1&a=sv&s=%C2%B2"}}  # 「²」
    assert post(app.test_client(), body_of(event)).status_code == 200
    drain(app)
    assert "Traceback" not in caplog.text and len(fake_line.replies()) == 1


def test_sqlite_recovers_by_itself_after_a_read_only_spell(tmp_path):
    from bot.store import Survey, open_store

    store = open_store(f"sqlite:///{tmp_path / 'bot.db'}")
    assert store.add_survey(Survey("taoyuan-vac", "u1", 5, 1, "e1"))
    store._conn().execute("PRAGMA query_only=ON")  # this worker's connection went read-only
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        store.add_survey(Survey("taoyuan-vac", "u2", 4, 2, "e2"))
    assert store.add_survey(Survey("taoyuan-vac", "u3", 3, 3, "e3"))  # the next write works: no restart


def test_a_hung_database_does_not_hold_the_200(tmp_path, fake_line, caplog):
    import threading

    from bot.app import create_app

    # The 200 waits INBOX_WRITE_SECONDS for the write (1.8 s in production), then answers from memory.
    app = create_app(server_env(tmp_path, fake_line.url, LINE_API_TIMEOUT="1", INBOX_WRITE_SECONDS="0.2"))
    released = threading.Event()
    real = app.config["STORE"]

    class Hung:
        def __getattr__(self, name):
            return getattr(real, name)

        def enqueue_many(self, *args):
            released.wait(10)  # the server stopped answering mid-statement
            raise OSError("gone")

    app.config["STORE"] = Hung()
    try:
        assert post(app.test_client(), body_of(text_event("榮民證要去哪裡辦", "01HUNG"))).status_code == 200
        assert not released.is_set()  # the 200 left while the write still hung
    finally:
        released.set()
    drain(app)
    app.config["POOL"].shutdown(wait=True)
    assert len(fake_line.replies()) == 1 and "inbox unavailable" in caplog.text
