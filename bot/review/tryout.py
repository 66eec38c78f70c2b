"""Staff try the bot (the reply as LINE shows it, the engine's candidates) and see each office's readiness."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from bot.core import readiness
from bot.core.answerer import OUTCOMES, Answerer
from bot.core.decision import ANSWER_P, CLARIFY_P
from bot.core.hours import now_taipei
from bot.core.knowledge import load_regressions
from handlers import Context, flows, limits

MAX_QUESTION = flows.MAX_QUESTION  # what the bot would keep of a citizen's question
OUTCOME_NAMES = {"answer": "回答", "clarify": "請民眾選擇", "fallback": "無法回答", "smalltalk": "打招呼或道謝"}
KEPT = 16  # readiness lists kept: the offices' current versions, with room for a reload or two


@dataclass(frozen=True)
class Trial:
    """One tried question: the messages a citizen would see, and how the engine got there."""

    question: str
    messages: list  # LINE message dicts, fitted to LINE's limits as sent
    outcome: str  # the engine's: answer | clarify | fallback | smalltalk
    probability: float  # the engine's confidence that its best entry is right (0..1)
    candidates: tuple  # bot.core.index.Candidate, best first
    marks: dict  # entry id → 回答 / 選項 / 按鈕: what the reply did with an entry
    command: bool  # the text is a fixed request (取消、我要反映意見 …): the reply is not the engine's answer

    @property
    def outcome_name(self) -> str:
        """The outcome in staff's words."""
        return OUTCOME_NAMES.get(self.outcome, self.outcome)

    @property
    def quick_replies(self) -> list:
        """The buttons under the last message (LINE shows only those)."""
        return self.messages[-1].get("quickReply", {}).get("items", []) if self.messages else []


def attempt(answerer: Answerer, question: str, now: int | None = None) -> Trial:
    """Answer a question the way the webhook does for a citizen in a 1:1 chat, but with no store and no
    user: nothing is kept (no question, rating or unanswered entry) and no earlier conversation counts."""
    question = question.strip()[:MAX_QUESTION]
    reply = flows.on_text(Context(answerer, store=None, user=None, now=now or int(time.time())), question)
    answer = answerer.ask(question)
    marks = ({e.id: "按鈕" for e in answer.related} | {e.id: "選項" for e in answer.choices}
             | ({answer.entry_id: "回答"} if answer.entry_id else {}))
    return Trial(question, limits.fit(reply.messages), answer.outcome, answer.score, answer.candidates, marks,
                 command=reply.outcome not in OUTCOMES)


def pane(answerers: dict[str, Answerer], office_id: str | None, question: str, default: str) -> dict | None:
    """The try pane's page: the form (office, question, a few example questions) and, once a question is
    given, its trial. No office asked for: the default one; an unknown one: None (the page is a 404)."""
    office_id = office_id or (default if default in answerers else next(iter(answerers), ""))
    if office_id not in answerers:
        return None
    answerer, question = answerers[office_id], question.strip()[:MAX_QUESTION]
    return {"office": answerer.agency, "question": question, "max_question": MAX_QUESTION,
            "offices": [(aid, a.agency.name) for aid, a in answerers.items()],
            "examples": [e.questions[0] for e in answerer.main_topics[:3] if e.questions],
            "trial": attempt(answerer, question) if question else None,
            "thresholds": {"answer": ANSWER_P, "clarify": CLARIFY_P}}


_kept: OrderedDict[tuple, list] = OrderedDict()
_kept_lock = threading.Lock()


def readiness_of(answerer: Answerer, folder: Path, today: str) -> list[readiness.Item]:
    """The office's readiness items. Every example question goes through the engine, so the list is
    kept per knowledge version, day and regression file content (a page view then costs a lookup)."""
    agency = answerer.agency
    path = Path(folder) / "tests" / f"{agency.id}.yaml"
    cases, problems = load_regressions(path, {e.id for e in agency.entries}) if path.is_file() else ([], [])
    key = (agency.id, agency.version, today, tuple(cases), tuple(problems))
    with _kept_lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    items = readiness.readiness(answerer, today, cases, problems)  # outside the lock: it takes a second
    with _kept_lock:
        _kept[key] = items
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return items


def office_readiness(live, agency_id: str) -> list[tuple[str, str, list[readiness.Item]]]:
    """The office page's 「上線前還缺什麼」 from the live knowledge (a LiveDesk), grouped by kind."""
    answerer = live.current().answerers.get(agency_id)
    if answerer is None:
        return []
    return grouped(readiness_of(answerer, live.directory, now_taipei().date().isoformat()))


def grouped(items: list[readiness.Item]) -> list[tuple[str, str, list[readiness.Item]]]:
    """(kind, heading, items) for every kind that has items, in the order staff should work through them."""
    return [(kind, heading, [i for i in items if i.kind == kind])
            for kind, heading in readiness.KINDS.items() if any(i.kind == kind for i in items)]

