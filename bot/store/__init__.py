"""Storage behind a small interface: SQLite by default, PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.core.teach import Change


@dataclass(frozen=True)
class Question:
    """A citizen's question (redacted) and what the bot did with it."""

    agency: str
    user: str  # keyed hash of the LINE user id, never the id itself
    text: str
    outcome: str  # answer | clarify | fallback | smalltalk
    entry_id: str | None
    score: float
    at: int  # Unix seconds


@dataclass(frozen=True)
class Rating:
    """👍 or 👎 on one answer; `question_id` links it to the question when it is the rater's own."""

    agency: str
    user: str
    entry_id: str
    rating: str  # up | down
    at: int
    event_id: str
    question_id: int | None = None


@dataclass(frozen=True)
class Survey:
    """One satisfaction survey answer: 1 to 5 stars."""

    agency: str
    user: str
    stars: int
    at: int
    event_id: str


@dataclass(frozen=True)
class Opinion:
    """A short opinion or complaint left through the bot (redacted)."""

    agency: str
    user: str
    text: str
    at: int


class InboxStore(Protocol):
    """The webhook's side: events kept before the 200, leased to workers, deduped."""

    def enqueue(self, agency: str, events: list[tuple[str, str]], lease_until: int, now: int) -> list[int | None]:
        """Keep a delivery's events (id, raw JSON) before the 200; None for a redelivered id."""

    def enqueue_many(self, deliveries: list[tuple[str, list[tuple[str, str]], int, int]]) -> list[list[int | None]]:
        """`enqueue` for several deliveries (agency, events, lease until, now), in one commit."""

    def take(self, limit: int, lease_until: int, now: int) -> list[tuple[int, str, str, int]]:
        """Lease events not done whose lease ran out: (inbox id, agency, raw JSON, received at)."""

    def finish(self, inbox_id: int, now: int) -> None:
        """Mark an event handled."""

    def claim_event(self, event_id: str) -> bool:
        """Record a webhook event id; True the first time it is seen (shared by all workers)."""


class ConversationStore(Protocol):
    """A citizen's conversation: the waiting step and when things were last offered."""

    def get_state(self, user: str, agency: str, now: int) -> dict | None:
        """The unexpired conversation state of a user with an office."""

    def set_state(self, user: str, agency: str, state: dict | None, expires_at: int) -> None:
        """Replace the conversation state (None clears it)."""

    def last_answer_at(self, user: str, agency: str) -> int | None:
        """When the user last got an answer (typed or tapped) from this office."""

    def last_survey_offer(self, user: str, agency: str) -> int | None:
        """When the survey was last offered to this user by this office."""

    def note_survey_offer(self, user: str, agency: str, at: int) -> None:
        """Remember that the survey was offered now."""

    def save_simulated_reply(self, reply_token: str, body: str) -> None:
        """Keep what the bot sent for a simulator event (the simulator page fetches it once)."""

    def pop_simulated_reply(self, reply_token: str) -> str | None:
        """Take a kept simulator reply, or None while it has not arrived."""


class FeedbackStore(Protocol):
    """What citizens leave: questions, ratings, survey answers, opinions and their comments."""

    def add_question(self, question: Question) -> int:
        """Keep a question; return its id."""

    def add_rating(self, rating: Rating) -> int | None:
        """Keep a rating; None when its event was already kept."""

    def add_survey(self, survey: Survey) -> int | None:
        """Keep a survey answer; None when its event was already kept."""

    def add_opinion(self, opinion: Opinion) -> str:
        """Keep an opinion; return the reference number the citizen can quote."""

    def annotate(self, kind: str, record_id: int, user: str, reason: str | None = None,
                 comment: str | None = None) -> bool:
        """Add the reason or comment to the user's own rating ("rating") or survey ("survey")."""


class ReviewStore(Protocol):
    """What supervisors read and mark, and who may: records, reviews, dashboard sessions and logins."""

    def records(self, kind: str, agency: str | None = None, since: int | None = None,
                until: int | None = None) -> list[dict]:
        """Rows of "questions", "ratings", "surveys", "opinions" or "survey_offers", oldest first."""

    def set_review(self, agency: str, question_key: str, status: str | None, at: int, by: str | None = None) -> None:
        """Mark an unanswered question "added" (to the knowledge) or "not_ours", by whom; None reopens it."""

    def reviews(self, agency: str) -> dict[str, str]:
        """The handled unanswered questions of an office: question key → status."""

    def review_marks(self, agency: str) -> dict[str, tuple[str | None, int]]:
        """Who marked each handled question of an office, and when: question key → (name or None, at)."""

    def restore_review(self, agency: str, question_key: str, expected: str | None, previous: str | None,
                       at: int, by: str | None = None) -> bool:
        """Undo a mark: put back `previous` only while the status is still `expected`; False otherwise."""

    def revoke_session(self, sid: str, until: int) -> None:
        """Remember a logged-out dashboard session until `until`."""

    def session_revoked(self, sid: str) -> bool:
        """Whether a dashboard session was logged out."""

    def login_failures(self, address: str, since: int) -> list[int]:
        """When the client (a keyed hash of its address) failed to log in since `since`."""

    def add_login_failure(self, address: str, at: int, forget_before: int) -> None:
        """Count a failed login; drop every failure older than `forget_before`."""

    def clear_login_failures(self, address: str) -> None:
        """Forget the client's failures."""


