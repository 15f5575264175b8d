"""What applicants do in their private chat: the menu, help, status, cancel and the forms."""

from __future__ import annotations

import logging
import re

from telegram import BotCommand, Message, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from domain import texts
from domain.digits import parse_id
from domain.tracking import parse_tracking_code
from domain.workflow import OPEN
from handlers import callbacks, form_engine, keyboards, verify
from handlers.callbacks import Action
from handlers.deps import HandlerList, deps
from handlers.errors import answer_query
from rendering.chat import status_detail, status_line, tracking_code
from storage.errors import RequestNotFound
from storage.views import RequestView
from storage.workflow import Actor, AlreadyHandled

log = logging.getLogger(__name__)

COMMANDS = (
    BotCommand("start", texts.COMMAND_START),
    BotCommand("status", texts.COMMAND_STATUS),
    BotCommand("cancel", texts.COMMAND_CANCEL),
    BotCommand("help", texts.COMMAND_HELP),
)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greets the user and shows the menu; an unfinished draft is offered again."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    args = context.args or []
    if args and args[0].startswith(verify.REFERENCE_PREFIX):
        await verify.verify_reference(update, context, args[0])
        return
    name = user.first_name or texts.WELCOME_NO_NAME
    await context.bot.send_message(
        chat.id, texts.WELCOME.format(name=name), reply_markup=keyboards.main_menu()
    )
    draft = await deps(context).store.drafts.get(user.id)
    if draft is not None:
        await form_engine.ask(context, draft, prefix=texts.DRAFT_RESUMED)


async def show_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explains the service, the documents needed and the promised durations."""
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(chat.id, texts.HELP)


async def request_duplicate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Starts or resumes a duplicate-confirmation request."""
    await form_engine.start_form(update, context, "duplicate")


