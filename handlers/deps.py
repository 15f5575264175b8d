"""What handlers need from the application, handed over in ``bot_data`` by bot/app.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackContext, ContextTypes

from storage.store import Store
from storage.views import OutboxItem

DEPS_KEY = "deps"

HandlerList = list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]


@dataclass(frozen=True)
class Deps:
    """The store and the few settings handlers read."""

    store: Store
    admin_chat_id: int
    max_upload_bytes: int
    draft_ttl_days: float
    wake_outbox: Callable[[], None]
    # Sends an outbox message the handler claimed (a tracking code) at once, recording it
    # as the outbox sender would; if the bot dies first, the sender sends it after the claim.
    deliver_claimed: Callable[[OutboxItem], Awaitable[None]]
    claim_lease: dt.timedelta
    # Redraws the user's uploads kept as sent after the reply (bot.redraw), and waits for
    # that to end (filing does, before it redraws what is left itself).
    redraw_later: Callable[[int], None]
    redraw_settled: Callable[[int], Awaitable[None]]
    allowed_groups: frozenset[int] = frozenset()
    platform: str = "telegram"  # BOT_PLATFORM: where Bale differs (README: "On Bale")


def deps(context: CallbackContext[Any, Any, Any, Any]) -> Deps:
    """The application's dependencies."""
    value = context.application.bot_data[DEPS_KEY]
    assert isinstance(value, Deps)
    return value
