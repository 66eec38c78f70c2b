"""A short hostile run through the real Flask app, on SQLite and on PostgreSQL: no 5xx, no traceback,
no system-error sentence (the long run is `bench/fuzz_webhook.py`, 10,000 requests)."""

import logging
import random

from conftest import SECRET, drain, server_env
from hostile import request

RUNS = 400


def test_hostile_requests_never_get_a_5xx_or_a_traceback(tmp_path, fake_line, db_url, caplog):
    from bot.app import create_app

    caplog.set_level(logging.INFO)
    app = create_app(server_env(tmp_path, fake_line.url, DATABASE_URL=db_url, LINE_API_TIMEOUT="1"))
    rng = random.Random(20261201)
    client = app.test_client()
    statuses = {}
    for _ in range(RUNS):
        path, body, headers = request(rng, SECRET)
        status = client.post(path, data=body, headers=headers).status_code
        statuses[status] = statuses.get(status, 0) + 1
    drain(app)
    assert all(code < 500 for code in statuses), statuses
    assert statuses.get(200, 0) > RUNS / 8, statuses  # many were signed and reached the handlers
    assert "Traceback" not in caplog.text and "event failed" not in caplog.text
    assert all(len(record.getMessage()) < 2000 for record in caplog.records)
