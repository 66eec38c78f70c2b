"""LINE's message limits, applied once to every reply by handlers.respond, right before it is sent."""

from __future__ import annotations

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


def _fit_items(items: list[dict]) -> list[dict]:
    """At most 13 items, labels cut to 20; postback data over 300 is a bug, not something to cut."""
    fitted = []
    for item in items[:MAX_QUICK_REPLIES]:
        action = dict(item["action"], label=label(item["action"]["label"]))
        if len(action.get("data", "")) > MAX_POSTBACK_DATA:
            raise ValueError("postback data over 300 characters")
        fitted.append({**item, "action": action})
    return fitted


def fit(messages: list[dict]) -> list[dict]:
    """At most 5 messages; texts, alt texts and quick replies within their limits; only the last
    message keeps a quick reply (LINE shows only that one)."""
    fitted = []
    kept = messages[:MAX_MESSAGES]
    for i, message in enumerate(kept):
        message = dict(message)
        if "text" in message:
            message["text"] = cut_utf16(message["text"], MAX_TEXT_UTF16)
        if "altText" in message:
            message["altText"] = cut_utf16(message["altText"], MAX_ALT_TEXT)
        quick = message.pop("quickReply", None)
        if quick and i == len(kept) - 1:
            message["quickReply"] = {"items": _fit_items(quick["items"])}
        fitted.append(message)
    return fitted
