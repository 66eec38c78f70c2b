"""The inbox's group commit: deliveries waiting while one commits are written together."""

from __future__ import annotations

import threading

import pytest

from bot.store.group_commit import GroupWriter
from bot.store.sqlite import SqliteStore

NOW = 1_700_000_000


class Gated:
    """A real SQLite store whose first inbox write waits for the gate (a slow disk sync), counting writes."""

    def __init__(self, path):
        self.real, self.gate, self.started, self.calls = SqliteStore(path), threading.Event(), threading.Event(), []

    def enqueue_many(self, deliveries):
        self.calls.append(len(deliveries))
        self.started.set()
        self.gate.wait(10)
        return self.real.enqueue_many(deliveries)


def delivery(n: int) -> tuple:
    return ("taoyuan-vac", [(f"ev-{n}", f'{{"n": {n}}}')], NOW + 60, NOW)


def test_deliveries_that_wait_during_a_commit_share_the_next_one(tmp_path):
    store = Gated(tmp_path / "bot.db")
    writer = GroupWriter(lambda: store)
    first = writer.submit(*delivery(0))
    assert store.started.wait(5)  # the first commit is under way
    waiting = [writer.submit(*delivery(n)) for n in range(1, 6)]
    store.gate.set()
    ids = [f.result(5) for f in [first, *waiting]]
    assert store.calls == [1, 5]  # two commits for six deliveries
    assert len({i for (i,) in ids}) == 6
    assert len(store.real.take(10, lease_until=NOW + 200, now=NOW + 61)) == 6


def test_a_failed_commit_fails_every_delivery_in_it_and_the_writer_goes_on(tmp_path):
    store = Gated(tmp_path / "bot.db")
    store.gate.set()
    broken = type("Broken", (), {"enqueue_many": lambda self, d: (_ for _ in ()).throw(OSError("disk gone"))})()
    current = [broken]
    writer = GroupWriter(lambda: current[0])
    with pytest.raises(OSError):
        writer.submit(*delivery(0)).result(5)
    current[0] = store  # the database is back
    assert writer.submit(*delivery(1)).result(5)[0] is not None


def test_a_batch_never_exceeds_its_size(tmp_path):
    store = Gated(tmp_path / "bot.db")
    writer = GroupWriter(lambda: store, max_batch=2)
    first = writer.submit(*delivery(0))
    assert store.started.wait(5)
    rest = [writer.submit(*delivery(n)) for n in range(1, 6)]
    store.gate.set()
    for f in [first, *rest]:
        f.result(5)
    assert store.calls == [1, 2, 2, 1]
