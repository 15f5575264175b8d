"""Load safety: a burst of submissions reaches the staff chat within Telegram's group limit.

Telegram allows about 20 messages a minute to one group. To keep the run short, time is scaled
down: a "minute" is ``burst_window_s`` seconds, on both sides. The loopback server answers 429
once a group gets more than 20 messages in that window (``enforce_group_limit``), with the exact
wait as retry_after (Telegram's whole seconds would be many scaled windows); the bot's limiter
is configured with GROUP_MESSAGES_PER_MINUTE=20 and GROUP_RATE_PERIOD_SECONDS=window. On top of
that the server refuses the first three staff-chat messages with a 429 (retry_after 1 s), as
Telegram does now and then.

The drafts (every answer given, court letter and photo stored) are written first; then all of
them are confirmed at once through ``DraftService.submit``, the use case behind the «confirm»
button, and the outbox sender is woken as the button's handler does. The burst is over when
the outbox is empty. Every request's card must have arrived exactly once, with both documents,
no outbox row may have failed and the bot may log no error. The baseline is the ideal: every
message sent at exactly the limit.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any

from sqlalchemy import func, insert, select

from benchmarks.common import ADMIN_CHAT_ID, Context, Figure, Target, bot_settings
from benchmarks.fakeapi import BenchApi
from bot.app import BotRuntime
from domain.forms import CONFIRM_STEP, DUPLICATE_FORM, InputKind
from domain.tracking import format_tracking_code, new_tracking_code
from loopback import STORED_ANSWERS, jpeg, pdf
from storage import models
from storage.store import Store
from storage.views import StoredUpload

GROUP_LIMIT = 20
MESSAGES_PER_REQUEST = 3
INJECTED_429 = 3
FIRST_USER = 500_000
ANSWERS: dict[str, Any] = STORED_ANSWERS


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()}"[:300])


async def _stored(store: Store, data: bytes, kind: InputKind) -> dict[str, Any]:
    mime, ext = ("application/pdf", "pdf") if kind is InputKind.DOCUMENT else ("image/jpeg", "jpg")
    stored = await store.files.put(data, ext)
    return StoredUpload(
        stored.relative_path, stored.sha256, stored.size, mime, None, None
    ).as_answer()


async def _write_drafts(store: Store, users: list[int]) -> dict[int, str]:
    """A complete draft, waiting at the summary, for each user; returns user -> draft id."""
    letter, photo = pdf(), jpeg(600, 800)
    slots = asyncio.Semaphore(16)

    async def answers() -> dict[str, Any]:
        async with slots:
            values = dict(ANSWERS)
            for field in DUPLICATE_FORM.fields:
                if field.kind is InputKind.DOCUMENT:
                    values[field.key] = await _stored(store, letter, field.kind)
                elif field.kind is InputKind.PHOTO:
                    values[field.key] = await _stored(store, photo, field.kind)
            assert DUPLICATE_FORM.next_step(values) == CONFIRM_STEP
            return values

    all_answers = await asyncio.gather(*(answers() for _ in users))
    ids = {uid: str(uuid.uuid4()) for uid in users}
    now = models.utcnow()
    rows = [
        {
            "id": ids[uid],
            "user_id": uid,
            "chat_id": uid,
            "kind": "duplicate",
            "step": CONFIRM_STEP,
            "answers": values,
            "created_at": now,
            "updated_at": now,
        }
        for uid, values in zip(users, all_answers, strict=True)
    ]
    async with store.engine.begin() as connection:
        await connection.execute(insert(models.Draft), rows)
    return ids


async def _failed_rows(store: Store) -> int:
    async with store.sessions() as session:
        count = await session.scalar(
            select(func.count()).where(models.Outbox.failed_at.is_not(None))
        )
    return int(count or 0)


async def run(ctx: Context) -> list[Figure]:
    burst, window = ctx.sizes.burst, ctx.sizes.burst_window_s
    api = BenchApi()
    await api.start()
    api.enforce_group_limit(GROUP_LIMIT, window_seconds=window)
    api.exact_retry_after()
    api.fail_next(
        "sendMessage", status=429, retry_after=1, count=INJECTED_429, chat_id=ADMIN_CHAT_ID
    )
    settings = bot_settings(
        api.base_url,
        api.base_file_url,
        ctx.workdir / "load" / "data",
        group_messages_per_minute=GROUP_LIMIT,
        group_rate_period_seconds=window,
    )
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    runtime = BotRuntime(settings)
    await runtime.start()
    try:
        store = runtime.store
        users = list(range(FIRST_USER, FIRST_USER + burst))
        for uid in users:
            api.user(uid, first_name="کاربر")  # the applicants are told their request arrived
        drafts = await _write_drafts(store, users)
        slots = asyncio.Semaphore(50)

        async def submit(uid: int) -> str:
            async with slots:
                result = await store.filing.submit(uid, drafts[uid], new_tracking_code)
                runtime.sender.wake()
                return result.request.tracking_code

        started = time.perf_counter()
        codes = await asyncio.gather(*(submit(uid) for uid in users))
        filed_seconds = time.perf_counter() - started
        ideal = burst * MESSAGES_PER_REQUEST * window / GROUP_LIMIT
        ctx.log(
            f"  {burst:,} requests filed in {filed_seconds:.1f} s; delivering "
            f"{burst * MESSAGES_PER_REQUEST:,} staff messages at {GROUP_LIMIT} per {window:g} s "
            f"(ideal {ideal:.1f} s)"
        )
        deadline = time.perf_counter() + ideal * 4 + 60
        while time.perf_counter() < deadline:
            if await store.outbox.pending() == 0:
                break
            await asyncio.sleep(0.1)
        delivered_seconds = time.perf_counter() - started
        pending = await store.outbox.pending()
        failed = await _failed_rows(store)
    finally:
        await runtime.stop()
        logging.getLogger().removeHandler(errors)
    messages = api.sent(ADMIN_CHAT_ID)
    await api.stop()

    cards: dict[str, int] = {}
    files: dict[str, int] = {}
    for code in codes:
        shown = format_tracking_code(code)
        cards[code] = files[code] = 0
        for message in messages:
            if message.get("document") or message.get("photo"):
                files[code] += shown in str(message.get("caption", ""))
            else:
                cards[code] += shown in str(message.get("text", ""))
    cards_wrong = sum(1 for n in cards.values() if n != 1)
    files_missing = sum(max(0, 2 - n) for n in files.values())
    files_repeated = sum(max(0, n - 2) for n in files.values())
    answered_429 = sum(1 for f in api.failures if f.status == 429)
    ctx.log(
        f"  delivered in {delivered_seconds:.1f} s: cards wrong {cards_wrong}, documents missing "
        f"{files_missing}, documents sent twice {files_repeated}, outbox pending {pending}, "
        f"failed {failed}, 429 answers {answered_429}, bot errors logged {len(errors.records)}"
    )
    for record in errors.records[:5]:
        ctx.log(f"    error: {record}")
    scale = (
        f"time scaled: {GROUP_LIMIT} messages per {window:g} s window (Telegram: per 60 s), "
        f"on the server and in the bot's limiter"
    )
    return [
        Figure(
            benchmark="load",
            name=f"load burst of {burst:,}: staff messages delivered",
            unit="s",
            ours=delivered_seconds,
            baseline=ideal,
            baseline_label="every message at exactly the limit",
            note=f"{scale}; filed in {filed_seconds:.1f} s; {answered_429} answers were 429 "
            f"({INJECTED_429} injected), all retried",
        ),
        Figure(
            benchmark="load",
            name="load cards missing or repeated",
            unit="",
            ours=float(cards_wrong),
            target=Target("max", 0),
        ),
        Figure(
            benchmark="load",
            name="load documents missing",
            unit="",
            ours=float(files_missing),
            target=Target("max", 0),
        ),
        Figure(
            benchmark="load",
            name="load outbox rows pending or failed",
            unit="",
            ours=float(pending + failed),
            target=Target("max", 0),
        ),
        Figure(
            benchmark="load",
            name="load unhandled errors (ERROR log records)",
            unit="",
            ours=float(len(errors.records)),
            target=Target("max", 0),
        ),
        Figure(
            benchmark="load",
            name="load documents sent twice",
            unit="",
            ours=float(files_repeated),
            note="at-least-once delivery: a 429 on a card's second document makes the sender "
            "retry the whole announcement, re-sending the first document",
        ),
    ]
