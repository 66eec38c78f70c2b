"""The conversation's state table, walked against the real app: every row of TEXT_STEPS, from every
state it applies to, leads where the table says; the diagram in docs/ is the one the table gives."""

from __future__ import annotations

import time

import pytest

from bot.store import Rating
from bot.webhook import hash_user
from chat import USER, Conversation
from conftest import ROOT
from handlers import flows

OFFICE = "taoyuan-vac"
# A text of each kind the table tells apart.
SAMPLES = {"cancel": "不用了", "survey": "滿意度調查", "opinion": "我要反映意見", "stars": "5", "number": "1",
           "not a question": "字太小了看不清楚", "any text": "榮民證要去哪裡辦"}


def waiting_in(app, name: str) -> dict | None:
    """A state as the flows leave it, with the data each needs (a real rating for a comment)."""
    store = app.config["STORE"]
    user = hash_user(app.config["SETTINGS"].user_hash_key, USER)
    return {
        flows.IDLE: None,
        "choice": {"await": "choice", "ids": ["veteran-id-card", "director-mailbox"]},
        "stars": {"await": "stars"},
        "comment": {"await": "comment", "kind": "rating",
                    "id": store.add_rating(Rating(OFFICE, user, "veteran-id-card", "down", int(time.time()), "E1"))},
        "opinion": {"await": "opinion"},
        "opinion-intro": {"await": "opinion-intro"},
        "opinion-confirm": {"await": "opinion-confirm", "text": "公園的廁所很髒"},
    }[name]


def now_waiting(app) -> str:
    user = hash_user(app.config["SETTINGS"].user_hash_key, USER)
    got = app.config["STORE"].get_state(user, OFFICE, int(time.time()))
    return (got or {}).get("await") or flows.IDLE


def cases():
    """(state, row) for every row and every state it is the first to handle its sample text in."""
    class Probe:  # what KINDS needs: the office's answerer
        from conftest import KNOWLEDGE
        from bot.core.answerer import Answerer
        from bot.core.knowledge import load_agency
        answerer = Answerer(load_agency(KNOWLEDGE / f"{OFFICE}.yaml"))

    for name in [flows.IDLE, *flows.STATES]:
        for text in SAMPLES.values():
            row = next(r for r in flows.TEXT_STEPS if r[0] in (flows.ANY, name) and flows.KINDS[r[1]](Probe, text))
            yield name, text, row


CASES = sorted({(name, text, row[1], row[3]) for name, text, row in cases()})


def test_every_row_of_the_table_is_walked():
    walked = {(kind, targets) for _, _, kind, targets in CASES}
    assert walked == {(kind, targets) for _, kind, _, targets in flows.TEXT_STEPS}


@pytest.mark.parametrize("state, text, kind, targets", CASES)
def test_each_text_leads_where_the_table_says(app, fake_line, state, text, kind, targets):
    user = hash_user(app.config["SETTINGS"].user_hash_key, USER)
    app.config["STORE"].set_state(user, OFFICE, waiting_in(app, state), int(time.time()) + 600)
    Conversation(app, fake_line).say(text)
    assert now_waiting(app) in targets, f"{state} + {text!r} ({kind})"


def test_the_diagram_in_docs_is_drawn_from_the_table():
    doc = (ROOT / "docs" / "conversation.md").read_text(encoding="utf-8")
    assert "```mermaid\n" + flows.mermaid() + "```" in doc
    assert all(f"`{name}`" in doc for name in flows.STATES)
