"""Conversations in progress: each user's draft, the step it waits on and every answer given,
on the hot path (storage.hotpath). Each answer is committed before the bot replies. Filing a
complete draft is storage.filing's; redrawing its uploads, storage.redraw's."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import asdict, replace
from typing import Any

from domain.forms import CONFIRM_STEP, FORMS
from storage import models
from storage.errors import DraftNotFound, StaleStep
from storage.filestore import DocumentStore
from storage.hotpath import HotPath
from storage.outbox import OutboxKind, enqueue
from storage.views import DraftView, draft_view

log = logging.getLogger(__name__)


class DraftService:
    """Drafts: one per user, with the step it waits on and every answer given."""

    def __init__(self, files: DocumentStore, hot: HotPath) -> None:
        self._files = files
        # Every message of a conversation reads its draft and most answer it: all of it runs
        # on the hot path (storage.hotpath).
        self._hot = hot
        self._sql = hot.statements

    async def get(self, user_id: int) -> DraftView | None:
        """The user's draft, if they have one."""
        row = await self._hot.read(self._sql.draft_of_user, user_id=user_id)
        return draft_view(row) if row else None

    async def is_current(self, draft: DraftView) -> bool:
        """Whether the draft still waits on ``draft``'s step, with no answer taken since.

        (Redrawing an upload in the background rewrites the draft, but takes no answer.)
        """
        row = await self._hot.read(self._sql.draft_of_user, user_id=draft.user_id)
        if row is None:
            return False
        now = draft_view(row)
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
                kept = await self._hot.read(
                    self._sql.remembered_answers, chat_id=chat_id, kind=kind
                )
                if kept is not None:
                    answers = {k: v for k, v in kept["answers"].items() if k in form.remembered}
            now = models.utcnow()
            view = DraftView(
                id=str(uuid.uuid4()),
                user_id=user_id,
                chat_id=chat_id,
                kind=kind,
                step=form.next_step(answers),
                answers=answers,
                updated_at=now,
            )
            if await self._hot.write_alone(self._sql.draft_start, **asdict(view), created_at=now):
                return view, True
            async with self._hot.transaction() as tx:
                row = await tx.first(self._sql.draft_of_user_locked, user_id=user_id)
            if row is not None:
                return draft_view(row), False
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
                self._sql.draft_save_if_unchanged,
                **view.saved(),
                seen_step=seen.step,
                seen_at=seen.updated_at,
            )
            if saved:
                if replaced:
                    await self._files.delete(replaced)
                return view
        async with self._hot.transaction() as tx:
            row = await tx.first(self._sql.draft_of_user_locked, user_id=user_id)
            if row is None:
                raise DraftNotFound(user_id)
            draft = draft_view(row)
            if draft.step != step:
                raise StaleStep(draft.step)
            view, replaced = _answered(draft, key, value, message_id, meta)
            await tx.execute(self._sql.draft_save, **view.saved())
        if replaced:
            await self._files.delete(replaced)
        return view

    async def go_to(self, user_id: int, step: str) -> DraftView:
        """Move the draft to ``step`` (to correct one field from the summary)."""
        async with self._hot.transaction() as tx:
            row = await tx.first(self._sql.draft_of_user_locked, user_id=user_id)
            if row is None:
                raise DraftNotFound(user_id)
            draft = draft_view(row)
            if step != CONFIRM_STEP and FORMS[draft.kind].field(step) is None:
                raise StaleStep(draft.step)
            moved = replace(draft, step=step, updated_at=models.utcnow())
            await tx.execute(
                self._sql.draft_move, draft_id=draft.id, step=step, updated_at=moved.updated_at
            )
            return moved

    async def discard(self, user_id: int) -> bool:
        """Drop the user's draft and its stored files. Returns whether there was one."""
        async with self._hot.transaction() as tx:
            row = await tx.first(self._sql.draft_of_user_locked, user_id=user_id)
            if row is None:
                return False
            paths = _file_paths(draft_view(row).answers)
            await tx.execute(self._sql.draft_drop, draft_id=row["id"])
        for path in paths:
            await self._files.delete(path)
        return True

    async def expire(self, older_than: dt.datetime) -> list[DraftView]:
        """Drop drafts untouched since ``older_than``, telling each user through the outbox."""
        async with self._hot.transaction() as tx:
            # DELETE … RETURNING: only drafts really removed here lose their files.
            dropped = [
                draft_view(row)
                for row in await tx.all(self._sql.drafts_expire, older_than=older_than)
            ]
            paths = [p for d in dropped for p in _file_paths(d.answers)]
            for draft in dropped:
                await enqueue(
                    tx,
                    kind=OutboxKind.DRAFT_EXPIRED,
                    chat_id=draft.chat_id,
                    payload={},
                    dedupe_key=f"expired:{draft.id}",
                )
        for path in paths:
            await self._files.delete(path)
        return dropped


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


def _file_paths(answers: dict[str, Any]) -> list[str]:
    return [
        str(v["stored_path"])
        for v in answers.values()
        if isinstance(v, dict) and "stored_path" in v
    ]
