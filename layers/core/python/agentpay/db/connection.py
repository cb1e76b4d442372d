"""The per-process connection source.

In Lambda: one lazily opened connection per execution environment, checked at the start of
each use and reopened when broken (RDS Proxy multiplexes; a pool per container would only
pin more backends). On a long-running server (the dev stack): a small pool.
Connections are autocommit; writes run inside explicit `conn.transaction()` blocks owned
by the caller. `prepare_threshold=None` because server-side prepared statements do not
survive RDS Proxy multiplexing; no session-level SET anywhere.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row

logger = logging.getLogger(__name__)

CONNECT_KWARGS = {"autocommit": True, "prepare_threshold": None, "row_factory": dict_row}


_REGISTERED = "_agentpay_vector_registered"


def configure_connection(conn: psycopg.Connection) -> None:
    """Register pgvector's types once the extension exists (it does after migration).

    A connection opened before the first migration retries on its next use.
    """
    if getattr(conn, _REGISTERED, False):
        return
    from pgvector.psycopg import register_vector

    try:
        register_vector(conn)
        setattr(conn, _REGISTERED, True)
    except psycopg.ProgrammingError:
        logger.debug("vector extension not installed yet; skipping type registration")


def open_connection(url: str, connect_timeout: int = 10) -> psycopg.Connection:
    conn = psycopg.connect(url, connect_timeout=connect_timeout, **CONNECT_KWARGS)
    configure_connection(conn)
    return conn


class ConnectionInUse(RuntimeError):
    """The one-connection source was asked for its connection by the thread holding it."""


class _SingleConnection:
    """One connection per Lambda execution environment, checked before use.

    The check is a ``SELECT 1`` only when the connection has been idle for ``ping_after``
    seconds (when RDS Proxy or the network may have dropped it); within a burst of
    invocations it would cost every request a round trip for nothing. A connection that
    fails mid-request is marked broken by psycopg and reopened on the next use.

    The lock is not re-entrant: asking for the connection again on the thread that holds
    it (a callback inside a transaction opening its own) would wait for itself until the
    function times out. That is refused at once with :class:`ConnectionInUse` instead.
    """

    def __init__(self, url: str, ping_after: float = 5.0) -> None:
        self._url = url
        self._ping_after = ping_after
        self._conn: psycopg.Connection | None = None
        self._last_ok = 0.0
        self._lock = threading.Lock()
        self._owner: int | None = None

    def _healthy(self) -> bool:
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            return False
        if time.monotonic() - self._last_ok < self._ping_after:
            return True
        try:
            conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            return False

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        if self._owner == threading.get_ident():
            raise ConnectionInUse("the Lambda database connection is already in use on this "
                                  "thread; finish that transaction first")
        with self._lock:
            self._owner = threading.get_ident()
            try:
                if not self._healthy():
                    if self._conn is not None:
                        logger.info("database connection broken; reopening")
                        self._conn.close()
                    self._conn = open_connection(self._url)
                try:
                    yield self._conn
                finally:
                    if not (self._conn.closed or self._conn.broken):
                        self._last_ok = time.monotonic()
            finally:
                self._owner = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class _Pool:
    def __init__(self, url: str, max_size: int) -> None:
        from psycopg_pool import ConnectionPool

        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            kwargs=dict(CONNECT_KWARGS),
            configure=configure_connection,
            check=ConnectionPool.check_connection,
            open=True,
        )

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        with self._pool.connection() as conn:
            yield conn

    def close(self) -> None:
        self._pool.close()


class Database:
    """Hands out connections; `transaction()` is the unit of work for writes."""

    def __init__(self, url: str, *, single: bool = False, max_size: int = 10,
                 ping_after: float = 5.0) -> None:
        self.url = url
        self._source = _SingleConnection(url, ping_after) if single else _Pool(url, max_size)

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        with self._source.connection() as conn:
            configure_connection(conn)
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        with self.connection() as conn, conn.transaction():
            yield conn

    def close(self) -> None:
        self._source.close()


_database: Database | None = None
_lock = threading.Lock()


def get_database() -> Database:
    """The process-wide database, opened on first use."""
    global _database
    if _database is None:
        with _lock:
            if _database is None:
                from agentpay.config import get_settings
                from agentpay.db.url import resolve_database_url

                settings = get_settings()
                _database = Database(
                    resolve_database_url(settings),
                    single=settings.in_lambda,
                    max_size=settings.db_pool_max,
                )
    return _database


def set_database(database: Database | None) -> None:
    """Replace the process-wide database (tests, the dev server)."""
    global _database
    if _database is not None and _database is not database:
        _database.close()
    _database = database
