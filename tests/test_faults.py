"""LINE gets its 200 in time whatever LINE's API or the database does: a real gunicorn, a fake LINE
API that stalls, an SQLite file locked by another process."""

import sqlite3
import sys
import threading
import time

from conftest import SECRET, server_env
from load import feedback_events, send_all
from servers import free_port, running, wait_for

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
    assert max(took) < 2.0


def test_the_200_never_waits_long_on_a_locked_database(tmp_path, fake_line):
    port = free_port()
    env = server_env(tmp_path, fake_line.url, PORT=str(port), WEB_CONCURRENCY="2")
    with running([*ARGV, "--bind", f"127.0.0.1:{port}"], env, port, tmp_path / "gunicorn.log") as (base, log):
        holder = sqlite3.connect(tmp_path / "bot.db", isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN EXCLUSIVE")  # another process holds the file for 5 s
        release = threading.Timer(5.0, lambda: holder.execute("ROLLBACK"))
        release.start()
        try:
            took = timed_sends(base, feedback_events(5))
        finally:
            release.join()
        assert wait_for(lambda: len(fake_line.replies()) >= 5, 30)  # answered from memory meanwhile
        log.seek(0)
        text = log.read()
    print(f"locked SQLite: slowest 200 {max(took):.3f} s")
    assert max(took) < 2.0 and "inbox unavailable" in text and "Traceback" not in text
