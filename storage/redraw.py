"""Redrawing uploads kept as sent: a court letter's PDF, redrawn page by page for staff.

A PDF answer is checked at once and kept as sent, marked ``pending`` (storage.views.
StoredUpload), so the user gets the reply without waiting for the redrawing; it is redrawn
after the reply (bot.redraw schedules that) or, at the latest, before filing
(storage.filing). Whatever happens meanwhile (another letter sent, an answer saved on the
draft as read before, the draft dropped), the draft names one file per answer and no file is
left behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from domain import uploads
from storage import models
from storage.errors import UploadUnfinished
from storage.filestore import DocumentStore, StoredFile
from storage.hotpath import HotPath
from storage.views import draft_view


class Redrawer:
    """Redraws a draft's file answers kept as sent, on the hot path (storage.hotpath)."""

    def __init__(
        self,
        files: DocumentStore,
        hot: HotPath,
        redrawers: Mapping[str, Callable[[bytes], bytes]] = uploads.REDRAWERS,
    ) -> None:
        self._files = files
        self._hot = hot
        self._sql = hot.statements
        # How each mark of an upload kept as sent is redrawn (bytes in, bytes out).
        self.redrawers = dict(redrawers)

    async def redraw(self, user_id: int) -> None:
        """Redraw the user's file answers kept as sent.

        Raises:
            UploadUnfinished: one could not be redrawn (it stays pending).
        """
        row = await self._hot.read(self._sql.draft_of_user, user_id=user_id)
        if row is None:
            return
        for key, value in pending_files(draft_view(row).answers).items():
            await self._redraw_one(user_id, key, value)

    async def ensure_redrawn(self, user_id: int) -> None:
        """Redraw the user's file answers kept as sent, and check that none is left.

        Raises:
            UploadUnfinished: one could not be redrawn, its file is gone from the store, or
                the draft was too busy to switch to the redrawn copy: it must be sent again.
        """
        await self.redraw(user_id)
        row = await self._hot.read(self._sql.draft_of_user, user_id=user_id)
        left = pending_files(draft_view(row).answers) if row is not None else {}
        if left:
            raise UploadUnfinished(next(iter(left)))

    async def _redraw_one(self, user_id: int, key: str, value: dict[str, Any]) -> None:
        """Replace the kept-as-sent file of answer ``key`` by its redrawn copy.

        The new file is written first; the answer is switched to it only if it still names
        the old one (the user may have sent another file, or filed or dropped the draft,
        meanwhile), and whichever of the two files is no longer named is deleted.
        """
        path = str(value["stored_path"])
        redraw = self.redrawers.get(str(value["pending"]))
        if redraw is None:
            raise UploadUnfinished(key)
        try:
            data = await self._files.read(path)
        except FileNotFoundError:
            return  # replaced or dropped meanwhile: nothing to redraw
        try:
            loop = asyncio.get_running_loop()
            ready = await loop.run_in_executor(uploads.REDRAW_WORKER, redraw, data)
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
        so an answer saved on the draft as read before this (DraftService.answer with
        ``seen``) cannot undo it.
        """
        for _attempt in range(5):
            row = await self._hot.read(self._sql.draft_of_user, user_id=user_id)
            draft = draft_view(row) if row is not None else None
            current = draft.answers.get(key) if draft is not None else None
            if draft is None or pending_files({key: current}).get(key) != value:
                return False  # another file sent, or the draft filed or dropped, meanwhile
            finished = {k: v for k, v in value.items() if k != "pending"}
            finished.update(
                stored_path=stored.relative_path, sha256=stored.sha256, size=stored.size
            )
            switched = replace(
                draft, answers={**draft.answers, key: finished}, updated_at=models.utcnow()
            )
            saved = await self._hot.write_alone(
                self._sql.draft_save_if_unchanged,
                **switched.saved(),
                seen_step=draft.step,
                seen_at=draft.updated_at,
            )
            if saved:
                return True
        return False  # a busy draft: filing redraws it instead


def pending_files(answers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The file answers kept as sent, still to be redrawn, by question."""
    return {
        k: v
        for k, v in answers.items()
        if isinstance(v, dict) and v.get("pending") and "stored_path" in v
    }
