"""The append-only audit trail: rows are added, never changed or removed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import models


@dataclass(frozen=True)
class AuditView:
    """One entry of a request's history."""

    id: int
    request_id: int | None
    actor_id: int
    actor_name: str | None
    actor_title: str | None  # the official title they had then, when one was recorded
    action: str
    outcome: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    at: dt.datetime


def audit_view(row: models.AuditEntry) -> AuditView:
    """Copy an audit row into a plain object."""
    return AuditView(
        id=row.id,
        request_id=row.request_id,
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        actor_title=row.actor_title,
        action=row.action,
        outcome=row.outcome,
        from_status=row.from_status,
        to_status=row.to_status,
        reason=row.reason,
        at=row.at,
    )


async def record(
    session: AsyncSession,
    *,
    actor_id: int,
    action: str,
    outcome: str,
    request_id: int | None = None,
    actor_name: str | None = None,
    actor_title: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
) -> AuditView:
    """Append an entry in the caller's transaction."""
    row = models.AuditEntry(
        request_id=request_id,
        actor_id=actor_id,
        actor_name=actor_name,
        actor_title=actor_title,
        action=action,
        outcome=outcome,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        at=models.utcnow(),
    )
    session.add(row)
    await session.flush()
    return audit_view(row)


async def last_done(session: AsyncSession, request_id: int) -> AuditView | None:
    """The latest action that changed the request."""
    row = (
        await session.scalars(
            select(models.AuditEntry)
            .where(models.AuditEntry.request_id == request_id, models.AuditEntry.outcome == "done")
            .order_by(models.AuditEntry.id.desc())
            .limit(1)
        )
    ).first()
    return audit_view(row) if row else None


class AuditService:
    """Reading the trail."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def history(
        self, request_id: int, limit: int | None = None, *, done_only: bool = False
    ) -> list[AuditView]:
        """The request's entries, oldest first (the last ``limit`` when given); with
        ``done_only``, only the steps taken (refused attempts stay in the trail)."""
        async with self._sessions() as session:
            query = (
                select(models.AuditEntry)
                .where(models.AuditEntry.request_id == request_id)
                .order_by(models.AuditEntry.id.desc())
            )
            if done_only:
                query = query.where(models.AuditEntry.outcome == "done")
            if limit is not None:
                query = query.limit(limit)
            rows = (await session.scalars(query)).all()
        return [audit_view(r) for r in reversed(rows)]
