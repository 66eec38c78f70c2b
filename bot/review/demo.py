"""Synthetic feedback for a newcomer's dashboard: plausible, reproducible, marked, never mixed with real data."""

from __future__ import annotations

import random
import time

from bot.core.answerer import Desk
from bot.store import Opinion, Question, Rating, Survey

DEMO = "demo-"  # every synthetic user hash and event id starts with this
STARS = (5, 4, 3, 2, 1)
STAR_WEIGHTS = (45, 30, 14, 7, 4)
OFF_TOPIC = ["今天天氣怎樣", "護照要去哪裡辦", "健保卡遺失怎麼補", "台北市政府在哪", "垃圾車幾點來",
             "停車費怎麼繳", "機車駕照可以在這裡考嗎", "房屋稅什麼時候繳", "附近有什麼好吃的"]
COMMENTS = ["很清楚，謝謝", "找不到我要的資料", "字可以再大一點", "回答很快", "希望可以有電話號碼",
            "說明看不太懂", "很方便，不用跑一趟"]
OPINIONS = ["櫃台人員很親切", "希望增加停車位", "電話常常打不通", "網站資料有點舊"]


class DemoError(Exception):
    """The store holds real records: synthetic ones must not be mixed in."""


def is_demo(user_hash: str | None) -> bool:
    """Whether a record was made by demo-data."""
    return bool(user_hash) and user_hash.startswith(DEMO)


def _question_text(rng: random.Random, entries, agency) -> str:
    """A citizen's question: an example phrasing, sometimes shortened, sometimes off topic."""
    if rng.random() < 0.12:
        return rng.choice(OFF_TOPIC)
    text = rng.choice(rng.choice(entries).questions)
    return text[: max(2, len(text) - rng.randint(0, 2))] if rng.random() < 0.3 else text


def fill(store, desk: Desk, days: int, seed: int = 1, now: int | None = None) -> dict[str, int]:
    """Add `days` days of synthetic conversations for every office; refuse when real records exist."""
    if store.count_records(DEMO, matching=False):
        raise DemoError("real records present")
    remove(store)  # a second run replaces the demo, so the same seed always shows the same figures
    rng = random.Random(seed)
    now = now or int(time.time())
    counts = {"questions": 0, "ratings": 0, "surveys": 0, "opinions": 0}
    for agency_id, answerer in desk.answerers.items():
        entries = [e for e in answerer.agency.entries if e.questions]
        for day in range(days, 0, -1):
            for _ in range(rng.randint(4, 16)):  # conversations that day
                user = f"{DEMO}{rng.getrandbits(64):016x}"
                at = now - day * 86400 + rng.randint(8 * 3600, 17 * 3600)
                _conversation(store, rng, agency_id, answerer, entries, user, at, counts)
    return counts


def _conversation(store, rng, agency_id, answerer, entries, user, at, counts) -> None:
    """One citizen: a question or two, perhaps a 👍/👎, perhaps the survey, rarely an opinion."""
    answered = False
    for turn in range(rng.choice((1, 1, 2, 3))):
        text = _question_text(rng, entries, answerer.agency)
        answer = answerer.ask(text)
        at += 60 * turn
        qid = store.add_question(Question(agency_id, user, text, answer.outcome, answer.entry_id,
                                          round(answer.score, 3), at))
        counts["questions"] += 1
        if answer.outcome == "answer" and rng.random() < 0.35:
            up = rng.random() < 0.8
            rid = store.add_rating(Rating(agency_id, user, answer.entry_id, "up" if up else "down", at + 20,
                                          f"{DEMO}{rng.getrandbits(64):016x}", qid))
            counts["ratings"] += 1
            if not up:
                store.annotate("rating", rid, user, rng.choice(("wrong", "incomplete", "unclear", "other")),
                               rng.choice(COMMENTS) if rng.random() < 0.3 else None)
        answered = answered or answer.outcome == "answer"
    if answered and rng.random() < 0.3:
        store.note_survey_offer(user, agency_id, at + 40)
        if rng.random() < 0.55:
            sid = store.add_survey(Survey(agency_id, user, rng.choices(STARS, STAR_WEIGHTS)[0], at + 50,
                                          f"{DEMO}{rng.getrandbits(64):016x}"))
            counts["surveys"] += 1
            if rng.random() < 0.2:
                store.annotate("survey", sid, user, None, rng.choice(COMMENTS))
    if rng.random() < 0.02:
        store.add_opinion(Opinion(agency_id, user, rng.choice(OPINIONS), at + 90))
        counts["opinions"] += 1


def remove(store) -> dict[str, int]:
    """Delete every synthetic record (and nothing else)."""
    return store.delete_records(DEMO)
