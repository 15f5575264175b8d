"""The one global error handler: log, then tell the user something went wrong."""

from __future__ import annotations

import logging
from typing import Any

from telegram import CallbackQuery, Update
from telegram.error import BadRequest, NetworkError
from telegram.ext import ContextTypes

from domain import texts

log = logging.getLogger(__name__)


def is_benign(error: BadRequest) -> bool:
    """Errors that only mean we were late or repeated ourselves, never worth alarming anyone.

    "Message is not modified": a double tap on a button whose message is already up to date.
    "Query is too old": a button press answered already (by an instance that died before
    recording it, say) or answered after Telegram's 15 seconds.
    """
    text = error.message.lower()
    return "not modified" in text or "query is too old" in text or "query id is invalid" in text


async def answer_query(query: CallbackQuery, text: str | None = None, **kwargs: Any) -> None:
    """Answer a button press; being too late to answer is not a failure."""
    try:
        await query.answer(text, **kwargs)
    except BadRequest as exc:
        if not is_benign(exc):
            raise
        log.info("callback answer skipped: %s", exc.message)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Logs the failure and apologises in the user's private chat."""
    error = context.error
    if isinstance(error, BadRequest) and is_benign(error):
        log.info("ignored: %s", error.message)
        return
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        # The Bot API was out of reach while a handler answered: one line, no traceback;
        # there is no point in apologising through the same broken connection.
        log.warning("handler could not reach the Bot API (%s)", type(error).__name__)
        return
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
