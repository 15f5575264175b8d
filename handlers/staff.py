"""What staff do in the admin group: press buttons on request cards, answer the bot's
prompts, manage staff, ask for statistics and the export; and the guard against other groups.

Who may act is decided in one place (storage.workflow / storage.staff roles) and the chat is
checked here: every staff action must come from ADMIN_CHAT_ID.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re

from telegram import ForceReply, InputFile, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from domain import texts
from domain.digits import to_ascii_digits, to_persian_digits
from domain.jalali import format_datetime
from domain.stats import current_and_previous_month, format_stats, month_bounds, summarize
from domain.validation import InvalidInput, parse_official_name, parse_official_title
from domain.workflow import LETTER_DRAFTED, PROMPT_ANSWER_WINDOW, Act, Role, transition
from handlers import callbacks, form_engine
from handlers.callbacks import STAFF_ACTS
from handlers.deps import HandlerList, deps
from handlers.errors import answer_query
from rendering import export
from rendering.chat import tracking_code
from storage.audit import AuditView
from storage.errors import RequestNotFound
from storage.models import utcnow
from storage.views import StoredUpload
from storage.workflow import Actor, AlreadyHandled, Denied, FourEyes, Unofficial

log = logging.getLogger(__name__)

# Foreign groups told their id (by this process), so each is told once.
TOLD_GROUPS_KEY = "told_foreign_groups"
MAX_TOLD_GROUPS = 10_000
# A message dated this much before its prompt was written before the prompt was (the platform
# dates messages to the second).
PROMPT_CLOCK_SLACK = dt.timedelta(seconds=2)
# An account id as typed after /staff (after digit conversion); at most 18 digits, so it fits
# the BIGINT columns.
USER_ID_RE = re.compile(r"-?[0-9]{1,18}")


def _actor(update: Update) -> Actor:
    user = update.effective_user
    assert user is not None
    return Actor(user.id, user.full_name)


async def on_card_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Applies a staff action pressed on a request card, or says why it was not applied."""
    query = update.callback_query
    assert query is not None
    d = deps(context)
    actor = _actor(update)
    press = callbacks.parse(query.data)
    if press is None or press.action not in STAFF_ACTS:
        await answer_query(query, texts.BUTTON_STALE)
        return
    act = Act(STAFF_ACTS[press.action])
    request_id = press.number
    chat = update.effective_chat
    if chat is None or chat.id != d.admin_chat_id:
        await d.store.workflow.deny(actor, act.value, request_id, "chat")
        await answer_query(query, texts.STAFF_DENIED, show_alert=True)
        return
    if request_id is None:
        await d.store.workflow.deny(actor, act.value, None, "malformed")
        await answer_query(query, texts.STAFF_NOT_FOUND, show_alert=True)
        return
    move = transition(act)
    if move.needs_text or move.needs_file:
        await _ask_for_text(update, context, actor, act, request_id)
        return
    await _apply(update, context, actor, act, request_id, None)


async def _ask_for_text(
    update: Update, context: ContextTypes.DEFAULT_TYPE, actor: Actor, act: Act, request_id: int
) -> None:
    query = update.callback_query
    assert query is not None
    d = deps(context)
    try:
        await d.store.workflow.authorize(actor, act, request_id)
        request = await d.store.requests.get(request_id)
    except Denied:
        await answer_query(query, texts.STAFF_DENIED, show_alert=True)
        return
    except RequestNotFound:
        await answer_query(query, texts.STAFF_NOT_FOUND, show_alert=True)
        return
    if request.status not in transition(act, single_step=d.store.workflow.single_step).sources:
        await answer_query(query, _already_text(request.status, None), show_alert=True)
        return
    question = texts.STAFF_PROMPTS[act.value].format(code=tracking_code(request.tracking_code))
    how = texts.STAFF_PROMPT_HOW.format(name=actor.name, minutes=_window_minutes())
    # A force-reply opens Telegram's reply box; Bale has none (bot.dialect drops it), and the
    # staff member's next message in the chat answers the prompt anyway (on_staff_message).
    prompt = await context.bot.send_message(
        d.admin_chat_id,
        f"{question}\n\n{how}",
        reply_markup=ForceReply(selective=False),
        reply_to_message_id=request.admin_message_id,
    )
    await d.store.workflow.open_prompt(
        chat_id=d.admin_chat_id,
        message_id=prompt.message_id,
        request_id=request_id,
        act=act,
        staff_id=actor.user_id,
    )
    await answer_query(query, texts.STAFF_PROMPT_SENT)


