"""Bale as it really is: each of Bale's differences from Telegram (loopback/bale.py), and
what the bot does about it (bot/dialect.py, the staff prompts, the guards).

Every end-to-end flow also runs against the Bale dialect (the ``both_dialects`` modules);
these tests switch single rules to the variants those flows do not cover.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from bot.app import BotRuntime
from bot.dialect import BALE, BALE_RATE_LIMIT_RETRY_SECONDS, TELEGRAM
from domain import texts
from domain.tracking import format_tracking_code, parse_tracking_code
from loopback import BaleRules, FakeBaleApi, FakeBotApi
from storage import models
from tests.conftest import REVIEWER, SIGNER, STAFF, bot_settings, new_api
from tests.driver import GOOD_ANSWERS, Applicant, buttons
from tests.test_staff_workflow import Card, file_request

pytestmark = pytest.mark.timeout(90)

# Bale's group ids: positive, ten digits and more, no "-100".
BALE_STAFF_GROUP = 5_734_091_716
BALE_SECURITY_GROUP = 5_734_091_999


@asynccontextmanager
async def bale(rules: BaleRules | None = None) -> AsyncIterator[FakeBaleApi]:
    """A started Bale-dialect server with Bale-like staff and security groups."""
    server = new_api("bale", rules=rules)
    assert isinstance(server, FakeBaleApi)
    await server.start()
    server.group(BALE_STAFF_GROUP, title="کارشناسان سنجش")
    server.group(BALE_SECURITY_GROUP, title="حراست")
    for user_id in (REVIEWER, SIGNER):
        server.user(user_id, first_name="کارشناس")
    try:
        yield server
    finally:
        await server.stop()


@asynccontextmanager
async def running(api: FakeBotApi, data_dir: Path, **overrides: Any) -> AsyncIterator[BotRuntime]:
    """A Bale bot on ``api`` (SQLite in ``data_dir``) with staff and the Bale groups."""
    values: dict[str, Any] = {
        "admin_chat_id": BALE_STAFF_GROUP,
        "security_chat_id": BALE_SECURITY_GROUP,
        "staff": STAFF,
    }
    values.update(overrides)
    runtime = BotRuntime(bot_settings(api, data_dir, **values))
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


async def _bale_card(api: FakeBotApi, applicant: Applicant) -> Card:
    """``file_request`` against the Bale staff group: the card, its documents under it."""
    return await file_request(api, applicant, BALE_STAFF_GROUP)


async def _two_cards(api: FakeBotApi) -> tuple[Card, Card]:
    """Two applicants' requests, filed one after the other."""
    first = await _bale_card(api, Applicant(api, user_id=5001, first_name="مریم"))
    second = await _bale_card(api, Applicant(api, user_id=5002, first_name="زهرا"))
    return first, second


@pytest.mark.parametrize(
    "rules",
    [
        BaleRules(reply_parameters="refused", force_reply="refused"),
        BaleRules(reply_parameters="ignored", force_reply="dropped"),
    ],
    ids=["telegram-fields-refused", "telegram-fields-ignored"],
)
async def test_threads_and_prompts_work_whether_bale_ignores_or_refuses_telegrams_fields(
    rules: BaleRules, data_dir: Path
) -> None:
    async with bale(rules) as api, running(api, data_dir):
        applicant = Applicant(api, user_id=5001, first_name="مریم")
        card = await _bale_card(api, applicant)  # documents under the card, in a Bale group
        assert await card.press_and_answer(REVIEWER, "reject") == texts.STAFF_PROMPT_SENT
        prompt = await api.next_message(BALE_STAFF_GROUP)
        assert prompt["reply_to_message"]["message_id"] == card.message_id
        assert "/cancel" in prompt["text"]
        # No force-reply box on Bale: the reviewer simply types the reason in the group.
        reason = "نامهٔ دادگاه ناخواناست."
        api.send_text(REVIEWER, reason, chat_id=BALE_STAFF_GROUP)
        rejected = await applicant.reply()
        assert reason in rejected["text"]
        await card.wait_status("rejected")
        # What went out is what Bale's clients send: reply_to_message_id, no force-reply.
        for call in api.calls:
            assert "reply_parameters" not in call.params, call
            assert not (call.params.get("reply_markup") or {}).get("force_reply"), call
        assert not [f for f in api.failures if f.status == 400], api.failures


