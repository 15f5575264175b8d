"""Use cases for filed requests, as their applicants and the operators see them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.stats import RequestFacts
from storage import models
from storage.errors import RequestNotFound
from storage.views import RequestView, request_view

_REQUESTS = cast(Table, models.Request.__table__)


class RequestService:
    """Reading requests (sessions; the staff card an announcement sent is recorded by
    storage.outbox.OutboxService.record_card)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def list_for_user(self, user_id: int, limit: int = 20) -> list[RequestView]:
        """The user's own requests, newest first."""
        async with self._sessions() as session:
            rows = (
                await session.scalars(
                    select(models.Request)
                    .where(models.Request.applicant_user_id == user_id)
                    .order_by(models.Request.created_at.desc(), models.Request.id.desc())
                    .limit(limit)
                )
            ).all()
            return [request_view(r) for r in rows]

    async def find_for_user(self, user_id: int, tracking_code: str) -> RequestView | None:
        """One of the user's own requests by tracking code; another user's is never found."""
        async with self._sessions() as session:
            row = (
                await session.scalars(
                    select(models.Request).where(
                        models.Request.tracking_code == tracking_code,
                        models.Request.applicant_user_id == user_id,
                    )
                )
            ).first()
            return request_view(row) if row else None

    async def owned_by(self, user_id: int, request_id: int) -> RequestView | None:
        """One of the user's own requests by id; another user's is never found."""
        async with self._sessions() as session:
            row = await session.get(models.Request, request_id)
            if row is None or row.applicant_user_id != user_id:
                return None
            return request_view(row)

    async def get(self, request_id: int) -> RequestView:
        """A request with its attachments.

        Raises:
            RequestNotFound: there is no such request.
        """
        async with self._sessions() as session:
            row = await session.get(models.Request, request_id)
            if row is None:
                raise RequestNotFound(request_id)
            return request_view(row, await _attachments(session, request_id))

    async def facts(self) -> list[RequestFacts]:
        """What statistics need of every request."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(
                        models.Request.kind,
                        models.Request.status,
                        models.Request.created_at,
                        models.Request.decided_at,
                        models.Request.due_at,
                    )
                )
            ).all()
        return [RequestFacts(*row) for row in rows]

    async def iterate_all(self, batch: int = 500) -> AsyncIterator[RequestView]:
        """Every request with its attachments, oldest first, in bounded batches."""
        last_id = 0
        while True:
            async with self._sessions() as session:
                rows = (
                    await session.scalars(
                        select(models.Request)
                        .where(models.Request.id > last_id)
                        .order_by(models.Request.id)
                        .limit(batch)
                    )
                ).all()
                if not rows:
                    return
                ids = [r.id for r in rows]
                attachments = (
                    await session.scalars(
                        select(models.Attachment)
                        .where(models.Attachment.request_id.in_(ids))
                        .order_by(models.Attachment.id)
                    )
                ).all()
            by_request: dict[int, list[models.Attachment]] = {}
            for a in attachments:
                by_request.setdefault(a.request_id, []).append(a)
            for r in rows:
                yield request_view(r, by_request.get(r.id, []))
            last_id = ids[-1]


async def _attachments(session: AsyncSession, request_id: int) -> list[models.Attachment]:
    return list(
        (
            await session.scalars(
                select(models.Attachment)
                .where(models.Attachment.request_id == request_id)
                .order_by(models.Attachment.id)
            )
        ).all()
    )
