"""bot.transport.AiohttpRequest, as python-telegram-bot's Bot uses it, against a raw HTTP server
that records what arrives and answers with bytes chosen by the test."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.transport import AiohttpRequest

TOKEN = "123456:TRANSPORT-TEST"
ME = {"id": 123456, "is_bot": True, "first_name": "بات", "username": "tvto_bot"}


@dataclass
class Seen:
    """What the server received, by method; and what it answers, by method."""

    requests: list[tuple[str, str, bytes]] = field(default_factory=list)
    answers: dict[str, bytes] = field(default_factory=dict)


def _message(chat_id: int, text: str) -> dict[str, Any]:
    return {
        "message_id": 7,
        "date": 1_760_000_000,
        "chat": {"id": chat_id, "type": "private"},
        "from": ME,
        "text": text,
    }


@pytest.fixture
async def server() -> AsyncIterator[tuple[Seen, str]]:
    seen = Seen()

    async def handle(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await request.read()
        seen.requests.append((method, request.content_type, body))
        if method in seen.answers:
            return web.Response(body=seen.answers[method], content_type="application/json")
        if method == "getMe":
            result: Any = ME
        elif request.content_type == "application/json":
            params = json.loads(body)
            result = _message(int(params["chat_id"]), str(params.get("text", "")))
        else:
            result = _message(1, "")
        return web.json_response({"ok": True, "result": result})

    app = web.Application()
    app.router.add_post(f"/bot{TOKEN}/{{method}}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield seen, f"http://127.0.0.1:{port}/bot"
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def _bot(base_url: str) -> AsyncIterator[Bot]:
    bot = Bot(
        TOKEN, base_url=base_url, request=AiohttpRequest(), get_updates_request=AiohttpRequest()
    )
    await bot.initialize()
    try:
        yield bot
    finally:
        await bot.shutdown()


async def test_a_message_goes_as_json_with_its_types_and_persian_text_intact(
    server: tuple[Seen, str],
) -> None:
    seen, base_url = server
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("تأیید", callback_data="x:1")]])
    async with _bot(base_url) as bot:
        sent = await bot.send_message(-100123, "درخواست «المثنی» ثبت شد ۱۲۳", reply_markup=markup)
    assert sent.text == "درخواست «المثنی» ثبت شد ۱۲۳"
    method, content_type, body = seen.requests[-1]
    assert (method, content_type) == ("sendMessage", "application/json")
    params = json.loads(body)
    assert params["chat_id"] == -100123
    assert params["text"] == "درخواست «المثنی» ثبت شد ۱۲۳"
    assert params["reply_markup"] == {
        "inline_keyboard": [[{"text": "تأیید", "callback_data": "x:1"}]]
    }


async def test_a_file_still_goes_as_multipart(server: tuple[Seen, str]) -> None:
    seen, base_url = server
    async with _bot(base_url) as bot:
        await bot.send_document(42, b"%PDF-1.4 letter", filename="letter.pdf", caption="نامه")
    method, content_type, body = seen.requests[-1]
    assert (method, content_type) == ("sendDocument", "multipart/form-data")
    assert b"%PDF-1.4 letter" in body
    assert "نامه".encode() in body


@pytest.mark.parametrize(
    ("answer", "read"),
    [
        # Not JSON at all (a proxy's error page): PTB's "Invalid server response".
        (b"<html>502 Bad Gateway</html>", False),
        # orjson refuses bytes that are not UTF-8; PTB's own reading replaces them, as it
        # always did, and the answer is read.
        (b'{"ok": true, "result": true, "note": "\xff"}', True),
    ],
)
async def test_answers_orjson_refuses_are_read_as_python_telegram_bot_reads_them(
    server: tuple[Seen, str], answer: bytes, read: bool
) -> None:
    seen, base_url = server
    seen.answers["deleteMessage"] = answer
    async with _bot(base_url) as bot:
        if read:
            assert await bot.delete_message(1, 2) is True
        else:
            with pytest.raises(TelegramError, match="Invalid server response"):
                await bot.delete_message(1, 2)