@pytest.mark.parametrize(
    ("description", "status"), [("bot limit exceed", 400), ("local_rate_limited", 429)]
)
async def test_a_rate_limit_in_bales_wording_is_waited_out_and_nothing_dropped(
    description: str, status: int, data_dir: Path
) -> None:
    rules = BaleRules(rate_limit_description=description, rate_limit_status=status)
    async with bale(rules) as api, running(api, data_dir) as bot:
        # Two messages per window: the card goes, its two documents must wait their turn.
        api.enforce_group_limit(2, window_seconds=BALE_RATE_LIMIT_RETRY_SECONDS - 1)
        applicant = Applicant(api, user_id=5001, first_name="مریم")
        summary = await applicant.file_to_summary()
        filed = await applicant.tap_and_reply(summary, texts.BUTTON_SUBMIT)
        assert any(parse_tracking_code(word) for word in filed["text"].split()), filed
        card = await api.next_message(BALE_STAFF_GROUP)
        for _ in range(2):
            attachment = await api.next_message(BALE_STAFF_GROUP, timeout=30)
            assert attachment["reply_to_message"]["message_id"] == card["message_id"]
        limited = [f for f in api.failures if f.description == description]
        assert limited and all(f.status == status for f in limited)
        async with bot.store.sessions() as session:
            failed = (
                await session.scalars(
                    select(models.Outbox).where(models.Outbox.failed_at.is_not(None))
                )
            ).all()
        assert not failed, [(row.kind, row.last_error) for row in failed]


async def test_bales_positive_group_ids_are_paced_as_groups(data_dir: Path) -> None:
    async with bale() as api:
        # The platform allows 3 messages a second to a group; the bot keeps to 2 in 2 s.
        api.enforce_group_limit(3, window_seconds=1.0)
        pacing = {"group_messages_per_minute": 2, "group_rate_period_seconds": 2.0}
        async with running(api, data_dir, **pacing):
            for user_id in (5001, 5002):  # two cards and four documents, at once
                applicant = Applicant(api, user_id=user_id)
                summary = await applicant.file_to_summary()
                await applicant.tap_and_reply(summary, texts.BUTTON_SUBMIT)
            for _ in range(6):
                await api.next_message(BALE_STAFF_GROUP, timeout=30)
        assert not [f for f in api.failures if f.call.method != "getUpdates"], api.failures


@pytest.mark.parametrize("status", [400, 404])
async def test_an_unknown_chat_holds_what_is_owed_to_it_never_an_invalid_token(
    status: int, data_dir: Path
) -> None:
    # A staff group id typed wrong: Bale does not know the chat.
    async with (
        bale(BaleRules(unknown_chat_status=status)) as api,
        running(api, data_dir, admin_chat_id=5_734_000_000) as bot,
    ):
        applicant = Applicant(api, user_id=5001, first_name="مریم")
        summary = await applicant.file_to_summary()
        filed = await applicant.tap_and_reply(summary, texts.BUTTON_SUBMIT)
        assert texts.ERROR_GENERIC not in filed["text"]
        for _ in range(200):
            async with bot.store.sessions() as session:
                row = (
                    await session.scalars(
                        select(models.Outbox).where(models.Outbox.kind == "announce_request")
                    )
                ).one()
            if row.last_error is not None:
                break
            await asyncio.sleep(0.05)
        # Held for the group (bot.delivery), not given up: it goes out once the id is right.
        assert row.failed_at is None and row.sent_at is None and row.last_error is not None
        assert row.last_error.startswith("held: the staff group ADMIN_CHAT_ID=5734000000 ")
        assert "no such group or user" in row.last_error
        # The bot goes on serving people.
        welcome = await applicant.command("start")
        assert welcome["text"].startswith("سلام")


async def test_a_refused_button_edit_falls_back_and_no_error_reaches_the_applicant(
    data_dir: Path,
) -> None:
    async with bale(BaleRules(edit_reply_markup_refused=True)) as api, running(api, data_dir):
        applicant = Applicant(api, user_id=5001, first_name="مریم")
        summary = await applicant.file_to_summary()
        filed = await applicant.tap_and_reply(summary, texts.BUTTON_SUBMIT)
        assert any(parse_tracking_code(word) for word in filed["text"].split()), filed
        await api.expect_no_message(applicant.user_id, wait=0.5)  # no «خطایی پیش آمد»
        assert api.calls_of("editMessageReplyMarkup"), "the buttons were not even tried"
        edited = api.message(applicant.user_id, summary["message_id"])
        assert edited is not None and not buttons(edited)  # removed by editing the text
        assert edited["text"] == summary["text"]


