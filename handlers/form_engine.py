"""The one engine that walks every form: asks a field, validates the answer, moves on.

The draft (step and answers) lives in the database and every answer is committed before the
bot replies, so a restart at any moment resumes at the same step with nothing lost.
"""

from __future__ import annotations

import asyncio
import logging
import urllib.parse
from dataclasses import replace
from typing import Any, Protocol, runtime_checkable

from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, Update
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from domain import texts, uploads
from domain.digits import to_persian_digits
from domain.forms import CONFIRM_STEP, FORMS, Field, InputKind
from domain.tracking import new_tracking_code
from domain.validation import InvalidInput, normalize_contact_phone
from handlers import keyboards
from handlers.callbacks import Action, CallbackData
from handlers.deps import deps
from handlers.errors import answer_query, is_benign
from rendering.chat import summary_text, tracking_code
from storage.errors import DraftNotFound, StaleStep, UploadUnfinished
from storage.views import DraftView, StoredUpload

log = logging.getLogger(__name__)

ALBUM_KEY = "__album"  # draft meta: the media group of the last upload taken


class Rejected(Exception):
    """An answer that cannot be taken; ``message`` says why, in Persian."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def start_form(update: Update, context: ContextTypes.DEFAULT_TYPE, kind: str) -> None:
    """Starts (or resumes) a draft of ``kind`` and asks its current question."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    draft, created = await deps(context).store.drafts.start(user.id, chat.id, kind)
    intro = FORMS[kind].intro if created else texts.DRAFT_RESUMED
    if created and draft.answers:
        intro = f"{intro}\n\n{texts.INQUIRY_PROFILE_USED}"
    await ask(context, draft, prefix=intro)


