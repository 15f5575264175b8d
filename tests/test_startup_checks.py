"""The staff and security groups, checked at start and while running: a group the bot cannot
post in is said in one line with what to do, and what is owed to it waits for it, not lost."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot import delivery
from bot.app import BotRuntime
from domain import texts
from domain.tracking import format_tracking_code, parse_tracking_code
from loopback import FakeBotApi
from storage import models
from tests.conftest import ADMIN_CHAT_ID, SECURITY_CHAT_ID, bot_settings
from tests.driver import Applicant

pytestmark = [pytest.mark.timeout(120), pytest.mark.both_dialects]

UNKNOWN_STAFF_GROUP = -1003000
UNKNOWN_SECURITY_GROUP = -1004000
# A held group is looked at again at least this often (bot.delivery.GROUP_RETRY in production).
QUICK = dt.timedelta(seconds=0.2)
HELD = " is held until the bot can post there"
ADVICE = "add the bot to the group, or correct {setting} (send /chatid in the group to learn it)"


def runtime(api: FakeBotApi, data_dir: Path, database_url: str, **settings: Any) -> BotRuntime:
    """A bot (not started) whose outbox looks at a held group again within QUICK."""
    return BotRuntime(
        bot_settings(
            api, data_dir, database_url=database_url, outbox_poll_seconds=0.1, **settings
        ),
        group_retry=QUICK,
    )


def said(caplog: pytest.LogCaptureFixture, about: str, level: int = logging.WARNING) -> list[str]:
    """The lines logged at ``level`` that name ``about`` (a setting and its value)."""
    return [
        r.getMessage() for r in caplog.records if r.levelno == level and about in r.getMessage()
    ]


def assert_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    tracebacks = [r.getMessage() for r in caplog.records if r.exc_info]
    assert not tracebacks, f"logged with a traceback: {tracebacks}"


async def file(applicant: Applicant) -> str:
    """File a duplicate request; its tracking code, which the applicant got at once."""
    summary = await applicant.file_to_summary()
    filed = await applicant.tap_and_reply(summary, texts.BUTTON_SUBMIT)
    code = next((c for c in map(parse_tracking_code, filed["text"].split()) if c), None)
    assert code is not None, filed["text"]
    return code


async def announcement(bot: BotRuntime) -> models.Outbox:
    async with bot.store.sessions() as session:
        row: models.Outbox = (
            await session.scalars(
                select(models.Outbox).where(models.Outbox.kind == "announce_request")
            )
        ).one()
    return row


async def held_announcement(bot: BotRuntime, group: str) -> models.Outbox:
    """The request's announcement once the outbox has held it for ``group``, checked again
    several times: still owed, never given up."""
    for _ in range(200):
        row = await announcement(bot)
        if row.attempts >= 3:
            break
        await asyncio.sleep(0.05)
    assert row.last_error is not None and row.last_error.startswith(f"held: the {group} "), row
    assert row.sent_at is None and row.failed_at is None
    assert await bot.store.outbox.failed() == []
    return row


async def assert_card_with_documents(api: FakeBotApi, chat_id: int, code: str) -> None:
    card = await api.next_message(chat_id, timeout=10)
    assert format_tracking_code(code) in card["text"]
    for _ in range(2):  # the court letter and the photo, under the card
        document = await api.next_message(chat_id, timeout=10)
        assert document["reply_to_message"]["message_id"] == card["message_id"]


async def test_groups_unknown_at_start_are_said_once_each_and_the_card_waits_for_its_group(
    api: FakeBotApi,
    data_dir: Path,
    database_url: str,
    applicant: Applicant,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    bot = runtime(
        api,
        data_dir,
        database_url,
        admin_chat_id=UNKNOWN_STAFF_GROUP,
        security_chat_id=UNKNOWN_SECURITY_GROUP,
    )
    staff = f"ADMIN_CHAT_ID={UNKNOWN_STAFF_GROUP}"
    security = f"SECURITY_CHAT_ID={UNKNOWN_SECURITY_GROUP}"
    try:
        await bot.start()
        for group, about, setting in (
            ("staff group", staff, "ADMIN_CHAT_ID"),
            ("security group", security, "SECURITY_CHAT_ID"),
        ):
            [line] = said(caplog, about)
            assert line.startswith(f"the {group} {about} is not known to the Bot API ("), line
            assert line.endswith(f": {ADVICE.format(setting=setting)}; what the bot owes it{HELD}")

        # Applicants are served meanwhile; the card waits for the staff group.
        code = await file(applicant)
        await held_announcement(bot, "staff group")
        assert api.sent(UNKNOWN_STAFF_GROUP) == []

        # The operator adds the bot to the group: the card comes, without a restart.
        api.bot_added_to_group(UNKNOWN_STAFF_GROUP, title="کارشناسان سنجش")
        await assert_card_with_documents(api, UNKNOWN_STAFF_GROUP, code)
        for _ in range(100):  # and is recorded as sent
            if (await announcement(bot)).sent_at is not None:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the announcement was never recorded as sent")
    finally:
        await bot.stop()
    assert len(said(caplog, staff)) == 1 and len(said(caplog, security)) == 1
    assert said(caplog, staff, logging.INFO) == [
        f"the staff group {staff} can be posted in again: sending the 1 message(s) held for it"
    ]
    assert_no_traceback(caplog)


@pytest.mark.parametrize(
    ("status", "says"),
    [
        ("left", "does not have the bot as a member: add it to the group"),
        ("kicked", "has removed the bot (kicked): unban it, then add it to the group again"),
    ],
)
async def test_a_bot_not_in_the_staff_group_at_start_is_said_in_one_line(
    api: FakeBotApi,
    data_dir: Path,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    status: str,
    says: str,
) -> None:
    api.bot_added_to_group(ADMIN_CHAT_ID, status=status)
    bot = runtime(api, data_dir, database_url, security_chat_id=SECURITY_CHAT_ID)
    try:
        await bot.start()
        welcome = await Applicant(api, user_id=5002, first_name="رضا").command("start")
        assert welcome["text"].startswith("سلام")  # the bot started and serves people
    finally:
        await bot.stop()
    assert said(caplog, "ADMIN_CHAT_ID") == [
        f"the staff group ADMIN_CHAT_ID={ADMIN_CHAT_ID} {says}; what the bot owes it{HELD}"
    ]
    assert said(caplog, "SECURITY_CHAT_ID") == []  # the security group is fine
    assert_no_traceback(caplog)


async def test_a_bot_removed_from_the_staff_group_while_running_keeps_the_card_for_it(
    api: FakeBotApi,
    data_dir: Path,
    database_url: str,
    applicant: Applicant,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    bot = runtime(api, data_dir, database_url)
    staff = f"ADMIN_CHAT_ID={ADMIN_CHAT_ID}"
    try:
        await bot.start()
        assert said(caplog, staff) == []  # nothing wrong at start
        api.bot_added_to_group(ADMIN_CHAT_ID, status="kicked")
        code = await file(applicant)
        await held_announcement(bot, "staff group")
        api.bot_added_to_group(ADMIN_CHAT_ID)  # an administrator again
        await assert_card_with_documents(api, ADMIN_CHAT_ID, code)
    finally:
        await bot.stop()
    refused = [f for f in api.failures if f.call.method.lower() == "sendmessage"]
    assert len(refused) == 1 and refused[0].status == 403, refused  # tried once, then checked
    assert said(caplog, staff) == [
        f"the staff group {staff} has removed the bot (kicked): unban it, then add it to the"
        f" group again; what the bot owes it{HELD}"
    ]
    assert said(caplog, staff, logging.INFO) == [
        f"the staff group {staff} can be posted in again: sending the 1 message(s) held for it"
    ]
    assert_no_traceback(caplog)


MIGRATED_TO = -1005000


@pytest.mark.parametrize(
    ("refusal", "says"),
    [
        ({"description": "Bad Request: chat not found"}, "is not known to the Bot API ("),
        (
            {
                "description": "Bad Request: group chat was upgraded to a supergroup chat",
                "migrate_to_chat_id": MIGRATED_TO,
            },
            f"became a supergroup with the id {MIGRATED_TO}: set ADMIN_CHAT_ID={MIGRATED_TO}",
        ),
    ],
    ids=["not-found", "migrated"],
)
async def test_a_group_lost_for_a_moment_holds_the_card_then_sends_it(
    api: FakeBotApi,
    data_dir: Path,
    database_url: str,
    applicant: Applicant,
    caplog: pytest.LogCaptureFixture,
    refusal: dict[str, Any],
    says: str,
) -> None:
    caplog.set_level(logging.INFO)
    bot = runtime(api, data_dir, database_url)
    try:
        await bot.start()
        # The card is refused, and so is the look at the group after it: held, not failed.
        for method in ("sendMessage", "getChat"):
            api.fail_next(method, 400, chat_id=ADMIN_CHAT_ID, **refusal)
        code = await file(applicant)
        await assert_card_with_documents(api, ADMIN_CHAT_ID, code)
        assert await bot.store.outbox.failed() == []
    finally:
        await bot.stop()
    staff = f"ADMIN_CHAT_ID={ADMIN_CHAT_ID}"
    [line] = said(caplog, staff)
    assert line.startswith(f"the staff group {staff} {says}"), line
    assert said(caplog, staff, logging.INFO) == [
        f"the staff group {staff} can be posted in again: sending the 1 message(s) held for it"
    ]
    assert_no_traceback(caplog)


async def test_a_network_error_while_checking_a_group_does_not_stop_the_start(
    api: FakeBotApi,
    data_dir: Path,
    database_url: str,
    applicant: Applicant,
    caplog: pytest.LogCaptureFixture,
) -> None:
    api.fail_next("getChat", 502, "Bad Gateway", chat_id=ADMIN_CHAT_ID)
    bot = runtime(api, data_dir, database_url)
    try:
        await bot.start()
        code = await file(applicant)
        await assert_card_with_documents(api, ADMIN_CHAT_ID, code)
    finally:
        await bot.stop()
    assert said(caplog, "ADMIN_CHAT_ID") == [
        f"the staff group ADMIN_CHAT_ID={ADMIN_CHAT_ID} not checked at start: the Bot API did"
        " not answer (NetworkError)"
    ]
    assert_no_traceback(caplog)


async def test_messages_held_for_long_are_said_again_now_and_then_with_their_count(
    api: FakeBotApi,
    data_dir: Path,
    database_url: str,
    applicant: Applicant,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(delivery, "HOLD_REMINDER_SECONDS", 1.0)  # five minutes in production
    bot = runtime(api, data_dir, database_url, admin_chat_id=UNKNOWN_STAFF_GROUP)
    staff = f"ADMIN_CHAT_ID={UNKNOWN_STAFF_GROUP}"
    try:
        await bot.start()
        await file(applicant)
        await held_announcement(bot, "staff group")
        await asyncio.sleep(2.5)  # a dozen looks at the group, two or three reminders
    finally:
        await bot.stop()
    lines = [r for r in caplog.records if r.levelno == logging.WARNING and staff in r.message]
    first, *again = [r.message for r in lines]
    assert first.endswith(f"; what the bot owes it{HELD}")
    assert again, "never said again"
    for line in again:
        assert line.startswith(f"still holding 1 message(s) for the staff group {staff}, which")
        assert "is not known to the Bot API" in line and "/chatid" in line
    gaps = [later.created - earlier.created for earlier, later in itertools.pairwise(lines)]
    assert min(gaps) >= 0.95, gaps  # not at every look (every 0.2 s), but once a second
