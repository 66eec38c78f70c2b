"""A text conversation: questions, and the feedback, survey and opinion flows whose state is in the store."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace

from bot.core import intents, phrases
from bot.core.redact import redact
from bot.store import Opinion, Question, Rating, Survey
from handlers import limits, messages, postback
from handlers.render import render, topic_item

MAX_COMMENT = 300  # characters kept of a comment or opinion; the rest is cut and the citizen told
MAX_QUESTION = 500
log = logging.getLogger("bot.flows")


class SaveFailed(Exception):
    """A store write failed; already logged with the event id."""


def _store(ctx, method: str, *args):
    """Call a store method; a failure is logged with the event id and raised as SaveFailed.
    Without a store or a user (an event with no user id) nothing can be kept."""
    if ctx.store is None or ctx.user is None:
        raise SaveFailed(method)
    try:
        return getattr(ctx.store, method)(*args)
    except Exception as exc:  # noqa: BLE001 - any database error: the bot keeps answering
        log.error("store %s failed event_id=%s error=%s", method, ctx.event_id, type(exc).__name__)
        raise SaveFailed(method) from exc


def _quietly(ctx, method: str, *args):
    """A store call whose failure only costs a record, never the reply."""
    try:
        return _store(ctx, method, *args)
    except SaveFailed:
        return None


_text = messages.text


def _no_thanks() -> dict:
    return messages.message_item(phrases.NO_THANKS, phrases.NO_THANKS)


def _stars_items() -> list[dict]:
    return [messages.postback_item(label, postback.encode("sv", stars=n), label) for n, label in phrases.STARS.items()]


def state(ctx) -> dict:
    """The user's unexpired flow state with this office ({} when none or unreadable)."""
    return _quietly(ctx, "get_state", ctx.user, ctx.agency_id, ctx.now) or {}


def set_state(ctx, value: dict | None) -> None:
    """Replace the flow state; it expires after STATE_MINUTES."""
    _quietly(ctx, "set_state", ctx.user, ctx.agency_id, value, ctx.now + int(ctx.state_minutes * 60))


def record_question(ctx, text: str, answer) -> int | None:
    """Keep the question (redacted) and its outcome; fallbacks become the unanswered queue."""
    question = Question(ctx.agency_id, ctx.user or "", redact(text)[:MAX_QUESTION], answer.outcome,
                        answer.entry_id, round(answer.score, 3), ctx.now)
    return _quietly(ctx, "add_question", question)


def _cut(text: str) -> tuple[str, str]:
    """The text to keep (redacted, control characters dropped) and a note when it was cut."""
    kept = redact(text.strip())
    if len(kept) <= MAX_COMMENT:
        return kept, ""
    return kept[:MAX_COMMENT], phrases.CUT_NOTE.format(n=MAX_COMMENT)


def on_text(ctx, text: str) -> list:
    """Reply to a text: continue a waiting flow, start one, or answer the question."""
    current = state(ctx)
    flow = _flow_reply(ctx, text, current)
    if flow is not None:
        return flow
    answer = ctx.answerer.ask(text, moment(ctx))
    reply = ctx.reply(answer, question_id=record_question(ctx, text, answer))
    if answer.outcome == "clarify":  # a typed 「1」 may pick a choice next (LINE for PC has no buttons)
        set_state(ctx, {"await": "choice", "ids": [e.id for e in answer.choices]})
    if answer.smalltalk in ("thanks", "bye") and _answered_lately(ctx):
        reply += offer_survey(ctx)  # the end of a conversation that reached an answer
    return limits.fit(reply)


def _answered_lately(ctx) -> bool:
    """Whether this user got an answer within the last STATE_MINUTES (asked only on thanks or bye)."""
    last = _quietly(ctx, "last_answer_at", ctx.user, ctx.agency_id)
    return last is not None and ctx.now - last < ctx.state_minutes * 60


