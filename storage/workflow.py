"""Staff decisions and applicant answers as use cases: authorise, compare-and-set, audit, notify.

Each use case is one transaction: the status change, its audit entry and every message it owes
(to the applicant, the staff card, the security unit) are committed together or not at all.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.deadlines import Classification, WorkCalendar, due_at
from domain.jalali import last_occurrence, to_tehran
from domain.workflow import (
    LETTER_SIGNED_BY,
    OPEN,
    Act,
    Role,
    Status,
    Transition,
    may,
    transition,
)
from storage import models
from storage.audit import AuditView, audit_view, last_done, record
from storage.errors import RequestNotFound, StorageError
from storage.outbox import OutboxKind, enqueue
from storage.staff import official_in, roles_in
from storage.views import RequestView, StoredUpload, request_view

log = logging.getLogger(__name__)

DUE_SOON = dt.timedelta(days=1)
CLASSIFY_ACTS = frozenset({Act.CLASSIFY_BOOKS, Act.CLASSIFY_CENTRE, Act.CLASSIFY_MECHANIZED})


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff member or the applicant."""

    user_id: int
    name: str | None = None


class Denied(StorageError):
    """The actor may not do this (not staff, wrong role, or not in the staff chat)."""


class AlreadyHandled(StorageError):
    """Someone else (or an earlier press) already moved the request on."""

    def __init__(self, status: str, by: AuditView | None) -> None:
        super().__init__(status)
        self.status = status
        self.by = by


class FourEyes(StorageError):
    """The person who recommended approval may not also approve."""


class Unofficial(StorageError):
    """A signing act by someone whose official name or title is not recorded: what they sign
    would print neither. ``missing`` holds ``"name"``, ``"title"`` or both."""

    def __init__(self, missing: tuple[str, ...]) -> None:
        super().__init__(", ".join(missing))
        self.missing = missing


@dataclass(frozen=True)
class Prompt:
    """A question the bot put to a staff member in a chat, waiting for their answer."""

    request_id: int
    action: Act
    staff_id: int
    message_id: int
    created_at: dt.datetime


