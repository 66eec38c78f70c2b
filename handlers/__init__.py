"""LINE event handlers: one small function per event kind, all bound in HANDLERS below."""

from __future__ import annotations

from dataclasses import dataclass

from linebot.v3.messaging import TextMessage
from linebot.v3.webhooks import (
    AudioMessageContent,
    FileMessageContent,
    FollowEvent,
    ImageMessageContent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    StickerMessageContent,
    TextMessageContent,
    VideoMessageContent,
)

from bot.core.answerer import Answer, Answerer
from handlers import limits, postback
from handlers.render import render

PRIVACY = ("為了改善服務，我們會保存您的提問和評分（不含您的 LINE 名稱），"
           "並遮蔽身分證字號、電話和電子郵件。")
TYPE_PLEASE = "謝謝您！我看不懂圖片、貼圖或語音。請直接打字告訴我您的問題。"
THANKS_FEEDBACK = "謝謝您的回饋！"


@dataclass
class Context:
    """What a handler may use: the office's answerer and the chat settings."""

    answerer: Answerer
    group_prefix: str
    outcome: str = ""
    entry_id: str | None = None

    def reply(self, answer: Answer) -> list:
        """Render an answer, remembering its outcome for the event log."""
        self.outcome, self.entry_id = answer.outcome, answer.entry_id
        return render(answer)


def _addressed_text(event: MessageEvent, ctx: Context) -> str | None:
    """The question of a text message, or None when a group/room message is not for the bot."""
    text = event.message.text or ""
    if event.source.type == "user":
        return text
    mention = getattr(event.message, "mention", None)
    if mention and any(getattr(m, "is_self", False) for m in mention.mentionees or []):
        return text
    if ctx.group_prefix and text.strip().startswith(ctx.group_prefix):
        return text.strip()[len(ctx.group_prefix):]
    return None


def on_text(event: MessageEvent, ctx: Context) -> list:
    """A question: ask the engine and reply with its answer."""
    question = _addressed_text(event, ctx)
    if question is None:
        ctx.outcome = "ignored"
        return []
    return ctx.reply(ctx.answerer.ask(question))


def on_media(event: MessageEvent, ctx: Context) -> list:
    """Stickers, images, audio, video, files: kindly ask for a typed question."""
    if event.source.type != "user":
        ctx.outcome = "ignored"
        return []
    ctx.outcome = "prompt"
    return [TextMessage(text=TYPE_PLEASE)]


def on_location(event: MessageEvent, ctx: Context) -> list:
    """A shared location: list the office's places that the knowledge knows, else ask to type."""
    if event.source.type != "user":
        ctx.outcome = "ignored"
        return []
    places = [e for e in ctx.answerer.agency.entries if e.kind == "window" and e.where][:5]
    if not places:
        return on_media(event, ctx)
    ctx.outcome = "places"
    lines = [f"{ctx.answerer.agency.short_name}的服務地點："] + [f"・{e.title}：{e.where}" for e in places]
    lines.append("想知道哪一個地點的詳細資訊，請直接打字問我。")
    return [TextMessage(text="\n".join(lines))]


def on_follow(event: FollowEvent, ctx: Context) -> list:
    """A new friend: what the bot can do, the privacy notice, the main topics."""
    greeting = ctx.answerer.ask("你好")
    messages = ctx.reply(greeting)
    messages.insert(0, TextMessage(text=PRIVACY))
    ctx.outcome = "greeting"
    return limits.fit(messages)


def on_postback(event: PostbackEvent, ctx: Context) -> list:
    """A tapped button: answer the chosen entry, or thank for feedback; unknown data is ignored."""
    data = postback.decode(event.postback.data)
    entry = ctx.answerer.agency.entry(data.entry_id) if data.entry_id else None
    if data.action == "ans" and entry:
        return ctx.reply(ctx.answerer.answer_entry(entry, question=entry.title))
    if data.action == "fb" and entry:
        ctx.outcome, ctx.entry_id = f"feedback-{data.rating or 'none'}", entry.id
        return [TextMessage(text=THANKS_FEEDBACK)]
    ctx.outcome = "ignored"
    return []


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
    (PostbackEvent, None, on_postback),
]
DEFAULT = on_other


def handler_for(event):
    """The handler bound to an event's type (and message type), or the default."""
    for event_cls, content_cls, fn in HANDLERS:
        if isinstance(event, event_cls) and (content_cls is None or isinstance(event.message, content_cls)):
            return fn
    return DEFAULT
