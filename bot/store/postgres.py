"""PostgreSQL store: the shared SQL over a per-process psycopg connection pool."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import threading

import psycopg
from psycopg_pool import ConnectionPool

from bot.store.sql import SqlStore

CONNECT_TIMEOUT = 3  # seconds to reach the server; an unreachable one fails fast instead of hanging a worker
POOL_TIMEOUT = 3.0  # DATABASE_TIMEOUT by default: seconds a call waits for a pooled connection (server down: then fails)
MIN_CONNECTIONS, MAX_CONNECTIONS = 1, 8
MIGRATION_LOCK = 0x6C696E65_6465736B  # pg_advisory_xact_lock key ("linedesk"), shared by every worker
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[?%]")


@functools.lru_cache(maxsize=256)
def to_pyformat(sql: str) -> str:
    """Rewrite `?` placeholders as psycopg's `%s`, doubling literal `%`; quoted text keeps its `?`."""
    def token(match: re.Match) -> str:
        text = match.group(0)
        # psycopg reads `%` everywhere, inside quotes too, so every literal `%` is escaped.
        return "%s" if text == "?" else text.replace("%", "%%")

    return _TOKEN.sub(token, sql)


class Result:
    """What `_run` returns: rows fetched before the connection went back to the pool, and the row count."""

    def __init__(self, cursor: psycopg.Cursor):
        self.rowcount = cursor.rowcount
        self.description = cursor.description
        self._rows = iter(cursor.fetchall() if cursor.description is not None else [])

    def fetchone(self) -> tuple | None:
        """The next row, or None when there are no more (as a DB-API cursor)."""
        return next(self._rows, None)

    def fetchall(self) -> list[tuple]:
        """The rows not fetched yet."""
        return list(self._rows)


def _execute(conn: psycopg.Connection, sql: str, params: tuple = ()) -> Result:
    # params is always a tuple, never None, so psycopg always parses the query and `%%` means `%`.
    return Result(conn.execute(to_pyformat(sql), tuple(params)))


class PostgresStore(SqlStore):
    """The store for several servers or many workers; every statement commits on its own, as with SQLite."""

    dialect = "postgresql"

    def __init__(self, url: str, timeout: float = POOL_TIMEOUT):
        self.url = url
        self.timeout = timeout  # how long a call waits for a connection from the pool
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._pool: ConnectionPool | None = None
        self.applied = self.upgrade()  # what opening migrated (db upgrade reports it)

    def _this_process_pool(self) -> ConnectionPool:
        """This process's pool, opened on first use."""
        if self._pid != os.getpid():
            # A gunicorn worker forked after the pool was opened: the parent's sockets and pool threads are
            # not ours to use or close (psycopg never closes a connection another process opened), so start
            # afresh. A new fork runs one thread, and the parent's lock may have been held at fork time.
            self._pid, self._lock, self._pool = os.getpid(), threading.Lock(), None
        with self._lock:
            if self._pool is None:
                # A direct first connection raises psycopg's own error (refused, timed out, bad password)
                # within CONNECT_TIMEOUT, where the pool would only say "timed out" after its timeout.
                psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT).close()
                pool = ConnectionPool(
                    self.url, min_size=MIN_CONNECTIONS, max_size=MAX_CONNECTIONS, timeout=self.timeout,
                    kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT},
                    # One cheap round trip per checkout, so a restarted server costs no failed event.
                    check=ConnectionPool.check_connection, name="line-service-desk", open=False)
                try:
                    pool.open(wait=True, timeout=self.timeout)
                except BaseException:
                    pool.close()
                    raise
                self._pool = pool
            return self._pool

    def _run(self, sql: str, params: tuple = ()) -> Result:
        # The rows are read before the connection goes back to the pool, where another thread may take it.
        with self._this_process_pool().connection() as conn:
            return _execute(conn, sql, params)

    @contextlib.contextmanager
    def _atomic(self):
        with self._this_process_pool().connection() as conn, conn.transaction():
            yield functools.partial(_execute, conn)

    @contextlib.contextmanager
    def _transaction(self):
        # The advisory lock is held until commit, so workers starting together apply each migration once.
        with self._atomic() as run:
            run(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            yield run

    def close(self) -> None:
        """Close this process's pool; a later call opens a new one."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None and self._pid == os.getpid():
            pool.close()
