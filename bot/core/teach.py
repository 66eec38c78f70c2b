"""Staff's dashboard edits laid over a knowledge file: each applies only where the file still says what it said."""

from __future__ import annotations

import json
from dataclasses import dataclass

import yaml

from bot.core.answerer import Answer, Answerer
from bot.core.knowledge import SECTIONS, RegressionCase, _SafeLoader  # the files' own fast loader
from bot.core.text import match_key

PENDING = 2**62  # the id of a change not kept yet: laid over after every kept one
# What happened to a change when laid over the file as it is now.
APPLIED = "applied"  # the file had the entry as the change found it: the change is served
IN_FILE = "in_file"  # the file already says what the change says (exported, or typed in by hand)
CONFLICT = "conflict"  # the file was edited since, differently: not applied, shown to staff


@dataclass(frozen=True)
class Change:
    """One edit made in the dashboard, kept in the store: an entry as it was (None: a new entry) and as
    it should be. Kept whole, not as a diff, so a conflict is plain to see and undo is exact."""

    id: int
    agency: str
    entry_id: str
    section: str  # the file section the entry is in (windows, single_window, channels, faqs)
    before: dict | None
    after: dict
    who: str
    at: int
    note: str = ""  # what staff did, in words (「加入 3 個例句」)
    undone_at: int | None = None
    undone_by: str = ""

    @property
    def active(self) -> bool:
        """Not undone."""
        return self.undone_at is None


def plain(entry: dict | None) -> dict | None:
    """An entry as JSON would keep it (dates as text), so one read from YAML and one read back from the
    store compare equal when they say the same."""
    return None if entry is None else json.loads(json.dumps(entry, ensure_ascii=False, default=str))


def as_json(entry: dict | None) -> str:
    """An entry as one line of JSON (the change log's export)."""
    return "" if entry is None else json.dumps(entry, ensure_ascii=False, default=str)


def yaml_data(text: str) -> dict:
    """A knowledge file's text parsed without checks ({} when it is not a mapping)."""
    data = yaml.load(text, Loader=_SafeLoader)
    return data if isinstance(data, dict) else {}


def find(data: dict, entry_id: str) -> tuple[str, int] | None:
    """The section and position of an entry in parsed file data, or None."""
    for section in SECTIONS:
        for i, item in enumerate(data.get(section) or []):
            if isinstance(item, dict) and item.get("id") == entry_id:
                return section, i
    return None


def lay_over(data: dict, changes: list[Change]) -> dict[int, str]:
    """Apply the active changes, oldest first, to parsed file data in place; what became of each."""
    outcome: dict[int, str] = {}
    for change in sorted(changes, key=lambda c: c.id):
        if not change.active:
            continue
        place = find(data, change.entry_id)
        now = plain(data[place[0]][place[1]]) if place else None
        if now == plain(change.after):
            outcome[change.id] = IN_FILE
        elif now != plain(change.before):
            outcome[change.id] = CONFLICT
        else:
            if place:
                data[place[0]][place[1]] = dict(change.after)
            else:
                data.setdefault(change.section, []).append(dict(change.after))
            outcome[change.id] = APPLIED
    return outcome


def overlaid_text(text: str, changes: list[Change]) -> tuple[str, dict[int, str]]:
    """The file's text with the changes laid over it (the text itself when none applies), for the
    same loader and checks as the file; and what became of each change."""
    data = yaml_data(text)
    outcome = lay_over(data, changes)
    if APPLIED not in outcome.values():
        return text, outcome
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000), outcome


def with_examples(entry: dict, questions: list[str]) -> dict:
    """The entry with these example questions added after its own; a wording it already has (the same
    match key) is not added twice."""
    have = {match_key(q) for q in entry.get("questions") or []}
    added = []
    for q in (q.strip() for q in questions):
        if q and match_key(q) not in have:
            have.add(match_key(q))
            added.append(q)
    return {**entry, "questions": [*(entry.get("questions") or []), *added]}


@dataclass(frozen=True)
class Shift:
    """How one question is answered now and would be with a change; `expected` is a regression
    question's entry id ("" for "no answer"), None for the group's own questions."""

    question: str
    now: Answer
    then: Answer
    expected: str | None = None

    @property
    def changed(self) -> bool:
        """The reply would differ: another outcome or another entry."""
        return (self.now.outcome, self.now.entry_id) != (self.then.outcome, self.then.entry_id)


def compare(now: Answerer, then: Answerer, questions: list[str],
            cases: list[RegressionCase] = ()) -> tuple[list[Shift], list[Shift]]:
    """The group's questions answered now and with the change; and the regression questions whose
    reply the change would alter."""
    group = [Shift(q, now.ask(q), then.ask(q)) for q in questions]
    moved = [Shift(c.question, now.ask(c.question), then.ask(c.question), c.expect or "") for c in cases]
    return group, [s for s in moved if s.changed]