async def test_a_contact_without_user_id_is_taken_and_someone_elses_refused(
    data_dir: Path,
) -> None:
    async with bale() as api, running(api, data_dir):
        applicant = Applicant(api, user_id=5001, first_name="مریم")
        await applicant.open_duplicate_request()
        mobile_index = [key for key, _ in GOOD_ANSWERS].index("mobile")
        for _key, value in GOOD_ANSWERS[:mobile_index]:
            await applicant.say(value)
        api.send_contact(applicant.user_id, "+989121234567", contact_user_id=77777)
        refused = await applicant.reply()
        assert refused["text"].startswith(texts.EXPECT_OWN_CONTACT), refused
        api.send_contact(applicant.user_id, "+989121234567")  # Bale: no user_id in it
        taken = await applicant.reply()
        assert texts.PROMPT_TRADE in taken["text"], taken


async def test_on_telegram_a_contact_that_names_nobody_is_still_refused(data_dir: Path) -> None:
    api = new_api("telegram")
    await api.start()
    api.group(-1001000)
    try:
        async with running(api, data_dir, admin_chat_id=-1001000, security_chat_id=None):
            applicant = Applicant(api, user_id=5001, first_name="مریم")
            await applicant.open_duplicate_request()
            mobile_index = [key for key, _ in GOOD_ANSWERS].index("mobile")
            for _key, value in GOOD_ANSWERS[:mobile_index]:
                await applicant.say(value)
            api.send_contact(applicant.user_id, "+989121234567", omit_user_id=True)
            refused = await applicant.reply()
            assert refused["text"].startswith(texts.EXPECT_OWN_CONTACT), refused
    finally:
        await api.stop()


async def test_updates_bale_hands_back_at_start_are_not_handled_twice(data_dir: Path) -> None:
    async with bale(BaleRules(redeliver_at_start=50)) as api:
        applicant = Applicant(api, user_id=5001, first_name="مریم")
        async with running(api, data_dir):
            await applicant.open_duplicate_request()
            await applicant.say(GOOD_ANSWERS[0][1])
        sent_before = len(api.sent(applicant.user_id))
        async with running(api, data_dir):
            # The new poller got every earlier update again; none is answered again.
            await api.wait_for(lambda call: call[0] == "getUpdates" and "offset" in call[1])
            await api.expect_no_message(applicant.user_id, wait=0.8)
            assert len(api.sent(applicant.user_id)) == sent_before
            question = await applicant.say(GOOD_ANSWERS[1][1])
            assert texts.PROMPT_NATIONAL_CODE in question["text"], question


async def test_typed_answers_of_two_staff_never_mix_and_a_prompt_can_be_cancelled(
    data_dir: Path,
) -> None:
    async with bale() as api, running(api, data_dir) as bot:
        first, second = await _two_cards(api)
        await first.press_and_answer(REVIEWER, "reject")
        await api.next_message(BALE_STAFF_GROUP)
        await second.press_and_answer(SIGNER, "reject")
        await api.next_message(BALE_STAFF_GROUP)
        # Someone who was not asked chats in the group: nobody's prompt takes it.
        api.send_text(9003, "سلام همکاران", chat_id=BALE_STAFF_GROUP)
        api.send_text(SIGNER, "دلیل دوم", chat_id=BALE_STAFF_GROUP)
        api.send_text(REVIEWER, "دلیل اول", chat_id=BALE_STAFF_GROUP)
        await first.wait_status("rejected")
        await second.wait_status("rejected")
        one = await bot.store.workflow.find_by_code(first.code)
        two = await bot.store.workflow.find_by_code(second.code)
        assert one is not None and two is not None
        assert (one.decision_note, one.decided_by) == ("دلیل اول", REVIEWER)
        assert (two.decision_note, two.decided_by) == ("دلیل دوم", SIGNER)

        # A prompt can be cancelled; nothing is recorded, and a later message is just chat.
        third = await _bale_card(api, Applicant(api, user_id=5003, first_name="سارا"))
        await third.press_and_answer(REVIEWER, "reject")
        await api.next_message(BALE_STAFF_GROUP)
        api.send_command(REVIEWER, "/cancel", chat_id=BALE_STAFF_GROUP)
        cancelled = await api.next_message(BALE_STAFF_GROUP)
        assert cancelled["text"] == texts.STAFF_PROMPT_CANCELLED.format(
            codes=format_tracking_code(third.code)
        )
        api.send_text(REVIEWER, "این فقط گفت‌وگوست", chat_id=BALE_STAFF_GROUP)
        api.send_command(REVIEWER, "/cancel", chat_id=BALE_STAFF_GROUP)
        assert (await api.next_message(BALE_STAFF_GROUP))["text"] == texts.STAFF_NO_OPEN_PROMPT
        request = await bot.store.workflow.find_by_code(third.code)
        assert request is not None and request.status == "submitted"


