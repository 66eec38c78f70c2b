"""Talk to the bot as LINE would: signed events to the real webhook, replies read from the fake LINE API."""

from __future__ import annotations

import json
import uuid

from conftest import drain, secret_for, sign

USER = "U0d1a10900000000000000000000citizen"


def quick_replies(reply: dict | None) -> dict[str, dict]:
    """Label → action of the quick replies on a reply's last message."""
    if not reply:
        return {}
    items = (reply["messages"][-1].get("quickReply") or {}).get("items", [])
    return {item["action"]["label"]: item["action"] for item in items}


def reply_text(reply: dict) -> str:
    """What a citizen reads: the text messages and the Flex cards' alt texts."""
    return "\n".join(m.get("text") or m.get("altText") or "" for m in reply["messages"])


def event_for(turn: dict, previous: dict | None, user: str = USER) -> dict:
    """The LINE event of a turn: a text message, or the postback of a tapped quick reply."""
    event = {"mode": "active", "timestamp": 1767225600000, "source": {"type": "user", "userId": user},
             "webhookEventId": uuid.uuid4().hex.upper(), "replyToken": uuid.uuid4().hex,
             "deliveryContext": {"isRedelivery": False}}
    if "say" not in turn:  # a tap: a message action sends its text, a postback action its data
        offered = quick_replies(previous)
        assert turn["tap"] in offered, f"no quick reply {turn['tap']!r} to tap; offered: {list(offered)}"
        action = offered[turn["tap"]]
        if action["type"] == "postback":
            return {**event, "type": "postback", "postback": {"data": action["data"]}}
        turn = {"say": action["text"]}
    message = {"id": uuid.uuid4().hex[:12], "type": "text", "text": turn["say"], "quoteToken": "q"}
    if "mention" in turn:  # said in a group, addressed to the bot by an @mention before the text
        at = turn["mention"]
        message["text"] = f"{at} {turn['say']}"
        message["mention"] = {"mentionees": [{"index": 0, "length": len(at), "type": "user", "isSelf": True}]}
        event["source"] = {"type": "group", "groupId": "C0ffee0000000000000000000000group", "userId": user}
    return {**event, "type": "message", "message": message}


def ask(app, fake_line, office: str, event: dict) -> dict:
    """Post one signed event to the office's webhook and return the reply to its replyToken."""
    body = json.dumps({"destination": "U0ffice", "events": [event]}, ensure_ascii=False).encode()
    headers = {"X-Line-Signature": sign(body, secret_for(office)), "Content-Type": "application/json"}
    assert app.test_client().post(f"/callback/{office}", data=body, headers=headers).status_code == 200
    drain(app)
    replies = [r for r in fake_line.replies() if r["replyToken"] == event["replyToken"]]
    assert len(replies) == 1, f"expected one reply to {event['replyToken']}, got {len(replies)}"
    return replies[0]


class Conversation:
    """One citizen talking to one office: say text, tap quick replies, send raw postbacks."""

    def __init__(self, app, fake_line, office: str = "taoyuan-vac", user: str = USER):
        self.app, self.fake_line, self.office, self.user = app, fake_line, office, user
        self.last: dict | None = None

    def _send(self, turn: dict) -> str:
        self.last = ask(self.app, self.fake_line, self.office, event_for(turn, self.last, self.user))
        return reply_text(self.last)

    def say(self, text: str) -> str:
        """Type a message; return what the bot replied."""
        return self._send({"say": text})

    def tap(self, label: str) -> str:
        """Tap a quick reply of the last reply."""
        return self._send({"tap": label})

    def postback(self, data: str) -> str:
        """Send postback data as if a button carried it (forged data included)."""
        self.last = {"messages": [{"quickReply": {"items": [
            {"action": {"type": "postback", "label": "x", "data": data}}]}}]}
        return self._send({"tap": "x"})

    @property
    def labels(self) -> list[str]:
        """The quick-reply labels under the last reply."""
        return list(quick_replies(self.last))
