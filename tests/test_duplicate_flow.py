"""A holder files a duplicate request by chat, end to end, through the real HTTP stack."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from typing import Any

import pypdfium2  # type: ignore[import-untyped]
import pytest
from sqlalchemy import func, select

from bot.app import BotRuntime
from domain import texts, uploads
from domain.digits import to_persian_digits
from domain.forms import FORMS
from domain.tracking import format_tracking_code, parse_tracking_code
from loopback import FakeBotApi, jpeg, pdf
from storage import models
from tests.conftest import ADMIN_CHAT_ID
from tests.driver import (
    GOOD_ANSWERS,
    Applicant,
    assert_redrawn,
    hostile_pdf,
    keyboard,
    wait_outbox_empty,
)


def _code_in(text: str) -> str:
    for token in text.split():
        code = parse_tracking_code(token)
        if code is not None:
            return code
    raise AssertionError(f"no tracking code in {text!r}")


async def test_start_greets_in_persian_with_the_menu_and_registers_commands(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    welcome = await applicant.command("start")
    assert welcome["text"].startswith("سلام مریم")
    assert keyboard(api, applicant.user_id) == [
        texts.MENU_DUPLICATE,
        texts.MENU_INQUIRY,
        texts.MENU_STATUS,
        texts.MENU_HELP,
    ]
    if api.platform == "bale":  # Bale has no command list to register: nothing is tried
        assert not api.calls_of("setMyCommands")
    else:
        assert [c["command"] for c in api.commands] == ["start", "status", "cancel", "help"]
    help_message = await applicant.command("help")
    assert "۳ روز" in help_message["text"] and "نامهٔ دادگاه" in help_message["text"]


async def test_whole_request_is_filed_kept_and_announced_to_staff(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    summary = await applicant.file_to_summary()
    assert "مریم احمدی" in summary["text"]
    assert to_persian_digits("0013542419") in summary["text"]
    assert "۱۳۷۰/۰۵/۰۳" in summary["text"]
    assert texts.FORMAT_OLD in summary["text"]

    filed = await applicant.tap_and_reply(summary, texts.BUTTON_SUBMIT)
    code = _code_in(filed["text"])
    assert format_tracking_code(code) in filed["text"]

    requests = await bot.store.requests.list_for_user(applicant.user_id)
    assert [r.tracking_code for r in requests] == [code]
    request = await bot.store.requests.get(requests[0].id)
    assert request.status == "submitted"
    assert request.national_code == "0013542419"
    assert request.birth_date == "1370/05/03"
    assert request.certificate_year == 1385
    assert request.certificate_format == "old"
    kinds = {a.kind: a for a in request.attachments}
    assert set(kinds) == {"court_letter", "photo"}
    assert kinds["court_letter"].mime_type == "application/pdf"
    assert kinds["photo"].mime_type == "image/jpeg"
    for attachment in request.attachments:
        data = await bot.store.files.read(attachment.stored_path)
        assert hashlib.sha256(data).hexdigest() == attachment.sha256
        assert attachment.file_id and attachment.file_unique_id

    card = await api.next_message(ADMIN_CHAT_ID)
    assert format_tracking_code(code) in card["text"]
    assert "مریم احمدی" in card["text"] and "0013542419" in to_ascii(card["text"])
    letter = await api.next_message(ADMIN_CHAT_ID)
    photo = await api.next_message(ADMIN_CHAT_ID)
    assert letter["document"]["mime_type"] == "application/pdf"
    assert letter["reply_to_message"]["message_id"] == card["message_id"]
    assert photo["photo"] and photo["reply_to_message"]["message_id"] == card["message_id"]

    await _wait_outbox_empty(bot)


def to_ascii(text: str) -> str:
    from domain.digits import to_ascii_digits

    return to_ascii_digits(text)


async def _wait_outbox_empty(bot: BotRuntime) -> None:
    await wait_outbox_empty(bot.store, timeout=5)


# Wrong answers for each text step, with the message the bot must give.
BAD_INPUTS: dict[str, list[tuple[str, str | None]]] = {
    "full_name": [
        ("Ali Rezaei", texts.ERR_NAME_CHARS),
        ("علی ۱۲۳", texts.ERR_NAME_CHARS),
        ("ع", texts.ERR_NAME_SHORT),
        # A document prints the full name: a given name alone is not one.
        ("مریم", texts.ERR_FULL_NAME_WORDS),
        ("علی‌رضا", texts.ERR_FULL_NAME_WORDS),
        ("ع احمدی", texts.ERR_FULL_NAME_WORDS),
    ],
    "father_name": [("@#$", texts.ERR_NAME_CHARS)],
    "national_code": [
        ("12345", texts.ERR_NATIONAL_CODE_LENGTH),
        ("۰۰۱۳۵۴۲۴۱۸", texts.ERR_NATIONAL_CODE_CHECK),
        ("1111111111", texts.ERR_NATIONAL_CODE_CHECK),
        ("abcdefghij", texts.ERR_NATIONAL_CODE_DIGITS),
    ],
    "birth_date": [
        ("1370/13/01", texts.ERR_DATE_IMPOSSIBLE),
        ("1400/12/30", texts.ERR_DATE_IMPOSSIBLE),
        ("1370/07/31", texts.ERR_DATE_IMPOSSIBLE),
        ("دیروز", texts.ERR_DATE_FORMAT),
    ],
    "mobile": [("0912", texts.ERR_MOBILE), ("02112345678", texts.ERR_MOBILE)],
    "trade": [("!!!", None)],
    "certificate_number": [("شماره؟", texts.ERR_CERTIFICATE_NUMBER)],
    "certificate_year": [("1200", None), ("سال", None)],
    "certificate_format": [("شاید", texts.EXPECT_CHOICE)],
}


async def test_every_wrong_answer_is_refused_in_persian_and_the_step_kept(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    from tests.driver import GOOD_ANSWERS

    question = await applicant.open_duplicate_request()
    for key, good in GOOD_ANSWERS:
        for bad, expected in BAD_INPUTS.get(key, []):
            refusal = await applicant.say(bad)
            if expected is not None:
                assert refusal["text"] == expected, (key, bad, refusal["text"])
            else:
                assert refusal["text"] != question["text"]
            draft = await bot.store.drafts.get(applicant.user_id)
            assert draft is not None and draft.step == key, (key, bad)
        # Non-text messages at a text step are refused too.
        api.send_sticker(applicant.user_id)
        refusal = await applicant.reply()
        assert refusal["text"] in (texts.EXPECT_TEXT, texts.EXPECT_CHOICE, texts.EXPECT_MOBILE)
        api.send_location(applicant.user_id, 31.3, 48.7)
        await applicant.reply()
        draft = await bot.store.drafts.get(applicant.user_id)
        assert draft is not None and draft.step == key
        question = await applicant.say(good)
        if key != "certificate_format":
            draft = await bot.store.drafts.get(applicant.user_id)
            assert draft is not None and draft.step != key
    # Answers given before the wrong ones are all still there.
    draft = await bot.store.drafts.get(applicant.user_id)
    assert draft is not None and draft.step == "court_letter"
    assert draft.answers["national_code"] == "0013542419"
    assert draft.answers["certificate_format"] == "old"


async def test_wrong_uploads_are_refused_with_what_is_expected(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    await applicant.open_duplicate_request()
    await applicant.answer_text_fields()
    user = applicant.user_id

    assert (await applicant.say("این نامه است"))["text"] == texts.EXPECT_FILE.format(
        label=texts.LABEL_COURT_LETTER
    )
    for send in (api.send_sticker, api.send_voice, api.send_video):
        send(user)
        assert (await applicant.reply())["text"] == texts.EXPECT_FILE.format(
            label=texts.LABEL_COURT_LETTER
        )
    api.send_location(user, 31.3, 48.7)
    assert (await applicant.reply())["text"] == texts.EXPECT_FILE.format(
        label=texts.LABEL_COURT_LETTER
    )

    # Too large: refused from the declared size, before anything is downloaded.
    calls_before = len([c for c in api.calls if c[0] == "getFile"])
    huge = await applicant.send_document(
        pdf(), "big.pdf", "application/pdf", file_size=15 * 1024 * 1024
    )
    assert huge["text"] == texts.ERR_FILE_TOO_LARGE.format(limit_mb="۱۰")
    assert len([c for c in api.calls if c[0] == "getFile"]) == calls_before

    fake_pdf = await applicant.send_document(b"hello, not a pdf", "letter.pdf", "application/pdf")
    assert fake_pdf["text"] == texts.ERR_FILE_NOT_IMAGE_OR_PDF
    broken_pdf = await applicant.send_document(
        b"%PDF-1.4\n garbage", "letter.pdf", "application/pdf"
    )
    assert broken_pdf["text"] == texts.ERR_PDF_BROKEN

    draft = await bot.store.drafts.get(user)
    assert draft is not None and draft.step == "court_letter"

    # A photo of the letter is fine; then the 3×4 photo has its own rules.
    accepted = await applicant.send_photo(jpeg(1200, 1600))
    assert accepted["text"].startswith("✅")
    assert texts.PROMPT_PHOTO in accepted["text"]  # the next question, in the same message
    landscape = await applicant.send_photo(jpeg(800, 600))
    assert landscape["text"] == texts.ERR_PHOTO_NOT_PORTRAIT.format(width="۸۰۰", height="۶۰۰")
    small = await applicant.send_photo(jpeg(240, 320))
    assert small["text"] == texts.ERR_PHOTO_SMALL.format(width="۲۴۰", height="۳۲۰")
    skinny = await applicant.send_photo(jpeg(600, 1000))
    assert skinny["text"] == texts.ERR_PHOTO_RATIO.format(width="۶۰۰", height="۱۰۰۰")
    pdf_as_photo = await applicant.send_document(pdf(), "photo.pdf", "application/pdf")
    assert pdf_as_photo["text"] == texts.ERR_FILE_NOT_IMAGE
    draft = await bot.store.drafts.get(user)
    assert draft is not None and draft.step == "photo"
    assert draft.answers["court_letter"]["mime_type"] == "image/jpeg"

    # An image sent as a file works for the photo.
    summary = await applicant.send_document(jpeg(900, 1200), "me.jpg", "image/jpeg")
    assert summary["text"].startswith("✅")
    assert texts.SUMMARY_TITLE in summary["text"]


async def test_correcting_one_field_keeps_every_other_answer(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    summary = await applicant.file_to_summary()
    question = await applicant.tap_and_reply(summary, texts.LABEL_MOBILE)
    assert texts.PROMPT_MOBILE in question["text"]
    refusal = await applicant.say("123")
    assert refusal["text"] == texts.ERR_MOBILE
    api.send_contact(applicant.user_id, "+989351112233", contact_user_id=applicant.user_id)
    new_summary = await applicant.reply()
    assert texts.SUMMARY_TITLE in new_summary["text"]
    assert to_persian_digits("09351112233") in new_summary["text"]
    draft = await bot.store.drafts.get(applicant.user_id)
    assert draft is not None
    assert draft.answers["mobile"] == "09351112233"
    assert draft.answers["full_name"] == "مریم احمدی"
    assert draft.answers["photo"]["mime_type"] == "image/jpeg"

    # Someone else's contact is not taken as the applicant's number.
    question = await applicant.tap_and_reply(new_summary, texts.LABEL_MOBILE)
    api.send_contact(applicant.user_id, "+989121110000", contact_user_id=999)
    assert (await applicant.reply())["text"] == texts.EXPECT_OWN_CONTACT

    summary = await applicant.say("09121234567")
    assert texts.SUMMARY_TITLE in summary["text"]

    # Replacing the photo from the summary stores the new one and drops the old file.
    old_photo = draft.answers["photo"]
    assert await bot.store.files.check(old_photo["stored_path"], old_photo["sha256"])
    await applicant.tap_and_reply(summary, texts.LABEL_PHOTO)
    summary = await applicant.send_photo(jpeg(750, 1000))
    assert summary["text"].startswith("✅") and texts.SUMMARY_TITLE in summary["text"]
    draft = await bot.store.drafts.get(applicant.user_id)
    assert draft is not None and draft.step == "confirm"
    assert not await bot.store.files.check(old_photo["stored_path"], old_photo["sha256"])
    new_photo = draft.answers["photo"]
    assert await bot.store.files.check(new_photo["stored_path"], new_photo["sha256"])
    assert draft.answers["mobile"] == "09121234567"


async def test_a_double_tap_on_confirm_files_one_request(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    summary = await applicant.file_to_summary()
    applicant.tap(summary, texts.BUTTON_SUBMIT)
    applicant.tap(summary, texts.BUTTON_SUBMIT)
    filed = await applicant.reply()
    code = _code_in(filed["text"])
    await api.wait_for(
        lambda call: (
            call[0] == "answerCallbackQuery"
            and "text" in call[1]
            and format_tracking_code(code) in call[1]["text"]
        )
    )
    requests = await bot.store.requests.list_for_user(applicant.user_id)
    assert len(requests) == 1


async def test_cancel_asks_first_then_forgets_the_draft(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    await applicant.open_duplicate_request()
    await applicant.say("مریم احمدی")
    ask = await applicant.command("cancel")
    assert ask["text"] == texts.CANCEL_CONFIRM
    again = await applicant.tap_and_reply(ask, texts.BUTTON_CANCEL_NO)
    assert texts.PROMPT_FATHER_NAME in again["text"]
    ask = await applicant.say(texts.BUTTON_CANCEL)
    done = await applicant.tap_and_reply(ask, texts.BUTTON_CANCEL_YES)
    assert done["text"] == texts.CANCELLED
    assert await bot.store.drafts.get(applicant.user_id) is None
    assert (await applicant.command("cancel"))["text"] == texts.NOTHING_TO_CANCEL


async def test_an_unfinished_draft_is_offered_again_in_one_message(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    """Coming back (/start or the menu) to a draft: the bot says it was kept and asks the
    question it waits on, in one message with that question's keyboard."""
    await applicant.open_duplicate_request()
    await applicant.say("مریم احمدی")
    welcome = await applicant.command("start")
    assert welcome["text"] == texts.WELCOME.format(name=applicant.first_name), welcome
    resumed = await applicant.reply()
    assert resumed["text"].startswith(texts.DRAFT_RESUMED), resumed
    assert texts.PROMPT_FATHER_NAME in resumed["text"]
    again = await applicant.say(texts.MENU_DUPLICATE)
    assert (
        again["text"].startswith(texts.DRAFT_RESUMED) and texts.PROMPT_FATHER_NAME in again["text"]
    )
    assert texts.DUPLICATE_INTRO not in again["text"]
    assert (await applicant.say("حسین"))["text"].find(texts.PROMPT_NATIONAL_CODE) >= 0
    assert len(api.sent(applicant.user_id)) == 6  # question 1, 2, welcome, 2 again, 3
    draft = await bot.store.drafts.get(applicant.user_id)
    assert draft is not None and draft.answers["father_name"] == "حسین"


