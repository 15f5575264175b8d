"""The outbox: messages owed to people, delivered at least once by a sender loop.

Rows are written in the same transaction as the change they report, so a crash between the
change and the send loses nothing. A sender claims due rows with a lease; on PostgreSQL the
claim uses ``FOR UPDATE SKIP LOCKED`` so several instances never take the same row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, Update, bindparam, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import models
from storage.db import upsert_insert
from storage.hotpath import HotPath, HotStatement, HotTransaction

_OUTBOX = cast(Table, models.Outbox.__table__)


def _by_id(**values: Any) -> Update:
    """``UPDATE outbox SET … WHERE id = :item_id``, a new statement each call."""
    return update(_OUTBOX).where(_OUTBOX.c.id == bindparam("item_id")).values(**values)


@dataclass(frozen=True)
class OutboxItem:
    """One claimed message to deliver."""

    id: int
    kind: str
    chat_id: int
    payload: dict[str, Any]
    attempts: int


async def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    chat_id: int,
    payload: dict[str, Any],
    dedupe_key: str,
    claim_for: dt.timedelta | None = None,
) -> OutboxItem | None:
    """Queue a message in the caller's transaction; a repeated ``dedupe_key`` is ignored.

    ``claim_for``: the row is written already claimed by the caller, who means to send it
    at once (see :meth:`bot.delivery.OutboxSender.deliver_claimed`): no sender takes it
    before the claim runs out, and any sender does after (the caller died, say). Returns the
    claimed item, or None when not claimed or the key was already queued.
    """
    values = _row(
        kind=kind, chat_id=chat_id, payload=payload, dedupe_key=dedupe_key, claim_for=claim_for
    )
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    statement = upsert_insert(dialect, models.Outbox).values(**values).on_conflict_do_nothing()
    if claim_for is None:
        await session.execute(statement)
        return None
    row_id = (await session.execute(statement.returning(models.Outbox.id))).scalar()
    return None if row_id is None else OutboxItem(row_id, kind, chat_id, dict(payload), 1)


class HotEnqueue:
    """:func:`enqueue` for a unit of work on the hot path (:meth:`HotPath.transaction`)."""

    def __init__(self, hot: HotPath) -> None:
        self._insert = hot.prepare(
            upsert_insert(hot.dialect.name, _OUTBOX)
            .values({name: bindparam(name) for name in _ROW_COLUMNS})
            .on_conflict_do_nothing()
            .returning(_OUTBOX.c.id)
        )

    async def __call__(self, tx: HotTransaction, **message: Any) -> OutboxItem | None:
        """As :func:`enqueue` (the same keywords), in ``tx``."""
        values = _row(**message)
        row = await tx.first(self._insert, **values)
        if values["attempts"] == 0 or row is None:  # not claimed, or queued already
            return None
        return OutboxItem(
            int(row["id"]), values["kind"], values["chat_id"], dict(values["payload"]), 1
        )


_ROW_COLUMNS = (
    "kind", "chat_id", "payload", "dedupe_key", "created_at", "next_attempt_at", "attempts",
)  # fmt: skip


def _row(
    *,
    kind: str,
    chat_id: int,
    payload: dict[str, Any],
    dedupe_key: str,
    claim_for: dt.timedelta | None = None,
) -> dict[str, Any]:
    """An outbox row's values: due now, or claimed by its writer for ``claim_for``."""
    now = models.utcnow()
    return {
        "kind": kind,
        "chat_id": chat_id,
        "payload": payload,
        "dedupe_key": dedupe_key,
        "created_at": now,
        "next_attempt_at": now if claim_for is None else now + claim_for,
        "attempts": 0 if claim_for is None else 1,
    }


