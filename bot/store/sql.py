"""The SQL both stores share: written once with `?` placeholders, run by a dialect subclass."""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.teach import Change
from bot.store import Opinion, Question, Rating, Survey
from bot.store.migrations import MIGRATIONS, sql_for

TAIPEI = ZoneInfo("Asia/Taipei")
EVENT_MEMORY = 7 * 86400  # event ids older than this are forgotten by purge: LINE has long stopped redelivering
RECORDS = {  # kind -> (table, time column)
    "questions": ("questions", "asked_at"), "ratings": ("answer_ratings", "rated_at"),
    "surveys": ("survey_ratings", "rated_at"), "opinions": ("opinions", "created_at"),
    "survey_offers": ("survey_offers", "offered_at"),
}
# Named columns: 0013 added reviewed_by, so a positional VALUES would no longer fit the table.
REVIEW_INSERT = ("INSERT INTO unanswered_reviews (agency, question_key, status, reviewed_at, reviewed_by)"
                 " VALUES (?, ?, ?, ?, ?)")
PERSONAL_TABLES = (("answer_ratings", "rated_at"), ("survey_ratings", "rated_at"), ("opinions", "created_at"),
                   ("questions", "asked_at"), ("survey_offers", "offered_at"))


class SqlStore:
    """Every Store method, over `_run` (one autocommitted statement) and `_transaction` (migrations)."""

    dialect = ""

    def _run(self, sql: str, params: tuple = ()):
        """Execute one statement in its own transaction; return the cursor."""
        raise NotImplementedError

    @contextlib.contextmanager
    def _transaction(self):
        """A transaction that holds the migration lock; yields a function like `_run`."""
        raise NotImplementedError
        yield

    @contextlib.contextmanager
    def _atomic(self):
        """A plain transaction (no migration lock); yields a function like `_run`."""
        raise NotImplementedError
        yield

    def upgrade(self) -> list[str]:
        """Apply the named migrations not applied yet, each in a transaction; return their names."""
        # Under the migration lock too: PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe against itself.
        with self._transaction() as run:
            run("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT)")
        applied = []
        for name, sql in MIGRATIONS:
            with self._transaction() as run:
                if run("SELECT 1 FROM schema_migrations WHERE name = ?", (name,)).fetchone():
                    continue
                for statement in sql_for(self.dialect, sql):
                    run(statement)
                run("INSERT INTO schema_migrations VALUES (?, ?)", (name, int(time.time())))
                applied.append(name)
        return applied

    def claim_event(self, event_id: str) -> bool:
        """Insert the id unless present; the row count says who was first."""
        cur = self._run("INSERT INTO processed_events VALUES (?, ?) ON CONFLICT DO NOTHING",
                        (event_id, int(time.time())))
        return cur.rowcount == 1

    def enqueue(self, agency: str, events: list[tuple[str, str]], lease_until: int, now: int) -> list[int | None]:
        """Keep each (event id, raw JSON) of a delivery before it is acknowledged; an id already
        kept (LINE redelivered it) gets None. Leased until `lease_until` by the caller."""
        return self.enqueue_many([(agency, events, lease_until, now)])[0]

    def enqueue_many(self, deliveries: list[tuple[str, list[tuple[str, str]], int, int]]) -> list[list[int | None]]:
        """`enqueue` for several deliveries (agency, events, lease until, now) in one transaction."""
        # One transaction, so one commit (one disk sync) for them all: a hundred commits of a batched
        # delivery outlived the 200's wait on a busy disk, and the events were then only in memory.
        with self._atomic() as run:
            return [[row[0] if row else None for row in (
                run("INSERT INTO inbox (agency, event_id, body, received_at, lease_until) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (event_id) DO NOTHING RETURNING id",
                    (agency, event_id, body, now, lease_until)).fetchone()
                for event_id, body in events)] for agency, events, lease_until, now in deliveries]

    def take(self, limit: int, lease_until: int, now: int) -> list[tuple[int, str, str, int]]:
        """Lease up to `limit` events that are not done and whose lease ran out (their worker died,
        or nobody took them): (inbox id, agency, raw JSON, received at). Two takers never lease
        the same row."""
        rows = self._run("SELECT id, agency, body, received_at FROM inbox WHERE done_at IS NULL AND lease_until < ?"
                         " ORDER BY id LIMIT ?", (now, limit)).fetchall()
        taken = []
        for inbox_id, agency, body, received_at in rows:
            claimed = self._run("UPDATE inbox SET lease_until = ?, attempts = attempts + 1"
                                " WHERE id = ? AND done_at IS NULL AND lease_until < ?", (lease_until, inbox_id, now))
            if claimed.rowcount == 1:
                taken.append((inbox_id, agency, body, received_at))
        return taken

    def finish(self, inbox_id: int, now: int) -> None:
        """Mark an event handled and forget its body (only the id stays, to recognise redeliveries)."""
        self._run("UPDATE inbox SET done_at = ?, body = '' WHERE id = ?", (now, inbox_id))

    def revoke_session(self, sid: str, until: int) -> None:
        """Remember a logged-out dashboard session until its cookie would have expired anyway."""
        self._run("INSERT INTO admin_revoked_sessions VALUES (?, ?) ON CONFLICT DO NOTHING", (sid, until))

    def session_revoked(self, sid: str) -> bool:
        """Whether a dashboard session was logged out."""
        return self._run("SELECT 1 FROM admin_revoked_sessions WHERE sid = ?", (sid,)).fetchone() is not None

    def login_failures(self, address: str, since: int) -> list[int]:
        """When the client failed to log in since `since`, oldest first."""
        return [row[0] for row in self._run(
            "SELECT at FROM admin_login_failures WHERE address = ? AND at > ? ORDER BY at", (address, since)).fetchall()]

    def add_login_failure(self, address: str, at: int, forget_before: int) -> None:
        """Count a failed login; failures older than `forget_before` (any client) are dropped."""
        self._run("DELETE FROM admin_login_failures WHERE at < ?", (forget_before,))
        self._run("INSERT INTO admin_login_failures VALUES (?, ?)", (address, at))

    def clear_login_failures(self, address: str) -> None:
        """A correct login clears the client's failures."""
        self._run("DELETE FROM admin_login_failures WHERE address = ?", (address,))

    def add_question(self, q: Question) -> int:
        """Insert a question."""
        return self._run(
            "INSERT INTO questions (agency, user_hash, asked_at, text, outcome, entry_id, score)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (q.agency, q.user, q.at, q.text, q.outcome, q.entry_id, q.score)).fetchone()[0]

    def add_rating(self, r: Rating) -> int | None:
        """Insert a rating; the question link is kept only when the question is the rater's own."""
        row = self._run(
            "INSERT INTO answer_ratings (agency, user_hash, rated_at, entry_id, rating, question_id, event_id)"
            " VALUES (?, ?, ?, ?, ?, (SELECT id FROM questions WHERE id = ? AND user_hash = ?), ?)"
            " ON CONFLICT (event_id) DO NOTHING RETURNING id",
            (r.agency, r.user, r.at, r.entry_id, r.rating, r.question_id, r.user, r.event_id)).fetchone()
        return row[0] if row else None

    def add_survey(self, s: Survey) -> int | None:
        """Insert a survey answer."""
        row = self._run(
            "INSERT INTO survey_ratings (agency, user_hash, rated_at, stars, event_id) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (event_id) DO NOTHING RETURNING id",
            (s.agency, s.user, s.at, s.stars, s.event_id)).fetchone()
        return row[0] if row else None

    def add_opinion(self, o: Opinion) -> str:
        """Insert an opinion under a new reference: the Taipei date and four digits (20261123-0427)."""
        day = datetime.fromtimestamp(o.at, TAIPEI).strftime("%Y%m%d")
        for _ in range(50):
            reference = f"{day}-{secrets.randbelow(10000):04d}"
            row = self._run("INSERT INTO opinions (agency, user_hash, created_at, reference, text)"
                            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (reference) DO NOTHING RETURNING id",
                            (o.agency, o.user, o.at, reference, o.text)).fetchone()
            if row:
                return reference
        raise RuntimeError("no free opinion reference today")

    def annotate(self, kind: str, record_id: int, user: str, reason: str | None = None,
                 comment: str | None = None) -> bool:
        """Set the reason and/or comment of the user's own rating or survey answer."""
        if kind == "rating":
            sql = ("UPDATE answer_ratings SET reason = COALESCE(?, reason), comment = COALESCE(?, comment)"
                   " WHERE id = ? AND user_hash = ?")
            params = (reason, comment, record_id, user)
        elif kind == "survey":
            sql = "UPDATE survey_ratings SET comment = COALESCE(?, comment) WHERE id = ? AND user_hash = ?"
            params = (comment, record_id, user)
        else:
            raise ValueError(f"unknown record kind: {kind}")
        return self._run(sql, params).rowcount == 1

    def get_state(self, user: str, agency: str, now: int) -> dict | None:
        """The state unless it expired."""
        row = self._run("SELECT state FROM conversation_state WHERE user_hash = ? AND agency = ? AND expires_at > ?",
                        (user, agency, now)).fetchone()
        return json.loads(row[0]) if row else None

    def set_state(self, user: str, agency: str, state: dict | None, expires_at: int) -> None:
        """Upsert, or delete when the state is None."""
        if state is None:
            self._run("DELETE FROM conversation_state WHERE user_hash = ? AND agency = ?", (user, agency))
            return
        self._run("INSERT INTO conversation_state VALUES (?, ?, ?, ?) ON CONFLICT (user_hash, agency)"
                  " DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at",
                  (user, agency, json.dumps(state, ensure_ascii=False), expires_at))

    def last_answer_at(self, user: str, agency: str) -> int | None:
        """When the user last got an answer from this office."""
        row = self._run("SELECT MAX(asked_at) FROM questions WHERE user_hash = ? AND agency = ? AND outcome IN"
                        " ('answer', 'choice')", (user, agency)).fetchone()
        return row[0] if row else None

    def last_survey_offer(self, user: str, agency: str) -> int | None:
        """The time of the last offer, if any."""
        row = self._run("SELECT MAX(offered_at) FROM survey_offers WHERE user_hash = ? AND agency = ?",
                        (user, agency)).fetchone()
        return row[0] if row else None

    def note_survey_offer(self, user: str, agency: str, at: int) -> None:
        """Log the offer (every offer is kept: the report's response rate counts them)."""
        self._run("INSERT INTO survey_offers (user_hash, agency, offered_at) VALUES (?, ?, ?)", (user, agency, at))

    def records(self, kind: str, agency: str | None = None, since: int | None = None,
                until: int | None = None) -> list[dict]:
        """The rows of one kind of record, oldest first, optionally for one office and [since, until)."""
        table, column = RECORDS[kind]
        where, params = ["1 = 1"], []
        for clause, value in (("agency = ?", agency), (f"{column} >= ?", since), (f"{column} < ?", until)):
            if value is not None:
                where.append(clause)
                params.append(value)
        cur = self._run(f"SELECT * FROM {table} WHERE {' AND '.join(where)} ORDER BY {column}, id", tuple(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def set_review(self, agency: str, question_key: str, status: str | None, at: int, by: str | None = None) -> None:
        """Mark an unanswered question as handled ("added" / "not_ours") by `by`, or back to open (None)."""
        if status is None:
            self._run("DELETE FROM unanswered_reviews WHERE agency = ? AND question_key = ?", (agency, question_key))
            return
        self._run(f"{REVIEW_INSERT} ON CONFLICT (agency, question_key) DO UPDATE SET status = excluded.status,"
                  " reviewed_at = excluded.reviewed_at, reviewed_by = excluded.reviewed_by",
                  (agency, question_key, status, at, by))

    def reviews(self, agency: str) -> dict[str, str]:
        """question key → status of the handled unanswered questions of an office."""
        return dict(self._run("SELECT question_key, status FROM unanswered_reviews WHERE agency = ?",
                              (agency,)).fetchall())

    def review_marks(self, agency: str) -> dict[str, tuple[str | None, int]]:
        """question key → (who marked it, when); marks from before named accounts have no name."""
        rows = self._run("SELECT question_key, reviewed_by, reviewed_at FROM unanswered_reviews WHERE agency = ?",
                         (agency,)).fetchall()
        return {key: (by, at) for key, by, at in rows}

    def restore_review(self, agency: str, question_key: str, expected: str | None, previous: str | None,
                       at: int, by: str | None = None) -> bool:
        """Put back the status a mark replaced, in one conditional statement: a colleague's later
        mark (the status is no longer `expected`) is never overwritten by an undo."""
        where, params = "agency = ? AND question_key = ? AND status = ?", (agency, question_key, expected)
        if expected == previous:  # the mark changed nothing, so neither does its undo
            return self.reviews(agency).get(question_key) == expected
        if expected is None:  # undoing a reopen: only if nobody marked it since
            sql = f"{REVIEW_INSERT} ON CONFLICT (agency, question_key) DO NOTHING"
            return self._run(sql, (agency, question_key, previous, at, by)).rowcount == 1
        if previous is None:  # undoing a first mark: back to open
            return self._run(f"DELETE FROM unanswered_reviews WHERE {where}", params).rowcount == 1
        return self._run(f"UPDATE unanswered_reviews SET status = ?, reviewed_at = ?, reviewed_by = ? WHERE {where}",
                         (previous, at, by, *params)).rowcount == 1

    def add_admin(self, name: str, password_hash: str, now: int) -> bool:
        """Insert the account; a disabled one of that name is enabled again with the new hash (and date)."""
        return self._run(
            "INSERT INTO admin_users (name, password_hash, created_at) VALUES (?, ?, ?) ON CONFLICT (name)"
            " DO UPDATE SET password_hash = excluded.password_hash, created_at = excluded.created_at,"
            " disabled_at = NULL WHERE admin_users.disabled_at IS NOT NULL", (name, password_hash, now)).rowcount == 1

    def admin_hash(self, name: str) -> str | None:
        """One primary-key lookup: the dashboard asks it on every request of a named session."""
        row = self._run("SELECT password_hash FROM admin_users WHERE name = ? AND disabled_at IS NULL",
                        (name,)).fetchone()
        return row[0] if row else None

    def disable_admin(self, name: str, now: int) -> bool:
        """Set disabled_at of an enabled account."""
        return self._run("UPDATE admin_users SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL",
                         (now, name)).rowcount == 1

    def list_admins(self) -> list[tuple[str, int, int | None]]:
        """(name, created_at, disabled_at) of every account, by name (sorted here: databases collate apart)."""
        rows = self._run("SELECT name, created_at, disabled_at FROM admin_users").fetchall()
        return sorted(tuple(row) for row in rows)

    def has_admins(self) -> bool:
        """Whether an enabled account exists."""
        return self._run("SELECT 1 FROM admin_users WHERE disabled_at IS NULL LIMIT 1").fetchone() is not None

    def add_change(self, change: Change) -> int:
        """Insert the edit; entries as JSON text (the same on both databases)."""
        before, after = (None if e is None else json.dumps(e, ensure_ascii=False, default=str)
                         for e in (change.before, change.after))
        return self._run(
            "INSERT INTO knowledge_changes (agency, entry_id, section, before_json, after_json, who, note, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (change.agency, change.entry_id, change.section, before, after, change.who, change.note,
             change.at)).fetchone()[0]

    def changes(self, agency: str | None = None) -> list[Change]:
        """Every edit, oldest first."""
        where, params = ("WHERE agency = ?", (agency,)) if agency else ("", ())
        rows = self._run("SELECT id, agency, entry_id, section, before_json, after_json, who, at, note, undone_at,"
                         f" undone_by FROM knowledge_changes {where} ORDER BY id", params).fetchall()
        return [Change(row[0], row[1], row[2], row[3], None if row[4] is None else json.loads(row[4]),
                       json.loads(row[5]), row[6], row[7], row[8], row[9], row[10] or "") for row in rows]

    def undo_change(self, change_id: int, who: str, now: int) -> bool:
        """Set undone_at of an edit not undone yet (two supervisors pressing 復原 at once: one wins)."""
        return self._run("UPDATE knowledge_changes SET undone_at = ?, undone_by = ? WHERE id = ? AND undone_at IS NULL",
                         (now, who, change_id)).rowcount == 1

    def changes_version(self) -> tuple[int, int]:
        """Edits and undone edits, counted: edits are never deleted, so any edit or undo changes it."""
        row = self._run("SELECT COUNT(*), COUNT(undone_at) FROM knowledge_changes").fetchone()
        return int(row[0]), int(row[1])

    def count_records(self, user_prefix: str, matching: bool) -> int:
        """Records (questions, ratings, surveys, opinions) whose user hash does / does not start with the prefix."""
        op = "LIKE" if matching else "NOT LIKE"
        return sum(self._run(f"SELECT COUNT(*) FROM {table} WHERE user_hash {op} ?", (user_prefix + "%",)).fetchone()[0]
                   for table, _ in PERSONAL_TABLES[:4])

    def delete_records(self, user_prefix: str) -> dict[str, int]:
        """Delete the records of users whose hash starts with the prefix (the demo data); counts per table."""
        return {table: self._run(f"DELETE FROM {table} WHERE user_hash LIKE ?", (user_prefix + "%",)).rowcount
                for table, _ in PERSONAL_TABLES}

    def save_simulated_reply(self, reply_token: str, body: str) -> None:
        """Insert the reply; replies nobody fetched within an hour are dropped."""
        now = int(time.time())
        self._run("DELETE FROM simulated_replies WHERE created_at < ?", (now - 3600,))
        self._run("INSERT INTO simulated_replies VALUES (?, ?, ?) ON CONFLICT (reply_token)"
                  " DO UPDATE SET body = excluded.body", (reply_token, body, now))

    def pop_simulated_reply(self, reply_token: str) -> str | None:
        """Delete and return in one statement, so two pollers never both get it."""
        row = self._run("DELETE FROM simulated_replies WHERE reply_token = ? RETURNING body",
                        (reply_token,)).fetchone()
        return row[0] if row else None

    def purge(self, before: int) -> dict[str, int]:
        """Delete personal records older than `before`, expired states and old event ids."""
        now = int(time.time())
        counts = {table: self._run(f"DELETE FROM {table} WHERE {column} < ?", (before,)).rowcount
                  for table, column in PERSONAL_TABLES}
        counts["conversation_state"] = self._run("DELETE FROM conversation_state WHERE expires_at <= ?",
                                                 (now,)).rowcount
        counts["processed_events"] = self._run("DELETE FROM processed_events WHERE received_at < ?",
                                               (max(before, now - EVENT_MEMORY),)).rowcount
        counts["admin_revoked_sessions"] = self._run("DELETE FROM admin_revoked_sessions WHERE until < ?",
                                                     (now,)).rowcount
        counts["inbox"] = self._run("DELETE FROM inbox WHERE done_at IS NOT NULL AND received_at < ?",
                                    (max(before, now - EVENT_MEMORY),)).rowcount
        return counts
