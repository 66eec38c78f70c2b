"""Is the office open? Its weekly hours on Taiwan's calendar (holidays, make-up workdays, closures).

Public holidays and make-up workdays (補班) come from the maintained `holidays` library (TW);
the office's own closures (typhoon days, its own events) from its knowledge file. Times are
Taipei's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from bot.core.office import WEEKDAYS, Office

TAIPEI = ZoneInfo("Asia/Taipei")
LOOKAHEAD_DAYS = 21  # a closure longer than three weeks is not "when does it open next"


@lru_cache(maxsize=16)
def _calendar(year: int) -> holidays.HolidayBase:
    """Taiwan's public holidays and make-up workdays of one year, named in Traditional Chinese."""
    return holidays.country_holidays("TW", years=year, language="zh_TW")


def preload(today: dt.date) -> None:
    """Build this year's and next year's calendars now: the library imports its tables on first use,
    which cost a worker's first 「現在有開嗎」 a pause."""
    for year in (today.year, today.year + 1):
        _calendar(year)


@dataclass(frozen=True)
class Day:
    """One calendar day for an office: its opening ranges (minutes after midnight) or why it is closed."""

    date: dt.date
    ranges: tuple[tuple[int, int], ...]
    closed_because: str = ""  # a holiday's or closure's name, or 週末


def day(office: Office, date: dt.date) -> Day:
    """The office's hours on a date: closures first, then holidays, weekends and make-up workdays."""
    closure = next((reason for day_, reason in office.closures if day_ == date.isoformat()), None)
    if closure:
        return Day(date, (), closure)
    calendar = _calendar(date.year)
    if date in calendar:
        return Day(date, (), calendar.get(date))
    if date in calendar.weekend_workdays:  # 補班: worked as an ordinary weekday
        usual = next((office.hours.get(d) for d in WEEKDAYS[:5] if office.hours.get(d)), ())
        return Day(date, usual, "")
    ranges = office.hours.get(WEEKDAYS[date.weekday()], ())
    return Day(date, ranges, "" if ranges or date.weekday() < 5 else "週末")


@dataclass(frozen=True)
class Status:
    """Open now, or closed with when it opens next (None when not within LOOKAHEAD_DAYS)."""

    today: Day
    open_now: bool
    closes_at: int | None  # minutes after midnight, when open
    next_open: tuple[dt.date, int] | None  # (date, minutes after midnight), when closed


def status(office: Office, now: dt.datetime) -> Status:
    """The office's state at a moment (converted to Taipei time)."""
    local = now.astimezone(TAIPEI)
    minute = local.hour * 60 + local.minute
    today = day(office, local.date())
    current = next(((s, e) for s, e in today.ranges if s <= minute < e), None)
    if current:
        return Status(today, True, current[1], None)
    later = next((s for s, _ in today.ranges if s > minute), None)
    if later is not None:
        return Status(today, False, None, (local.date(), later))
    for ahead in range(1, LOOKAHEAD_DAYS + 1):
        date = local.date() + dt.timedelta(days=ahead)
        ranges = day(office, date).ranges
        if ranges:
            return Status(today, False, None, (date, ranges[0][0]))
    return Status(today, False, None, None)


def clock(minutes: int) -> str:
    """08:30 from 510."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def now_taipei() -> dt.datetime:
    """The current moment in Taipei."""
    return dt.datetime.now(TAIPEI)