async def request_inquiry(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Starts or resumes an organisation's authenticity inquiry."""
    await form_engine.start_form(update, context, "inquiry")


async def show_status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Lists the user's requests, or shows one by its tracking code."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    store = deps(context).store
    args = context.args or []
    if args:
        code = parse_tracking_code(" ".join(args))
        found = await store.requests.find_for_user(user.id, code) if code else None
        if found is None:
            await context.bot.send_message(chat.id, texts.STATUS_NOT_FOUND)
            return
        open_now = found.status in {s.value for s in OPEN}
        await context.bot.send_message(
            chat.id,
            status_detail(
                found.tracking_code, found.kind, found.status, found.created_at, found.updated_at
            ),
            reply_markup=keyboards.withdraw(found.id) if open_now else None,
        )
        return
    requests = await store.requests.list_for_user(user.id)
    if not requests:
        await context.bot.send_message(chat.id, texts.STATUS_NONE)
        return
    lines = [texts.STATUS_LIST_TITLE]
    lines += [status_line(r.tracking_code, r.kind, r.status, r.created_at) for r in requests]
    lines += ["", texts.STATUS_LIST_HINT]
    await context.bot.send_message(chat.id, "\n".join(lines))


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Asks to confirm leaving the conversation in progress."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    draft = await deps(context).store.drafts.get(user.id)
    if draft is None:
        await context.bot.send_message(
            chat.id, texts.NOTHING_TO_CANCEL, reply_markup=keyboards.main_menu()
        )
        return
    await form_engine.ask_cancel(context, draft)


async def on_private_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Routes any other private message: an answer to staff, the draft's question, or the menu."""
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    assert user is not None and chat is not None and message is not None
    store = deps(context).store
    draft = await store.drafts.get(user.id)
    if draft is None or _replies_to_bot(message):
        # Only then can it be an answer to a staff question (spares a query per answer).
        code = _code_replied_to(message)
        waiting = await store.workflow.waiting_for(user.id, code)
        if waiting is None and code is not None:
            waiting = await store.workflow.waiting_for(user.id)
        if waiting is not None:
            await answer_staff(update, context, waiting)
            return
    if draft is None:
        if message.photo or message.document:
            await verify.verify_scan(update, context)
            return
        await context.bot.send_message(chat.id, texts.USE_MENU, reply_markup=keyboards.main_menu())
        return
    await form_engine.receive(update, context, draft)


def _code_replied_to(message: Message) -> str | None:
    """The tracking code in the bot's message this one replies to (a staff question)."""
    reply = message.reply_to_message
    if reply is None or not reply.text:
        return None
    for word in reply.text.split():
        code = parse_tracking_code(word)
        if code is not None:
            return code
    return None


def _replies_to_bot(message: Message) -> bool:
    reply = message.reply_to_message
    return reply is not None and reply.from_user is not None and reply.from_user.is_bot


async def answer_staff(
    update: Update, context: ContextTypes.DEFAULT_TYPE, request: RequestView
) -> None:
    """Takes the applicant's text or document as the answer to the staff's question."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    d = deps(context)
    text = (message.text or message.caption or "").strip() or None
    upload = None
    try:
        if message.photo or message.document:
            upload = await form_engine.read_upload(message, context)
        elif text is None:
            raise form_engine.Rejected(texts.EXPECT_ANSWER)
        await d.store.workflow.answer(
            request.id, Actor(user.id, user.full_name), text=text, upload=upload
        )
    except form_engine.Rejected as rejected:
        await message.reply_text(rejected.message)
        return
    except AlreadyHandled:
        if upload is not None:
            await d.store.files.delete(upload.stored_path)
        late = texts.ALBUM_ONE_FILE if message.media_group_id else texts.ANSWER_TOO_LATE
        await message.reply_text(late, reply_markup=keyboards.main_menu())
        return
    d.wake_outbox()
    await message.reply_text(
        texts.ANSWER_RECEIVED.format(code=tracking_code(request.tracking_code)),
        reply_markup=keyboards.main_menu(),
    )


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Dispatches a private-chat button press by its parsed action."""
    query = update.callback_query
    assert query is not None
    press = callbacks.parse(query.data)
    if press is None or press.action not in callbacks.APPLICANT_ACTIONS:
        await answer_query(query, texts.BUTTON_STALE)
        return
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        # An applicant's button acts only in the presser's own private chat: pressed on a
        # staff card (forged) or anywhere else, it changes nothing and is audited.
        user = update.effective_user
        assert user is not None
        await deps(context).store.workflow.deny(
            Actor(user.id, user.full_name), press.action.value, None, "chat"
        )
        await answer_query(query, texts.BUTTON_STALE)
        return
    if press.action in (Action.WITHDRAW_ASK, Action.WITHDRAW_YES):
        await withdraw(update, context, press.action, press.arg)
        return
    await form_engine.on_button(update, context, press)


async def withdraw(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action, arg: str
) -> None:
    """Asks, then withdraws the user's own open request."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    store = deps(context).store
    request_id = parse_id(arg) or -1
    if action is Action.WITHDRAW_ASK:
        mine = await store.requests.owned_by(user.id, request_id)
        if mine is None:
            await answer_query(query, texts.STATUS_NOT_FOUND)
            return
        await answer_query(query)
        await context.bot.send_message(
            mine.applicant_chat_id,
            texts.WITHDRAW_CONFIRM.format(code=tracking_code(mine.tracking_code)),
            reply_markup=keyboards.withdraw(request_id, confirm=True),
        )
        return
    try:
        await store.workflow.withdraw(request_id, Actor(user.id, user.full_name))
    except RequestNotFound:
        await answer_query(query, texts.STATUS_NOT_FOUND)
        return
    except AlreadyHandled:
        await answer_query(query, texts.BUTTON_STALE)
        return
    deps(context).wake_outbox()
    await answer_query(query)


async def on_unknown_button(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a button press that no handler knows, so the client stops spinning."""
    if update.callback_query is not None:
        await answer_query(update.callback_query, texts.BUTTON_STALE)


def _exact(*labels: str) -> filters.BaseFilter:
    return filters.Regex("^(?:" + "|".join(re.escape(label) for label in labels) + ")$")


def build_handlers() -> HandlerList:
    """The applicant's handlers, in the order they must be tried."""
    # Edited messages are not new answers: only fresh messages count.
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [
        CommandHandler("start", start, filters=private),
        CommandHandler("help", show_help, filters=private),
        CommandHandler("status", show_status, filters=private),
        CommandHandler("cancel", cancel, filters=private),
        MessageHandler(private & _exact(texts.MENU_HELP), show_help),
        MessageHandler(private & _exact(texts.MENU_STATUS), show_status),
        MessageHandler(private & _exact(texts.MENU_DUPLICATE), request_duplicate),
        MessageHandler(private & _exact(texts.MENU_INQUIRY), request_inquiry),
        MessageHandler(private & _exact(texts.BUTTON_CANCEL), cancel),
        CallbackQueryHandler(on_button, pattern=callbacks.FORM_PATTERN),
        MessageHandler(private & ~filters.COMMAND, on_private_message),
        # Any other button (forged, or from an older version of the bot) gets an answer too.
        CallbackQueryHandler(on_unknown_button),
    ]
