"""A text conversation: questions, and the feedback, survey and opinion flows, declared as a table of
waiting states whose steps return a Reply (messages, outcome, next state); the state is in the store."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass, field, replace

from bot.core import intents, phrases
from bot.core.redact import redact
from bot.store import Opinion, Question, Rating, Survey
from handlers import messages, postback
from handlers.render import render, topic_item

MAX_COMMENT = 300  # characters kept of a comment or opinion; the rest is cut and the citizen told
MAX_QUESTION = 500
KEEP = "keep"  # a Reply's state when the step leaves the conversation's state as it is

log = logging.getLogger("bot.flows")


@dataclass(frozen=True)
class Reply:
    """What a step decided: the messages, the outcome and entry for the event log, and the next
    state (KEEP, None when nothing is awaited, or a state of STATES with its data)."""

    messages: list = field(default_factory=list)
    outcome: str = ""
    entry_id: str | None = None
    state: dict | str | None = KEEP

    def then(self, more: "Reply") -> "Reply":
        """This reply followed by more messages; the later step's state wins."""
        return replace(self, messages=self.messages + more.messages,
                       state=self.state if more.state == KEEP else more.state)


# The states a conversation can wait in, and what a typed text means there. Every state is also
# left by a new question, 「不用了」, 「我要反映意見」, 「滿意度調查」, a menu tap or expiry (STATE_MINUTES);
# TEXT_STEPS below says which step handles a text in which state, and docs/conversation.md draws it.
STATES = {
    "choice": "a typed number (「1」「第二個」) picks one of the offered entries (LINE for PC shows no buttons)",
    "stars": "typed stars (「5」「五分」) answer the survey",
    "comment": "text the bot cannot answer is the comment on a 👎 reason or a survey answer (optional)",
    "opinion": "whatever is typed is the opinion (after 「留下意見」)",
    "opinion-intro": "typed text is offered back once, to be sent as the opinion",
    "opinion-confirm": "「送出意見」 keeps the text waiting here as the opinion",
}


class SaveFailed(Exception):
    """A store write failed; already logged with the event id."""


@contextlib.contextmanager
def saving(ctx, what: str):
    """The store, for writes that matter to the reply: one guard for every outage. Without a store
    or a user (an event with no user id) nothing can be kept."""
    if ctx.store is None or ctx.user is None:
        raise SaveFailed(what)
    try:
        yield ctx.store
    except Exception as exc:  # noqa: BLE001 - any database error: the bot keeps answering
        log.error("store %s failed event_id=%s error=%s", what, ctx.event_id, type(exc).__name__)
        ctx.unsaved.append(what)  # an event handled from memory is then tried again from the spool
        raise SaveFailed(what) from exc


def quietly(ctx, what: str, call):
    """A store call (`call(store)`) whose failure only costs a record, never the reply: None then."""
    try:
        with saving(ctx, what) as store:
            return call(store)
    except SaveFailed:
        return None


_text = messages.text


def _no_thanks() -> dict:
    return messages.message_item(phrases.NO_THANKS, phrases.NO_THANKS)


def _stars_items() -> list[dict]:
    return [messages.postback_item(label, postback.encode("sv", stars=n), label) for n, label in phrases.STARS.items()]


def state(ctx) -> dict:
    """The user's unexpired flow state with this office ({} when none or unreadable)."""
    return quietly(ctx, "get_state", lambda s: s.get_state(ctx.user, ctx.agency_id, ctx.now)) or {}


def keep_state(ctx, reply: Reply) -> None:
    """Persist the reply's next state (the one place that writes it); it expires after STATE_MINUTES."""
    if reply.state != KEEP:
        expires = ctx.now + int(ctx.state_minutes * 60)
        quietly(ctx, "set_state", lambda s: s.set_state(ctx.user, ctx.agency_id, reply.state, expires))


def record_question(ctx, text: str, answer) -> int | None:
    """Keep the question (redacted) and its outcome; fallbacks become the unanswered queue."""
    question = Question(ctx.agency_id, ctx.user or "", redact(text)[:MAX_QUESTION], answer.outcome,
                        answer.entry_id, round(answer.score, 3), ctx.now)
    return quietly(ctx, "add_question", lambda s: s.add_question(question))


