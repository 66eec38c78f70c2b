"""Choose the answer/clarify/fallback thresholds from labelled questions (grid search)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import answerer as engine
from bot.core.answerer import Desk
from bot.core.evaluation import Case, judge


@dataclass(frozen=True)
class Observation:
    """What the ranker saw for one labelled question: best and runner-up scores, and whether the
    best entry would be a correct answer (None when the case is out of scope)."""

    best: float
    runner_up: float
    best_correct: bool | None


@dataclass(frozen=True)
class Outcome:
    """The result of one threshold setting on the observations."""

    answer_at: float
    margin: float
    correct: int     # in scope answered correctly
    wrong: int       # in scope answered from an entry that does not hold the facts
    in_scope: int
    oos_rejected: int
    oos: int

    @property
    def accuracy(self) -> float:
        """In-scope questions answered correctly, 0..1."""
        return self.correct / self.in_scope if self.in_scope else 1.0

    @property
    def rejection(self) -> float:
        """Out-of-scope questions not answered from an entry, 0..1."""
        return self.oos_rejected / self.oos if self.oos else 1.0


def observe(desk: Desk, cases: list[Case]) -> list[Observation]:
    """Rank every case once; keep only what the decision rule needs."""
    out = []
    for case in cases:
        if case.agency not in desk.answerers:
            continue
        answerer = desk.answerers[case.agency]
        got = answerer.ask(case.q)
        cands = got.candidates
        if not cands:  # smalltalk, empty: the rule does not apply
            out.append(Observation(0.0, 0.0, None if case.oos else False))
            continue
        correct = None if case.oos else judge(case, answerer.answer_entry(cands[0].entry))[0]
        out.append(Observation(cands[0].score, cands[1].score if len(cands) > 1 else 0.0, correct))
    return out


def decide(obs: Observation, answer_at: float, margin: float) -> bool:
    """Would the engine answer (rather than clarify or fall back) with these thresholds?"""
    return obs.best >= answer_at and obs.best - obs.runner_up >= margin


def sweep(observations: list[Observation]) -> list[Outcome]:
    """Every (answer_at, margin) on a grid, scored."""
    results = []
    for a in range(20, 81, 2):
        for m in range(0, 31, 2):
            answer_at, margin = a / 100, m / 100
            correct = wrong = rejected = 0
            for o in observations:
                answered = decide(o, answer_at, margin)
                if o.best_correct is None:
                    rejected += not answered
                elif answered:
                    correct += o.best_correct
                    wrong += not o.best_correct
            n_in = sum(o.best_correct is not None for o in observations)
            results.append(Outcome(answer_at, margin, correct, wrong, n_in, rejected, len(observations) - n_in))
    return results


def best_setting(results: list[Outcome], min_rejection: float = 0.97, max_wrong: float = 0.03) -> Outcome:
    """The most accurate setting that rejects enough out-of-scope questions and answers wrongly
    rarely; ties go to the stricter setting (fewer wrong answers, then higher thresholds)."""
    ok = [r for r in results if r.rejection >= min_rejection and r.wrong <= max_wrong * r.in_scope]
    pool = ok or results
    return max(pool, key=lambda r: (r.correct, -r.wrong, r.rejection, r.answer_at, r.margin))


def current(results: list[Outcome]) -> Outcome | None:
    """The grid point of the engine's present thresholds."""
    return next((r for r in results if abs(r.answer_at - engine.ANSWER_AT) < 1e-9
                 and abs(r.margin - engine.MARGIN) < 1e-9), None)
