"""Turn a core Answer into LINE messages: text, a Flex card for places and counters, quick replies."""

from __future__ import annotations

from functools import lru_cache

from bot.core.answerer import Answer
from bot.core.knowledge import Entry
from bot.core.office import dial
from bot.core.phrases import entry_facts
from handlers import limits, messages, postback

CARD_KINDS = ("window", "single_window")
MAX_TOPICS = 3


def topic_action(entry: Entry) -> dict:
    """The action that asks for one entry's answer: a quick reply here, a button on the rich menu."""
    return messages.postback_action(limits.label(entry.title), postback.encode("ans", entry.id), entry.title)


@lru_cache(maxsize=4096)  # the same buttons under every answer; limits.fit copies before changing
def topic_item(entry: Entry) -> dict:
    """A quick reply that asks for one entry's answer."""
    return messages.item(topic_action(entry))


def _feedback_items(entry: Entry, question_id: int | None) -> list[dict]:
    return [messages.postback_item(label, postback.encode("fb", entry.id, rating, question_id), label)
            for label, rating in (("👍 有幫助", "up"), ("👎 沒幫助", "down"))]


@lru_cache(maxsize=4096)  # entries are immutable; a reload brings new Entry objects
def card(entry: Entry) -> dict | None:
    """A Flex bubble with an entry's structured facts (place, time, what to bring, a tel: button)."""
    facts = entry_facts(entry)
    if entry.kind not in CARD_KINDS or not facts:
        return None
    rows = [{"type": "box", "layout": "baseline", "spacing": "sm", "contents": [
        {"type": "text", "text": name, "color": "#666666", "size": "md", "flex": 2, "scaling": True},
        {"type": "text", "text": limits.cut_utf16(value, 300), "wrap": True, "size": "md", "flex": 5, "scaling": True},
    ]} for name, value in facts]
    bubble = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": [
            # scaling: the card follows the font size the reader set in LINE (elderly readers raise it).
            {"type": "text", "text": entry.title, "weight": "bold", "size": "xl", "wrap": True, "scaling": True},
            *rows,
        ]},
    }
    if entry.phone and dial(entry.phone):
        digits = dial(entry.phone)  # 「07-7400141轉2208」 dials 077400141: an extension is asked for by voice
        bubble["footer"] = {"type": "box", "layout": "vertical", "contents": [
            {"type": "button", "style": "primary", "scaling": True,
             "action": {"type": "uri", "label": "打電話", "uri": f"tel:{digits}"}},
        ]}
    alt = entry.title + "：" + "；".join(f"{name} {value}" for name, value in facts)
    return messages.flex(limits.cut_utf16(alt, limits.MAX_ALT_TEXT), bubble)


def render(answer: Answer, question_id: int | None = None) -> list:
    """The LINE messages for an answer (feedback buttons carry the question id); handlers.respond fits
    them to LINE's limits."""
    reply: list = [messages.text(answer.text)]
    if answer.outcome == "answer" and answer.entry:
        flex = card(answer.entry)
        if flex:
            reply.append(flex)
        items = _feedback_items(answer.entry, question_id) + [topic_item(e) for e in answer.related[:MAX_TOPICS]]
    elif answer.outcome == "clarify":
        items = [topic_item(e) for e in answer.choices]
    else:
        items = [topic_item(e) for e in answer.related]
    if items:
        reply[-1] = messages.with_items(reply[-1], items)
    return reply  # fitted to LINE's limits once, by handlers.respond
