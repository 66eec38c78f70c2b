"""LINE's message limits, enforced in one place before anything is sent."""

from __future__ import annotations

from linebot.v3.messaging import QuickReply

MAX_MESSAGES = 5
MAX_TEXT_UTF16 = 5000
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20
MAX_POSTBACK_DATA = 300
MAX_ALT_TEXT = 1500


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as LINE counts it (an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def cut_utf16(text: str, limit: int, ellipsis: str = "…") -> str:
    """Cut text to at most `limit` UTF-16 units, never splitting a surrogate pair."""
    if utf16_len(text) <= limit:
        return text
    out, used = [], utf16_len(ellipsis)
    for ch in text:
        size = utf16_len(ch)
        if used + size > limit:
            break
        out.append(ch)
        used += size
    return "".join(out) + ellipsis


def label(text: str) -> str:
    """A button or quick-reply label within LINE's 20 characters."""
    return cut_utf16(text, MAX_LABEL)


def quick_reply(items: list) -> QuickReply:
    """A quick reply of at most 13 items (the SDK refuses more)."""
    return QuickReply(items=items[:MAX_QUICK_REPLIES])


def fit(messages: list) -> list:
    """At most 5 messages; texts, alt texts and quick replies within their limits."""
    messages = messages[:MAX_MESSAGES]
    for message in messages:
        if getattr(message, "text", None) is not None:
            message.text = cut_utf16(message.text, MAX_TEXT_UTF16)
        if getattr(message, "alt_text", None) is not None:
            message.alt_text = cut_utf16(message.alt_text, MAX_ALT_TEXT)
        quick = getattr(message, "quick_reply", None)
        if quick is not None:
            for item in quick.items:
                item.action.label = label(item.action.label)
                data = getattr(item.action, "data", None)
                if data is not None and len(data) > MAX_POSTBACK_DATA:
                    raise ValueError("postback data over 300 characters")
    for message in messages[:-1]:  # only the last message's quick reply shows
        if getattr(message, "quick_reply", None) is not None:
            message.quick_reply = None
    return messages
