"""The pipeline baseline: a bare python-telegram-bot echo bot.

Text is echoed, a photo or document is sent back by its file_id, a button press is answered
and its data echoed. It polls with PTB's own Updater and handles ``concurrent_updates`` updates
at once, the same number our bot's intake allows (MAX_CONCURRENT_UPDATES).
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from benchmarks.common import TOKEN

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


async def _echo_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await context.bot.send_message(message.chat_id, message.text)


async def _echo_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.photo
    await context.bot.send_photo(message.chat_id, message.photo[-1].file_id)


async def _echo_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    await context.bot.send_document(message.chat_id, message.document.file_id)


async def _echo_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    chat = update.effective_chat
    assert query is not None and chat is not None
    await query.answer()
    await context.bot.send_message(chat.id, query.data or "?")


def build_echo_application(api_url: str, file_url: str, concurrent_updates: int) -> AnyApplication:
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(api_url)
        .base_file_url(file_url)
        .concurrent_updates(concurrent_updates)
        .build()
    )
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & filters.TEXT, _echo_text))
    application.add_handler(MessageHandler(private & filters.PHOTO, _echo_photo))
    application.add_handler(MessageHandler(private & filters.Document.ALL, _echo_document))
    application.add_handler(CallbackQueryHandler(_echo_button))
    return application


class EchoBot:
    """Start and stop the echo application with PTB's polling Updater."""

    def __init__(self, api_url: str, file_url: str, concurrent_updates: int) -> None:
        self.application = build_echo_application(api_url, file_url, concurrent_updates)

    async def start(self, poll_timeout: int = 2) -> None:
        await self.application.initialize()
        await self.application.start()
        updater = self.application.updater
        assert updater is not None
        await updater.start_polling(
            poll_interval=0.0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
        )

    async def stop(self) -> None:
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
