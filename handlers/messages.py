"""LINE message JSON (the Messaging API's own shapes) built as plain dicts.

The SDK's message models cost about a third of the bot's CPU per reply (validation on build, again
in `reply_message`, then serialisation); tests check every reply against those models instead.
"""

from __future__ import annotations


def text(body: str, items: list[dict] | None = None) -> dict:
    """A text message, with quick-reply items when given."""
    message = {"type": "text", "text": body}
    return with_items(message, items) if items else message


def flex(alt_text: str, contents: dict) -> dict:
    """A Flex message around a bubble or carousel."""
    return {"type": "flex", "altText": alt_text, "contents": contents}


def postback_action(label: str, data: str, display_text: str | None = None) -> dict:
    """An action that sends postback data (and shows `display_text` as the user's words): the same
    action serves a quick reply and a rich menu button."""
    action = {"type": "postback", "label": label, "data": data}
    if display_text:
        action["displayText"] = display_text
    return action


def message_action(label: str, body: str) -> dict:
    """An action that sends `body` as if the user had typed it."""
    return {"type": "message", "label": label, "text": body}


def item(action: dict) -> dict:
    """A quick-reply button carrying an action."""
    return {"type": "action", "action": action}


def postback_item(label: str, data: str, display_text: str | None = None) -> dict:
    """A quick-reply button that sends postback data (and shows `display_text` as the user's words)."""
    return item(postback_action(label, data, display_text))


def message_item(label: str, body: str) -> dict:
    """A quick-reply button that sends a text message."""
    return item(message_action(label, body))


def with_items(message: dict, items: list[dict]) -> dict:
    """The message with these quick-reply items (handlers.respond fits them to LINE's limits)."""
    return {**message, "quickReply": {"items": list(items)}}
