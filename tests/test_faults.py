"""LINE gets its 200 whatever LINE's API or the database does, and the store recovers by itself: a real
gunicorn, a fake LINE API that stalls, an SQLite file locked by another process, a PostgreSQL server
stopped and started again. The checks are orderings (the 200 came back while LINE's API was still
silent, while the file was still locked; events are stored again after the fault cleared), not
timings; the times are printed."""

import sqlite3
import sys
import threading
import time

import pg_server
from bot.store import open_store
from conftest import SECRET, server_env
from load import feedback_events, send_all
from servers import free_port, running, slow_clients, wait_for

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


def ratings(url: str) -> int:
    """How many ratings the database holds (opened afresh: the caller's database may have been down)."""
    store = open_store(url)
    try:
        return store._run("SELECT COUNT(*) FROM answer_ratings").fetchone()[0]
    finally:
        store.close()


def recovery_seconds(base: str, url: str, cleared: float, limit: float = 60.0) -> float:
    """After a fault cleared (at perf_counter `cleared`), send a rating now and then until one is stored;
    the seconds from the clearing to the first event stored."""
    before = ratings(url)
    while time.perf_counter() - cleared < limit:
        sent = time.perf_counter()
        assert send_all(base, feedback_events(1), SECRET, concurrency=1)[0] == [200]
        if wait_for(lambda: ratings(url) > before, 0.5):
            return sent - cleared
    raise AssertionError(f"nothing stored {limit:.0f} s after the fault cleared")


def test_the_200_never_waits_for_a_silent_line_api(tmp_path, fake_line, db_url):
    fake_line.delay = 20.0  # LINE's API accepts the connection and does not answer
    port = free_port()
    env = server_env(tmp_path, fake_line.url, PORT=str(port), WEB_CONCURRENCY="2", DATABASE_URL=db_url)
    with running([*ARGV, "--bind", f"127.0.0.1:{port}"], env, port, tmp_path / "gunicorn.log") as (base, _):
        took = timed_sends(base, feedback_events(30))
        stored = wait_for(lambda: ratings(db_url) == 30, 30)
    print(f"silent LINE API ({db_url.split(':')[0]}): slowest 200 {max(took):.3f} s, median {sorted(took)[15]:.3f} s")
    assert max(took) < fake_line.delay  # no 200 waited for LINE's answer
    assert stored  # and every rating was kept although no reply went out


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
        recovered = recovery_seconds(base, f"sqlite:///{tmp_path / 'bot.db'}", locked_until)
        log.seek(0)
        text = log.read()
    print(f"locked SQLite: slowest 200 {max(took):.3f} s; stored again {recovered:.2f} s after the lock ended")
    assert "inbox unavailable" in text and "Traceback" not in text


def test_slow_clients_do_not_hold_the_webhook(tmp_path, fake_line, db_url):
    import socket

    port = free_port()
    env = server_env(tmp_path, fake_line.url, PORT=str(port), WEB_CONCURRENCY="2", DATABASE_URL=db_url)
    with running([*ARGV, "--bind", f"127.0.0.1:{port}"], env, port, tmp_path / "gunicorn.log") as (base, _):
        # More slow clients than workers.
        with slow_clients(4, lambda: socket.create_connection(("127.0.0.1", port)),
                          b"POST /callback HTTP/1.1\r\nHost: x\r\n") as connected:
            took = timed_sends(base, feedback_events(3))
            still_connected = connected()
    print(f"slow clients ({db_url.split(':')[0]}): slowest genuine 200 {max(took):.3f} s")
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


def test_postgresql_stopped_and_started_again_is_used_again_by_itself(tmp_path, fake_line):
    server = pg_server.start()  # a server of this test's own: the session's is shared with other tests
    try:
        port = free_port()
        env = server_env(tmp_path, fake_line.url, PORT=str(port), WEB_CONCURRENCY="2", DATABASE_URL=server.url,
                         INBOX_POLL_SECONDS="0.5")
        with running([*ARGV, "--bind", f"127.0.0.1:{port}"], env, port, tmp_path / "gunicorn.log") as (base, log):
            timed_sends(base, feedback_events(3))
            assert wait_for(lambda: ratings(server.url) == 3, 30)
            pg_server.halt(server)  # the outage: connections in the pools break, new ones are refused
            down = timed_sends(base, feedback_events(5))
            assert wait_for(lambda: len(fake_line.replies()) >= 8, 30)  # answered from memory meanwhile
            time.sleep(5)  # long enough for the pool's reconnection attempts to back off
            pg_server.resume(server)
            recovered = recovery_seconds(base, server.url, time.perf_counter())
            log.seek(0)
            text = log.read()
    finally:
        pg_server.stop(server)
    print(f"PostgreSQL stopped: slowest 200 {max(down):.3f} s; stored again {recovered:.2f} s after its restart")
    assert "Traceback" not in text
