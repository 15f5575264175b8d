"""SQLite for SQLAlchemy's asyncio engine without a thread hop per call.

SQLAlchemy's ``sqlite+aiosqlite`` dialect drives aiosqlite, which runs every call (cursor,
execute, fetch, commit, close) on a thread of its own and wakes the event loop for each answer.
Measured on this project's hot paths, one indexed SELECT through an async session cost about
0.9 ms of CPU that way, against 25 us for the same statement on the calling thread: the thread
hops and wake-ups cost far more than SQLite's own work, which for a primary-key lookup or a
one-row write in WAL mode is a few microseconds.

:func:`connect` makes a connection with aiosqlite's interface (the one the dialect's adapter
calls) whose methods run ``sqlite3`` directly on the event loop's thread. What this changes:

- *Waiting for a lock* never blocks the loop: the connection's busy timeout is 0 and a statement
  refused with ``SQLITE_BUSY`` (another connection or process holds the write lock) is retried
  after an ``asyncio.sleep`` with growing pauses, for up to ``busy_timeout`` seconds, the same
  overall wait as SQLite's own busy handler. Several pooled connections of one process can
  therefore wait for each other without deadlock. A statement SQLite refused with SQLITE_BUSY
  did nothing, so running it again is what SQLite's busy handler does too.
- *Checkpoints* (copying the WAL back into the database file, with a sync) run on a thread
  of their own every second instead of inside whichever commit crossed SQLite's threshold.
- *The work itself* runs on the loop: fine for the short statements a bot makes (lookups,
  one-row writes; a WAL commit with ``synchronous=NORMAL`` does not wait for the disk), but a
  statement that scans a large table holds the loop while it runs. Batches of
  :data:`THREAD_BATCH_ROWS` rows or more, and the commit after them, run on a worker thread
  (where sqlite3 releases the GIL), as everything did with aiosqlite.

The dialect, SQL compilation, type handling and pool stay SQLAlchemy's: the engine is made with
``create_async_engine("sqlite+aiosqlite:///…", async_creator=…)`` (see :mod:`storage.db`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["InlineConnection", "InlineCursor", "connect"]

T = TypeVar("T")

# The pauses between attempts while the database is locked: short first (another connection
# of this process usually commits within a millisecond), then up to 50 ms.
_FIRST_PAUSE = 0.0005
_MAX_PAUSE = 0.05
# A batch of this many rows or more (a bulk import, the verification counts of a busy
# second) runs on a worker thread, and so does the commit after it: thousands of rows spread
# over a large table take tens of milliseconds, too long to hold the event loop.
THREAD_BATCH_ROWS = 64
# How every transaction that writes begins, on sessions (storage.db) and on the hot path:
# taking the write lock at BEGIN. A deferred transaction that reads and then writes fails at
# once with SQLITE_BUSY when another writer committed meanwhile, whatever the timeout.
BEGIN_WRITE = "BEGIN IMMEDIATE"
CHECKPOINT_SECONDS = 1.0


def _busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return bool(code & 0xFF == sqlite3.SQLITE_BUSY)
    return "database is locked" in str(error)


async def _on_thread(call: Callable[..., T], *args: Any) -> T:
    """``call(*args)`` on a worker thread, waited for to the end even when cancelled: the
    connection must not be used again (a rollback, say) while the thread still works on it."""
    future = asyncio.ensure_future(asyncio.to_thread(call, *args))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        while not future.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({future})
        if not future.cancelled():
            future.exception()  # retrieved: the cancellation is what the caller sees
        raise


class InlineConnection:
    """aiosqlite's ``Connection`` interface over a ``sqlite3`` connection used in place."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        *,
        busy_timeout: float,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        # SQLAlchemy's adapter checks ``_connection`` before commit and rollback.
        self._connection: sqlite3.Connection | None = connection
        self._on_close = on_close
        self._busy_timeout = busy_timeout
        self._heavy = False  # the open transaction ran a batch on a worker thread

    @property
    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("Connection closed")
        return self._connection

    async def _run(self, call: Callable[..., T], *args: Any, in_thread: bool = False) -> T:
        """``call(*args)``, retried while SQLite answers SQLITE_BUSY (without blocking).

        ``in_thread``: run it on a worker thread instead (sqlite3 lets go of the GIL while
        SQLite works), for the rare statement too long to hold the event loop for.
        """
        deadline: float | None = None
        pause = _FIRST_PAUSE
        while True:
            try:
                if in_thread:
                    return await _on_thread(call, *args)
                return call(*args)
            except sqlite3.OperationalError as error:
                if not _busy(error):
                    raise
                now = time.monotonic()
                deadline = now + self._busy_timeout if deadline is None else deadline
                if now >= deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, _MAX_PAUSE)

    @property
    def isolation_level(self) -> str | None:
        return self._db.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self, self._db.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        cursor = self.cursor()
        await cursor.execute(sql, parameters)
        return cursor

    async def fetchone(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        """The first row of ``sql`` (for callers that skip SQLAlchemy on a hot path)."""
        return await self._run(lambda: self._db.execute(sql, parameters).fetchone())

    async def commit(self) -> None:
        # A transaction that wrote a batch writes as many pages to the WAL at commit: that
        # commit runs off the loop too.
        heavy, self._heavy = self._heavy, False
        await self._run(self._db.commit, in_thread=heavy)

    async def rollback(self) -> None:
        self._heavy = False
        await self._run(self._db.rollback)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._db.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's "terminate")."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
            if self._on_close is not None:
                self._on_close()


class InlineCursor:
    """aiosqlite's ``Cursor`` interface over a ``sqlite3`` cursor used in place."""

    def __init__(self, connection: InlineConnection, cursor: sqlite3.Cursor) -> None:
        self._connection = connection
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        await self._connection._run(self._cursor.execute, sql, parameters or ())
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        rows = list(parameters)  # a retry must see the rows again
        heavy = len(rows) >= THREAD_BATCH_ROWS
        if heavy:
            self._connection._heavy = True
        await self._connection._run(self._cursor.executemany, sql, rows, in_thread=heavy)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _Checkpointer:
    """Moves the WAL into the database file every second, on a thread of its own.

    SQLite's automatic checkpoint runs inside whichever commit pushes the WAL past 1,000
    pages, writing those pages back and syncing the file: tens of milliseconds that would
    stall the event loop now that commits run on it. So the connections made here turn the
    automatic checkpoint off and this thread runs a PASSIVE checkpoint (it never waits for
    readers or writers) every :data:`CHECKPOINT_SECONDS` while any of them is open.
    """

    def __init__(self, database: str, uri: bool) -> None:
        self._database = database
        self._uri = uri
        self.users = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"sqlite-checkpoint-{Path(database).name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        connection = sqlite3.connect(self._database, timeout=0, uri=self._uri)
        try:
            while not self._stop.wait(CHECKPOINT_SECONDS):
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            with contextlib.suppress(sqlite3.Error):
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()


_checkpointers: dict[str, _Checkpointer] = {}
_checkpointers_lock = threading.Lock()


def _in_memory(database: str, uri: bool) -> bool:
    return database in ("", ":memory:") or (uri and "mode=memory" in database)


def _checkpoint_user(database: str, uri: bool, delta: int) -> None:
    key = database if uri else os.path.abspath(database)
    with _checkpointers_lock:
        checkpointer = _checkpointers.get(key)
        if delta > 0:
            if checkpointer is None:
                checkpointer = _checkpointers[key] = _Checkpointer(database, uri)
            checkpointer.users += 1
        elif checkpointer is not None:
            checkpointer.users -= 1
            if checkpointer.users <= 0:
                checkpointer.stop()
                del _checkpointers[key]


async def connect(
    database: str, *, uri: bool = False, busy_timeout: float = 15.0, **_ignored: Any
) -> InlineConnection:
    """Open ``database`` (a path, ``:memory:`` or, with ``uri``, a ``file:`` URI).

    The connection is in autocommit mode (``isolation_level=None``): SQLAlchemy's begin events
    issue BEGIN themselves (see :mod:`storage.db`). For a database file, the automatic WAL
    checkpoint is off and :class:`_Checkpointer` does it off the loop.
    """
    connection = sqlite3.connect(
        database, timeout=0, isolation_level=None, check_same_thread=False, uri=uri
    )
    release: Callable[[], None] | None = None
    if not _in_memory(database, uri):
        connection.execute("PRAGMA wal_autocheckpoint=0")
        _checkpoint_user(database, uri, +1)
        release = functools.partial(_checkpoint_user, database, uri, -1)
    return InlineConnection(connection, busy_timeout=busy_timeout, on_close=release)
