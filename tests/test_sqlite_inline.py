"""The SQLite connection used in place on the event loop (storage/sqlite_inline.py).

Waiting for another writer must not block the loop, must give up after the busy timeout with
SQLite's own error, and batches must land whole; the engine made by storage.db uses it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import sqlite_inline
from storage.db import make_engine


async def _table(path: Path) -> sqlite_inline.InlineConnection:
    connection = await sqlite_inline.connect(str(path), busy_timeout=5.0)
    await connection.execute("PRAGMA journal_mode=WAL")
    await connection.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)")
    return connection


async def test_waits_for_another_writer_without_blocking_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    first = await _table(path)
    second = await sqlite_inline.connect(str(path), busy_timeout=5.0)
    await first.execute("BEGIN IMMEDIATE")
    await first.execute("INSERT INTO t (v) VALUES ('first')")

    ticks = 0
    writing = asyncio.create_task(second.execute("BEGIN IMMEDIATE"))

    async def tick() -> None:
        nonlocal ticks
        while not writing.done():
            ticks += 1
            await asyncio.sleep(0.005)

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0.2)
    assert not writing.done(), "the second writer must wait while the first holds the lock"
    assert ticks >= 10, "the loop must keep running while a writer waits"
    await first.commit()
    await asyncio.wait_for(writing, 2)
    await second.execute("INSERT INTO t (v) VALUES ('second')")
    await second.commit()
    await ticker
    rows = await (await first.execute("SELECT v FROM t ORDER BY id")).fetchall()
    assert rows == [("first",), ("second",)]
    await first.close()
    await second.close()


async def test_gives_up_after_the_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    first = await _table(path)
    second = await sqlite_inline.connect(str(path), busy_timeout=0.2)
    await first.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        await second.execute("BEGIN IMMEDIATE")
    assert 0.15 <= time.monotonic() - started < 2.0
    await first.rollback()
    await first.close()
    await second.close()


async def test_other_errors_are_raised_at_once(tmp_path: Path) -> None:
    connection = await _table(tmp_path / "db.sqlite3")
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await connection.execute("SELECT * FROM missing")
    with pytest.raises(sqlite3.IntegrityError):
        await connection.execute("INSERT INTO t (id, v) VALUES (1, 'a'), (1, 'b')")
    await connection.close()
    with pytest.raises(ValueError, match="closed"):
        connection.cursor()


async def test_a_large_batch_runs_on_a_worker_thread_and_lands_whole(tmp_path: Path) -> None:
    connection = await _table(tmp_path / "db.sqlite3")
    seen: set[str] = set()

    def thread_name() -> str:
        seen.add(threading.current_thread().name)
        return "x"

    connection._db.create_function("thread_name", 0, thread_name)  # where SQLite ran
    rows = [(f"row {i}",) for i in range(sqlite_inline.THREAD_BATCH_ROWS * 3)]
    await connection.execute("BEGIN IMMEDIATE")
    await connection.cursor().executemany("INSERT INTO t (v) VALUES (? || thread_name())", rows)
    await connection.commit()
    assert threading.main_thread().name not in seen, "the batch ran on the event loop"
    count = await (await connection.execute("SELECT count(*) FROM t")).fetchone()
    assert count == (len(rows),)

    seen.clear()
    await connection.cursor().executemany(
        "INSERT INTO t (v) VALUES (? || thread_name())", rows[:3]
    )
    assert seen == {threading.main_thread().name}, "a small batch stays on the loop"
    await connection.close()


async def test_the_engine_uses_it_and_keeps_sqlalchemy_semantics(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
            await connection.execute(text("INSERT INTO t (v) VALUES ('kept')"))
            raw = await connection.get_raw_connection()
            assert isinstance(raw.driver_connection, sqlite_inline.InlineConnection)
        with pytest.raises(RuntimeError):
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO t (v) VALUES ('rolled back')"))
                raise RuntimeError("abort")
        async with engine.connect() as connection:
            values = (await connection.execute(text("SELECT v FROM t"))).scalars().all()
            mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
        assert values == ["kept"]
        assert mode == "wal"
    finally:
        await engine.dispose()


async def test_the_wal_is_checkpointed_off_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    connection = await _table(path)
    (mode,) = await (await connection.execute("PRAGMA wal_autocheckpoint")).fetchone()
    assert mode == 0, "the commit on the loop must not checkpoint"
    before = path.stat().st_size
    await connection.execute("BEGIN IMMEDIATE")
    await connection.cursor().executemany(
        "INSERT INTO t (v) VALUES (?)", [("x" * 500,) for _ in range(2000)]
    )
    await connection.commit()
    assert path.stat().st_size == before, "nothing reaches the file before a checkpoint"
    for _ in range(100):  # up to 5 checkpoint periods
        if path.stat().st_size > before:
            break
        await asyncio.sleep(sqlite_inline.CHECKPOINT_SECONDS / 20)
    assert path.stat().st_size > before + 500 * 2000 // 2, "the checkpointer moved the WAL"
    assert any(t.name.startswith("sqlite-checkpoint") for t in threading.enumerate())
    await connection.close()
    await asyncio.sleep(0)
    for _ in range(100):
        if not any(t.name == f"sqlite-checkpoint-{path.name}" for t in threading.enumerate()):
            break
        await asyncio.sleep(sqlite_inline.CHECKPOINT_SECONDS / 20)
    else:
        raise AssertionError("the checkpointer outlived its last connection")


async def test_a_cancelled_batch_finishes_before_the_connection_is_used_again(
    tmp_path: Path,
) -> None:
    connection = await _table(tmp_path / "db.sqlite3")
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "x"

    connection._db.create_function("slow", 0, slow)  # holds the worker thread in SQLite
    rows = [("v",)] * sqlite_inline.THREAD_BATCH_ROWS
    await connection.execute("BEGIN IMMEDIATE")
    batch = asyncio.create_task(
        connection.cursor().executemany("INSERT INTO t (v) VALUES (? || slow())", rows)
    )
    try:
        await asyncio.to_thread(started.wait, 5)
        batch.cancel()
        await asyncio.sleep(0.05)
        assert not batch.done(), "the cancelled batch must wait for its thread"
    finally:
        release.set()
    with pytest.raises(asyncio.CancelledError):
        await batch
    await connection.rollback()
    count = await (await connection.execute("SELECT count(*) FROM t")).fetchone()
    assert count == (0,)
    await connection.close()
