"""Taiwan's cities and counties, to notice a question about another area's office."""

from __future__ import annotations

import re

from bot.core.text import match_key

# The 22 municipalities and counties (and 馬祖, the name people use for 連江).
_PLACES = ("臺北 新北 基隆 桃園 新竹 苗栗 臺中 彰化 南投 雲林 嘉義 臺南 高雄 屏東 宜蘭 花蓮 "
           "臺東 澎湖 金門 連江 馬祖").split()
# Towns of other cities that people name their offices by (「板橋戶政事務所」「永康區公所」); names that
# are also everyday words (太平、樹林、淡水、泰山) or street names (中山、信義、中正) are left out.
_TOWNS = ("板橋 三重 中和 永和 新莊 新店 土城 蘆洲 汐止 鶯歌 三峽 林口 五股 士林 北投 內湖 南港 文山 萬華 "
          "豐原 大甲 沙鹿 梧棲 霧峰 大里 潭子 烏日 永康 新營 麻豆 佳里 歸仁 善化 安南 竹北 頭份 員林 斗六 "
          "太保 朴子 羅東").split()
PLACE_KEYS = {match_key(p): p for p in (*_PLACES, *_TOWNS)}
# Districts of the cities whose offices the desk serves: 「苓雅區公所」 asked of 三民區公所 is
# another district's office, though both are in 高雄.
_CITY_DISTRICTS = {
    "高雄": ("鹽埕 鼓山 左營 楠梓 三民 新興 前金 苓雅 前鎮 旗津 小港 鳳山 林園 大寮 大樹 大社 仁武 鳥松 岡山 "
             "橋頭 燕巢 田寮 阿蓮 路竹 湖內 茄萣 永安 彌陀 梓官 旗山 美濃 六龜 甲仙 杉林 內門 茂林 桃源 那瑪夏").split(),
    "桃園": "桃園 中壢 平鎮 八德 楊梅 蘆竹 大溪 龍潭 龜山 大園 觀音 新屋 復興".split(),
}
DISTRICT_KEYS = {match_key(d): d for ds in _CITY_DISTRICTS.values() for d in ds}
_DISTRICT_OFFICE = re.compile(f"({'|'.join(DISTRICT_KEYS)}){match_key('區')}?"
                              f"(?:{match_key('區公所')}|{match_key('公所')}|{match_key('戶政')})")
# An office of that place: 「台中榮服處」「台北市兵役局」「台南的區公所」「高雄市政府」. A place that
# is only the citizen's context (「他人在台北唸書」「我在台北上班」) is not another office.
_OFFICES = "|".join(match_key(w) for w in ("榮服", "榮民服務", "兵役", "公所", "區公所", "戶政", "政府", "服務處", "辦事處",
                                            "社會局", "哪裡", "哪個單位", "哪一個單位", "什麼單位"))
# A district's name before 區公所 (「台北中山區公所」), never what the citizen does there: 「兒子在台北
# 上班，區公所抽籤…」 (punctuation is gone from the match key) is about our own district office.
_CONTEXT = "|".join(match_key(w) for w in ("上班", "工作", "唸書", "念書", "讀書", "住", "當兵", "服役", "打工"))
# A place's own shrine or cemetery (「花蓮吉安的軍人忠靈祠」「宜蘭員山忠烈祠」) is that place's government's.
_FACILITIES = "|".join(match_key(w) for w in ("忠靈祠", "忠烈祠", "軍人公墓", "納骨塔"))
_OFFICE_AFTER = re.compile(f"[{match_key('市縣')}]?的?(?:{_OFFICES}|(?!{_CONTEXT})[^的]{{1,3}}{match_key('區公所')}"
                           f"|(?!{_CONTEXT})[^的]{{0,3}}的?(?:{match_key('軍人')})?(?:{_FACILITIES}))")


def places_in(key: str) -> set[str]:
    """The place names (as match keys) that occur in a match key."""
    return {p for p in PLACE_KEYS if p in key}


def _office_of(key: str, place: str) -> bool:
    """Whether some mention of the place names its office. Every mention: 「戶籍在基隆，人也住基隆，
    基隆榮服處…」 names the office at the third."""
    at = key.find(place)
    while at >= 0:
        if _OFFICE_AFTER.match(key, at + len(place)):
            return True
        at = key.find(place, at + 1)
    return False


def foreign_place(key: str, home: set[str]) -> str | None:
    """Another area's office named in the question (「臺中榮服處電話」), in zh-TW, when the
    office's knowledge never mentions that area, unless the question also names the office of one
    of its own places (「台北市兵役局說要來高雄兵役處辦」). One of its places as mere context does not
    make it ours: 「台北市兵役局的電話幾號？我兒子人在高雄」 asks for 台北's office."""
    if any(_office_of(key, place) for place in home if place in key):
        return None
    return next((PLACE_KEYS[p] for p in sorted(places_in(key) - home, key=key.find) if _office_of(key, p)), None)


# Where the citizen is registered or lives: 「我戶籍在楠梓」「我住鼓山區」「人住在台南」「戶籍還在三民區」.
_AREAS = {**PLACE_KEYS, **DISTRICT_KEYS}
_AREA = f"({'|'.join(sorted(_AREAS, key=len, reverse=True))})"  # the longest name first
_RESIDENCE = re.compile(f"(?:{match_key('戶籍')}|{match_key('住')}).{{0,2}}?(?:{match_key('設在')}|{match_key('在')}|{match_key('是')})?"
                        f"{_AREA}")


