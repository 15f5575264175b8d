"""Staff members and their roles, kept in the database and seeded from the STAFF setting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.workflow import Role
from storage import models
from storage.audit import record


@dataclass(frozen=True)
class Official:
    """What a staff member's signature prints: their official name and title, when recorded."""

    name: str | None = None
    title: str | None = None

    @property
    def missing(self) -> tuple[str, ...]:
        """What is not recorded yet, of ``"name"`` and ``"title"``: a signer lacking either
        cannot sign."""
        return tuple(part for part in ("name", "title") if not getattr(self, part))


@dataclass(frozen=True)
class StaffMember:
    """One person and every role they hold."""

    user_id: int
    name: str | None
    roles: frozenset[Role]
    title: str | None = None

    @property
    def official(self) -> Official:
        return Official(self.name, self.title)


async def roles_in(session: AsyncSession, user_id: int) -> frozenset[Role]:
    """The roles ``user_id`` holds, read in the caller's transaction."""
    rows = await session.scalars(
        select(models.StaffRole.role).where(models.StaffRole.user_id == user_id)
    )
    return frozenset(Role(r) for r in rows if r in Role.__members__.values())


async def official_in(session: AsyncSession, user_id: int) -> Official:
    """The official name and title recorded for ``user_id``, read in the caller's
    transaction."""
    rows = (
        await session.execute(
            select(models.StaffRole.name, models.StaffRole.title)
            .where(models.StaffRole.user_id == user_id)
            .order_by(models.StaffRole.role)
        )
    ).all()
    return Official(
        next((name for name, _ in rows if name is not None), None),
        next((title for _, title in rows if title is not None), None),
    )


async def name_in(session: AsyncSession, user_id: int) -> str | None:
    """The official name recorded for ``user_id`` (None when none is), read in the caller's
    transaction."""
    return (await official_in(session, user_id)).name


async def _set_official(
    session: AsyncSession, user_id: int, part: Literal["name", "title"], value: str, *, by: int
) -> bool:
    """Write the official ``part`` (name or title) on every role row of ``user_id`` and audit
    it; False when they have no role."""
    if not value.strip():
        raise ValueError(f"an official {part} cannot be empty")
    result = await session.execute(
        update(models.StaffRole).where(models.StaffRole.user_id == user_id).values({part: value})
    )
    if not getattr(result, "rowcount", 0):
        return False
    await record(
        session, actor_id=by, action=f"staff_{part}", outcome="done", reason=f"{user_id}:{value}"
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
                official = await official_in(session, user_id)
                for role in roles - held:
                    session.add(
                        models.StaffRole(
                            user_id=user_id,
                            role=role.value,
                            name=official.name,
                            title=official.title,
                        )
                    )

    async def seed_official(self, user_id: int, *, name: str, title: str) -> None:
        """Record ``name`` and ``title`` as the official name and title of staff member
        ``user_id`` where none is recorded yet: a setup's own staff (the playground's signer),
        seeded as STAFF seeds roles. What an admin recorded is kept."""
        async with self._sessions.begin() as session:
            for column, value in (("name", name), ("title", title)):
                await session.execute(
                    update(models.StaffRole)
                    .where(
                        models.StaffRole.user_id == user_id,
                        getattr(models.StaffRole, column).is_(None),
                    )
                    .values({column: value})
                )

    async def add(self, user_id: int, role: Role, *, by: int, name: str | None = None) -> bool:
        """Give ``user_id`` the ``role`` and, when ``name`` is given, record it as their official
        name (for every role they hold).

        Returns:
            False when they already held the role (the name is recorded all the same).
        """
        async with self._sessions.begin() as session:
            added = role not in await roles_in(session, user_id)
            if added:
                official = await official_in(session, user_id)
                session.add(
                    models.StaffRole(
                        user_id=user_id,
                        role=role.value,
                        name=name or official.name,
                        title=official.title,
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
                await _set_official(session, user_id, "name", name, by=by)
            return added

    async def rename(self, user_id: int, name: str, *, by: int) -> bool:
        """Record ``name`` as the official name of staff member ``user_id``, printed on what
        they sign from now on.

        Returns:
            False when ``user_id`` holds no role (nothing is recorded).
        """
        async with self._sessions.begin() as session:
            return await _set_official(session, user_id, "name", name, by=by)

    async def retitle(self, user_id: int, title: str, *, by: int) -> bool:
        """Record ``title`` as the official title of staff member ``user_id`` (the post printed
        under their name on what they sign from now on, e.g. «مدیرکل …»).

        Returns:
            False when ``user_id`` holds no role (nothing is recorded).
        """
        async with self._sessions.begin() as session:
            return await _set_official(session, user_id, "title", title, by=by)

    async def name_of(self, user_id: int) -> str | None:
        """The official name recorded for ``user_id``, if any."""
        async with self._sessions() as session:
            return await name_in(session, user_id)

    async def official_of(self, user_id: int) -> Official:
        """The official name and title recorded for ``user_id`` (each None when not)."""
        async with self._sessions() as session:
            return await official_in(session, user_id)

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
            title = (current.title if current else None) or row.title
            by_user[row.user_id] = StaffMember(row.user_id, name, frozenset(roles), title)
        return list(by_user.values())