class WorkflowService:
    """Moves requests through their life (domain.workflow) on behalf of staff and applicants."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        calendar: WorkCalendar,
        single_step: bool = False,
        security_chat_id: int | None = None,
    ) -> None:
        self._sessions = sessions
        self.calendar = calendar
        self.single_step = single_step
        self.security_chat_id = security_chat_id

    async def deny(self, actor: Actor, act: str, request_id: int | None, why: str) -> None:
        """Write a refused attempt to the audit trail (the caller tells the person)."""
        async with self._sessions.begin() as session:
            if request_id is not None and await session.get(models.Request, request_id) is None:
                request_id = None
            await record(
                session,
                actor_id=actor.user_id,
                actor_name=actor.name,
                action=act,
                outcome="denied",
                request_id=request_id,
                reason=why,
            )

    async def authorize(self, actor: Actor, act: Act, request_id: int | None) -> frozenset[Role]:
        """The actor's roles, when they include one that may do ``act``.

        Raises:
            Denied: they may not; the attempt is in the audit trail.
        """
        async with self._sessions() as session:
            roles = await roles_in(session, actor.user_id)
        if not may(roles, act):
            await self.deny(actor, act.value, request_id, "role")
            raise Denied(act.value)
        return roles

    async def apply(
        self,
        request_id: int,
        act: Act,
        actor: Actor,
        *,
        text: str | None = None,
        upload: StoredUpload | None = None,
    ) -> RequestView:
        """Do ``act`` on the request as staff member ``actor``.

        Raises:
            Denied: the actor lacks the role (audited).
            RequestNotFound: no such request (a forged or stale button).
            AlreadyHandled: the request is no longer where this act starts (a double press or
                a race); carries who moved it.
            FourEyes: the recommender tried to approve.
            Unofficial: a signing act by a signer without an official name and title (audited).
        """
        await self.authorize(actor, act, request_id)
        move = transition(act, single_step=self.single_step)
        if move.needs_text and not (text and text.strip()):
            raise ValueError(f"{act} needs a text")
        if move.needs_file and upload is None:
            raise ValueError(f"{act} needs a file")
        now = models.utcnow()
        try:
            view = await self._apply(request_id, act, actor, now, text, upload)
        except FourEyes:
            await self.deny(actor, act.value, request_id, "four-eyes")
            raise
        except Unofficial as unofficial:
            await self.deny(actor, act.value, request_id, f"unofficial:{unofficial}")
            raise
        log.info("request %s: %s by %s", view.tracking_code, act.value, actor.user_id)
        return view

    async def _apply(
        self,
        request_id: int,
        act: Act,
        actor: Actor,
        now: dt.datetime,
        text: str | None,
        upload: StoredUpload | None,
    ) -> RequestView:
        async with self._sessions.begin() as session:
            row = await session.get(models.Request, request_id)
            if row is None:
                raise RequestNotFound(request_id)
            move = transition(act, single_step=self.single_step, kind=row.kind)
            from_status = row.status  # before the UPDATE refreshes the row in the session
            if act is Act.APPROVE and not self.single_step and row.recommended_by == actor.user_id:
                raise FourEyes(act.value)
            # The name and title the act is recorded under are the ones printed as signer on
            # what it issues (confirmations, letters): a signing act needs both.
            official = await official_in(session, actor.user_id)
            if move.signs and official.missing:
                raise Unofficial(official.missing)
            values: dict[str, Any] = {"status": move.target.value, "updated_at": now}
            conditions = [
                models.Request.id == request_id,
                models.Request.status.in_([s.value for s in move.sources]),
            ]
            if move.classification is not None:
                # Deadlines count from filing, so classifying late does not buy time.
                values["classification"] = move.classification.value
                values["due_at"] = due_at(
                    row.kind, move.classification, row.created_at, self.calendar
                )
                if act in CLASSIFY_ACTS:  # pressing the same class twice is one move
                    conditions.append(
                        or_(
                            models.Request.classification.is_(None),
                            models.Request.classification != move.classification.value,
                        )
                    )
            if act is Act.APPROVE and not self.single_step:
                # Four eyes, inside the compare-and-set: the recommender cannot approve.
                conditions.append(
                    or_(
                        models.Request.recommended_by.is_(None),
                        models.Request.recommended_by != actor.user_id,
                    )
                )
            if act is Act.RECOMMEND:
                values["recommended_by"] = actor.user_id
            decides = move.target in (Status.APPROVED, Status.REJECTED, Status.FORGED)
            if decides:
                values.update(decided_by=actor.user_id, decided_at=now, decision_note=text)
            result = await session.execute(
                update(models.Request).where(*conditions).values(**values)
            )
            if not getattr(result, "rowcount", 0):
                current = await session.get(models.Request, request_id, populate_existing=True)
                if (
                    act is Act.APPROVE
                    and current is not None
                    and current.status in {s.value for s in move.sources}
                    and current.recommended_by == actor.user_id
                ):
                    raise FourEyes(act.value)
                raise AlreadyHandled(from_status, await last_done(session, request_id))
            # A signed letter is the one its draft holds (the centre's name, the forgery note),
            # read once the request is ours: no one can draft it again meanwhile.
            drafted = None
            letter = LETTER_SIGNED_BY.get(act)
            if letter is not None:
                draft = await _last_act(session, request_id, letter.draft)
                drafted = draft.reason if draft is not None else None
                if decides:
                    await session.execute(
                        update(models.Request)
                        .where(models.Request.id == request_id)
                        .values(decision_note=drafted)
                    )
            entry = await record(
                session,
                actor_id=actor.user_id,
                actor_name=official.name or actor.name,
                actor_title=official.title,
                action=act.value,
                outcome="done",
                request_id=request_id,
                from_status=from_status,
                to_status=move.target.value,
                reason=text,
            )
            attachment_id = None
            if upload is not None:
                attachment = _attachment(request_id, "centre_answer", upload)
                session.add(attachment)
                await session.flush()
                attachment_id = attachment.id
            if act is Act.REVOKE:
                await session.execute(
                    update(models.Confirmation)
                    .where(models.Confirmation.request_id == request_id)
                    .values(
                        status="revoked",
                        revoked_at=now,
                        revoke_reason=text,
                        revoked_by=actor.user_id,
                    )
                )
            await self._owe(session, row, act, move, entry, text or drafted, attachment_id)
            await session.refresh(row)
            view = request_view(row)
        return view

    async def _owe(
        self,
        session: AsyncSession,
        row: models.Request,
        act: Act,
        move: Transition,
        entry: AuditView,
        text: str | None,
        attachment_id: int | None = None,
    ) -> None:
        """Queue every message this act owes, in the act's own transaction. A drafted letter
        owes nothing but the card: its signing act sends it (``text`` then is the draft's)."""
        event = move.applicant_event
        if event is not None and act is not Act.ANSWER:
            await enqueue(
                session,
                kind=OutboxKind.NOTIFY,
                chat_id=row.applicant_chat_id,
                payload={"event": event, "code": row.tracking_code, "text": text or ""},
                dedupe_key=f"notify:{entry.id}",
            )
        await enqueue(
            session,
            kind=OutboxKind.CARD,
            chat_id=0,
            payload={"request_id": row.id},
            dedupe_key=f"card:{entry.id}",
        )
        if act is Act.APPROVE:
            await enqueue(
                session,
                kind=OutboxKind.ISSUE,
                chat_id=0,  # several recipients: not tied to (nor given up with) one chat
                payload={"request_id": row.id},
                dedupe_key=f"issue:{row.id}",
            )
        if act is Act.SIGN_NOT_AUTHENTIC:
            # The organisation gets the office's answer letter instead of a short notice.
            await enqueue(
                session,
                kind=OutboxKind.NOT_AUTHENTIC,
                chat_id=row.applicant_chat_id,
                payload={"request_id": row.id},
                dedupe_key=f"not_authentic:{entry.id}",
            )
        if move.target is Status.FORGED and self.security_chat_id is not None:
            await enqueue(
                session,
                kind=OutboxKind.SECURITY_REPORT,
                chat_id=self.security_chat_id,
                payload={"request_id": row.id, "note": text or "", "audit_id": entry.id},
                dedupe_key=f"security:{entry.id}",
            )
        if act is Act.SIGN_CENTRE_LETTER:
            await enqueue(
                session,
                kind=OutboxKind.CENTRE_LETTER,
                chat_id=0,
                payload={"request_id": row.id, "centre": text or "", "audit_id": entry.id},
                dedupe_key=f"centre_letter:{entry.id}",
            )
        if act in (Act.CENTRE_FOUND, Act.CENTRE_NOT_FOUND):
            await enqueue(
                session,
                kind=OutboxKind.ANSWER_POSTED,
                chat_id=0,
                payload={
                    "request_id": row.id,
                    "text": "",
                    "attachment_id": attachment_id,
                    "caption": "centre",
                },
                dedupe_key=f"centre_answer:{entry.id}",
            )
        if act is Act.ANSWER:
            await enqueue(
                session,
                kind=OutboxKind.ANSWER_POSTED,
                chat_id=0,
                payload={"request_id": row.id, "text": text or "", "attachment_id": attachment_id},
                dedupe_key=f"answer:{entry.id}",
            )

    async def waiting_for(self, user_id: int, code: str | None = None) -> RequestView | None:
        """The applicant's request that waits for their answer: the one with tracking code
        ``code`` when given (the question they replied to), else the latest asked."""
        async with self._sessions() as session:
            conditions = [
                models.Request.applicant_user_id == user_id,
                models.Request.status == Status.WAITING_APPLICANT.value,
            ]
            if code is not None:
                conditions.append(models.Request.tracking_code == code)
            row = (
                await session.scalars(
                    select(models.Request)
                    .where(*conditions)
                    .order_by(models.Request.updated_at.desc())
                    .limit(1)
                )
            ).first()
            return request_view(row) if row else None

    async def withdraw(self, request_id: int, actor: Actor) -> RequestView:
        """The applicant withdraws their own open request.

        Raises:
            RequestNotFound: no such request, or not theirs.
            AlreadyHandled: it is no longer open.
        """
        return await self._applicant_move(request_id, actor, Act.WITHDRAW)

    async def answer(
        self, request_id: int, actor: Actor, *, text: str | None, upload: StoredUpload | None
    ) -> RequestView:
        """The applicant answered the staff's question: keep it and return to review.

        Raises:
            AlreadyHandled: the request is no longer waiting for an answer.
        """
        return await self._applicant_move(request_id, actor, Act.ANSWER, text, upload)

    async def _applicant_move(
        self,
        request_id: int,
        actor: Actor,
        act: Act,
        text: str | None = None,
        upload: StoredUpload | None = None,
    ) -> RequestView:
        """One of the applicant's own moves (domain.workflow), as one compare-and-set."""
        move = transition(act)
        async with self._sessions.begin() as session:
            row = await session.get(models.Request, request_id)
            if row is None or row.applicant_user_id != actor.user_id:
                raise RequestNotFound(request_id)
            from_status = row.status
            result = await session.execute(
                update(models.Request)
                .where(
                    models.Request.id == request_id,
                    models.Request.status.in_([s.value for s in move.sources]),
                )
                .values(status=move.target.value, updated_at=models.utcnow())
            )
            if not getattr(result, "rowcount", 0):
                raise AlreadyHandled(from_status, await last_done(session, request_id))
            attachment_id = None
            if upload is not None:
                attachment = _attachment(request_id, "applicant_answer", upload)
                session.add(attachment)
                await session.flush()
                attachment_id = attachment.id
            entry = await record(
                session,
                actor_id=actor.user_id,
                actor_name=actor.name,
                action=act.value,
                outcome="done",
                request_id=request_id,
                from_status=from_status,
                to_status=move.target.value,
                reason=text,
            )
            await self._owe(session, row, act, move, entry, text, attachment_id)
            await session.refresh(row)
            return request_view(row)

    async def open_prompt(
        self, *, chat_id: int, message_id: int, request_id: int, act: Act, staff_id: int
    ) -> None:
        """Remember the prompt put to a staff member; it replaces any earlier one still open
        for them in the chat, so that their next message cannot answer the wrong request."""
        async with self._sessions.begin() as session:
            await _close_prompts(session, chat_id, models.StaffPrompt.staff_id == staff_id)
            session.add(
                models.StaffPrompt(
                    chat_id=chat_id,
                    message_id=message_id,
                    request_id=request_id,
                    action=act.value,
                    staff_id=staff_id,
                )
            )

    async def take_prompt(
        self, chat_id: int, message_id: int, staff_id: int, *, consume: bool = True
    ) -> Prompt | None:
        """The open question that ``message_id`` is, if ``staff_id`` was the one asked.

        With ``consume`` it is closed, so a second answer does not act twice.
        """
        async with self._sessions.begin() as session:
            row = (
                await session.scalars(
                    select(models.StaffPrompt).where(
                        models.StaffPrompt.chat_id == chat_id,
                        models.StaffPrompt.message_id == message_id,
                        models.StaffPrompt.used_at.is_(None),
                    )
                )
            ).first()
            if row is None or row.staff_id != staff_id:
                return None
            if consume:
                row.used_at = models.utcnow()
            return _prompt(row)

    async def latest_prompt(self, chat_id: int, staff_id: int) -> Prompt | None:
        """The prompt open for ``staff_id`` in the chat (one at most): what a plain message
        from them answers, if it is recent enough (:attr:`Prompt.created_at`)."""
        async with self._sessions() as session:
            row = (
                await session.scalars(
                    select(models.StaffPrompt)
                    .where(
                        models.StaffPrompt.chat_id == chat_id,
                        models.StaffPrompt.staff_id == staff_id,
                        models.StaffPrompt.used_at.is_(None),
                    )
                    .order_by(models.StaffPrompt.id.desc())
                    .limit(1)
                )
            ).first()
            return _prompt(row) if row is not None else None

    async def is_prompt(self, chat_id: int, message_id: int) -> bool:
        """Whether the bot's message ``message_id`` is a prompt (anyone's, open or not)."""
        async with self._sessions() as session:
            found = await session.scalar(
                select(models.StaffPrompt.id).where(
                    models.StaffPrompt.chat_id == chat_id,
                    models.StaffPrompt.message_id == message_id,
                )
            )
            return found is not None

    async def expire_prompt(self, chat_id: int, message_id: int) -> bool:
        """Close a prompt left unanswered too long; False when it was closed already."""
        async with self._sessions.begin() as session:
            closed = await _close_prompts(
                session, chat_id, models.StaffPrompt.message_id == message_id
            )
            return closed > 0

    async def cancel_prompts(self, chat_id: int, staff_id: int) -> list[str]:
        """Close every open question put to ``staff_id`` in the chat; returns the tracking
        codes of their requests (none: there was nothing to cancel)."""
        async with self._sessions.begin() as session:
            rows = (
                await session.execute(
                    select(models.StaffPrompt, models.Request.tracking_code)
                    .join(models.Request, models.Request.id == models.StaffPrompt.request_id)
                    .where(
                        models.StaffPrompt.chat_id == chat_id,
                        models.StaffPrompt.staff_id == staff_id,
                        models.StaffPrompt.used_at.is_(None),
                    )
                    .order_by(models.StaffPrompt.id)
                )
            ).all()
            now = models.utcnow()
            for prompt, _code in rows:
                prompt.used_at = now
            return list(dict.fromkeys(code for _prompt_row, code in rows))

    async def find_by_code(self, tracking_code: str) -> RequestView | None:
        """A request by tracking code, for staff and operators."""
        async with self._sessions() as session:
            row = (
                await session.scalars(
                    select(models.Request).where(models.Request.tracking_code == tracking_code)
                )
            ).first()
            return request_view(row) if row else None

    async def open_due_before(self, moment: dt.datetime) -> list[RequestView]:
        """Open requests whose due date is before ``moment``, soonest first."""
        async with self._sessions() as session:
            rows = (
                await session.scalars(
                    select(models.Request)
                    .where(
                        models.Request.status.in_([s.value for s in OPEN]),
                        models.Request.due_at.is_not(None),
                        models.Request.due_at < moment,
                    )
                    .order_by(models.Request.due_at)
                )
            ).all()
            return [request_view(r) for r in rows]

    async def queue_missed_digest(self, now: dt.datetime, at: dt.time) -> bool:
        """Queue the digest last due at ``at`` (Tehran) if it was never queued.

        Run when the bot starts: a digest whose moment passed while the bot was down is sent
        once, late. Nothing is owed for a moment before the office's first start (its first
        signing key), so a new installation sends none. Returns whether one was queued.
        """
        due = last_occurrence(now, at)
        async with self._sessions.begin() as session:
            started = await session.scalar(select(func.min(models.SigningKeyRecord.valid_from)))
            if started is None or started > due:
                return False
            queued = await session.scalar(
                select(models.Outbox.id).where(models.Outbox.dedupe_key == _digest_key(due))
            )
        if queued is not None:
            return False
        await self.queue_digest(now, due=due)
        return True

    async def queue_digest(self, now: dt.datetime, due: dt.datetime | None = None) -> None:
        """Queue the deadline digest for the staff chat and refresh overdue cards.

        Keyed by the Tehran date of ``due`` (default: ``now``), so running it twice in a day
        sends one digest.
        """
        day = to_tehran(due or now).date().isoformat()
        async with self._sessions.begin() as session:
            rows = (
                await session.scalars(
                    select(models.Request)
                    .where(
                        models.Request.status.in_([s.value for s in OPEN]),
                        models.Request.due_at.is_not(None),
                        models.Request.due_at < now + DUE_SOON,
                    )
                    .order_by(models.Request.due_at)
                )
            ).all()
            overdue = [r for r in rows if r.due_at is not None and r.due_at < now]
            soon = [r for r in rows if r.due_at is not None and r.due_at >= now]
            await enqueue(
                session,
                kind=OutboxKind.DIGEST,
                chat_id=0,
                payload={
                    "overdue": [r.id for r in overdue],
                    "soon": [r.id for r in soon],
                },
                dedupe_key=_digest_key(due or now),
            )
            for row in overdue:
                await enqueue(
                    session,
                    kind=OutboxKind.CARD,
                    chat_id=0,
                    payload={"request_id": row.id},
                    dedupe_key=f"overdue:{row.id}:{day}",
                )


def _digest_key(due: dt.datetime) -> str:
    """The digest's outbox key: one digest per Tehran day."""
    return f"digest:{to_tehran(due).date().isoformat()}"


async def _last_act(session: AsyncSession, request_id: int, act: Act) -> AuditView | None:
    """The latest time ``act`` was done on the request, read in the caller's transaction."""
    row = (
        await session.scalars(
            select(models.AuditEntry)
            .where(
                models.AuditEntry.request_id == request_id,
                models.AuditEntry.action == act.value,
                models.AuditEntry.outcome == "done",
            )
            .order_by(models.AuditEntry.id.desc())
            .limit(1)
        )
    ).first()
    return audit_view(row) if row else None


def _attachment(request_id: int, kind: str, upload: StoredUpload) -> models.Attachment:
    return models.Attachment(
        request_id=request_id,
        kind=kind,
        stored_path=upload.stored_path,
        sha256=upload.sha256,
        size=upload.size,
        mime_type=upload.mime_type,
        file_id=upload.file_id,
        file_unique_id=upload.file_unique_id,
    )


def classification_of(request: RequestView) -> Classification | None:
    """The request's classification, if staff set one."""
    return Classification(request.classification) if request.classification else None


def _prompt(row: models.StaffPrompt) -> Prompt:
    return Prompt(row.request_id, Act(row.action), row.staff_id, row.message_id, row.created_at)


async def _close_prompts(session: AsyncSession, chat_id: int, which: Any) -> int:
    """Close the open prompts of the chat that ``which`` selects; returns how many."""
    result = await session.execute(
        update(models.StaffPrompt)
        .where(
            models.StaffPrompt.chat_id == chat_id,
            models.StaffPrompt.used_at.is_(None),
            which,
        )
        .values(used_at=models.utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)
