"""Taiwan's cities and counties, to notice a question about another area's office."""

from __future__ import annotations

from bot.core.text import match_key

# The 22 municipalities and counties (and 馬祖, the name people use for 連江).
_PLACES = ("臺北 新北 基隆 桃園 新竹 苗栗 臺中 彰化 南投 雲林 嘉義 臺南 高雄 屏東 宜蘭 花蓮 "
           "臺東 澎湖 金門 連江 馬祖").split()
PLACE_KEYS = {match_key(p): p for p in _PLACES}


def places_in(key: str) -> set[str]:
    """The place names (as match keys) that occur in a match key."""
    return {p for p in PLACE_KEYS if p in key}


def foreign_place(key: str, home: set[str]) -> str | None:
    """A place named in the question that the office's knowledge never mentions (zh-TW name),
    unless the question also names one of the office's own places (「戶籍台南，在高雄體檢」)."""
    named = places_in(key)
    others = sorted(named - home)
    return PLACE_KEYS[others[0]] if others and not named & home else None
