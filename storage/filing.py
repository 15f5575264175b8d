"""Filing: a complete draft becomes a request, with its attachments and outbox rows, in one
unit of work on the hot path (storage.hotpath): one per conversation, and its reply waits for
it. The statements are storage.statements' ``request_file``, ``attachment_add``,
``draft_drop``, ``answers_remember`` and ``outbox_enqueue``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from domain.deadlines import WorkCalendar, due_at
from domain.forms import CONFIRM_STEP, FORMS, REQUEST_COLUMNS
from storage import models, statements
from storage.errors import DraftNotFound, StaleStep
from storage.hotpath import HotPath
from storage.outbox import OutboxKind, enqueue
from storage.redraw import Redrawer, pending_files
from storage.views import RequestView, SubmitResult, draft_view, request_view

log = logging.getLogger(__name__)

INITIAL_STATUS = "submitted"


class FilingService:
    """Filing drafts as requests."""

    def __init__(
        self, hot: HotPath, redraw: Redrawer, calendar: WorkCalendar | None = None
    ) -> None:
        self._hot = hot
        self._redraw = redraw
        self._calendar = calendar or WorkCalendar(frozenset())
        self._sql = hot.statements

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

        A file answer still kept as sent (storage.redraw) is redrawn first.

        Raises:
            DraftNotFound: no such draft and no request filed from it.
            StaleStep: the draft is not complete yet.
            UploadUnfinished: a file answer could not be redrawn; it must be sent again.
        """
        for _attempt in range(5):
            try:
                result = await self._submit_once(user_id, draft_id, new_code(), claim_notice_for)
            except _CodeTaken:
                log.warning("tracking code collision, drawing another")
                continue
            except _Unfinished:
                await self._redraw.ensure_redrawn(user_id)
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
            row = await tx.first(self._sql.draft_of_user_locked, user_id=user_id)
            if row is None or row["id"] != draft_id:
                return None
            draft = draft_view(row)
            form = FORMS[draft.kind]
            answers = draft.answers
            if draft.step != CONFIRM_STEP or form.next_step(answers) != CONFIRM_STEP:
                raise StaleStep(draft.step)
            if pending_files(answers):
                raise _Unfinished  # redrawn outside the transaction, then filed
            file_keys = {f.key for f in form.attachment_fields()}
            now = models.utcnow()
            # Every column is written: those no answer gives are NULL.
            request: dict[str, Any] = dict.fromkeys(statements.REQUEST_VALUES)
            request.update(
                {k: v for k, v in answers.items() if k in REQUEST_COLUMNS},
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
            )
            filed = await tx.first(self._sql.request_file, **request)
            if filed is None:
                raise _CodeTaken(code)  # rolls the unit of work back
            request["id"] = request_id = int(filed["id"])
            attachments = []
            for f in form.attachment_fields():
                value = answers.get(f.key)
                if not isinstance(value, dict):
                    continue
                attachment: dict[str, Any] = {
                    "request_id": request_id,
                    "kind": f.attachment_kind,
                    "stored_path": value["stored_path"],
                    "sha256": value["sha256"],
                    "size": value["size"],
                    "mime_type": value["mime_type"],
                    "file_id": value.get("file_id"),
                    "file_unique_id": value.get("file_unique_id"),
                    "created_at": now,
                }
                added = await tx.first(self._sql.attachment_add, **attachment)
                assert added is not None
                attachments.append({**attachment, "id": int(added["id"])})
            await tx.execute(self._sql.draft_drop, draft_id=draft.id)
            if form.remembered:
                kept = {k: answers[k] for k in form.remembered if k in answers}
                await tx.execute(
                    self._sql.answers_remember,
                    chat_id=draft.chat_id,
                    kind=draft.kind,
                    answers=kept,
                    updated_at=now,
                )
            await enqueue(
                tx,
                kind=OutboxKind.ANNOUNCE_REQUEST,
                chat_id=0,
                payload={"request_id": request_id},
                dedupe_key=f"announce:{request_id}",
            )
            # The tracking code is owed to the applicant even if the bot dies right now.
            notice = await enqueue(
                tx,
                kind=OutboxKind.NOTIFY,
                chat_id=draft.chat_id,
                payload={"event": "received", "code": code, "text": ""},
                dedupe_key=f"received:{request_id}",
                claim_for=claim_notice_for,
            )
            view = request_view(request, attachments)
        log.info("request %s filed (kind %s)", view.tracking_code, view.kind)
        return SubmitResult(view, created=True, notice=notice)

    async def _filed_from(self, draft_id: str, user_id: int) -> RequestView | None:
        row = await self._hot.read(self._sql.request_of_draft, draft_id=draft_id, user_id=user_id)
        if row is None:
            return None
        attachments = await self._hot.read_all(
            self._sql.attachments_of_request, request_id=row["id"]
        )
        return request_view(row, attachments)


class _CodeTaken(Exception):
    """The tracking code drawn for a filing belongs to another request already."""


class _Unfinished(Exception):
    """The draft being filed has a file answer still kept as sent."""
