"""SQLite store: one file shared by every gunicorn worker (WAL, busy timeout)."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path

from bot.store.sql import SqlStore


class SqliteStore(SqlStore):
    """The default store; a connection per thread, writes serialised by SQLite itself."""

    dialect = "sqlite"

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.applied = self.upgrade()  # what opening migrated (db upgrade reports it)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # isolation_level=None: autocommit; every statement is its own transaction.
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=10000")
            # In WAL mode NORMAL never corrupts the file; a power cut may lose the last commits. It
            # saves one disk sync per write, which held the workers waiting on each other.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    def _run(self, sql: str, params: tuple = ()):
        return self._conn().execute(sql, params)

    @contextlib.contextmanager
    def _transaction(self):
        # BEGIN IMMEDIATE takes the write lock first, so two workers never apply one migration twice.
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn.execute
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