class OutboxService:
    """Claiming and settling outbox rows.

    Claiming and settling run for every message sent, so they run on the hot path
    (storage.hotpath); the rarer queries use sessions.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], hot: HotPath) -> None:
        self._sessions = sessions
        self._hot = hot
        self._due: dict[tuple[tuple[str, ...] | None, tuple[str, ...]], HotStatement] = {}
        self._claim = hot.prepare(
            _by_id(attempts=bindparam("attempts"), next_attempt_at=bindparam("due"))
        )
        self._sent = hot.prepare(_by_id(sent_at=bindparam("at"), last_error=None))
        self._later = hot.prepare(
            _by_id(next_attempt_at=bindparam("due"), last_error=bindparam("error"))
        )
        self._failed = hot.prepare(
            _by_id(failed_at=bindparam("at"), last_error=bindparam("error"))
        )
        self._progress = hot.prepare(_by_id(payload=bindparam("payload")))

    def _due_query(
        self, kinds: Collection[str] | None, other_than: Collection[str]
    ) -> HotStatement:
        key = (tuple(sorted(kinds)) if kinds is not None else None, tuple(sorted(other_than)))
        statement = self._due.get(key)
        if statement is None:
            query = (
                select(_OUTBOX.c.id, _OUTBOX.c.kind, _OUTBOX.c.chat_id, _OUTBOX.c.payload,
                       _OUTBOX.c.attempts)
                .where(
                    _OUTBOX.c.sent_at.is_(None),
                    _OUTBOX.c.failed_at.is_(None),
                    _OUTBOX.c.next_attempt_at <= bindparam("now"),
                )
                .order_by(_OUTBOX.c.id)
                .limit(bindparam("limit"))
                .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE
            )  # fmt: skip
            # The kinds are the lanes' constants: written into the statement.
            if key[0] is not None:
                query = query.where(_OUTBOX.c.kind.in_([literal(k) for k in key[0]]))
            if key[1]:
                query = query.where(_OUTBOX.c.kind.not_in([literal(k) for k in key[1]]))
            statement = self._due[key] = self._hot.prepare(query)
        return statement

    async def claim_due(
        self,
        *,
        limit: int = 20,
        lease: dt.timedelta = dt.timedelta(seconds=60),
        kinds: Collection[str] | None = None,
        other_than: Collection[str] = (),
    ) -> list[OutboxItem]:
        """Take up to ``limit`` due rows, oldest first, hiding them from other senders for
        ``lease``: only rows of ``kinds`` when given, and none of ``other_than``."""
        now = models.utcnow()
        items = []
        async with self._hot.transaction() as tx:
            for row in await tx.all(self._due_query(kinds, other_than), now=now, limit=limit):
                attempts = row["attempts"] + 1
                await tx.execute(
                    self._claim, item_id=row["id"], attempts=attempts, due=now + lease
                )
                items.append(
                    OutboxItem(
                        row["id"], row["kind"], row["chat_id"], dict(row["payload"]), attempts
                    )
                )
        return items

    async def note_progress(self, item_id: int, payload: dict[str, Any]) -> None:
        """Remember how far a many-part message got, so a retry does not repeat the parts sent."""
        await self._hot.write_alone(self._progress, item_id=item_id, payload=payload)

    async def mark_sent(self, item_id: int) -> None:
        """The message was delivered."""
        await self._hot.write_alone(self._sent, item_id=item_id, at=models.utcnow())

    async def retry_later(self, item_id: int, delay: dt.timedelta, error: str) -> None:
        """Delivery failed for a passing reason; try again after ``delay``."""
        await self._hot.write_alone(
            self._later, item_id=item_id, due=models.utcnow() + delay, error=error[:500]
        )

    async def mark_failed(self, item_id: int, error: str) -> None:
        """Delivery can never succeed (the user blocked the bot, say); stop trying."""
        await self._hot.write_alone(
            self._failed, item_id=item_id, at=models.utcnow(), error=error[:500]
        )

    async def give_up_on_chat(self, chat_id: int, error: str) -> int:
        """The chat blocked the bot: stop every message still owed to it (not retried)."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(models.Outbox)
                .where(
                    models.Outbox.chat_id == chat_id,
                    models.Outbox.sent_at.is_(None),
                    models.Outbox.failed_at.is_(None),
                )
                .values(failed_at=models.utcnow(), last_error=error[:500])
            )
            return int(getattr(result, "rowcount", 0) or 0)

    async def failed(self) -> list[tuple[str, int, int, str | None]]:
        """Messages given up on: (kind, chat id, attempts, last error)."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(
                        models.Outbox.kind,
                        models.Outbox.chat_id,
                        models.Outbox.attempts,
                        models.Outbox.last_error,
                    ).where(models.Outbox.failed_at.is_not(None))
                )
            ).all()
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def next_due_in(self) -> dt.timedelta | None:
        """How long until the next row is due, or None when nothing is pending."""
        async with self._sessions() as session:
            earliest = await session.scalar(
                select(func.min(models.Outbox.next_attempt_at)).where(
                    models.Outbox.sent_at.is_(None), models.Outbox.failed_at.is_(None)
                )
            )
        if earliest is None:
            return None
        if earliest.tzinfo is None:
            earliest = earliest.replace(tzinfo=dt.UTC)
        return max(earliest - models.utcnow(), dt.timedelta(0))

    async def pending(self) -> int:
        """How many messages are still owed."""
        async with self._sessions() as session:
            count = await session.scalar(
                select(func.count()).where(
                    models.Outbox.sent_at.is_(None), models.Outbox.failed_at.is_(None)
                )
            )
        return int(count or 0)