def _cut(text: str) -> tuple[str, str]:
    """The redacted text within MAX_COMMENT, and a note when it had to be cut."""
    kept = redact(text.strip())
    if len(kept) <= MAX_COMMENT:
        return kept, ""
    return kept[:MAX_COMMENT], phrases.CUT_NOTE.format(n=MAX_COMMENT)


def moment(ctx) -> dt.datetime | None:
    """The event's time, for "is it open now" (None: the engine takes the clock)."""
    return dt.datetime.fromtimestamp(ctx.now, dt.timezone.utc) if ctx.now else None


# ---- the steps a typed text can take ----

def _cancel(ctx, text: str, current: dict) -> Reply:
    return Reply([_text(phrases.CANCELLED)], "cancel", state=None if current else KEEP)


def _survey_asked(ctx, text: str, current: dict) -> Reply:
    return offer_survey(ctx, on_demand=True)


def _opinion_intro(ctx, text: str, current: dict) -> Reply:
    item = messages.postback_item(phrases.LEAVE_OPINION, postback.encode("op"), phrases.LEAVE_OPINION)
    # A new flow ends the old one: what comes next is no longer a survey or rating comment.
    return Reply([_text(phrases.opinion_intro(ctx.answerer.agency), [item])], "opinion-intro",
                 state={"await": "opinion-intro"})


def _typed_stars(ctx, text: str, current: dict) -> Reply:
    return save_stars(ctx, intents.typed_stars(text))


def _typed_choice(ctx, text: str, current: dict) -> Reply:
    """「1」 after a "which item?": that item; a number out of range asks again with the choices."""
    number = intents.typed_choice(text)
    entries = [e for e in map(ctx.answerer.agency.entry, current.get("ids") or []) if e]
    if not entries:
        return replace(stale(ctx), state=None)
    if not 1 <= number <= len(entries):
        items = [topic_item(e) for e in entries]
        return Reply([_text(phrases.CHOICE_RANGE.format(n=len(entries)), items)], "choice-invalid")
    return replace(choose(ctx, entries[number - 1]), state=None)


def _save_opinion(ctx, text: str, current: dict) -> Reply:
    kept, note = _cut(text)
    try:
        with saving(ctx, "add_opinion") as store:
            reference = store.add_opinion(Opinion(ctx.agency_id, ctx.user, kept, ctx.now))
    except SaveFailed:
        return Reply([_text(phrases.SAVE_FAILED)], "opinion", state=None)
    return Reply([_text(phrases.opinion_saved(reference) + note)], "opinion", state=None)


def _confirm_opinion(ctx, text: str, current: dict) -> Reply:
    """Typed straight after 「我要反映意見」 without tapping 「留下意見」: most likely the opinion itself.
    Asked once before it is kept, so a question typed here is not filed as a complaint."""
    kept, _ = _cut(text)  # redacted: the state is stored, and no ID or phone number goes in it
    send = messages.postback_item(phrases.SEND_OPINION, postback.encode("opc"), phrases.SEND_OPINION)
    return Reply([_text(phrases.opinion_confirm(kept), [send, _no_thanks()])], "opinion-confirm",
                 state={"await": "opinion-confirm", "text": kept})


def _save_comment(ctx, text: str, current: dict) -> Reply:
    kept, note = _cut(text)
    try:
        with saving(ctx, "annotate") as store:
            store.annotate(current["kind"], current["id"], ctx.user, None, kept)
    except SaveFailed:
        return Reply([_text(phrases.SAVE_FAILED)], "comment", state=None)
    return Reply([_text(phrases.COMMENT_THANKS + note)], "comment", state=None)


def _answer(ctx, text: str, current: dict) -> Reply:
    """The question answered; a "which item?" waits for a typed number; a thank-you after an answer
    brings the survey."""
    answer = ctx.answerer.ask(text, moment(ctx))
    reply = Reply(render(answer, record_question(ctx, text, answer)), answer.outcome, answer.entry_id,
                  state=None if current else KEEP)  # a new question leaves any waiting step
    if answer.outcome == "clarify":
        reply = replace(reply, state={"await": "choice", "ids": [e.id for e in answer.choices]})
    if answer.smalltalk in ("thanks", "bye") and _answered_lately(ctx):
        reply = reply.then(offer_survey(ctx))
    return reply


