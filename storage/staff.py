"""Staff members and their roles, kept in the database and seeded from the STAFF setting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.workflow import Role
from storage import models
from storage.audit import record


@dataclass(frozen=True)
class StaffMember:
    """One person and every role they hold."""

    user_id: int
    name: str | None
    roles: frozenset[Role]


async def roles_in(session: AsyncSession, user_id: int) -> frozenset[Role]:
    """The roles ``user_id`` holds, read in the caller's transaction."""
    rows = await session.scalars(
        select(models.StaffRole.role).where(models.StaffRole.user_id == user_id)
    )
    return frozenset(Role(r) for r in rows if r in Role.__members__.values())


async def name_in(session: AsyncSession, user_id: int) -> str | None:
    """The official name recorded for ``user_id`` (None when none is), read in the caller's
    transaction."""
    return (
        await session.scalars(
            select(models.StaffRole.name)
            .where(models.StaffRole.user_id == user_id, models.StaffRole.name.is_not(None))
            .order_by(models.StaffRole.role)
            .limit(1)
        )
    ).first()


async def _set_name(session: AsyncSession, user_id: int, name: str, *, by: int) -> bool:
    """Write ``name`` on every role row of ``user_id`` and audit it; False when they have none."""
    if not name.strip():
        raise ValueError("an official name cannot be empty")
    result = await session.execute(
        update(models.StaffRole).where(models.StaffRole.user_id == user_id).values(name=name)
    )
    if not getattr(result, "rowcount", 0):
        return False
    await record(
        session, actor_id=by, action="staff_name", outcome="done", reason=f"{user_id}:{name}"
    )
    return True


class StaffService:
    """Who may act, managed by admins from the staff chat."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def roles_of(self, user_id: int) -> frozenset[Role]:
        """The roles ``user_id`` holds (empty for everyone who is not staff)."""
        async with self._sessions() as session:
            return await roles_in(session, user_id)

    async def seed(self, staff: Mapping[int, frozenset[Role]]) -> None:
        """Make sure everyone in the STAFF setting holds at least those roles.

        Someone an admin removed with ``/staff remove`` stays removed: the setting does not
        bring them back at the next start.
        """
        async with self._sessions.begin() as session:
            removed = set(
                (
                    await session.scalars(
                        select(models.AuditEntry.reason).where(
                            models.AuditEntry.action == "staff_remove"
                        )
                    )
                ).all()
            )
            for user_id, roles in staff.items():
                if str(user_id) in removed:
                    continue
                held = await roles_in(session, user_id)
                name = await name_in(session, user_id)
                for role in roles - held:
                    session.add(models.StaffRole(user_id=user_id, role=role.value, name=name))

    async def add(self, user_id: int, role: Role, *, by: int, name: str | None = None) -> bool:
        """Give ``user_id`` the ``role`` and, when ``name`` is given, record it as their official
        name (for every role they hold).

        Returns:
            False when they already held the role (the name is recorded all the same).
        """
        async with self._sessions.begin() as session:
            added = role not in await roles_in(session, user_id)
            if added:
                session.add(
                    models.StaffRole(
                        user_id=user_id,
                        role=role.value,
                        name=name or await name_in(session, user_id),
                        added_by=by,
                    )
                )
                await record(
                    session,
                    actor_id=by,
                    action="staff_add",
                    outcome="done",
                    reason=f"{user_id}:{role.value}",
                )
            if name is not None:
                await _set_name(session, user_id, name, by=by)
            return added

    async def rename(self, user_id: int, name: str, *, by: int) -> bool:
        """Record ``name`` as the official name of staff member ``user_id``, printed on what
        they sign from now on.

        Returns:
            False when ``user_id`` holds no role (nothing is recorded).
        """
        async with self._sessions.begin() as session:
            return await _set_name(session, user_id, name, by=by)

    async def name_of(self, user_id: int) -> str | None:
        """The official name recorded for ``user_id``, if any."""
        async with self._sessions() as session:
            return await name_in(session, user_id)

    async def remove(self, user_id: int, *, by: int) -> bool:
        """Take every role from ``user_id``; returns False when they held none."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(models.StaffRole).where(models.StaffRole.user_id == user_id)
            )
            removed = bool(getattr(result, "rowcount", 0))
            if removed:
                await record(
                    session,
                    actor_id=by,
                    action="staff_remove",
                    outcome="done",
                    reason=str(user_id),
                )
            return removed

    async def members(self) -> list[StaffMember]:
        """Everyone who holds a role, by user id."""
        async with self._sessions() as session:
            rows = (
                await session.scalars(select(models.StaffRole).order_by(models.StaffRole.user_id))
            ).all()
        by_user: dict[int, StaffMember] = {}
        for row in rows:
            current = by_user.get(row.user_id)
            roles = (current.roles if current else frozenset()) | {Role(row.role)}
            name = (current.name if current else None) or row.name
            by_user[row.user_id] = StaffMember(row.user_id, name, frozenset(roles))
        return list(by_user.values())
