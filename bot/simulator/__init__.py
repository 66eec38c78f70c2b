"""The local chat page: events are signed and posted to the real webhook; replies are kept locally."""

from __future__ import annotations

import hashlib
import json
import time
import uuid

from flask import Blueprint, abort, current_app, jsonify, render_template, request

from bot.webhook import SIM_TOKEN_PREFIX, signature

bp = Blueprint("simulator", __name__, url_prefix="/simulator", static_folder="static", template_folder="templates")
MAX_TEXT = 2000  # a LINE text message can hold more, but the page is for trying questions


@bp.before_request
def _only_when_enabled():
    """The page does not exist unless SIMULATOR is on (it is never on by accident in production)."""
    if not current_app.config["SETTINGS"].simulator:
        abort(404)


@bp.get("")
@bp.get("/")
def page():
    """The chat page: pick an office, type, tap buttons."""
    desk = current_app.config["KNOWLEDGE"].current()
    offices = sorted((a.agency.id, a.agency.name) for a in desk.answerers.values())
    return render_template("simulator.html", offices=offices, default=current_app.config["DEFAULT_AGENCY"])


def _user_id(session: str) -> str:
    """A LINE-shaped user id for a browser session (U + 32 hex digits)."""
    return "U" + hashlib.sha256(session.encode()).hexdigest()[:32]


def _event(kind: str, payload: dict, user_id: str, token: str) -> dict:
    """A webhook event as LINE would send it for a text, a button tap or a new friend."""
    event = {
        "type": kind, "mode": "active", "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id}, "webhookEventId": "SIM" + uuid.uuid4().hex.upper(),
        "deliveryContext": {"isRedelivery": False}, "replyToken": token,
    }
    if kind == "message":
        event["message"] = {"id": str(time.time_ns()), "type": "text", "quoteToken": token,
                            "text": str(payload.get("text", ""))[:MAX_TEXT]}
    elif kind == "postback":
        event["postback"] = {"data": str(payload.get("data", ""))[:300]}
    elif kind == "follow":
        event["follow"] = {"isUnblocked": False}
    return event


@bp.post("/api/send")
def send():
    """Sign one event with the office's channel secret and post it to the office's webhook."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        abort(400, "JSON object expected")
    agency_id = str(payload.get("agency", ""))
    kind = {"text": "message", "postback": "postback", "follow": "follow"}.get(payload.get("kind"))
    if agency_id not in current_app.config["KNOWLEDGE"].current().answerers or kind is None:
        abort(400, "unknown office or kind")
    token = SIM_TOKEN_PREFIX + uuid.uuid4().hex
    user = _user_id(str(payload.get("session", "")) or "anonymous")
    body = json.dumps({"destination": "Usimulator", "events": [_event(kind, payload, user, token)]},
                      ensure_ascii=False).encode()
    secret = current_app.config["SETTINGS"].channel(agency_id).secret
    response = current_app.test_client().post(
        f"/callback/{agency_id}", data=body,
        headers={"X-Line-Signature": signature(secret, body), "Content-Type": "application/json"})
    return jsonify(token=token, webhook_status=response.status_code)


@bp.get("/api/replies/<token>")
def replies(token: str):
    """The messages the bot sent for a reply token, once they have arrived."""
    if not token.startswith(SIM_TOKEN_PREFIX):
        abort(404)
    body = current_app.config["STORE"].pop_simulated_reply(token)
    if body is None:
        return jsonify(pending=True)
    return jsonify(pending=False, messages=json.loads(body).get("messages", []))
