"""The outbox sender: delivers what the store says is owed, at least once, politely.

Retries with backoff on network errors, Telegram 5xx and 429 (honouring retry_after); a user
who blocked the bot (403) is marked and not retried. What is owed to the staff or security group
while the bot cannot post there (the group unknown, the bot not in it or not allowed to write)
is held, never given up: the group is looked at again now and then, and the messages go out
once the bot can post there. Duplicates are bounded: a message is only sent again when the
process died between sending it and recording that it was sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from telegram import (
    Bot,
    ChatMember,
    ForceReply,
    InlineKeyboardMarkup,
    InputFile,
    ReplyKeyboardMarkup,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.issuance import Issuer
from domain import texts
from domain.deadlines import due_at
from domain.digits import to_persian_digits
from domain.forms import FORMS
from domain.jalali import format_datetime
from domain.workflow import staff_actions
from handlers import keyboards
from rendering.chat import (
    HistoryLine,
    notification,
    registry_lines,
    request_card,
    tracking_code,
)
from storage.errors import NotApproved
from storage.models import utcnow
from storage.outbox import OutboxKind
from storage.store import Store
from storage.views import AttachmentView, OutboxItem, RequestView

log = logging.getLogger(__name__)

MAX_BACKOFF = dt.timedelta(minutes=10)
NETWORK_BACKOFF = dt.timedelta(seconds=30)
MAX_ATTEMPTS = 8
# The longest wait between two looks at a group the bot cannot post in (1 s, doubling, then
# this): how soon what is held goes out once the bot is added to the group.
GROUP_RETRY = dt.timedelta(minutes=1)
# While messages are held for a group, how often the line saying so is logged again.
HOLD_REMINDER_SECONDS = 300.0
# Kinds sent only to their row's chat: a 403 there means that chat blocked the bot.
DIRECT_KINDS = frozenset(
    {OutboxKind.NOTIFY, OutboxKind.TEXT, OutboxKind.DRAFT_EXPIRED, OutboxKind.UPDATE_GIVEN_UP}
)
CARD_HISTORY = 5
# Documents filed with the request, posted under its card (answers are posted as they come).
ANNOUNCED_ATTACHMENTS = frozenset({"court_letter", "photo", "org_letter", "certificate_image"})
# Kinds owed to one applicant (their private chat), delivered in a lane of their own: a
# tracking code or a decision never waits behind staff-chat messages, which Telegram's limit
# of 20 messages a minute to a group may hold back for minutes after a burst of requests.
APPLICANT_KINDS = frozenset(
    {
        OutboxKind.NOTIFY,
        OutboxKind.NOT_AUTHENTIC,
        OutboxKind.DRAFT_EXPIRED,
        OutboxKind.TEXT,
        OutboxKind.UPDATE_GIVEN_UP,
    }
)


@dataclass(frozen=True)
class Lane:
    """Which outbox rows one delivery loop claims: those of ``kinds`` (all when None),
    except those of ``other_than``. Each lane delivers its rows one at a time, in order."""

    name: str
    kinds: frozenset[str] | None
    other_than: frozenset[str] = frozenset()


LANES = (
    Lane("applicants", APPLICANT_KINDS),
    Lane("staff", None, APPLICANT_KINDS),
)


@dataclass(frozen=True)
class Group:
    """A group the bot posts in, named as the settings name it."""

    name: str  # "staff group"
    setting: str  # "ADMIN_CHAT_ID"
    chat_id: int
    reads: bool = False  # the bot must read every message there (staff answer prompts so)

    def __str__(self) -> str:
        return f"the {self.name} {self.setting}={self.chat_id}"


@dataclass(frozen=True)
class Standing:
    """Whether the bot can work in a group, and in words what is wrong and what to do: a
    phrase that follows the group's name ("is not known to the Bot API …")."""

    outcome: Literal["ok", "warn", "fail"]  # fail: the bot cannot post there
    detail: str


