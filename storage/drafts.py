"""Use cases for conversations in progress: each answer is committed before the bot replies."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, cast

from sqlalchemy import Table, Update, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import uploads
from domain.deadlines import WorkCalendar, due_at
from domain.forms import CONFIRM_STEP, FORMS, REQUEST_COLUMNS
from storage import models
from storage.db import upsert_insert
from storage.errors import DraftNotFound, StaleStep, UploadUnfinished
from storage.filestore import DocumentStore, StoredFile
from storage.hotpath import HotPath
from storage.outbox import HotEnqueue, OutboxItem, enqueue
from storage.views import DraftView, RequestView, draft_view, request_view

log = logging.getLogger(__name__)

INITIAL_STATUS = "submitted"


@dataclass(frozen=True)
class StoredUpload:
    """A cleaned upload, written to the file store, ready to become a draft answer."""

    stored_path: str
    sha256: str
    size: int
    mime_type: str
    file_id: str | None
    file_unique_id: str | None
    # Kept as sent for now; what is still to be done to it (a key of domain.uploads.FINISHERS).
    pending: str | None = None

    def as_answer(self) -> dict[str, Any]:
        """The JSON form kept in the draft's answers."""
        answer: dict[str, Any] = {
            "stored_path": self.stored_path,
            "sha256": self.sha256,
            "size": self.size,
            "mime_type": self.mime_type,
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
        }
        if self.pending is not None:
            answer["pending"] = self.pending
        return answer


@dataclass(frozen=True)
class SubmitResult:
    """The outcome of confirming a draft.

    ``notice``: the applicant's "request received" message (with the tracking code), queued
    in the outbox already claimed for the caller to send at once, when asked for.
    """

    request: RequestView
    created: bool
    notice: OutboxItem | None = None


