"""Driving the bot as people do: type, tap buttons, send photos, read replies."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pypdfium2  # type: ignore[import-untyped]
from sqlalchemy import text as sql

from domain import texts
from domain.forms import DUPLICATE_FORM, InputKind
from domain.tracking import new_tracking_code
from domain.uploads import REDRAW_PDF
from loopback import STORED_ANSWERS, FakeBotApi, jpeg, pdf
from storage.hotpath import HotPath
from storage.store import Store
from storage.views import DraftView, RequestView, StoredUpload

REPLY_TIMEOUT = 15.0


def assert_redrawn(data: bytes, pages: int) -> None:
    """``data`` is a redrawn PDF (domain.uploads.redraw_pdf) of ``pages`` pages: nothing of
    :func:`hostile_pdf`'s script is left."""
    assert b"JavaScript" not in data and b"OpenAction" not in data
    document = pypdfium2.PdfDocument(data)
    try:
        assert len(document) == pages
    finally:
        document.close()


def build_pdf(
    objects: list[bytes], trailer_extra: bytes = b"", header: bytes = b"%PDF-1.4"
) -> bytes:
    """A PDF with a correct cross-reference table; object 1 must be the catalog."""
    out = header + b"\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R " % (len(objects) + 1) + trailer_extra + b">>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return out


def page_objects(pages: int) -> list[bytes]:
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * pages
    return objects


