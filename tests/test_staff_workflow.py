"""Staff decide in the admin group: review, ask, reject, approve, sign — safely."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from bot.app import BotRuntime
from bot.delivery import LANES, OutboxSender
from bot.settings import parse_staff
from domain import texts
from domain.digits import ARABIC_INDIC_DIGITS, ASCII_DIGITS
from domain.jalali import TEHRAN
from domain.tracking import format_tracking_code, parse_tracking_code
from loopback import FakeBotApi, jpeg
from storage.confirmations import ConfirmationView
from tests.conftest import (
    ADMIN,
    ADMIN_CHAT_ID,
    BOTH,
    OFFICIALS,
    REVIEWER,
    SECOND_SIGNER,
    SECURITY_CHAT_ID,
    SIGNER,
    STAFF,
    bot_settings,
    start_staff_bot,
)
from tests.driver import Applicant, buttons

pytestmark = [pytest.mark.timeout(120), pytest.mark.both_dialects]

ARABIC_INDIC = str.maketrans(ASCII_DIGITS, ARABIC_INDIC_DIGITS)


class Card:
    """A request's card in the staff chat, pressed by staff."""

    def __init__(
        self, api: FakeBotApi, message_id: int, code: str, chat_id: int = ADMIN_CHAT_ID
    ) -> None:
        self.api = api
        self.message_id = message_id
        self.code = code
        self.chat_id = chat_id

    @property
    def current(self) -> dict[str, Any]:
        message = self.api.message(self.chat_id, self.message_id)
        assert message is not None
        return message

    def labels(self) -> list[str]:
        return [text for text, _ in buttons(self.current)]

    def data_of(self, act: str) -> str:
        label = texts.ACT_BUTTONS[act]
        for text, data in buttons(self.current):
            if text == label and data:
                return data
        raise AssertionError(f"no {act} button on the card: {self.labels()}")

    def press(self, user_id: int, act: str) -> dict[str, Any]:
        return self.api.press(user_id, self.current, self.data_of(act), chat_id=self.chat_id)

    async def answer_of(self, query: dict[str, Any]) -> dict[str, Any]:
        return await self.api.wait_callback_answer(query)

    async def press_and_answer(self, user_id: int, act: str) -> str:
        answer = await self.answer_of(self.press(user_id, act))
        return str(answer.get("text", ""))

    async def wait_status(self, status: str) -> None:
        label = texts.STATUS_LABELS[status]
        for _ in range(200):
            if texts.CARD_STATUS.format(status=label) in self.current["text"]:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"card never showed {status}: {self.current['text']}")

    async def recommend(self, reviewer: int) -> None:
        """``reviewer`` takes the request into review and recommends it."""
        await self.press_and_answer(reviewer, "review")
        await self.wait_status("in_review")
        await self.press_and_answer(reviewer, "recommend")
        await self.wait_status("recommended")

    async def approve(self, reviewer: int, signer: int) -> None:
        """Recommended by ``reviewer``, approved by ``signer``."""
        await self.recommend(reviewer)
        await self.press_and_answer(signer, "approve")
        await self.wait_status("approved")

    async def prompt(self) -> dict[str, Any]:
        """The bot's prompt in the staff chat for this card (the next one it sends)."""
        for _ in range(10):  # documents posted on the card earlier may come first
            prompt = await self.api.next_message(self.chat_id)
            if is_prompt(prompt, self.code):
                return prompt
        raise AssertionError(f"no prompt for {self.code}")

    async def reply_to_prompt(self, user_id: int, text: str) -> None:
        """``user_id`` answers the prompt as people do on the platform: on Telegram in the
        force-reply box (a reply), on Bale, which has none, by simply typing in the chat."""
        prompt = await self.prompt()
        answer_prompt(self.api, user_id, text, prompt)


def is_prompt(message: dict[str, Any], code: str) -> bool:
    """Whether ``message`` is the bot's prompt (for a reason, a note ...) about ``code``."""
    text = message.get("text") or ""
    return format_tracking_code(code) in text and "/cancel" in text


def answer_prompt(api: FakeBotApi, user_id: int, text: str, prompt: dict[str, Any]) -> None:
    """Answer ``prompt`` in the staff chat: a reply on Telegram, a plain message on Bale."""
    reply_to = prompt["message_id"] if api.platform == "telegram" else None
    api.send_text(user_id, text, chat_id=ADMIN_CHAT_ID, reply_to_message_id=reply_to)


def force_reply_sent(api: FakeBotApi, chat_id: int, text: str) -> bool:
    """Whether ``text`` went to ``chat_id`` with a force-reply (Telegram does not echo it)."""
    for params in api.calls_of("sendMessage"):
        if int(params["chat_id"]) == chat_id and params.get("text") == text:
            markup = params.get("reply_markup") or {}
            return bool(markup.get("force_reply"))
    return False


