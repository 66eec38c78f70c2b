"""POST /callback[/<agency-id>]: check the signature on the raw body, dedupe, dispatch, 200."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import time
import uuid

from flask import Blueprint, abort, current_app, request
from linebot.v3.webhooks import Event

import handlers
from bot.core.phrases import SYSTEM_ERROR
from bot.core.redact import redact
from handlers import messages

MAX_BODY = 1024 * 1024
LEASE_MARGIN = 5  # seconds before its lease ends that this worker stops counting on an event it kept
REPLY_WINDOW = 50  # seconds: LINE's reply tokens are short-lived; an older event is handled without a reply
HASHED = "h:"  # a source userId already replaced by its keyed hash (events kept in the inbox)
SIM_TOKEN_PREFIX = "sim-"  # reply tokens minted by the local simulator; their replies stay local
log = logging.getLogger("bot.webhook")
bp = Blueprint("webhook", __name__)


def hash_user(key: str, user_id: str | None) -> str | None:
    """The keyed hash (HMAC-SHA256) that stands for a LINE user id everywhere; the raw id is never stored."""
    if not user_id or not isinstance(user_id, str):
        return None
    return hmac.new(key.encode(), user_id.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def log_field(value: object, limit: int = 64) -> str:
    """A webhook field as a log line may carry it: printable ASCII letters, digits and -_. only, cut."""
    return re.sub(r"[^0-9A-Za-z._-]", "?", str(value or ""))[:limit]


def signature(secret: str, body: bytes) -> str:
    """The X-Line-Signature of a body: Base64(HMAC-SHA256(channel secret, raw body))."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_ok(secret: str, body: bytes, given: str | None) -> bool:
    """Check a signature in constant time (a header that is not ASCII is simply wrong)."""
    if not given or not given.isascii():
        return False
    return hmac.compare_digest(signature(secret, body).encode(), given.strip().encode())


