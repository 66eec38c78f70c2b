"""The questions citizens ask first — where is it, what is the phone number, is it open — answered
from the office block, the hours computed at the moment of asking; a missing fact is said plainly,
with what is known instead, never a dead end."""

from __future__ import annotations

import datetime as dt
import re

from bot.core import hours
from bot.core.knowledge import Agency, Entry
from bot.core.office import ENTRY_IDS, WEEKDAY_NAMES, WEEKDAYS, Office
from bot.core.text import match_key

ADDRESS, PHONE, HOURS = IDS = ENTRY_IDS
SOURCE = "office block of the knowledge file"
# What citizens call an office of each kind (「戶政事務所幾點開」 is about this office's hours).
OFFICE_WORDS = {"veterans-service": ("榮服處", "榮民服務處"), "military-service": ("兵役處", "兵役局"),
                "household-registration": ("戶政事務所", "戶政所", "戶政"), "district-office": ("區公所", "公所")}


def entries(agency: Agency) -> tuple[Entry, ...]:
    """The three practical entries of an office, matched like any other entry."""
    short = agency.short_name
    office = agency.office
    names = office_names(agency)
    return (
        Entry(ADDRESS, "window", "地址與交通", (f"{short}在哪裡", "地址在哪", "要怎麼去", "在哪條路",
              "位置在哪裡", "要去哪裡找你們"), ("地址", "怎麼去", "位置", "交通", "哪條路", *names),
              address_text(agency), SOURCE, where=office.address.value, phone=office.phone.value),
        Entry(PHONE, "window", "電話與聯絡方式", (f"{short}電話幾號", "電話多少", "聯絡電話", "可以打電話問嗎",
              "總機號碼", "打去哪裡問", "網站網址是什麼"),
              ("電話", "總機", "聯絡電話", "電話號碼", "網站", "網址", "官網", "聯絡方式", *names),
              phone_text(agency), SOURCE, where=office.address.value, phone=office.phone.value),
        Entry(HOURS, "window", "服務時間", ("幾點開", "幾點上班", "星期六有上班嗎", "中午可以辦嗎",
              "現在有開嗎", "幾點下班", "假日有開嗎", "過年有上班嗎"),
              ("上班", "服務時間", "開門", "下班", "星期六", "禮拜六", "週六", "星期日", "禮拜天", "週末", "假日",
               "午休", "營業", "有開", "延長服務", "夜間", "辦公時間", "有人辦公", *names), "", SOURCE, where=office.address.value, phone=office.phone.value, hours=week_text(office)),
    )


# Asking about the office itself, not about one of its services (「…中午有休息嗎？我要辦低收入戶」):
# hours phrases on their own; where and phone only with the office named, since 「榮民證要去哪裡辦」
# asks where a service is done, which its own entry answers.
HOURS_ASKS = ("幾點開", "幾點上班", "幾點下班", "幾點到幾點", "幾點關門", "上班時間", "服務時間", "辦公時間",
              "營業時間", "開放時間", "中午有", "中午休息", "中午可以", "午休", "禮拜六有", "星期六有", "週六有",
              "禮拜天有", "星期日有", "假日有", "現在有開", "有開嗎", "有上班嗎", "有沒有上班", "有沒有開",
              # 「那天會開嗎」「晚上還有人辦公嗎」「停班的話還有人上班嗎」
              "會開嗎", "晚上有開", "晚上有沒有", "晚上還有", "延長服務", "有人上班", "有人辦公", "有人在上班")
ADDRESS_ASKS = ("哪條路",)
# Only right after the office's name: 「意見要寫在哪裡」 is not where it is, and 「換了地址」「舊地址的信」
# are the citizen's address.
NEAR_NAME_ASKS = ("在哪", "怎麼去", "位置", "地址", "在幾樓", "幾樓", "是不是在")
# Or just before it: 「從火車站要怎麼去戶政所」「坐捷運到兵役處」, unless something is done there: 「要怎麼去
# 戶政所登記」 asks how to register.
BEFORE_NAME_ASKS = ("怎麼去", "怎麼到", "怎麼走", "怎麼坐", "怎麼搭", "要坐什麼", "坐到", "搭到", "走到")
DONE_THERE = ("辦", "登記", "申請", "送", "問", "補", "換", "領", "繳", "拿", "報")
# The citizen's own address, to be changed or where mail goes (「地址要去哪裡改」「舊地址的信」「通訊地址
# 變更」): never a question about where the office is.
_CITIZENS_ADDRESS = re.compile(match_key("地址") + f".{{0,8}}(?:{'|'.join(map(match_key, ('改', '變更', '更新', '換')))})"
                               f"|(?:{'|'.join(map(match_key, ('改', '變更', '換', '更新', '舊', '通訊', '戶籍', '收件', '住家')))})"
                               + "了?的?" + match_key("地址"))