async def file_request(
    api: FakeBotApi, applicant: Applicant, chat_id: int = ADMIN_CHAT_ID
) -> Card:
    """The applicant files a request; returns its card in the staff chat ``chat_id``."""
    summary = await applicant.file_to_summary()
    filed = await applicant.tap_and_reply(summary, texts.BUTTON_SUBMIT)
    code = next(c for c in map(parse_tracking_code, filed["text"].split()) if c)
    for _ in range(20):  # earlier requests' messages may come first
        card = await api.next_message(chat_id)
        if format_tracking_code(code) in (card.get("text") or ""):
            break
    assert format_tracking_code(code) in card["text"]
    attached = 0
    while attached < 2:  # the court letter and the photo, as replies to the card
        message = await api.next_message(chat_id)
        if (message.get("reply_to_message") or {}).get("message_id") == card["message_id"]:
            attached += 1
    return Card(api, card["message_id"], code, chat_id)


async def test_a_request_goes_from_filing_to_approval_with_two_staff(
    api: FakeBotApi, staff_bot: BotRuntime, applicant: Applicant
) -> None:
    card = await file_request(api, applicant)
    assert card.labels()[0] == texts.ACT_BUTTONS["review"]
    assert texts.ACT_BUTTONS["approve"] not in card.labels()
    assert "مهلت انجام" in card.current["text"]

    assert texts.STAFF_ACT_DONE.split("«")[0] in await card.press_and_answer(REVIEWER, "review")
    note = await applicant.reply()
    assert note["text"] == texts.NOTIFY["in_review"].format(code=format_tracking_code(card.code))
    await card.wait_status("in_review")
    assert texts.ACT_BUTTONS["review"] not in card.labels()
    assert "کارشناس" in card.current["text"]  # the history names who acted

    await card.press_and_answer(REVIEWER, "classify_mechanized")
    for _ in range(100):
        if texts.CLASSIFICATION_LABELS["mechanized"] in card.current["text"]:
            break
        await asyncio.sleep(0.05)
    assert texts.CLASSIFICATION_LABELS["mechanized"] in card.current["text"]

    # Ask the applicant: force-reply in the staff chat, question to the applicant, answer back.
    assert await card.press_and_answer(REVIEWER, "ask") == texts.STAFF_PROMPT_SENT
    await card.reply_to_prompt(REVIEWER, "لطفاً تصویر کارت ملی را هم بفرستید.")
    question = await applicant.reply()
    assert "تصویر کارت ملی" in question["text"]
    # Telegram opens its reply box; Bale has none, and its applicant simply sends the answer.
    telegram = api.platform == "telegram"
    assert force_reply_sent(api, applicant.user_id, question["text"]) == telegram
    await card.wait_status("waiting_applicant")
    api.send_photo(
        applicant.user_id,
        jpeg(800, 600),
        caption="این هم کارت ملی",
        reply_to_message_id=question["message_id"] if telegram else None,
    )
    thanks = await applicant.reply()
    assert thanks["text"].startswith("✅")
    await card.wait_status("in_review")
    posted = [await api.next_message(ADMIN_CHAT_ID) for _ in range(3)]  # done note, text, file
    assert any("این هم کارت ملی" in (m.get("text") or "") for m in posted), posted
    assert any(m.get("photo") for m in posted), posted
    request = await staff_bot.store.requests.get(await _request_id(staff_bot, card.code))
    assert any(a.kind == "applicant_answer" for a in request.attachments)

    await card.press_and_answer(REVIEWER, "recommend")
    await card.wait_status("recommended")
    await card.press_and_answer(SIGNER, "approve")
    await card.wait_status("approved")
    approved = await applicant.reply()
    assert approved["text"] == texts.NOTIFY["approved"].format(
        code=format_tracking_code(card.code)
    )
    assert card.labels() == [texts.ACT_BUTTONS["revoke"]]  # only revocation remains

    history = await staff_bot.store.audit.history(await _request_id(staff_bot, card.code))
    assert [(e.action, e.outcome) for e in history] == [
        ("review", "done"),
        ("classify_mechanized", "done"),
        ("ask", "done"),
        ("answer", "done"),
        ("recommend", "done"),
        ("approve", "done"),
    ]
    assert history[-1].actor_id == SIGNER and history[-1].to_status == "approved"


def staff_command(api: FakeBotApi, user_id: int, text: str) -> None:
    """``user_id`` types ``text`` (a command with its arguments) in the staff chat."""
    command, _, args = text.partition(" ")
    api.send_command(user_id, command, args=args or None, chat_id=ADMIN_CHAT_ID)


async def _request_id(bot: BotRuntime, code: str) -> int:
    request = await bot.store.workflow.find_by_code(code)
    assert request is not None
    return request.id


