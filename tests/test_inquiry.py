"""Organisations ask whether a certificate is genuine (استعلام); staff answer; security copied."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.app import BotRuntime
from domain import texts
from domain.tracking import format_tracking_code, parse_tracking_code
from loopback import FakeBotApi, jpeg, pdf
from tests.conftest import (
    ADMIN_CHAT_ID,
    REVIEWER,
    SECURITY_CHAT_ID,
    SIGNER,
    STAFF,
    bot_settings,
    start_staff_bot,
)
from tests.driver import Applicant
from tests.test_process import ROOT, cli_env, run_cli
from tests.test_staff_workflow import Card

pytestmark = [pytest.mark.timeout(120), pytest.mark.both_dialects]

ORGANISATION = [
    ("org_name", "ادارهٔ کل آموزش و پرورش خوزستان"),
    ("org_type", texts.ORG_TYPE_EDUCATION),
    ("clerk_name", "زهرا کریمی"),
    ("clerk_contact", "۰۹۱۶۱۲۳۴۵۶۷"),
]
LETTER = [("letter_number", "۱۲۳۴/ص/۱۴۰۵"), ("letter_date", "۱۴۰۵/۰۸/۲۰")]
HOLDER = [
    ("national_code", "0499370899"),
    ("certificate_number", "98765432"),
    ("full_name", "رضا محمدی"),
]


@pytest.fixture
async def office(api: FakeBotApi, data_dir: Path, database_url: str) -> Any:
    for user_id in (REVIEWER, SIGNER):
        api.user(user_id, first_name="کارمند")
    runtime = await start_staff_bot(
        bot_settings(
            api,
            data_dir,
            staff=STAFF,
            security_chat_id=SECURITY_CHAT_ID,
            database_url=database_url,
        )
    )
    try:
        yield runtime
    finally:
        await runtime.stop()


async def file_inquiry(api: FakeBotApi, clerk: Applicant, *, remembered: bool = False) -> Card:
    """The clerk files an inquiry; returns its card in the staff chat."""
    question = await clerk.say(texts.MENU_INQUIRY)  # headed by the introduction
    assert question["text"].startswith(texts.INQUIRY_INTRO)
    assert (texts.INQUIRY_PROFILE_USED in question["text"]) is remembered
    if remembered:
        assert texts.PROMPT_LETTER_NUMBER in question["text"]
    else:
        assert texts.PROMPT_ORG_NAME in question["text"]
        for _key, value in ORGANISATION:
            await clerk.say(value)
    for _key, value in LETTER:
        await clerk.say(value)
    assert (await clerk.send_document(pdf(), "letter.pdf", "application/pdf"))["text"][0] == "✅"
    assert (await clerk.send_photo(jpeg(1600, 1100)))["text"][0] == "✅"
    for _key, value in HOLDER[:-1]:
        await clerk.say(value)
    summary = await clerk.say(HOLDER[-1][1])
    assert texts.SUMMARY_TITLE in summary["text"] and "آموزش و پرورش" in summary["text"]
    filed = await clerk.tap_and_reply(summary, texts.BUTTON_SUBMIT)
    code = next(c for c in map(parse_tracking_code, filed["text"].split()) if c)
    for _ in range(30):
        card = await api.next_message(ADMIN_CHAT_ID)
        if format_tracking_code(code) in (card.get("text") or ""):
            break
    assert "استعلام" in card["text"] and "ادارهٔ کل آموزش و پرورش خوزستان" in card["text"]
    return Card(api, card["message_id"], code)


async def next_document(api: FakeBotApi, chat_id: int, name_start: str) -> dict[str, Any]:
    for _ in range(20):
        message = await api.next_message(chat_id)
        document = message.get("document") or {}
        if str(document.get("file_name", "")).startswith(name_start):
            return message
    raise AssertionError(f"no {name_start} document in chat {chat_id}")


REGISTRY_CSV = (
    "کد ملی,نام,نام خانوادگی,نام پدر,حرفه,شماره گواهینامه,تاریخ آزمون,مرکز,استان\n"
    "۰۴۹۹۳۷۰۸۹۹,رضا,محمدي,علی,جوشکاری,98765432,1388/05/10,مرکز ۲ آبادان,خوزستان\n"
    "12345,بی,نام,,,,,,\n"
)


async def test_an_inquiry_with_a_centre_check_is_answered_and_copied_to_security(
    api: FakeBotApi, office: BotRuntime, tmp_path: Path, data_dir: Path, database_url: str
) -> None:
    # The registry books, imported from the office's spreadsheet with the command line.
    books = tmp_path / "books.csv"
    books.write_text(REGISTRY_CSV, encoding="utf-8-sig")
    code, out, err = await run_cli(
        cli_env(data_dir, database_url), ROOT, "registry", "import", str(books)
    )
    assert code == 0, out + err
    assert await office.store.registry.count() == 1  # the row without a valid code is skipped

    clerk = Applicant(api, user_id=7100, first_name="زهرا")
    card = await file_inquiry(api, clerk)
    # The card shows what the registry matched, field by field, and suggests a class.
    text = card.current["text"]
    assert texts.REGISTRY_RULES["certificate_and_national_code"] in text
    assert texts.REGISTRY_OUTCOMES["match"] in text  # the name, with ي/ی unified
    assert texts.REGISTRY_SUGGESTED.format(label=texts.CLASSIFICATION_LABELS["old_books"]) in text
    request = await office.store.workflow.find_by_code(card.code)
    assert request is not None and request.kind == "inquiry"
    assert request.details["org_type"] == "education"
    assert request.details["letter_number"] == "1234/ص/1405"
    assert sorted(a.kind for a in (await office.store.requests.get(request.id)).attachments) == [
        "certificate_image",
        "org_letter",
    ]

    # Records archived at a training centre: classified so, then the letter to the centre.
    await card.press_and_answer(REVIEWER, "classify_old_centre")
    await card.wait_status("in_review")
    await card.press_and_answer(REVIEWER, "ask_centre")
    await card.reply_to_prompt(REVIEWER, "مرکز شمارهٔ ۲ آبادان")
    await card.wait_status("centre_letter_drafted")  # a signer signs it before it goes out
    await card.press_and_answer(SIGNER, "sign_centre_letter")
    letter = await next_document(api, ADMIN_CHAT_ID, "centre_inquiry-")
    assert "مرکز شمارهٔ ۲ آبادان" in letter["caption"]
    assert api.file_bytes(letter["document"]["file_id"]).startswith(b"%PDF-")
    await card.wait_status("waiting_centre")
    waiting = await office.store.requests.get(request.id)
    assert waiting.classification == "old_centre" and waiting.due_at is not None

    assert await card.press_and_answer(REVIEWER, "centre_found") == texts.STAFF_PROMPT_SENT
    prompt = next(
        m for m in reversed(api.sent(ADMIN_CHAT_ID)) if "پاسخ مرکز" in (m.get("text") or "")
    )
    # On Telegram in the force-reply box; on Bale, which has none, simply sent in the chat.
    reply_to = prompt["message_id"] if api.platform == "telegram" else None
    api.send_text(REVIEWER, "بدون فایل", chat_id=ADMIN_CHAT_ID, reply_to_message_id=reply_to)
    api.send_document(
        REVIEWER,
        pdf(),
        "centre-answer.pdf",
        "application/pdf",
        chat_id=ADMIN_CHAT_ID,
        reply_to_message_id=reply_to,
    )
    await card.wait_status("in_review")
    kinds = [a.kind for a in (await office.store.requests.get(request.id)).attachments]
    assert "centre_answer" in kinds
    assert any(m.get("text") == texts.STAFF_PROMPT_NEEDS_FILE for m in api.sent(ADMIN_CHAT_ID))

    await card.press_and_answer(REVIEWER, "recommend")
    await card.wait_status("recommended")
    await card.press_and_answer(SIGNER, "approve")
    await card.wait_status("approved")
    answer = await next_document(api, clerk.user_id, "confirmation-")
    assert answer["document"]["mime_type"] == "application/pdf"
    copy = await next_document(api, SECURITY_CHAT_ID, "confirmation-")
    assert copy["caption"] == answer["caption"]

    # The next inquiry from the same chat does not ask for the organisation again.
    await file_inquiry(api, clerk, remembered=True)


async def test_a_certificate_declared_not_authentic_gets_a_letter_and_a_security_report(
    api: FakeBotApi, office: BotRuntime
) -> None:
    clerk = Applicant(api, user_id=7200, first_name="کارشناس")
    card = await file_inquiry(api, clerk)
    await card.press_and_answer(REVIEWER, "forge")
    await card.reply_to_prompt(REVIEWER, "شمارهٔ گواهینامه در دفاتر ثبت نیست.")
    await card.wait_status("not_authentic_drafted")  # a signer signs it before it goes out
    await card.press_and_answer(SIGNER, "sign_not_authentic")
    letter = await next_document(api, clerk.user_id, "not_authentic-")
    assert letter["caption"] == texts.NOTIFY["not_authentic"].format(
        code=format_tracking_code(card.code)
    )
    # The security unit gets the report with the documents, and a copy of the answer letter.
    security = [await api.next_message(SECURITY_CHAT_ID) for _ in range(4)]
    reports = [
        m for m in security if "شمارهٔ گواهینامه در دفاتر ثبت نیست." in (m.get("text") or "")
    ]
    assert len(reports) == 1
    names = [(m.get("document") or {}).get("file_name", "") for m in security]
    assert any(n.startswith("not_authentic-") for n in names), names
    assert any(
        (m.get("reply_to_message") or {}).get("message_id") == reports[0]["message_id"]
        for m in security
    )  # the documents come as replies to the report
    await card.wait_status("forged")
