"""One contract for every store: each test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import psycopg
import pytest

from bot.store import Opinion, Question, Rating, Survey, open_store
from bot.store.migrations import MIGRATIONS
from bot.store.postgres import CONNECT_TIMEOUT, POOL_TIMEOUT, PostgresStore
from pg_server import start, stop

DB_ERRORS = (sqlite3.Error, psycopg.Error)
NOW = int(time.time())
DAY = 86400
AGENCY = "taoyuan-vac"
HOSTILE = "長" * 10_000 + " 👍🏽👨‍👩‍👧 '); DROP TABLE questions; -- 100% ? %s $1 \\ \"x\""


def question(user: str = "u1", at: int = NOW, text: str = "榮民證要去哪裡辦？") -> Question:
    return Question(AGENCY, user, text, "answer", "card-apply", 0.73, at)


def rating(event: str, user: str = "u1", question_id: int | None = None, value: str = "up",
           at: int = NOW) -> Rating:
    return Rating(AGENCY, user, "card-apply", value, at, event, question_id)


def scalar(store, sql: str, params: tuple = ()):
    """The first column of the first row of a query run through the store itself."""
    return store._run(sql, params).fetchone()[0]


def together(jobs: list) -> list:
    """Run the callables at the same moment, one thread each; their results in order (errors re-raised)."""
    barrier = threading.Barrier(len(jobs))

    def go(job):
        barrier.wait(timeout=30)
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(go, jobs))


@pytest.fixture()
def url(db_url):
    """An empty database of each kind (conftest's db_url)."""
    return db_url


@pytest.fixture()
def store(url):
    """A store on that database, closed afterwards."""
    s = open_store(url)
    yield s
    s.close()


@pytest.fixture()
def workers(url):
    """Four store objects on one database, as four gunicorn workers hold them."""
    stores = [open_store(url) for _ in range(4)]
    yield stores
    for s in stores:
        s.close()


def test_upgrade_is_idempotent_and_records_every_migration(store):
    assert store.upgrade() == []
    names = [row[0] for row in store._run("SELECT name FROM schema_migrations ORDER BY name").fetchall()]
    assert names == [name for name, _ in MIGRATIONS]


def test_workers_starting_together_apply_each_migration_once(url):
    stores = together([lambda: open_store(url) for _ in range(8)])
    try:
        assert scalar(stores[0], "SELECT COUNT(*) FROM schema_migrations") == len(MIGRATIONS)
        assert all(s.upgrade() == [] for s in stores)
    finally:
        for s in stores:
            s.close()


def test_placeholders_are_bound_and_quoted_text_is_left_alone(store):
    row = store._run("SELECT ?, '100%', 'a?b', ? || '%'", ("x", "y")).fetchone()
    assert tuple(row) == ("x", "100%", "a?b", "y%")


def test_an_event_is_claimed_once(store):
    assert store.claim_event("evt-1") is True
    assert store.claim_event("evt-1") is False
    assert store.claim_event("evt-2") is True


def test_workers_racing_for_the_same_events_win_each_once(workers):
    jobs = [lambda s=s: [s.claim_event(f"evt-{i}") for i in range(200)] for s in workers for _ in range(2)]
    wins = [won for results in together(jobs) for won in results]
    assert len(wins) == 1600 and sum(wins) == 200
    assert scalar(workers[0], "SELECT COUNT(*) FROM processed_events") == 200


def test_questions_get_increasing_ids_and_keep_their_fields(store):
    ids = [store.add_question(question(text=f"第 {i} 題")) for i in range(3)]
    assert ids == sorted(set(ids))
    row = store._run("SELECT agency, user_hash, asked_at, text, outcome, entry_id, score FROM questions"
                     " WHERE id = ?", (ids[1],)).fetchone()
    assert tuple(row) == (AGENCY, "u1", NOW, "第 1 題", "answer", "card-apply", 0.73)


def test_a_rating_event_is_kept_once(store):
    first = store.add_rating(rating("evt-1"))
    assert isinstance(first, int)
    assert store.add_rating(rating("evt-1", value="down")) is None
    assert store._run("SELECT id, rating FROM answer_ratings").fetchall() == [(first, "up")]


def test_a_rating_links_only_the_raters_own_question(store):
    mine, theirs = store.add_question(question("u1")), store.add_question(question("u2"))
    kept = {store.add_rating(rating("e1", question_id=mine)): mine,
            store.add_rating(rating("e2", question_id=theirs)): None,
            store.add_rating(rating("e3", question_id=None)): None,
            store.add_rating(rating("e4", question_id=10**9)): None}  # no such question: no link, no error
    assert dict(store._run("SELECT id, question_id FROM answer_ratings").fetchall()) == kept


def test_ratings_outside_the_allowed_values_are_refused(store):
    with pytest.raises(DB_ERRORS):
        store.add_rating(rating("evt-1", value="meh"))
    kept = store.add_rating(rating("evt-2"))  # the failure left the connection usable
    with pytest.raises(DB_ERRORS):
        store.annotate("rating", kept, "u1", reason="bogus")
    assert store._run("SELECT id, reason FROM answer_ratings").fetchall() == [(kept, None)]


def test_survey_stars_are_one_to_five_and_kept_once(store):
    ids = [store.add_survey(Survey(AGENCY, "u1", stars, NOW, f"evt-{stars}")) for stars in range(1, 6)]
    assert all(isinstance(i, int) for i in ids) and len(set(ids)) == 5
    assert store.add_survey(Survey(AGENCY, "u1", 4, NOW, "evt-3")) is None
    for stars in (0, 6):
        with pytest.raises(DB_ERRORS):
            store.add_survey(Survey(AGENCY, "u1", stars, NOW, f"evt-bad-{stars}"))
    assert scalar(store, "SELECT SUM(stars) FROM survey_ratings") == 15


def test_opinion_references_carry_the_taipei_date_and_never_repeat(store):
    at = int(datetime(2026, 11, 22, 20, 30, tzinfo=timezone.utc).timestamp())  # 04:30 on the 23rd in Taipei
    references = [store.add_opinion(Opinion(AGENCY, "u1", f"意見 {i}", at)) for i in range(300)]
    assert all(re.fullmatch(r"\d{8}-\d{4}", r) and r.startswith("20261123-") for r in references)
    assert len(set(references)) == 300
    assert scalar(store, "SELECT COUNT(DISTINCT reference) FROM opinions") == 300


def test_annotate_touches_only_the_users_own_record(store):
    rid = store.add_rating(rating("evt-1"))
    sid = store.add_survey(Survey(AGENCY, "u1", 2, NOW, "evt-2"))
    assert store.annotate("rating", rid, "u2", reason="wrong", comment="not mine") is False
    assert store.annotate("survey", sid, "u2", comment="not mine") is False
    assert store.annotate("rating", 10**9, "u1", reason="other") is False
    assert store.annotate("rating", rid, "u1", reason="wrong") is True
    assert store.annotate("rating", rid, "u1", comment="看不懂") is True  # the reason set before stays
    assert store.annotate("survey", sid, "u1", comment="等太久") is True
    assert tuple(store._run("SELECT reason, comment FROM answer_ratings").fetchone()) == ("wrong", "看不懂")
    assert scalar(store, "SELECT comment FROM survey_ratings") == "等太久"
    with pytest.raises(ValueError):
        store.annotate("question", rid, "u1", comment="x")


def test_long_odd_and_hostile_text_is_kept_exactly(store):
    rid = store.add_rating(rating("evt-1"))
    assert store.annotate("rating", rid, "u1", comment=HOSTILE) is True
    assert scalar(store, "SELECT comment FROM answer_ratings WHERE id = ?", (rid,)) == HOSTILE
    reference = store.add_opinion(Opinion(AGENCY, "u1", HOSTILE, NOW))
    assert scalar(store, "SELECT text FROM opinions WHERE reference = ?", (reference,)) == HOSTILE
    store.set_state("u1", AGENCY, {"draft": HOSTILE}, NOW + 60)
    assert store.get_state("u1", AGENCY, NOW) == {"draft": HOSTILE}
    assert scalar(store, "SELECT COUNT(*) FROM questions") == 0  # still there


def test_conversation_state_expires_and_is_replaced_or_cleared(store):
    assert store.get_state("u1", AGENCY, NOW) is None
    store.set_state("u1", AGENCY, {"step": "reason", "rating_id": 7, "主題": "榮民證"}, NOW + 60)
    assert store.get_state("u1", AGENCY, NOW + 59) == {"step": "reason", "rating_id": 7, "主題": "榮民證"}
    assert store.get_state("u1", AGENCY, NOW + 60) is None
    assert store.get_state("u2", AGENCY, NOW) is None and store.get_state("u1", "sanmin-district", NOW) is None
    store.set_state("u1", AGENCY, {"step": "comment"}, NOW + 120)
    assert store.get_state("u1", AGENCY, NOW + 90) == {"step": "comment"}
    store.set_state("u1", AGENCY, None, 0)
    assert store.get_state("u1", AGENCY, NOW) is None


def test_survey_offers_are_logged_and_the_last_one_found(store):
    assert store.last_survey_offer("u1", AGENCY) is None
    store.note_survey_offer("u1", AGENCY, NOW)
    store.note_survey_offer("u1", AGENCY, NOW - 100)
    assert store.last_survey_offer("u1", AGENCY) == NOW
    assert store.last_survey_offer("u1", "sanmin-district") is None
    assert [r["offered_at"] for r in store.records("survey_offers", AGENCY)] == [NOW - 100, NOW]


def test_records_filter_by_office_and_time_oldest_first(store):
    ids = [store.add_question(question(at=NOW + i)) for i in (2, 0, 1)]
    store.add_question(Question("sanmin-district", "u1", "別處", "fallback", None, 0.0, NOW))
    rows = store.records("questions", AGENCY)
    assert [r["id"] for r in rows] == [ids[1], ids[2], ids[0]]
    assert {"agency", "user_hash", "asked_at", "text", "outcome", "entry_id", "score"} <= set(rows[0])
    assert [r["asked_at"] for r in store.records("questions", AGENCY, since=NOW + 1, until=NOW + 2)] == [NOW + 1]
    assert len(store.records("questions")) == 4
    store.add_survey(Survey(AGENCY, "u1", 4, NOW, "s-1"))
    assert [r["stars"] for r in store.records("surveys", AGENCY)] == [4]
    with pytest.raises(KeyError):
        store.records("users")


def test_unanswered_reviews_are_set_changed_and_reopened(store):
    assert store.reviews(AGENCY) == {}
    store.set_review(AGENCY, "停車位", "added", NOW)
    store.set_review(AGENCY, "停車位", "not_ours", NOW + 1)
    store.set_review("sanmin-district", "停車位", "added", NOW)
    assert store.reviews(AGENCY) == {"停車位": "not_ours"}
    store.set_review(AGENCY, "停車位", None, NOW + 2)
    assert store.reviews(AGENCY) == {} and store.reviews("sanmin-district") == {"停車位": "added"}


def test_an_undo_restores_the_previous_status_unless_a_colleague_changed_it_since(store):
    store.set_review(AGENCY, "停車位", "added", NOW)  # first mark, undone: open again
    assert store.restore_review(AGENCY, "停車位", "added", None, NOW + 1) is True
    assert store.reviews(AGENCY) == {}
    store.set_review(AGENCY, "停車位", "added", NOW)  # a change of mark, undone: the old mark again
    store.set_review(AGENCY, "停車位", "not_ours", NOW + 1)
    assert store.restore_review(AGENCY, "停車位", "not_ours", "added", NOW + 2) is True
    assert store.reviews(AGENCY) == {"停車位": "added"}
    store.set_review(AGENCY, "停車位", None, NOW + 3)  # a reopen, undone: marked again
    assert store.restore_review(AGENCY, "停車位", None, "added", NOW + 4) is True
    assert store.reviews(AGENCY) == {"停車位": "added"}
    # A colleague marked it after us: our undo leaves their mark alone, whatever we had done.
    assert store.restore_review(AGENCY, "停車位", "not_ours", None, NOW + 5) is False
    assert store.restore_review(AGENCY, "停車位", None, "not_ours", NOW + 5) is False
    assert store.reviews(AGENCY) == {"停車位": "added"}
    store.set_review(AGENCY, "洗車", None, NOW)
    assert store.restore_review(AGENCY, "洗車", "added", None, NOW + 1) is False
    assert store.restore_review(AGENCY, "洗車", None, None, NOW + 1) is True  # nothing to undo, nothing changed
    assert store.restore_review("sanmin-district", "停車位", "added", None, NOW) is False
    assert store.reviews(AGENCY) == {"停車位": "added"} and store.reviews("sanmin-district") == {}


def test_a_simulated_reply_is_popped_once(store, workers):
    assert store.pop_simulated_reply("token-1") is None
    store.save_simulated_reply("token-1", '{"messages": ["old"]}')
    store.save_simulated_reply("token-1", '{"messages": ["回覆"]}')
    got = together([lambda s=s: s.pop_simulated_reply("token-1") for s in workers for _ in range(2)])
    assert [g for g in got if g is not None] == ['{"messages": ["回覆"]}'] and got.count(None) == 7


def test_purge_deletes_only_older_records_and_counts_them(store):
    old, new, before = NOW - 40 * DAY, NOW - DAY, NOW - 30 * DAY
    old_q, new_q = store.add_question(question(at=old)), store.add_question(question(at=new))
    store.add_rating(rating("r-old", at=old))
    new_r = store.add_rating(rating("r-new", at=new, question_id=old_q))
    store.add_survey(Survey(AGENCY, "u1", 3, old, "s-old"))
    store.add_survey(Survey(AGENCY, "u1", 5, new, "s-new"))
    store.add_opinion(Opinion(AGENCY, "u1", "舊", old))
    kept_opinion = store.add_opinion(Opinion(AGENCY, "u1", "新", new))
    store.note_survey_offer("u1", AGENCY, old)
    store.note_survey_offer("u2", AGENCY, new)
    store.set_state("u1", AGENCY, {"step": "done"}, NOW - 10)
    store.set_state("u2", AGENCY, {"step": "live"}, NOW + 3600)
    for event, received in (("e-40d", old), ("e-8d", NOW - 8 * DAY), ("e-1d", new)):
        store._run("INSERT INTO processed_events VALUES (?, ?)", (event, received))

    counts = store.purge(before)
    assert counts == {"answer_ratings": 1, "survey_ratings": 1, "opinions": 1, "questions": 1,
                      "survey_offers": 1, "conversation_state": 1, "processed_events": 2,
                      "admin_revoked_sessions": 0, "inbox": 0}
    assert store._run("SELECT id, question_id FROM answer_ratings").fetchall() == [(new_r, None)]
    assert scalar(store, "SELECT id FROM questions") == new_q
    assert scalar(store, "SELECT event_id FROM survey_ratings") == "s-new"
    assert scalar(store, "SELECT reference FROM opinions") == kept_opinion
    assert store.last_survey_offer("u2", AGENCY) == new and store.last_survey_offer("u1", AGENCY) is None
    assert store.get_state("u2", AGENCY, NOW) == {"step": "live"}
    assert scalar(store, "SELECT event_id FROM processed_events") == "e-1d"
    assert set(store.purge(before).values()) == {0}


def test_concurrent_ratings_are_each_kept_exactly_once(workers):
    def send(thread: int) -> list:
        # Each event goes out twice: from its own thread and from one on the next worker.
        s, results = workers[thread // 8], []
        for i in range(50):
            results.append(s.add_rating(rating(f"evt-{thread}-{i}", user=f"u{thread}")))
            results.append(s.add_rating(rating(f"evt-{(thread + 8) % 32}-{i}", user=f"u{(thread + 8) % 32}")))
        return results

    results = [r for thread in together([lambda t=t: send(t) for t in range(32)]) for r in thread]
    kept = [r for r in results if r is not None]
    assert len(results) == 3200 and len(kept) == 1600 and len(set(kept)) == 1600
    stored = workers[0]._run("SELECT id, event_id FROM answer_ratings").fetchall()
    assert len(stored) == 1600 and {row[0] for row in stored} == set(kept)
    assert len({row[1] for row in stored}) == 1600


# PostgreSQL only: what a pool and a network bring.

def test_an_unreachable_server_raises_at_once():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: connections are refused
    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError):
        PostgresStore(f"postgresql://postgres@127.0.0.1:{port}/x")
    assert time.monotonic() - started < CONNECT_TIMEOUT


def test_a_server_that_never_answers_times_out_instead_of_hanging():
    with socket.socket() as listener:  # accepts the TCP connection (backlog) but never speaks
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        started = time.monotonic()
        with pytest.raises(psycopg.OperationalError):
            PostgresStore(f"postgresql://postgres@127.0.0.1:{listener.getsockname()[1]}/x?sslmode=disable")
        assert time.monotonic() - started < CONNECT_TIMEOUT + 2


def test_a_server_gone_after_start_makes_calls_fail_in_bounded_time():
    server = start()  # its own server, since this one is stopped under the store
    wait = POOL_TIMEOUT / 3  # DATABASE_TIMEOUT set shorter than the default: the bound is whatever is set
    store = PostgresStore(server.url, wait)
    try:
        assert store.claim_event("before")
        stop(server)
        started = time.monotonic()
        with pytest.raises(psycopg.OperationalError):
            store.claim_event("after")
        assert time.monotonic() - started < wait + 2
    finally:
        store.close()
        stop(server)


def test_a_forked_worker_uses_its_own_connections(pg_db):
    store = PostgresStore(pg_db[1])
    parent_backend = scalar(store, "SELECT pg_backend_pid()")
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only when it works over a connection of its own
        code = 4
        try:
            code = 0 if scalar(store, "SELECT pg_backend_pid()") != parent_backend and store.claim_event("c") else 3
        finally:
            os._exit(code)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    assert scalar(store, "SELECT pg_backend_pid()") == parent_backend and not store.claim_event("c")
    store.close()


def test_close_releases_every_connection(pg_url, pg_db):
    name, url = pg_db
    store = PostgresStore(url)
    together([lambda: scalar(store, "SELECT pg_sleep(0.2)") for _ in range(6)])
    store.close()

    def connected() -> int:
        with psycopg.connect(pg_url) as admin:
            return admin.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s", (name,)).fetchone()[0]

    deadline = time.monotonic() + 5
    while connected() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert connected() == 0
    assert store.claim_event("after-close")  # a closed store opens a new pool when used again
    store.close()


def test_last_answer_at_counts_answers_and_taps_of_that_user_only(store):
    assert store.last_answer_at("u1", AGENCY) is None
    store.add_question(Question(AGENCY, "u1", "天氣", "fallback", None, 0.0, NOW + 50))
    assert store.last_answer_at("u1", AGENCY) is None
    store.add_question(question(at=NOW))
    store.add_question(Question(AGENCY, "u1", "榮民證申辦", "choice", "card-apply", 1.0, NOW + 10))
    store.add_question(question(user="u2", at=NOW + 99))
    assert store.last_answer_at("u1", AGENCY) == NOW + 10
    assert store.last_answer_at("u1", "sanmin-district") is None


def test_several_deliveries_are_kept_in_one_write_each_event_once(store):
    ids = store.enqueue_many([("taoyuan-vac", [("ev-a", '{"a": 1}')], NOW + 60, NOW),
                              ("sanmin-district", [("ev-b", '{"b": 1}'), ("ev-a", '{"a": 1}')], NOW + 60, NOW)])
    assert len(ids) == 2 and ids[0][0] and ids[1][0] and ids[1][1] is None  # ev-a came twice: kept once
    taken = store.take(10, lease_until=NOW + 130, now=NOW + 61)
    assert [(agency, body) for _, agency, body, _ in taken] == [("taoyuan-vac", '{"a": 1}'), ("sanmin-district", '{"b": 1}')]


def test_the_inbox_keeps_each_event_once_and_leases_it_to_one_taker(store):
    ids = store.enqueue("taoyuan-vac", [("ev-1", '{"a": 1}'), ("ev-2", '{"a": 2}')], lease_until=NOW + 60, now=NOW)
    assert all(ids) and len(set(ids)) == 2
    assert store.enqueue("taoyuan-vac", [("ev-1", '{"a": 1}')], lease_until=NOW + 60, now=NOW) == [None]
    assert store.take(10, lease_until=NOW + 70, now=NOW + 10) == []  # both still leased
    taken = store.take(10, lease_until=NOW + 130, now=NOW + 61)  # their worker died: leases ran out
    assert [(agency, body, received) for _, agency, body, received in taken] == [
        ("taoyuan-vac", '{"a": 1}', NOW), ("taoyuan-vac", '{"a": 2}', NOW)]
    assert store.take(10, lease_until=NOW + 140, now=NOW + 62) == []  # another taker gets none of them
    store.finish(taken[0][0], NOW + 63)
    again = store.take(10, lease_until=NOW + 300, now=NOW + 200)
    assert [row[0] for row in again] == [taken[1][0]]  # the unfinished one only
    body = store._run("SELECT body, done_at FROM inbox WHERE id = ?", (taken[0][0],)).fetchone()
    assert body == ("", NOW + 63)  # done: the body is forgotten


def test_admin_accounts_are_added_disabled_and_enabled_again(store):
    assert store.list_admins() == [] and store.has_admins() is False and store.admin_hash("王小明") is None
    assert store.add_admin("王小明", "scrypt$h1", NOW) is True
    assert store.add_admin("王小明", "scrypt$h2", NOW + 1) is False  # the name is taken: the hash stays
    assert store.add_admin("Alice Chen", "scrypt$h3", NOW + 2) is True
    assert store.admin_hash("王小明") == "scrypt$h1" and store.has_admins() is True
    assert store.disable_admin("王小明", NOW + 3) is True and store.disable_admin("王小明", NOW + 4) is False
    assert store.disable_admin("nobody", NOW) is False
    assert store.admin_hash("王小明") is None  # a disabled account has no hash to log in with
    assert store.list_admins() == [("Alice Chen", NOW + 2, None), ("王小明", NOW, NOW + 3)]
    assert store.disable_admin("Alice Chen", NOW + 5) is True and store.has_admins() is False
    assert store.add_admin("王小明", "scrypt$h4", NOW + 6) is True  # enabled again, with the new password
    assert store.admin_hash("王小明") == "scrypt$h4" and ("王小明", NOW + 6, None) in store.list_admins()


def test_an_admin_name_is_one_to_forty_characters_of_any_script(store):
    assert store.add_admin("長" * 40, "h", NOW) is True and store.admin_hash("長" * 40) == "h"
    for bad in ("長" * 41, ""):
        with pytest.raises(DB_ERRORS):
            store.add_admin(bad, "h", NOW)
    assert store.admin_hash("王小明'); DROP TABLE admin_users; --") is None and len(store.list_admins()) == 1


def test_a_review_mark_remembers_who_made_it(store):
    store.set_review(AGENCY, "停車位", "added", NOW, by="王小明")
    store.set_review(AGENCY, "洗車", "not_ours", NOW)  # by nobody in particular (before accounts)
    assert store.review_marks(AGENCY) == {"停車位": ("王小明", NOW), "洗車": (None, NOW)}
    store.set_review(AGENCY, "停車位", "not_ours", NOW + 1, by="Alice Chen")
    assert store.review_marks(AGENCY)["停車位"] == ("Alice Chen", NOW + 1)
    assert store.restore_review(AGENCY, "停車位", "not_ours", "added", NOW + 2, by="王小明") is True
    assert store.review_marks(AGENCY)["停車位"] == ("王小明", NOW + 2)
    store.set_review(AGENCY, "停車位", None, NOW + 3, by="王小明")
    assert store.restore_review(AGENCY, "停車位", None, "added", NOW + 4, by="共用密碼") is True
    assert store.review_marks(AGENCY)["停車位"] == ("共用密碼", NOW + 4) and store.review_marks("sanmin-district") == {}


def test_the_accounts_migration_keeps_the_marks_made_before_it(url, monkeypatch):
    import bot.store.sql

    monkeypatch.setattr(bot.store.sql, "MIGRATIONS", [m for m in MIGRATIONS if m[0] < "0013"])
    old = open_store(url)
    old._run("INSERT INTO unanswered_reviews VALUES (?, ?, ?, ?)", (AGENCY, "停車位", "added", NOW))
    old.close()
    monkeypatch.undo()
    new = open_store(url)
    try:
        assert new.applied[0] == "0013_admin_users"
        assert new.reviews(AGENCY) == {"停車位": "added"} and new.review_marks(AGENCY) == {"停車位": (None, NOW)}
        new.set_review(AGENCY, "停車位", "not_ours", NOW + 1, by="王小明")
        assert new.review_marks(AGENCY) == {"停車位": ("王小明", NOW + 1)}
    finally:
        new.close()


def test_knowledge_edits_are_kept_whole_listed_in_order_and_undone_once(store):
    from bot.core.teach import Change

    assert store.changes() == [] and store.changes_version() == (0, 0)
    before = {"id": "parking", "title": "停車", "questions": ["停車場在哪"], "review_by": "2027-01-01"}
    after = {**before, "questions": ["停車場在哪", "車要停哪裡"]}
    first = store.add_change(Change(0, AGENCY, "parking", "faqs", before, after, "王小明", NOW, "加入 1 個問法"))
    second = store.add_change(Change(0, "sanmin-district", "new-one", "faqs", None, {"id": "new-one"}, "共用密碼",
                                     NOW + 1, "新增項目"))
    assert second > first and store.changes_version() == (2, 0)
    kept = store.changes(AGENCY)
    assert len(kept) == 1 and kept[0].id == first and (kept[0].before, kept[0].after) == (before, after)
    assert (kept[0].who, kept[0].note, kept[0].at, kept[0].active) == ("王小明", "加入 1 個問法", NOW, True)
    assert [c.id for c in store.changes()] == [first, second] and store.changes()[1].before is None
    assert store.undo_change(first, "Alice", NOW + 5) is True
    assert store.undo_change(first, "Bob", NOW + 6) is False  # two supervisors pressing 復原: one wins
    undone = store.changes(AGENCY)[0]
    assert (undone.active, undone.undone_at, undone.undone_by) == (False, NOW + 5, "Alice")
    assert store.changes_version() == (2, 1) and store.undo_change(999, "Alice", NOW) is False
