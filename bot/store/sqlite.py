"""SQLite store: one file shared by every gunicorn worker (WAL, busy timeout)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from bot.store.migrations import MIGRATIONS


class SqliteStore:
    """The default store; a connection per thread, writes serialised by SQLite itself."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.upgrade()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # isolation_level=None: autocommit; every statement is its own transaction.
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=10000")
            self._local.conn = conn
        return conn

    def upgrade(self) -> list[str]:
        """Apply the migrations not applied yet; return their names."""
        conn = self._conn()
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER)")
        done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
        applied = []
        for name, sql in MIGRATIONS:
            if name in done:
                continue
            conn.execute("BEGIN IMMEDIATE")
            try:
                if not conn.execute("SELECT 1 FROM schema_migrations WHERE name = ?", (name,)).fetchone():
                    conn.execute(sql)
                    conn.execute("INSERT INTO schema_migrations VALUES (?, ?)", (name, int(time.time())))
                    applied.append(name)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return applied

    def claim_event(self, event_id: str) -> bool:
        """Insert the id unless present; the row count says who was first."""
        cur = self._conn().execute("INSERT OR IGNORE INTO processed_events VALUES (?, ?)",
                                   (event_id, int(time.time())))
        return cur.rowcount == 1

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