class DraftService:
    """Drafts: one per user, with the step it waits on and every answer given."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        files: DocumentStore,
        hot: HotPath,
        calendar: WorkCalendar | None = None,
        finishers: Mapping[str, Callable[[bytes], bytes]] = uploads.FINISHERS,
    ) -> None:
        self._sessions = sessions
        self._files = files
        # Uploads kept as sent and made ready after the reply (a PDF redrawn for staff), by
        # their mark; the pass running for each user, which a filing waits for.
        self.finishers = dict(finishers)
        self._finishing: dict[int, asyncio.Task[None]] = {}
        self._calendar = calendar or WorkCalendar(frozenset())
        # Every message of a conversation reads its draft and most answer it: those two run
        # on the hot path (storage.hotpath); the rest on sessions.
        self._hot = hot
        self._read = hot.prepare(_DRAFT_ROW)
        self._read_for_update = hot.prepare(_DRAFT_ROW.with_for_update())
        self._save = hot.prepare(_DRAFT_SAVE)
        # A user has at most one draft: the INSERT names the row only if it made it.
        self._add = hot.prepare(
            upsert_insert(hot.dialect.name, _DRAFTS)
            .values({name: bindparam(name) for name in (*_VIEW_COLUMNS, "created_at")})
            .on_conflict_do_nothing(index_elements=[_DRAFTS.c.user_id])
            .returning(_DRAFTS.c.id)
        )
        self._remembered = hot.prepare(
            select(_REMEMBERED.c.answers).where(
                _REMEMBERED.c.chat_id == bindparam("chat_id"),
                _REMEMBERED.c.kind == bindparam("kind"),
            )
        )
        self._save_if_unchanged = hot.prepare(_DRAFT_SAVE_IF_UNCHANGED)
        # Filing (submit): the request (nothing when its tracking code is taken), its
        # attachments, the draft gone, the answers a chat's next request reuses, the outbox.
        dialect = hot.dialect.name
        self._file = hot.prepare(
            upsert_insert(dialect, _REQUESTS)
            .values({name: bindparam(name) for name in _REQUEST_VALUES})
            .on_conflict_do_nothing(index_elements=[_REQUESTS.c.tracking_code])
            .returning(_REQUESTS.c.id)
        )
        self._attach = hot.prepare(
            insert(_ATTACHMENTS)
            .values({name: bindparam(name) for name in _ATTACHMENT_VALUES})
            .returning(_ATTACHMENTS.c.id)
        )
        self._drop = hot.prepare(delete(_DRAFTS).where(_DRAFTS.c.id == bindparam("draft_id")))
        remember = upsert_insert(dialect, _REMEMBERED).values(
            {name: bindparam(name) for name in ("chat_id", "kind", "answers", "updated_at")}
        )
        self._remember = hot.prepare(
            remember.on_conflict_do_update(
                index_elements=[_REMEMBERED.c.chat_id, _REMEMBERED.c.kind],
                set_={
                    "answers": remember.excluded.answers,
                    "updated_at": remember.excluded.updated_at,
                },
            )
        )
        self._enqueue = HotEnqueue(hot)

    async def get(self, user_id: int) -> DraftView | None:
        """The user's draft, if they have one."""
        row = await self._hot.read(self._read, user_id=user_id)
        return _hot_view(row) if row else None

    async def is_current(self, draft: DraftView) -> bool:
        """Whether the draft still waits on ``draft``'s step, with no answer taken since.

        (Finishing an upload in the background rewrites the draft, but takes no answer.)
        """
        row = await self._hot.read(self._read, user_id=draft.user_id)
        if row is None:
            return False
        now = _hot_view(row)
        return (now.id, now.step, now.last_message_id) == (
            draft.id,
            draft.step,
            draft.last_message_id,
        )

    async def start(self, user_id: int, chat_id: int, kind: str) -> tuple[DraftView, bool]:
        """Start a draft of ``kind``, or return the user's unfinished one.

        One statement in the usual case: an ``INSERT`` that does nothing when the user has a
        draft already (one per user, a unique key), after which that draft is read with a
        lock: a draft being filed at that moment is waited for (and is then gone, so a new
        one is started) rather than handed back to vanish.

        Returns:
            The draft and whether it was newly created.
        """
        form = FORMS[kind]
        for _attempt in range(3):
            answers: dict[str, Any] = {}
            if form.remembered:
                kept = await self._hot.read(self._remembered, chat_id=chat_id, kind=kind)
                if kept is not None:
                    answers = {k: v for k, v in kept["answers"].items() if k in form.remembered}
            now = models.utcnow()
            view = DraftView(
                id=str(uuid.uuid4()), user_id=user_id, chat_id=chat_id, kind=kind,
                step=form.next_step(answers), answers=answers, updated_at=now,
            )  # fmt: skip
            if await self._hot.write_alone(self._add, **asdict(view), created_at=now):
                return view, True
            async with self._hot.transaction() as tx:
                row = await tx.first(self._read_for_update, user_id=user_id)
            if row is not None:
                return _hot_view(row), False
            # Filed or thrown away meanwhile: start afresh.
        raise RuntimeError(f"could not start a draft for user {user_id}")

    async def answer(
        self,
        user_id: int,
        step: str,
        key: str,
        value: Any,
        message_id: int | None = None,
        *,
        meta: dict[str, Any] | None = None,
        seen: DraftView | None = None,
    ) -> DraftView:
        """Record ``value`` for ``key`` and move to the next unanswered step.

        The draft must still be waiting on ``step`` (compare-and-set), and ``message_id`` must
        be newer than the last answer taken, so an answer that arrives after another one moved
        the draft on, or the same message handled twice, is refused with :class:`StaleStep`.

        ``seen``: the draft as the caller read it just before. The answer is then one
        ``UPDATE`` that applies only if the draft is still exactly that (same step, same
        ``updated_at``): one statement instead of a locking read and a write. If it changed
        meanwhile, the answer is tried the locking way, which decides as above.
        """
        if seen is not None and seen.user_id == user_id and seen.step == step:
            view, replaced = _answered(seen, key, value, message_id, meta)
            saved = await self._hot.write_alone(
                self._save_if_unchanged, draft_id=view.id, answers=view.answers,
                step=view.step, last_message_id=view.last_message_id,
                updated_at=view.updated_at, seen_step=seen.step, seen_at=seen.updated_at,
            )  # fmt: skip
            if saved:
                if replaced:
                    await self._files.delete(replaced)
                return view
        async with self._hot.transaction() as tx:
            row = await tx.first(self._read_for_update, user_id=user_id)
            if row is None:
                raise DraftNotFound(user_id)
            draft = _hot_view(row)
            if draft.step != step:
                raise StaleStep(draft.step)
            view, replaced = _answered(draft, key, value, message_id, meta)
            await tx.execute(
                self._save, draft_id=view.id, answers=view.answers, step=view.step,
                last_message_id=view.last_message_id, updated_at=view.updated_at,
            )  # fmt: skip
        if replaced:
            await self._files.delete(replaced)
        return view

    async def go_to(self, user_id: int, step: str) -> DraftView:
        """Move the draft to ``step`` (to correct one field from the summary)."""
        async with self._sessions.begin() as session:
            row = await _draft_of(session, user_id, for_update=True)
            if row is None:
                raise DraftNotFound(user_id)
            form = FORMS[row.kind]
            if step != CONFIRM_STEP and form.field(step) is None:
                raise StaleStep(row.step)
            row.step = step
            row.updated_at = models.utcnow()
            return draft_view(row)

    async def discard(self, user_id: int) -> bool:
        """Drop the user's draft and its stored files. Returns whether there was one."""
        async with self._sessions.begin() as session:
            row = await _draft_of(session, user_id, for_update=True)
            if row is None:
                return False
            paths = _file_paths(row.answers or {})
            await session.delete(row)
        for path in paths:
            await self._files.delete(path)
        return True

    async def submit(
        self,
        user_id: int,
        draft_id: str,
        new_code: Callable[[], str],
        *,
        claim_notice_for: dt.timedelta | None = None,
    ) -> SubmitResult:
        """File the draft as a request, with its attachments, in one transaction.

        A second confirm of the same draft (a double tap) returns the request already filed.
        The staff announcement and the applicant's notice with the tracking code are queued
        in the outbox in the same transaction; with ``claim_notice_for`` the notice is
        claimed for the caller (returned as ``notice``), who sends it at once rather than
        waiting for the outbox sender; if the caller does not, the sender does once that
        claim has run out.

        A file answer still kept as sent (see :meth:`finish_later`) is made ready first.

        Raises:
            DraftNotFound: no such draft and no request filed from it.
            StaleStep: the draft is not complete yet.
            UploadUnfinished: a file answer could not be made ready; it must be sent again.
        """
        for _attempt in range(5):
            try:
                result = await self._submit_once(user_id, draft_id, new_code(), claim_notice_for)
            except _CodeTaken:
                log.warning("tracking code collision, drawing another")
                continue
            except _Unfinished:
                await self.finish(user_id)
                continue
            if result is not None:
                return result
            # The draft is gone: filed already (it is deleted in the transaction that files
            # it), e.g. a double tap on «confirm», or never there.
            existing = await self._filed_from(draft_id, user_id)
            if existing is None:
                raise DraftNotFound(user_id)
            return SubmitResult(existing, created=False)
        raise RuntimeError("could not draw a free tracking code")

    async def _submit_once(
        self, user_id: int, draft_id: str, code: str, claim_notice_for: dt.timedelta | None
    ) -> SubmitResult | None:
        """File the draft under ``code`` on the hot path; None when the draft is gone."""
        async with self._hot.transaction() as tx:
            row = await tx.first(self._read_for_update, user_id=user_id)
            if row is None or row["id"] != draft_id:
                return None
            draft = _hot_view(row)
            form = FORMS[draft.kind]
            answers = draft.answers
            if draft.step != CONFIRM_STEP or form.next_step(answers) != CONFIRM_STEP:
                raise StaleStep(draft.step)
            if _pending_files(answers):
                raise _Unfinished  # made ready outside the transaction, then filed
            file_keys = {f.key for f in form.attachment_fields()}
            now = models.utcnow()
            request = models.Request(
                tracking_code=code,
                kind=draft.kind,
                status=INITIAL_STATUS,
                created_at=now,
                updated_at=now,
                due_at=due_at(draft.kind, None, now, self._calendar),
                applicant_chat_id=draft.chat_id,
                applicant_user_id=draft.user_id,
                source_draft=draft.id,
                details={
                    k: v
                    for k, v in answers.items()
                    if k not in REQUEST_COLUMNS and k not in file_keys and not k.startswith("__")
                },
                **{k: v for k, v in answers.items() if k in REQUEST_COLUMNS},
            )
            filed = await tx.first(
                self._file, **{name: getattr(request, name) for name in _REQUEST_VALUES}
            )
            if filed is None:
                raise _CodeTaken(code)  # rolls the unit of work back
            request.id = int(filed["id"])
            attachments = []
            for f in form.attachment_fields():
                value = answers.get(f.key)
                if not isinstance(value, dict):
                    continue
                attachment = models.Attachment(
                    request_id=request.id,
                    kind=f.attachment_kind,
                    stored_path=value["stored_path"],
                    sha256=value["sha256"],
                    size=value["size"],
                    mime_type=value["mime_type"],
                    file_id=value.get("file_id"),
                    file_unique_id=value.get("file_unique_id"),
                    created_at=now,
                )
                added = await tx.first(
                    self._attach,
                    **{name: getattr(attachment, name) for name in _ATTACHMENT_VALUES},
                )
                assert added is not None
                attachment.id = int(added["id"])
                attachments.append(attachment)
            await tx.execute(self._drop, draft_id=draft.id)
            if form.remembered:
                kept = {k: answers[k] for k in form.remembered if k in answers}
                await tx.execute(
                    self._remember, chat_id=draft.chat_id, kind=draft.kind, answers=kept,
                    updated_at=now,
                )  # fmt: skip
            await self._enqueue(
                tx,
                kind="announce_request",
                chat_id=0,
                payload={"request_id": request.id},
                dedupe_key=f"announce:{request.id}",
            )
            # The tracking code is owed to the applicant even if the bot dies right now.
            notice = await self._enqueue(
                tx,
                kind="notify",
                chat_id=draft.chat_id,
                payload={"event": "received", "code": code, "text": ""},
                dedupe_key=f"received:{request.id}",
                claim_for=claim_notice_for,
            )
            view = request_view(request, attachments)
        log.info("request %s filed (kind %s)", view.tracking_code, view.kind)
        return SubmitResult(view, created=True, notice=notice)

    def finish_later(self, user_id: int) -> None:
        """Make the user's file answers kept as sent ready, in the background.

        Called once such an answer is saved and the user has their reply. A failure is only
        logged here: :meth:`submit` finishes whatever is still pending, and reports it.
        """
        running = self._finishing.get(user_id)

        async def later() -> None:
            if running is not None:
                await asyncio.gather(running, return_exceptions=True)
            try:
                await self._finish_pending(user_id)
            except UploadUnfinished as exc:
                cause = type(exc.__cause__).__name__
                log.warning("an upload (%s) could not be made ready: %s", exc.key, cause)
            except Exception:
                log.exception("making an upload ready failed; it is done at filing instead")

        task = asyncio.create_task(later(), name=f"finish-uploads-{user_id}")
        self._finishing[user_id] = task
        task.add_done_callback(lambda done: self._forget(user_id, done))

    def _forget(self, user_id: int, task: asyncio.Task[None]) -> None:
        if self._finishing.get(user_id) is task:
            del self._finishing[user_id]

    async def finish(self, user_id: int) -> None:
        """Make the user's file answers kept as sent ready now (after any pass running).

        Raises:
            UploadUnfinished: one could not be made ready.
        """
        running = self._finishing.get(user_id)
        if running is not None:
            await asyncio.gather(asyncio.shield(running), return_exceptions=True)
        await self._finish_pending(user_id)
        row = await self._hot.read(self._read, user_id=user_id)
        left = _pending_files(_hot_view(row).answers) if row is not None else {}
        if left:
            # Its file gone from the store, or the draft too busy to switch: ask again.
            raise UploadUnfinished(next(iter(left)))

    async def _finish_pending(self, user_id: int) -> None:
        row = await self._hot.read(self._read, user_id=user_id)
        if row is None:
            return
        for key, value in _pending_files(_hot_view(row).answers).items():
            await self._finish_one(user_id, key, value)

    async def _finish_one(self, user_id: int, key: str, value: dict[str, Any]) -> None:
        """Replace the kept-as-sent file of answer ``key`` by the one made ready from it.

        The new file is written first; the answer is switched to it only if it still names
        the old one (the user may have sent another file, or filed or dropped the draft,
        meanwhile), and whichever of the two files is no longer named is deleted.
        """
        path = str(value["stored_path"])
        finisher = self.finishers.get(str(value["pending"]))
        if finisher is None:
            raise UploadUnfinished(key)
        try:
            data = await self._files.read(path)
        except FileNotFoundError:
            return  # replaced or dropped meanwhile: nothing to make ready
        try:
            loop = asyncio.get_running_loop()
            ready = await loop.run_in_executor(uploads.REDRAW_WORKER, finisher, data)
        except Exception as exc:
            raise UploadUnfinished(key) from exc
        stored = await self._files.put(ready, path.rsplit(".", 1)[-1])
        switched = False
        try:
            switched = await self._switch(user_id, key, value, stored)
        finally:
            await self._files.delete(path if switched else stored.relative_path)

    async def _switch(
        self, user_id: int, key: str, value: dict[str, Any], stored: StoredFile
    ) -> bool:
        """Point answer ``key`` at ``stored`` if it is still ``value``; whether it was done.

        One compare-and-set ``UPDATE`` on the draft as just read (same step, same
        ``updated_at``), tried again if the user answered meanwhile. ``updated_at`` moves on,
        so an answer saved on the draft as read before this (:meth:`answer` with ``seen``)
        cannot undo it.
        """
        for _attempt in range(5):
            row = await self._hot.read(self._read, user_id=user_id)
            draft = _hot_view(row) if row is not None else None
            current = draft.answers.get(key) if draft is not None else None
            if draft is None or _pending_files({key: current}).get(key) != value:
                return False  # another file sent, or the draft filed or dropped, meanwhile
            finished = {k: v for k, v in value.items() if k != "pending"}
            finished.update(
                stored_path=stored.relative_path, sha256=stored.sha256, size=stored.size
            )
            saved = await self._hot.write_alone(
                self._save_if_unchanged, draft_id=draft.id,
                answers={**draft.answers, key: finished}, step=draft.step,
                last_message_id=draft.last_message_id, updated_at=models.utcnow(),
                seen_step=draft.step, seen_at=draft.updated_at,
            )  # fmt: skip
            if saved:
                return True
        return False  # a busy draft: filing makes it ready instead

    async def close(self) -> None:
        """Let the passes making uploads ready end (they are short)."""
        while self._finishing:
            await asyncio.gather(*self._finishing.values(), return_exceptions=True)

    async def _filed_from(self, draft_id: str, user_id: int) -> RequestView | None:
        async with self._sessions() as session:
            return await _request_from_draft(session, draft_id, user_id)

    async def expire(self, older_than: dt.datetime) -> list[DraftView]:
        """Drop drafts untouched since ``older_than``, telling each user through the outbox."""
        async with self._sessions.begin() as session:
            # DELETE … RETURNING: only drafts really removed here lose their files; one filed
            # or touched at this very moment (by another instance, say) keeps them.
            rows = (
                await session.execute(
                    delete(models.Draft)
                    .where(models.Draft.updated_at < older_than)
                    .returning(
                        models.Draft.id,
                        models.Draft.user_id,
                        models.Draft.chat_id,
                        models.Draft.kind,
                        models.Draft.step,
                        models.Draft.answers,
                        models.Draft.updated_at,
                    )
                )
            ).all()
            dropped = [
                DraftView(id=r[0], user_id=r[1], chat_id=r[2], kind=r[3], step=r[4],
                          answers=dict(r[5] or {}), updated_at=r[6])
                for r in rows
            ]  # fmt: skip
            paths = [p for d in dropped for p in _file_paths(d.answers)]
            for draft in dropped:
                await enqueue(
                    session,
                    kind="draft_expired",
                    chat_id=draft.chat_id,
                    payload={},
                    dedupe_key=f"expired:{draft.id}",
                )
        for path in paths:
            await self._files.delete(path)
        return dropped


