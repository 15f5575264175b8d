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
committed when the block ends and rolled back when it raises. The statements themselves are
in :mod:`storage.statements` (``python -m bot statements`` prints them); which services run
on this executor, and which on sessions, is said in :mod:`storage.store`. Each driver
(sqlite3, asyncpg) has a class of its own, chosen once for the engine.
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

from storage import sqlite_inline, statements

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


# What the executor runs: a statement of storage.statements, compiled at its first run, or
# one compiled already.
Statement = Executable | HotStatement


class _Driver:
    """The calls a unit of work needs, on one driver connection (one subclass per driver)."""

    def __init__(self, connection: AsyncConnection, raw: Any) -> None:
        self.connection = connection  # SQLAlchemy's handle, given back to the pool at close
        self.raw = raw
        self.broken = False  # in an unknown state: closed instead of lent again

    async def begin(self) -> None:
        raise NotImplementedError

    async def commit(self) -> None:
        raise NotImplementedError

    async def rollback(self) -> None:
        raise NotImplementedError

    async def fetch_first(self, statement: HotStatement, values: list[Any]) -> Any:
        """The first row a read-only statement returns, or None."""
        raise NotImplementedError

    async def execute_many(self, statement: HotStatement, rows: list[list[Any]]) -> None:
        """Run a statement that returns nothing once per row of values."""
        raise NotImplementedError

    async def fetch(self, statement: HotStatement, values: list[Any]) -> tuple[list[Any], int]:
        """The rows the statement returned and the number of rows it changed."""
        raise NotImplementedError


class _SQLiteDriver(_Driver):
    """sqlite3 through :class:`storage.sqlite_inline.InlineConnection`."""

    raw: sqlite_inline.InlineConnection

    async def begin(self) -> None:
        await self.raw.execute(sqlite_inline.BEGIN_WRITE)

    async def commit(self) -> None:
        await self.raw.commit()

    async def rollback(self) -> None:
        await self.raw.rollback()

    async def fetch_first(self, statement: HotStatement, values: list[Any]) -> Any:
        return await self.raw.fetchone(statement.sql, values)

    async def execute_many(self, statement: HotStatement, rows: list[list[Any]]) -> None:
        await self.raw.cursor().executemany(statement.sql, rows)

    async def fetch(self, statement: HotStatement, values: list[Any]) -> tuple[list[Any], int]:
        cursor = await self.raw.execute(statement.sql, values)
        rows = await cursor.fetchall()
        return rows, cursor.rowcount


class _AsyncpgDriver(_Driver):
    """An asyncpg connection."""

    async def begin(self) -> None:
        await self.raw.execute("BEGIN")

    async def commit(self) -> None:
        await self.raw.execute("COMMIT")

    async def rollback(self) -> None:
        await self.raw.execute("ROLLBACK")

    async def fetch_first(self, statement: HotStatement, values: list[Any]) -> Any:
        return await self.raw.fetchrow(statement.sql, *values)

    async def execute_many(self, statement: HotStatement, rows: list[list[Any]]) -> None:
        await self.raw.executemany(statement.sql, rows)

    async def fetch(self, statement: HotStatement, values: list[Any]) -> tuple[list[Any], int]:
        if statement.returns_rows:
            rows = await self.raw.fetch(statement.sql, *values)
            return rows, len(rows)
        status = await self.raw.execute(statement.sql, *values)  # "UPDATE 1", "INSERT 0 1"
        last = str(status).rsplit(" ", 1)[-1]
        return [], int(last) if last.isdigit() else -1


class HotTransaction:
    """Statements run inside one :meth:`HotPath.transaction` (or one lone read)."""

    def __init__(self, driver: _Driver, hot: HotPath) -> None:
        self._driver = driver
        self.statements = hot.statements
        self.prepare = hot.prepare

    async def all(self, statement: Statement, **parameters: Any) -> list[Row]:
        """Every row the statement returns."""
        statement = self.prepare(statement)
        rows, _count = await self._driver.fetch(statement, statement.values(parameters))
        return [statement.row(raw) for raw in rows]

    async def first(self, statement: Statement, **parameters: Any) -> Row | None:
        """The first row the statement returns, or None."""
        rows = await self.all(statement, **parameters)
        return rows[0] if rows else None

    async def execute(self, statement: Statement, **parameters: Any) -> int:
        """Run a statement that returns nothing; how many rows it changed."""
        statement = self.prepare(statement)
        _rows, count = await self._driver.fetch(statement, statement.values(parameters))
        return count

    async def execute_many(
        self, statement: Statement, parameters: Iterable[Mapping[str, Any]]
    ) -> None:
        """Run a statement that returns nothing once for each set of parameters (one batch
        for the driver: on SQLite a large one runs on a worker thread)."""
        statement = self.prepare(statement)
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
        sqlite = self.dialect.name == "sqlite"
        self._driver: type[_Driver] = _SQLiteDriver if sqlite else _AsyncpgDriver
        if size is None:
            size = 1 if sqlite else 4
        # What it runs (storage.statements), for this dialect.
        self.statements = statements.for_dialect(self.dialect.name)
        self._prepared: dict[int, tuple[Executable, HotStatement]] = {}
        self._idle: list[_Driver | None] = [None] * size
        self._free = asyncio.Semaphore(size)
        self._closed = False

    def prepare(self, statement: Executable | HotStatement) -> HotStatement:
        """``statement`` compiled for this engine's dialect (once: kept for the next call)."""
        if isinstance(statement, HotStatement):
            return statement
        kept = self._prepared.get(id(statement))
        if kept is None or kept[0] is not statement:
            kept = self._prepared[id(statement)] = (
                statement,
                HotStatement(statement, self.dialect),
            )
        return kept[1]

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[HotTransaction]:
        """One unit of work that writes: committed at the end of the block, rolled back if
        it raises. On SQLite the write lock is taken at the start."""
        async with self._lend(begin=True) as driver:
            try:
                yield HotTransaction(driver, self)
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

    async def write_alone(self, statement: Statement, **parameters: Any) -> list[Row]:
        """Run one writing statement as a transaction of its own (autocommit: the database
        commits it alone, without a BEGIN and a COMMIT round trip), returning its rows.

        Not tried again when it fails: whether it took effect is then unknown to the caller.
        """
        async with self._lend(begin=False) as driver:
            try:
                return await HotTransaction(driver, self).all(statement, **parameters)
            except Exception:
                driver.broken = True
                raise

    async def read_all(self, statement: Statement, **parameters: Any) -> list[Row]:
        """Every row of a read-only statement, run alone in autocommit (see :meth:`read`)."""
        async with self._lend(begin=False) as driver:
            try:
                return await HotTransaction(driver, self).all(statement, **parameters)
            except Exception:
                driver.broken = True
                raise

    async def read(self, statement: Statement, **parameters: Any) -> Row | None:
        """The first row of a read-only statement, run alone in autocommit: it sees the last
        commit and never waits for writers. Tried once more on a fresh connection if the
        first attempt fails."""
        statement = self.prepare(statement)
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
        return self._driver(connection, raw.driver_connection)

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
