"""The update intake (bot/intake.py) on its own: a real inbox, and a real python-telegram-bot
Application (initialized against the loopback Bot API) with one handler that counts what it
is given."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.intake import UpdateIntake
from storage import models
from storage.store import Store
from tests.conftest import TOKEN
from tests.fakebotapi import FakeBotApi


class Counting:
    """An Application whose only handler records the ids of the updates it is given."""

    def __init__(self, api: FakeBotApi) -> None:
        self.seen: list[int] = []
        self.app = (
            Application.builder()
            .token(TOKEN)
            .base_url(api.base_url)
            .base_file_url(api.base_file_url)
            .updater(None)
            .build()
        )

        async def count(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
            self.seen.append(update.update_id)

        self.app.add_handler(TypeHandler(Update, count))


@pytest.fixture
async def counting(api: FakeBotApi) -> AsyncIterator[Counting]:
    made = Counting(api)
    await made.app.initialize()
    try:
        yield made
    finally:
        await made.app.shutdown()


def message(update_id: int, chat_id: int = 42) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "مریم"},
            "text": "سلام",
        },
    }


async def open_rows(store: Store) -> list[int]:
    """The updates in the inbox not marked handled (read without claiming them)."""
    async with store.sessions() as session:
        rows = await session.scalars(
            select(models.InboxUpdate.update_id).where(models.InboxUpdate.processed_at.is_(None))
        )
        return sorted(rows)


async def test_a_failed_write_keeps_the_update_in_hand_and_it_is_handled_once(
    store: Store, counting: Counting
) -> None:
    intake = UpdateIntake(counting.app, store.inbox)
    written = store.inbox.record
    failures: list[Any] = []

    async def failing_once(updates: Any) -> list[int]:
        if not failures:
            failures.append(updates)
            await asyncio.sleep(0.05)  # the handler runs meanwhile
            raise ConnectionError("database went away")
        return await written(updates)

    store.inbox.record = failing_once  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        await intake.accept([message(500)], unseen=True)
    assert counting.seen == [500]  # handled while the write was failing
    await asyncio.sleep(0.3)  # past the moment handled updates are marked
    assert not await store.inbox.contains(500)
    # Telegram sends it again (it was never confirmed): written now, not handled twice.
    await intake.accept([message(500)])
    await intake.drain()
    assert counting.seen == [500]
    assert await store.inbox.contains(500)
    assert await open_rows(store) == []


async def test_an_unreadable_update_is_dropped_and_not_tried_again(
    store: Store, counting: Counting
) -> None:
    intake = UpdateIntake(counting.app, store.inbox)
    unreadable = {"update_id": 600, "message": {"message_id": 1}}  # no date, no chat
    await intake.accept([message(599), unreadable], unseen=True)
    await intake.drain()
    assert counting.seen == [599]
    assert await store.inbox.contains(600)
    assert await open_rows(store) == []


async def test_updates_written_while_a_mark_is_under_way_are_marked_too(
    store: Store, counting: Counting
) -> None:
    intake = UpdateIntake(counting.app, store.inbox)
    mark = store.inbox.mark_processed
    marking = asyncio.Event()

    async def slow_mark(*update_ids: int) -> None:
        marking.set()
        await asyncio.sleep(0.3)
        await mark(*update_ids)

    store.inbox.mark_processed = slow_mark  # type: ignore[method-assign]
    await intake.accept([message(700)], unseen=True)
    await asyncio.wait_for(marking.wait(), timeout=5)  # the mark of 700 is under way
    await intake.accept([message(701)], unseen=True)
    # No further update arrives, and nothing is stopped: 701 is marked all the same.
    for _ in range(30):
        if await open_rows(store) == []:
            break
        await asyncio.sleep(0.1)
    assert await open_rows(store) == []
    assert counting.seen == [700, 701]
    await intake.drain()