async def test_non_staff_pressing_any_button_changes_nothing_and_is_audited(
    api: FakeBotApi, staff_bot: BotRuntime, applicant: Applicant
) -> None:
    card = await file_request(api, applicant)
    stranger = 4242
    api.user(stranger, first_name="غریبه")
    for act in ("review", "classify_old_books", "reject", "forge"):
        assert await card.press_and_answer(stranger, act) == texts.STAFF_DENIED
    # The applicant, pressing inside the staff chat, is no staff either.
    assert await card.press_and_answer(applicant.user_id, "review") == texts.STAFF_DENIED
    request_id = await _request_id(staff_bot, card.code)
    request = await staff_bot.store.requests.get(request_id)
    assert request.status == "submitted"
    history = await staff_bot.store.audit.history(request_id)
    assert [(e.actor_id, e.outcome) for e in history] == [(stranger, "denied")] * 4 + [
        (applicant.user_id, "denied")
    ]
    assert texts.STAFF_PROMPTS["reject"].split(" ")[0] not in [
        m.get("text", "")[:4] for m in api.sent(ADMIN_CHAT_ID)[-2:]
    ]


async def test_forged_and_foreign_callbacks_change_nothing(
    api: FakeBotApi, staff_bot: BotRuntime, applicant: Applicant
) -> None:
    card = await file_request(api, applicant)
    message = card.current
    beyond_64_bits = "rv:" + "9" * 25
    for data in ("ap:999999", "rv:abc", "zz:1", "rv:" + "9" * 70, beyond_64_bits, "rv:²"):
        query = api.press(SIGNER, message, data, chat_id=ADMIN_CHAT_ID, check=False)
        answer = await api.wait_callback_answer(query)
        assert answer.get("text") in (texts.STAFF_NOT_FOUND, texts.BUTTON_STALE), (data, answer)
    # A real button pressed on a message in another chat (a copied card, say) is refused.
    elsewhere = api.group(-100555, title="گروه دیگر")
    copied = {**message, "chat": elsewhere}
    query = api.press(REVIEWER, copied, card.data_of("review"), chat_id=-100555, check=False)
    assert (await api.wait_callback_answer(query)).get("text") == texts.STAFF_DENIED
    request = await staff_bot.store.requests.get(await _request_id(staff_bot, card.code))
    assert request.status == "submitted"


async def test_forged_applicant_buttons_on_a_card_change_nothing_and_are_audited(
    api: FakeBotApi, staff_bot: BotRuntime, applicant: Applicant
) -> None:
    from sqlalchemy import select

    from handlers.callbacks import Action, build
    from storage import models

    card = await file_request(api, applicant)
    labels = card.labels()
    forged = [
        build(action, 1)
        for action in (Action.SUBMIT, Action.CANCEL_ASK, Action.CANCEL_YES, Action.CANCEL_NO)
    ]
    forged.append(build(Action.EDIT, "full_name"))
    for data in forged:
        query = api.press(REVIEWER, card.current, data, chat_id=ADMIN_CHAT_ID, check=False)
        assert (await api.wait_callback_answer(query)).get("text") == texts.BUTTON_STALE
    await api.expect_no_message(ADMIN_CHAT_ID, wait=0.3)
    assert card.labels() == labels  # the card keeps its buttons
    edits = api.calls_of("editMessageReplyMarkup")
    assert not [c for c in edits if int(c["chat_id"]) == ADMIN_CHAT_ID]
    async with staff_bot.store.sessions() as session:
        denied = (
            await session.scalars(
                select(models.AuditEntry).where(models.AuditEntry.outcome == "denied")
            )
        ).all()
    assert sorted(e.action for e in denied) == sorted(d.split(":")[0] for d in forged)
    assert all(e.actor_id == REVIEWER for e in denied)


async def test_refused_presses_do_not_push_the_steps_off_the_card(
    api: FakeBotApi, staff_bot: BotRuntime, applicant: Applicant
) -> None:
    card = await file_request(api, applicant)
    await card.press_and_answer(REVIEWER, "review")
    await card.wait_status("in_review")
    for _ in range(6):  # anyone in the group can press: six refusals
        assert await card.press_and_answer(4242, "recommend") == texts.STAFF_DENIED
    await card.press_and_answer(REVIEWER, "classify_mechanized")
    for _ in range(100):
        if texts.CLASSIFICATION_LABELS["mechanized"] in card.current["text"]:
            break
        await asyncio.sleep(0.05)
    assert texts.ACT_LABELS["review"] in card.current["text"], card.current["text"]