def parse_events(body: bytes) -> list[dict]:
    """The raw events of a webhook body; ValueError when it is not a LINE webhook."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except RecursionError:  # signed JSON nested thousands deep
        raise ValueError("nested too deeply") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise ValueError("not a LINE webhook body")
    if not all(isinstance(e, dict) and isinstance(e.get("type"), str) for e in payload["events"]):
        raise ValueError("an event without a type")
    return payload["events"]


# What a text message event may lack and still be answered (LINE's own doc examples omit some, and
# older or newer payloads differ from the SDK's models): filled in before a second try.
TEXT_DEFAULTS = {"mode": "active", "timestamp": 0, "webhookEventId": "", "deliveryContext": {"isRedelivery": False}}
MESSAGE_DEFAULTS = {"id": "0", "quoteToken": ""}


def _event(raw: dict):
    """The SDK's event object; a text message the SDK's models reject is read again with what it
    lacks filled in (logged); None for anything else it cannot read (logged as unknown)."""
    try:
        return Event.from_dict(raw)
    except Exception:  # noqa: BLE001 - the SDK raises several kinds on odd payloads
        pass
    message = raw.get("message")
    if raw.get("type") != "message" or not isinstance(message, dict) or message.get("type") != "text" \
            or not isinstance(message.get("text"), str):
        return None
    source = raw.get("source") if isinstance(raw.get("source"), dict) else {"type": "user"}
    lenient = {**TEXT_DEFAULTS, **raw, "source": source, "message": {**MESSAGE_DEFAULTS, **message}}
    try:
        event = Event.from_dict(lenient)
    except Exception:  # noqa: BLE001
        return None
    filled = sorted({*TEXT_DEFAULTS} - set(raw)) + sorted({*MESSAGE_DEFAULTS} - set(message))
    log.info("text event read despite the SDK event_id=%s filled=%s", log_field(raw.get("webhookEventId")),
             ",".join(filled) or "-")
    return event


@bp.post("/callback")
@bp.post("/callback/<agency_id>")
def callback(agency_id: str | None = None):
    """Acknowledge quickly; events are handled on a small thread pool so LINE never waits."""
    app = current_app
    agency_id = agency_id or app.config["DEFAULT_AGENCY"]
    # Only the offices given a channel at start: a file added later has no channel of its own yet.
    if agency_id not in app.config["SETTINGS"].agencies or agency_id not in app.config["KNOWLEDGE"].loaded.answerers:
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
        _accept(app._get_current_object(), agency_id, events)
    return "OK"


def storable(raw: dict, key: str) -> dict:
    """The event as the inbox keeps it: the user id as its keyed hash, the text redacted (the
    answer does not need an ID or phone number, and the store never holds them)."""
    # Only the two changed dicts are copied: the raw event stays as LINE sent it.
    event = dict(raw)
    source = event.get("source")
    if isinstance(source, dict) and isinstance(source.get("userId"), str):
        event["source"] = {**source, "userId": HASHED + (hash_user(key, source["userId"]) or "")}
    message = event.get("message")
    if isinstance(message, dict) and isinstance(message.get("text"), str):
        event["message"] = {**message, "text": redact(message["text"])}
    return event


def _accept(app, agency_id: str, events: list[dict]) -> None:
    """Keep the events in the inbox before the 200, then handle them on the pool; when the pool's
    backlog is full they stay in the inbox for the next worker that polls it. With the database
    down or locked they are handled from memory and kept in the spool until then (a worker that
    dies first leaves them to the others, who move them into the inbox once the database is back)."""
    settings = app.config["SETTINGS"]
    now = int(time.time())
    queued = app.config["BACKLOG"].acquire(blocking=False)
    kept = [storable(raw, settings.user_hash_key) for raw in events]
    # Ids and bodies are stored as ASCII JSON escapes: a hostile lone surrogate cannot break the write.
    keys = [json.dumps(str(raw.get("webhookEventId") or ""))[1:-1][:200] or f"noid-{uuid.uuid4().hex}"
            for raw in events]
    rows = [(k, json.dumps(e)) for k, e in zip(keys, kept)]
    write = None
    try:
        # On a writer thread, waited for at most INBOX_WRITE_SECONDS: a hung database (PostgreSQL stopped
        # mid-statement) must not hold LINE's 200; SQLite and the pool have their own shorter waits.
        # Leased to this worker even when the pool has no room: another worker's poller must not take a
        # row this worker may still answer (from memory, when this write is late; from its overflow).
        write = app.config["INBOX_WRITER"].submit(agency_id, rows, now + settings.inbox_lease_seconds, now)
        ids = write.result(timeout=settings.inbox_write_seconds)
    except Exception as exc:  # noqa: BLE001 - any database error or the wait ran out: answer from memory
        spooled = _spool(app, agency_id, rows, now)
        log.error("inbox unavailable: %d event(s) handled from memory%s error=%s", len(events),
                  ", kept in the spool" if spooled else "", type(exc).__name__)
        if queued:
            app.config["BACKLOG"].release()
        # Queued whatever the backlog: handled here, they would hold the 200 on the same database.
        app.config["POOL"].submit(_handle_unkept, app, agency_id, list(zip(keys, events)), write, spooled)
        return
    for key, inbox_id, raw in zip(keys, ids, events):
        if inbox_id is None:  # LINE redelivered an event the inbox already holds
            log.info(json.dumps({"event_id": log_field(key), "type": log_field(raw.get("type"), 32), "agency": agency_id,
                                 "outcome": "duplicate"}, ensure_ascii=False))
    items = [(inbox_id, event, now) for inbox_id, event in zip(ids, kept) if inbox_id is not None]
    if queued:
        app.config["POOL"].submit(_handle_kept, app, agency_id, items, True)
    elif items:  # no room in the pool now: this worker's poller hands them on as soon as a slot frees
        app.config["INBOX"].overflow.extend((agency_id, item) for item in items)
        app.config["INBOX"].waiting.set()


def _finish(app, inbox_id: int) -> None:
    """Mark an inbox event done; a failure is logged (the event stays leased and is handled again)."""
    try:
        app.config["STORE"].finish(inbox_id, int(time.time()))
    except Exception as exc:  # noqa: BLE001 - any database error
        log.error("inbox finish failed inbox_id=%s error=%s", inbox_id, type(exc).__name__)


def _spool(app, agency_id: str, rows: list[tuple[str, str]], now: int):
    """Keep a delivery the inbox could not take in the spool (its file), or None when the disk fails too."""
    try:
        return app.config["SPOOL"].keep(agency_id, rows, now)
    except OSError as exc:
        log.error("spool unavailable: %d event(s) only in memory error=%s", len(rows), type(exc).__name__)
        return None


def replay_spool(app) -> int:
    """Move into the inbox the spooled events whose worker died before handling them (the poller
    calls this; while the database is still down they stay spooled)."""
    try:
        moved = app.config["SPOOL"].replay(app.config["STORE"].enqueue)
    except Exception as exc:  # noqa: BLE001 - the database is still down: try again next time
        log.warning("spool replay failed error=%s", type(exc).__name__)
        return 0
    if moved:
        log.info("spool: %d event(s) moved into the inbox", moved)
    return moved


def _handle_unkept(app, agency_id: str, keyed: list[tuple[str, dict]], write, spooled=None) -> None:
    """Handle from memory the events (with their inbox keys) of a delivery whose inbox write failed or
    outlived its wait. Button taps whose own writes failed too (the database is down: a rating, a
    survey answer) stay spooled, to be handled again once it is back; the others are done."""
    unsaved = set(handle_events(app, agency_id, [event for _, event in keyed]))
    # Only taps: each carries all it needs. A typed message handled again later would meet a
    # conversation that has moved on (and the citizen was told to send it again).
    retry = [key for key, e in keyed if e.get("type") == "postback" and str(e.get("webhookEventId") or "") in unsaved]
    try:
        app.config["SPOOL"].settle(spooled, retry)
    except OSError as exc:  # the file stays as it was: its events are handled again after this worker
        log.error("spool settle failed error=%s", type(exc).__name__)
    # A write that was only slow lands, or has landed, leased to this worker: its rows are marked done
    # only now that the events were handled. Marked on landing, a crash before the handling lost them
    # (the 200 had left); unmarked, a poller would answer them again once the lease ran out.
    if write is not None:
        write.add_done_callback(lambda done: _finish_late(app, done))


def _finish_late(app, write) -> None:
    """Mark done the inbox rows of a write that completed after its events were handled from memory."""
    if not write.cancelled() and write.exception() is None:
        for inbox_id in write.result():
            if inbox_id is not None:
                _finish(app, inbox_id)


def _handle_kept(app, agency_id: str, items: list[tuple[int, dict, int]], release: bool = False) -> None:
    """Handle inbox events (id, event, received at), marking each done; one failure never stops the
    others. An event received more than REPLY_WINDOW ago is handled without its expired reply."""
    try:
        for inbox_id, raw, received_at in items:
            handle_events(app, agency_id, [raw], dedupe=False, received_at=received_at)
            _finish(app, inbox_id)
    finally:
        if release:
            app.config["BACKLOG"].release()


def poll_inbox(app, limit: int = 4) -> int:
    """Lease the events whose worker died or that no worker took, as many as the pool has free slots
    for (reserved first: an event leased and then kept waiting past its lease would be taken again by
    another worker and answered twice), and hand each to the pool; returns how many."""
    settings, backlog = app.config["SETTINGS"], app.config["BACKLOG"]
    if not backlog.acquire(timeout=max(settings.inbox_poll_seconds, 0.1)):
        return 0
    slots = 1
    while slots < limit and backlog.acquire(blocking=False):
        slots += 1
    now = int(time.time())
    own = _own_overflow(app, slots, now)
    try:
        rows = app.config["STORE"].take(slots - len(own), now + settings.inbox_lease_seconds, now) \
            if len(own) < slots else []
    except Exception as exc:  # noqa: BLE001 - the database is down: try again next time
        log.warning("inbox poll failed error=%s", type(exc).__name__)
        rows = []
    served = app.config["KNOWLEDGE"].current().answerers
    handed = 0
    for agency_id, item in own + [(a, (i, json.loads(body), at)) for i, a, body, at in rows]:
        if agency_id in served:
            app.config["POOL"].submit(_handle_kept, app, agency_id, [item], True)
            handed += 1
    for _ in range(slots - handed):
        backlog.release()
    return len(own) + len(rows)


def _own_overflow(app, slots: int, now: int) -> list:
    """Up to `slots` of the events this worker kept without room to handle them, oldest first; ones
    whose lease has run out are left to the inbox (another worker may have taken them by now)."""
    overflow, lease = app.config["INBOX"].overflow, app.config["SETTINGS"].inbox_lease_seconds
    own = []
    while overflow and len(own) < slots:
        try:
            agency_id, item = overflow.popleft()
        except IndexError:  # another thread emptied it
            break
        if item[2] + lease - LEASE_MARGIN > now:
            own.append((agency_id, item))
    return own


def handle_events(app, agency_id: str, events: list[dict], dedupe: bool = True,
                  received_at: int | None = None) -> list[str]:
    """Handle each event of one delivery; one event's failure never stops the others. Returns the
    ids of the events whose store writes failed."""
    unsaved = []
    for raw in events:
        started = time.perf_counter()
        event_id = str(raw.get("webhookEventId") or "")
        record = {"event_id": log_field(event_id), "type": log_field(raw.get("type"), 32), "agency": agency_id}
        try:
            record.update(handle_event(app, agency_id, raw, dedupe, received_at))
        except Exception:  # noqa: BLE001 - logged with the event id; the citizen sees a kind sentence
            log.exception("event failed event_id=%s", log_field(event_id))
            record["outcome"] = "error"
            _reply(app, agency_id, raw.get("replyToken"), [messages.text(SYSTEM_ERROR)], event_id)
        record["ms"] = round((time.perf_counter() - started) * 1000, 1)
        log.info(json.dumps(record, ensure_ascii=False))
        if record.get("unsaved"):
            unsaved.append(event_id)
    return unsaved


def handle_event(app, agency_id: str, raw: dict, dedupe: bool = True, received_at: int | None = None) -> dict:
    """Dedupe (events from the inbox are deduped by it), dispatch to the registered handler, reply;
    returns fields for the event log."""
    event_id = str(raw.get("webhookEventId") or "")
    if raw.get("mode") == "standby":
        return {"outcome": "standby"}
    if dedupe and event_id and not _claim(app, event_id):
        return {"outcome": "duplicate"}
    event = _event(raw)
    if event is None:
        return {"outcome": "unknown"}
    settings = app.config["SETTINGS"]
    user_id = getattr(getattr(event, "source", None), "user_id", None)
    user = user_id[len(HASHED):] if user_id and user_id.startswith(HASHED) else hash_user(settings.user_hash_key, user_id)
    now = int(time.time())
    ctx = handlers.Context(
        app.config["KNOWLEDGE"].current().answerers[agency_id], settings.group_prefix, app.config["STORE"],
        user, event_id, now, settings.survey_every_days, settings.state_minutes, settings.retention_days)
    reply = handlers.respond(event, ctx)
    if reply.messages and now - (received_at or now) > REPLY_WINDOW and not _simulated(app, raw.get("replyToken")):
        log.warning("stale reply token skipped event_id=%s age_s=%d", event_id, now - received_at)
    elif reply.messages:
        _reply(app, agency_id, raw.get("replyToken"), reply.messages, event_id)
    return {"outcome": reply.outcome, "entry_id": reply.entry_id, **({"unsaved": ctx.unsaved} if ctx.unsaved else {})}


def _simulated(app, token) -> bool:
    """A reply token the local simulator minted (its replies are kept, whatever their age)."""
    return isinstance(token, str) and token.startswith(SIM_TOKEN_PREFIX) and app.config["SETTINGS"].simulator


def _claim(app, event_id: str) -> bool:
    """Claim the event id; with the database down, answer anyway (a rare double beats silence)."""
    try:
        return app.config["STORE"].claim_event(event_id)
    except Exception as exc:  # noqa: BLE001 - any database error
        log.error("dedupe unavailable event_id=%s error=%s", event_id, type(exc).__name__)
        return True


def _reply(app, agency_id: str, token: str | None, reply: list[dict], event_id: str) -> None:
    """Send a reply with a timeout; API errors are logged, never raised."""
    if not token:
        return
    body = {"replyToken": token, "messages": reply}
    if _simulated(app, token):
        # The simulator's replies are kept as the exact JSON body LINE would have received.
        app.config["STORE"].save_simulated_reply(token, json.dumps(body, ensure_ascii=False))
        return
    try:
        # The SDK's own client (auth, host, timeout, errors) with the JSON the handlers built: its
        # reply_message would validate and re-serialise every model, a third of our CPU per reply.
        app.config["LINE_APIS"].client(agency_id).call_api(
            "/v2/bot/message/reply", "POST", header_params={"Content-Type": "application/json"}, body=body,
            response_types_map={}, auth_settings=["Bearer"],  # {}: the answer body is not needed
            _request_timeout=app.config["SETTINGS"].api_timeout)
    except Exception as exc:  # noqa: BLE001 - LINE's answers (the SDK's ApiExceptions), timeouts, connections
        status = getattr(exc, "status", None)
        if isinstance(status, int) and status:
            log.warning("reply failed event_id=%s status=%s", event_id, status)
        else:
            log.warning("reply failed event_id=%s error=%s", event_id, type(exc).__name__)
