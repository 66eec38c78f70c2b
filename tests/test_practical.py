"""The practical questions citizens ask first get a useful reply on the shipped knowledge, and no
reply anywhere sends a citizen to a phone, website or mailbox it does not give."""

import yaml

from bot.core.phrases import unreachable
from conftest import DATA

CASES = yaml.safe_load((DATA / "practical.yaml").read_text(encoding="utf-8"))


def test_practical_questions_get_the_fact_or_a_plain_no_data(desk):
    misses = [(c["agency"], c["q"], desk.ask(c["agency"], c["q"]).entry_id) for c in CASES
              if desk.ask(c["agency"], c["q"]).entry_id != c["expect"]]
    assert len(CASES) >= 30 and len(misses) <= 0.1 * len(CASES), misses


def test_no_reply_is_a_dead_end(desk):
    dead = []
    for agency_id, answerer in desk.answerers.items():
        for entry in answerer.agency.entries:
            text = answerer.answer_entry(entry).text
            if unreachable(text):
                dead.append((agency_id, entry.id, unreachable(text)))
    for case in CASES:
        text = desk.ask(case["agency"], case["q"]).text
        if unreachable(text):
            dead.append((case["agency"], case["q"], unreachable(text)))
    assert dead == []
