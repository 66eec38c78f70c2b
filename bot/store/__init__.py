"""Storage behind a small interface: SQLite by default, PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

RATINGS = ("up", "down")
REASONS = ("wrong", "incomplete", "unclear", "other")  # 答非所問 / 資訊不完整 / 看不懂 / 其他


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


class Store(Protocol):
    """What the bot needs from storage. Every method is safe under many workers."""

    def upgrade(self) -> list[str]:
        """Apply the named migrations not applied yet; return their names."""

    def claim_event(self, event_id: str) -> bool:
        """Record a webhook event id; True the first time it is seen (shared by all workers)."""

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

    def get_state(self, user: str, agency: str, now: int) -> dict | None:
        """The unexpired conversation state of a user with an office."""

    def set_state(self, user: str, agency: str, state: dict | None, expires_at: int) -> None:
        """Replace the conversation state (None clears it)."""

    def last_survey_offer(self, user: str, agency: str) -> int | None:
        """When the survey was last offered to this user by this office."""

    def note_survey_offer(self, user: str, agency: str, at: int) -> None:
        """Remember that the survey was offered now."""

    def save_simulated_reply(self, reply_token: str, body: str) -> None:
        """Keep what the bot sent for a simulator event (the simulator page fetches it once)."""

    def pop_simulated_reply(self, reply_token: str) -> str | None:
        """Take a kept simulator reply, or None while it has not arrived."""

    def purge(self, before: int) -> dict[str, int]:
        """Delete records older than `before` (Unix seconds); return the count per table."""

    def close(self) -> None:
        """Release connections."""


def open_store(url: str) -> Store:
    """The store for a DATABASE_URL: `sqlite:////abs/path.db` or `postgresql://…`."""
    if url.startswith("sqlite:///"):
        from bot.store.sqlite import SqliteStore

        return SqliteStore(Path(url[len("sqlite:///"):]))
    if url.startswith(("postgresql://", "postgres://")):
        from bot.store.postgres import PostgresStore

        return PostgresStore(url)
    raise ValueError(f"unsupported DATABASE_URL scheme: {url.split(':', 1)[0]}")