def hostile_pdf() -> bytes:
    """A sound two-page PDF that runs JavaScript when opened: accepted, but redrawn."""
    objects = page_objects(2)
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>"
    objects.append(b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>")
    return build_pdf(objects)


# A complete, valid duplicate request, in the order the bot asks.
GOOD_ANSWERS: list[tuple[str, Any]] = [
    ("full_name", "مریم احمدی"),
    ("father_name", "حسین"),
    ("national_code", "۰۰۱۳۵۴۲۴۱۹"),
    ("birth_date", "۱۳۷۰/۰۵/۰۳"),
    ("mobile", "09121234567"),
    ("trade", "برق‌کار ساختمان"),
    ("certificate_number", "12345678"),
    ("certificate_year", "1385"),
    ("training_centre", "مرکز شماره ۱ اهواز"),
    ("certificate_format", texts.FORMAT_OLD),
]


def buttons(message: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(text, callback_data) of every inline button on a message."""
    markup = message.get("reply_markup") or {}
    return _button_rows(markup.get("inline_keyboard") or [])


def keyboard(api: FakeBotApi, chat_id: int) -> list[str]:
    """The labels of the reply keyboard the user sees now."""
    markup = api.reply_keyboard(chat_id) or {}
    return [text for text, _ in _button_rows(markup.get("keyboard") or [])]


def _button_rows(rows: list[list[Any]]) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for row in rows:
        for button in row:
            if isinstance(button, str):
                found.append((button, None))
            else:
                found.append((button["text"], button.get("callback_data")))
    return found


class Applicant:
    """One person in a private chat with the bot."""

    def __init__(self, api: FakeBotApi, user_id: int, first_name: str = "کاربر") -> None:
        self.api = api
        self.user_id = user_id
        self.first_name = first_name
        api.user(user_id, first_name=first_name)

    async def reply(self, timeout: float = REPLY_TIMEOUT) -> dict[str, Any]:
        """The next message the bot sends this person."""
        return await self.api.next_message(self.user_id, timeout=timeout)

    async def say(self, text: str) -> dict[str, Any]:
        """Send text and return the bot's next message."""
        self.api.send_text(self.user_id, text)
        return await self.reply()

    async def command(self, name: str, args: str | None = None) -> dict[str, Any]:
        """Send /name [args] and return the bot's next message."""
        self.api.send_command(self.user_id, f"/{name}", args=args)
        return await self.reply()

    async def send_photo(self, data: bytes, **kwargs: Any) -> dict[str, Any]:
        """Send a photo and return the bot's next message."""
        self.api.send_photo(self.user_id, data, **kwargs)
        return await self.reply()

    async def send_document(
        self, data: bytes, file_name: str, mime_type: str, **kwargs: Any
    ) -> dict[str, Any]:
        """Send a file and return the bot's next message."""
        self.api.send_document(
            self.user_id, data, file_name=file_name, mime_type=mime_type, **kwargs
        )
        return await self.reply()

    def tap(self, message: dict[str, Any], label: str) -> None:
        """Tap the inline button labelled ``label`` (or containing it) on ``message``."""
        for text, data in buttons(message):
            if data is not None and (text == label or label in text):
                self.api.press(self.user_id, message, data)
                return
        raise AssertionError(f"no button {label!r} on message: {buttons(message)}")

    async def tap_and_reply(self, message: dict[str, Any], label: str) -> dict[str, Any]:
        """Tap a button and return the bot's next message."""
        self.tap(message, label)
        return await self.reply()

    async def open_duplicate_request(self) -> dict[str, Any]:
        """Choose «درخواست المثنی» from the menu; returns the first question (which the
        form's introduction heads)."""
        first = await self.say(texts.MENU_DUPLICATE)
        assert first["text"].startswith(texts.DUPLICATE_INTRO), first
        assert texts.PROMPT_FULL_NAME in first["text"], first
        return first

    async def answer_text_fields(
        self, answers: list[tuple[str, Any]] = GOOD_ANSWERS
    ) -> dict[str, Any]:
        """Answer the text questions; returns the bot's next message (the court-letter prompt)."""
        last: dict[str, Any] = {}
        for _key, value in answers:
            last = await self.say(value)
        return last

    async def file_to_summary(self, letter: bytes | None = None) -> dict[str, Any]:
        """Fill the whole form with good answers and documents (``letter``, or a one-page
        scan, as the court letter); returns the summary message."""
        await self.open_duplicate_request()
        await self.answer_text_fields()
        letter = pdf() if letter is None else letter
        accepted = await self.send_document(letter, "court-letter.pdf", "application/pdf")
        assert accepted["text"].startswith("✅"), accepted  # and the photo prompt below
        summary = await self.send_photo(jpeg(600, 800))
        assert summary["text"].startswith("✅"), summary
        assert texts.SUMMARY_TITLE in summary["text"], summary
        return summary


async def file_directly(
    store: Store,
    user_id: int,
    letter: bytes,
    photo: bytes,
    *,
    claim_notice_for: dt.timedelta | None = None,
    **answers: Any,
) -> RequestView:
    """File a complete request through the storage use cases, as the chat would (which
    claims the tracking-code notice for itself: ``claim_notice_for``)."""
    draft = await complete_draft(store, user_id, letter, photo, **answers)
    result = await store.filing.submit(
        user_id, draft.id, new_tracking_code, claim_notice_for=claim_notice_for
    )
    return result.request


async def complete_draft(
    store: Store,
    user_id: int,
    letter: bytes,
    photo: bytes,
    *,
    letter_pending: bool = False,
    **answers: Any,
) -> DraftView:
    """A duplicate request's draft with every question answered, waiting for «confirm».

    ``letter_pending``: the letter is kept as sent, still to be redrawn (as the chat leaves
    it until the redrawing after the reply is done)."""
    values = {**STORED_ANSWERS, **answers}
    draft, _ = await store.drafts.start(user_id, user_id, "duplicate")
    for field in DUPLICATE_FORM.fields:
        value: Any
        if field.kind in (InputKind.DOCUMENT, InputKind.PHOTO):
            data, mime, ext = (
                (letter, "application/pdf", "pdf")
                if field.kind is InputKind.DOCUMENT
                else (photo, "image/jpeg", "jpg")
            )
            stored = await store.files.put(data, ext)
            pending = REDRAW_PDF if letter_pending and field.kind is InputKind.DOCUMENT else None
            value = StoredUpload(
                stored.relative_path, stored.sha256, stored.size, mime, None, None, pending
            ).as_answer()
        else:
            value = values[field.key]
        draft = await store.drafts.answer(user_id, field.key, field.key, value)
    return draft


async def cut_connections(store: Store, hot: HotPath) -> None:
    """Close the database connections under ``hot``'s feet, as a PostgreSQL restart would:
    on PostgreSQL every other backend of the database is terminated, on SQLite the hot path's
    kept connections are closed."""
    if store.engine.dialect.name == "postgresql":
        async with store.engine.connect() as other:
            killed = await other.scalar(
                sql(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        assert killed
    else:
        for kept in hot._idle:
            if kept is not None:
                kept.raw.stop()


async def wait_outbox_empty(store: Store, timeout: float = 120.0) -> None:
    """Wait until the outbox owes nothing more; fails after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while await store.outbox.pending():
        if loop.time() > deadline:
            raise AssertionError(f"the outbox still owes {await store.outbox.pending()}")
        await asyncio.sleep(0.02)
