"""LINE event handlers: one small function per event kind, all bound in HANDLERS below (postbacks by
action in POSTBACKS); each returns a flows.Reply, and `respond` is the one path every reply takes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from linebot.v3.webhooks import (
    AudioMessageContent,
    FileMessageContent,
    FollowEvent,
    ImageMessageContent,
    JoinEvent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    StickerMessageContent,
    TextMessageContent,
    VideoMessageContent,
)

from bot.core import phrases
from bot.core.answerer import Answerer
from bot.store import ConversationStore, FeedbackStore
from handlers import flows, limits, messages, postback
from handlers.flows import Reply
from handlers.render import render

TYPE_PLEASE = "謝謝您！我看不懂圖片、貼圖或語音。請直接打字告訴我您的問題。"


@dataclass
class Context:
    """What a handler may use: the office's answerer, the store, the (hashed) user and the policies."""

    answerer: Answerer
    group_prefix: str = "小幫手"
    store: ConversationStore | FeedbackStore | None = None  # the conversation and feedback roles
    user: str | None = None  # keyed hash of the LINE user id; None when the event has none
    event_id: str = ""
    now: int = 0
    survey_every_days: float = 30.0
    state_minutes: float = 15.0
    retention_days: float = 365.0
    unsaved: list = field(default_factory=list)  # store writes that failed (the database was down)

    @property
    def agency_id(self) -> str:
        """The office this event is for."""
        return self.answerer.agency.id


def without_mentions(text: str, mentionees: list) -> str:
    """The text with its @mentions (the bot's own and anyone else's: names, never the question)
    cut out by their index and length (LINE's webhook spec). LINE counts in UTF-16 code units,
    as JavaScript does (an emoji before a mention counts 2); should a client ever count
    characters instead, the cut that starts each mention at its "@" is taken."""
    spans = sorted(((m.index, m.length) for m in mentionees), reverse=True)
    utf16 = _cut(text.encode("utf-16-le"), spans, 2).decode("utf-16-le", errors="replace")
    by_chars = _cut(text, spans, 1)
    at_utf16 = all(text.encode("utf-16-le")[2 * i:2 * i + 2] == "@".encode("utf-16-le") for i, _ in spans)
    at_chars = all(text[i:i + 1] == "@" for i, _ in spans)
    return (by_chars if at_chars and not at_utf16 else utf16).strip()


def _cut(seq, spans: list[tuple[int, int]], width: int):
    """seq with each (index, length) span, counted in units of `width`, replaced by one space."""
    space = " ".encode("utf-16-le") if width == 2 else " "
    for index, length in spans:
        if 0 <= index and 0 < length and index + length <= len(seq) // width:
            seq = seq[: width * index] + space + seq[width * (index + length):]
    return seq


def _addressed_text(event: MessageEvent, ctx: Context) -> str | None:
    """The question of a text message, or None when a group/room message is not for the bot."""
    text = event.message.text or ""
    source = getattr(event, "source", None)
    if source is None or source.type == "user":  # no source: nobody to address but the bot
        return text
    mention = getattr(event.message, "mention", None)
    mentionees = (mention.mentionees or []) if mention else []
    if any(getattr(m, "is_self", False) for m in mentionees):
        return without_mentions(text, mentionees)
    if ctx.group_prefix and text.strip().startswith(ctx.group_prefix):
        return text.strip()[len(ctx.group_prefix):]
    return None


def on_text(event: MessageEvent, ctx: Context) -> Reply:
    """A question, or the next step of a feedback, survey or opinion flow."""
    question = _addressed_text(event, ctx)
    if question is None:
        return Reply(outcome="ignored")
    return flows.on_text(ctx, question)


def on_media(event: MessageEvent, ctx: Context) -> Reply:
    """Stickers, images, audio, video, files: kindly ask for a typed question."""
    if getattr(event.source, "type", "user") != "user":
        return Reply(outcome="ignored")
    return Reply([messages.text(TYPE_PLEASE)], "prompt")