async def _age_prompts(bot: BotRuntime) -> None:
    """Every prompt was put a year ago."""
    async with bot.store.sessions.begin() as session:
        for row in (await session.scalars(select(models.StaffPrompt))).all():
            row.created_at = row.created_at.replace(year=row.created_at.year - 1)


async def test_a_prompt_left_too_long_takes_a_reply_but_no_plain_message(
    data_dir: Path,
) -> None:
    async with bale() as api, running(api, data_dir) as bot:
        first, second = await _two_cards(api)
        await first.press_and_answer(REVIEWER, "reject")
        prompt = await api.next_message(BALE_STAFF_GROUP)
        await _age_prompts(bot)
        # A reply to the prompt itself is taken however late.
        api.send_text(
            REVIEWER, "دلیل", chat_id=BALE_STAFF_GROUP, reply_to_message_id=prompt["message_id"]
        )
        await first.wait_status("rejected")
        await api.next_message(BALE_STAFF_GROUP)  # «ثبت شد»

        # A plain message is not: the bot says so once, and the prompt is closed.
        await second.press_and_answer(REVIEWER, "reject")
        await api.next_message(BALE_STAFF_GROUP)
        await _age_prompts(bot)
        api.send_text(REVIEWER, "گفت‌وگوی بعدی", chat_id=BALE_STAFF_GROUP)
        expired = await api.next_message(BALE_STAFF_GROUP)
        assert expired["text"] == texts.STAFF_PROMPT_EXPIRED.format(
            code=format_tracking_code(second.code), minutes="۱۰"
        )
        api.send_text(REVIEWER, "باز هم گفت‌وگو", chat_id=BALE_STAFF_GROUP)
        await api.expect_no_message(BALE_STAFF_GROUP, wait=1.0)
        request = await bot.store.workflow.find_by_code(second.code)
        assert request is not None and request.status == "submitted"


async def test_a_new_prompt_replaces_the_earlier_and_a_reply_to_the_card_answers(
    data_dir: Path,
) -> None:
    async with bale() as api, running(api, data_dir) as bot:
        first, second = await _two_cards(api)
        await first.press_and_answer(REVIEWER, "reject")
        earlier = await api.next_message(BALE_STAFF_GROUP)
        await second.press_and_answer(REVIEWER, "reject")
        await api.next_message(BALE_STAFF_GROUP)
        # The reason typed now is for the second request, the one last asked about ...
        api.send_text(
            REVIEWER, "دلیل دوم", chat_id=BALE_STAFF_GROUP, reply_to_message_id=second.message_id
        )
        await second.wait_status("rejected")
        done_note = await api.next_message(BALE_STAFF_GROUP)
        assert format_tracking_code(second.code) in done_note["text"]
        # ... and the first prompt is closed: even a reply to it is not taken.
        api.send_text(
            REVIEWER,
            "دلیل اول",
            chat_id=BALE_STAFF_GROUP,
            reply_to_message_id=earlier["message_id"],
        )
        await api.expect_no_message(BALE_STAFF_GROUP, wait=1.0)
        request = await bot.store.workflow.find_by_code(first.code)
        assert request is not None and request.status == "submitted"
        done = await bot.store.workflow.find_by_code(second.code)
        assert done is not None and done.decision_note == "دلیل دوم"