# The draft as ORM object (go_to, discard) and as the hot path's row (the rest).
_DRAFT_OF = select(models.Draft).where(models.Draft.user_id == bindparam("user_id"))
_DRAFT_OF_FOR_UPDATE = _DRAFT_OF.with_for_update()
_DRAFTS = cast(Table, models.Draft.__table__)
_REMEMBERED = cast(Table, models.RememberedAnswers.__table__)
_REQUESTS = cast(Table, models.Request.__table__)
_ATTACHMENTS = cast(Table, models.Attachment.__table__)
# Every column a filing writes (all but the generated id): absent answers are written as NULL,
# as the ORM would leave them.
_REQUEST_VALUES = tuple(c.key for c in _REQUESTS.columns if not c.primary_key)
_ATTACHMENT_VALUES = tuple(c.key for c in _ATTACHMENTS.columns if not c.primary_key)


class _CodeTaken(Exception):
    """The tracking code drawn for a filing belongs to another request already."""


class _Unfinished(Exception):
    """The draft being filed has a file answer still kept as sent."""


_VIEW_COLUMNS = tuple(f.name for f in fields(DraftView))
_DRAFT_ROW = select(*(_DRAFTS.c[name] for name in _VIEW_COLUMNS)).where(
    _DRAFTS.c.user_id == bindparam("user_id")
)