def _answered_lately(ctx) -> bool:
    """Whether this user got an answer within the last STATE_MINUTES (asked only on thanks or bye)."""
    last = quietly(ctx, "last_answer_at", lambda s: s.last_answer_at(ctx.user, ctx.agency_id))
    return last is not None and ctx.now - last < ctx.state_minutes * 60


# What a text is, tested in the table's order: the fixed requests first, then what a state expects.
KINDS = {
    "cancel": lambda ctx, text: intents.intent(text) == "cancel",
    "survey": lambda ctx, text: intents.intent(text) == "survey",
    "opinion": lambda ctx, text: intents.intent(text) == "opinion",
    "stars": lambda ctx, text: intents.typed_stars(text) is not None,
    "number": lambda ctx, text: intents.typed_choice(text) is not None,
    "not a question": lambda ctx, text: ctx.answerer.ask(text).outcome != "answer",
    "any text": lambda ctx, text: True,
}
ANY, IDLE = "*", "idle"  # IDLE: nothing awaited
# (waiting state or ANY, kind of text, step, the states it may lead to): the first row that matches
# handles the text. A step that cannot keep what it was given (a number out of range, stars outside
# 1–5, a database outage) may also stay where it was.
TEXT_STEPS = [
    (ANY, "cancel", _cancel, (IDLE,)),
    (ANY, "survey", _survey_asked, ("stars",)),
    (ANY, "opinion", _opinion_intro, ("opinion-intro",)),
    ("stars", "stars", _typed_stars, ("comment",)),
    ("choice", "number", _typed_choice, (IDLE, "choice")),  # a number out of range asks again
    ("opinion", "any text", _save_opinion, (IDLE,)),
    ("opinion-intro", "any text", _confirm_opinion, ("opinion-confirm",)),
    ("comment", "not a question", _save_comment, (IDLE,)),  # a real question leaves the optional comment
    (ANY, "any text", _answer, (IDLE, "choice", "stars")),  # 「謝謝」 after an answer: the survey
]
# Buttons that enter or leave a state (handlers.POSTBACKS dispatches them): (from, button, to).
BUTTON_STEPS = [
    (ANY, "👎 then a reason", "comment"),
    (ANY, "survey stars", "comment"),
    (ANY, "「留下意見」", "opinion"),
    ("opinion-confirm", "「送出意見」", IDLE),
]


def mermaid() -> str:
    """The conversation's states as a Mermaid state diagram, drawn from the tables above ("any" is
    every state, idle included: the rows that apply wherever the conversation is)."""
    def node(name: str) -> str:
        return {IDLE: "[*]", ANY: "any"}.get(name, name.replace("-", "_"))

    lines = ["stateDiagram-v2"]
    lines += [f"    {node(where)} --> {node(target)}: {kind}"
              for where, kind, _, targets in TEXT_STEPS for target in targets]
    lines += [f"    {node(where)} --> {node(target)}: {button}" for where, button, target in BUTTON_STEPS]
    return "\n".join(lines) + "\n"


def on_text(ctx, text: str) -> Reply:
    """Reply to a text by the first row of TEXT_STEPS that fits the waiting state and the text."""
    current = state(ctx)
    waiting = current.get("await")
    for where, kind, step, _ in TEXT_STEPS:
        if where in (ANY, waiting) and KINDS[kind](ctx, text):
            return step(ctx, text, current)
    raise AssertionError("TEXT_STEPS ends with a row for any text")


# ---- steps started by buttons ----

def choose(ctx, entry) -> Reply:
    """The answer of a chosen entry (a tapped topic or a typed number), counted apart from questions."""
    answer = ctx.answerer.answer_entry(entry, question=entry.title, now=moment(ctx))
    question_id = record_question(ctx, entry.title, replace(answer, outcome="choice"))
    return Reply(render(answer, question_id), "choice", entry.id)