async def group_standing(bot: Bot, group: Group) -> Standing:
    """Ask the Bot API about the bot in ``group`` (getChat, then getChatMember of the bot).

    Raises NetworkError (TimedOut too) or RetryAfter when the Bot API did not answer, which
    says nothing of the group. ``bot`` must be initialised (its id known).
    """
    ask = f"correct {group.setting} (send /chatid in the group to learn it)"
    try:
        await bot.get_chat(group.chat_id)
        member = await bot.get_chat_member(group.chat_id, bot.id)
    except ChatMigrated as exc:  # a group made a supergroup has a new id
        new = exc.new_chat_id
        return Standing(
            "fail", f"became a supergroup with the id {new}: set {group.setting}={new}"
        )
    except (BadRequest, Forbidden) as exc:
        reason = exc.message.replace(bot.token, "<token>")
        words = reason.lower()
        if "not found" in words or "no such" in words:  # Bale: "no such group or user"
            unknown = f"is not known to the Bot API ({reason})"
            return Standing("fail", f"{unknown}: add the bot to the group, or {ask}")
        if isinstance(exc, Forbidden):
            return Standing(
                "fail", f"refuses the bot ({reason}): add the bot to the group, or {ask}"
            )
        return Standing("fail", f"cannot be looked up ({reason}): {ask}")
    except (NetworkError, RetryAfter):
        raise
    except TelegramError as exc:
        reason = exc.message.replace(bot.token, "<token>")
        return Standing("fail", f"cannot be looked up ({reason}): {ask}")
    if member.status == ChatMember.LEFT:
        return Standing("fail", "does not have the bot as a member: add it to the group")
    if member.status == ChatMember.BANNED:
        detail = "has removed the bot (kicked): unban it, then add it to the group again"
        return Standing("fail", detail)
    if member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER):
        return Standing("ok", "has the bot as an administrator")
    if getattr(member, "can_send_messages", True) is False:
        detail = "does not let the bot send messages: allow it, or make the bot an administrator"
        return Standing("fail", detail)
    if group.reads:
        # A plain member reads only commands and replies where privacy mode is on; staff
        # answer prompts with plain messages (README: "Staff on Bale").
        detail = (
            "has the bot as a plain member: make it an administrator so it reads every"
            " message (staff answer prompts with plain messages)"
        )
        return Standing("warn", detail)
    return Standing("ok", "has the bot as a member")


@dataclass
class _Hold:
    """Messages kept back for a group the bot cannot post in, and when to look at it again."""

    detail: str
    next_look: float  # time.monotonic()
    told_at: float
    looks: int = 0
    held: set[int] = field(default_factory=set)  # outbox ids


