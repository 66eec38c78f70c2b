"""POST /callback[/<agency-id>]: check the signature on the raw body, dedupe, dispatch, 200."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from flask import Blueprint, abort, current_app, request
from linebot.v3.messaging import ApiClient, ApiException, Configuration
from linebot.v3.webhooks import Event

import handlers
from bot.core.phrases import SYSTEM_ERROR
from handlers import messages

MAX_BODY = 1024 * 1024
MAX_INLINE = 5  # a bigger delivery is always queued: handling it inline could pass the 2 s budget
SIM_TOKEN_PREFIX = "sim-"  # reply tokens minted by the local simulator; their replies stay local
log = logging.getLogger("bot.webhook")
bp = Blueprint("webhook", __name__)


def hash_user(key: str, user_id: str | None) -> str | None:
    """The keyed hash (HMAC-SHA256) that stands for a LINE user id everywhere; the raw id is never stored."""
    if not user_id:
        return None
    return hmac.new(key.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def signature(secret: str, body: bytes) -> str:
    """The X-Line-Signature of a body: Base64(HMAC-SHA256(channel secret, raw body))."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_ok(secret: str, body: bytes, given: str | None) -> bool:
    """Check a signature in constant time."""
    return bool(given) and hmac.compare_digest(signature(secret, body), given.strip())


def parse_events(body: bytes) -> list[dict]:
    """The raw events of a webhook body; ValueError when it is not a LINE webhook."""
    payload = json.loads(body.decode("utf-8"))
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise ValueError("not a LINE webhook body")
    if not all(isinstance(e, dict) and isinstance(e.get("type"), str) for e in payload["events"]):
        raise ValueError("an event without a type")
    return payload["events"]


def _event(raw: dict):
    """The SDK's event object, or None for a type or shape it cannot read (logged as unknown)."""
    try:
        return Event.from_dict(raw)
    except Exception:  # noqa: BLE001 - the SDK raises several kinds on odd payloads
        return None


@bp.post("/callback")
@bp.post("/callback/<agency_id>")
def callback(agency_id: str | None = None):
    """Acknowledge quickly; events are handled on a small thread pool so LINE never waits."""
    app = current_app
    agency_id = agency_id or app.config["DEFAULT_AGENCY"]
    if agency_id not in app.config["KNOWLEDGE"].current().answerers:
        abort(404)
    if (request.content_length or 0) > MAX_BODY:
        abort(413)
    body = request.stream.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        abort(413)
    secret = app.config["SETTINGS"].channel(agency_id).secret
    if not signature_ok(secret, body, request.headers.get("X-Line-Signature")):
        abort(400, "invalid signature")
    try:
        events = parse_events(body)
    except (ValueError, UnicodeDecodeError):
        abort(400, "malformed body")
    if events:
        _dispatch(app._get_current_object(), agency_id, events)
    return "OK"


def _dispatch(app, agency_id: str, events: list[dict]) -> None:
    """Hand the events to the thread pool; when its backlog is full, handle them before answering, so a
    burst slows LINE's requests down instead of queueing replies until their tokens expire."""
    backlog = app.config["BACKLOG"]
    queued = backlog.acquire(blocking=False)
    if not queued and len(events) <= MAX_INLINE:
        log.warning("backlog full: handling %d event(s) inline", len(events))
        handle_events(app, agency_id, events)
        return

    def run():
        try:
            handle_events(app, agency_id, events)
        finally:
            if queued:
                backlog.release()

    pool: ThreadPoolExecutor = app.config["POOL"]
    pool.submit(run)


def handle_events(app, agency_id: str, events: list[dict]) -> None:
    """Handle each event of one delivery; one event's failure never stops the others."""
    for raw in events:
        started = time.perf_counter()
        event_id = str(raw.get("webhookEventId") or "")
        record = {"event_id": event_id, "type": raw.get("type"), "agency": agency_id}
        try:
            record.update(handle_event(app, agency_id, raw))
        except Exception:  # noqa: BLE001 - logged with the event id; the citizen sees a kind sentence
            log.exception("event failed event_id=%s", event_id)
            record["outcome"] = "error"
            _reply(app, agency_id, raw.get("replyToken"), [messages.text(SYSTEM_ERROR)], event_id)
        record["ms"] = round((time.perf_counter() - started) * 1000, 1)
        log.info(json.dumps(record, ensure_ascii=False))


def handle_event(app, agency_id: str, raw: dict) -> dict:
    """Dedupe, dispatch to the registered handler, reply; returns fields for the event log."""
    event_id = str(raw.get("webhookEventId") or "")
    if raw.get("mode") == "standby":
        return {"outcome": "standby"}
    if event_id and not _claim(app, event_id):
        return {"outcome": "duplicate"}
    event = _event(raw)
    if event is None:
        return {"outcome": "unknown"}
    settings = app.config["SETTINGS"]
    ctx = handlers.Context(
        app.config["KNOWLEDGE"].current().answerers[agency_id], settings.group_prefix, app.config["STORE"],
        hash_user(settings.user_hash_key, getattr(getattr(event, "source", None), "user_id", None)), event_id,
        int(time.time()),
        settings.survey_every_days, settings.state_minutes, settings.retention_days)
    reply = handlers.handler_for(event)(event, ctx)
    if reply:
        _reply(app, agency_id, raw.get("replyToken"), reply, event_id)
    return {"outcome": ctx.outcome, "entry_id": ctx.entry_id}


def _claim(app, event_id: str) -> bool:
    """Claim the event id; with the database down, answer anyway (a rare double beats silence)."""
    try:
        return app.config["STORE"].claim_event(event_id)
    except Exception as exc:  # noqa: BLE001 - any database error
        log.error("dedupe unavailable event_id=%s error=%s", event_id, type(exc).__name__)
        return True


def _api(app, agency_id: str) -> ApiClient:
    """One SDK API client per office and process (its HTTP pool is reused across replies)."""
    clients = app.config["LINE_APIS"]
    if agency_id not in clients:
        settings = app.config["SETTINGS"]
        config = Configuration(access_token=settings.channel(agency_id).token, host=settings.line_api_base_url)
        clients[agency_id] = ApiClient(config)
    return clients[agency_id]


def _reply(app, agency_id: str, token: str | None, reply: list[dict], event_id: str) -> None:
    """Send a reply with a timeout; API errors are logged, never raised."""
    if not token:
        return
    body = {"replyToken": token, "messages": reply}
    if token.startswith(SIM_TOKEN_PREFIX) and app.config["SETTINGS"].simulator:
        # The simulator's replies are kept as the exact JSON body LINE would have received.
        app.config["STORE"].save_simulated_reply(token, json.dumps(body, ensure_ascii=False))
        return
    try:
        # The SDK's own client (auth, host, timeout, errors) with the JSON the handlers built: its
        # reply_message would validate and re-serialise every model, a third of our CPU per reply.
        _api(app, agency_id).call_api(
            "/v2/bot/message/reply", "POST", header_params={"Content-Type": "application/json"}, body=body,
            response_types_map={}, auth_settings=["Bearer"],  # {}: the answer body is not needed
            _request_timeout=app.config["SETTINGS"].api_timeout)
    except ApiException as exc:
        log.warning("reply failed event_id=%s status=%s", event_id, exc.status)
    except Exception as exc:  # noqa: BLE001 - timeouts and connection errors
        log.warning("reply failed event_id=%s error=%s", event_id, type(exc).__name__)
