"""Taiwan's cities and counties, to notice a question about another area's office."""

from __future__ import annotations

import re

from bot.core.text import match_key

# The 22 municipalities and counties (and 馬祖, the name people use for 連江).
_PLACES = ("臺北 新北 基隆 桃園 新竹 苗栗 臺中 彰化 南投 雲林 嘉義 臺南 高雄 屏東 宜蘭 花蓮 "
           "臺東 澎湖 金門 連江 馬祖").split()
PLACE_KEYS = {match_key(p): p for p in _PLACES}
# An office of that place: 「台中榮服處」「台北市兵役局」「台南的區公所」「高雄市政府」. A place that
# is only the citizen's context (「他人在台北唸書」「我在台北上班」) is not another office.
_OFFICES = "|".join(match_key(w) for w in ("榮服", "榮民服務", "兵役", "公所", "區公所", "戶政", "政府", "服務處", "辦事處"))
_OFFICE_AFTER = re.compile(f"[{match_key('市縣')}]?的?(?:{_OFFICES}|[^的]{{1,3}}{match_key('區公所')})")


def places_in(key: str) -> set[str]:
    """The place names (as match keys) that occur in a match key."""
    return {p for p in PLACE_KEYS if p in key}


def foreign_place(key: str, home: set[str]) -> str | None:
    """Another area's office named in the question (「臺中榮服處電話」), in zh-TW, when the
    office's knowledge never mentions that area, unless the question also names one of the
    office's own places (「戶籍台南，在高雄體檢」)."""
    named = places_in(key)
    if named & home:
        return None
    for place in sorted(named - home, key=key.find):
        if _OFFICE_AFTER.match(key, key.find(place) + len(place)):
            return PLACE_KEYS[place]
    return None
