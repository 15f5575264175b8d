"""The store's sessions (storage/db.py): reading sessions hold no transaction, and a pooled
connection the database closed is replaced before a unit of work gets it."""

from __future__ import annotations

import asyncio
from typing import cast

from sqlalchemy import Table, func, select, text

from storage import models
from storage.store import Store
from tests.driver import cut_connections

_STAFF = cast(Table, models.StaffRole.__table__)


async def _add_role(store: Store, user_id: int) -> None:
    async with store.sessions.begin() as session:
        session.add(models.StaffRole(user_id=user_id, role="reviewer", name=f"کارشناس {user_id}"))


async def _roles(store: Store) -> int:
    async with store.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(_STAFF)) or 0)


async def test_sessions_work_on_after_the_database_closed_their_connections(
    store: Store,
) -> None:
    # Fill the pool with connections first, so that the ones cut are the ones lent next.
    await asyncio.gather(*(_add_role(store, user_id) for user_id in range(1, 6)))
    assert await _roles(store) == 5
    await cut_connections(store, store.hot)
    # Every unit of work after the cut, reading and writing, more than the pool holds:
    # none of them may fail on a dead connection.
    for user_id in range(6, 16):
        await _add_role(store, user_id)
        assert await _roles(store) == user_id
    assert await asyncio.gather(*(_roles(store) for _ in range(8))) == [15] * 8


async def test_a_reading_session_holds_no_transaction(store: Store) -> None:
    async with store.sessions() as session:
        if store.engine.dialect.name == "postgresql":
            # now() is the start of the transaction: in autocommit each statement is one.
            first = await session.scalar(text("SELECT now()"))
            await asyncio.sleep(0.01)
            second = await session.scalar(text("SELECT now()"))
            assert first != second
        else:
            # A deferred SQLite transaction would keep the snapshot of its first read.
            assert await session.scalar(select(func.count()).select_from(_STAFF)) == 0
            await _add_role(store, 1)
            assert await session.scalar(select(func.count()).select_from(_STAFF)) == 1
