"""LINE event handlers: one small function per event kind, all bound in HANDLERS below."""

from __future__ import annotations

from dataclasses import dataclass

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
from bot.core.answerer import Answer, Answerer
from bot.store import Store
from handlers import flows, limits, messages, postback
from handlers.render import render

TYPE_PLEASE = "謝謝您！我看不懂圖片、貼圖或語音。請直接打字告訴我您的問題。"


@dataclass
class Context:
    """What a handler may use: the office's answerer, the store, the (hashed) user and the policies."""

    answerer: Answerer
    group_prefix: str = "小幫手"
    store: Store | None = None
    user: str | None = None  # keyed hash of the LINE user id; None when the event has none
    event_id: str = ""
    now: int = 0
    survey_every_days: float = 30.0
    state_minutes: float = 15.0
    retention_days: float = 365.0
    outcome: str = ""
    entry_id: str | None = None

    @property
    def agency_id(self) -> str:
        """The office this event is for."""
        return self.answerer.agency.id

    def reply(self, answer: Answer, question_id: int | None = None) -> list:
        """Render an answer, remembering its outcome for the event log."""
        self.outcome, self.entry_id = answer.outcome, answer.entry_id
        return render(answer, question_id)


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


def on_text(event: MessageEvent, ctx: Context) -> list:
    """A question, or the next step of a feedback, survey or opinion flow."""
    question = _addressed_text(event, ctx)
    if question is None:
        ctx.outcome = "ignored"
        return []
    return flows.on_text(ctx, question)


def on_media(event: MessageEvent, ctx: Context) -> list:
    """Stickers, images, audio, video, files: kindly ask for a typed question."""
    if getattr(event.source, "type", "user") != "user":
        ctx.outcome = "ignored"
        return []
    ctx.outcome = "prompt"
    return [messages.text(TYPE_PLEASE)]


def on_location(event: MessageEvent, ctx: Context) -> list:
    """A shared location: list the office's places that the knowledge knows, else ask to type."""
    if getattr(event.source, "type", "user") != "user":
        ctx.outcome = "ignored"
        return []
    places = [e for e in ctx.answerer.agency.entries if e.kind == "window" and e.where][:5]
    if not places:
        return on_media(event, ctx)
    ctx.outcome = "places"
    lines = [f"{ctx.answerer.agency.short_name}的服務地點："] + [f"・{e.title}：{e.where}" for e in places]
    lines.append("想知道哪一個地點的詳細資訊，請直接打字問我。")
    return [messages.text("\n".join(lines))]


def on_follow(event: FollowEvent, ctx: Context) -> list:
    """A new friend: what the bot can do, the privacy notice, the main topics. Someone who unblocks
    the account has had all that: a short welcome back with the topics."""
    greeting = ctx.answerer.ask("你好")
    reply = ctx.reply(greeting)
    if getattr(getattr(event, "follow", None), "is_unblocked", False):
        ctx.outcome = "welcome-back"
        return limits.fit([messages.text(phrases.WELCOME_BACK, reply[-1].get("quickReply", {}).get("items"))])
    reply.insert(0, messages.text(phrases.privacy_notice(ctx.retention_days)))
    ctx.outcome = "greeting"
    return limits.fit(reply)


def on_join(event: JoinEvent, ctx: Context) -> list:
    """Added to a group or room: say who we are and how to ask here (the bot stays quiet otherwise)."""
    ctx.outcome = "greeting"
    return limits.fit([messages.text(phrases.group_greeting(ctx.answerer.agency.short_name, ctx.group_prefix))])


def on_postback(event: PostbackEvent, ctx: Context) -> list:
    """A tapped button: a topic, 👍/👎 and its reason, survey stars, leave an opinion."""
    data = postback.decode(event.postback.data)
    if data.action == "ans":
        entry = ctx.answerer.agency.entry(data.entry_id)
        return flows.choose(ctx, entry) if entry else flows.stale(ctx)
    if data.action == "fb":
        return flows.on_rating(ctx, data)
    if data.action == "why":
        return flows.on_reason(ctx, data)
    if data.action == "sv":
        return flows.save_stars(ctx, data.stars)
    if data.action == "op":
        return flows.on_opinion_button(ctx)
    if data.action == "opc":
        return flows.send_opinion(ctx)
    return flows.stale(ctx)


def on_other(event, ctx: Context) -> list:
    """Every other event (unfollow, join, unsend, unknown …): acknowledged, nothing sent."""
    ctx.outcome = "ignored"
    return []


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


def handler_for(event):
    """The handler bound to an event's type (and message type), or the default."""
    for event_cls, content_cls, fn in HANDLERS:
        if isinstance(event, event_cls) and (content_cls is None or isinstance(event.message, content_cls)):
            return fn
    return DEFAULT
