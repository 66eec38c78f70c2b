"""SQLite store: one file shared by every gunicorn worker (WAL, busy timeout)."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from pathlib import Path

from bot.store.sql import SqlStore

ENQUEUE_BUSY_MS = 1500  # the longest a webhook waits for SQLite's write lock before it answers from memory


def _to_wal(conn: sqlite3.Connection, busy_ms: int) -> None:
    """Switch a new file to WAL (persistent: later connections find it done). The switch needs the
    file to itself and SQLite does not wait for that: workers opening a new file together got
    "database is locked" at once (the flaky start of 1 in 25 runs). Retry within the busy time."""
    deadline = time.monotonic() + busy_ms / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class SqliteStore(SqlStore):
    """The default store; a connection per thread, writes serialised by SQLite itself."""

    dialect = "sqlite"

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.applied = self.upgrade()  # what opening migrated (db upgrade reports it)

    def backup(self, target: Path) -> None:
        """A consistent copy of the database while the server keeps running (SQLite's online backup)."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        with sqlite3.connect(partial) as copy:
            self._conn().backup(copy)
        copy.close()
        partial.replace(target)  # never half a backup under the final name

    def _conn(self, busy_ms: int = 10000) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # isolation_level=None: autocommit; every statement is its own transaction.
            conn = sqlite3.connect(self.path, timeout=busy_ms / 1000, isolation_level=None)
            _to_wal(conn, busy_ms)
            conn.execute(f"PRAGMA busy_timeout={busy_ms}")
            # In WAL mode NORMAL never corrupts the file; a power cut may lose the last commits. It
            # saves one disk sync per write, which held the workers waiting on each other.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    def _run(self, sql: str, params: tuple = ()):
        try:
            return self._conn().execute(sql, params)
        except sqlite3.OperationalError as exc:
            self._drop_if_stuck(exc)
            raise

    def _drop_if_stuck(self, exc: sqlite3.OperationalError) -> None:
        if "locked" not in str(exc) and "busy" not in str(exc):
            # A connection that met a read-only or missing file stays that way: drop it, so the
            # next call opens the file again and the store recovers once the fault clears.
            self.close()

    def enqueue_many(self, deliveries: list[tuple[str, list[tuple[str, str]], int, int]]) -> list[list[int | None]]:
        """As SqlStore.enqueue_many, synced to disk before it returns: LINE gets its 200 after this, and an
        acknowledged event must survive a power cut too, not only a crash (other writes stay NORMAL)."""
        # LINE's 200 must not wait long on a locked file: after ENQUEUE_BUSY_MS the events are
        # answered from memory (webhook._accept) instead of waiting for the lock.
        conn = self._conn(ENQUEUE_BUSY_MS)
        if not getattr(self._local, "full", False):
            conn.execute("PRAGMA synchronous=FULL")  # this thread's connection takes the webhook's writes
            conn.execute(f"PRAGMA busy_timeout={ENQUEUE_BUSY_MS}")
            self._local.full = True
        return super().enqueue_many(deliveries)

    @contextlib.contextmanager
    def _atomic(self):
        # BEGIN IMMEDIATE takes the write lock first: two workers never apply one migration twice, and
        # a delivery's inbox rows are written under one wait for the lock.
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn.execute
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as exc:
            self._drop_if_stuck(exc)
            raise

    _transaction = _atomic  # SQLite's write lock is the migration lock

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
            self._local.full = False
