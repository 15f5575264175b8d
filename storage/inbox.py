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
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import models
from storage.db import upsert_insert
from storage.hotpath import HotPath
from storage.outbox import enqueue

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
_INBOX = cast(Table, models.InboxUpdate.__table__)


class InboxService:
    """Recording, claiming and settling received updates."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], hot: HotPath) -> None:
        self._sessions = sessions
        self._hot = hot
        # RETURNING names the row only if this call inserted it: of two instances given the
        # same update at once (webhooks), exactly one handles it. The one poller handles an
        # update newer than any written here while writing it (bot.intake).
        self._record = hot.prepare(
            upsert_insert(hot.dialect.name, _INBOX)
            .values(
                {
                    name: bindparam(name)
                    for name in ("update_id", "payload", "received_at", "claimed_at", "attempts")
                }
            )
            .on_conflict_do_nothing()
            .returning(_INBOX.c.update_id)
        )

    async def record(self, updates: Sequence[tuple[int, dict[str, Any]]]) -> list[int]:
        """Write updates down; returns the ids that were new (re-deliveries are dropped).

        Every update takes this path, so it runs on the hot path (storage.hotpath).
        """
        if not updates:
            return []
        now = models.utcnow()
        rows = [
            {"update_id": i, "payload": p, "received_at": now, "claimed_at": now, "attempts": 0}
            for i, p in updates
        ]
        if len(rows) == 1:
            # One statement is a transaction by itself: no BEGIN and COMMIT round trips.
            inserted = await self._hot.write_alone(self._record, **rows[0])
        else:
            async with self._hot.transaction() as tx:
                inserted = [r for row in rows for r in await tx.all(self._record, **row)]
        fresh = {int(row["update_id"]) for row in inserted}
        return [i for i, _ in updates if i in fresh]

    async def highest_update_id(self) -> int:
        """The highest update id ever recorded (0 when none)."""
        async with self._sessions() as session:
            return int(await session.scalar(select(func.max(_INBOX.c.update_id))) or 0)

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
        async with self._sessions.begin() as session:
            query = (
                select(models.InboxUpdate)
                .where(
                    models.InboxUpdate.processed_at.is_(None),
                    or_(
                        models.InboxUpdate.claimed_at.is_(None),
                        models.InboxUpdate.claimed_at <= now - lease,
                    ),
                )
                .order_by(models.InboxUpdate.update_id)
                .limit(limit)
            )
            if session.bind and session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = (await session.scalars(query)).all()
            chats: dict[int | None, list[models.InboxUpdate]] = {}
            for row in rows:
                row.claimed_at = now
                chats.setdefault(chat_of(row.payload), []).append(row)
            ordered = sorted(
                chats.values(), key=lambda chat: (chat[0].attempts, chat[0].update_id)
            )
            return [(row.update_id, dict(row.payload)) for chat in ordered for row in chat]

    async def charge(self, update_id: int) -> bool:
        """Count an attempt at handling a taken-over update, just before it starts.

        Returns whether to handle it: False once it was handled meanwhile, or when it has been
        charged :data:`MAX_ATTEMPTS` times already; it is then set aside (marked handled) and
        its chat is sent a word that it was given up, in the same transaction.
        """
        async with self._sessions.begin() as session:
            row = await session.get(models.InboxUpdate, update_id, with_for_update=True)
            if row is None or row.processed_at is not None:
                return False
            row.attempts += 1
            row.claimed_at = models.utcnow()
            if row.attempts <= MAX_ATTEMPTS:
                return True
            row.processed_at = models.utcnow()
            log.warning(
                "update %s set aside after %d crashes in its handling", update_id, MAX_ATTEMPTS
            )
            chat_id = chat_of(row.payload)
            if chat_id is not None:
                await enqueue(
                    session,
                    kind="update_given_up",
                    chat_id=chat_id,
                    payload={"update_id": update_id},
                    dedupe_key=f"given_up:{update_id}",
                )
            return False

    async def contains(self, update_id: int) -> bool:
        """Whether the update was ever received."""
        async with self._sessions() as session:
            return await session.get(models.InboxUpdate, update_id) is not None

    async def mark_processed(self, *update_ids: int) -> None:
        """The updates were handled."""
        async with self._sessions.begin() as session:
            connection = await session.connection()
            await connection.execute(
                update(_INBOX)
                .where(_INBOX.c.update_id.in_(update_ids))
                .values(processed_at=models.utcnow())
            )

    async def purge(self, older_than: dt.datetime) -> int:
        """Forget handled updates received before ``older_than``."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(models.InboxUpdate).where(
                    models.InboxUpdate.processed_at.is_not(None),
                    models.InboxUpdate.received_at < older_than,
                )
            )
            return int(getattr(result, "rowcount", 0) or 0)


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
