"""Fit the confidence model and choose the answer/clarify thresholds from labelled questions."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import confidence
from bot.core import decision
from bot.core.answerer import Desk
from bot.core.evaluation import Case, judge
from bot.core.text import match_key


@dataclass(frozen=True)
class Observation:
    """What the ranker saw for one labelled question: the model's inputs, whether the best entry
    and the first plausible choice would be correct answers (None out of scope), and the
    outcome when no ranking was involved (smalltalk, another agency's topic, an empty message)."""

    x: tuple[float, ...] | None
    best_correct: bool | None
    choice_correct: bool | None
    candidates: tuple
    fixed: str | None


@dataclass(frozen=True)
class Outcome:
    """The issue's measures for one threshold setting."""

    answer_p: float
    clarify_p: float
    correct: int       # in scope answered correctly
    wrong: int         # in scope answered from an entry that does not hold the facts
    right_first: int   # in scope answered correctly, or its first choice is right
    in_scope: int
    fallback: int      # out of scope told honestly (no entry, no "which item?")
    answered: int      # out of scope answered from an entry
    oos: int

    @property
    def accuracy(self) -> float:
        """In-scope questions answered correctly, 0..1."""
        return self.correct / self.in_scope if self.in_scope else 1.0


def observe(desk: Desk, cases: list[Case]) -> list[Observation]:
    """Rank every case once; keep what the decision rule needs."""
    out = []
    for case in cases:
        if case.agency not in desk.answerers:
            continue
        answerer = desk.answerers[case.agency]
        got = answerer.ask(case.q)
        cands = got.candidates
        if not cands or got.outcome == "smalltalk":
            correct = None if case.oos else got.outcome == "answer" and judge(case, got)[0]
            out.append(Observation(None, correct, None, (), got.outcome))
            continue
        choices = decision.plausible(cands)
        right = (lambda e: None if case.oos else judge(case, answerer.answer_entry(e))[0])
        out.append(Observation(tuple(confidence.features(list(cands), match_key(case.q))), right(cands[0].entry),
                               right(choices[0]) if choices else None, cands, None))
    return out


def decide(obs: Observation, model: confidence.Model, answer_p: float, clarify_p: float) -> str:
    """The engine's outcome for an observation under a model and thresholds."""
    if obs.fixed:
        return obs.fixed
    return decision.decide(obs.candidates, model.probability(list(obs.x)), answer_p, clarify_p)[0]


def measure(observations: list[Observation], model: confidence.Model, answer_p: float,
            clarify_p: float) -> Outcome:
    """Score one setting."""
    c = w = first = n_in = fb = ans = n_out = 0
    for o in observations:
        outcome = decide(o, model, answer_p, clarify_p)
        if o.best_correct is None:  # out of scope
            n_out += 1
            fb += outcome in ("fallback", "smalltalk")
            ans += outcome == "answer"
            continue
        n_in += 1
        if outcome == "answer":
            ok = bool(o.best_correct)
            c += ok
            w += not ok
            first += ok
        elif outcome == "clarify":
            first += bool(o.choice_correct)
    return Outcome(answer_p, clarify_p, c, w, first, n_in, fb, ans, n_out)


def training_rows(observations: list[Observation]) -> list[tuple[list[float], int]]:
    """(features, 1 if the best entry is a correct answer else 0) for every ranked question."""
    return [(list(o.x), int(bool(o.best_correct))) for o in observations if o.x is not None]


GRID = [(a / 100, c / 100) for a in range(30, 96, 5) for c in range(10, a + 1, 5)]
FOLDS = 5


def sweep(observations: list[Observation], model: confidence.Model) -> list[Outcome]:
    """Every (answer_p, clarify_p) on the grid, scored with one model."""
    return [measure(observations, model, a, c) for a, c in GRID]


def cross_validated(observations: list[Observation]) -> list[Outcome]:
    """Every grid point scored on questions the model was not fitted on: each of FOLDS folds
    (every FOLDS-th question) is measured with a model fitted on the others, and the folds'
    counts are added. Thresholds chosen this way do not flatter the model."""
    totals: dict[tuple[float, float], list[int]] = {point: [0] * 7 for point in GRID}
    for k in range(FOLDS):
        held = observations[k::FOLDS]
        model = confidence.fit(training_rows([o for i, o in enumerate(observations) if i % FOLDS != k]))
        for r in sweep(held, model):
            counts = (r.correct, r.wrong, r.right_first, r.in_scope, r.fallback, r.answered, r.oos)
            totals[(r.answer_p, r.clarify_p)] = [t + c for t, c in zip(totals[(r.answer_p, r.clarify_p)], counts)]
    return [Outcome(a, c, *counts) for (a, c), counts in totals.items()]


def utility(r: Outcome, cost: float = 2.0) -> float:
    """A setting's worth in answers: a correct answer counts 1; a "which item?" whose first choice
    is right counts half (it costs the citizen a tap); a wrong answer, or an out-of-scope question
    answered from an entry, counts -cost (it sends a citizen the wrong way); an out-of-scope
    question given unrelated choices instead of an honest "not ours" counts -1/2."""
    clarified_oos = r.oos - r.fallback - r.answered
    return (r.correct + 0.5 * (r.right_first - r.correct) - cost * (r.wrong + r.answered)
            - 0.5 * clarified_oos)


def best_setting(results: list[Outcome], cost: float = 2.0) -> Outcome:
    """The setting of greatest utility; ties go to stricter thresholds."""
    return max(results, key=lambda r: (utility(r, cost), r.answer_p, r.clarify_p))


def current(observations: list[Observation]) -> Outcome:
    """The engine's present model and thresholds, scored."""
    return measure(observations, confidence.MODEL, decision.ANSWER_P, decision.CLARIFY_P)
