"""Hot statements: the few queries every update makes, run on the database driver itself.

Each update a user sends is written to the inbox, and most look up and then change the
user's draft. Through SQLAlchemy's session each of these small units of work checked a
connection out of the pool, fired the begin/commit/reset events and went through the ORM's
and Core's execution machinery. Measured on SQLite: 390 us to record one update against
42 us for the same BEGIN IMMEDIATE / INSERT / COMMIT on the driver; the draft's read and
write cost 1.3 ms together. Here those statements are compiled once by SQLAlchemy for the
engine's dialect (so the SQL is exactly what SQLAlchemy would send), run on kept driver
connections (``sqlite3`` through :mod:`storage.sqlite_inline`, or asyncpg), with the columns'
own bind and result processors applied, so values go in and come back as SQLAlchemy would
pass and return them (JSON, aware UTC datetimes).

The use case still owns the transaction: :meth:`HotPath.transaction` is one unit of work,
committed when the block ends and rolled back when it raises. Everything else (rare or
complex work: staff decisions, exports) stays on the ordinary sessions. Filing a request
(storage.drafts) is on the hot path too: one per conversation, and its reply waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from storage import sqlite_inline

Row = dict[str, Any]
_GIVEN = object()  # a parameter given at each run


class HotStatement:
    """A Core statement compiled once for ``dialect``, with SQLAlchemy's bind and result
    processors for its parameters and for the columns it returns (if any)."""

    def __init__(self, statement: Executable, dialect: Dialect) -> None:
        assert isinstance(statement, ClauseElement)
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        if compiled.positiontup is None:
            raise ValueError(f"{dialect.name}: hot statements need a positional paramstyle")
        self.sql = compiled.string
        # (key, fixed value, processor): a value written into the statement (a literal)
        # is fixed; the others are given by name at each run.
        self._binds: list[tuple[str, Any, Callable[[Any], Any] | None]] = []
        for name in compiled.positiontup:
            bind = compiled.binds[name]
            fixed = _GIVEN if bind.required else bind.effective_value
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            self._binds.append((bind.key, fixed, process))
        columns = list(getattr(statement, "exported_columns", ()))
        self._fields = [column.key for column in columns]
        self.returns_rows = bool(columns)
        self._results = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]
        # The columns that need converting (datetimes, JSON): the rest come back as they are.
        self._converted = [(i, p) for i, p in enumerate(self._results) if p is not None]

    def values(self, parameters: Mapping[str, Any]) -> list[Any]:
        """The positional values for ``parameters`` (a key → value mapping)."""
        values = []
        for key, fixed, process in self._binds:
            value = parameters[key] if fixed is _GIVEN else fixed
            values.append(value if process is None else process(value))
        return values

    def converted(self, raw: Sequence[Any]) -> list[Any]:
        """A returned row's values, in the statement's column order."""
        values = list(raw)
        for index, process in self._converted:
            values[index] = process(values[index])
        return values

    def row(self, raw: Sequence[Any]) -> Row:
        """A returned row as a column → value mapping."""
        return {
            name: value if process is None else process(value)
            for name, process, value in zip(self._fields, self._results, raw, strict=True)
        }


class _Driver:
    """The four calls a unit of work needs, on one driver connection."""

    def __init__(self, connection: AsyncConnection, driver: Any) -> None:
        self.connection = connection  # SQLAlchemy's handle, given back to the pool at close
        self.raw = driver
        self.sqlite = isinstance(driver, sqlite_inline.InlineConnection)
        self.broken = False  # in an unknown state: closed instead of lent again

    async def begin(self) -> None:
        # On SQLite, take the write lock at BEGIN (see storage.db._on_sqlite_begin).
        if self.sqlite:
            await self.raw.execute("BEGIN IMMEDIATE")
        else:
            await self.raw.execute("BEGIN")

    async def commit(self) -> None:
        if self.sqlite:
            await self.raw.commit()
        else:
            await self.raw.execute("COMMIT")

    async def rollback(self) -> None:
        if self.sqlite:
            await self.raw.rollback()
        else:
            await self.raw.execute("ROLLBACK")

    async def fetch_first(self, statement: HotStatement, values: list[Any]) -> Any:
        """The first row a read-only statement returns, or None."""
        if self.sqlite:
            return await self.raw.fetchone(statement.sql, values)
        return await self.raw.fetchrow(statement.sql, *values)

    async def execute_many(self, statement: HotStatement, rows: list[list[Any]]) -> None:
        """Run a statement that returns nothing once per row of values."""
        if self.sqlite:
            await self.raw.cursor().executemany(statement.sql, rows)
        else:
            await self.raw.executemany(statement.sql, rows)

    async def fetch(self, statement: HotStatement, values: list[Any]) -> tuple[list[Any], int]:
        """The rows the statement returned and the number of rows it changed."""
        if self.sqlite:
            cursor = await self.raw.execute(statement.sql, values)
            rows = await cursor.fetchall()
            return rows, cursor.rowcount
        if statement.returns_rows:
            rows = await self.raw.fetch(statement.sql, *values)
            return rows, len(rows)
        status = await self.raw.execute(statement.sql, *values)  # "UPDATE 1", "INSERT 0 1"
        last = str(status).rsplit(" ", 1)[-1]
        return [], int(last) if last.isdigit() else -1


class HotTransaction:
    """Statements run inside one :meth:`HotPath.transaction` (or one lone read)."""

    def __init__(self, driver: _Driver) -> None:
        self._driver = driver

    async def all(self, statement: HotStatement, **parameters: Any) -> list[Row]:
        """Every row the statement returns."""
        rows, _count = await self._driver.fetch(statement, statement.values(parameters))
        return [statement.row(raw) for raw in rows]

    async def first(self, statement: HotStatement, **parameters: Any) -> Row | None:
        """The first row the statement returns, or None."""
        rows = await self.all(statement, **parameters)
        return rows[0] if rows else None

    async def execute(self, statement: HotStatement, **parameters: Any) -> int:
        """Run a statement that returns nothing; how many rows it changed."""
        _rows, count = await self._driver.fetch(statement, statement.values(parameters))
        return count

    async def execute_many(
        self, statement: HotStatement, parameters: Iterable[Mapping[str, Any]]
    ) -> None:
        """Run a statement that returns nothing once for each set of parameters (one batch
        for the driver: on SQLite a large one runs on a worker thread)."""
        await self._driver.execute_many(statement, [statement.values(p) for p in parameters])


class HotPath:
    """Kept driver connections for hot statements, ``size`` of them, lent one at a time.

    On SQLite one is enough (writers take turns anyway, and the statements run on the
    event loop without waiting); on PostgreSQL a few let round trips overlap. A connection
    that broke (the server restarted, say) is dropped and the next unit of work opens a new
    one; a lone read is tried once more at once.
    """

    def __init__(self, engine: AsyncEngine, *, size: int | None = None) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        if size is None:
            size = 1 if self.dialect.name == "sqlite" else 4
        self._idle: list[_Driver | None] = [None] * size
        self._free = asyncio.Semaphore(size)
        self._closed = False

    def prepare(self, statement: Executable) -> HotStatement:
        """Compile ``statement`` once for this engine's dialect."""
        return HotStatement(statement, self.dialect)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[HotTransaction]:
        """One unit of work that writes: committed at the end of the block, rolled back if
        it raises. On SQLite the write lock is taken at the start."""
        async with self._lend(begin=True) as driver:
            try:
                yield HotTransaction(driver)
            except BaseException:
                try:
                    await driver.rollback()
                except BaseException:
                    driver.broken = True
                raise
            try:
                await driver.commit()
            except BaseException:
                # Committed or not, the connection's state is unknown: it is not lent again.
                driver.broken = True
                raise

    async def write_alone(self, statement: HotStatement, **parameters: Any) -> list[Row]:
        """Run one writing statement as a transaction of its own (autocommit: the database
        commits it alone, without a BEGIN and a COMMIT round trip), returning its rows.

        Not tried again when it fails: whether it took effect is then unknown to the caller.
        """
        async with self._lend(begin=False) as driver:
            try:
                return await HotTransaction(driver).all(statement, **parameters)
            except Exception:
                driver.broken = True
                raise

    async def read(self, statement: HotStatement, **parameters: Any) -> Row | None:
        """The first row of a read-only statement, run alone in autocommit: it sees the last
        commit and never waits for writers. Tried once more on a fresh connection if the
        first attempt fails."""
        raw = await self._read_first(statement, statement.values(parameters))
        return None if raw is None else statement.row(raw)

    async def read_values(self, statement: HotStatement, **parameters: Any) -> list[Any] | None:
        """As :meth:`read`, but the row's values in the statement's column order, for a
        caller that builds its own object from them (no mapping made on the way)."""
        raw = await self._read_first(statement, statement.values(parameters))
        return None if raw is None else statement.converted(raw)

    async def _read_first(self, statement: HotStatement, values: list[Any]) -> Any:
        # _lend's steps written out: every verification comes this way, and the generator
        # behind an async context manager cost a third of the lookup's Python time.
        for attempt in (1, 2):
            if self._closed:
                raise RuntimeError("the hot path is closed")
            await self._free.acquire()
            driver: _Driver | None = None
            try:
                driver = self._idle.pop() or await self._connect()
                return await driver.fetch_first(statement, values)
            except Exception:
                if driver is not None:
                    driver.broken = True
                if attempt == 2:
                    raise
            finally:
                await self._give_back(driver)
                self._free.release()
        raise AssertionError("unreachable")

    @contextlib.asynccontextmanager
    async def _lend(self, *, begin: bool) -> AsyncIterator[_Driver]:
        """A connection for one unit of work, begun when ``begin``."""
        if self._closed:
            raise RuntimeError("the hot path is closed")
        async with self._free:
            kept = self._idle.pop()
            driver: _Driver | None = None
            try:
                driver = await self._begun(kept) if begin else kept or await self._connect()
                yield driver
            finally:
                await self._give_back(driver)

    async def _give_back(self, driver: _Driver | None) -> None:
        """Keep a lent connection for the next unit of work, unless it broke or the hot
        path was closed meanwhile (then it is dropped or closed)."""
        if driver is not None and (driver.broken or self._closed):
            await (_drop(driver) if driver.broken else driver.connection.close())
            driver = None
        self._idle.append(driver)

    async def _begun(self, kept: _Driver | None) -> _Driver:
        """``kept`` with a transaction begun; a kept connection that cannot begin (the
        database closed it meanwhile, say) is replaced by a new one at once."""
        if kept is not None:
            try:
                await kept.begin()
                return kept
            except BaseException as exc:
                await _drop(kept)
                if not isinstance(exc, Exception):
                    raise
        fresh = await self._connect()
        try:
            await fresh.begin()
        except BaseException:
            await _drop(fresh)
            raise
        return fresh

    async def _connect(self) -> _Driver:
        connection = await self.engine.connect()
        try:
            raw = await connection.get_raw_connection()
        except BaseException:
            await connection.close()
            raise
        return _Driver(connection, raw.driver_connection)

    async def close(self) -> None:
        """Give the connections back (before the engine is disposed)."""
        self._closed = True
        idle, self._idle = self._idle, []
        for driver in idle:
            if driver is not None:
                await driver.connection.close()


async def _drop(driver: _Driver) -> None:
    with contextlib.suppress(Exception):
        await driver.connection.invalidate()
        await driver.connection.close()