async def test_a_reviewer_cannot_sign_and_the_recommender_cannot_approve(
    api: FakeBotApi, staff_bot: BotRuntime, applicant: Applicant
) -> None:
    card = await file_request(api, applicant)
    await card.recommend(BOTH)
    assert await card.press_and_answer(REVIEWER, "approve") == texts.STAFF_DENIED
    assert await card.press_and_answer(BOTH, "approve") == texts.STAFF_FOUR_EYES
    request_id = await _request_id(staff_bot, card.code)
    assert (await staff_bot.store.requests.get(request_id)).status == "recommended"
    outcomes = [
        (e.actor_id, e.action, e.outcome) for e in await staff_bot.store.audit.history(request_id)
    ]
    assert (REVIEWER, "approve", "denied") in outcomes
    assert (BOTH, "approve", "denied") in outcomes


async def test_two_signers_racing_make_one_approval(
    api: FakeBotApi, staff_bot: BotRuntime, applicant: Applicant
) -> None:
    card = await file_request(api, applicant)
    await card.recommend(REVIEWER)
    first = card.press(SIGNER, "approve")
    second = card.press(SECOND_SIGNER, "approve")
    answers = [(await card.answer_of(q)).get("text", "") for q in (first, second)]
    done = [a for a in answers if a.startswith("«")]
    already = [a for a in answers if a.startswith("این درخواست پیش‌تر")]
    assert len(done) == 1 and len(already) == 1, answers
    assert texts.ACT_LABELS["approve"] in already[0]
    history = await staff_bot.store.audit.history(await _request_id(staff_bot, card.code))
    assert [e.action for e in history if e.outcome == "done"].count("approve") == 1
    # One press twice by the same person makes one transition too.
    assert (await applicant.reply())["text"].startswith("درخواست")  # in review
    assert (await applicant.reply())["text"].startswith("✅")  # approved, once
    issued = [await applicant.reply(timeout=30) for _ in range(2)]  # the PNG and the PDF, once
    assert issued[0].get("photo") and issued[1].get("document")
    await api.expect_no_message(applicant.user_id, wait=0.5)


async def test_reject_needs_a_reason_which_the_applicant_receives(
    api: FakeBotApi, staff_bot: BotRuntime, applicant: Applicant
) -> None:
    card = await file_request(api, applicant)
    assert await card.press_and_answer(REVIEWER, "reject") == texts.STAFF_PROMPT_SENT
    # Somebody else replying to the prompt, or typing in the chat, does not decide for the
    # reviewer.
    prompt = await card.prompt()
    api.send_text(SIGNER, "من", chat_id=ADMIN_CHAT_ID, reply_to_message_id=prompt["message_id"])
    api.send_text(SIGNER, "من هم", chat_id=ADMIN_CHAT_ID)
    answer_prompt(api, REVIEWER, "   ", prompt)
    assert (await api.next_message(ADMIN_CHAT_ID))["text"] == texts.STAFF_PROMPT_EMPTY
    reason = "نامهٔ دادگاه ناخواناست."
    answer_prompt(api, REVIEWER, reason, prompt)
    rejected = await applicant.reply()
    assert reason in rejected["text"]
    await card.wait_status("rejected")
    assert card.labels() == []
    request = await staff_bot.store.requests.get(await _request_id(staff_bot, card.code))
    assert request.decided_by == REVIEWER and request.decision_note == reason


async def test_a_forgery_report_reaches_the_security_chat_with_the_documents(
    api: FakeBotApi, staff_bot: BotRuntime, applicant: Applicant
) -> None:
    card = await file_request(api, applicant)
    await card.press_and_answer(REVIEWER, "forge")
    await card.reply_to_prompt(REVIEWER, "مهر گواهینامه جعلی است.")
    report = await api.next_message(SECURITY_CHAT_ID)
    assert "مهر گواهینامه جعلی است." in report["text"]
    assert format_tracking_code(card.code) in report["text"]
    letter = await api.next_message(SECURITY_CHAT_ID)
    photo = await api.next_message(SECURITY_CHAT_ID)
    assert letter["document"]["mime_type"] == "application/pdf" and photo["photo"]
    told = await applicant.reply()
    assert told["text"] == texts.NOTIFY["not_accepted"].format(
        code=format_tracking_code(card.code)
    )
    await card.wait_status("forged")


async def test_a_restart_between_approval_and_notification_loses_nothing(
    api: FakeBotApi, data_dir: Any, applicant: Applicant, database_url: str
) -> None:
    settings = bot_settings(
        api, data_dir, staff=STAFF, single_step_approval=True, database_url=database_url
    )
    runtime = await start_staff_bot(settings)
    try:
        card = await file_request(api, applicant)
        await card.press_and_answer(REVIEWER, "review")
        await applicant.reply()
        await card.wait_status("in_review")
        # Every send to the applicant fails from now on, as if the network were down.
        api.fail_next(
            "sendMessage",
            status=502,
            description="Bad Gateway",
            count=1000,
            chat_id=applicant.user_id,
        )
        await card.press_and_answer(SIGNER, "approve")
        await card.wait_status("approved")
    finally:
        await runtime.stop()
    api.clear_failures()
    runtime = BotRuntime(settings)
    await runtime.start()
    try:
        received = [await applicant.reply(timeout=30) for _ in range(3)]
        expected = texts.NOTIFY["approved"].format(code=format_tracking_code(card.code))
        assert [m.get("text") for m in received].count(expected) == 1, received
        assert any(m.get("document") for m in received)  # the confirmation came too
    finally:
        await runtime.stop()