def _flow_reply(ctx, text: str, current: dict) -> list | None:
    """Messages when the text belongs to a flow (a request, a comment, stars); None for a question."""
    kind = intents.intent(text)
    waiting = current.get("await")
    if kind == "cancel":
        if waiting:
            set_state(ctx, None)
        ctx.outcome = "cancel"
        return [_text(phrases.CANCELLED)]
    if kind == "survey":
        return offer_survey(ctx, on_demand=True)
    if kind == "opinion":
        ctx.outcome = "opinion-intro"
        # A new flow ends the old one: what comes next is no longer a survey or rating comment.
        set_state(ctx, {"await": "opinion-intro"})
        item = messages.postback_item(phrases.LEAVE_OPINION, postback.encode("op"), phrases.LEAVE_OPINION)
        return [_text(phrases.opinion_intro(ctx.answerer.agency), [item])]
    if waiting == "opinion-intro":
        # Typed straight after 「我要反映意見」 without tapping 「留下意見」: most likely the opinion itself.
        # Asked once before it is kept, so a question typed here is not filed as a complaint.
        kept, _ = _cut(text)
        kept = redact(kept)  # the state is stored: no ID or phone number in it
        set_state(ctx, {"await": "opinion-confirm", "text": kept})
        ctx.outcome = "opinion-confirm"
        send = messages.postback_item(phrases.SEND_OPINION, postback.encode("opc"), phrases.SEND_OPINION)
        return [_text(phrases.opinion_confirm(kept), [send, _no_thanks()])]
    if waiting == "stars" and intents.typed_stars(text) is not None:
        return save_stars(ctx, intents.typed_stars(text))
    if waiting == "choice" and intents.typed_choice(text) is not None:
        return _typed_choice(ctx, current.get("ids") or [], intents.typed_choice(text))
    # After 「留下意見」 the citizen was asked to type the opinion: whatever comes is the opinion. A
    # comment after a rating is optional, so a real question there leaves the flow.
    if waiting == "opinion" or waiting == "comment" and ctx.answerer.ask(text).outcome != "answer":
        return _save_comment(ctx, current, text)
    if waiting:  # a new question leaves the flow
        set_state(ctx, None)
    return None


def moment(ctx) -> dt.datetime | None:
    """The event's time, for "is it open now" (None: the engine takes the clock)."""
    return dt.datetime.fromtimestamp(ctx.now, dt.timezone.utc) if ctx.now else None


def choose(ctx, entry) -> list:
    """The answer of a chosen entry (a tapped topic or a typed number), counted apart from questions."""
    answer = ctx.answerer.answer_entry(entry, question=entry.title, now=moment(ctx))
    reply = render(answer, record_question(ctx, entry.title, replace(answer, outcome="choice")))
    ctx.outcome, ctx.entry_id = "choice", entry.id
    return reply


def _typed_choice(ctx, ids: list[str], number: int) -> list:
    """「1」 after a "which item?": that item; a number out of range asks again with the choices."""
    entries = [e for e in map(ctx.answerer.agency.entry, ids) if e]
    if not entries:
        set_state(ctx, None)
        return stale(ctx)
    if not 1 <= number <= len(entries):
        ctx.outcome = "choice-invalid"
        items = [topic_item(e) for e in entries]
        return [_text(phrases.CHOICE_RANGE.format(n=len(entries)), items)]
    set_state(ctx, None)
    return choose(ctx, entries[number - 1])


def _save_comment(ctx, current: dict, text: str) -> list:
    """Keep a comment on a rating or survey answer, or an opinion with its reference number."""
    kept, note = _cut(text)
    set_state(ctx, None)
    try:
        if current["await"] == "opinion":
            ctx.outcome = "opinion"
            reference = _store(ctx, "add_opinion", Opinion(ctx.agency_id, ctx.user, kept, ctx.now))
            return [_text(phrases.opinion_saved(reference) + note)]
        ctx.outcome = "comment"
        _store(ctx, "annotate", current["kind"], current["id"], ctx.user, None, kept)
    except SaveFailed:
        return [_text(phrases.SAVE_FAILED)]
    return [_text(phrases.COMMENT_THANKS + note)]


