"""Seeding helpers for the report and export tests: records written through the store's own methods."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.store import Opinion, Question, Rating, Survey, open_store

TAIPEI = ZoneInfo("Asia/Taipei")
_events = itertools.count(1)


def taipei(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> int:
    """Unix seconds of a Taipei wall-clock time."""
    return int(datetime(year, month, day, hour, minute, tzinfo=TAIPEI).timestamp())


def new_store(path):
    """A real SQLite store in a file (the CLI tests open the same file through DATABASE_URL)."""
    return open_store(f"sqlite:///{path}")


def ask(store, at: int, text: str = "榮民證要去哪裡辦", outcome: str = "answer", entry_id: str | None = None,
        user: str = "user-hash-1", agency: str = "taoyuan-vac") -> int:
    """Keep one question; its id."""
    if entry_id is None and outcome in ("answer", "choice"):
        entry_id = "full-function-counter"
    return store.add_question(Question(agency, user, text, outcome, entry_id, 0.5, at))


def rate(store, at: int, value: str = "up", question_id: int | None = None, user: str = "user-hash-1",
         agency: str = "taoyuan-vac", entry_id: str = "full-function-counter", reason: str | None = None,
         comment: str | None = None) -> int:
    """Keep a 👍/👎 (with its reason and comment, as the bot adds them afterwards); its id."""
    rating_id = store.add_rating(Rating(agency, user, entry_id, value, at, f"ev-{next(_events)}", question_id))
    if reason or comment:
        store.annotate("rating", rating_id, user, reason=reason, comment=comment)
    return rating_id


def survey(store, at: int, stars: int, user: str = "user-hash-1", agency: str = "taoyuan-vac",
           comment: str | None = None) -> int:
    """Keep a survey answer; its id."""
    survey_id = store.add_survey(Survey(agency, user, stars, at, f"ev-{next(_events)}"))
    if comment:
        store.annotate("survey", survey_id, user, comment=comment)
    return survey_id


def opinion(store, at: int, text: str, user: str = "user-hash-1", agency: str = "taoyuan-vac") -> str:
    """Keep an opinion; its reference number."""
    return store.add_opinion(Opinion(agency, user, text, at))


def offer(store, at: int, times: int = 1, user: str = "user-hash-1", agency: str = "taoyuan-vac") -> None:
    """Note survey offers."""
    for i in range(times):
        store.note_survey_offer(f"{user}-{i}", agency, at)