def _draft_save() -> Update:
    # A new statement each time: SQLAlchemy (2.1) keeps an UPDATE's memoized columns when
    # .where()/.returning() copy it, so deriving one prepared statement from another would
    # give the copy the original's (empty) RETURNING columns.
    return (
        update(_DRAFTS)
        .where(_DRAFTS.c.id == bindparam("draft_id"))
        .values(
            answers=bindparam("answers"),
            step=bindparam("step"),
            last_message_id=bindparam("last_message_id"),
            updated_at=bindparam("updated_at"),
        )
    )


_DRAFT_SAVE = _draft_save()
# The save of an answer given on the draft as the caller saw it: applies only if the draft
# still waits on that step and was not written since.
_DRAFT_SAVE_IF_UNCHANGED = (
    _draft_save()
    .where(
        _DRAFTS.c.step == bindparam("seen_step"),
        _DRAFTS.c.updated_at == bindparam("seen_at"),
    )
    .returning(_DRAFTS.c.id)
)


def _hot_view(row: dict[str, Any]) -> DraftView:
    return DraftView(**{**row, "answers": dict(row["answers"] or {})})


def _answered(
    draft: DraftView,
    key: str,
    value: Any,
    message_id: int | None,
    meta: dict[str, Any] | None,
) -> tuple[DraftView, str | None]:
    """``draft`` with ``value`` for ``key``, moved to its next step; and the stored file the
    answer replaces, if any. Raises :class:`StaleStep` for a message already taken."""
    if message_id is not None and draft.already_answered(message_id):
        raise StaleStep(draft.step)
    answers = dict(draft.answers)
    old = answers.get(key)
    replaced = (
        str(old["stored_path"]) if isinstance(old, dict) and old.get("stored_path") else None
    )
    answers[key] = value
    for meta_key in [k for k in answers if k.startswith("__")]:
        del answers[meta_key]  # meta describes only the latest answer
    answers.update(meta or {})
    view = replace(
        draft,
        answers=answers,
        step=FORMS[draft.kind].next_step(answers),
        last_message_id=draft.last_message_id if message_id is None else message_id,
        updated_at=models.utcnow(),
    )
    return view, replaced


async def _draft_of(
    session: AsyncSession, user_id: int, *, for_update: bool = False
) -> models.Draft | None:
    query = _DRAFT_OF_FOR_UPDATE if for_update else _DRAFT_OF
    return (await session.scalars(query, {"user_id": user_id})).first()


async def _request_from_draft(
    session: AsyncSession, draft_id: str, user_id: int
) -> RequestView | None:
    row = (
        await session.scalars(
            select(models.Request).where(
                models.Request.source_draft == draft_id,
                models.Request.applicant_user_id == user_id,
            )
        )
    ).first()
    if row is None:
        return None
    attachments = (
        await session.scalars(
            select(models.Attachment).where(models.Attachment.request_id == row.id)
        )
    ).all()
    return request_view(row, list(attachments))


def _pending_files(answers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The file answers kept as sent, still to be made ready, by question."""
    return {
        k: v
        for k, v in answers.items()
        if isinstance(v, dict) and v.get("pending") and "stored_path" in v
    }


def _file_paths(answers: dict[str, Any]) -> list[str]:
    return [
        str(v["stored_path"])
        for v in answers.values()
        if isinstance(v, dict) and "stored_path" in v
    ]
