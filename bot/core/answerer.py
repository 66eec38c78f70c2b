"""The answer engine: a question's text in, an Answer (answer, clarify, fallback or smalltalk) out."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from bot.core import phrases
from bot.core.index import Candidate, Index
from bot.core.knowledge import Agency, Entry
from bot.core.places import foreign_place, places_in
from bot.core.smalltalk import split_smalltalk
from bot.core.text import match_key

# Calibrated on tests/data/calibration-*.yaml (see README, "Calibration"): answer only when the
# best entry is confident and clearly ahead; offer choices when a few entries are close.
ANSWER_AT = 0.56
MARGIN = 0.04
CLARIFY_AT = 0.40
MAX_CHOICES = 3
ANSWER_CACHE = 4096  # answers kept per office
BROAD_CHARS = 3  # a question this short, fully contained in MAX_CHOICES entries, is a category
OUTCOMES = ("answer", "clarify", "fallback", "smalltalk")


@dataclass(frozen=True)
class Answer:
    """What the bot replies to one question, independent of how it is delivered."""

    agency: str
    question: str
    outcome: str
    text: str
    entry: Entry | None = None
    score: float = 0.0
    choices: tuple[Entry, ...] = ()  # "did you mean" entries (clarify only)
    related: tuple[Entry, ...] = ()  # follow-up topics: related entries, or the main topics
    smalltalk: str = ""  # greeting | thanks | bye | help, for a smalltalk outcome
    candidates: tuple[Candidate, ...] = field(default=(), compare=False, repr=False)

    @property
    def entry_id(self) -> str | None:
        """The answering entry's id (None unless the outcome is answer)."""
        return self.entry.id if self.entry else None

    def to_dict(self) -> dict:
        """The `ask --json` record (the contract other tools depend on)."""
        return {
            "agency": self.agency,
            "question": self.question,
            "outcome": self.outcome,
            "entry_id": self.entry_id,
            "score": round(self.score, 3),
            "answer": self.text,
            "choices": [{"id": e.id, "title": e.title} for e in self.choices],
            "source": self.entry.source if self.entry else None,
        }


class Answerer:
    """Answers questions for one office from its knowledge."""

    def __init__(self, agency: Agency):
        self.agency = agency
        self.index = Index(agency.entries)
        self.main_topics = tuple(e for e in map(agency.entry, agency.main_topics) if e)
        # Areas this office's knowledge speaks of; a question naming another area is not ours.
        texts = [agency.name, *(t for e in agency.entries for t in (e.answer, *e.questions, *e.keywords))]
        self.home_places = set().union(*(places_in(match_key(t)) for t in texts))
        # Citizens ask the same few things in the same words; an Answer is immutable and this
        # Answerer is replaced when its knowledge changes, so a repeated question costs a lookup.
        self.ask = lru_cache(maxsize=ANSWER_CACHE)(self._ask)

    def _ask(self, question: str) -> Answer:
        """Answer one question; never raises on odd input."""
        key = match_key(question)
        if not key:
            return self._fallback(question, phrases.EMPTY)
        social, rest = split_smalltalk(key)
        if social and not rest:
            return self._smalltalk(question, social)
        elsewhere = foreign_place(rest, self.home_places)
        if elsewhere:
            return self._fallback(question, phrases.elsewhere(self.agency, elsewhere))
        candidates = tuple(self.index.search(rest, limit=MAX_CHOICES + 1))
        if not candidates:
            return self._fallback(question)
        best = candidates[0]
        runner_up = candidates[1].score if len(candidates) > 1 else 0.0
        # A bare word that several entries share (「補助」) names a category, not one entry: offer choices.
        broad = tuple(c.entry for c in candidates if c.coverage >= 0.999)
        if len(rest.replace(" ", "")) <= BROAD_CHARS and len(broad) >= MAX_CHOICES:
            return Answer(self.agency.id, question, "clarify", phrases.clarify_text(list(broad[:MAX_CHOICES])),
                          score=best.score, choices=broad[:MAX_CHOICES], candidates=candidates)
        if best.score >= ANSWER_AT and best.score - runner_up >= MARGIN:
            return self.answer_entry(best.entry, question, best.score, candidates)
        close = tuple(c.entry for c in candidates if c.score >= CLARIFY_AT)[:MAX_CHOICES]
        if close:
            return Answer(self.agency.id, question, "clarify", phrases.clarify_text(list(close)),
                          score=best.score, choices=close, candidates=candidates)
        return self._fallback(question, score=best.score, candidates=candidates)

    def answer_entry(self, entry: Entry, question: str = "", score: float = 1.0,
                     candidates: tuple = ()) -> Answer:
        """The answer of one entry (also used when a citizen taps a choice)."""
        related = tuple(e for e in map(self.agency.entry, entry.related) if e)
        if not related:  # fall back to the next-best entries as related topics
            related = tuple(c.entry for c in candidates[1:] if c.entry.id != entry.id)
        return Answer(self.agency.id, question, "answer", phrases.answer_text(entry), entry=entry,
                      score=score, related=related[:MAX_CHOICES], candidates=candidates)

    def _smalltalk(self, question: str, kind: str) -> Answer:
        if kind == "thanks":
            text = phrases.THANKS
        elif kind == "bye":
            text = phrases.BYE
        else:
            text = phrases.greeting(self.agency)
        return Answer(self.agency.id, question, "smalltalk", text, related=self.main_topics, smalltalk=kind)

    def _fallback(self, question: str, lead: str | None = None, score: float = 0.0,
                  candidates: tuple = ()) -> Answer:
        examples = [e.questions[0] for e in self.main_topics[:2]]
        text = phrases.fallback_text(self.agency, examples, lead)
        return Answer(self.agency.id, question, "fallback", text, score=score,
                      related=self.main_topics, candidates=candidates)


class Desk:
    """The engine for every loaded office: one Answerer per agency id."""

    def __init__(self, agencies: dict[str, Agency]):
        self.answerers = {aid: Answerer(a) for aid, a in sorted(agencies.items())}

    @classmethod
    def of(cls, answerers: dict[str, Answerer]) -> "Desk":
        """A desk over answerers already built (a reload rebuilds only the offices that changed)."""
        desk = cls({})
        desk.answerers = dict(sorted(answerers.items()))
        return desk

    @property
    def agency_ids(self) -> list[str]:
        """The ids of the loaded offices, sorted."""
        return list(self.answerers)

    def ask(self, agency_id: str, question: str) -> Answer:
        """Answer a question for one office (KeyError for an unknown id)."""
        return self.answerers[agency_id].ask(question)
