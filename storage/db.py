"""Engine and session factory; SQLite gets WAL, a busy timeout and foreign keys.

On PostgreSQL sessions that only read run in autocommit, as they do on SQLite: under
PostgreSQL's READ COMMITTED each statement reads its own snapshot whether or not a
transaction is open, so BEGIN and ROLLBACK around a read bought nothing but two round trips.
A pooled connection is pinged before it is lent (``pool_pre_ping``), so one the server closed
(a restart, an administrator's ``pg_terminate_backend``) is replaced even when the event loop
has not yet read the server's goodbye.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import sqlite_inline

SQLITE_BUSY_TIMEOUT_MS = 15_000
READONLY_OPTION = "tvto_readonly"
SQLITE_MMAP_BYTES = 1 << 30  # address space only; pages are loaded as they are read


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The connection is in autocommit mode (storage.sqlite_inline.connect): SQLAlchemy's
    # "begin" event issues BEGIN itself (see _on_sqlite_begin). Waiting for locks is done by
    # the connection without blocking the event loop, so SQLite's own busy timeout stays 0.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Read pages through a memory map instead of a read() call each: a lookup among a million
    # confirmations touches pages that do not fit SQLite's own 2 MB cache (measured: ~70 us of
    # system calls per verification without it). The map is shared with the OS page cache.
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_sqlite_begin(connection: Any) -> None:
    # Sessions made for reading only (make_sessionmaker(..., readonly=True)) issue no BEGIN:
    # each query reads the last commit on its own (WAL), never waits for writers, and costs
    # no extra round trip to SQLite's thread.
    if not connection.get_execution_options().get(READONLY_OPTION):
        connection.exec_driver_sql(sqlite_inline.BEGIN_WRITE)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine for ``url`` with the dialect's safety settings applied.

    Args:
        url: an SQLAlchemy URL, e.g. ``sqlite+aiosqlite:///data/bot.sqlite3`` or
            ``postgresql+asyncpg://user@host/db``.
        **kwargs: passed on to :func:`create_async_engine`.
    """
    if url.startswith("sqlite"):
        # sqlite3 on the event loop's thread instead of aiosqlite's thread hops (see
        # storage.sqlite_inline); the URL is read as the pysqlite dialect reads it.
        args, options = SQLiteDialect_pysqlite().create_connect_args(make_url(url))
        kwargs.setdefault(
            "async_creator",
            functools.partial(
                sqlite_inline.connect,
                *args,
                uri=bool(options.get("uri")),
                busy_timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
            ),
        )
    else:
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
    return engine


def make_sessionmaker(
    engine: AsyncEngine, *, readonly: bool = False
) -> async_sessionmaker[AsyncSession]:
    """One session factory per process; a session per unit of work.

    ``readonly`` sessions are for queries only: each statement reads the last commit on its
    own, with no transaction around it (no write lock taken on SQLite, no BEGIN and ROLLBACK
    round trips on PostgreSQL).
    """
    if readonly:
        options: dict[str, Any] = {READONLY_OPTION: True}
        if engine.dialect.name == "postgresql":
            options["isolation_level"] = "AUTOCOMMIT"
        engine = engine.execution_options(**options)
    return async_sessionmaker(engine, expire_on_commit=False)


class Sessions(async_sessionmaker[AsyncSession]):
    """The session factory the use cases share: ``sessions()`` for reading, and
    ``sessions.begin()`` for a unit of work that writes.

    Reading sessions run in autocommit (on SQLite readers never queue behind writers);
    writing ones begin a transaction, on SQLite taking the write lock at BEGIN.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine, expire_on_commit=False)
        self._readers = make_sessionmaker(engine, readonly=True)
        self._writers = make_sessionmaker(engine)

    def __call__(self, **local_kw: Any) -> AsyncSession:
        return self._readers(**local_kw)

    def begin(self) -> Any:
        return self._writers.begin()


def upsert_insert(dialect: str, table: Table | type[Any]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT on ``table`` that can take ON CONFLICT clauses, for the store's two dialects
    (PostgreSQL's, or SQLite's for anything else)."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
