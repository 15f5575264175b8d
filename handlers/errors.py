"""The one global error handler: log, then tell the user something went wrong."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from domain import texts

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Logs the failure and apologises in the user's private chat."""
    error = context.error
    if isinstance(error, BadRequest) and "not modified" in error.message:
        return  # a double tap on a button whose message is already up to date
    log.error("handler failed", exc_info=error)
    if (
        isinstance(update, Update)
        and update.effective_chat
        and update.effective_chat.type == "private"
    ):
        try:
            await context.bot.send_message(update.effective_chat.id, texts.ERROR_GENERIC)
        except Exception:
            log.warning("could not tell the user about the failure", exc_info=True)
