"""A short hostile run through the real Flask app: no 5xx, no traceback, no system-error sentence
(the long run is `bench/fuzz_webhook.py`, 10,000 requests)."""

import logging
import random

from conftest import SECRET, drain
from hostile import request

RUNS = 400


def test_hostile_requests_never_get_a_5xx_or_a_traceback(app, fake_line, caplog):
    caplog.set_level(logging.INFO)
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
