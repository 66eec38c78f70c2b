"""The postback data format (versioned, at most 300 characters): `v=1&a=<action>&…`.

Fields: e entry id, r rating or reason, q question id, k record id, s stars.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

from bot.core.phrases import REASONS

VERSION = "1"
RATINGS = ("up", "down")
MAX_DATA = 300
# action -> the fields it must carry, each with its check. ASCII digits only: 「²」 or 「٣」 pass
# str.isdigit but are no number int() reads.
_DIGITS = re.compile(r"[0-9]{1,12}").fullmatch
ACTIONS = {
    "ans": {"e": bool},                                     # answer an entry
    "fb": {"e": bool, "r": RATINGS.__contains__},           # 👍 / 👎 on an answer
    "why": {"k": _DIGITS, "r": REASONS.__contains__},       # the reason for a 👎 (phrases.REASONS' keys)
    "sv": {"s": _DIGITS},                                   # survey stars (range checked by the handler)
    "op": {},                                               # leave an opinion
    "opc": {},                                              # send the opinion typed after 「我要反映意見」
}


@dataclass(frozen=True)
class Postback:
    """A decoded postback; `action` is None when the data is not ours or not understood."""

    action: str | None
    entry_id: str = ""
    rating: str = ""  # up/down for fb, a reason for why
    question_id: int | None = None
    record_id: int | None = None
    stars: int | None = None


def encode(action: str, entry_id: str = "", rating: str = "", question_id: int | None = None,
           record_id: int | None = None, stars: int | None = None) -> str:
    """Postback data for an action."""
    fields = {"v": VERSION, "a": action, "e": entry_id, "r": rating, "q": question_id, "k": record_id, "s": stars}
    return urlencode({k: v for k, v in fields.items() if v not in ("", None)})


def decode(data: str) -> Postback:
    """Parse postback data; anything unknown, malformed or incomplete decodes to action None."""
    if not data or len(data) > MAX_DATA:
        return Postback(None)
    try:
        fields = {k: v[0] for k, v in parse_qs(data, strict_parsing=True).items()}
    except ValueError:
        return Postback(None)
    checks = ACTIONS.get(fields.get("a", ""))
    if fields.get("v") != VERSION or checks is None:
        return Postback(None)
    if not all(check(fields.get(name, "")) for name, check in checks.items()):
        return Postback(None)
    number = lambda name: int(fields[name]) if _DIGITS(fields.get(name, "")) else None  # noqa: E731
    return Postback(fields["a"], fields.get("e", ""), fields.get("r", ""), number("q"), number("k"), number("s"))