def citizens_address(key: str) -> bool:
    """Whether a question (a match key) is about the citizen's own address, not the office's."""
    return _CITIZENS_ADDRESS.search(key) is not None


# Places with opening hours of their own: 「榮家的會客時間是幾點到幾點」 does not ask when this office opens.
OTHER_PLACES = ("榮家", "榮民之家", "醫院", "榮總", "診所", "衛生所", "郵局", "銀行", "學校", "圖書館", "監理站", "會客",
                "活動中心", "據點", "園區", "公園", "運動中心", "游泳池", "納骨塔", "納骨堂", "靈骨塔", "殯儀館", "公墓",
                "墓園", "忠靈祠", "忠靈塔")
# Other agencies and services whose hours or phone a citizen may ask this office for by mistake: the
# reply says they are not this office's (with the other kinds of office the desk serves).
OTHER_OFFICES = ("監理站", "監理所", "健保署", "國稅局", "地政", "勞保局", "後備指揮部", "社會局", "巴士", "公車", "客運")
PHONE_ASKS = ("電話幾號", "電話多少", "電話號碼", "總機", "聯絡電話", "有沒有電話")


def office_names(agency: Agency) -> tuple[str, ...]:
    """What citizens call this office: its short name and the usual words for its kind."""
    return (agency.short_name, *OFFICE_WORDS.get(agency.kind, ()))


# 「有沒有開」 asks whether the office is open only when nothing is opened after it: 「有沒有開電腦課」
# 「有沒有開低收入證明」 ask for a course or a certificate.
_OPEN = match_key("開")
_NOTHING_OPENED = f"(?![^\\s{re.escape(match_key('嗎呢啊門放著到始'))}])"  # a pause, a particle, 開門/開放/開到/開始
# 「我上班時間沒辦法跑去」「我的上班時間」 are the citizen's own working hours, not the office's.
_NOT_MINE = "".join(f"(?<!{match_key(w)})" for w in ("我", "我的", "我們", "我們的"))
_HOURS = re.compile("|".join((_NOT_MINE if a == match_key("上班時間") else "") + re.escape(a)
                             + (_NOTHING_OPENED if a.endswith(_OPEN) else "") for a in map(match_key, HOURS_ASKS)))
_NAMED_KEYS = tuple((entry_id, match_key(a)) for entry_id, asks in ((ADDRESS, ADDRESS_ASKS), (PHONE, PHONE_ASKS))
                    for a in asks)


class OfficeAsks:
    """Whether a question asks about the office itself; built once per office (its names folded and
    its "name, then 在哪" pattern compiled), asked on every question."""

    def __init__(self, agency: Agency):
        """The asks of one office."""
        self.names = tuple(match_key(n) for n in office_names(agency))
        near = "|".join(re.escape(n) for n in self.names)
        self._near = re.compile(f"(?:{near})的?(?:{'|'.join(map(match_key, NEAR_NAME_ASKS))})"
                                f"|(?:{'|'.join(map(match_key, BEFORE_NAME_ASKS))})(?:{near})"
                                f"(?!.{{0,2}}?(?:{'|'.join(map(match_key, DONE_THERE))}))")
        # Other kinds of office (a 兵役處 asked of a 榮服處): their hours are not this office's
        # (match keys, each with the word citizens write).
        offices = OTHER_OFFICES + tuple(w for kind, words in OFFICE_WORDS.items() if kind != agency.kind for w in words)
        self._other_offices = {k: w for k, w in zip(map(match_key, offices), offices) if k not in self.names}
        self._others = (*map(match_key, OTHER_PLACES), *self._other_offices)

    def named(self, key: str) -> bool:
        """Whether the question (a match key) names this office."""
        return any(n in key for n in self.names)

    def other_office(self, key: str) -> str | None:
        """The other office whose hours or phone the question asks for, in citizens' words, when it
        does not name this one: 「桃園市政府兵役處禮拜六有開嗎」 asked of a 榮服處."""
        if self.named(key) or not (_HOURS.search(key) or any(a in key for _, a in _NAMED_KEYS)):
            return None
        return next((word for k, word in self._other_offices.items() if k in key), None)

    def asked(self, key: str) -> str | None:
        """The practical entry the question explicitly asks for (the earliest ask in it), or None."""
        named = self.named(key)
        asks = [] if not named and any(p in key for p in self._others) else [
            (m.start(), HOURS) for m in _HOURS.finditer(key)]
        if named:
            asks += [(key.find(a), entry_id) for entry_id, a in _NAMED_KEYS if a in key]
            asks += [(m.start(), ADDRESS) for m in self._near.finditer(key)]
        return min(asks)[1] if asks else None