async def test_staff_are_managed_by_admins_only(api: FakeBotApi, staff_bot: BotRuntime) -> None:
    def say(user_id: int, text: str) -> None:
        staff_command(api, user_id, text)

    say(REVIEWER, "/staff add 7777 signer")
    assert (await api.next_message(ADMIN_CHAT_ID))["text"] == texts.STAFF_DENIED
    say(REVIEWER, "/staff name 9002 علی رضایی")
    assert (await api.next_message(ADMIN_CHAT_ID))["text"] == texts.STAFF_DENIED
    assert await staff_bot.store.staff.name_of(SIGNER) == OFFICIALS[SIGNER][0]
    say(ADMIN, "/staff add ۷۷۷۷ signer")
    added = await api.next_message(ADMIN_CHAT_ID)
    assert added["text"] == texts.STAFF_ADDED.format(
        user_id=7777, role=texts.ROLE_LABELS["signer"]
    )
    assert await staff_bot.store.staff.roles_of(7777) == {"signer"}
    say(ADMIN, "/staff add 7777 boss")
    assert (await api.next_message(ADMIN_CHAT_ID))["text"] == texts.STAFF_ROLE_UNKNOWN.format(
        role="boss"
    )
    say(ADMIN, "/staff")
    listing = await api.next_message(ADMIN_CHAT_ID)
    assert "7777" in listing["text"] and str(REVIEWER) in listing["text"]
    say(ADMIN, "/staff remove 7777")
    assert (await api.next_message(ADMIN_CHAT_ID))["text"] == texts.STAFF_REMOVED.format(
        user_id=7777
    )
    assert await staff_bot.store.staff.roles_of(7777) == frozenset()

    # Someone in the STAFF setting whom an admin removed stays removed after a restart.
    say(ADMIN, f"/staff remove {SECOND_SIGNER}")
    await api.next_message(ADMIN_CHAT_ID)
    await staff_bot.store.staff.seed(parse_staff(STAFF))  # what every start does
    assert await staff_bot.store.staff.roles_of(SECOND_SIGNER) == frozenset()
    assert await staff_bot.store.staff.roles_of(REVIEWER) == {"reviewer"}


async def test_wrong_staff_commands_get_a_clear_message_and_change_nothing(
    api: FakeBotApi, staff_bot: BotRuntime
) -> None:
    bad_name = texts.STAFF_NAME_INVALID.format(reason=texts.ERR_NAME_CHARS)
    for command, expected in (
        ("/staff add 7777", texts.STAFF_ROLE_MISSING),
        ("/staff add 7777 boss علی رضایی", texts.STAFF_ROLE_UNKNOWN.format(role="boss")),
        ("/staff add @someone signer", texts.STAFF_BAD_ID),
        ("/staff add", texts.STAFF_BAD_ID),
        ("/staff add ۷۷۷۷الف signer", texts.STAFF_BAD_ID),
        ("/staff name علی رضایی", texts.STAFF_BAD_ID),
        ("/staff name 7777", texts.STAFF_NAME_MISSING),
        (f"/staff name {SIGNER}", texts.STAFF_NAME_MISSING),
        (f"/staff name {SIGNER} \u200f", texts.STAFF_NAME_MISSING),  # only a bidi mark
        (f"/staff name {SIGNER} Ali Rezaei", bad_name),
        ("/staff add 7777 signer علی ۲", bad_name),  # a bad name adds no role either
        ("/staff name 7777 علی رضایی", texts.STAFF_NAME_NOT_MEMBER.format(user_id=7777)),
        (f"/staff remove {SIGNER} signer", texts.STAFF_USAGE),  # not "remove one role"
        ("/staff promote 7777", texts.STAFF_USAGE),
    ):
        staff_command(api, ADMIN, command)
        assert (await api.next_message(ADMIN_CHAT_ID))["text"] == expected, command
    assert await staff_bot.store.staff.roles_of(7777) == frozenset()
    assert await staff_bot.store.staff.roles_of(SIGNER) == {"signer"}
    assert await staff_bot.store.staff.name_of(SIGNER) == OFFICIALS[SIGNER][0]


