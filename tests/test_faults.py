"""LINE gets its 200 whatever LINE's API or the database does: a real gunicorn, a fake LINE API that
stalls, an SQLite file locked by another process. The checks are orderings (the 200 came back while
LINE's API was still silent, while the file was still locked), not timings; the times are printed."""

import sqlite3
import sys
import threading
import time

from conftest import SECRET, server_env
from load import feedback_events, send_all
from servers import free_port, running, wait_for

HOLD = 15.0  # seconds the other process holds SQLite's lock
ARGV = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "bot.app:create_app()"]


def timed_sends(base: str, events: list[dict]) -> list[float]:
    """Send each event alone, one after another; the seconds each 200 took."""
    took = []
    for event in events:
        started = time.perf_counter()
        statuses, _ = send_all(base, [event], SECRET, concurrency=1)
        assert statuses == [200]
        took.append(time.perf_counter() - started)
    return took


def test_the_200_never_waits_for_a_silent_line_api(tmp_path, fake_line):
    fake_line.delay = 20.0  # LINE's API accepts the connection and does not answer
    port = free_port()
    env = server_env(tmp_path, fake_line.url, PORT=str(port), WEB_CONCURRENCY="2")
    with running([*ARGV, "--bind", f"127.0.0.1:{port}"], env, port, tmp_path / "gunicorn.log") as (base, _):
        took = timed_sends(base, feedback_events(30))
    print(f"silent LINE API: slowest 200 {max(took):.3f} s, median {sorted(took)[15]:.3f} s")
    assert max(took) < fake_line.delay  # no 200 waited for LINE's answer


def test_the_200_never_waits_long_on_a_locked_database(tmp_path, fake_line):
    port = free_port()
    env = server_env(tmp_path, fake_line.url, PORT=str(port), WEB_CONCURRENCY="2")
    with running([*ARGV, "--bind", f"127.0.0.1:{port}"], env, port, tmp_path / "gunicorn.log") as (base, log):
        holder = sqlite3.connect(tmp_path / "bot.db", isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN EXCLUSIVE")  # another process holds the file for a while
        locked_until = time.perf_counter() + HOLD
        release = threading.Timer(HOLD, lambda: holder.execute("ROLLBACK"))
        release.start()
        try:
            took = timed_sends(base, feedback_events(4))
            all_acknowledged = time.perf_counter()
        finally:
            release.join()
        assert all_acknowledged < locked_until  # every 200 came while the file was still locked
        assert wait_for(lambda: len(fake_line.replies()) >= 4, 60)  # answered from memory
        log.seek(0)
        text = log.read()
    print(f"locked SQLite: slowest 200 {max(took):.3f} s")
    assert "inbox unavailable" in text and "Traceback" not in text


def test_slow_clients_do_not_hold_the_webhook(tmp_path, fake_line):
    import socket

    port = free_port()
    env = server_env(tmp_path, fake_line.url, PORT=str(port), WEB_CONCURRENCY="2")
    with running([*ARGV, "--bind", f"127.0.0.1:{port}"], env, port, tmp_path / "gunicorn.log") as (base, _):
        slow = []
        for _ in range(4):  # more slow clients than workers: each sends its headers, then a byte now and then
            conn = socket.create_connection(("127.0.0.1", port))
            conn.sendall(b"POST /callback HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
            slow.append(conn)
        try:
            took = timed_sends(base, feedback_events(3))
            still_connected = all(c.send(b" ") == 1 for c in slow)
        finally:
            for conn in slow:
                conn.close()
    print(f"slow clients: slowest genuine 200 {max(took):.3f} s")
    assert still_connected  # the genuine webhooks were answered while the slow clients held on
    assert wait_for(lambda: len(fake_line.replies()) >= 3, 30)


def test_postgresql_down_still_answers_and_logs(tmp_path, fake_line):
    port, dead = free_port(), free_port()  # nothing listens on `dead`: the database is down
    env = server_env(tmp_path, fake_line.url, PORT=str(port), WEB_CONCURRENCY="2",
                     DATABASE_URL=f"postgresql://desk@127.0.0.1:{dead}/desk")
    with running([*ARGV, "--bind", f"127.0.0.1:{port}"], env, port, tmp_path / "gunicorn.log") as (base, log):
        took = timed_sends(base, feedback_events(5))
        assert wait_for(lambda: len(fake_line.replies()) >= 5, 30)
        log.seek(0)
        text = log.read()
    print(f"PostgreSQL down: slowest 200 {max(took):.3f} s")
    assert "inbox unavailable" in text and "Traceback" not in text
