"""The outbox: messages owed to people, delivered at least once by a sender loop.

Rows are written in the same transaction as the change they report, so a crash between the
change and the send loses nothing. A sender claims due rows with a lease; on PostgreSQL the
claim uses ``FOR UPDATE SKIP LOCKED`` so several instances never take the same row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage import models
from storage.hotpath import HotPath, HotStatement, HotTransaction
from storage.statements import for_dialect
from storage.views import OutboxItem


class OutboxKind(StrEnum):
    """What an outbox row owes, and so how the sender delivers it (bot.delivery's handlers).
    Stored as its value."""

    ANNOUNCE_REQUEST = "announce_request"  # a new request's card and documents, to staff
    CARD = "card"  # the staff card brought up to date
    NOTIFY = "notify"  # a word to the applicant on their request
    ANSWER_POSTED = "answer_posted"  # an applicant's or a centre's answer, under the card
    SECURITY_REPORT = "security_report"  # a forgery report, to the security unit
    DIGEST = "digest"  # the daily deadline digest
    ISSUE = "issue"  # an approved request's confirmation, issued and sent
    CENTRE_LETTER = "centre_letter"  # the letter to a training centre
    NOT_AUTHENTIC = "not_authentic"  # an inquiring organisation's «فاقد اصالت» letter
    DRAFT_EXPIRED = "draft_expired"  # an unfinished request dropped
    TEXT = "text"  # a plain text to one chat
    UPDATE_GIVEN_UP = "update_given_up"  # an update set aside after crashing the bot
    CARD_SUPERSEDED = "card_superseded"  # a second card of one request, told so


async def enqueue(
    unit: AsyncSession | HotTransaction,
    *,
    kind: OutboxKind,
    chat_id: int,
    payload: dict[str, Any],
    dedupe_key: str,
    claim_for: dt.timedelta | None = None,
) -> OutboxItem | None:
    """Queue a message in the caller's unit of work (a session's transaction or one on the
    hot path); a repeated ``dedupe_key`` is ignored.

    ``claim_for``: the row is written already claimed by the caller, who means to send it
    at once (see :meth:`bot.delivery.OutboxSender.deliver_claimed`): no sender takes it
    before the claim runs out, and any sender does after (the caller died, say). Returns the
    claimed item, or None when not claimed or the key was already queued.
    """
    values = _row(
        kind=kind, chat_id=chat_id, payload=payload, dedupe_key=dedupe_key, claim_for=claim_for
    )
    # One statement (storage.statements.outbox_enqueue), run by either executor.
    if isinstance(unit, HotTransaction):
        row = await unit.first(unit.prepare(unit.statements.outbox_enqueue), **values)
        row_id = None if row is None else row["id"]
    else:
        insert = for_dialect(unit.get_bind().dialect.name).outbox_enqueue
        row_id = (await unit.execute(insert, values)).scalar()
    if claim_for is None or row_id is None:  # not claimed, or queued already
        return None
    return OutboxItem(int(row_id), kind, chat_id, dict(payload), 1)


def _row(
    *,
    kind: OutboxKind,
    chat_id: int,
    payload: dict[str, Any],
    dedupe_key: str,
    claim_for: dt.timedelta | None = None,
) -> dict[str, Any]:
    """An outbox row's values: due now, or claimed by its writer for ``claim_for``."""
    now = models.utcnow()
    return {
        "kind": str(kind),
        "chat_id": chat_id,
        "payload": payload,
        "dedupe_key": dedupe_key,
        "created_at": now,
        "next_attempt_at": now if claim_for is None else now + claim_for,
        "attempts": 0 if claim_for is None else 1,
    }


class OutboxService:
    """Claiming and settling outbox rows, on the hot path (storage.hotpath): they run for
    every message sent."""

    def __init__(self, hot: HotPath) -> None:
        self._hot = hot
        self._sql = hot.statements

    def _due_query(
        self, kinds: Collection[str] | None, other_than: Collection[str]
    ) -> HotStatement:
        return self._hot.prepare(self._sql.outbox_due(kinds, other_than))

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
                    self._sql.outbox_claim, item_id=row["id"], attempts=attempts, due=now + lease
                )
                items.append(
                    OutboxItem(
                        row["id"], row["kind"], row["chat_id"], dict(row["payload"]), attempts
                    )
                )
        return items

    async def note_progress(self, item_id: int, payload: dict[str, Any]) -> None:
        """Remember how far a many-part message got, so a retry does not repeat the parts sent."""
        await self._hot.write_alone(self._sql.outbox_progress, item_id=item_id, payload=payload)

    async def mark_sent(self, item_id: int) -> None:
        """The message was delivered."""
        await self._hot.write_alone(self._sql.outbox_sent, item_id=item_id, at=models.utcnow())

    async def retry_later(self, item_id: int, delay: dt.timedelta, error: str) -> None:
        """Delivery failed for a passing reason; try again after ``delay``."""
        await self._hot.write_alone(
            self._sql.outbox_retry_later,
            item_id=item_id,
            due=models.utcnow() + delay,
            error=error[:500],
        )

    async def mark_failed(self, item_id: int, error: str) -> None:
        """Delivery can never succeed (the user blocked the bot, say); stop trying."""
        await self._hot.write_alone(
            self._sql.outbox_failed, item_id=item_id, at=models.utcnow(), error=error[:500]
        )

    async def record_card(self, request_id: int, chat_id: int, message_id: int) -> bool:
        """Remember the staff card a request was announced with (its message id, to edit it
        later), unless one is recorded already.

        Returns False when another card was recorded first: this one is then queued to say it
        was superseded and to lose its buttons, so no card is left with buttons the bot never
        updates. One statement in the usual case: every announcement records its card.
        """
        recorded = await self._hot.write_alone(
            self._sql.request_card_record,
            request_id=request_id,
            message_id=message_id,
            now=models.utcnow(),
        )
        if recorded:
            return True
        async with self._hot.transaction() as tx:
            await enqueue(
                tx,
                kind=OutboxKind.CARD_SUPERSEDED,
                chat_id=chat_id,
                payload={"request_id": request_id, "message_id": message_id},
                dedupe_key=f"superseded:{chat_id}:{message_id}",
            )
        return False

    async def give_up_on_chat(self, chat_id: int, error: str) -> int:
        """The chat blocked the bot: stop every message still owed to it (not retried)."""
        async with self._hot.transaction() as tx:
            return await tx.execute(
                self._sql.outbox_give_up_on_chat,
                chat_id=chat_id,
                at=models.utcnow(),
                error=error[:500],
            )

    async def failed(self) -> list[tuple[str, int, int, str | None]]:
        """Messages given up on: (kind, chat id, attempts, last error)."""
        rows = await self._hot.read_all(self._sql.outbox_given_up)
        return [(r["kind"], r["chat_id"], r["attempts"], r["last_error"]) for r in rows]

    async def next_due_in(self) -> dt.timedelta | None:
        """How long until the next row is due, or None when nothing is pending."""
        row = await self._hot.read(self._sql.outbox_next_due)
        earliest: dt.datetime | None = None if row is None else row["earliest"]
        if earliest is None:
            return None
        if earliest.tzinfo is None:
            earliest = earliest.replace(tzinfo=dt.UTC)
        return max(earliest - models.utcnow(), dt.timedelta(0))

    async def pending(self) -> int:
        """How many messages are still owed."""
        row = await self._hot.read(self._sql.outbox_pending)
        return int(row["pending"] or 0) if row is not None else 0
