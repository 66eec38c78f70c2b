"""Stateless channel access tokens: issued from the channel id and secret by the fake LINE API, used for
replies, renewed before they expire; a failed renewal keeps the current token while it is valid."""

import time

import pytest

from bot.app import create_app
from conftest import SECRET, drain, server_env
from fake_line import STATELESS
from test_webhook import body_of, post, text_event

CHANNEL_ID = "1656000001"


@pytest.fixture()
def stateless(tmp_path, fake_line):
    fake_line.channels = {CHANNEL_ID: SECRET}  # replies now need a token LINE issued and that has not expired
    fake_line.token_seconds = 2
    app = create_app(server_env(tmp_path, fake_line.url, LINE_CHANNEL_ACCESS_TOKEN="", LINE_CHANNEL_ID=CHANNEL_ID))
    yield app
    app.config["POOL"].shutdown(wait=True)


def ask(app, event_id: str) -> None:
    assert post(app.test_client(), body_of(text_event("榮民證要去哪裡辦", event_id))).status_code == 200
    drain(app)


def reply_tokens(fake_line) -> list[str]:
    return [c.authorization for c in fake_line.calls if c.path == "/v2/bot/message/reply"]


def issues(fake_line) -> int:
    return sum(c.path == STATELESS for c in fake_line.calls)


def test_replies_use_a_stateless_token_renewed_before_it_expires(stateless, fake_line, caplog):
    ask(stateless, "01TOK1")
    ask(stateless, "01TOK2")
    first, second = reply_tokens(fake_line)
    assert first.startswith("Bearer stateless-") and first == second and issues(fake_line) == 1  # reused
    time.sleep(1.7)  # past 80% of the token's 2 s life, before its end
    ask(stateless, "01TOK3")
    assert reply_tokens(fake_line)[2] != first and issues(fake_line) == 2
    assert len(fake_line.replies()) == 3 and "reply failed" not in caplog.text  # LINE accepted every token


def test_a_failed_renewal_keeps_the_valid_token_then_fails_cleanly(stateless, fake_line, caplog):
    ask(stateless, "01TOK4")
    fake_line.path_status = {STATELESS: 500}  # LINE cannot issue tokens for a while
    time.sleep(1.7)
    ask(stateless, "01TOK5")  # renewal failed: the current token is still valid and used
    assert len(set(reply_tokens(fake_line))) == 1 and "renewal failed" in caplog.text
    time.sleep(0.5)  # now expired, and still no new one
    ask(stateless, "01TOK6")
    assert "reply failed event_id=01TOK6" in caplog.text and "Traceback" not in caplog.text
    fake_line.path_status = {}
    ask(stateless, "01TOK7")  # LINE is back: a new token, and the reply goes out
    assert issues(fake_line) >= 3 and reply_tokens(fake_line)[-1] != reply_tokens(fake_line)[0]
    assert any(r["replyToken"] == text_event("x", "01TOK7")["replyToken"] for r in fake_line.replies())


def test_a_wrong_secret_gets_no_token_and_the_reply_failure_is_logged(tmp_path, fake_line, caplog):
    fake_line.channels = {CHANNEL_ID: "another-secret"}
    app = create_app(server_env(tmp_path, fake_line.url, LINE_CHANNEL_ACCESS_TOKEN="", LINE_CHANNEL_ID=CHANNEL_ID))
    ask(app, "01TOK8")
    assert fake_line.replies() == [] and "reply failed event_id=01TOK8 status=400" in caplog.text
    app.config["POOL"].shutdown(wait=True)
