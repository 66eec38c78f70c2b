"""Dialogs with each office's bot: what a citizen types or taps, and what the bot replies.

The dialogs are data (tests/data/dialogs.yaml, its header explains the format). Each runs through
the real Flask webhook on the shipped knowledge; the replies are read from the fake LINE API.
The file's `known_gaps` documents poor answers found while writing the dialogs; they are not run.
"""

from __future__ import annotations

import pytest
import yaml

from bot.core.phrases import human_channels
from chat import ask, event_for, quick_replies, reply_text
from conftest import DATA, KNOWLEDGE

SPEC = yaml.safe_load((DATA / "dialogs.yaml").read_text(encoding="utf-8"))
FEEDBACK = {"👍 有幫助", "👎 沒幫助"}
TURN_KEYS = {"say", "tap", "mention", "contains", "not_contains", "card", "feedback", "quick_replies_include", "fallback"}


def turns_of(dialog: dict) -> list[dict]:
    """A dialog's turns: its `turns` list, or the dialog itself when it is a single turn."""
    return dialog.get("turns") or [{k: v for k, v in dialog.items() if k != "name"}]


def check(turn: dict, reply: dict, channels: list[str]) -> None:
    """Assert a turn's expectations on the reply the bot sent."""
    text, labels = reply_text(reply), set(quick_replies(reply))
    shown = f"{turn.get('say') or turn.get('tap')!r} got:\n{text}\nquick replies: {sorted(labels)}"
    for wanted in turn.get("contains", []):
        assert str(wanted) in text, shown
    for unwanted in turn.get("not_contains", []):
        assert str(unwanted) not in text, shown
    for label in turn.get("quick_replies_include", []):
        assert label in labels, shown
    if "card" in turn:
        assert any(m["type"] == "flex" for m in reply["messages"]) is turn["card"], shown
    if "feedback" in turn:
        assert FEEDBACK.issubset(labels) is turn["feedback"], shown
    if "fallback" in turn:
        assert all(f"・{way}" in text for way in channels) is turn["fallback"], shown


CASES = [pytest.param(office, dialog, id=f"{office}-{dialog['name']}")
         for office, dialogs in SPEC["dialogs"].items() for dialog in dialogs]


@pytest.mark.parametrize("office, dialog", CASES)
def test_dialog(app, fake_line, agencies, office, dialog):
    channels = human_channels(agencies[office])
    previous = None
    for turn in turns_of(dialog):
        previous = ask(app, fake_line, office, event_for(turn, previous))
        check(turn, previous, channels)


def test_the_dialog_file_covers_every_office_with_known_checks():
    offices = {path.stem for path in KNOWLEDGE.glob("*.yaml")}
    assert set(SPEC["dialogs"]) == offices
    for office, dialogs in SPEC["dialogs"].items():
        assert len(dialogs) >= 8, office
        names = [d["name"] for d in dialogs]
        assert len(names) == len(set(names)), office
        for turn in (t for d in dialogs for t in turns_of(d)):
            assert set(turn) <= TURN_KEYS and len({"say", "tap"} & set(turn)) == 1, (office, turn)
    for gap in SPEC["known_gaps"]:
        assert {"office", "say", "got", "plan"} <= set(gap) and gap["office"] in offices, gap
