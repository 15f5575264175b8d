"""What handlers need from the application, handed over in ``bot_data`` by bot/app.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackContext, ContextTypes

from storage.store import Store

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
    allowed_groups: frozenset[int] = frozenset()


def deps(context: CallbackContext[Any, Any, Any, Any]) -> Deps:
    """The application's dependencies."""
    value = context.application.bot_data[DEPS_KEY]
    assert isinstance(value, Deps)
    return value
