"""The one place that wires the application: settings, store, handlers, sender and intake."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.delivery import GROUP_RETRY, OutboxSender
from bot.dialect import DIALECTS
from bot.intake import Poller, UpdateIntake
from bot.issuance import Issuer, IssuerSettings
from bot.redraw import BackgroundRedraw
from bot.settings import Settings
from bot.transport import AiohttpRequest, GroupRateLimiter
from bot.web import RateLimits, VerifyServer, add_webhook
from domain.jalali import TEHRAN
from domain.uploads import MAX_UPLOAD_BYTES
from handlers import applicant, staff
from handlers.deps import DEPS_KEY, Deps
from handlers.errors import on_error
from storage.models import utcnow

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

DRAFT_SWEEP_INTERVAL = dt.timedelta(hours=1)
INBOX_KEEP = dt.timedelta(days=2)
# Waits between attempts to reach an unreachable Bot API at start: 1 s, doubling, at most 30 s.
CONNECT_RETRY_FIRST = 1.0
CONNECT_RETRY_MAX = 30.0


class StartAbandoned(Exception):
    """The bot was told to stop while it was still waiting for the Bot API at start."""


def transport(settings: Settings, pool_size: int) -> AiohttpRequest:
    """A connection to the platform's Bot API, speaking its dialect (bot/dialect.py)."""
    return AiohttpRequest(
        connection_pool_size=pool_size,
        dialect=DIALECTS[settings.bot_platform],
        proxy_url=settings.proxy_url,
    )


def build_application(
    settings: Settings, updates_request: AiohttpRequest | None = None
) -> AnyApplication:
    """The python-telegram-bot Application with every handler registered, in order.

    ``updates_request``: the connection getUpdates goes through (bot.intake.Poller's).
    """
    application = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.api_url)
        .base_file_url(settings.file_url)
        .updater(None)  # updates come through bot.intake, which writes them down first
        .request(transport(settings, settings.max_concurrent_updates))
        .get_updates_request(updates_request or transport(settings, 2))
        .rate_limiter(
            GroupRateLimiter(
                settings.allowed_groups,
                overall_max_rate=settings.overall_messages_per_second,
                group_max_rate=settings.group_messages_per_minute,
                group_time_period=settings.group_rate_period_seconds,
                max_retries=3,
            )
        )
        .build()
    )

    # 0. Guards, before everything: leave groups that are neither the staff nor security chat.
    for handler in staff.build_guards():
        application.add_handler(handler, group=-1)

    # 1. Staff in the admin group: card buttons, answers to prompts, /staff, /stats, /export,
    #    /cancel; /chatid in any chat.
    for handler in staff.build_handlers(settings.admin_chat_id):
        application.add_handler(handler)

    # 2. Applicants in private chats: menu, help, status, cancel, the forms, answers to staff.
    for handler in applicant.build_handlers():
        application.add_handler(handler)

    # 3. Anything that fails ends in one place.
    application.add_error_handler(on_error)
    return application