async def test_updates_without_what_bale_may_leave_out_are_still_understood(
    data_dir: Path,
) -> None:
    rules = BaleRules(command_entities=False, chat_instance=False, file_unique_ids=False)
    async with bale(rules) as api, running(api, data_dir):
        applicant = Applicant(api, user_id=5001, first_name="مریم")
        welcome = await applicant.command("start")  # no bot_command entity
        assert welcome["text"].startswith("سلام مریم")
        card = await _bale_card(api, applicant)  # files without file_unique_id, presses
        assert texts.STAFF_ACT_DONE.split("«")[0] in await card.press_and_answer(
            REVIEWER, "review"
        )  # a press without chat_instance
        await card.wait_status("in_review")
        api.send_command(REVIEWER, "/cancel", chat_id=BALE_STAFF_GROUP)
        assert (await api.next_message(BALE_STAFF_GROUP))["text"] == texts.STAFF_NO_OPEN_PROMPT


def test_the_bale_dialect_marks_commands_and_fills_what_bale_leaves_out() -> None:
    update = {
        "update_id": 1,
        "message": {"text": "/start v_1_AB", "photo": [{"file_id": "p1"}]},
    }
    message = BALE.incoming_update(update)["message"]
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert message["photo"][0]["file_unique_id"] == "p1"
    marked = {"text": "/help", "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}
    assert BALE.incoming_update({"message": dict(marked)})["message"] == marked
    for text in ("سلام", "/ نه", "/start\u200c"):
        assert "entities" not in BALE.incoming_update({"message": {"text": text}})["message"]
    query = BALE.incoming_update({"callback_query": {"id": "1", "data": "x"}})
    assert query["callback_query"]["chat_instance"] == ""
    plain = {"message": {"text": "/start"}}
    assert TELEGRAM.incoming_update(plain) == {"message": {"text": "/start"}}


def test_the_bale_dialect_rewrites_telegrams_fields() -> None:
    sent = {
        "chat_id": 1,
        "text": "x",
        "reply_parameters": {"message_id": 7, "allow_sending_without_reply": True},
        "reply_markup": {"force_reply": True, "selective": False},
    }
    assert BALE.outgoing("sendMessage", sent) == {
        "chat_id": 1,
        "text": "x",
        "reply_to_message_id": 7,
        "allow_sending_without_reply": True,
    }
    keyboard = {"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}
    assert BALE.outgoing("sendMessage", {"reply_markup": keyboard}) == {"reply_markup": keyboard}
    form = {"chat_id": "1", "reply_parameters": json.dumps({"message_id": 9})}
    assert BALE.outgoing_form("sendPhoto", form) == {"chat_id": "1", "reply_to_message_id": "9"}
    assert BALE.outgoing("getUpdates", {"allowed_updates": ["message"], "offset": 3}) == {
        "offset": 3
    }
    assert TELEGRAM.outgoing("sendMessage", sent) is sent


def _error(status: int, description: str) -> bytes:
    return orjson.dumps({"ok": False, "error_code": status, "description": description})


def test_bales_error_replies_read_as_telegrams() -> None:
    status, body = BALE.incoming("sendMessage", 400, _error(400, "bot limit exceed"))
    assert status == 429
    assert orjson.loads(body)["parameters"]["retry_after"] == BALE_RATE_LIMIT_RETRY_SECONDS
    status, body = BALE.incoming("sendMessage", 404, _error(404, "no such group or user"))
    assert status == 403 and "no such group or user" in orjson.loads(body)["description"]
    assert BALE.incoming("setMyCommands", 404, _error(404, "Not Found"))[0] == 400
    assert BALE.incoming("getMe", 404, _error(404, "Not Found"))[0] == 404  # a wrong token
    assert BALE.incoming("getMe", 400, _error(400, "Bad Request: Token not found"))[0] == 401
    assert BALE.incoming("sendMessage", 400, _error(400, "permission_denied"))[0] == 403
    assert BALE.incoming("sendMessage", 200, b'{"ok":true}') == (200, b'{"ok":true}')
    assert BALE.incoming("sendMessage", 502, b"<html>") == (502, b"<html>")
    telegram = _error(400, "Bad Request: chat not found")
    assert TELEGRAM.incoming("sendMessage", 400, telegram) == (400, telegram)
