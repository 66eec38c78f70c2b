"""Nothing acknowledged is lost: 1,000 ratings in batched deliveries, the whole server killed (-9) right
after LINE got its 200s, restarted: every rating is kept once, on SQLite and PostgreSQL."""

import json
import os
import signal
import subprocess
import sys
import urllib.request

from bot.store import open_store
from bot.webhook import signature
from conftest import ROOT, SECRET, server_env
from load import feedback_events
from servers import _healthy, free_port, wait_for

# The kill finds nearly all of them unhandled; the restart's time goes to handling them (300 a second).
DELIVERIES, PER_DELIVERY = 10, 100


def start(env: dict, port: int, log) -> subprocess.Popen:
    argv = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
            "bot.app:create_app()"]
    proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # its own process group: killed master and workers at once
    assert wait_for(lambda: _healthy(f"http://127.0.0.1:{port}") or proc.poll() is not None, 30)
    assert proc.poll() is None
    return proc


def deliver(port: int, events: list[dict]) -> int:
    body = json.dumps({"destination": "Ucrash", "events": events}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/callback/taoyuan-vac", body, method="POST",
                                     headers={"X-Line-Signature": signature(SECRET, body),
                                              "Content-Type": "application/json"})
    return urllib.request.urlopen(request, timeout=10).status


def test_acknowledged_ratings_survive_a_crash_and_restart(tmp_path, fake_line, db_url):
    fake_line.delay = 0.05  # replies take time, so the kill finds most events unhandled
    port = free_port()
    env = server_env(tmp_path, fake_line.url, DATABASE_URL=db_url, PORT=str(port), WEB_CONCURRENCY="2",
                     INBOX_LEASE_SECONDS="2", INBOX_POLL_SECONDS="0.5")
    events = feedback_events(DELIVERIES * PER_DELIVERY)
    store = open_store(db_url)
    count = lambda: store._run("SELECT COUNT(*) FROM answer_ratings").fetchone()[0]  # noqa: E731
    with (tmp_path / "first.log").open("w") as log:
        first = start(env, port, log)
        statuses = [deliver(port, events[i:i + PER_DELIVERY]) for i in range(0, len(events), PER_DELIVERY)]
        os.killpg(first.pid, signal.SIGKILL)  # a crash: no graceful stop, queued work dies with the workers
        first.wait(timeout=10)
    assert statuses == [200] * DELIVERIES
    kept_before = count()
    assert kept_before < len(events)  # the crash did interrupt the work
    fake_line.delay = 0.0
    with (tmp_path / "second.log").open("w") as log:
        second = start(env, port, log)
        try:
            assert wait_for(lambda: count() >= len(events), 90), f"{count()} of {len(events)} kept"
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(timeout=30)
    assert count() == len(events)
    ids = {row[0] for row in store._run("SELECT event_id FROM answer_ratings").fetchall()}
    assert ids == {e["webhookEventId"] for e in events}
    text = (tmp_path / "second.log").read_text(encoding="utf-8")
    assert "Traceback" not in text
    store.close()