class AdminStore(Protocol):
    """The dashboard's named accounts; the password is only ever stored hashed (bot/review/passwords.py)."""

    def add_admin(self, name: str, password_hash: str, now: int) -> bool:
        """Create an account, or enable a disabled one again with a new password; False when it is in use."""

    def admin_hash(self, name: str) -> str | None:
        """The password hash of an enabled account; None for a disabled or unknown name."""

    def disable_admin(self, name: str, now: int) -> bool:
        """Disable an account (its sessions end at their next request); False when none was enabled."""

    def list_admins(self) -> list[tuple[str, int, int | None]]:
        """Every account as (name, created at, disabled at or None), by name."""

    def has_admins(self) -> bool:
        """Whether at least one account is enabled (the dashboard is then on without ADMIN_TOKEN)."""


class KnowledgeStore(Protocol):
    """Knowledge edits made in the dashboard (bot/core/teach.py lays them over the files)."""

    def add_change(self, change: Change) -> int:
        """Keep an edit (its id is assigned here); the new id."""

    def changes(self, agency: str | None = None) -> list[Change]:
        """Every edit, undone ones too, oldest first; of one office when given."""

    def undo_change(self, change_id: int, who: str, now: int) -> bool:
        """Mark an edit undone; False when it already was (or does not exist)."""

    def changes_version(self) -> tuple[int, int]:
        """(edits, undone edits): changes whenever any edit is made or undone, cheap enough to poll."""


class MaintenanceStore(Protocol):
    """Keeping the database: migrations, retention, demo data."""

    def upgrade(self) -> list[str]:
        """Apply the named migrations not applied yet; return their names."""

    def purge(self, before: int) -> dict[str, int]:
        """Delete records older than `before` (Unix seconds); return the count per table."""

    def count_records(self, user_prefix: str, matching: bool) -> int:
        """How many records belong (matching) or do not belong to users whose hash has this prefix."""

    def delete_records(self, user_prefix: str) -> dict[str, int]:
        """Delete the records of users whose hash has this prefix (demo data); counts per table."""

    def close(self) -> None:
        """Release connections."""


class Store(InboxStore, ConversationStore, FeedbackStore, ReviewStore, AdminStore, KnowledgeStore,
            MaintenanceStore, Protocol):
    """Everything the bot needs from storage, by role; every method is safe under many workers.
    Code that needs one role asks for that role's protocol."""


def open_store(url: str, timeout: float | None = None) -> Store:
    """The store for a DATABASE_URL: `sqlite:////abs/path.db` or `postgresql://…`; `timeout`
    (DATABASE_TIMEOUT) is how long a PostgreSQL call waits for a pooled connection (its default if None)."""
    if url.startswith("sqlite:///"):
        from bot.store.sqlite import SqliteStore

        return SqliteStore(Path(url[len("sqlite:///"):]))
    if url.startswith(("postgresql://", "postgres://")):
        from bot.store.postgres import POOL_TIMEOUT, PostgresStore

        return PostgresStore(url, POOL_TIMEOUT if timeout is None else timeout)
    raise ValueError(f"unsupported DATABASE_URL scheme: {url.split(':', 1)[0]}")


class Deferred:
    """Stands in for a store that could not be opened at start: every call tries again (at most every
    `retry` seconds) and raises while the database is still down, so the bot starts and answers."""

    def __init__(self, url: str, retry: float = 5.0, timeout: float | None = None):
        self.url, self.retry, self.timeout = url, retry, timeout
        self._store: Store | None = None
        self._tried = time.monotonic()

    def _open(self) -> Store:
        if self._store is None:
            if time.monotonic() - self._tried < self.retry:
                raise ConnectionError("database still unavailable")
            self._tried = time.monotonic()
            self._store = open_store(self.url, self.timeout)
        return self._store

    def __getattr__(self, name: str):
        def call(*args, **kwargs):
            return getattr(self._open(), name)(*args, **kwargs)
        return call
