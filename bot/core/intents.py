"""Fixed requests that start or leave a flow: the survey, leaving an opinion, 'no thanks', typed stars."""

from __future__ import annotations

import re
from functools import lru_cache

from bot.core.text import match_key

_INTENTS = {
    "survey": ["滿意度調查", "滿意度", "滿意度問卷", "問卷", "填問卷", "我要填問卷", "我要評分", "評分", "打分數"],
    "opinion": ["我要反映意見", "反映意見", "意見反映", "我要反映", "我有意見", "我要投訴", "投訴", "我要抱怨",
                "抱怨", "我要陳情", "我要留言", "留言", "我要建議", "留下意見"],
    "cancel": ["不用了", "不用", "取消", "算了", "不要了", "免了", "沒有了", "先不用"],
}
# Only whole messages count: 「反映意見要多久回覆」 is a question for the knowledge, not a flow.
_BY_KEY = {match_key(p).replace(" ", ""): kind for kind, words in _INTENTS.items() for p in words}
_LEADS = [match_key(lead) for lead in ("請問", "你好", "您好", "我想")]
_LONGEST = max(map(len, _BY_KEY)) + max(map(len, _LEADS))
_PUNCT = re.compile(r"[\s。！!？?～~，,、.]+")
_CHINESE_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
                   "九": 9, "十": 10}
# Matched on the folding key, which is in Simplified characters (顆 → 颗, 兩 → 两).
_STARS = re.compile(r"^(\d{1,2}|[零一二两三四五六七八九十])(?:分|颗星|星|颗)?$")
# A choice typed by its number (LINE for PC shows no quick replies): 「1」「第一個」「選2」「2號」.
_CHOICE = re.compile(r"^(?:我要|我选|选|选择)?第?(\d{1,2}|[一二两三四五六七八九十])(?:个|项|号|的)?$")


@lru_cache(maxsize=256)
def _key(text: str) -> str:
    """A message's folding key without punctuation: one message is read by every check of a turn
    (the flows' table, typed numbers, the answerer), so it is folded once."""
    return _PUNCT.sub("", match_key(text))


def intent(text: str) -> str | None:
    """"survey", "opinion" or "cancel" when the whole message asks for it, else None."""
    key = _key(text)
    if len(key) > _LONGEST:  # most messages are questions: no need to look further
        return None
    for lead in _LEADS:
        key = key.removeprefix(lead)
    return _BY_KEY.get(key)


def _number(value: str) -> int:
    return int(value) if value.isdigit() else _CHINESE_DIGITS[value]


def typed_choice(text: str) -> int | None:
    """The number of a choice typed as 「1」「１」「第一個」「一」「選2」, else None."""
    match = _CHOICE.match(_key(text))
    return _number(match.group(1)) if match else None


def typed_stars(text: str) -> int | None:
    """A rating typed as a number (「5」「五分」「４顆星」); any number, the caller checks 1–5."""
    match = _STARS.match(_key(text))
    if not match:
        return None
    return _number(match.group(1))