# Someone or something in an area: 「我在三民區租房子」「在三民區上班」 (a renter's 災害救助 is where he lives),
# or moved into it: 「戶籍從左營遷來三民區」.
# (Not the office as the place to apply: 「可以在三民區公所送件嗎」.)
_IN_AREA = re.compile(f"(?:{'|'.join(map(match_key, ('在', '住', '戶籍', '遷來', '搬來', '遷到', '搬到', '遷入', '搬回')))}).{{0,2}}?"
                      f"{_AREA}(?!{match_key('區')}?(?:{'|'.join(map(match_key, ('公所', '辦', '申請', '送件')))}))")


# A relative whose registration the question gives (「我媽戶籍在基隆」), and the citizen's own presence
# (「我住三民區」「我人在高雄」): a relative's service is where the relative is registered.
_KIN = "|".join(map(match_key, ("媽", "爸", "母親", "父親", "阿公", "阿嬤", "外公", "外婆", "爺爺", "奶奶", "公公", "婆婆",
                                "岳父", "岳母", "哥", "姊", "姐", "弟", "妹", "兒子", "女兒", "阿姨", "舅舅", "叔叔", "伯伯", "姑姑")))
_KIN_REGISTERED = re.compile(f"(?:{_KIN}){match_key('的')}?{match_key('戶籍')}")
_MOVED_REGISTRATION = re.compile("|".join(map(match_key, ("戶籍", "遷來", "遷到", "遷入"))))
_MYSELF = re.compile(f"{match_key('我')}{match_key('人')}?$")
_PAST = re.compile(f"(?:{'|'.join(map(match_key, ('以前', '之前', '原本', '原來', '從前', '過去', '先前', '本來', '小時候')))})$")


def residence_elsewhere(key: str, home: set[str], by_registration_only: bool = False) -> str | None:
    """The area the question says someone is registered in or lives in, when nothing is said to be
    in one of the `home` areas (「我住三民區，朋友住左營」「我在三民區租房子，戶籍在台南」 are ours), else None.
    A relative registered elsewhere stays elsewhere however near the citizen lives: 「我媽戶籍在基隆，我住
    三民區，可以在三民區公所幫她申請嗎」; to an office that serves only its registered citizens, even when
    the relative lives here too (「我媽戶籍還在花蓮，最近搬來三民區跟我住」), unless the registration moved."""
    # Where someone used to live is history, not where the question is about: 「我以前住桃園，…高雄也可以
    # 直接拿去三民區公所送嗎」.
    first = next((m for m in _RESIDENCE.finditer(key) if not _PAST.search(key[max(0, m.start() - 3):m.start()])), None)
    if not first:
        return None
    kin = _KIN_REGISTERED.search(key[max(0, first.start() - 4):first.end()])

    def not_theirs(m) -> bool:  # an area named for the citizen, not for the relative registered elsewhere
        return bool(_MYSELF.search(key[max(0, m.start() - 2):m.start()])) or (
            by_registration_only and not _MOVED_REGISTRATION.match(m.group(0)))

    if any(m.group(1) in home and not (kin and not_theirs(m)) for m in _IN_AREA.finditer(key)):
        return None
    # Its own area before 「，公所…」 (the comma is gone from the key: 「我住三民區，公所有什麼補助」) is ours.
    return None if first.group(1) in home else _AREAS[first.group(1)]


def districts_in(key: str) -> set[str]:
    """The district names (as match keys) that occur in a match key."""
    return {d for d in DISTRICT_KEYS if d in key}


def city_districts(places: set[str]) -> set[str]:
    """The districts (as match keys) of the cities among `places` (match keys): the area a city
    bureau serves (高雄市政府兵役處: 鳳山、六龜 are its own)."""
    return {match_key(d) for city, ds in _CITY_DISTRICTS.items() if match_key(city) in places for d in ds}


_YOU = re.compile("|".join(map(match_key, ("你們", "貴所", "貴處"))))


def other_district_office(key: str, home: set[str]) -> str | None:
    """Another district's office named in the question (「苓雅區公所地址」 asked of 三民區公所), unless
    the question names its own too: 「要去三民區公所還是鳳山區公所申請」 asks which one, and ours may answer
    (so does 「是去你們那邊還是要去鳳山區公所」)."""
    named = [match.group(1) for match in _DISTRICT_OFFICE.finditer(key)]
    if any(d in home for d in named) or _YOU.search(key):
        return None
    return next((DISTRICT_KEYS[d] for d in named), None)


# A township's office (「蘇澳鎮公所」「萬丹鄉公所」), read from the citizen's own characters so the
# reply can name it. 高雄 and 桃園 have had only districts since 2010 and 2014: to an office there a
# 鄉/鎮 office is always another area's (「我們鄉公所」 names none).
_TOWNSHIP_OFFICE = re.compile(r"([\u4e00-\u9fff]{2})[鄉鎮]公所")


def township_office(question: str) -> str | None:
    """The township named by a 鄉/鎮 office in the question (「蘇澳鎮公所」 → 蘇澳鎮), or None."""
    match = _TOWNSHIP_OFFICE.search(question)
    if not match or any(c in "我你他她們的" for c in match.group(1)):
        return None
    return match.group(0)[:-2]
