"""Turn a core Answer into LINE messages: text, a Flex card for places and counters, quick replies."""

from __future__ import annotations

from linebot.v3.messaging import (
    FlexContainer,
    FlexMessage,
    PostbackAction,
    QuickReplyItem,
    TextMessage,
)

from bot.core.answerer import Answer
from bot.core.knowledge import Entry
from bot.core.phrases import entry_facts
from handlers import limits, postback

CARD_KINDS = ("window", "single_window")
MAX_TOPICS = 3


def _topic_item(entry: Entry) -> QuickReplyItem:
    """A quick reply that asks for one entry's answer."""
    return QuickReplyItem(action=PostbackAction(label=limits.label(entry.title), data=postback.encode("ans", entry.id),
                                                display_text=entry.title))


def _feedback_items(entry: Entry, question_id: int | None) -> list[QuickReplyItem]:
    return [
        QuickReplyItem(action=PostbackAction(label=label, data=postback.encode("fb", entry.id, rating, question_id),
                                             display_text=label))
        for label, rating in (("👍 有幫助", "up"), ("👎 沒幫助", "down"))
    ]


def card(entry: Entry) -> FlexMessage | None:
    """A Flex bubble with an entry's structured facts (place, time, what to bring, a tel: button)."""
    facts = entry_facts(entry)
    if entry.kind not in CARD_KINDS or not facts:
        return None
    rows = [{"type": "box", "layout": "baseline", "spacing": "sm", "contents": [
        {"type": "text", "text": name, "color": "#666666", "size": "md", "flex": 2},
        {"type": "text", "text": limits.cut_utf16(value, 300), "wrap": True, "size": "md", "flex": 5},
    ]} for name, value in facts]
    bubble = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": [
            {"type": "text", "text": entry.title, "weight": "bold", "size": "xl", "wrap": True},
            *rows,
        ]},
    }
    if entry.phone:
        digits = "".join(ch for ch in entry.phone if ch.isdigit() or ch in "+#")
        bubble["footer"] = {"type": "box", "layout": "vertical", "contents": [
            {"type": "button", "style": "primary",
             "action": {"type": "uri", "label": "打電話", "uri": f"tel:{digits}"}},
        ]}
    alt = entry.title + "：" + "；".join(f"{name} {value}" for name, value in facts)
    return FlexMessage(alt_text=limits.cut_utf16(alt, limits.MAX_ALT_TEXT), contents=FlexContainer.from_dict(bubble))


def render(answer: Answer, question_id: int | None = None) -> list:
    """The LINE messages for an answer, within LINE's limits (feedback buttons carry the question id)."""
    messages: list = [TextMessage(text=answer.text)]
    if answer.outcome == "answer" and answer.entry:
        flex = card(answer.entry)
        if flex:
            messages.append(flex)
        items = _feedback_items(answer.entry, question_id) + [_topic_item(e) for e in answer.related[:MAX_TOPICS]]
    elif answer.outcome == "clarify":
        items = [_topic_item(e) for e in answer.choices]
    else:
        items = [_topic_item(e) for e in answer.related]
    if items:
        messages[-1].quick_reply = limits.quick_reply(items)
    return limits.fit(messages)
