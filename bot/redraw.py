"""Redrawing uploads in the background, after the user has their reply (storage.redraw).

A court letter's PDF is kept as sent when the answer is saved; the redrawing (slow for a
long PDF) starts here as a task once the reply is sent. Filing waits for a pass still running
(:meth:`BackgroundRedraw.settled`) and then redraws whatever is left itself, reporting what
could not be redrawn; after a restart nothing is running and filing does it all.
"""

from __future__ import annotations

import asyncio
import logging

from storage.errors import UploadUnfinished
from storage.redraw import Redrawer

log = logging.getLogger(__name__)


class BackgroundRedraw:
    """One redrawing pass at a time per user, as tasks of the bot's event loop."""

    def __init__(self, redraw: Redrawer) -> None:
        self._redraw = redraw
        self._running: dict[int, asyncio.Task[None]] = {}

    def later(self, user_id: int) -> None:
        """Redraw the user's file answers kept as sent, in the background (after any pass
        running). A failure is only logged: filing redraws whatever is still pending, and
        reports it."""
        running = self._running.get(user_id)

        async def later() -> None:
            if running is not None:
                await asyncio.gather(running, return_exceptions=True)
            try:
                await self._redraw.redraw(user_id)
            except UploadUnfinished as exc:
                cause = type(exc.__cause__).__name__
                log.warning("an upload (%s) could not be redrawn: %s", exc.key, cause)
            except Exception:
                log.exception("redrawing an upload failed; it is done at filing instead")

        task = asyncio.create_task(later(), name=f"redraw-uploads-{user_id}")
        self._running[user_id] = task
        task.add_done_callback(lambda done: self._forget(user_id, done))

    def _forget(self, user_id: int, task: asyncio.Task[None]) -> None:
        if self._running.get(user_id) is task:
            del self._running[user_id]

    async def settled(self, user_id: int) -> None:
        """Wait for the user's pass, if one is running (its outcome is not reported here)."""
        running = self._running.get(user_id)
        if running is not None:
            await asyncio.gather(asyncio.shield(running), return_exceptions=True)

    async def now(self, user_id: int) -> None:
        """Redraw the user's file answers kept as sent now, after any pass running.

        Raises:
            UploadUnfinished: one could not be redrawn.
        """
        await self.settled(user_id)
        await self._redraw.ensure_redrawn(user_id)

    async def close(self) -> None:
        """Let the passes running end (they are short)."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)
