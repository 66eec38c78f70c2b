"""An office's own facts (name, address, phones, opening hours, website, mailbox, closures), validated.

Each fact comes from an official page, with its URL and the date it was checked, or stays empty:
never invented. Staff fill them in the `office:` block of the knowledge file; the bot answers
「在哪裡」「電話幾號」「幾點開」 from them and shows them on its cards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Entries the bot makes from the office block (bot/core/practical.py); a knowledge file may name
# them in main_topics and related, but not define them.
ENTRY_IDS = ("office-address", "office-phone", "office-hours")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_FACT_FIELDS = ("value", "source", "checked", "note")
_OFFICE_FIELDS = ("name", "plan_name", "address", "phone", "phones", "hours", "website", "mailbox",
                  "closures", "not_found")
_HOURS_FIELDS = (*WEEKDAYS, "source", "checked", "note")
_RANGE_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A phone as offices print it: digits with - ( ) and spaces, optionally 轉/分機/# and an extension.
PHONE_RE = re.compile(r"^\+?[\d()\- ]{3,20}(?:\s*(?:轉|分機|#|ext\.?)\s*[\d,、]{1,12})?$")


@dataclass(frozen=True)
class Fact:
    """One office fact with its official source, or empty."""

    value: str = ""
    source: str = ""
    checked: str = ""
    note: str = ""
    label: str = ""  # for other phones: what the number is for (24小時值日室)

    def __bool__(self) -> bool:
        return bool(self.value)

    def shown(self) -> str:
        """The value as a citizen reads it, with its note (「高雄市政府全球資訊網」) when it has one."""
        return f"{self.value}（{self.note}）" if self.note else self.value


@dataclass(frozen=True)
class Office:
    """What the office is called and how to reach it; empty facts are unknown, never guessed."""

    name: str = ""
    plan_name: str = ""
    address: Fact = Fact()
    phone: Fact = Fact()
    phones: tuple[Fact, ...] = ()
    hours: dict = field(default_factory=dict, compare=False, hash=False)  # weekday -> ((start, end), ...)
    hours_source: Fact = Fact()  # source and checked date of the hours (value unused)
    website: Fact = Fact()
    mailbox: Fact = Fact()
    closures: tuple[tuple[str, str], ...] = ()  # (YYYY-MM-DD, reason)
    not_found: str = ""

    @property
    def has_hours(self) -> bool:
        """Whether any opening hours are known."""
        return any(self.hours.values())


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def _fact(chk, data: object, path: str, label: bool = False) -> Fact:
    """A fact mapping {value, source, checked, note}: a value needs an official source and a date."""
    if data in (None, ""):
        return Fact()
    if not isinstance(data, dict):
        chk.add(path, "應該是欄位表（value、source、checked）")
        return Fact()
    allowed = (*_FACT_FIELDS, "label") if label else _FACT_FIELDS
    for key in data:
        if key not in allowed:
            chk.add(f"{path}.{key}", f"不是認得的欄位（可用：{'、'.join(allowed)}）")
    values = {k: str(data.get(k) or "").strip() for k in allowed}
    if values["value"]:
        _sourced(chk, path, values)
    return Fact(**values)


def _sourced(chk, path: str, values: dict) -> None:
    """A filled fact names its official page and the day it was checked."""
    if not re.match(r"^https?://\S+$", values.get("source", "")):
        chk.add(f"{path}.source", "有填資料時，必須寫官方網頁的網址（https://…）")
    if not _DATE_RE.match(values.get("checked", "")):
        chk.add(f"{path}.checked", "有填資料時，必須寫查證日期（例如 \"2026-12-01\"）")


def _hours(chk, data: object, path: str) -> tuple[dict, Fact]:
    """Opening hours per weekday: lists of "08:00-12:00" ranges, in order, not overlapping."""
    if data in (None, ""):
        return {}, Fact()
    if not isinstance(data, dict):
        chk.add(path, "應該是欄位表（mon … sun、source、checked）")
        return {}, Fact()
    for key in data:
        if key not in _HOURS_FIELDS:
            chk.add(f"{path}.{key}", f"不是認得的欄位（可用：{'、'.join(_HOURS_FIELDS)}）")
    hours = {}
    for day in WEEKDAYS:
        ranges = data.get(day) or []
        if not isinstance(ranges, list):
            chk.add(f"{path}.{day}", "應該是時段清單，例如 [\"08:00-12:00\", \"13:30-17:30\"]；不上班寫 []")
            continue
        parsed, last_end = [], -1
        for i, item in enumerate(ranges):
            match = _RANGE_RE.match(str(item).strip())
            start, end = (_minutes(str(item).strip()[:5]), _minutes(str(item).strip()[6:])) if match else (0, 0)
            if not match or start >= end or start < last_end:
                chk.add(f"{path}.{day}[{i}]", "時段要寫成 \"08:00-12:00\"，先早後晚、不可重疊")
                continue
            parsed.append((start, end))
            last_end = end
        hours[day] = tuple(parsed)
    meta = {k: str(data.get(k) or "").strip() for k in ("source", "checked", "note")}
    if any(hours.values()):
        _sourced(chk, path, meta)
    return hours, Fact(**meta)


def _closures(chk, data: object, path: str) -> tuple[tuple[str, str], ...]:
    """Days the office is closed beyond the national calendar (typhoon days, its own closures)."""
    if data in (None, ""):
        return ()
    if not isinstance(data, list):
        chk.add(path, "應該是清單，例如 - {date: \"2026-07-25\", reason: 颱風停班}")
        return ()
    out = []
    for i, item in enumerate(data):
        item = item if isinstance(item, dict) else {}
        day = item.get("date")
        day = day.isoformat() if hasattr(day, "isoformat") else str(day or "").strip()  # YAML reads a bare date
        reason = str(item.get("reason") or "").strip()
        if not _DATE_RE.match(day) or not reason:
            chk.add(f"{path}[{i}]", "要寫日期和原因，例如 {date: \"2026-07-25\", reason: 颱風停班}")
            continue
        out.append((day, reason))
    return tuple(sorted(out))


def parse_office(chk, data: object, path: str = "office") -> Office:
    """Validate the `office:` block; problems go to the knowledge checker (file, line, field)."""
    if not isinstance(data, dict):
        chk.add(path, "應該是欄位表（name、address、phone、hours …）")
        return Office()
    for key in data:
        if key not in _OFFICE_FIELDS:
            chk.add(f"{path}.{key}", f"不是認得的欄位（可用：{'、'.join(_OFFICE_FIELDS)}）")
    name = str(data.get("name") or "").strip()
    if not name:
        chk.add(f"{path}.name", "是必填欄位：機關現在的名稱")
    phones = []
    for i, item in enumerate(data.get("phones") or []):
        fact = _fact(chk, item, f"{path}.phones[{i}]", label=True)
        if fact and not fact.label:
            chk.add(f"{path}.phones[{i}].label", "要寫這支電話是做什麼的（例如 24小時值日室）")
        phones.append(fact)
    phone = _fact(chk, data.get("phone"), f"{path}.phone")
    for fact, where in [(phone, f"{path}.phone")] + [(f, f"{path}.phones[{i}]") for i, f in enumerate(phones)]:
        if fact and not PHONE_RE.match(fact.value):
            chk.add(f"{where}.value", f"「{fact.value}」不像電話號碼（例如 07-7400141 或 07-7400141轉2208）")
    hours, hours_source = _hours(chk, data.get("hours"), f"{path}.hours")
    return Office(
        name=name, plan_name=str(data.get("plan_name") or "").strip(),
        address=_fact(chk, data.get("address"), f"{path}.address"), phone=phone, phones=tuple(p for p in phones if p),
        hours=hours, hours_source=hours_source,
        website=_fact(chk, data.get("website"), f"{path}.website"),
        mailbox=_fact(chk, data.get("mailbox"), f"{path}.mailbox"),
        closures=_closures(chk, data.get("closures"), f"{path}.closures"),
        not_found=str(data.get("not_found") or "").strip(),
    )


def dial(phone: str) -> str:
    """The number to dial for a tel: link: digits only, cut at the extension (轉、分機、#)."""
    main = re.split(r"轉|分機|#|ext", phone, maxsplit=1)[0]
    return "".join(ch for ch in main if ch.isdigit() or ch == "+")