async def ask(context: ContextTypes.DEFAULT_TYPE, draft: DraftView, prefix: str = "") -> None:
    """Asks the question the draft waits on, or shows the summary when all are answered.

    ``prefix`` (the form's introduction, "file received", "editing …") heads the same
    message, a blank line above the question: one message per answer, not two.
    """
    form = FORMS[draft.kind]
    if draft.step == CONFIRM_STEP:
        body = summary_text(form, draft.answers)
        markup: InlineKeyboardMarkup | ReplyKeyboardMarkup = keyboards.summary(form, draft.id)
    else:
        field = form.field(draft.step)
        assert field is not None
        counter = texts.STEP_COUNTER.format(
            number=_fa(form.position(field.key)), total=_fa(len(form.fields))
        )
        limit_mb = _fa(deps(context).max_upload_bytes // (1024 * 1024))
        body = f"{counter}\n{field.prompt.format(limit_mb=limit_mb)}"
        markup = keyboards.for_field(field)
    text = f"{prefix}\n\n{body}" if prefix else body
    if prefix and len(text) > MessageLimit.MAX_TEXT_LENGTH:
        # A long summary: the prefix goes alone rather than cut the summary short.
        await context.bot.send_message(draft.chat_id, prefix)
        text = body
    sent = await context.bot.send_message(draft.chat_id, text, reply_markup=markup)
    await _withdraw_if_overtaken(context, draft, sent)


async def _withdraw_if_overtaken(
    context: ContextTypes.DEFAULT_TYPE, draft: DraftView, sent: Message
) -> None:
    """Delete a question the draft moved past while it was being sent.

    Instances sharing a database may handle one chat at once (a webhook's next update, an
    update taken over after a crash): one may send question 10 just after another asked
    question 11, and an answer to it would land in field 11. Checked after the send, so
    whichever question stays last in the chat is the one the draft waits on.
    """
    store = deps(context).store
    if await store.drafts.is_current(draft):
        return
    log.info("question %s overtaken while it was sent; withdrawn", draft.step)
    try:
        await sent.delete()
    except TelegramError:
        # Cannot withdraw it: ask the current question again below it instead.
        current = await store.drafts.get(draft.user_id)
        if current is not None and current.step != draft.step:
            await ask(context, current)


async def receive(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: DraftView) -> None:
    """Takes the user's message as the answer to the draft's current question."""
    message = update.effective_message
    assert message is not None
    form = FORMS[draft.kind]
    if draft.step == CONFIRM_STEP or draft.already_answered(message.message_id):
        # At the summary only buttons count; a message handled before a crash is not
        # taken again as the answer to the next question.
        await ask(context, draft)
        return
    field = form.field(draft.step)
    assert field is not None
    album = message.media_group_id
    if album is not None and draft.answers.get(ALBUM_KEY) == album:
        # The next picture of an album whose first picture was the last answer: not an
        # answer to this question (it would put page 2 of a letter where the photo goes).
        await message.reply_text(texts.ALBUM_ONE_FILE, reply_markup=keyboards.for_field(field))
        return
    try:
        value = await _read_answer(field, message, context)
    except Rejected as rejected:
        await message.reply_text(rejected.message, reply_markup=keyboards.for_field(field))
        return
    store = deps(context).store
    try:
        draft = await store.drafts.answer(
            draft.user_id,
            field.key,
            field.key,
            value,
            message.message_id,
            meta={ALBUM_KEY: album} if album is not None else None,
            seen=draft,
        )
    except (StaleStep, DraftNotFound):
        if isinstance(value, dict) and value.get("stored_path"):
            await store.files.delete(str(value["stored_path"]))
        current = await store.drafts.get(draft.user_id)
        if current is not None:
            await ask(context, current)
        return
    if isinstance(value, dict) and value.get("pending"):
        # The letter as sent is checked and kept; it is redrawn for staff while the user
        # reads the reply, and filing waits for that.
        deps(context).redraw_later(draft.user_id)
    accepted = texts.FILE_ACCEPTED.format(label=field.label) if field.attachment_kind else ""
    await ask(context, draft, prefix=accepted)


async def on_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, press: CallbackData
) -> None:
    """Handles the summary's and the cancel question's buttons."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    if press.action is Action.SUBMIT:
        await _submit(update, context, press.arg)
        return
    store = deps(context).store
    draft = await store.drafts.get(user.id)
    if draft is None or (press.action is not Action.EDIT and draft.id != press.arg):
        await answer_query(query, texts.BUTTON_STALE)
        await _drop_buttons(query.message)
        return
    if press.action is Action.EDIT:
        form = FORMS[draft.kind]
        field = form.field(press.arg)
        if field is None or draft.step != CONFIRM_STEP:
            await answer_query(query, texts.BUTTON_STALE)
            return
        await answer_query(query)
        await _drop_buttons(query.message)
        draft = await store.drafts.go_to(user.id, field.key)
        await ask(context, draft, prefix=texts.EDIT_PROMPT_PREFIX.format(label=field.label))
    elif press.action is Action.CANCEL_ASK:
        await answer_query(query)
        await ask_cancel(context, draft)
    elif press.action is Action.CANCEL_YES:
        await answer_query(query)
        await _drop_buttons(query.message)
        await store.drafts.discard(user.id)
        await context.bot.send_message(
            draft.chat_id, texts.CANCELLED, reply_markup=keyboards.main_menu()
        )
    elif press.action is Action.CANCEL_NO:
        await answer_query(query, texts.CANCEL_ABORTED)
        await _drop_buttons(query.message)
        await ask(context, draft, prefix=texts.CANCEL_ABORTED)


async def ask_cancel(context: ContextTypes.DEFAULT_TYPE, draft: DraftView) -> None:
    """Asks whether to throw the draft away."""
    await context.bot.send_message(
        draft.chat_id, texts.CANCEL_CONFIRM, reply_markup=keyboards.cancel_confirm(draft.id)
    )


async def _submit(update: Update, context: ContextTypes.DEFAULT_TYPE, draft_id: str) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    d = deps(context)
    await d.redraw_settled(user.id)  # a redrawing still running (the court letter)
    try:
        result = await d.store.filing.submit(
            user.id, draft_id, new_tracking_code, claim_notice_for=d.claim_lease
        )
    except DraftNotFound:
        await answer_query(query, texts.DRAFT_GONE)
        await _drop_buttons(query.message)
        return
    except StaleStep:
        await answer_query(query, texts.BUTTON_STALE)
        current = await d.store.drafts.get(user.id)
        if current is not None:
            await ask(context, current)
        return
    except UploadUnfinished as exc:
        # Nothing filed: back to that question, every other answer kept.
        await answer_query(query)
        await _drop_buttons(query.message)
        draft = await d.store.drafts.go_to(user.id, exc.key)
        field = FORMS[draft.kind].field(exc.key)
        label = field.label if field is not None else exc.key
        await ask(context, draft, prefix=texts.ERR_FILE_NOT_READY.format(label=label))
        return
    code = tracking_code(result.request.tracking_code)
    if not result.created:
        await answer_query(query, texts.ALREADY_SUBMITTED.format(code=code))
        return
    # The tracking code is an outbox message written with the request and claimed for this
    # handler, which sends it now: a crash between filing and sending cannot lose it (the
    # outbox sender sends it once the claim runs out).
    if result.notice is not None:
        await d.deliver_claimed(result.notice)
    d.wake_outbox()  # the staff announcement, after the applicant's answer
    await answer_query(query)
    await _drop_buttons(query.message)


async def _drop_buttons(message: object) -> None:
    """Removes an inline keyboard that should not be pressed again."""
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    try:
        await message.edit_reply_markup(reply_markup=None)
    except (BadRequest, Forbidden) as exc:
        if isinstance(exc, BadRequest) and is_benign(exc):
            return
        # Bale may refuse editMessageReplyMarkup: the text edited again comes without them.
        log.info("buttons not removed (%s); editing the message instead", exc.message)
        if not message.text:
            return
        try:
            await message.edit_text(message.text, entities=message.entities)
        except (BadRequest, Forbidden) as again:
            log.info("message not edited either: %s", again.message)


async def _read_answer(field: Field, message: Message, context: ContextTypes.DEFAULT_TYPE) -> Any:
    if field.kind in (InputKind.DOCUMENT, InputKind.PHOTO):
        return await _read_upload(field, message, context)
    if field.kind is InputKind.MOBILE and message.contact is not None:
        contact = message.contact
        # A contact card of someone else is refused. Bale may send the user's own contact
        # without user_id; there such a number is taken like a typed one (their own word).
        unnamed_ok = contact.user_id is None and deps(context).platform == "bale"
        if message.from_user is None or not (
            unnamed_ok or contact.user_id == message.from_user.id
        ):
            raise Rejected(texts.EXPECT_OWN_CONTACT)
        phone = normalize_contact_phone(contact.phone_number)
        if phone is None:
            raise Rejected(texts.EXPECT_IRANIAN_MOBILE)
        return phone
    text = message.text
    if text is None:
        raise Rejected(texts.EXPECT_MOBILE if field.kind is InputKind.MOBILE else _expect(field))
    if field.optional and text.strip() == texts.BUTTON_DONT_KNOW:
        return None
    if field.kind is InputKind.CHOICE:
        choice = field.choice_by_label(text)
        if choice is None:
            raise Rejected(texts.EXPECT_CHOICE)
        return choice.value
    assert field.parse is not None
    try:
        return field.parse(text)
    except InvalidInput as exc:
        raise Rejected(exc.message) from None


def _expect(field: Field) -> str:
    return texts.EXPECT_CHOICE if field.kind is InputKind.CHOICE else texts.EXPECT_TEXT


async def _read_upload(
    field: Field, message: Message, context: ContextTypes.DEFAULT_TYPE
) -> dict[str, Any]:
    stored = await read_upload(
        message,
        context,
        photo=field.kind is InputKind.PHOTO,
        expect=texts.EXPECT_FILE.format(label=field.label),
        redraw_later=True,
    )
    return stored.as_answer()


async def read_upload(
    message: Message,
    context: ContextTypes.DEFAULT_TYPE,
    *,
    photo: bool = False,
    expect: str | None = None,
    redraw_later: bool = False,
) -> StoredUpload:
    """Check, download, clean and store the photo or document in ``message``.

    A PDF is redrawn page by page before it is stored, unless ``redraw_later``: then the
    checked original is stored, marked as still to be redrawn (``pending``), and the draft's
    owner redraws it after the reply (bot.redraw; filing waits for it).

    Raises:
        Rejected: with the Persian reason when the upload cannot be taken.
    """
    clean, media = await download_clean(
        message, context, photo=photo, expect=expect, redraw=not redraw_later
    )
    stored = await deps(context).store.files.put(clean.data, clean.extension)
    pending = redraw_later and clean.mime_type == "application/pdf"
    return StoredUpload(
        stored_path=stored.relative_path,
        sha256=stored.sha256,
        size=stored.size,
        mime_type=clean.mime_type,
        file_id=media.file_id,
        file_unique_id=media.file_unique_id,
        pending=uploads.REDRAW_PDF if pending else None,
    )


async def download_clean(
    message: Message,
    context: ContextTypes.DEFAULT_TYPE,
    *,
    photo: bool = False,
    expect: str | None = None,
    redraw: bool = True,
) -> tuple[uploads.CleanFile, Any]:
    """Check the size, download and clean the photo or document in ``message``.

    ``redraw``: a PDF comes back redrawn page by page (:func:`domain.uploads.redraw_pdf`);
    without it, checked but as sent.

    Returns the cleaned file and Telegram's PhotoSize/Document for it.

    Raises:
        Rejected: with the Persian reason when the upload cannot be taken.
    """
    if expect is None:
        expect = texts.EXPECT_PHOTO if photo else texts.EXPECT_ANSWER
    if message.photo:
        media: Any = message.photo[-1]
        declared_mime: str | None = "image/jpeg"
        file_name = None
    elif message.document is not None:
        media = message.document
        declared_mime = message.document.mime_type
        file_name = message.document.file_name
    else:
        raise Rejected(expect)
    d = deps(context)
    try:
        uploads.check_declared_size(media.file_size, d.max_upload_bytes)
        try:
            telegram_file = await media.get_file()
        except BadRequest as exc:
            if "too big" in exc.message:
                raise uploads.UploadRejected(_too_large(d.max_upload_bytes)) from None
            raise
        uploads.check_declared_size(telegram_file.file_size, d.max_upload_bytes)
        # The declared sizes may be missing or false: reading stops at the limit.
        data = await _transport(context).download(
            _encoded_url(telegram_file.file_path), d.max_upload_bytes
        )
        if data is None:
            raise uploads.UploadRejected(_too_large(d.max_upload_bytes))
        loop = asyncio.get_running_loop()
        clean = await loop.run_in_executor(
            uploads.UPLOAD_WORKER, _clean, photo, data, declared_mime, file_name
        )
        if redraw and clean.mime_type == "application/pdf":
            # Staff receive a copy redrawn page by page: nothing in it can run.
            redrawn = await loop.run_in_executor(
                uploads.REDRAW_WORKER, uploads.redraw_pdf, clean.data
            )
            clean = replace(clean, data=redrawn)
    except uploads.UploadRejected as exc:
        raise Rejected(exc.message) from None
    except TelegramError:
        log.warning("download of an upload failed", exc_info=True)
        raise Rejected(texts.FILE_DOWNLOAD_FAILED) from None
    return clean, media


@runtime_checkable
class _BoundedDownloads(Protocol):
    """A Bot API transport that downloads a file only up to a size (bot.transport's)."""

    async def download(self, url: str, limit: int) -> bytes | None: ...


def _transport(context: ContextTypes.DEFAULT_TYPE) -> _BoundedDownloads:
    request = context.bot.request
    if not isinstance(request, _BoundedDownloads):
        raise TypeError("the bot's transport cannot bound a download (bot.transport's can)")
    return request


def _encoded_url(file_path: str | None) -> str:
    """The download URL getFile gave, percent-encoded as python-telegram-bot encodes it."""
    if not file_path:
        raise TelegramError("getFile gave no file_path")
    parts = urllib.parse.urlsplit(file_path)
    return urllib.parse.urlunsplit(parts._replace(path=urllib.parse.quote(parts.path)))


def _clean(
    photo: bool, data: bytes, declared_mime: str | None, file_name: str | None
) -> uploads.CleanFile:
    if photo:
        clean = uploads.clean_image(data)
        uploads.check_portrait_photo(clean)
        return clean
    return uploads.clean_document(data, declared_mime, file_name)


def _too_large(limit: int) -> str:
    return texts.ERR_FILE_TOO_LARGE.format(limit_mb=_fa(limit // (1024 * 1024)))


def _fa(value: int) -> str:
    return to_persian_digits(value)