def offer_survey(ctx, on_demand: bool = False) -> Reply:
    """The 1–5 survey question; unasked-for offers at most once per SURVEY_EVERY_DAYS per user."""
    if ctx.store is None or ctx.user is None:
        return Reply()
    if not on_demand:
        last = quietly(ctx, "last_survey_offer", lambda s: s.last_survey_offer(ctx.user, ctx.agency_id))
        if last is not None and ctx.now - last < ctx.survey_every_days * 86400:
            return Reply()
    quietly(ctx, "note_survey_offer", lambda s: s.note_survey_offer(ctx.user, ctx.agency_id, ctx.now))
    return Reply([_text(phrases.SURVEY_ASK, _stars_items())], "survey-offer" if on_demand else "",
                 state={"await": "stars"})


def save_stars(ctx, stars: int | None) -> Reply:
    """Keep a survey answer, then invite a comment; anything outside 1–5 is asked again."""
    if stars is None or not 1 <= stars <= 5:
        return Reply([_text(phrases.STARS_RANGE, _stars_items())], "survey-invalid")
    try:
        with saving(ctx, "add_survey") as store:
            survey_id = store.add_survey(Survey(ctx.agency_id, ctx.user, stars, ctx.now, ctx.event_id))
    except SaveFailed:
        return Reply([_text(phrases.SAVE_FAILED)], f"survey-{stars}")
    return Reply([_text(phrases.SURVEY_THANKS + phrases.ASK_COMMENT, [_no_thanks()])], f"survey-{stars}",
                 state={"await": "comment", "kind": "survey", "id": survey_id})


def on_rating(ctx, data: postback.Postback) -> Reply:
    """👍 thanks (and perhaps the survey); 👎 asks for the reason. The rating is kept either way."""
    entry = ctx.answerer.agency.entry(data.entry_id)
    if entry is None:
        return stale(ctx)
    outcome = f"feedback-{data.rating}"
    try:
        with saving(ctx, "add_rating") as store:
            rating_id = store.add_rating(Rating(ctx.agency_id, ctx.user, entry.id, data.rating, ctx.now,
                                                ctx.event_id, data.question_id))
    except SaveFailed:
        return Reply([_text(phrases.SAVE_FAILED)], outcome, entry.id)
    if data.rating == "up":
        return Reply([_text(phrases.FEEDBACK_THANKS)], outcome, entry.id).then(offer_survey(ctx))
    items = [messages.postback_item(label, postback.encode("why", rating=reason, record_id=rating_id), label)
             for reason, label in phrases.REASONS.items()]
    return Reply([_text(phrases.ASK_REASON, items)], outcome, entry.id)


def on_reason(ctx, data: postback.Postback) -> Reply:
    """The reason for a 👎, then an invitation to say more."""
    try:
        with saving(ctx, "annotate") as store:
            own = store.annotate("rating", data.record_id, ctx.user, data.rating)
    except SaveFailed:
        return Reply([_text(phrases.SAVE_FAILED)], f"reason-{data.rating}")
    if not own:
        return stale(ctx)
    return Reply([_text(phrases.FEEDBACK_THANKS + phrases.ASK_COMMENT, [_no_thanks()])], f"reason-{data.rating}",
                 state={"await": "comment", "kind": "rating", "id": data.record_id})


def on_opinion_button(ctx) -> Reply:
    """「留下意見」: wait for the opinion's text."""
    return Reply([_text(phrases.OPINION_ASK, [_no_thanks()])], "opinion-ask", state={"await": "opinion"})


def send_opinion(ctx) -> Reply:
    """「送出意見」: keep the opinion typed after 「我要反映意見」 that waits for confirmation."""
    current = state(ctx)
    if current.get("await") != "opinion-confirm" or not current.get("text"):
        return stale(ctx)
    return _save_opinion(ctx, current["text"], current)


def stale(ctx) -> Reply:
    """A button that is not (or no longer) ours: say so kindly."""
    return Reply([_text(phrases.STALE_BUTTON)], "stale-button")
