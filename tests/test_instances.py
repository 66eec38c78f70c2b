"""Several instances on one PostgreSQL, as the deployment guide runs them: two real gunicorn servers on
different ports share the inbox and dedupe, the conversation state and the admin login limit."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import SECRET, server_env
from servers import free_port, running, side_by_side, wait_for
from test_webhook import body_of, text_event

from bot.webhook import signature

ARGV = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "bot.app:create_app()"]
TOKEN = "instances-admin-token-0123456789"


@pytest.fixture(scope="module")
def fake_line(module_fake_line):
    """The fake LINE API of the module's two instances (replies are told apart by their reply tokens)."""
    return module_fake_line


@pytest.fixture(scope="module")
def two(tmp_path_factory, fake_line, module_pg_db):
    """Two instances (ports A and B) on the same PostgreSQL database, started together and shared by the
    module's tests: each test is its own citizen with its own events, and only the last one logs in."""
    servers = []
    for name in ("a", "b"):
        port = free_port()
        folder = tmp_path_factory.mktemp(f"instance-{name}")
        env = server_env(folder, fake_line.url, DATABASE_URL=module_pg_db[1], PORT=str(port),
                         WEB_CONCURRENCY="1", ADMIN_TOKEN=TOKEN)
        servers.append(running([*ARGV, "--bind", f"127.0.0.1:{port}"], env, port, folder / "gunicorn.log"))
    with side_by_side(*servers) as started:
        yield [base for base, _ in started]


def said(text: str, event_id: str, citizen: str) -> dict:
    """A citizen's text message with its own reply token (replies are told apart by it)."""
    return {**text_event(text, event_id, {"type": "user", "userId": citizen}), "replyToken": f"token-{event_id}"}


def deliver(base: str, event: dict) -> int:
    body = body_of(event)
    request = urllib.request.Request(base + "/callback/taoyuan-vac", body, method="POST", headers={
        "X-Line-Signature": signature(SECRET, body), "Content-Type": "application/json"})
    return urllib.request.urlopen(request, timeout=10).status


def replies_to(fake_line, event: dict) -> list[dict]:
    return [r for r in fake_line.replies() if r["replyToken"] == event["replyToken"]]


def test_a_redelivered_event_is_answered_once_across_instances(two, fake_line):
    a, b = two
    event = said("榮民證要去哪裡辦", "01BOTH", "Ue0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5")
    assert deliver(a, event) == 200
    assert deliver(b, {**event, "deliveryContext": {"isRedelivery": True}}) == 200  # LINE tried again elsewhere
    assert wait_for(lambda: replies_to(fake_line, event), 20)
    later = said("處長信箱幾天會回", "01AFTER", "Ue0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5")
    assert deliver(b, later) == 200 and wait_for(lambda: replies_to(fake_line, later), 20)  # B has handled its queue
    assert len(replies_to(fake_line, event)) == 1


def test_a_conversation_started_on_one_instance_continues_on_the_other(two, fake_line):
    a, b = two
    citizen = "Uf0e1d2c3b4a5968778695a4b3c2d1e0f"
    ask = said("補助", "01CHOOSE", citizen)
    assert deliver(a, ask) == 200
    assert wait_for(lambda: replies_to(fake_line, ask), 20)
    (offer,) = replies_to(fake_line, ask)
    assert "您想問的是哪一項" in offer["messages"][0]["text"]
    first_choice = offer["messages"][0]["text"].split("\n1. ")[1].split("\n")[0]
    pick = said("1", "01PICK", citizen)
    assert deliver(b, pick) == 200  # the same citizen types 「1」; LINE happens to reach the other instance
    assert wait_for(lambda: replies_to(fake_line, pick), 20)
    (answer,) = replies_to(fake_line, pick)
    assert first_choice in answer["messages"][0]["text"] + json.dumps(answer, ensure_ascii=False)
    assert "您想問的是哪一項" not in answer["messages"][0]["text"]


def test_the_admin_login_limit_is_shared_by_the_instances(two):
    a, b = two

    def login(base: str) -> int:
        data = urllib.parse.urlencode({"password": "guess"}).encode()
        try:
            return urllib.request.urlopen(urllib.request.Request(base + "/admin/login", data), timeout=10).status
        except urllib.error.HTTPError as exc:
            return exc.code

    assert [login(base) for base in (a, b, a, b, a, b)] == [401] * 5 + [429]
