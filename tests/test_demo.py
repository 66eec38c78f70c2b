"""demo-data: plausible synthetic feedback, marked, reproducible, never mixed into real records."""

import pytest

from bot.review import demo
from bot.store import Question, open_store
from conftest import run_cli

NOW = 1_790_000_000


def test_demo_data_is_marked_reproducible_and_replaced(tmp_path, desk):
    store = open_store(f"sqlite:///{tmp_path / 'demo.db'}")
    first = demo.fill(store, desk, days=3, seed=7, now=NOW)
    assert first["questions"] > 50 and first["ratings"] > 0 and first["surveys"] > 0
    questions = store.records("questions")
    assert all(demo.is_demo(q["user_hash"]) for q in questions)
    assert {q["outcome"] for q in questions} >= {"answer", "fallback"}
    assert all(NOW - 3 * 86400 <= q["asked_at"] < NOW for q in questions)
    assert demo.fill(store, desk, days=3, seed=7, now=NOW) == first  # replaced, not added
    assert len(store.records("questions")) == first["questions"]


def test_demo_data_refuses_a_store_with_real_records_and_removes_only_its_own(tmp_path, desk):
    store = open_store(f"sqlite:///{tmp_path / 'bot.db'}")
    demo.fill(store, desk, days=1, seed=1, now=NOW)
    store.add_question(Question("taoyuan-vac", "a" * 64, "真的問題", "answer", "veteran-id-card", 0.9, NOW))
    with pytest.raises(demo.DemoError):
        demo.fill(store, desk, days=1)
    demo.remove(store)
    assert [q["text"] for q in store.records("questions")] == ["真的問題"]


def test_the_command(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    made = run_cli("demo-data", "--days", "2", env=env)
    assert made.returncode == 0 and "示範資料" in made.stdout and "合成" in made.stdout
    assert run_cli("demo-data", "--days", "0", env=env).returncode == 2
    store = open_store(env["DATABASE_URL"])
    store.add_question(Question("taoyuan-vac", "b" * 64, "真的", "fallback", None, 0.0, NOW))
    refused = run_cli("demo-data", env=env)
    assert refused.returncode == 1 and "真實紀錄" in refused.stderr and "Traceback" not in refused.stderr
    assert run_cli("demo-data", "--remove", env=env).returncode == 0
    assert len(store.records("questions")) == 1
