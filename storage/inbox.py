"""The inbox: every update is written down before Telegram is told it arrived.

Telegram forgets an update once the next getUpdates confirms it (or once a webhook answered
200). Writing it here first means a crash between receipt and handling loses nothing: on start
the bot handles what is still unprocessed. The update id is the key, so a re-delivered update
is recognised and handled once.

An update left unhandled by a crash is a suspect: it may be the one that crashed the process.
Suspects are handled one at a time, each charged an attempt as it starts (:meth:`charge`), so a
crash charges only the update in hand; one charged :data:`MAX_ATTEMPTS` times is set aside and
its sender told.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from storage import models
from storage.hotpath import HotPath
from storage.outbox import OutboxKind, enqueue

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


class InboxService:
    """Recording, claiming and settling received updates, on the hot path (storage.hotpath):
    every update is recorded and marked handled."""

    def __init__(self, hot: HotPath) -> None:
        self._hot = hot
        self._sql = hot.statements
        # Of two instances given the same update at once (webhooks), exactly one handles it.
        # The one poller handles an update newer than any written here while writing it
        # (bot.intake).

    async def record(self, updates: Sequence[tuple[int, dict[str, Any]]]) -> list[int]:
        """Write updates down; returns the ids that were new (re-deliveries are dropped)."""
        if not updates:
            return []
        now = models.utcnow()
        rows = [
            {"update_id": i, "payload": p, "received_at": now, "claimed_at": now, "attempts": 0}
            for i, p in updates
        ]
        if len(rows) == 1:
            # One statement is a transaction by itself: no BEGIN and COMMIT round trips.
            inserted = await self._hot.write_alone(self._sql.inbox_record, **rows[0])
        else:
            async with self._hot.transaction() as tx:
                inserted = [r for row in rows for r in await tx.all(self._sql.inbox_record, **row)]
        fresh = {int(row["update_id"]) for row in inserted}
        return [i for i, _ in updates if i in fresh]

    async def highest_update_id(self) -> int:
        """The highest update id ever recorded (0 when none)."""
        row = await self._hot.read(self._sql.inbox_highest)
        return int(row["highest"] or 0) if row is not None else 0

    async def unprocessed(
        self, *, lease: dt.timedelta = dt.timedelta(0), limit: int = 1000
    ) -> list[tuple[int, dict[str, Any]]]:
        """Take over updates received but not handled, oldest first.

        Only updates whose last claim is older than ``lease`` are taken (another running
        instance may still be handling newer ones); a single instance restarting after a crash
        passes no lease and takes them all. Taking one charges nothing: each is charged when
        its handling starts (:meth:`charge`).

        Each chat's updates come in their order; the chats whose first update was charged
        least come first, so that an update that keeps crashing the bot holds back no other
        chat's for more than one restart.
        """
        now = models.utcnow()
        async with self._hot.transaction() as tx:
            rows = await tx.all(
                self._sql.inbox_unprocessed, claimed_before=now - lease, limit=limit
            )
            await tx.execute_many(
                self._sql.inbox_claim,
                ({"update_id": row["update_id"], "now": now} for row in rows),
            )
        chats: dict[int | None, list[dict[str, Any]]] = {}
        for row in rows:
            chats.setdefault(chat_of(row["payload"]), []).append(row)
        ordered = sorted(
            chats.values(), key=lambda chat: (chat[0]["attempts"], chat[0]["update_id"])
        )
        return [(row["update_id"], dict(row["payload"])) for chat in ordered for row in chat]

    async def charge(self, update_id: int) -> bool:
        """Count an attempt at handling a taken-over update, just before it starts.

        Returns whether to handle it: False once it was handled meanwhile, or when it has been
        charged :data:`MAX_ATTEMPTS` times already; it is then set aside (marked handled) and
        its chat is sent a word that it was given up, in the same transaction.
        """
        async with self._hot.transaction() as tx:
            row = await tx.first(self._sql.inbox_update_locked, update_id=update_id)
            if row is None or row["processed_at"] is not None:
                return False
            attempts = row["attempts"] + 1
            now = models.utcnow()
            given_up = attempts > MAX_ATTEMPTS
            await tx.execute(
                self._sql.inbox_charge,
                update_id=update_id,
                attempts=attempts,
                claimed_at=now,
                processed_at=now if given_up else None,
            )
            if not given_up:
                return True
            log.warning(
                "update %s set aside after %d crashes in its handling", update_id, MAX_ATTEMPTS
            )
            chat_id = chat_of(row["payload"])
            if chat_id is not None:
                await enqueue(
                    tx,
                    kind=OutboxKind.UPDATE_GIVEN_UP,
                    chat_id=chat_id,
                    payload={"update_id": update_id},
                    dedupe_key=f"given_up:{update_id}",
                )
            return False

    async def contains(self, update_id: int) -> bool:
        """Whether the update was ever received."""
        return await self._hot.read(self._sql.inbox_contains, update_id=update_id) is not None

    async def mark_processed(self, *update_ids: int) -> None:
        """The updates were handled."""
        now = models.utcnow()
        if len(update_ids) == 1:
            await self._hot.write_alone(
                self._sql.inbox_mark_processed, update_id=update_ids[0], at=now
            )
            return
        async with self._hot.transaction() as tx:
            await tx.execute_many(
                self._sql.inbox_mark_processed, ({"update_id": i, "at": now} for i in update_ids)
            )

    async def purge(self, older_than: dt.datetime) -> int:
        """Forget handled updates received before ``older_than``."""
        async with self._hot.transaction() as tx:
            return await tx.execute(self._sql.inbox_purge, older_than=older_than)


def chat_of(payload: dict[str, Any]) -> int | None:
    """The chat an update came from (a pressed button's message's chat, or its presser)."""

    def field(value: Any, *path: str) -> Any:
        for name in path:
            value = value.get(name) if isinstance(value, dict) else None
        return value

    for path in (
        ("message", "chat", "id"),
        ("edited_message", "chat", "id"),
        ("callback_query", "message", "chat", "id"),
        ("callback_query", "from", "id"),
    ):
        found = field(payload, *path)
        if isinstance(found, int) and not isinstance(found, bool):
            return found
    return None
