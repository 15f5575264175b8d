"""Update intake: long-poll getUpdates, write each update to the inbox, then handle it.

python-telegram-bot's own Updater confirms an update to Telegram (by the next getUpdates
offset) as soon as it is fetched, before it is handled, so a crash in between loses it. Here
every update is committed to the inbox before the next getUpdates confirms it; unhandled ones
are handled again after a restart. Updates of one chat are handled in order, different chats
concurrently.

An update newer than any the inbox holds (polling is the only reader of getUpdates, and its
ids only grow) is handled while its inbox row is written, so that the write's round trip to
the database overlaps the handler's; it is marked handled only once the row exists. An update
that may have been written before (a re-delivery after a restart or after a failed write) is
written first and handled only if it was new, as every webhook update is.

Updates taken over after a crash (:meth:`UpdateIntake.recover`) are suspects: one of them may
have caused it. They are handled one at a time, each charged an attempt as it starts and
marked handled as soon as it is done, so that another crash charges only the update in hand
(storage.inbox).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import weakref
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.dialect import TELEGRAM, Dialect
from storage.inbox import InboxService

log = logging.getLogger(__name__)

MARK_DELAY = 0.2  # seconds handled updates are gathered before being marked in the inbox


class UpdateIntake:
    """Feeds updates from the inbox to the application, one chat at a time, in order."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        inbox: InboxService,
        *,
        max_concurrent: int = 64,
        dialect: Dialect = TELEGRAM,
    ) -> None:
        self._app = application
        self._inbox = inbox
        self._dialect = dialect
        self._slots = asyncio.Semaphore(max_concurrent)
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_hand: set[int] = set()
        # Handled update ids, written in one statement a moment later: handling one again
        # after a crash is harmless (answers are idempotent), a write per update is not free.
        self._handled: list[int] = []
        self._flusher: asyncio.Task[None] | None = None
        # Updates handled while their inbox row is being written (or after its write
        # failed, until a re-delivery writes it): marked handled only once the row exists.
        self._unrecorded: set[int] = set()
        self._writes: set[asyncio.Future[list[int]]] = set()
        # Taken-over updates are handled one at a time (each in its chat's order).
        self._suspects = asyncio.Lock()

    async def accept(self, payloads: list[dict[str, Any]], *, unseen: bool = False) -> None:
        """Record updates as received (a webhook's or getUpdates' JSON) and start handling
        the new ones.

        ``unseen``: the caller knows none of them was ever recorded (one poller, ids above
        any in the inbox). They are then handled while they are written down rather than
        after: the write's round trip overlaps the handler's first one. Telegram keeps them
        until this returns (the next getUpdates confirms them). If the write fails they stay
        in hand here, unmarked; the re-delivery writes them and does not handle them again.
        """
        pairs = [(int(p["update_id"]), p) for p in payloads]
        ids = [update_id for update_id, _ in pairs]
        if unseen:
            self._unrecorded.update(ids)
            # Its own task, so that stopping the poller does not cut the write short
            # (drain waits for it).
            writing = asyncio.ensure_future(self._inbox.record(pairs))
            self._writes.add(writing)
            writing.add_done_callback(functools.partial(self._written, ids))
            for update_id, payload in pairs:
                self._dispatch(update_id, payload)
            written = await asyncio.shield(writing)
            if len(written) < len(ids):
                log.warning(
                    "%d update(s) were in the inbox already: is another instance polling?",
                    len(ids) - len(written),
                )
            return
        fresh = set(await self._inbox.record(pairs))
        self._recorded(ids)
        for update_id, payload in pairs:
            if update_id in fresh:
                self._dispatch(update_id, payload)

    def _written(self, ids: list[int], writing: asyncio.Future[list[int]]) -> None:
        self._writes.discard(writing)
        if not writing.cancelled() and writing.exception() is None:
            self._recorded(ids)

    def _recorded(self, ids: list[int]) -> None:
        """These updates' rows exist: those handled already may be marked."""
        if self._unrecorded:
            self._unrecorded.difference_update(ids)
            self._flush_soon()

    async def recover(self, lease: dt.timedelta = dt.timedelta(0)) -> int:
        """Handle updates that were received but not handled (before a crash, or by an
        instance that died): those whose claim is older than ``lease``."""
        pending = await self._inbox.unprocessed(lease=lease)
        for update_id, payload in pending:
            self._dispatch(update_id, payload, suspect=True)
        if pending:
            log.info("handling %d update(s) left over from the last run", len(pending))
        return len(pending)

    async def highest_recorded(self) -> int:
        """The highest update id the inbox holds (0 when empty)."""
        return await self._inbox.highest_update_id()

    async def drain(self) -> None:
        """Wait until every update in hand is handled, and record it."""
        while self._tasks or self._writes:
            await asyncio.gather(*self._tasks, *self._writes, return_exceptions=True)
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)
        await self.flush()

    def _dispatch(self, update_id: int, payload: dict[str, Any], *, suspect: bool = False) -> None:
        if update_id in self._in_hand:
            return  # already being handled here (a slow handler outlived its claim)
        self._in_hand.add(update_id)
        try:
            update = Update.de_json(self._dialect.incoming_update(payload), self._app.bot)
        except Exception as exc:
            # It can never be handled: marked handled rather than tried again forever.
            log.error("update %s could not be read (%s); dropped", update_id, type(exc).__name__)
            self._done(update_id)
            return
        handle = self._handle_suspect if suspect else self._handle
        task = asyncio.create_task(handle(update_id, update), name=f"update-{update_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _lock(self, update: Update) -> asyncio.Lock:
        """The lock that keeps the updates of one chat in order."""
        key = _serial_key(update)
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def _handle(self, update_id: int, update: Update) -> None:
        async with self._lock(update), self._slots:
            await self._process(update_id, update)
            self._done(update_id)

    async def _handle_suspect(self, update_id: int, update: Update) -> None:
        """Handle a taken-over update alone, charged first and marked at once."""
        async with self._lock(update), self._suspects, self._slots:
            try:
                if await self._inbox.charge(update_id):
                    await self._process(update_id, update)
                    await self._inbox.mark_processed(update_id)
            except Exception:
                # The inbox is out of reach: the update stays unhandled for the next take.
                log.exception("update %s could not be charged or marked", update_id)
            finally:
                self._in_hand.discard(update_id)

    async def _process(self, update_id: int, update: Update) -> None:
        try:
            await self._app.process_update(update)
        except Exception:
            log.exception("update %s failed", update_id)

    def _done(self, update_id: int) -> None:
        self._handled.append(update_id)
        self._flush_soon()

    def _flush_soon(self) -> None:
        """Mark what can be marked in a moment, unless a flush is already on its way."""
        if self._flusher is None and any(i not in self._unrecorded for i in self._handled):
            self._flusher = asyncio.create_task(self._flush_later())

    async def _flush_later(self) -> None:
        try:
            await asyncio.sleep(MARK_DELAY)
            await self.flush()
        finally:
            self._flusher = None
        # Handled (or written) while this flush was writing: the next one.
        self._flush_soon()

    async def flush(self) -> None:
        """Record as handled every update handled so far (whose inbox row is written)."""
        handled = [i for i in self._handled if i not in self._unrecorded]
        self._handled = [i for i in self._handled if i in self._unrecorded]
        if handled:
            try:
                await self._inbox.mark_processed(*handled)
            finally:
                self._in_hand.difference_update(handled)


def _serial_key(update: Update) -> int:
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return 0


class Poller:
    """Long-polls getUpdates and hands each batch to the intake before confirming it.

    getUpdates is sent through python-telegram-bot's request object for it
    (``BaseRequest.post``, which raises the same errors ``Bot.get_updates`` does) rather than
    ``Bot.get_updates``: the inbox keeps the updates' JSON as Telegram sent it, which
    ``get_updates`` would first turn into objects that would have to be turned back.
    """

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        intake: UpdateIntake,
        request: BaseRequest,
        *,
        timeout: int = 30,
    ) -> None:
        self._app = application
        self._intake = intake
        self._request = request
        self._timeout = timeout
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start polling in the background."""
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="poller")

    async def stop(self) -> None:
        """Stop polling; the long poll in flight is abandoned, not waited for."""
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _get_updates(self, offset: int | None) -> list[dict[str, Any]]:
        parameters = {"timeout": self._timeout, "allowed_updates": Update.ALL_TYPES}
        if offset is not None:
            parameters["offset"] = offset
        result = await self._request.post(
            f"{self._app.bot.base_url}/getUpdates",
            request_data=RequestData(
                [RequestParameter.from_input(k, v) for k, v in parameters.items()]
            ),
            read_timeout=self._timeout + 10,
        )
        return list(result) if isinstance(result, list) else []

    async def _run(self) -> None:
        offset: int | None = None
        delay = 1.0
        # Updates with higher ids were never written to the inbox (before this run or in
        # it): read from the inbox at the first batch, then raised with every batch.
        highest: int | None = None
        while not self._stop.is_set():
            try:
                updates = await self._get_updates(offset)
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except (InvalidToken, Conflict) as exc:
                log.error("getUpdates refused: %s", type(exc).__name__)
                await asyncio.sleep(10)
                continue
            except (TimedOut, NetworkError) as exc:
                log.warning(
                    "getUpdates failed (%s); retrying in %.0f s", type(exc).__name__, delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            delay = 1.0
            if not updates:
                continue
            # Written down before the next getUpdates confirms them to Telegram.
            try:
                if highest is None:
                    highest = await self._intake.highest_recorded()
                unseen = int(updates[0]["update_id"]) > highest
                highest = max(highest, int(updates[-1]["update_id"]))
                await self._intake.accept(updates, unseen=unseen)
            except Exception:
                log.exception("could not record updates; fetching them again")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            offset = int(updates[-1]["update_id"]) + 1


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
