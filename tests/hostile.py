"""Hostile and malformed webhook requests, made reproducibly from a seed (tests and bench/fuzz)."""

from __future__ import annotations

import json
import random

from bot.webhook import signature

PATHS = ["/callback", "/callback/taoyuan-vac", "/callback/sanmin-district", "/callback/no-such-office",
         "/callback/%00", "/callback/" + "x" * 300]
_ODD = ["", " ", "0", "-1", "²", "٣", "\x00", "\ud800", "<script>alert(1)</script>", "'; DROP TABLE x;--",
        "A" * 5000, "榮民證要去哪裡辦", "v=1&a=sv&s=9", "v=1&a=fb&e=veteran-id-card&r=up", "v=1&a=why&k=1&r=x",
        "v=1&a=ans&e=office-hours", "%", "a=" + "b" * 400, "😀" * 50, "0912345678", "@小幫手 處長信箱"]


def _value(rng: random.Random, depth: int = 0):
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return rng.choice(_ODD)
    if kind == 1:
        return rng.choice([0, -1, 1, 2**63, 1.5, float("1e308")])
    if kind == 2:
        return rng.choice([None, True, False])
    if kind in (3, 4, 5):
        return rng.choice(_ODD)
    if kind == 6:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(["type", "text", "id", "userId", "data", "mentionees", "index", "length", "x"]):
            _value(rng, depth + 1) for _ in range(rng.randrange(5))}


def _event(rng: random.Random) -> dict:
    event = {"type": rng.choice(["message"] * 6 + ["postback"] * 3 + ["follow", "unfollow", "join", "memberJoined",
                                 "unsend", "beacon", "videoPlayComplete", "x", _value(rng)]),
             "mode": rng.choice(["active"] * 8 + ["standby", _value(rng)]),
             "timestamp": rng.choice([1767225600000, "now", None, -5]),
             "webhookEventId": (f"FUZZ{rng.randrange(10**12)}" if rng.random() < 0.8
                                else rng.choice([_value(rng), "\ud800" * 3, "x" * 20000])),
             "replyToken": rng.choice(["tok", "tok", "tok", None, 5, "sim-x"]),
             "deliveryContext": rng.choice([{"isRedelivery": False}, None, "x"]),
             "source": rng.choice([{"type": "user", "userId": "U" + "1" * 32}] * 5 + [
                 {"type": "group", "groupId": "C1"}, {"type": "user", "userId": "U\udc00"}, None, _value(rng)])}
    if rng.random() < 0.7:
        event["message"] = rng.choice([
            {"type": "text", "id": "1", "text": rng.choice(_ODD), "quoteToken": "q"},
            {"type": "text", "id": "1", "text": rng.choice(_ODD),
             "mention": {"mentionees": [{"index": rng.randrange(-5, 50), "length": rng.randrange(-5, 50),
                                         "type": "user", "isSelf": True}]}},
            {"type": "text", "text": _value(rng)}, {"type": "sticker"}, {"type": "location", "latitude": "x"},
            _value(rng)])
    if rng.random() < 0.5:
        event["postback"] = rng.choice([{"data": rng.choice(_ODD)}, _value(rng), {"data": None}])
    for key in rng.sample(list(event), rng.choice([0, 0, 0, 1, 2])):
        event.pop(key)
    return event


def request(rng: random.Random, secret: str) -> tuple[str, bytes, dict]:
    """(path, body, headers) of one hostile request."""
    shape = rng.randrange(10)
    if shape == 0:
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(200)))
    elif shape == 1:
        depth = rng.choice([100, 2000, 5000])
        body = ('{"events": ' + "[" * depth + "]" * depth + "}").encode()
    elif shape == 2:
        body = json.dumps(_value(rng)).encode()
    else:
        body = json.dumps({"destination": "U1", "events": [_event(rng) for _ in range(rng.randrange(1, 6))]}).encode()
    headers = {"Content-Type": "application/json"}
    sig = rng.randrange(6)
    if sig < 4:
        headers["X-Line-Signature"] = signature(secret, body)
    elif sig == 4:
        headers["X-Line-Signature"] = rng.choice(["", "簽章", "a" * 200, "é" * 44])
    return rng.choice(PATHS[:3] * 3 + PATHS), body, headers
