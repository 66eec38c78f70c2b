"""Hostile fuzz run: 10,000 malformed, unsigned, oddly signed and odd-field requests through the
real Flask app (a real SQLite file, a fake LINE API on loopback). Prints status counts, 5xx,
tracebacks and the longest log line; nothing here asserts a timing.

    .venv/bin/python bench/fuzz_webhook.py [--requests 10000] [--seed 20261201]
"""

from __future__ import annotations

import argparse
import io
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import SECRET, drain, server_env  # noqa: E402
from fake_line import FakeLine  # noqa: E402
from hostile import request  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()
    from bot.app import create_app

    log = io.StringIO()
    handler = logging.StreamHandler(log)
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    fake = FakeLine()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(server_env(Path(tmp), fake.url, LINE_API_TIMEOUT="1"))
        client, rng, statuses = app.test_client(), random.Random(args.seed), Counter()
        started = time.perf_counter()
        for _ in range(args.requests):
            path, body, headers = request(rng, SECRET)
            statuses[client.post(path, data=body, headers=headers).status_code] += 1
        drain(app)
        seconds = time.perf_counter() - started
    fake.close()
    text = log.getvalue()
    longest = max((len(line) for line in text.splitlines()), default=0)
    outcomes = Counter(line.split('"outcome": "', 1)[1].split('"', 1)[0] for line in text.splitlines()
                       if '"outcome": "' in line)
    print(f"{args.requests} hostile requests in {seconds:.1f} s (seed {args.seed})")
    print("status counts: " + ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items())))
    print(f"5xx: {sum(n for code, n in statuses.items() if code >= 500)}; tracebacks: {text.count('Traceback')}; "
          f"failed events: {text.count('event failed')}; replies sent: {len(fake.replies())}; "
          f"longest log line: {longest} characters")
    print("event outcomes: " + ", ".join(f"{k}: {n}" for k, n in outcomes.most_common()))


if __name__ == "__main__":
    main()