def on_location(event: MessageEvent, ctx: Context) -> Reply:
    """A shared location: list the office's places that the knowledge knows, else ask to type."""
    if getattr(event.source, "type", "user") != "user":
        return Reply(outcome="ignored")
    places = [e for e in ctx.answerer.agency.entries if e.kind == "window" and e.where][:5]
    if not places:
        return on_media(event, ctx)
    lines = [f"{ctx.answerer.agency.short_name}的服務地點："] + [f"・{e.title}：{e.where}" for e in places]
    lines.append("想知道哪一個地點的詳細資訊，請直接打字問我。")
    return Reply([messages.text("\n".join(lines))], "places")


def on_follow(event: FollowEvent, ctx: Context) -> Reply:
    """A new friend: what the bot can do, the privacy notice, the main topics. Someone who unblocks
    the account has had all that: a short welcome back with the topics."""
    greeting = render(ctx.answerer.ask("你好"))
    if getattr(getattr(event, "follow", None), "is_unblocked", False):
        topics = greeting[-1].get("quickReply", {}).get("items")
        return Reply([messages.text(phrases.WELCOME_BACK, topics)], "welcome-back")
    return Reply([messages.text(phrases.privacy_notice(ctx.retention_days)), *greeting], "greeting")


def on_join(event: JoinEvent, ctx: Context) -> Reply:
    """Added to a group or room: say who we are and how to ask here (the bot stays quiet otherwise)."""
    return Reply([messages.text(phrases.group_greeting(ctx.answerer.agency.short_name, ctx.group_prefix))],
                 "greeting")


def _tapped_topic(ctx: Context, data: postback.Postback) -> Reply:
    entry = ctx.answerer.agency.entry(data.entry_id)
    return flows.choose(ctx, entry) if entry else flows.stale(ctx)


# A tapped button's action (handlers/postback.py ACTIONS) -> its step.
POSTBACKS = {
    "ans": _tapped_topic,                                        # a topic or a "which item?" choice
    "fb": flows.on_rating,                                       # 👍 / 👎
    "why": flows.on_reason,                                      # the reason for a 👎
    "sv": lambda ctx, data: flows.save_stars(ctx, data.stars),   # survey stars
    "op": lambda ctx, data: flows.on_opinion_button(ctx),        # 「留下意見」
    "opc": lambda ctx, data: flows.send_opinion(ctx),            # 「送出意見」
}


def on_postback(event: PostbackEvent, ctx: Context) -> Reply:
    """A tapped button, by the POSTBACKS table; anything else is a stale button."""
    data = postback.decode(event.postback.data)
    step = POSTBACKS.get(data.action or "")
    return step(ctx, data) if step else flows.stale(ctx)


def on_other(event, ctx: Context) -> Reply:
    """Every other event (unfollow, leave, unsend, unknown …): acknowledged, nothing sent."""
    return Reply(outcome="ignored")


# (event class, message content class or None, handler) — the first match wins.
HANDLERS = [
    (MessageEvent, TextMessageContent, on_text),
    (MessageEvent, StickerMessageContent, on_media),
    (MessageEvent, ImageMessageContent, on_media),
    (MessageEvent, AudioMessageContent, on_media),
    (MessageEvent, VideoMessageContent, on_media),
    (MessageEvent, FileMessageContent, on_media),
    (MessageEvent, LocationMessageContent, on_location),
    (FollowEvent, None, on_follow),
    (JoinEvent, None, on_join),
    (PostbackEvent, None, on_postback),
]
DEFAULT = on_other


def respond(event, ctx: Context) -> Reply:
    """The one path of every reply: the event's handler decides, the conversation's next state is
    kept, and the messages are fitted to LINE's limits once, right before sending."""
    reply = handler_for(event)(event, ctx)
    flows.keep_state(ctx, reply)
    return replace(reply, messages=limits.fit(reply.messages))


def handler_for(event):
    """The handler bound to an event's type (and message type), or the default."""
    for event_cls, content_cls, fn in HANDLERS:
        if isinstance(event, event_cls) and (content_cls is None or isinstance(event.message, content_cls)):
            return fn
    return DEFAULT
