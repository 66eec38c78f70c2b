"""Feedback load: 4 gunicorn workers take 2,000 concurrent 👍/👎 events; every rating must be kept once.

Runs the real server (`bot.app:create_app()` under gunicorn, WEB_CONCURRENCY workers) on SQLite and
on a throwaway PostgreSQL server (Debian's, as in the tests), with the fake LINE API on loopback.
Each event is a signed postback from a different user; 10% are sent a second time as redeliveries.
Prints, per database: events sent, rows kept (must equal the events), replies, seconds, events/s.

    .venv/bin/python bench/feedback_load.py [--events 2000] [--workers 4] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import pg_server  # noqa: E402
from bot.store import open_store  # noqa: E402
from conftest import SECRET, server_env  # noqa: E402
from fake_line import FakeLine  # noqa: E402
from load import feedback_events, send_all  # noqa: E402
from servers import free_port, running, wait_for  # noqa: E402


def run(db_url: str, args, workdir: Path) -> dict:
    """One load run against one database; the figures."""
    fake = FakeLine()
    port = free_port()
    env = server_env(workdir, fake.url, DATABASE_URL=db_url, PORT=str(port), WEB_CONCURRENCY=str(args.workers))
    argv = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
            "bot.app:create_app()"]
    events = feedback_events(args.events, args.events // 10)
    try:
        with running(argv, env, port, workdir / "gunicorn.log") as (base, _):
            statuses, sent_seconds = send_all(base, events, SECRET, args.concurrency)
            store = open_store(db_url)
            count = lambda: store._run("SELECT COUNT(*) FROM answer_ratings").fetchone()[0]  # noqa: E731
            started = time.perf_counter() - sent_seconds
            wait_for(lambda: count() >= args.events and len(fake.replies()) >= args.events, 120)
            done = time.perf_counter() - started
            time.sleep(1.0)  # late duplicates would land now
            rows, replies = count(), len(fake.replies())
            store.close()
    finally:
        fake.close()
    return {"posted": len(events), "non_200": sum(s != 200 for s in statuses), "rows": rows,
            "replies": replies, "seconds": done, "per_second": args.events / done}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    os.chdir(ROOT)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = run(f"sqlite:///{Path(tmp) / 'bot.db'}", args, Path(tmp))
        server = pg_server.start()
        try:
            name, url = pg_server.fresh_database(server.url)
            results["postgresql"] = run(url, args, Path(tmp))
        finally:
            pg_server.stop(server)
    print(f"{args.events} feedback events (+{args.events // 10} redelivered), {args.workers} gunicorn workers, "
          f"{args.concurrency} client threads, 2-core machine shared by clients and server")
    print(f"{'database':11s} {'posted':>6s} {'non-200':>7s} {'rows':>5s} {'replies':>7s} {'seconds':>7s} {'events/s':>8s}")
    for db, r in results.items():
        ok = "OK" if r["rows"] == args.events and r["replies"] == args.events else "MISMATCH"
        print(f"{db:11s} {r['posted']:6d} {r['non_200']:7d} {r['rows']:5d} {r['replies']:7d} "
              f"{r['seconds']:7.1f} {r['per_second']:8.0f}  {ok}")


if __name__ == "__main__":
    main()
