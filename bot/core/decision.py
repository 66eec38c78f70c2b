"""The three outcomes of a ranked question: answer, "which item?" (clarify) or an honest fallback."""

from __future__ import annotations

from bot.core.knowledge import Entry

# Chosen with `python -m bot calibrate` on tests/data/calibration-*.yaml and real-fit.yaml (README,
# "Calibration"): answer when the confidence model (bot/core/confidence.py) says the best entry
# is right with probability ANSWER_P; below that, offer the plausible entries as choices down to
# CLARIFY_P; below that, fall back honestly.
ANSWER_P = 0.70
CLARIFY_P = 0.55
TIE = 0.03  # ranking scores this close are a tie
# Several plausible entries close to a well-ranked best (「我想申請補助」: 就學、午餐、喪葬補助) make
# a "which item?" whatever the model says of the best one alone.
CONTEST_AT, CONTEST_WITHIN = 0.55, 0.15
CLARIFY_AT = 0.40  # a choice's own ranking score, and it must share a domain word with the question
MAX_CHOICES = 3


def plausible(candidates) -> tuple[Entry, ...]:
    """The entries worth a "which item?": ranked well enough and sharing a domain word with the
    question (never 護照 → 榮民證 because both end in 要去哪裡辦)."""
    return tuple(c.entry for c in candidates if c.score >= CLARIFY_AT and c.anchored)[:MAX_CHOICES]


def decide(candidates, p: float, answer_p: float = ANSWER_P,
           clarify_p: float = CLARIFY_P) -> tuple[str, tuple[Entry, ...]]:
    """answer, clarify (with its choices) or fallback, for ranked candidates whose best one the
    confidence model rates p (calibration replays this with other thresholds)."""
    best = candidates[0]
    # Two entries equally good (a keyword both hold) is a question for the citizen, not a coin toss.
    tied = len(candidates) > 1 and candidates[1].score >= best.score - TIE
    if not tied and (best.fuzzy == 1.0 or p >= answer_p):  # one of the entry's phrasings, or likely right
        return "answer", ()
    close = plausible(candidates)
    contested = best.score >= CONTEST_AT and sum(
        c.score >= best.score - CONTEST_WITHIN for c in candidates if c.entry in close) >= 2
    if close and (p >= clarify_p or contested):
        return "clarify", close
    return "fallback", ()