def offer_survey(ctx, on_demand: bool = False) -> list:
    """The 1–5 survey question; unasked-for offers at most once per SURVEY_EVERY_DAYS per user."""
    if ctx.store is None or ctx.user is None:
        return []
    if not on_demand:
        last = _quietly(ctx, "last_survey_offer", ctx.user, ctx.agency_id)
        if last is not None and ctx.now - last < ctx.survey_every_days * 86400:
            return []
    _quietly(ctx, "note_survey_offer", ctx.user, ctx.agency_id, ctx.now)
    set_state(ctx, {"await": "stars"})
    if on_demand:
        ctx.outcome = "survey-offer"
    return [_text(phrases.SURVEY_ASK, _stars_items())]


def save_stars(ctx, stars: int | None) -> list:
    """Keep a survey answer, then invite a comment; anything outside 1–5 is asked again."""
    if stars is None or not 1 <= stars <= 5:
        ctx.outcome = "survey-invalid"
        return [_text(phrases.STARS_RANGE, _stars_items())]
    try:
        survey_id = _store(ctx, "add_survey", Survey(ctx.agency_id, ctx.user, stars, ctx.now, ctx.event_id))
    except SaveFailed:
        return [_text(phrases.SAVE_FAILED)]
    ctx.outcome = f"survey-{stars}"
    set_state(ctx, {"await": "comment", "kind": "survey", "id": survey_id})
    return [_text(phrases.SURVEY_THANKS + phrases.ASK_COMMENT, [_no_thanks()])]


def on_rating(ctx, data: postback.Postback) -> list:
    """👍 thanks (and perhaps the survey); 👎 asks for the reason. The rating is kept either way."""
    entry = ctx.answerer.agency.entry(data.entry_id)
    if entry is None:
        return stale(ctx)
    ctx.outcome, ctx.entry_id = f"feedback-{data.rating}", entry.id
    try:
        rating_id = _store(ctx, "add_rating", Rating(
            ctx.agency_id, ctx.user, entry.id, data.rating, ctx.now, ctx.event_id, data.question_id))
    except SaveFailed:
        return [_text(phrases.SAVE_FAILED)]
    if data.rating == "up":
        return [_text(phrases.FEEDBACK_THANKS)] + offer_survey(ctx)
    items = [messages.postback_item(label, postback.encode("why", rating=reason, record_id=rating_id), label)
             for reason, label in phrases.REASONS.items()]
    return [_text(phrases.ASK_REASON, items)]


def on_reason(ctx, data: postback.Postback) -> list:
    """The reason for a 👎, then an invitation to say more."""
    try:
        own = _store(ctx, "annotate", "rating", data.record_id, ctx.user, data.rating)
    except SaveFailed:
        return [_text(phrases.SAVE_FAILED)]
    if not own:
        return stale(ctx)
    ctx.outcome = f"reason-{data.rating}"
    set_state(ctx, {"await": "comment", "kind": "rating", "id": data.record_id})
    return [_text(phrases.FEEDBACK_THANKS + phrases.ASK_COMMENT, [_no_thanks()])]


def send_opinion(ctx) -> list:
    """「送出意見」: keep the opinion typed after 「我要反映意見」 that is waiting for confirmation."""
    current = state(ctx)
    if current.get("await") != "opinion-confirm" or not current.get("text"):
        return stale(ctx)
    return _save_comment(ctx, {"await": "opinion"}, current["text"])


def on_opinion_button(ctx) -> list:
    """「留下意見」: wait for the opinion's text."""
    ctx.outcome = "opinion-ask"
    set_state(ctx, {"await": "opinion"})
    return [_text(phrases.OPINION_ASK, [_no_thanks()])]


def stale(ctx) -> list:
    """A button that is not (or no longer) ours: say so kindly."""
    ctx.outcome = "stale-button"
    return [_text(phrases.STALE_BUTTON)]
