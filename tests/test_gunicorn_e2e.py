"""End to end: a real gunicorn with 2 workers, a real SQLite file and the fake LINE API."""

import json
import sys
import urllib.request
from pathlib import Path

import pytest

from bot.store import open_store
from conftest import FIXTURES, server_env, sign
from servers import free_port, pending, running, wait_for

SAMPLE = (FIXTURES / "sdk-webhook-sample.json").read_bytes()


def _post(url: str, body: bytes) -> int:
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"X-Line-Signature": sign(body), "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def logged(log) -> str:
    """The server's log so far, read through a handle of its own (the server writes at `log`'s offset)."""
    return Path(log.name).read_text(encoding="utf-8")


@pytest.fixture()
def server(tmp_path: Path, fake_line):
    """gunicorn serving create_app() on a free loopback port, with its log captured."""
    port = free_port()
    env = server_env(tmp_path, fake_line.url, PORT=str(port), WEB_CONCURRENCY="2")
    argv = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
            "bot.app:create_app()"]
    with running(argv, env, port, tmp_path / "gunicorn.log") as started:
        yield started


def test_sample_and_each_event_alone_under_two_workers(server, fake_line, tmp_path):
    base, log = server
    store = open_store(f"sqlite:///{tmp_path / 'bot.db'}")
    assert _post(base + "/callback", SAMPLE) == 200
    # Until the inbox has nothing left to do: a second answer would have gone out by then.
    assert wait_for(lambda: len(fake_line.replies()) >= 1 and pending(store) == 0)
    assert len(fake_line.replies()) == 1  # 28 events, one webhookEventId: answered once

    events = json.loads(SAMPLE)["events"]
    for i, event in enumerate(events):
        body = json.dumps({"destination": "U123", "events": [dict(event, webhookEventId=f"01E2E{i:04d}")]}).encode()
        assert _post(base + "/callback/taoyuan-vac", body) == 200
    redelivered = next(i for i, e in enumerate(events) if e["deliveryContext"]["isRedelivery"]
                       and e["type"] == "message")
    again = json.dumps({"destination": "U123",
                        "events": [dict(events[redelivered], webhookEventId=f"01E2E{redelivered:04d}")]}).encode()
    assert _post(base + "/callback/taoyuan-vac", again) == 200
    texts_1to1 = [e for e in events if e["type"] == "message" and e["message"]["type"] == "text"
                  and e["source"]["type"] == "user"]
    # Until every event is done in the inbox and the redelivered one is logged twice (answered, duplicate).
    assert wait_for(lambda: len(fake_line.replies()) >= 1 + len(texts_1to1) and pending(store) == 0
                    and logged(log).count('"event_id": "01E2E%04d"' % redelivered) >= 2)
    store.close()
    tokens = [r["replyToken"] for r in fake_line.replies()[1:]]
    assert all(e["replyToken"] in tokens for e in texts_1to1)
    # The redelivered event was answered exactly once, though posted twice to two workers.
    log.flush()
    log.seek(0)
    text = log.read()
    assert text.count('"event_id": "01E2E%04d"' % redelivered) == 2
    assert '"outcome": "duplicate"' in text
    assert "Traceback" not in text and "Worker exited" not in text
