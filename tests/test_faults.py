"""LINE gets its 200 whatever LINE's API or the database does, and the store recovers by itself: a real
gunicorn, a fake LINE API that stalls, an SQLite file locked by another process, a PostgreSQL server
stopped and started again. The checks are orderings (the 200 came back while LINE's API was still
silent, while the file was still locked; events are stored again after the fault cleared), not
timings; the times are printed."""

import sqlite3
import sys
import threading
import time
from urllib.parse import urlsplit

import pytest

import pg_server
from bot.store import open_store
from conftest import SECRET, server_env
from load import feedback_events, send_all
from servers import free_port, running, slow_clients, wait_for

SILENCE = 20.0  # seconds LINE's API takes to answer when it is silent
HOLD = 6.0  # seconds the other process holds SQLite's lock: several times what the four 200s below take
ARGV = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "bot.app:create_app()"]
# Production waits 1.8 s for an inbox write (then answers from memory) and 3 s for a pooled PostgreSQL
# connection (then the call fails); shorter here, so a fault is met and cleared in seconds. The same paths run.
QUICK = {"INBOX_WRITE_SECONDS": "0.3", "DATABASE_TIMEOUT": "1"}


def timed_sends(base: str, events: list[dict]) -> list[float]:
    """Send each event alone, one after another; the seconds each 200 took."""
    took = []
    for event in events:
        started = time.perf_counter()
        statuses, _ = send_all(base, [event], SECRET, concurrency=1)
        assert statuses == [200]
        took.append(time.perf_counter() - started)
    return took


def ratings(url: str, events: list[dict] | None = None) -> int:
    """How many ratings the database holds, of these `events` when given (opened afresh: the caller's
    database may have been down)."""
    store = open_store(url)
    try:
        if events is None:
            return store._run("SELECT COUNT(*) FROM answer_ratings").fetchone()[0]
        ids = tuple(e["webhookEventId"] for e in events)
        return store._run(f"SELECT COUNT(*) FROM answer_ratings WHERE event_id IN ({', '.join('?' * len(ids))})",
                          ids).fetchone()[0]
    finally:
        store.close()


def answered(fake_line, events: list[dict]) -> int:
    """How many of these events got a reply (by their reply tokens)."""
    tokens = {e["replyToken"] for e in events}
    return sum(r["replyToken"] in tokens for r in fake_line.replies())


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


def failed_reconnections(log_path, since: int) -> int:
    """How many times the workers' connection pools failed to connect, by the server log after byte `since`
    (read through a file of its own: the server writes at the offset of the handle `running` yields)."""
    return log_path.read_bytes()[since:].count(b"error connecting in 'line-service-desk'")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def desk(request, tmp_path_factory, module_fake_line):
    """A server on each kind of database, shared by the tests whose fault lies outside it and passes (LINE's
    API silent, slow clients): (base URL, database URL). Each test counts only its own ratings and replies."""
    folder = tmp_path_factory.mktemp(request.param)
    url = f"sqlite:///{folder / 'bot.db'}" if request.param == "sqlite" else request.getfixturevalue("module_pg_db")[1]
    port = free_port()
    # Each reply gives up after LINE_API_TIMEOUT, holding one of the pool's threads until then: shorter
    # than production's 1.5 s, so 30 events meet a silent LINE API in seconds (still far below its silence).
    env = server_env(folder, module_fake_line.url, PORT=str(port), WEB_CONCURRENCY="2", DATABASE_URL=url,
                     LINE_API_TIMEOUT="0.5")
    with running([*ARGV, "--bind", f"127.0.0.1:{port}"], env, port, folder / "gunicorn.log") as (base, _):
        yield base, url


def test_the_200_never_waits_for_a_silent_line_api(desk, module_fake_line):
    base, db_url = desk
    events = feedback_events(30)
    module_fake_line.delay = SILENCE  # LINE's API accepts the connection and does not answer
    try:
        took = timed_sends(base, events)
        stored = wait_for(lambda: ratings(db_url, events) == 30, 30)
    finally:
        module_fake_line.delay = 0.0
    print(f"silent LINE API ({db_url.split(':')[0]}): slowest 200 {max(took):.3f} s, median {sorted(took)[15]:.3f} s")
    assert max(took) < SILENCE  # no 200 waited for LINE's answer
    assert stored  # and every rating was kept although no reply went out


def test_the_200_never_waits_long_on_a_locked_database(tmp_path, fake_line):
    port = free_port()
    env = server_env(tmp_path, fake_line.url, PORT=str(port), WEB_CONCURRENCY="2", **QUICK)
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


def test_slow_clients_do_not_hold_the_webhook(desk, module_fake_line):
    import socket

    base, db_url = desk
    events = feedback_events(3)
    # More slow clients than workers.
    with slow_clients(4, lambda: socket.create_connection(("127.0.0.1", urlsplit(base).port)),
                      b"POST /callback HTTP/1.1\r\nHost: x\r\n") as connected:
        took = timed_sends(base, events)
        still_connected = connected()
    print(f"slow clients ({db_url.split(':')[0]}): slowest genuine 200 {max(took):.3f} s")
    assert still_connected  # the genuine webhooks were answered while the slow clients held on
    assert wait_for(lambda: answered(module_fake_line, events) >= 3, 30)


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
                         INBOX_POLL_SECONDS="0.5", **QUICK)
        with running([*ARGV, "--bind", f"127.0.0.1:{port}"], env, port, tmp_path / "gunicorn.log") as (base, log):
            timed_sends(base, feedback_events(3))
            assert wait_for(lambda: ratings(server.url) == 3, 30)
            halted_at = (tmp_path / "gunicorn.log").stat().st_size
            pg_server.halt(server)  # the outage: connections in the pools break, new ones are refused
            down = timed_sends(base, feedback_events(5))
            assert wait_for(lambda: len(fake_line.replies()) >= 8, 30)  # answered from memory meanwhile
            # Down long enough for the pools' reconnection attempts to back off: the workers' pools have
            # failed to reconnect twice each on average, and psycopg waits 1 s, 2 s, 4 s… between attempts.
            assert wait_for(lambda: failed_reconnections(tmp_path / "gunicorn.log", halted_at) >= 2 * 2, 30)
            pg_server.resume(server)
            recovered = recovery_seconds(base, server.url, time.perf_counter())
            log.seek(0)
            text = log.read()
    finally:
        pg_server.stop(server)
    print(f"PostgreSQL stopped: slowest 200 {max(down):.3f} s; stored again {recovered:.2f} s after its restart")
    assert "Traceback" not in text
