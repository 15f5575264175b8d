"""Verifying a confirmation inside the messenger: a scanned deep link, or a photo or PDF of it."""

from __future__ import annotations

import asyncio
import re

from telegram import Update
from telegram.ext import ContextTypes

from domain import texts, uploads
from handlers import form_engine, keyboards
from handlers.deps import deps
from rendering.chat import verdict_text
from rendering.scan import qr_texts

_TOKEN = re.compile(r"/v/([A-Z2-7]{130})(?![A-Z2-7])", re.IGNORECASE)
_REFERENCE = re.compile(r"start=(v_\d+_[A-Z2-7]{12})(?![A-Z2-7])", re.IGNORECASE)
REFERENCE_PREFIX = "v_"


async def verify_reference(
    update: Update, context: ContextTypes.DEFAULT_TYPE, reference: str
) -> None:
    """Answers /start v_<serial>_<check> (the QR's deep link) with the verdict."""
    chat = update.effective_chat
    assert chat is not None
    result, _token = await deps(context).store.verification.verify_reference(reference)
    await context.bot.send_message(
        chat.id, verdict_text(result), reply_markup=keyboards.main_menu()
    )


async def verify_scan(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Finds the QR code in a photo or PDF of a confirmation and answers with the verdict."""
    message = update.effective_message
    assert message is not None
    try:
        # Only read for its QR code, never kept nor shown to staff: a PDF is not redrawn.
        clean, _media = await form_engine.download_clean(message, context, redraw=False)
    except form_engine.Rejected as rejected:
        await message.reply_text(rejected.message)
        return
    found = await asyncio.get_running_loop().run_in_executor(
        uploads.UPLOAD_WORKER, qr_texts, clean.data
    )
    if not found:
        await message.reply_text(texts.VERIFY_NO_QR, reply_markup=keyboards.main_menu())
        return
    verification = deps(context).store.verification
    for text in found:
        token = _TOKEN.search(text)
        if token is not None:
            result = await verification.verify(token.group(1))
            await message.reply_text(verdict_text(result), reply_markup=keyboards.main_menu())
            return
        reference = _REFERENCE.search(text)
        if reference is not None:
            result, _ = await verification.verify_reference(reference.group(1))
            await message.reply_text(verdict_text(result), reply_markup=keyboards.main_menu())
            return
    await message.reply_text(texts.VERIFY_NOT_OURS, reply_markup=keyboards.main_menu())
