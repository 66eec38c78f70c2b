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


def restart_until(env: dict, port: int, log_path, count, expected: int, seconds: float) -> None:
    """Start the server again, wait until `count()` reaches `expected`, then stop it gracefully."""
    with log_path.open("w") as log:
        server = start(env, port, log)
        try:
            assert wait_for(lambda: count() >= expected, seconds), f"{count()} kept"
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


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
    restart_until(env, port, tmp_path / "second.log", count, len(events), 90)
    assert count() == len(events)
    ids = {row[0] for row in store._run("SELECT event_id FROM answer_ratings").fetchall()}
    assert ids == {e["webhookEventId"] for e in events}
    text = (tmp_path / "second.log").read_text(encoding="utf-8")
    assert "Traceback" not in text
    store.close()


def test_ratings_acknowledged_while_postgresql_is_down_survive_a_crash(tmp_path, fake_line):
    import pg_server

    server = pg_server.start()  # this test's own server: it is stopped mid-test
    try:
        fake_line.delay = 0.3  # answers from memory take time, so the kill finds some not yet handled
        port = free_port()
        env = server_env(tmp_path, fake_line.url, DATABASE_URL=server.url, PORT=str(port), WEB_CONCURRENCY="2",
                         INBOX_POLL_SECONDS="0.5")
        events = feedback_events(100)
        with (tmp_path / "first.log").open("w") as log:
            first = start(env, port, log)
            pg_server.halt(server)  # the outage: the inbox cannot keep the events before the 200s
            statuses = [deliver(port, events[i:i + 20]) for i in range(0, len(events), 20)]
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        assert statuses == [200] * 5
        assert list((tmp_path / "spool").glob("*.events.json"))  # acknowledged, kept on disk only
        pg_server.resume(server)
        fake_line.delay = 0.0
        store = open_store(server.url)
        count = lambda: store._run("SELECT COUNT(*) FROM answer_ratings").fetchone()[0]  # noqa: E731
        restart_until(env, port, tmp_path / "second.log", count, len(events), 60)
        ids = {row[0] for row in store._run("SELECT event_id FROM answer_ratings").fetchall()}
        assert count() == len(events) and ids == {e["webhookEventId"] for e in events}
        assert not list((tmp_path / "spool").glob("*.events.json"))
        assert "Traceback" not in (tmp_path / "second.log").read_text(encoding="utf-8")
        store.close()
    finally:
        pg_server.stop(server)
