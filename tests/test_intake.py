"""The update intake (bot/intake.py) on its own: a real inbox, and a real python-telegram-bot
Application (initialized against the loopback Bot API) with one handler that counts what it
is given."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.app import BotRuntime
from bot.intake import UpdateIntake
from domain import texts
from loopback import FakeBotApi
from storage import models
from storage.store import Store
from tests.conftest import TOKEN, bot_settings


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


# A process whose intake crashes (os._exit) while handling an update whose text is "poison",
# and records every other update it handles, one id a line.
CRASHING_CHILD = """
import asyncio, json, os, sys
from telegram import Update
from telegram.ext import Application, TypeHandler
from bot.intake import UpdateIntake
from storage.store import Store

url, files, api_url, file_url, token, seen, batch = sys.argv[1:]

async def main() -> None:
    store = Store.open(url, files)
    app = (Application.builder().token(token).base_url(api_url).base_file_url(file_url)
           .updater(None).build())

    async def handle(update, _context) -> None:
        if update.message.text == "poison":
            await asyncio.sleep(0.05)  # the other update is handled meanwhile, not yet marked
            os._exit(3)
        with open(seen, "a") as out:
            out.write(f"{update.update_id}\\n")

    app.add_handler(TypeHandler(Update, handle))
    await app.initialize()
    intake = UpdateIntake(app, store.inbox)
    if batch:
        await intake.accept(json.loads(batch))
        await asyncio.sleep(10)
    else:
        await intake.recover()
    await intake.drain()
    await app.shutdown()
    await store.close()

asyncio.run(main())
"""


@pytest.mark.both_dialects
async def test_a_crashing_update_is_charged_alone_and_its_sender_told_when_set_aside(
    api: FakeBotApi, store: Store, database_url: str, data_dir: Path
) -> None:
    from tests.test_process import ROOT

    poison, innocent = message(800, chat_id=42), message(801, chat_id=43)
    poison["message"]["text"] = "poison"
    for user_id in (42, 43):
        api.user(user_id, first_name="مریم")
    seen = data_dir / "seen.txt"

    async def run(batch: str = "") -> int:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            CRASHING_CHILD,
            database_url,
            str(data_dir / "files"),
            api.base_url,
            api.base_file_url,
            TOKEN,
            str(seen),
            batch,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(child.communicate(), timeout=60)
        assert child.returncode in (0, 3), err.decode()
        return child.returncode

    # Received together; the process dies handling the poison one, the other handled but
    # not yet marked.
    assert await run(json.dumps([poison, innocent])) == 3
    codes = [await run() for _ in range(5)]
    # Restarts: the poison crashes it 3 more times (the other one handled at the first
    # restart after it was tried alone), then it is set aside and the next start is clean.
    assert codes[:4] == [3, 3, 3, 0], codes
    assert seen.read_text().split() == ["801", "801"]
    async with store.sessions() as session:
        rows = {r.update_id: r for r in await session.scalars(select(models.InboxUpdate))}
        told = list(
            await session.scalars(
                select(models.Outbox).where(models.Outbox.kind == "update_given_up")
            )
        )
    assert rows[801].attempts == 1 and rows[801].processed_at is not None
    assert rows[800].processed_at is not None
    assert [row.chat_id for row in told] == [42]
    assert await open_rows(store) == []

    # The next bot to run tells the sender, in Persian, that their message was given up.
    runtime = BotRuntime(bot_settings(api, data_dir, database_url=database_url))
    await runtime.start()
    try:
        assert (await api.next_message(42))["text"] == texts.UPDATE_GIVEN_UP
        await api.expect_no_message(43)
    finally:
        await runtime.stop()
