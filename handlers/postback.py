"""The postback data format (versioned, at most 300 characters): `v=1&a=<action>&e=<entry id>&r=<rating>`."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

VERSION = "1"
ACTIONS = {"ans", "fb"}  # answer an entry; feedback on an entry


@dataclass(frozen=True)
class Postback:
    """A decoded postback; `action` is None when the data is not ours or not understood."""

    action: str | None
    entry_id: str = ""
    rating: str = ""


def encode(action: str, entry_id: str = "", rating: str = "") -> str:
    """Postback data for an action on an entry."""
    fields = {"v": VERSION, "a": action, "e": entry_id}
    if rating:
        fields["r"] = rating
    return urlencode(fields)


def decode(data: str) -> Postback:
    """Parse postback data; anything unknown or malformed decodes to action None."""
    try:
        fields = {k: v[0] for k, v in parse_qs(data or "", strict_parsing=True).items()}
    except ValueError:
        return Postback(None)
    if fields.get("v") != VERSION or fields.get("a") not in ACTIONS or len(data) > 300:
        return Postback(None)
    return Postback(fields["a"], fields.get("e", ""), fields.get("r", ""))