class BotRuntime:
    """One running bot: the application, its store, the outbox sender and the intake."""

    def __init__(self, settings: Settings, *, group_retry: dt.timedelta = GROUP_RETRY) -> None:
        """``group_retry``: the longest wait between two looks at a group the bot cannot post
        in, while the outbox holds what is owed to it (bot.delivery)."""
        self.settings = settings
        self.store = settings.open_store(
            calendar=settings.calendar,
            single_step_approval=settings.single_step_approval,
            security_chat_id=settings.security_chat_id,
        )
        self.redraws = BackgroundRedraw(self.store.redraw)
        updates_request = self._updates_request = transport(settings, 2)
        self.application = build_application(settings, updates_request)
        self.issuer = Issuer(
            self.application.bot,
            self.store,
            IssuerSettings(
                office_name=settings.office_name,
                signer_title=settings.signer_title,
                verify_base_url=settings.verify_base_url,
                platform=settings.bot_platform,
                admin_chat_id=settings.admin_chat_id,
                security_chat_id=settings.security_chat_id,
                letterhead=settings.letterhead,
            ),
        )
        self.sender = OutboxSender(
            self.application.bot,
            self.store,
            admin_chat_id=settings.admin_chat_id,
            draft_ttl_days=settings.draft_ttl_days,
            poll_seconds=settings.outbox_poll_seconds,
            lease=settings.claim_lease,
            issuer=self.issuer,
            security_chat_id=settings.security_chat_id,
            group_retry=group_retry,
        )
        self.intake = UpdateIntake(
            self.application,
            self.store.inbox,
            max_concurrent=settings.max_concurrent_updates,
            dialect=DIALECTS[settings.bot_platform],
        )
        self.poller = Poller(
            self.application, self.intake, updates_request, timeout=settings.poll_timeout
        )
        self.web = VerifyServer(
            self.store.verification,
            office_name=settings.office_name,
            limits=RateLimits(
                verify_per_minute=settings.verify_per_minute,
                check_per_minute=settings.verify_check_per_minute,
            ),
            trust_proxy=settings.verify_trust_proxy,
            header_timeout=settings.verify_header_timeout,
            body_timeout=settings.verify_body_timeout,
        )
        self.webhook_route: str | None = None
        self._abandon = asyncio.Event()
        if settings.bot_mode == "webhook":
            assert settings.webhook_secret is not None  # checked by the settings
            self.webhook_route = add_webhook(
                self.web.app,
                settings.webhook_path,
                settings.webhook_secret.get_secret_value(),
                self.intake.accept,
                secret_in_path=settings.bot_platform == "bale",
            )
        self.application.bot_data[DEPS_KEY] = Deps(
            store=self.store,
            admin_chat_id=settings.admin_chat_id,
            max_upload_bytes=MAX_UPLOAD_BYTES,
            draft_ttl_days=settings.draft_ttl_days,
            wake_outbox=self.sender.wake,
            deliver_claimed=self.sender.deliver_claimed,
            claim_lease=settings.claim_lease,
            redraw_later=self.redraws.later,
            redraw_settled=self.redraws.settled,
            allowed_groups=settings.allowed_groups,
            platform=settings.bot_platform,
        )

    async def start(self) -> None:
        """Migrate, connect, register commands, and start receiving and sending."""
        self.settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        await self.store.migrate()
        await self.store.staff.seed(self.settings.staff_roles)
        await self.store.keys.current()  # generated (with a warning) on first start
        # getMe, through the proxy if there is one; an InvalidToken is not retried.
        await self._until_reachable("getMe", self.application.initialize)
        await self._register_commands()
        # The staff and security groups: one line for each the bot cannot work in, saying
        # what to do; the bot starts anyway and holds what it owes such a group.
        await self.sender.check_groups()
        await self.application.start()
        job_queue = self.application.job_queue
        if job_queue is not None:
            job_queue.run_repeating(self._sweep_drafts, DRAFT_SWEEP_INTERVAL, first=5)
            job_queue.run_daily(
                self._digest, self.settings.digest_time.replace(tzinfo=TEHRAN), name="digest"
            )
            # An update or message claimed by an instance that died is taken over by another
            # once its claim is older than CLAIM_LEASE_SECONDS.
            every = self.settings.claim_lease / 2
            job_queue.run_repeating(self._adopt, every, first=every)
        await self.web.start(self.settings.verify_host, self.settings.verify_port)
        self.sender.start()
        # A digest due while the bot was down is sent now, once.
        if await self.store.workflow.queue_missed_digest(utcnow(), self.settings.digest_time):
            log.info("sent the digest missed while the bot was down")
            self.sender.wake()
        # One SQLite process owns everything it left unhandled; on a shared PostgreSQL another
        # instance may still be handling its own, so only stale claims are taken over.
        single = self.store.engine.dialect.name == "sqlite"
        await self.intake.recover(lease=dt.timedelta(0) if single else self.settings.claim_lease)
        if self.settings.bot_mode == "webhook":
            await self._until_reachable("setWebhook", self._set_webhook)
        else:
            self.poller.start()
        via = f", through {self.settings.proxy_label}" if self.settings.proxy_label else ""
        log.info("bot started (%s, %s%s)", self.settings.bot_platform, self.settings.bot_mode, via)

    def abandon_start(self) -> None:
        """Stop waiting for an unreachable Bot API: :meth:`start` raises StartAbandoned."""
        self._abandon.set()

    async def _until_reachable(self, what: str, call: Callable[[], Awaitable[object]]) -> None:
        """Call ``call`` until the Bot API answers: one warning line per failed attempt."""
        proxy = self.settings.proxy_label
        via = f" through {proxy}" if proxy else ""
        delay, failed = CONNECT_RETRY_FIRST, False
        while not self._abandon.is_set():
            try:
                await call()
            except RetryAfter as exc:
                wait = _seconds(exc.retry_after)
                log.warning(
                    "Bot API asks to wait (%s: RetryAfter); retrying in %.0f s", what, wait
                )
            except NetworkError as exc:  # TimedOut too; InvalidToken is no NetworkError
                wait, delay = delay, min(delay * 2, CONNECT_RETRY_MAX)
                reason = self._reason(exc)
                log.warning(
                    "Bot API unreachable%s (%s: %s); retrying in %.0f s", via, what, reason, wait
                )
            else:
                if failed:
                    log.info("Bot API reachable%s", via)
                return
            failed = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._abandon.wait(), wait)
        raise StartAbandoned

    def _reason(self, exc: NetworkError) -> str:
        """A network error in one short line: what failed underneath, the token masked."""
        cause = exc.__cause__
        text = type(exc).__name__
        if cause is not None:
            text += f", {type(cause).__name__}" + (f": {cause}" if str(cause) else "")
        text = " ".join(text.split())[:300]
        return text.replace(self.settings.bot_token.get_secret_value(), "<token>")

    async def _register_commands(self) -> None:
        """Publish the command list (the "/" menu) where the platform has one."""
        if self.settings.bot_platform == "bale":
            return  # Bale has no setMyCommands (README: "Bale")
        try:
            await self.application.bot.set_my_commands(list(applicant.COMMANDS))
        except TelegramError as exc:
            log.warning("could not register the command list: %s", type(exc).__name__)

    async def _set_webhook(self) -> None:
        settings = self.settings
        assert settings.webhook_url and settings.webhook_secret is not None
        secret = settings.webhook_secret.get_secret_value()
        url = settings.webhook_url.rstrip("/")
        if settings.bot_platform == "bale":
            # Bale's setWebhook takes the URL alone and sends no secret header: the secret
            # is the URL's last segment (bot.web.add_webhook checks it there).
            await self.application.bot.set_webhook(f"{url}/{secret}")
            return
        await self.application.bot.set_webhook(
            url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
            max_connections=settings.max_concurrent_updates,
        )

    async def _adopt(self, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.intake.recover(lease=self.settings.claim_lease)

    async def stop(self) -> None:
        """Stop receiving, finish what is in hand, then close everything."""
        await self.poller.stop()
        await self.web.stop()  # no more webhook updates; Telegram re-sends to other instances
        await self.intake.drain()
        await self.sender.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        # A start that never reached the Bot API leaves the application uninitialised and
        # its connection pools open.
        await self.application.bot.request.shutdown()
        await self._updates_request.shutdown()
        await self.redraws.close()
        await self.store.close()
        log.info("bot stopped")

    async def sweep_drafts(self, now: dt.datetime | None = None) -> int:
        """Drop drafts untouched for DRAFT_TTL_DAYS and purge old handled updates."""
        now = now or utcnow()
        dropped = await self.store.drafts.expire(now - self.settings.draft_ttl)
        await self.store.inbox.purge(now - INBOX_KEEP)
        if dropped:
            log.info("dropped %d stale draft(s)", len(dropped))
            self.sender.wake()
        return len(dropped)

    async def _sweep_drafts(self, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.sweep_drafts()

    async def digest(self, now: dt.datetime | None = None) -> None:
        """Queue the daily deadline digest for the staff chat, and flag overdue cards."""
        await self.store.workflow.queue_digest(now or utcnow())
        self.sender.wake()

    async def _digest(self, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.digest()


def _seconds(value: float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