def _known(agency: Agency, skip: str) -> list[str]:
    """What is known about reaching the office, besides the missing fact."""
    office = agency.office
    known = [(ADDRESS, "地址", office.address), (PHONE, "電話", office.phone),
             ("website", "網站", office.website), ("mailbox", "信箱", office.mailbox)]
    # (An address's note is a caution said on its own line by address_text, not a label.)
    lines = [f"・{label}：{fact.value if key == ADDRESS else fact.shown()}"
             for key, label, fact in known if fact and key != skip]
    return lines or ["・直接到辦公的地方，請櫃台的服務人員協助"]


def _missing(agency: Agency, what: str, skip: str) -> str:
    return "\n".join([f"{agency.office.name}的{what}，這裡還沒有官方資料，我不能亂說。您可以："]
                     + _known(agency, skip))


def _checked(fact) -> str:
    return f"（{fact.checked} 查證）" if fact.checked else ""


def address_text(agency: Agency) -> str:
    """「在哪裡」: the address, or plainly that it is not known, with what is."""
    office = agency.office
    if not office.address:
        return _missing(agency, "地址", ADDRESS)
    lines = [f"{office.name}的地址：{office.address.value}{_checked(office.address)}"]
    if office.address.note:
        lines.append(office.address.note)
    return "\n".join(lines)


def phone_text(agency: Agency) -> str:
    """「電話幾號」: the main phone, the other service phones, the website and mailbox, or what is
    known instead."""
    office = agency.office
    lines = [f"・{p.label}：{p.value}" for p in office.phones]
    if not office.phone and not lines:
        return _missing(agency, "電話", PHONE)
    head = (f"{office.name}的電話：{office.phone.value}{_checked(office.phone)}" if office.phone
            else f"{office.name}的總機電話，這裡還沒有官方資料。")
    web = [f"{label}：{fact.shown()}" for label, fact in (("網站", office.website), ("信箱", office.mailbox)) if fact]
    return "\n".join([head, *(["其他電話："] + lines if lines else []), *web])


def week_text(office: Office) -> str:
    """The weekly hours in one line (for the card), empty when unknown."""
    if not office.has_hours:
        return ""
    parts = []
    for key, name in zip(WEEKDAYS, WEEKDAY_NAMES):
        ranges = office.hours.get(key, ())
        text = "、".join(f"{hours.clock(s)}-{hours.clock(e)}" for s, e in ranges) or "休息"
        parts.append(f"{name[-1]} {text}")
    return "；".join(parts)


def _date(date: dt.date) -> str:
    return f"{date.month}月{date.day}日（{WEEKDAY_NAMES[date.weekday()]}）"


def hours_text(agency: Agency, now: dt.datetime) -> str:
    """「現在有開嗎／幾點開／星期六有上班嗎」: today and now from the weekly hours and the calendar."""
    office = agency.office
    state = hours.status(office, now)
    today = state.today
    lines = []
    if today.closed_because and today.closed_because != "週末":
        lines.append(f"今天{_date(today.date)}是「{today.closed_because}」，不上班。")
    if not office.has_hours:
        lines.append(_missing(agency, "服務時間", HOURS))
        return "\n".join(lines)
    if state.open_now:
        lines.append(f"現在有開，今天開到 {hours.clock(state.closes_at)}。")
    elif state.next_open:
        date, minute = state.next_open
        when = "今天" if date == today.date else _date(date)
        lines.append(f"現在沒有開。下次開門：{when} {hours.clock(minute)}。")
    else:
        lines.append("接下來三個星期都沒有開門的時間，請看官網公告。")
    lines.append(f"平常的服務時間：{week_text(office)}{_checked(office.hours_source)}")
    if office.hours_source.note:
        lines.append(office.hours_source.note)
    return "\n".join(lines)