async def on_staff_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Takes a staff member's answer to the prompt put to them: a reason, a note or a scan.

    A reply to the prompt answers it; so does the staff member's next plain message in the
    chat (or a reply to the card) sent within PROMPT_ANSWER_WINDOW of it; a later one is told
    the prompt expired, once. Anything else (a reply to a person's message or to someone
    else's prompt, a message from someone who was not asked) is the staff's own conversation.
    """
    message = update.effective_message
    assert message is not None
    d = deps(context)
    actor = _actor(update)
    workflow = d.store.workflow
    chat_id = message.chat_id
    replied = message.reply_to_message
    to_bot = replied is not None and getattr(replied.from_user, "id", None) == context.bot.id
    if replied is not None and not to_bot:
        return  # a reply to a person's message: conversation, not an answer
    prompt = None
    if replied is not None:
        prompt = await workflow.take_prompt(
            chat_id, replied.message_id, actor.user_id, consume=False
        )
        if prompt is None and await workflow.is_prompt(chat_id, replied.message_id):
            return  # someone else's prompt, or one answered or cancelled already
    if prompt is None:  # a plain message, or a reply to the card or another bot message
        prompt = await workflow.latest_prompt(chat_id, actor.user_id)
        if prompt is None or message.date < prompt.created_at - PROMPT_CLOCK_SLACK:
            return  # nothing asked of them (or not yet when they wrote)
        if message.date - prompt.created_at > PROMPT_ANSWER_WINDOW:
            # Too late to be taken for the answer: said once, and the prompt is closed.
            if await workflow.expire_prompt(chat_id, prompt.message_id):
                request = await d.store.requests.get(prompt.request_id)
                await message.reply_text(
                    texts.STAFF_PROMPT_EXPIRED.format(
                        code=tracking_code(request.tracking_code), minutes=_window_minutes()
                    )
                )
            return
    text = (message.text or message.caption or "").strip() or None
    upload = None
    if transition(prompt.action).needs_file:
        if not (message.document or message.photo):
            await message.reply_text(texts.STAFF_PROMPT_NEEDS_FILE)
            return
        try:
            upload = await form_engine.read_upload(message, context)
        except form_engine.Rejected as rejected:
            await message.reply_text(rejected.message)
            return
    elif text is None:
        await message.reply_text(texts.STAFF_PROMPT_EMPTY)
        return
    if await workflow.take_prompt(message.chat_id, prompt.message_id, actor.user_id) is None:
        if upload is not None:
            await d.store.files.delete(upload.stored_path)
        return  # another message took it meanwhile
    await _apply(update, context, actor, prompt.action, prompt.request_id, text, upload)


def _window_minutes() -> str:
    return to_persian_digits(PROMPT_ANSWER_WINDOW.seconds // 60)


async def cancel_prompt(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Closes the prompts put to the staff member who sent /cancel in the staff chat."""
    message = update.effective_message
    assert message is not None
    codes = await deps(context).store.workflow.cancel_prompts(
        message.chat_id, _actor(update).user_id
    )
    if not codes:
        await message.reply_text(texts.STAFF_NO_OPEN_PROMPT)
        return
    await message.reply_text(
        texts.STAFF_PROMPT_CANCELLED.format(
            codes=texts.LIST_SEPARATOR.join(tracking_code(code) for code in codes)
        )
    )


async def _apply(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    actor: Actor,
    act: Act,
    request_id: int,
    text: str | None,
    upload: StoredUpload | None = None,
) -> None:
    d = deps(context)
    query = update.callback_query
    try:
        request = await d.store.workflow.apply(request_id, act, actor, text=text, upload=upload)
    except Denied:
        answer = texts.STAFF_DENIED
    except RequestNotFound:
        await d.store.workflow.deny(actor, act.value, None, "not-found")
        answer = texts.STAFF_NOT_FOUND
    except AlreadyHandled as handled:
        answer = _already_text(handled.status, handled.by)
    except FourEyes:
        answer = texts.STAFF_FOUR_EYES
    except Unofficial as unofficial:
        answer = _unofficial_text(unofficial.missing, actor.user_id)
    else:
        d.wake_outbox()
        code = tracking_code(request.tracking_code)
        if request.status in LETTER_DRAFTED:  # nothing goes out until a signer signs it
            answer = texts.STAFF_LETTER_DRAFTED[request.status].format(code=code)
        else:
            answer = texts.STAFF_ACT_DONE.format(action=texts.ACT_LABELS[act.value], code=code)
        if query is not None:
            await answer_query(query, answer)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(answer)
        return
    if query is not None:
        await answer_query(query, answer, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(answer)


def _unofficial_text(missing: tuple[str, ...], user_id: int) -> str:
    """Why a signer may not sign yet: what is not recorded, and the commands that record it."""
    return texts.STAFF_UNOFFICIAL.format(
        missing=_missing_text(missing),
        how=texts.STAFF_OFFICIAL_AND.join(
            texts.STAFF_OFFICIAL_HOW[part].format(user_id=user_id) for part in missing
        ),
    )


def _missing_text(missing: tuple[str, ...]) -> str:
    return texts.STAFF_OFFICIAL_AND.join(texts.STAFF_OFFICIAL_PARTS[part] for part in missing)


def _already_text(status: str, by: AuditView | None) -> str:
    if by is not None:
        return texts.STAFF_ALREADY_BY.format(
            action=texts.ACT_LABELS.get(by.action, by.action),
            actor=by.actor_name or to_persian_digits(by.actor_id),
            date=format_datetime(by.at),
        )
    return texts.STAFF_ALREADY.format(status=texts.STATUS_LABELS.get(status, status))


async def manage_staff(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Lists, adds, names, titles or removes staff: `/staff`, `/staff add ID ROLE [NAME…]`,
    `/staff name ID NAME…`, `/staff title ID TITLE…`, `/staff remove ID`."""
    message = update.effective_message
    assert message is not None
    d = deps(context)
    actor = _actor(update)
    roles = await d.store.staff.roles_of(actor.user_id)
    if Role.ADMIN not in roles:
        await d.store.workflow.deny(actor, "staff", None, "role")
        await message.reply_text(texts.STAFF_DENIED)
        return
    args = context.args or []
    if not args:
        await message.reply_text(await _staff_list(context))
        return
    command, rest = args[0].lower(), args[1:]
    if command not in ("add", "name", "title", "remove"):
        await message.reply_text(texts.STAFF_USAGE)
        return
    user_id = _user_id(rest[0]) if rest else None
    if user_id is None:
        await message.reply_text(texts.STAFF_BAD_ID)
        return
    if command == "remove" and len(rest) > 1:  # not "remove one role": it would take them all
        await message.reply_text(texts.STAFF_USAGE)
        return
    try:
        if command == "add":
            answer = await _add_staff(context, actor, user_id, rest[1:])
        elif command == "name":
            answer = await _name_staff(context, actor, user_id, rest[1:])
        elif command == "title":
            answer = await _title_staff(context, actor, user_id, rest[1:])
        else:
            removed = await d.store.staff.remove(user_id, by=actor.user_id)
            template = texts.STAFF_REMOVED if removed else texts.STAFF_NOT_MEMBER
            answer = template.format(user_id=user_id)
    except InvalidInput as invalid:
        answer = invalid.message
    await message.reply_text(answer)


async def _staff_list(context: ContextTypes.DEFAULT_TYPE) -> str:
    members = await deps(context).store.staff.members()
    if not members:
        return texts.STAFF_LIST_EMPTY
    lines = [texts.STAFF_LIST_TITLE]
    for member in members:
        lines.append(
            texts.STAFF_LIST_LINE.format(
                user_id=member.user_id,
                name=texts.STAFF_LIST_NAME.format(name=member.name) if member.name else "",
                roles=texts.LIST_SEPARATOR.join(
                    texts.ROLE_LABELS[r.value] for r in sorted(member.roles)
                ),
            )
        )
        if member.title:
            lines.append(texts.STAFF_LIST_TITLE_LINE.format(title=member.title))
        missing = member.official.missing
        if Role.SIGNER in member.roles and missing:
            lines.append(texts.STAFF_LIST_UNOFFICIAL.format(missing=_missing_text(missing)))
    return "\n".join(lines)


async def _add_staff(
    context: ContextTypes.DEFAULT_TYPE, actor: Actor, user_id: int, words: list[str]
) -> str:
    """`/staff add ID ROLE [NAME…]`: the role, then (optionally) the official name."""
    if not words:
        raise InvalidInput(texts.STAFF_ROLE_MISSING)
    try:
        role = Role(words[0].lower())
    except ValueError:
        raise InvalidInput(texts.STAFF_ROLE_UNKNOWN.format(role=words[0])) from None
    name = parse_official_name(" ".join(words[1:])) if words[1:] else None
    added = await deps(context).store.staff.add(user_id, role, by=actor.user_id, name=name)
    template = texts.STAFF_ADDED if added else texts.STAFF_ALREADY_HAD
    lines = [template.format(user_id=user_id, role=texts.ROLE_LABELS[role])]
    if name is not None:
        lines.append(texts.STAFF_NAME_SET.format(user_id=user_id, name=name))
    return "\n".join(lines)


async def _name_staff(
    context: ContextTypes.DEFAULT_TYPE, actor: Actor, user_id: int, words: list[str]
) -> str:
    """`/staff name ID NAME…`: record or change a staff member's official name."""
    name = parse_official_name(" ".join(words))
    if not await deps(context).store.staff.rename(user_id, name, by=actor.user_id):
        return texts.STAFF_NAME_NOT_MEMBER.format(user_id=user_id)
    return texts.STAFF_NAME_SET.format(user_id=user_id, name=name)


async def _title_staff(
    context: ContextTypes.DEFAULT_TYPE, actor: Actor, user_id: int, words: list[str]
) -> str:
    """`/staff title ID TITLE…`: record or change a staff member's official title."""
    title = parse_official_title(" ".join(words))
    if not await deps(context).store.staff.retitle(user_id, title, by=actor.user_id):
        return texts.STAFF_NAME_NOT_MEMBER.format(user_id=user_id)
    return texts.STAFF_TITLE_SET.format(user_id=user_id, title=title)


def _user_id(word: str) -> int | None:
    """A numeric account id typed in any digits; None when ``word`` is not one."""
    digits = to_ascii_digits(word)
    return int(digits) if USER_ID_RE.fullmatch(digits) else None


async def _require_staff(update: Update, context: ContextTypes.DEFAULT_TYPE, what: str) -> bool:
    d = deps(context)
    actor = _actor(update)
    if await d.store.staff.roles_of(actor.user_id):
        return True
    await d.store.workflow.deny(actor, what, None, "role")
    if update.effective_message is not None:
        await update.effective_message.reply_text(texts.STAFF_DENIED)
    return False


async def show_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Sends this month's and last month's figures."""
    if not await _require_staff(update, context, "stats"):
        return
    message = update.effective_message
    assert message is not None
    facts = await deps(context).store.requests.facts()
    this_month, last_month = current_and_previous_month(utcnow())
    parts = []
    for title, (year, month) in (
        (texts.STATS_THIS_MONTH, this_month),
        (texts.STATS_LAST_MONTH, last_month),
    ):
        start, end = month_bounds(year, month)
        label = to_persian_digits(f"{year}/{month:02d}")
        parts.append(format_stats(title.format(month=label), summarize(facts, start, end)))
    await message.reply_text("\n\n".join(parts))


async def send_export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Sends every request as a CSV file."""
    if not await _require_staff(update, context, "export"):
        return
    message = update.effective_message
    assert message is not None
    store = deps(context).store
    chunks = [export.header("csv")]
    async for request in store.requests.iterate_all():
        chunks.append(export.line(request.record(), "csv"))
    content, count = "".join(chunks), len(chunks) - 1
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    await message.reply_document(
        InputFile(io.BytesIO(content.encode("utf-8-sig")), filename=f"requests-{stamp}.csv"),
        caption=texts.EXPORT_CAPTION.format(count=to_persian_digits(count)),
    )


async def leave_foreign_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Leaves any group that is neither the staff chat nor the security chat, first telling
    it its id (what ADMIN_CHAT_ID or SECURITY_CHAT_ID must be set to, if it is ours)."""
    chat = update.effective_chat
    if chat is None or chat.type == "private":
        return
    d = deps(context)
    if chat.id in d.allowed_groups:
        return
    member = update.my_chat_member
    if member is not None and member.new_chat_member.status in ("left", "kicked"):
        return
    log.warning("leaving a group that is not ours (%s)", chat.id)
    told: set[int] = context.bot_data.setdefault(TOLD_GROUPS_KEY, set())
    if chat.id not in told and len(told) < MAX_TOLD_GROUPS:
        told.add(chat.id)  # once: if leaving fails, its every message must not be answered
        try:
            await context.bot.send_message(chat.id, texts.FOREIGN_GROUP.format(chat_id=chat.id))
        except (Forbidden, BadRequest) as exc:  # may not post there, or gone already
            log.info("could not tell group %s its id: %s", chat.id, exc.message)
    try:
        await context.bot.leave_chat(chat.id)
    except (Forbidden, BadRequest) as exc:  # gone already (this group's next update, say)
        log.info("could not leave group %s: %s", chat.id, exc.message)
    raise ApplicationHandlerStop


async def show_chat_id(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tells a group which of the bot's groups it is, with its id, and a person their account
    id, which an admin gives roles to (``/chatid``)."""
    message = update.effective_message
    assert message is not None
    if message.chat.type == "private":
        await message.reply_text(texts.ACCOUNT_ID.format(user_id=_actor(update).user_id))
        return
    d = deps(context)
    if message.chat_id == d.admin_chat_id:
        answer = texts.GROUP_ID_STAFF
    elif message.chat_id in d.allowed_groups:
        answer = texts.GROUP_ID_SECURITY
    else:
        answer = texts.FOREIGN_GROUP
    await message.reply_text(answer.format(chat_id=message.chat_id))


def build_handlers(
    admin_chat_id: int,
) -> HandlerList:
    """The staff handlers, in the order they must be tried."""
    admin_chat = filters.Chat(admin_chat_id)
    return [
        CallbackQueryHandler(on_card_button, pattern=callbacks.STAFF_PATTERN),
        CommandHandler("staff", manage_staff, filters=admin_chat),
        CommandHandler("stats", show_stats, filters=admin_chat),
        CommandHandler("export", send_export, filters=admin_chat),
        CommandHandler("cancel", cancel_prompt, filters=admin_chat),
        CommandHandler("chatid", show_chat_id),
        MessageHandler(
            # A command is never an answer, even one the platform did not mark as one.
            admin_chat
            & filters.UpdateType.MESSAGE
            & ~filters.COMMAND
            & ~filters.Regex(r"^/")
            & ~filters.StatusUpdate.ALL,
            on_staff_message,
        ),
    ]


def build_guards() -> HandlerList:
    """Handlers that run before all others: leave groups that are not ours."""
    groups = filters.ChatType.GROUPS
    return [
        ChatMemberHandler(leave_foreign_group, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(groups, leave_foreign_group),
    ]
