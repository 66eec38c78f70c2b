"""Many citizens rating answers at once: signed feedback postbacks sent concurrently to a running server."""

from __future__ import annotations

import http.client
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from bot.webhook import signature
from handlers import postback

ENTRY = "veteran-id-card"


def feedback_events(n: int, duplicates: int = 0) -> list[dict]:
    """n 👍/👎 postbacks from n different users, then the first `duplicates` of them again (redelivered)."""
    events = []
    for i in range(n):
        events.append({
            "type": "postback", "mode": "active", "timestamp": int(time.time() * 1000),
            "source": {"type": "user", "userId": f"U{uuid.uuid4().hex}"},
            "webhookEventId": f"LOAD{uuid.uuid4().hex.upper()}", "replyToken": uuid.uuid4().hex,
            "deliveryContext": {"isRedelivery": False},
            "postback": {"data": postback.encode("fb", ENTRY, "up" if i % 3 else "down")},
        })
    again = [dict(e, deliveryContext={"isRedelivery": True}) for e in events[:duplicates]]
    return events + again


def send_all(base: str, events: list[dict], secret: str, concurrency: int = 32,
             path: str = "/callback/taoyuan-vac") -> tuple[list[int], float]:
    """POST each event in its own signed body, `concurrency` at a time; the statuses and the seconds taken."""
    parts = urlsplit(base)

    def post(batch: list[dict]) -> list[int]:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        statuses = []
        for event in batch:
            body = json.dumps({"destination": "Uload", "events": [event]}).encode()
            conn.request("POST", path, body, {"X-Line-Signature": signature(secret, body),
                                              "Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            statuses.append(response.status)
        conn.close()
        return statuses

    batches = [events[i::concurrency] for i in range(concurrency)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        statuses = [s for batch in pool.map(post, batches) for s in batch]
    return statuses, time.perf_counter() - started
