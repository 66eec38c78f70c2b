"""Four gunicorn workers take concurrent feedback: every rating kept exactly once, on SQLite and PostgreSQL."""

import sys

from bot.store import open_store
from conftest import SECRET, server_env
from load import feedback_events, send_all
from servers import free_port, pending, running, wait_for

N, DUPLICATES = 200, 40


def test_concurrent_feedback_under_four_workers_is_neither_lost_nor_doubled(tmp_path, fake_line, db_url):
    port = free_port()
    # The fake LINE API shares the machine's 2 cores with four workers and this client; LINE itself
    # would not slow down under our load, so its replies get more time here than in production.
    env = server_env(tmp_path, fake_line.url, DATABASE_URL=db_url, PORT=str(port), WEB_CONCURRENCY="4",
                     LINE_API_TIMEOUT="10")
    argv = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
            "bot.app:create_app()"]
    events = feedback_events(N, DUPLICATES)
    with running(argv, env, port, tmp_path / "gunicorn.log") as (base, log):
        statuses, _ = send_all(base, events, SECRET)
        assert statuses == [200] * len(events)
        store = open_store(db_url)
        count = lambda: store._run("SELECT COUNT(*) FROM answer_ratings").fetchone()[0]  # noqa: E731
        # Until every event is done in the inbox: a late duplicate would have landed by then.
        assert wait_for(lambda: count() >= N and len(fake_line.replies()) >= N and pending(store) == 0, 60)
        assert count() == N
        ids = {row[0] for row in store._run("SELECT event_id FROM answer_ratings").fetchall()}
        assert ids == {e["webhookEventId"] for e in events}
        assert len(fake_line.replies()) == N  # the redelivered ones were not answered again
        log.seek(0)
        text = log.read()
        assert "Traceback" not in text and "failed" not in text
        store.close()