async def test_the_signers_official_name_is_printed(
    api: FakeBotApi, staff_bot: BotRuntime, applicant: Applicant
) -> None:
    staff_command(api, ADMIN, "/staff add ۷۷۷۷ signer زهرا   احمدی")
    assert (await api.next_message(ADMIN_CHAT_ID))["text"] == "\n".join(
        [
            texts.STAFF_ADDED.format(user_id=7777, role=texts.ROLE_LABELS["signer"]),
            texts.STAFF_NAME_SET.format(user_id=7777, name="زهرا احمدی"),
        ]
    )
    # Arabic-Indic digits in the id, Arabic ي in the name: stored as the Persian spelling.
    staff_command(api, ADMIN, f"/staff name {str(SIGNER).translate(ARABIC_INDIC)} علي رضايي")
    assert (await api.next_message(ADMIN_CHAT_ID))["text"] == texts.STAFF_NAME_SET.format(
        user_id=SIGNER, name="علی رضایی"
    )
    # Adding a role someone already holds may still record (here: change) the name.
    staff_command(api, ADMIN, "/staff add 7777 signer زهرا احمدی‌نژاد")
    assert (await api.next_message(ADMIN_CHAT_ID))["text"] == "\n".join(
        [
            texts.STAFF_ALREADY_HAD.format(user_id=7777),
            texts.STAFF_NAME_SET.format(user_id=7777, name="زهرا احمدی‌نژاد"),
        ]
    )
    staff_command(api, ADMIN, "/staff add 7777 reviewer")  # a new role keeps the name
    await api.next_message(ADMIN_CHAT_ID)
    staff_command(api, ADMIN, "/staff")
    listing = (await api.next_message(ADMIN_CHAT_ID))["text"].splitlines()
    both = texts.LIST_SEPARATOR.join([texts.ROLE_LABELS["reviewer"], texts.ROLE_LABELS["signer"]])
    assert (
        texts.STAFF_LIST_LINE.format(
            user_id=SIGNER,
            name=texts.STAFF_LIST_NAME.format(name="علی رضایی"),
            roles=texts.ROLE_LABELS["signer"],
        )
        in listing
    )
    assert (
        texts.STAFF_LIST_LINE.format(
            user_id=7777, name=texts.STAFF_LIST_NAME.format(name="زهرا احمدی‌نژاد"), roles=both
        )
        in listing
    )
    assert texts.STAFF_LIST_LINE.format(user_id=BOTH, name="", roles=both) in listing

    # Approved by the signer with an official name: that name is printed.
    card = await file_request(api, applicant)
    await card.approve(REVIEWER, SIGNER)
    request_id = await _request_id(staff_bot, card.code)
    assert (await _issued(staff_bot, request_id)).signer_name == "علی رضایی"
    history = await staff_bot.store.audit.history(request_id)
    assert [(e.action, e.actor_name) for e in history] == [
        ("review", "کارشناس"),  # no official name: the display name
        ("recommend", "کارشناس"),
        ("approve", "علی رضایی"),
    ]

    # Approved by the other signer: their official name, not their display name (a signer
    # without one cannot approve: tests/test_signers.py).
    other = Applicant(api, user_id=5002, first_name="رضا")
    card = await file_request(api, other)
    await card.approve(BOTH, SECOND_SIGNER)
    request_id = await _request_id(staff_bot, card.code)
    assert (await _issued(staff_bot, request_id)).signer_name == OFFICIALS[SECOND_SIGNER][0]


async def _issued(bot: BotRuntime, request_id: int) -> ConfirmationView:
    for _ in range(200):
        confirmation = await bot.store.confirmations.for_request(request_id)
        if confirmation is not None:
            return confirmation
        await asyncio.sleep(0.05)
    raise AssertionError(f"request {request_id} was never issued")


