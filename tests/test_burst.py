"""A burst of new requests reaches the staff chat within Telegram's group limit, nothing lost."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

import pytest

from bot.app import BotRuntime
from domain.tracking import format_tracking_code
from loopback import FakeBotApi, jpeg, pdf
from storage.store import Store
from tests.conftest import ADMIN_CHAT_ID, bot_settings
from tests.driver import file_directly as file_request_directly
from tests.driver import wait_outbox_empty

pytestmark = pytest.mark.timeout(180)

BURST = 200


async def file_directly(store: Store, user_id: int, letter: bytes, photo: bytes) -> str:
    """File a complete request through the storage use cases; returns its tracking code."""
    return (await file_request_directly(store, user_id, letter, photo)).tracking_code


async def _limited_bot(
    api: FakeBotApi, data_dir: Path, database_url: str, *, per_second: int
) -> BotRuntime:
    """A started bot held, like the server, to ``per_second`` messages a second to a group:
    Telegram's 20 a minute, scaled down in time so the tests are quick (the server still
    answers 429 when the limit is crossed)."""
    api.enforce_group_limit(per_second, window_seconds=1.0)
    settings = bot_settings(
        api,
        data_dir,
        group_messages_per_minute=per_second,
        group_rate_period_seconds=1.0,
        database_url=database_url,
    )
    runtime = BotRuntime(settings)
    await runtime.start()
    return runtime


async def test_a_burst_of_requests_reaches_the_staff_chat_despite_429s(
    api: FakeBotApi, data_dir: Path, database_url: str
) -> None:
    api.fail_next("sendMessage", status=429, retry_after=1, count=3, chat_id=ADMIN_CHAT_ID)
    runtime = await _limited_bot(api, data_dir, database_url, per_second=50)
    try:
        letter, photo = pdf(), jpeg(600, 800)
        codes = [
            await file_directly(runtime.store, 20_000 + i, letter, photo) for i in range(BURST)
        ]
        runtime.sender.wake()
        await wait_outbox_empty(runtime.store)
    finally:
        await runtime.stop()

    cards = [m for m in api.sent(ADMIN_CHAT_ID) if m.get("text")]
    announced = {c for c in codes if any(format_tracking_code(c) in m["text"] for m in cards)}
    assert announced == set(codes)
    assert len(cards) == BURST  # each card once
    files = [m for m in api.sent(ADMIN_CHAT_ID) if m.get("document") or m.get("photo")]
    assert len(files) == 2 * BURST
    assert any(f.status == 429 for f in api.failures)  # the limit really was hit


async def test_tracking_codes_do_not_wait_behind_the_staff_chat(
    api: FakeBotApi, data_dir: Path, database_url: str
) -> None:
    """The staff chat is held to a few messages a second; each applicant's tracking code goes
    out at once all the same (it has a delivery lane of its own)."""
    users, per_second = 10, 5
    runtime = await _limited_bot(api, data_dir, database_url, per_second=per_second)
    try:
        letter, photo = pdf(), jpeg(600, 800)
        codes: dict[int, str] = {}
        for user_id in range(20_000, 20_000 + users):
            api.user(user_id, first_name="متقاضی")
            codes[user_id] = await file_directly(runtime.store, user_id, letter, photo)
        runtime.sender.wake()

        def told(user_id: int) -> bool:
            code = format_tracking_code(codes[user_id])
            return any(code in str(m.get("text")) for m in api.sent(user_id))

        for _ in range(100):
            if all(told(u) for u in codes):
                break
            await asyncio.sleep(0.05)
        staff_then = len(api.sent(ADMIN_CHAT_ID))
        assert all(told(u) for u in codes)
        # Three staff messages per request: 30 in all, at most 5 a second. Had the codes
        # waited their turn, the last would have come after 28 of them.
        assert staff_then <= 2 * per_second
        await wait_outbox_empty(runtime.store, timeout=20)
    finally:
        await runtime.stop()
    assert len(api.sent(ADMIN_CHAT_ID)) == 3 * users


async def test_a_tracking_code_claimed_by_a_handler_that_died_is_sent_after_the_claim(
    api: FakeBotApi, data_dir: Path, database_url: str
) -> None:
    """The chat's «confirm» writes the notice claimed for itself and sends it at once; if the
    bot dies in between, the outbox sender sends it once the claim has run out, not before."""
    lease = dt.timedelta(seconds=1.5)
    runtime = BotRuntime(bot_settings(api, data_dir, database_url=database_url))
    await runtime.start()
    try:
        api.user(30_000, first_name="متقاضی")
        filed = await file_request_directly(
            runtime.store, 30_000, pdf(), jpeg(600, 800), claim_notice_for=lease
        )
        filed_at = time.monotonic()
        code = format_tracking_code(filed.tracking_code)
        runtime.sender.wake()
        # The staff announcement goes out; the claimed notice waits for its claim.
        for _ in range(100):
            if len(api.sent(ADMIN_CHAT_ID)) == 3:
                break
            await asyncio.sleep(0.02)
        assert len(api.sent(ADMIN_CHAT_ID)) == 3
        assert not any(code in str(m.get("text")) for m in api.sent(30_000))
        message = await api.next_message(30_000, timeout=10)
        waited = time.monotonic() - filed_at
        assert code in str(message.get("text"))
        assert waited >= lease.total_seconds() - 0.1
        await wait_outbox_empty(runtime.store, timeout=5)
    finally:
        await runtime.stop()
    assert sum(code in str(m.get("text")) for m in api.sent(30_000)) == 1
