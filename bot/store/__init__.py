"""Storage behind a small interface; SQLite by default (the only code that touches a database)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class Store(Protocol):
    """What the bot needs from storage."""

    def claim_event(self, event_id: str) -> bool:
        """Record a webhook event id; True the first time it is seen (shared by all workers)."""

    def close(self) -> None:
        """Release connections."""


def open_store(url: str) -> Store:
    """The store for a DATABASE_URL: `sqlite:////abs/path.db` (the default kind)."""
    if url.startswith("sqlite:///"):
        from bot.store.sqlite import SqliteStore

        return SqliteStore(Path(url[len("sqlite:///"):]))
    raise ValueError(f"unsupported DATABASE_URL scheme: {url.split(':', 1)[0]}")