async def test_no_staff_configured_means_nobody_can_act(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    card = await file_request(api, applicant)
    assert await card.press_and_answer(REVIEWER, "review") == texts.STAFF_DENIED
    assert (await bot.store.requests.get(await _request_id(bot, card.code))).status == "submitted"


async def test_the_bot_leaves_groups_that_are_not_its_own(
    api: FakeBotApi, staff_bot: BotRuntime
) -> None:
    # Bale sends no my_chat_member update: the join message is what the bot sees there.
    foreign = 5_800_000_001 if api.platform == "bale" else -100777
    api.bot_added_to_group(foreign, title="گروه دیگر", by_user_id=REVIEWER)
    await api.wait_for(lambda call: call[0] == "leaveChat" and int(call[1]["chat_id"]) == foreign)
    # Before leaving, it told the group its id: what to set if this group is meant to be ours.
    told = [m["text"] for m in api.sent(foreign)]
    assert told == [texts.FOREIGN_GROUP.format(chat_id=foreign)]
    assert f"ADMIN_CHAT_ID={foreign}" in told[0]
    assert not any(
        call[0] == "leaveChat" and int(call[1]["chat_id"]) in (ADMIN_CHAT_ID, SECURITY_CHAT_ID)
        for call in api.calls
    )
    # In its own groups /chatid says which group it is, with the line for the settings.
    api.send_command(REVIEWER, "/chatid", chat_id=ADMIN_CHAT_ID)
    answer = await api.next_message(ADMIN_CHAT_ID)
    assert answer["text"] == texts.GROUP_ID_STAFF.format(chat_id=ADMIN_CHAT_ID)
    api.send_command(REVIEWER, "/chatid", chat_id=SECURITY_CHAT_ID)
    answer = await api.next_message(SECURITY_CHAT_ID)
    assert f"SECURITY_CHAT_ID={SECURITY_CHAT_ID}" in answer["text"]
    # In a private chat it tells the person their account id, for STAFF or /staff add.
    api.send_command(5050, "/chatid")
    answer = await api.next_message(5050)
    assert answer["text"] == texts.ACCOUNT_ID.format(user_id=5050)


async def test_stats_export_and_digest_in_the_staff_chat(
    api: FakeBotApi, staff_bot: BotRuntime, applicant: Applicant
) -> None:
    card = await file_request(api, applicant)
    api.send_command(REVIEWER, "/stats", chat_id=ADMIN_CHAT_ID)
    stats = await api.next_message(ADMIN_CHAT_ID)
    assert "آمار ماه جاری" in stats["text"] and "آمار ماه گذشته" in stats["text"]
    api.send_command(4242, "/export", chat_id=ADMIN_CHAT_ID)
    assert (await api.next_message(ADMIN_CHAT_ID))["text"] == texts.STAFF_DENIED
    api.send_command(REVIEWER, "/export", chat_id=ADMIN_CHAT_ID)
    exported = await api.next_message(ADMIN_CHAT_ID)
    content = api.file_bytes(exported["document"]["file_id"]).decode("utf-8-sig")
    assert card.code in content and "national_code" in content.splitlines()[0]

    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    await staff_bot.digest(now=later)
    digest = await api.next_message(ADMIN_CHAT_ID)
    assert digest["text"].startswith(texts.DIGEST_TITLE)
    assert texts.DIGEST_OVERDUE in digest["text"]
    assert format_tracking_code(card.code) in digest["text"]
    await staff_bot.digest(now=later)  # the same day again: no second digest
    await api.expect_no_message(ADMIN_CHAT_ID, wait=0.5)


async def test_a_digest_due_while_the_bot_was_down_is_sent_once_when_it_is_back(
    api: FakeBotApi, data_dir: Any, database_url: str
) -> None:
    due = dt.datetime.now(TEHRAN) + dt.timedelta(seconds=3)
    settings = bot_settings(
        api, data_dir, staff=STAFF, database_url=database_url, digest_time=due.time()
    )
    first = BotRuntime(settings)
    await first.start()  # a new installation owes no digest for a moment before it
    await api.expect_no_message(ADMIN_CHAT_ID, wait=0.5)
    await first.stop()
    await asyncio.sleep(max(0.0, (due - dt.datetime.now(TEHRAN)).total_seconds()) + 0.5)
    for restart in range(2):  # down at the digest's moment; then restarted once more
        runtime = BotRuntime(settings)
        await runtime.start()
        try:
            if restart == 0:
                digest = await api.next_message(ADMIN_CHAT_ID)
                assert digest["text"].startswith(texts.DIGEST_TITLE)
            await api.expect_no_message(ADMIN_CHAT_ID, wait=1.0)
        finally:
            await runtime.stop()


async def test_a_card_sent_again_after_a_stalled_send_leaves_one_card_with_buttons(
    api: FakeBotApi, applicant: Applicant, data_dir: Any, database_url: str
) -> None:
    settings = bot_settings(
        api, data_dir, staff=STAFF, database_url=database_url, claim_lease_seconds=1.0
    )
    runtime = BotRuntime(settings)
    await runtime.start()
    try:
        # This instance's card stalls past its claim on the announcement...
        api.delay_next("sendMessage", 4.0, chat_id=ADMIN_CHAT_ID)
        summary = await applicant.file_to_summary()
        filed = await applicant.tap_and_reply(summary, texts.BUTTON_SUBMIT)
        code = next(c for c in map(parse_tracking_code, filed["text"].split()) if c)
        request = await runtime.store.requests.find_for_user(applicant.user_id, code)
        assert request is not None
        # ...so another instance's sender takes it over and posts the card and documents.
        other = OutboxSender(
            runtime.application.bot,
            runtime.store,
            admin_chat_id=ADMIN_CHAT_ID,
            draft_ttl_days=settings.draft_ttl_days,
            lease=dt.timedelta(seconds=60),
        )
        for _ in range(100):
            await other.deliver_due(limit=5, lane=LANES[1])
            if (await runtime.store.requests.get(request.id)).admin_message_id is not None:
                break
            await asyncio.sleep(0.1)
        recorded = (await runtime.store.requests.get(request.id)).admin_message_id
        assert recorded is not None

        def cards() -> list[dict[str, Any]]:
            return [
                m
                for m in api.sent(ADMIN_CHAT_ID)
                if format_tracking_code(code) in (m.get("text") or "") or m.get("reply_markup")
            ]

        for _ in range(100):  # the stalled send comes through, then is told it is superseded
            if len(cards()) == 2 and all(
                m["message_id"] == recorded or not m.get("reply_markup") for m in cards()
            ):
                break
            await asyncio.sleep(0.1)
        live = [m for m in cards() if m.get("reply_markup")]
        stale = [m for m in cards() if not m.get("reply_markup")]
        assert [m["message_id"] for m in live] == [recorded]
        assert [m["text"] for m in stale] == [
            texts.CARD_SUPERSEDED.format(code=format_tracking_code(code))
        ]
        documents = [
            m for m in api.sent(ADMIN_CHAT_ID) if m.get("photo") or m.get("document")
        ]  # the court letter and the photo, once, under the recorded card
        assert [(m.get("reply_to_message") or {}).get("message_id") for m in documents] == [
            recorded,
            recorded,
        ]
    finally:
        await runtime.stop()


async def test_the_audit_command_prints_a_requests_history(
    api: FakeBotApi,
    staff_bot: BotRuntime,
    applicant: Applicant,
    data_dir: Any,
    database_url: str,
) -> None:
    from tests.test_process import ROOT, cli_env, run_cli

    card = await file_request(api, applicant)
    await card.press_and_answer(REVIEWER, "review")
    await card.wait_status("in_review")
    await card.press_and_answer(REVIEWER, "reject")
    await card.reply_to_prompt(REVIEWER, "مدرک ناقص است")
    await card.wait_status("rejected")
    code, out, err = await run_cli(
        cli_env(data_dir, database_url), ROOT, "audit", format_tracking_code(card.code).lower()
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(format_tracking_code(card.code)) and "status=rejected" in lines[0]
    assert (
        "review" in lines[1] and "submitted -> in_review" in lines[1] and str(REVIEWER) in lines[1]
    )
    assert "reject" in lines[2] and "مدرک ناقص است" in lines[2]


async def test_an_applicant_who_blocked_the_bot_is_marked_and_not_retried(
    api: FakeBotApi, staff_bot: BotRuntime, applicant: Applicant
) -> None:
    card = await file_request(api, applicant)  # the tracking code has come
    api.block(applicant.user_id, notify=False)
    await card.press_and_answer(REVIEWER, "review")
    await card.wait_status("in_review")
    for _ in range(100):
        failed = await staff_bot.store.outbox.failed()
        if failed:
            break
        await asyncio.sleep(0.05)
    assert [(kind, chat, attempts) for kind, chat, attempts, _ in failed] == [
        ("notify", applicant.user_id, 1)
    ]
    assert "403" in str(failed[0][3])
    tries = [c for c in api.calls_of("sendMessage") if int(c["chat_id"]) == applicant.user_id]
    await asyncio.sleep(0.6)  # several sender passes later, no new attempt
    assert len(
        [c for c in api.calls_of("sendMessage") if int(c["chat_id"]) == applicant.user_id]
    ) == len(tries)


async def test_the_applicant_can_withdraw_an_open_request_and_nobody_else_can(
    api: FakeBotApi, staff_bot: BotRuntime, applicant: Applicant
) -> None:
    card = await file_request(api, applicant)
    other = Applicant(api, user_id=6070, first_name="دیگری")
    request = await staff_bot.store.workflow.find_by_code(card.code)
    assert request is not None
    forged = api.press(
        other.user_id,
        {"message_id": 1, "chat": {"id": other.user_id, "type": "private"}, "date": 0},
        f"wdy:{request.id}",
        chat_id=other.user_id,
        check=False,
    )
    assert (await api.wait_callback_answer(forged)).get("text") == texts.STATUS_NOT_FOUND

    detail = await applicant.command("status", args=card.code)
    ask = await applicant.tap_and_reply(detail, texts.BUTTON_WITHDRAW)
    assert ask["text"] == texts.WITHDRAW_CONFIRM.format(code=format_tracking_code(card.code))
    done = await applicant.tap_and_reply(ask, texts.BUTTON_WITHDRAW_YES)
    assert done["text"] == texts.NOTIFY["withdrawn"].format(code=format_tracking_code(card.code))
    await card.wait_status("withdrawn")
    assert card.labels() == []
    again = api.press(applicant.user_id, ask, f"wdy:{request.id}", check=False)
    assert (await api.wait_callback_answer(again)).get("text") == texts.BUTTON_STALE
    history = await staff_bot.store.audit.history(request.id)
    assert [(e.action, e.actor_id) for e in history] == [("withdraw", applicant.user_id)]
