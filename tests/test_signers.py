"""The right signer: staff have official names and titles, only a signer with both signs, and
the office's letters wait for a signer's signature and print the signer."""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from bot import issuance
from bot.app import BotRuntime
from domain import texts
from domain.digits import ARABIC_INDIC_DIGITS, ASCII_DIGITS, to_persian_digits
from domain.tracking import format_tracking_code
from domain.workflow import LETTER_DRAFTED, STAFF_ACTS, TRANSITIONS, Status
from loopback import FakeBotApi
from rendering.confirmation import ConfirmationDoc, render_png_and_pdf
from rendering.letters import LetterDoc, render_letter
from storage import models
from storage.migrate import alembic_config
from storage.staff import Official
from storage.store import Store
from tests.conftest import (
    ADMIN,
    ADMIN_CHAT_ID,
    BOTH,
    OFFICIALS,
    REVIEWER,
    SECURITY_CHAT_ID,
    SIGNER,
    STAFF,
)
from tests.driver import Applicant
from tests.test_inquiry import file_inquiry, next_document
from tests.test_process import BotProcess
from tests.test_staff_workflow import Card, file_request, staff_command

pytestmark = [pytest.mark.timeout(120), pytest.mark.both_dialects]

ARABIC_INDIC = str.maketrans(ASCII_DIGITS, ARABIC_INDIC_DIGITS)
CENTRE = "مرکز شمارهٔ ۲ آبادان"
TITLE = "معاون ادارهٔ کل آموزش فنی و حرفه‌ای استان خوزستان"
Doc = TypeVar("Doc", ConfirmationDoc, LetterDoc)


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every document the bot renders, as the renderer received it (and still renders it)."""
    docs: list[object] = []

    def letter(doc: LetterDoc) -> tuple[bytes, bytes]:
        docs.append(doc)
        return render_letter(doc)

    def confirmation(doc: ConfirmationDoc) -> tuple[bytes, bytes]:
        docs.append(doc)
        return render_png_and_pdf(doc)

    monkeypatch.setattr(issuance, "render_letter", letter)  # as bot.issuance calls them
    monkeypatch.setattr(issuance, "render_png_and_pdf", confirmation)
    return docs


async def rendered_doc(docs: list[object], kind: type[Doc]) -> Doc:
    """The one document of ``kind`` the bot rendered (waiting for it)."""
    for _ in range(200):
        found = [doc for doc in docs if isinstance(doc, kind)]
        if found:
            assert len(found) == 1, found
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {kind.__name__} was rendered")


def refusal(missing: tuple[str, ...], user_id: int) -> str:
    """The alert a signer lacking ``missing`` gets on a signing button."""
    return texts.STAFF_UNOFFICIAL.format(
        missing=texts.STAFF_OFFICIAL_AND.join(texts.STAFF_OFFICIAL_PARTS[p] for p in missing),
        how=texts.STAFF_OFFICIAL_AND.join(
            texts.STAFF_OFFICIAL_HOW[p].format(user_id=user_id) for p in missing
        ),
    )


async def request_id_of(bot: BotRuntime, card: Card) -> int:
    request = await bot.store.workflow.find_by_code(card.code)
    assert request is not None
    return request.id


async def owed(store: Store, request_id: int) -> list[str]:
    """The kinds of the outbox messages ever queued about the request."""
    async with store.sessions() as session:
        rows = (await session.scalars(select(models.Outbox))).all()
    return [row.kind for row in rows if row.payload.get("request_id") == request_id]


def documents(api: FakeBotApi, chat_id: int, name_start: str) -> list[dict[str, Any]]:
    return [
        m
        for m in api.sent(chat_id)
        if str((m.get("document") or {}).get("file_name", "")).startswith(name_start)
    ]


async def admin_says(api: FakeBotApi, expected: str) -> None:
    """The bot says ``expected`` in the staff chat (other messages may come first)."""
    for _ in range(10):
        if (await api.next_message(ADMIN_CHAT_ID)).get("text") == expected:
            return
    raise AssertionError(f"the staff chat was never told {expected!r}")


async def test_a_signer_without_an_official_name_and_title_cannot_approve_and_nothing_changes(
    api: FakeBotApi, staff_bot: BotRuntime, applicant: Applicant, rendered: list[object]
) -> None:
    card = await file_request(api, applicant)
    await card.recommend(REVIEWER)
    assert (await applicant.reply())["text"].startswith("درخواست")  # in review
    # BOTH is a signer with neither: the alert says what is missing and how it is recorded.
    answer = await card.press_and_answer(BOTH, "approve")
    assert answer == refusal(("name", "title"), BOTH)
    assert f"/staff name {BOTH}" in answer and f"/staff title {BOTH}" in answer
    request_id = await request_id_of(staff_bot, card)
    request = await staff_bot.store.requests.get(request_id)
    assert (request.status, request.decided_by) == ("recommended", None)
    refused = (await staff_bot.store.audit.history(request_id))[-1]
    assert (refused.actor_id, refused.action, refused.outcome, refused.reason) == (
        BOTH,
        "approve",
        "denied",
        "unofficial:name, title",
    )
    assert texts.ACT_BUTTONS["approve"] in card.labels()
    await api.expect_no_message(applicant.user_id, wait=0.5)
    assert await staff_bot.store.confirmations.for_request(request_id) is None
    assert "issue" not in await owed(staff_bot.store, request_id)

    # With the name recorded only the title is missing; with both the signer signs.
    staff_command(api, ADMIN, f"/staff name {BOTH} رضا موسوی")
    await admin_says(api, texts.STAFF_NAME_SET.format(user_id=BOTH, name="رضا موسوی"))
    assert await card.press_and_answer(BOTH, "approve") == refusal(("title",), BOTH)
    staff_command(api, ADMIN, f"/staff title {BOTH} {TITLE}")
    await admin_says(api, texts.STAFF_TITLE_SET.format(user_id=BOTH, title=TITLE))
    assert await card.press_and_answer(BOTH, "approve") == texts.STAFF_ACT_DONE.format(
        action=texts.ACT_LABELS["approve"], code=format_tracking_code(card.code)
    )
    await card.wait_status("approved")
    doc = await rendered_doc(rendered, ConfirmationDoc)
    assert (doc.signer_name, doc.signer_title) == ("رضا موسوی", TITLE)


async def test_staff_title_records_a_title_and_a_mistyped_one_changes_nothing(
    api: FakeBotApi, staff_bot: BotRuntime
) -> None:
    # Arabic-Indic digits in the id, Arabic ي/ك in the title: stored as the Persian spelling.
    typed = TITLE.replace("ی", "ي").replace("ک", "ك")
    staff_command(api, ADMIN, f"/staff title {str(BOTH).translate(ARABIC_INDIC)} {typed}")
    assert (await api.next_message(ADMIN_CHAT_ID))["text"] == texts.STAFF_TITLE_SET.format(
        user_id=BOTH, title=TITLE
    )
    assert await staff_bot.store.staff.official_of(BOTH) == Official(None, TITLE)
    async with staff_bot.store.sessions() as session:
        entries = (
            await session.scalars(
                select(models.AuditEntry).where(models.AuditEntry.action == "staff_title")
            )
        ).all()
    assert [(e.actor_id, e.reason) for e in entries] == [(ADMIN, f"{BOTH}:{TITLE}")]

    # Persian digits in the id; any digits in the title are kept as Persian digits.
    staff_command(api, ADMIN, f"/staff title {to_persian_digits(SIGNER)} رئیس اداره 2")
    assert (await api.next_message(ADMIN_CHAT_ID))["text"] == texts.STAFF_TITLE_SET.format(
        user_id=SIGNER, title="رئیس اداره ۲"
    )
    staff_command(api, ADMIN, f"/staff title {SIGNER} {OFFICIALS[SIGNER][1]}")
    await api.next_message(ADMIN_CHAT_ID)

    staff_command(api, REVIEWER, f"/staff title {SIGNER} مدیرکل")
    assert (await api.next_message(ADMIN_CHAT_ID))["text"] == texts.STAFF_DENIED
    for typed_command, expected in (
        ("/staff title", texts.STAFF_BAD_ID),
        ("/staff title مدیرکل", texts.STAFF_BAD_ID),
        (f"/staff title {SIGNER}", texts.STAFF_TITLE_MISSING),
        (f"/staff title {SIGNER} \u200f", texts.STAFF_TITLE_MISSING),  # only a bidi mark
        (f"/staff title {SIGNER} Director General", texts.STAFF_TITLE_CHARS),
        (f"/staff title {SIGNER} مدیرکل!", texts.STAFF_TITLE_CHARS),
        (
            f"/staff title {SIGNER} " + "مدیرکل " * 20,
            texts.STAFF_TITLE_TOO_LONG.format(limit="۱۰۰"),
        ),
        (f"/staff title {SIGNER} مد", texts.STAFF_TITLE_SHORT),
        ("/staff title 7777 مدیرکل", texts.STAFF_NAME_NOT_MEMBER.format(user_id=7777)),
    ):
        staff_command(api, ADMIN, typed_command)
        assert (await api.next_message(ADMIN_CHAT_ID))["text"] == expected, typed_command
    assert await staff_bot.store.staff.official_of(SIGNER) == Official(*OFFICIALS[SIGNER])
    assert await staff_bot.store.staff.roles_of(7777) == frozenset()

    # /staff shows each title, and marks the signer who cannot sign yet with what is missing.
    staff_command(api, ADMIN, "/staff")
    lines = (await api.next_message(ADMIN_CHAT_ID))["text"].splitlines()
    signer_line = texts.STAFF_LIST_LINE.format(
        user_id=SIGNER,
        name=texts.STAFF_LIST_NAME.format(name=OFFICIALS[SIGNER][0]),
        roles=texts.ROLE_LABELS["signer"],
    )
    after = lines[lines.index(signer_line) + 1]
    assert after == texts.STAFF_LIST_TITLE_LINE.format(title=OFFICIALS[SIGNER][1])
    both = texts.LIST_SEPARATOR.join([texts.ROLE_LABELS["reviewer"], texts.ROLE_LABELS["signer"]])
    at = lines.index(texts.STAFF_LIST_LINE.format(user_id=BOTH, name="", roles=both))
    assert lines[at + 1 : at + 3] == [
        texts.STAFF_LIST_TITLE_LINE.format(title=TITLE),
        texts.STAFF_LIST_UNOFFICIAL.format(missing=texts.STAFF_OFFICIAL_PARTS["name"]),
    ]
    reviewer_line = texts.STAFF_LIST_LINE.format(
        user_id=REVIEWER, name="", roles=texts.ROLE_LABELS["reviewer"]
    )
    after = lines[lines.index(reviewer_line) + 1]  # a reviewer signs nothing: no mark
    assert after.startswith("•")
    # The refusal fits in a button's alert (200 characters) whatever the account id.
    assert len(refusal(("name", "title"), 10**18 - 1)) <= 200


async def test_the_confirmation_prints_the_signers_official_name_and_title_of_that_moment(
    api: FakeBotApi, staff_bot: BotRuntime, applicant: Applicant, rendered: list[object]
) -> None:
    card = await file_request(api, applicant)
    await card.approve(REVIEWER, SIGNER)
    doc = await rendered_doc(rendered, ConfirmationDoc)
    name, title = OFFICIALS[SIGNER]
    assert (doc.signer_name, doc.signer_title) == (name, title)
    assert title != staff_bot.settings.signer_title  # the signer's own, not SIGNER_TITLE
    request_id = await request_id_of(staff_bot, card)
    confirmation = await staff_bot.store.confirmations.for_request(request_id)
    assert confirmation is not None and confirmation.signer_name == name
    approval = (await staff_bot.store.audit.history(request_id))[-1]
    assert (approval.action, approval.actor_name, approval.actor_title) == ("approve", name, title)
    # A later change of title does not change what was signed.
    await staff_bot.store.staff.retitle(SIGNER, "مدیرکل آموزش فنی و حرفه‌ای", by=ADMIN)
    request = await staff_bot.store.requests.get(request_id)
    again = await staff_bot.issuer.confirmation_doc(request, confirmation)
    assert (again.signer_name, again.signer_title) == (name, title)


async def test_a_reviewers_letter_to_a_centre_waits_for_a_signer_and_prints_the_signer(
    api: FakeBotApi, staff_bot: BotRuntime, applicant: Applicant, rendered: list[object]
) -> None:
    card = await file_request(api, applicant)
    await card.press_and_answer(REVIEWER, "review")
    await card.wait_status("in_review")
    assert await card.press_and_answer(REVIEWER, "ask_centre") == texts.STAFF_PROMPT_SENT
    await card.reply_to_prompt(REVIEWER, CENTRE)
    code = format_tracking_code(card.code)
    await admin_says(api, texts.STAFF_LETTER_DRAFTED["centre_letter_drafted"].format(code=code))
    await card.wait_status("centre_letter_drafted")
    labels = card.labels()
    assert labels[:2] == [
        texts.ACT_BUTTONS["sign_centre_letter"],
        texts.ACT_BUTTONS["return_letter"],
    ]
    assert texts.ACT_BUTTONS["centre_found"] not in labels
    # The draft owes nothing but the card: no letter is rendered or sent.
    request_id = await request_id_of(staff_bot, card)
    assert "centre_letter" not in await owed(staff_bot.store, request_id)
    await asyncio.sleep(0.5)
    assert documents(api, ADMIN_CHAT_ID, "centre_inquiry-") == [] and rendered == []

    # Only a signer with an official name and title signs it.
    assert await card.press_and_answer(REVIEWER, "sign_centre_letter") == texts.STAFF_DENIED
    assert await card.press_and_answer(BOTH, "sign_centre_letter") == refusal(
        ("name", "title"), BOTH
    )
    assert (await staff_bot.store.requests.get(request_id)).status == "centre_letter_drafted"
    assert await card.press_and_answer(
        SIGNER, "sign_centre_letter"
    ) == texts.STAFF_ACT_DONE.format(action=texts.ACT_LABELS["sign_centre_letter"], code=code)
    letter = await next_document(api, ADMIN_CHAT_ID, "centre_inquiry-")
    assert letter["caption"] == texts.CENTRE_LETTER_CAPTION.format(centre=CENTRE, code=code)
    assert (letter.get("reply_to_message") or {}).get("message_id") == card.message_id
    doc = await rendered_doc(rendered, LetterDoc)
    assert (doc.kind, doc.recipient) == ("centre_inquiry", CENTRE)
    assert (doc.signer_name, doc.signer_title) == OFFICIALS[SIGNER]
    await card.wait_status("waiting_centre")
    assert texts.ACT_BUTTONS["centre_found"] in card.labels()
    history = await staff_bot.store.audit.history(request_id, done_only=True)
    assert [(e.action, e.actor_id, e.reason) for e in history] == [
        ("review", REVIEWER, None),
        ("ask_centre", REVIEWER, CENTRE),
        ("sign_centre_letter", SIGNER, None),
    ]
    assert len(documents(api, ADMIN_CHAT_ID, "centre_inquiry-")) == 1


async def test_a_draft_the_signer_returns_sends_nothing_and_the_next_draft_is_the_one_sent(
    api: FakeBotApi, staff_bot: BotRuntime, applicant: Applicant, rendered: list[object]
) -> None:
    card = await file_request(api, applicant)
    await card.press_and_answer(REVIEWER, "review")
    await card.wait_status("in_review")
    await card.press_and_answer(REVIEWER, "ask_centre")
    await card.reply_to_prompt(REVIEWER, "مرکز اشتباه")
    await card.wait_status("centre_letter_drafted")
    assert await card.press_and_answer(SIGNER, "return_letter") == texts.STAFF_PROMPT_SENT
    await card.reply_to_prompt(SIGNER, "نام مرکز درست نیست.")
    await card.wait_status("in_review")
    request_id = await request_id_of(staff_bot, card)
    assert "centre_letter" not in await owed(staff_bot.store, request_id)

    await card.press_and_answer(REVIEWER, "ask_centre")
    await card.reply_to_prompt(REVIEWER, CENTRE)
    await card.wait_status("centre_letter_drafted")
    await card.press_and_answer(SIGNER, "sign_centre_letter")
    letter = await next_document(api, ADMIN_CHAT_ID, "centre_inquiry-")
    assert CENTRE in letter["caption"]
    doc = await rendered_doc(rendered, LetterDoc)
    assert doc.recipient == CENTRE
    await card.wait_status("waiting_centre")
    assert len(documents(api, ADMIN_CHAT_ID, "centre_inquiry-")) == 1
    history = await staff_bot.store.audit.history(request_id, done_only=True)
    assert [e.action for e in history] == [
        "review",
        "ask_centre",
        "return_letter",
        "ask_centre",
        "sign_centre_letter",
    ]
    assert history[2].reason == "نام مرکز درست نیست."


async def test_a_not_authentic_answer_waits_for_a_signer_then_goes_with_the_security_report(
    api: FakeBotApi, staff_bot: BotRuntime, rendered: list[object]
) -> None:
    clerk = Applicant(api, user_id=7300, first_name="زهرا")
    card = await file_inquiry(api, clerk)
    note = "شمارهٔ گواهینامه در دفاتر ثبت نیست."
    await card.press_and_answer(REVIEWER, "forge")
    await card.reply_to_prompt(REVIEWER, note)
    code = format_tracking_code(card.code)
    await admin_says(api, texts.STAFF_LETTER_DRAFTED["not_authentic_drafted"].format(code=code))
    await card.wait_status("not_authentic_drafted")
    request_id = await request_id_of(staff_bot, card)
    assert not {"not_authentic", "security_report", "notify"} & set(
        await owed(staff_bot.store, request_id)
    )
    await api.expect_no_message(SECURITY_CHAT_ID, wait=0.5)
    assert documents(api, clerk.user_id, "not_authentic-") == [] and rendered == []
    request = await staff_bot.store.requests.get(request_id)
    assert request.decided_by is None  # not decided until signed

    await card.press_and_answer(SIGNER, "sign_not_authentic")
    letter = await next_document(api, clerk.user_id, "not_authentic-")
    assert letter["caption"] == texts.NOTIFY["not_authentic"].format(code=code)
    doc = await rendered_doc(rendered, LetterDoc)
    assert doc.kind == "not_authentic"
    assert (doc.signer_name, doc.signer_title) == OFFICIALS[SIGNER]
    await card.wait_status("forged")
    # The security unit gets the report, by the reviewer, and a copy of the signed answer.
    for _ in range(200):
        sent = api.sent(SECURITY_CHAT_ID)
        reports = [m for m in sent if note in (m.get("text") or "")]
        if reports and documents(api, SECURITY_CHAT_ID, "not_authentic-"):
            break
        await asyncio.sleep(0.05)
    assert len(reports) == 1 and "کارشناس" in reports[0]["text"]
    assert len(documents(api, SECURITY_CHAT_ID, "not_authentic-")) == 1
    request = await staff_bot.store.requests.get(request_id)
    assert (request.decided_by, request.decision_note) == (SIGNER, note)


async def test_a_drafted_letter_survives_a_crash_and_goes_out_once_signed_after_the_restart(
    api: FakeBotApi, tmp_path: Path, data_dir: Path, database_url: str, applicant: Applicant
) -> None:
    for user_id, name in ((REVIEWER, "کارشناس"), (SIGNER, "امضاکننده"), (ADMIN, "مدیر")):
        api.user(user_id, first_name=name)
    name, title = OFFICIALS[SIGNER]

    def process() -> BotProcess:
        bot = BotProcess(api, data_dir, tmp_path, database_url)
        bot.env["STAFF"] = STAFF
        return bot

    first = process()
    await first.start()
    try:
        # The admin records the signer's official name and title in the staff chat.
        staff_command(api, ADMIN, f"/staff name {SIGNER} {name}")
        await admin_says(api, texts.STAFF_NAME_SET.format(user_id=SIGNER, name=name))
        staff_command(api, ADMIN, f"/staff title {SIGNER} {title}")
        await admin_says(api, texts.STAFF_TITLE_SET.format(user_id=SIGNER, title=title))
        card = await file_request(api, applicant)
        await card.press_and_answer(REVIEWER, "review")
        await card.wait_status("in_review")
        await card.press_and_answer(REVIEWER, "ask_centre")
        await card.reply_to_prompt(REVIEWER, CENTRE)
        await card.wait_status("centre_letter_drafted")
        # Killed with the draft in hand: nothing sent, nothing owed but the card.
        store = Store.open(database_url, data_dir / "files")
        try:
            request = await store.workflow.find_by_code(card.code)
            assert request is not None
            assert "centre_letter" not in await owed(store, request.id)
        finally:
            await store.close()
    finally:
        await first.stop(signal.SIGKILL)
    assert documents(api, ADMIN_CHAT_ID, "centre_inquiry-") == []

    second = process()
    await second.start()
    try:
        assert texts.ACT_BUTTONS["sign_centre_letter"] in card.labels()  # the card as it was
        await card.answer_of(card.press(SIGNER, "sign_centre_letter"))
        letter = await next_document(api, ADMIN_CHAT_ID, "centre_inquiry-")
        assert CENTRE in letter["caption"]
        await card.wait_status("waiting_centre")
    finally:
        await second.stop()
    assert len(documents(api, ADMIN_CHAT_ID, "centre_inquiry-")) == 1
    store = Store.open(database_url, data_dir / "files")
    try:
        request = await store.workflow.find_by_code(card.code)
        assert request is not None and request.status == "waiting_centre"
        assert (await owed(store, request.id)).count("centre_letter") == 1
        signed = (await store.audit.history(request.id, done_only=True))[-1]
        assert (signed.action, signed.actor_name, signed.actor_title) == (
            "sign_centre_letter",
            name,
            title,
        )
    finally:
        await store.close()


async def test_0003_adds_titles_and_keeps_staff_and_their_names(
    database_url: str, data_dir: Path
) -> None:
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    engine = create_async_engine(database_url)

    def to(revision: str, connection: Connection, *, down: bool = False) -> None:
        config = alembic_config(database_url)
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: to("0002", c))
            await connection.execute(
                text(
                    "INSERT INTO staff_roles (user_id, role, name, added_at) "
                    "VALUES (9002, 'signer', 'حسن صالحی', :now)"
                ),
                {"now": dt.datetime(2026, 11, 1, tzinfo=dt.UTC)},
            )
    finally:
        await engine.dispose()
    store = Store.open(database_url, data_dir / "files")
    try:
        await store.migrate()
        assert await store.staff.official_of(9002) == Official("حسن صالحی", None)
        assert await store.staff.retitle(9002, TITLE, by=ADMIN)
        assert await store.staff.official_of(9002) == Official("حسن صالحی", TITLE)
        async with store.engine.begin() as connection:  # and back down, keeping the staff
            await connection.run_sync(lambda c: to("0002", c, down=True))
            rows = (await connection.execute(text("SELECT user_id, name FROM staff_roles"))).all()
        assert [tuple(r) for r in rows] == [(9002, "حسن صالحی")]
    finally:
        await store.close()


def test_every_staff_act_and_status_has_its_persian_texts() -> None:
    for act in STAFF_ACTS:
        assert act.value in texts.ACT_LABELS and act.value in texts.ACT_BUTTONS, act
        if TRANSITIONS[act].needs_text:
            assert act.value in texts.STAFF_PROMPTS, act
    assert set(texts.STATUS_LABELS) == {status.value for status in Status}
    assert set(texts.STAFF_LETTER_DRAFTED) == {status.value for status in LETTER_DRAFTED}
