"""Score the engine on a question file in the format of shared/eval/dev.yaml."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.core.answerer import Answer, Desk

MAX_REPLY_CHARS = 1000


@dataclass(frozen=True)
class Case:
    """One labelled question: in scope with required strings, or out of scope."""

    agency: str
    q: str
    all: tuple[str, ...] = ()
    any: tuple[str, ...] = ()
    oos: bool = False


@dataclass(frozen=True)
class Result:
    """A case, the engine's answer, and whether it counts as correct (with the reason if not)."""

    case: Case
    answer: Answer
    ok: bool
    why: str
    first_ok: bool = False  # in scope: answered correctly, or the first "did you mean" choice is right


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def load_cases(path: Path) -> list[Case]:
    """Read a question file; raise ValueError naming the bad item."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    cases = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or "agency" not in item or "q" not in item:
            raise ValueError(f"{path}: item {i + 1} needs agency and q")
        cases.append(Case(str(item["agency"]), str(item["q"]),
                          tuple(map(str, item.get("all") or ())), tuple(map(str, item.get("any") or ())),
                          bool(item.get("oos", False))))
    return cases


def judge(case: Case, answer: Answer) -> tuple[bool, str]:
    """Apply the dev.yaml rules to one answer."""
    if case.oos:
        return (answer.entry_id is None, f"answered from {answer.entry_id}")
    if answer.outcome != "answer" or answer.entry_id is None:
        return False, f"outcome {answer.outcome}"
    if len(answer.text) > MAX_REPLY_CHARS:
        return False, f"reply has {len(answer.text)} characters"
    text = _fold(answer.text)
    missing = [s for s in case.all if _fold(s) not in text]
    if missing:
        return False, f"{answer.entry_id}: missing {missing}"
    if case.any and not any(_fold(s) in text for s in case.any):
        return False, f"{answer.entry_id}: none of {list(case.any)}"
    return True, ""


def evaluate(desk: Desk, cases: list[Case]) -> list[Result]:
    """Ask every case (cases of unknown agencies fail)."""
    results = []
    for case in cases:
        if case.agency not in desk.answerers:
            answer = Answer(case.agency, case.q, "fallback", "")
            results.append(Result(case, answer, case.oos, "unknown agency"))
            continue
        answer = desk.ask(case.agency, case.q)
        ok, why = judge(case, answer)
        first_ok = ok
        if not ok and not case.oos and answer.outcome == "clarify" and answer.choices:
            first_ok = judge(case, desk.answerers[case.agency].answer_entry(answer.choices[0]))[0]
        results.append(Result(case, answer, ok, why, first_ok))
    return results


def summary(results: list[Result]) -> dict:
    """Per-office in-scope accuracy and the out-of-scope rejection rate."""
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    oos = [0, 0]
    wrong = 0  # in-scope answered from an entry that does not hold the required facts
    for r in results:
        bucket = oos if r.case.oos else per[r.case.agency]
        bucket[0] += r.ok
        bucket[1] += 1
        if not r.case.oos and not r.ok and r.answer.outcome == "answer":
            wrong += 1
    inscope = [sum(v[0] for v in per.values()), sum(v[1] for v in per.values())]
    outside = [r for r in results if r.case.oos]
    return {"per_agency": dict(per), "in_scope": inscope, "oos": oos, "wrong_answers": wrong,
            "right_first": sum(r.first_ok for r in results if not r.case.oos),
            "oos_fallback": sum(r.answer.outcome == "fallback" for r in outside),
            "oos_answered": sum(r.answer.entry_id is not None for r in outside)}


# The answer issue's targets for real citizens' questions (README, "Calibration").
REAL_TARGETS = {"correct": 0.85, "right_first": 0.97, "wrong": 0.02, "oos_fallback": 0.85, "oos_answered": 0.02}


def rates(s: dict) -> dict:
    """The summary's shares, 0..1: in scope correct / right entry first / wrong; out of scope
    rejected (no entry) / honest fallback (no "which item?") / answered."""
    n_in, n_out = s["in_scope"][1] or 1, s["oos"][1] or 1
    return {"correct": s["in_scope"][0] / n_in, "right_first": s["right_first"] / n_in,
            "wrong": s["wrong_answers"] / n_in, "rejected": s["oos"][0] / n_out,
            "oos_fallback": s["oos_fallback"] / n_out, "oos_answered": s["oos_answered"] / n_out}


def missed_targets(s: dict, targets: dict = REAL_TARGETS) -> list[str]:
    """The targets a summary misses (minimums, and maximums for wrong and oos_answered)."""
    got = rates(s)
    return [f"{k} {got[k]:.1%} (target {'≤' if k in ('wrong', 'oos_answered') else '≥'} {t:.0%})"
            for k, t in targets.items()
            if (got[k] > t if k in ("wrong", "oos_answered") else got[k] < t)]