async def test_status_shows_only_the_users_own_requests(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    other = Applicant(api, user_id=6002, first_name="رضا")
    assert (await other.command("status"))["text"] == texts.STATUS_NONE

    summary = await applicant.file_to_summary()
    code = _code_in((await applicant.tap_and_reply(summary, texts.BUTTON_SUBMIT))["text"])

    listing = await applicant.say(texts.MENU_STATUS)
    assert format_tracking_code(code) in listing["text"]
    assert texts.STATUS_LABELS["submitted"] in listing["text"]
    detail = await applicant.command("status", args=code.lower())
    assert format_tracking_code(code) in detail["text"]

    assert (await other.command("status"))["text"] == texts.STATUS_NONE
    assert (await other.command("status", args=code))["text"] == texts.STATUS_NOT_FOUND


async def test_two_users_at_once_keep_their_data_apart(api: FakeBotApi, bot: BotRuntime) -> None:
    import asyncio

    first = Applicant(api, user_id=7001, first_name="الف")
    second = Applicant(api, user_id=7002, first_name="ب")

    async def file(applicant: Applicant, name: str) -> str:
        await applicant.open_duplicate_request()
        await applicant.say(name)
        await applicant.say("حسین")
        await applicant.say("0499370899" if applicant is first else "0067749828")
        for _key, value in [
            ("birth_date", "1365/1/1"),
            ("mobile", "09120000000"),
            ("trade", "جوشکار"),
            ("certificate_number", texts.BUTTON_DONT_KNOW),
            ("certificate_year", texts.BUTTON_DONT_KNOW),
            ("training_centre", texts.BUTTON_DONT_KNOW),
            ("certificate_format", texts.FORMAT_UNKNOWN),
        ]:
            await applicant.say(value)
        await applicant.send_photo(jpeg(1000, 1400))
        summary = await applicant.send_photo(jpeg(600, 800))
        filed = await applicant.tap_and_reply(summary, texts.BUTTON_SUBMIT)
        return _code_in(filed["text"])

    code_a, code_b = await asyncio.gather(file(first, "علی الفی"), file(second, "بهرام بی"))
    [a] = await bot.store.requests.list_for_user(first.user_id)
    [b] = await bot.store.requests.list_for_user(second.user_id)
    assert (a.tracking_code, a.full_name, a.national_code) == (code_a, "علی الفی", "0499370899")
    assert (b.tracking_code, b.full_name, b.national_code) == (code_b, "بهرام بی", "0067749828")
    assert a.certificate_number is None and a.certificate_format == "unknown"


async def test_stale_drafts_are_dropped_and_the_user_told(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    import datetime as dt

    await applicant.open_duplicate_request()
    await applicant.say("مریم احمدی")
    assert await bot.sweep_drafts() == 0
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=7, minutes=1)
    assert await bot.sweep_drafts(now=later) == 1
    notice = await applicant.reply()
    assert notice["text"] == texts.DRAFT_EXPIRED.format(days="۷")
    assert await bot.store.drafts.get(applicant.user_id) is None


async def test_announcement_survives_telegram_errors(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    api.fail_next(
        "sendMessage", status=500, description="Internal Server Error", chat_id=ADMIN_CHAT_ID
    )
    summary = await applicant.file_to_summary()
    code = _code_in((await applicant.tap_and_reply(summary, texts.BUTTON_SUBMIT))["text"])
    card = await api.next_message(ADMIN_CHAT_ID, timeout=20)
    assert format_tracking_code(code) in card["text"]


def _records(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


pytestmark = [pytest.mark.timeout(120), pytest.mark.both_dialects]


async def test_an_album_gives_one_answer_not_the_next_ones(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    """Two pages of a letter sent together: page 2 must not become the 3×4 photo."""
    await applicant.open_duplicate_request()
    await applicant.answer_text_fields()
    api.send_photo(applicant.user_id, jpeg(900, 1200), media_group_id="album-1")
    api.send_photo(applicant.user_id, jpeg(600, 800), media_group_id="album-1")
    replies = [await applicant.reply() for _ in range(2)]
    texts_seen = [r["text"] for r in replies]
    assert texts_seen[0].startswith("✅")  # the letter
    assert texts.PROMPT_PHOTO in texts_seen[0]
    assert texts_seen[1] == texts.ALBUM_ONE_FILE
    draft = await bot.store.drafts.get(applicant.user_id)
    assert draft is not None and draft.step == "photo"
    accepted = await applicant.send_photo(jpeg(600, 800))  # on its own: taken
    assert accepted["text"].startswith("✅")


# --- The court letter is redrawn page by page before anyone gets it --------------------------


async def _stored_files(bot: BotRuntime) -> set[str]:
    root = bot.store.files.root  # type: ignore[attr-defined]
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


async def test_a_court_letter_with_a_script_reaches_staff_redrawn(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    summary = await applicant.file_to_summary(hostile_pdf())
    filed = await applicant.tap_and_reply(summary, texts.BUTTON_SUBMIT)
    code = _code_in(filed["text"])

    (request,) = await bot.store.requests.list_for_user(applicant.user_id)
    request = await bot.store.requests.get(request.id)
    letter = next(a for a in request.attachments if a.kind == "court_letter")
    kept = await bot.store.files.read(letter.stored_path)
    assert_redrawn(kept, pages=2)  # every page kept
    assert hashlib.sha256(kept).hexdigest() == letter.sha256
    # Only the redrawn copy is kept, never the letter as sent.
    assert await _stored_files(bot) == {a.stored_path for a in request.attachments}

    card = await api.next_message(ADMIN_CHAT_ID)
    assert format_tracking_code(code) in card["text"]
    sent = await api.next_message(ADMIN_CHAT_ID)
    staff_copy = api.file_bytes(sent["document"]["file_id"])
    assert b"JavaScript" not in staff_copy and staff_copy == kept
    await _wait_outbox_empty(bot)


async def test_the_letter_is_answered_before_it_is_redrawn_and_filing_waits_for_it(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    """The redrawing (slow for a long PDF) runs after the reply; «confirm» waits for it."""
    entered, release = threading.Event(), threading.Event()

    def slow(data: bytes) -> bytes:
        entered.set()
        assert release.wait(10)
        return uploads.redraw_pdf(data)

    bot.store.redraw.redrawers[uploads.REDRAW_PDF] = slow
    await applicant.open_duplicate_request()
    await applicant.answer_text_fields()
    accepted = await applicant.send_document(hostile_pdf(), "letter.pdf", "application/pdf")
    assert accepted["text"].startswith("✅") and texts.PROMPT_PHOTO in accepted["text"]
    assert await asyncio.to_thread(entered.wait, 10)
    assert not release.is_set()  # answered while the redrawing is held
    summary = await applicant.send_photo(jpeg(600, 800))
    assert texts.SUMMARY_TITLE in summary["text"]
    applicant.tap(summary, texts.BUTTON_SUBMIT)
    await asyncio.sleep(0.3)
    assert await bot.store.requests.list_for_user(applicant.user_id) == []  # waiting
    release.set()
    filed = await applicant.reply()
    _code_in(filed["text"])
    (request,) = await bot.store.requests.list_for_user(applicant.user_id)
    request = await bot.store.requests.get(request.id)
    letter = next(a for a in request.attachments if a.kind == "court_letter")
    assert_redrawn(await bot.store.files.read(letter.stored_path), pages=2)
    assert await _stored_files(bot) == {a.stored_path for a in request.attachments}
    await _wait_outbox_empty(bot)


async def test_a_letter_that_will_not_redraw_is_asked_for_again_at_confirm(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    """A PDF that passed the checks but cannot be redrawn: «confirm» files nothing, says so
    in Persian and asks for the letter again; every other answer is kept."""

    def refuse(_data: bytes) -> bytes:
        raise pypdfium2.PdfiumError("cannot render")

    bot.store.redraw.redrawers[uploads.REDRAW_PDF] = refuse
    summary = await applicant.file_to_summary()
    asked = await applicant.tap_and_reply(summary, texts.BUTTON_SUBMIT)
    assert asked["text"].startswith(
        texts.ERR_FILE_NOT_READY.format(label=texts.LABEL_COURT_LETTER)
    )
    assert texts.PROMPT_COURT_LETTER.format(limit_mb=to_persian_digits(10)) in asked["text"]
    assert await bot.store.requests.list_for_user(applicant.user_id) == []
    draft = await bot.store.drafts.get(applicant.user_id)
    assert draft is not None and draft.step == "court_letter"
    assert draft.answers["full_name"] == GOOD_ANSWERS[0][1] and "photo" in draft.answers

    bot.store.redraw.redrawers[uploads.REDRAW_PDF] = uploads.redraw_pdf
    summary = await applicant.send_document(pdf(), "letter.pdf", "application/pdf")
    assert texts.SUMMARY_TITLE in summary["text"]  # the photo is still there
    filed = await applicant.tap_and_reply(summary, texts.BUTTON_SUBMIT)
    _code_in(filed["text"])
    (request,) = await bot.store.requests.list_for_user(applicant.user_id)
    request = await bot.store.requests.get(request.id)
    assert {a.kind for a in request.attachments} == {"court_letter", "photo"}
    assert await _stored_files(bot) == {a.stored_path for a in request.attachments}
    await _wait_outbox_empty(bot)


async def test_polling_rides_out_telegram_errors(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    """getUpdates answered with a 429 and then a 502: the bot waits as told, polls again,
    and the message sent meanwhile is answered, once."""
    api.fail_next("getUpdates", status=429, retry_after=1)
    api.fail_next("getUpdates", status=502, description="Bad Gateway")
    question = await applicant.say(texts.MENU_DUPLICATE)
    assert question["text"].startswith(texts.DUPLICATE_INTRO)
    assert texts.PROMPT_FULL_NAME in question["text"]
    assert {f.status for f in api.failures if f.call.method == "getUpdates"} == {429, 502}
    draft = await bot.store.drafts.get(applicant.user_id)
    assert draft is not None and draft.step == "full_name"
    assert len(api.sent(applicant.user_id)) == 1


async def _inbox_rows(bot: BotRuntime) -> tuple[int, int]:
    """(updates in the inbox, those not yet marked handled)."""
    async with bot.store.sessions() as session:
        total = await session.scalar(select(func.count()).select_from(models.InboxUpdate))
        open_ = await session.scalar(
            select(func.count())
            .select_from(models.InboxUpdate)
            .where(models.InboxUpdate.processed_at.is_(None))
        )
    return int(total or 0), int(open_ or 0)


async def _inbox_settles(bot: BotRuntime, expected: tuple[int, int]) -> None:
    for _ in range(60):
        if await _inbox_rows(bot) == expected:
            return
        await asyncio.sleep(0.1)
    assert await _inbox_rows(bot) == expected


async def test_a_new_message_is_answered_while_it_is_written_down(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    """A message newer than any in the inbox is handled while its inbox row is written, and
    is marked handled only once that row exists (so it is never left looking unhandled)."""
    await applicant.open_duplicate_request()
    inbox = bot.store.inbox
    written = inbox.record
    gate = asyncio.Event()

    async def slow_record(updates: Any) -> list[int]:
        await gate.wait()
        return await written(updates)

    await _inbox_settles(bot, (1, 0))  # the menu choice, written and marked handled
    inbox.record = slow_record  # type: ignore[method-assign]
    # Answered although its inbox row is not written yet.
    question = await applicant.say(GOOD_ANSWERS[0][1])
    assert texts.PROMPT_FATHER_NAME in question["text"], question
    await asyncio.sleep(0.5)  # longer than the intake waits before marking updates handled
    assert await _inbox_rows(bot) == (1, 0)
    gate.set()
    await _inbox_settles(bot, (2, 0))
    draft = await bot.store.drafts.get(applicant.user_id)
    assert draft is not None and draft.answers["full_name"] == GOOD_ANSWERS[0][1]
    assert draft.step == "father_name"


async def test_a_message_whose_inbox_write_failed_comes_again_and_is_taken_once(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    """The inbox write fails while the handler runs: Telegram keeps the update (the next
    getUpdates does not confirm it) and sends it again; it is then written down and marked,
    and not handled a second time: one answer, one reply."""
    await applicant.open_duplicate_request()
    inbox = bot.store.inbox
    written = inbox.record
    failures: list[Any] = []

    async def failing_once(updates: Any) -> list[int]:
        if not failures:
            failures.append(updates)
            raise ConnectionError("database went away")
        return await written(updates)

    inbox.record = failing_once  # type: ignore[method-assign]
    question = await applicant.say(GOOD_ANSWERS[0][1])
    assert texts.PROMPT_FATHER_NAME in question["text"], question
    await _inbox_settles(bot, (2, 0))
    assert failures
    assert len(api.sent(applicant.user_id)) == 2  # the first question, then this reply
    question = await applicant.say(GOOD_ANSWERS[1][1])
    assert texts.PROMPT_NATIONAL_CODE in question["text"], question
    draft = await bot.store.drafts.get(applicant.user_id)
    assert draft is not None
    assert draft.answers["full_name"] == GOOD_ANSWERS[0][1]
    assert draft.answers["father_name"] == GOOD_ANSWERS[1][1]


async def test_a_question_overtaken_while_it_was_sent_is_withdrawn(
    api: FakeBotApi, bot: BotRuntime, applicant: Applicant
) -> None:
    await applicant.open_duplicate_request()
    for _key, value in GOOD_ANSWERS[:2]:
        await applicant.say(value)
    # The question after the national code stalls on its way out; meanwhile another
    # instance sharing the database takes the birth date (a webhook's next update, say).
    api.delay_next("sendMessage", 1.5, chat_id=applicant.user_id)
    api.send_text(applicant.user_id, GOOD_ANSWERS[2][1])
    for _ in range(100):
        draft = await bot.store.drafts.get(applicant.user_id)
        if draft is not None and draft.step == "birth_date":
            break
        await asyncio.sleep(0.02)
    assert draft is not None and draft.step == "birth_date"
    field = FORMS["duplicate"].field("birth_date")
    assert field is not None and field.parse is not None
    await bot.store.drafts.answer(
        applicant.user_id, "birth_date", "birth_date", field.parse(GOOD_ANSWERS[3][1]), 10**6
    )
    stale = await applicant.reply()
    assert texts.PROMPT_BIRTH_DATE in stale["text"]
    # The birth-date question came through after the draft moved on: it is withdrawn, so
    # the last question in the chat is never one the draft no longer waits on.
    for _ in range(100):
        if api.message(applicant.user_id, stale["message_id"]) is None:
            break
        await asyncio.sleep(0.02)
    assert api.message(applicant.user_id, stale["message_id"]) is None
    draft = await bot.store.drafts.get(applicant.user_id)
    assert draft is not None and draft.step == "mobile"
