"""What handlers need from the application, handed over in ``bot_data`` by bot/app.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram.ext import CallbackContext

from storage.store import Store

DEPS_KEY = "deps"


@dataclass(frozen=True)
class Deps:
    """The store and the few settings handlers read."""

    store: Store
    admin_chat_id: int
    max_upload_bytes: int
    draft_ttl_days: float
    wake_outbox: Callable[[], None]


def deps(context: CallbackContext[Any, Any, Any, Any]) -> Deps:
    """The application's dependencies."""
    value = context.application.bot_data[DEPS_KEY]
    assert isinstance(value, Deps)
    return value