class OutboxSender:
    """Claims due outbox rows and sends them; woken at once when new rows are written."""

    def __init__(
        self,
        bot: Bot,
        store: Store,
        *,
        admin_chat_id: int,
        draft_ttl_days: float,
        poll_seconds: float = 2.0,
        lease: dt.timedelta = dt.timedelta(seconds=60),
        issuer: Issuer | None = None,
        security_chat_id: int | None = None,
        group_retry: dt.timedelta = GROUP_RETRY,
    ) -> None:
        self._bot = bot
        self._store = store
        self._admin_chat_id = admin_chat_id
        self._draft_ttl_days = draft_ttl_days
        self._poll_seconds = poll_seconds
        self._lease = lease
        self._issuer = issuer
        self._security_chat_id = security_chat_id
        self._staff = Group("staff group", "ADMIN_CHAT_ID", admin_chat_id, reads=True)
        self._security = (
            None
            if security_chat_id is None
            else Group("security group", "SECURITY_CHAT_ID", security_chat_id)
        )
        self._group_retry = group_retry.total_seconds()
        self._holds: dict[int, _Hold] = {}  # by chat id
        self._wakes = {lane.name: asyncio.Event() for lane in LANES}
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._handlers: dict[str, Callable[[OutboxItem], Awaitable[None]]] = {
            OutboxKind.ANNOUNCE_REQUEST: self._announce_request,
            OutboxKind.CARD: self._refresh_card,
            OutboxKind.NOTIFY: self._notify,
            OutboxKind.ANSWER_POSTED: self._answer_posted,
            OutboxKind.SECURITY_REPORT: self._security_report,
            OutboxKind.DIGEST: self._digest,
            OutboxKind.ISSUE: self._issue,
            OutboxKind.CENTRE_LETTER: self._centre_letter,
            OutboxKind.NOT_AUTHENTIC: self._not_authentic,
            OutboxKind.DRAFT_EXPIRED: self._draft_expired,
            OutboxKind.TEXT: self._text,
            OutboxKind.UPDATE_GIVEN_UP: self._update_given_up,
            OutboxKind.CARD_SUPERSEDED: self._card_superseded,
        }

    @property
    def groups(self) -> tuple[Group, ...]:
        """The groups the bot posts in: the staff group, and the security group if set."""
        return (self._staff,) if self._security is None else (self._staff, self._security)

    async def check_groups(self) -> None:
        """Look at every group once (at start): one line for each that is not as it should
        be, saying what to do; what is owed to a group the bot cannot post in is held."""
        for group in self.groups:
            try:
                standing = await group_standing(self._bot, group)
            except (NetworkError, RetryAfter) as exc:  # no answer: its first message will tell
                reason = type(exc).__name__
                log.warning(
                    "%s not checked at start: the Bot API did not answer (%s)", group, reason
                )
                continue
            if standing.outcome == "fail":
                self._start_hold(group, standing.detail)
            elif standing.outcome == "warn":
                log.warning("%s %s", group, standing.detail)

    def wake(self) -> None:
        """Look at the outbox now rather than at the next poll."""
        for event in self._wakes.values():
            event.set()

    def start(self) -> None:
        """Run the sender loops (one per lane) in the background."""
        self._stopping = False
        self._tasks = [
            asyncio.create_task(self._run(lane), name=f"outbox-sender-{lane.name}")
            for lane in LANES
        ]

    async def stop(self) -> None:
        """Finish the messages in hand, then stop."""
        self._stopping = True
        self.wake()
        if self._tasks:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(*self._tasks, return_exceptions=True), timeout=30
                )
            self._tasks = []

    async def _run(self, lane: Lane) -> None:
        wake = self._wakes[lane.name]
        while not self._stopping:
            try:
                sent = await self.deliver_due(lane=lane)
            except Exception:
                log.exception("outbox pass failed (%s)", lane.name)
                sent = 0
            if sent:
                continue
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=self._poll_seconds)

    async def deliver_due(self, limit: int = 1, lane: Lane | None = None) -> int:
        """Send due messages (of ``lane``, or of any kind); returns how many were claimed.

        One at a time by default: a claim's lease must not run out while the rate limiter
        holds it back, or another instance would send it too.
        """
        items = await self._store.outbox.claim_due(
            limit=limit,
            lease=self._lease,
            kinds=lane.kinds if lane else None,
            other_than=lane.other_than if lane else (),
        )
        for item in items:
            if self._stopping:
                break
            await self._deliver(item)
        return len(items)

    async def deliver_claimed(self, item: OutboxItem) -> None:
        """Send a message its writer claimed (storage.outbox.enqueue's ``claim_for``) now,
        settling it as any delivery: sent, retried later, or given up."""
        await self._deliver(item)

    async def _deliver(self, item: OutboxItem) -> None:
        outbox = self._store.outbox
        handler = self._handlers.get(item.kind)
        if handler is None:
            await outbox.mark_failed(item.id, f"unknown outbox kind {item.kind}")
            return
        groups: tuple[Group, ...] = ()
        try:
            groups = await self._groups_of(item)
            for group in groups:
                hold = await self._still_held(group, item)
                if hold is not None:
                    await self._defer(item, group, hold)
                    return
            await handler(item)
        except RetryAfter as exc:
            delay = exc.retry_after
            seconds = delay.total_seconds() if isinstance(delay, dt.timedelta) else float(delay)
            await outbox.retry_later(item.id, dt.timedelta(seconds=seconds + 1), "429")
        except Forbidden as exc:
            if await self._held_after_refusal(item, groups, exc):
                return
            # Blocked by the user: retrying cannot help.
            log.info("outbox item %s undeliverable: %s", item.id, exc.message)
            await outbox.mark_failed(item.id, f"403 {exc.message}")
            # A person's chat, not a group (Bale's group ids are positive too).
            staff_chats = (self._admin_chat_id, self._security_chat_id)
            if item.kind in DIRECT_KINDS and item.chat_id not in staff_chats:
                await outbox.give_up_on_chat(item.chat_id, f"403 {exc.message}")
        except (BadRequest, ChatMigrated) as exc:  # migrated: the group has a new id
            if await self._held_after_refusal(item, groups, exc):
                return
            log.error("outbox item %s refused: %s", item.id, exc.message)
            await outbox.mark_failed(item.id, f"400 {exc.message}")
        except (TimedOut, NetworkError) as exc:
            # The Bot API out of reach: tried again soon, so that what is owed goes out within
            # half a minute of the network's return, however long it was away.
            delay = min(_backoff(item.attempts), NETWORK_BACKOFF)
            reason, seconds = type(exc).__name__, delay.total_seconds()
            log.warning(
                "outbox item %s not sent (%s); retrying in %.0f s", item.id, reason, seconds
            )
            await outbox.retry_later(item.id, delay, type(exc).__name__)
        except Exception as exc:
            # A bug or an unexpected answer must not block the rest of the outbox forever.
            log.exception("outbox item %s (%s) failed", item.id, item.kind)
            if item.attempts >= MAX_ATTEMPTS:
                await outbox.mark_failed(item.id, f"{type(exc).__name__}: {exc}")
            else:
                await outbox.retry_later(item.id, _backoff(item.attempts), type(exc).__name__)
        else:
            await outbox.mark_sent(item.id)

    async def _groups_of(self, item: OutboxItem) -> tuple[Group, ...]:
        """The groups a message is posted in: each must take it before it is sent."""
        if item.kind in (OutboxKind.SECURITY_REPORT, OutboxKind.NOT_AUTHENTIC):
            return () if self._security is None else (self._security,)
        if item.kind == OutboxKind.ISSUE:
            # bot.issuance posts the staff copy, and an inquiry's answer to the security unit.
            request = await self._store.requests.get(int(item.payload["request_id"]))
            if self._security is not None and request.kind == "inquiry":
                return (self._staff, self._security)
            return (self._staff,)
        chat_id = item.chat_id or self._admin_chat_id
        return tuple(group for group in self.groups if group.chat_id == chat_id)

    async def _still_held(self, group: Group, item: OutboxItem) -> _Hold | None:
        """The group's hold if messages for it must still wait: it is looked at again (getChat,
        getChatMember) once its time has come, and released when the bot can post there."""
        hold = self._holds.get(group.chat_id)
        if hold is None:
            return None
        hold.held.add(item.id)
        now = time.monotonic()
        if now < hold.next_look:
            return hold
        hold.looks += 1
        hold.next_look = now + self._look_delay(hold.looks)  # the other lane waits meanwhile
        standing = await group_standing(self._bot, group)
        if standing.outcome != "fail":
            if self._holds.pop(group.chat_id, None) is not None:
                count = len(hold.held)
                log.info(
                    "%s can be posted in again: sending the %d message(s) held for it",
                    group,
                    count,
                )
            return None
        hold.detail = standing.detail
        if now - hold.told_at >= HOLD_REMINDER_SECONDS:
            hold.told_at = now
            count = len(hold.held)
            log.warning("still holding %d message(s) for %s, which %s", count, group, hold.detail)
        return hold

    async def _held_after_refusal(
        self, item: OutboxItem, groups: tuple[Group, ...], exc: TelegramError
    ) -> bool:
        """Hold ``item`` if the refusal came from a group the bot cannot post in (the groups
        are looked at to tell): True when it was held or kept for a later try."""
        for group in groups:
            try:
                standing = await group_standing(self._bot, group)
            except (NetworkError, RetryAfter) as failure:
                # Which chat refused cannot be told now: kept, and tried again soon.
                error = f"{exc.message}; looking at {group}: {type(failure).__name__}"
                await self._store.outbox.retry_later(item.id, NETWORK_BACKOFF, error)
                return True
            if standing.outcome == "fail":
                await self._defer(item, group, self._start_hold(group, standing.detail))
                return True
        return False

    def _start_hold(self, group: Group, detail: str) -> _Hold:
        """Hold what is owed to ``group`` from now on, saying so once."""
        hold = self._holds.get(group.chat_id)
        if hold is None:
            now = time.monotonic()
            hold = _Hold(detail, next_look=now + self._look_delay(0), told_at=now)
            self._holds[group.chat_id] = hold
            log.warning(
                "%s %s; what the bot owes it is held until the bot can post there", group, detail
            )
        return hold

    async def _defer(self, item: OutboxItem, group: Group, hold: _Hold) -> None:
        """Keep ``item`` until its group is looked at again."""
        hold.held.add(item.id)
        wait = dt.timedelta(seconds=max(hold.next_look - time.monotonic(), 0.0))
        await self._store.outbox.retry_later(item.id, wait, f"held: {group} {hold.detail}")

    def _look_delay(self, looks: int) -> float:
        return min(2.0 ** min(looks, 10), self._group_retry)

    async def _announce_request(self, item: OutboxItem) -> None:
        request = await self._store.requests.get(int(item.payload["request_id"]))
        chat_id = item.chat_id or self._admin_chat_id
        if request.admin_message_id is None:
            text, markup = await self.card(request)
            card = await self._bot.send_message(chat_id, text, reply_markup=markup)
            if not await self._store.outbox.record_card(request.id, chat_id, card.message_id):
                # Another sender took this over while the send stalled and its card was
                # recorded first: it posts the documents; this card is told it is superseded.
                self.wake()
                return
            card_id = card.message_id
        else:
            card_id = request.admin_message_id
        done = set(item.payload.get("sent_attachments", []))
        for attachment in request.attachments:
            if attachment.kind in ANNOUNCED_ATTACHMENTS and attachment.id not in done:
                await self._send_attachment(chat_id, card_id, request, attachment)
                done.add(attachment.id)
                # A retry after a crash re-sends only what did not go out.
                await self._store.outbox.note_progress(
                    item.id, {**item.payload, "sent_attachments": sorted(done)}
                )

    async def card(self, request: RequestView) -> tuple[str, InlineKeyboardMarkup | None]:
        """The staff card's text and buttons for the request as it is now."""
        # The request's own steps: refused presses (anyone can press) must not push them off.
        history = await self._store.audit.history(request.id, limit=CARD_HISTORY, done_only=True)
        lines = [
            HistoryLine(
                at=entry.at,
                actor=entry.actor_name or _actor_label(entry.actor_id, request),
                action=entry.action,
                reason=entry.reason,
            )
            for entry in history
            if entry.outcome == "done"
        ]
        text = request_card(
            kind=request.kind,
            code=request.tracking_code,
            status=request.status,
            created_at=request.created_at,
            values=request.answers(),
            due_at=request.due_at,
            classification=request.classification,
            history=lines,
            now=utcnow(),
            registry=await self._registry_lines(request),
        )
        acts = staff_actions(request.status, single_step=self._store.workflow.single_step)
        return text, keyboards.staff_card(request.id, [a.value for a in acts])

    async def _registry_lines(self, request: RequestView) -> list[str]:
        """The registry's answer for the card: what matched, and the suggested classification."""
        result = await self._store.registry.match(
            request.national_code,
            request.certificate_number,
            request.full_name,
            request.father_name,
            request.trade,
            certificate_year=request.certificate_year,
            centre=request.training_centre,
        )
        if not result.found:
            return registry_lines(None, [], None, None, None)
        best = result.matches[0]
        suggested = best.suggested
        due = (
            due_at(request.kind, suggested, request.created_at, self._store.workflow.calendar)
            if suggested is not None and request.classification is None
            else None
        )
        return registry_lines(
            result.rule.value if result.rule else None,
            best.comparisons,
            suggested.value if suggested else None,
            due,
            best.record.source,
        )

    async def _card_superseded(self, item: OutboxItem) -> None:
        """Strip a second card of the request of its buttons, pointing to the recorded one."""
        request = await self._store.requests.get(int(item.payload["request_id"]))
        try:
            await self._bot.edit_message_text(
                texts.CARD_SUPERSEDED.format(code=tracking_code(request.tracking_code)),
                chat_id=item.chat_id,
                message_id=int(item.payload["message_id"]),
                reply_markup=None,
            )
        except BadRequest as exc:
            if "not modified" not in exc.message:
                raise

    async def _refresh_card(self, item: OutboxItem) -> None:
        request = await self._store.requests.get(int(item.payload["request_id"]))
        if request.admin_message_id is None:
            return  # the announcement, still owed, will show the current state
        text, markup = await self.card(request)
        try:
            await self._bot.edit_message_text(
                text,
                chat_id=item.chat_id or self._admin_chat_id,
                message_id=request.admin_message_id,
                reply_markup=markup,
            )
        except BadRequest as exc:
            if "not modified" not in exc.message:
                raise

    async def _notify(self, item: OutboxItem) -> None:
        event = str(item.payload["event"])
        text = notification(event, str(item.payload["code"]), str(item.payload.get("text", "")))
        markup: ForceReply | ReplyKeyboardMarkup | None = None
        if event == "question":
            markup = ForceReply(selective=False)
        elif event == "received":
            markup = keyboards.main_menu()
        await self._bot.send_message(item.chat_id, text, reply_markup=markup)

    async def _answer_posted(self, item: OutboxItem) -> None:
        request = await self._store.requests.get(int(item.payload["request_id"]))
        chat_id = item.chat_id or self._admin_chat_id
        code = tracking_code(request.tracking_code)
        reply_to = request.admin_message_id
        text = str(item.payload.get("text") or "")
        if text:
            await self._bot.send_message(
                chat_id,
                texts.ANSWER_POSTED.format(code=code, text=text),
                reply_to_message_id=reply_to,
            )
        attachment_id = item.payload.get("attachment_id")
        template = (
            texts.CENTRE_ANSWER_CAPTION
            if item.payload.get("caption") == "centre"
            else texts.ANSWER_POSTED_FILE
        )
        for attachment in request.attachments:
            if attachment.id == attachment_id:
                await self._send_file(
                    chat_id,
                    attachment,
                    f"{request.tracking_code}-{attachment.kind}",
                    template.format(code=code),
                    reply_to,
                )

    async def _security_report(self, item: OutboxItem) -> None:
        # Owed to the security unit: to its group as SECURITY_CHAT_ID names it now, so that a
        # report held for a wrong id goes out once the id is corrected.
        chat_id = item.chat_id if self._security_chat_id is None else self._security_chat_id
        request = await self._store.requests.get(int(item.payload["request_id"]))
        history = await self._store.audit.history(request.id)
        actor = next(
            (e.actor_name or str(e.actor_id) for e in reversed(history) if e.action == "forge"),
            "",
        )
        report = await self._bot.send_message(
            chat_id,
            texts.SECURITY_REPORT.format(
                code=tracking_code(request.tracking_code),
                kind=texts.KIND_LABELS.get(request.kind, request.kind),
                name=request.full_name,
                national_code=to_persian_digits(request.national_code),
                actor=actor,
                note=str(item.payload.get("note", "")),
            ),
        )
        for attachment in request.attachments:
            await self._send_attachment(chat_id, report.message_id, request, attachment)

    async def _send_attachment(
        self, chat_id: int, card_id: int, request: RequestView, attachment: AttachmentView
    ) -> None:
        form = FORMS[request.kind]
        label = next(
            (f.label for f in form.fields if f.attachment_kind == attachment.kind),
            attachment.kind,
        )
        caption = texts.CARD_ATTACHMENT_CAPTION.format(
            label=label, code=tracking_code(request.tracking_code)
        )
        await self._send_file(
            chat_id, attachment, f"{request.tracking_code}-{attachment.kind}", caption, card_id
        )

    async def _send_file(
        self,
        chat_id: int,
        attachment: AttachmentView,
        stem: str,
        caption: str,
        reply_to: int | None,
    ) -> None:
        """Upload a stored (cleaned) file: staff never get the applicant's original bytes."""
        data = await self._store.files.read(attachment.stored_path)
        extension = attachment.stored_path.rsplit(".", 1)[-1]
        upload = InputFile(data, filename=f"{stem}.{extension}")
        if attachment.mime_type.startswith("image/"):
            try:
                await self._bot.send_photo(
                    chat_id, upload, caption=caption, reply_to_message_id=reply_to
                )
                return
            except BadRequest as exc:  # Telegram's photo limits (dimensions, ratio, size)
                log.info("photo refused (%s); sending it as a file", exc.message)
                upload = InputFile(data, filename=f"{stem}.{extension}")
            await self._bot.send_document(
                chat_id, upload, caption=caption, reply_to_message_id=reply_to
            )
        else:
            await self._bot.send_document(
                chat_id, upload, caption=caption, reply_to_message_id=reply_to
            )

    async def _issue(self, item: OutboxItem) -> None:
        if self._issuer is None:
            raise RuntimeError("no issuer configured")
        try:
            await self._issuer.issue(int(item.payload["request_id"]))
        except NotApproved:
            log.info("request %s no longer approved: nothing to issue", item.payload)

    async def _centre_letter(self, item: OutboxItem) -> None:
        if self._issuer is None:
            raise RuntimeError("no issuer configured")
        request = await self._store.requests.get(int(item.payload["request_id"]))
        centre = str(item.payload.get("centre") or "")
        pdf, name = await self._issuer.letter(request, "centre_inquiry", centre)
        await self._bot.send_document(
            item.chat_id or self._admin_chat_id,
            InputFile(pdf, filename=name),
            caption=texts.CENTRE_LETTER_CAPTION.format(
                centre=centre, code=tracking_code(request.tracking_code)
            ),
            reply_to_message_id=request.admin_message_id,
        )

    async def _not_authentic(self, item: OutboxItem) -> None:
        if self._issuer is None:
            raise RuntimeError("no issuer configured")
        request = await self._store.requests.get(int(item.payload["request_id"]))
        organisation = str(request.details.get("org_name") or "")
        pdf, name = await self._issuer.letter(request, "not_authentic", organisation)
        caption = texts.NOTIFY["not_authentic"].format(code=tracking_code(request.tracking_code))
        if self._security_chat_id is not None:  # the security unit's copy first
            await self._bot.send_document(
                self._security_chat_id, InputFile(pdf, filename=name), caption=caption
            )
        await self._bot.send_document(item.chat_id, InputFile(pdf, filename=name), caption=caption)

    async def _digest(self, item: OutboxItem) -> None:
        sections = []
        for title, key in ((texts.DIGEST_OVERDUE, "overdue"), (texts.DIGEST_SOON, "soon")):
            ids = [int(i) for i in item.payload.get(key, [])]
            if not ids:
                continue
            lines = [title]
            for request_id in ids:
                request = await self._store.requests.get(request_id)
                lines.append(
                    texts.DIGEST_LINE.format(
                        code=tracking_code(request.tracking_code),
                        kind=texts.KIND_LABELS.get(request.kind, request.kind),
                        status=texts.STATUS_LABELS.get(request.status, request.status),
                        due=format_datetime(request.due_at) if request.due_at else "",
                    )
                )
            sections.append("\n".join(lines))
        body = "\n\n".join(sections) if sections else texts.DIGEST_NONE
        await self._bot.send_message(
            item.chat_id or self._admin_chat_id, f"{texts.DIGEST_TITLE}\n\n{body}"
        )

    async def _draft_expired(self, item: OutboxItem) -> None:
        days = to_persian_digits(f"{self._draft_ttl_days:g}")
        await self._bot.send_message(item.chat_id, texts.DRAFT_EXPIRED.format(days=days))

    async def _text(self, item: OutboxItem) -> None:
        await self._bot.send_message(item.chat_id, str(item.payload["text"]))

    async def _update_given_up(self, item: OutboxItem) -> None:
        await self._bot.send_message(item.chat_id, texts.UPDATE_GIVEN_UP)


def _actor_label(actor_id: int, request: RequestView) -> str:
    if actor_id == request.applicant_user_id:
        return texts.CARD_APPLICANT
    return to_persian_digits(actor_id)


def _backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(seconds=2 ** min(attempts, 10)), MAX_BACKOFF)
