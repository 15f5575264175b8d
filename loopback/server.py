"""The loopback Telegram Bot API server, :class:`FakeBotApi`: HTTP on 127.0.0.1, its lifecycle,
and the failures and delays a test arms.

The bot under test talks to it through python-telegram-bot's ``Bot`` and its request layer
exactly as it would talk to ``api.telegram.org`` (over the bot's aiohttp transport, a PTB
``BaseRequest``; tests/test_fakebotapi.py also drives it through PTB's default
``HTTPXRequest``); nothing inside PTB is mocked. The test drives the conversation from the
people's side (:mod:`loopback.people`) and observes what the bot did; the Bot API methods are
:mod:`loopback.methods`, the state they change :mod:`loopback.world`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import json
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from loopback.decoding import normalize_params, read_params, refuse_parse_mode
from loopback.limits import DEFAULT_DESCRIPTIONS, JSON, MAX_UPLOAD_SIZE, ApiError
from loopback.methods import Handler, Methods
from loopback.people import People
from loopback.world import Call, Failure

if TYPE_CHECKING:
    from telegram import Bot
    from telegram.ext import ApplicationBuilder

_DOWNLOAD_PIECE = 64 * 1024


@dataclass
class _FailRule:
    method: str
    status: int
    description: str
    parameters: JSON | None
    remaining: int
    chat_id: int | str | None


@dataclass
class _DelayRule:
    method: str
    seconds: float
    remaining: int
    chat_id: int | None = None


def _error_response(error: ApiError) -> web.Response:
    return web.json_response(error.payload(), status=error.status, dumps=_dumps)


_dumps = functools.partial(json.dumps, ensure_ascii=False)


class FakeBotApi(People, Methods):
    """A loopback Telegram Bot API server that records what the bot does and feeds it updates."""

    # The dialect it speaks: BOT_PLATFORM for a bot that talks to it (loopback/bale.py).
    platform = "telegram"

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        bot_username: str = "tvto_test_bot",
        bot_id: int | None = None,
        bot_first_name: str = "TVTO Test Bot",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        prefix = token.split(":", 1)[0]
        if bot_id is None:
            bot_id = int(prefix) if prefix.isdigit() else 1
        super().__init__(token, bot_username, bot_id, bot_first_name)
        self.host = host
        self.port = port  # 0: a free one; a restart after stop() binds the same one again
        self._fail_rules: list[_FailRule] = []
        self._delay_rules: list[_DelayRule] = []
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in self._method_table().items()
        }

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind 127.0.0.1 on ``port`` (a free one if 0) and start serving."""
        app = web.Application(client_max_size=MAX_UPLOAD_SIZE + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        self._stopping = False
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop serving (ends pending long polls); raises if the server itself hit a bug."""
        self._stopping = True
        self._notify()
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
            self._pusher = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.internal_errors:
            raise AssertionError("FakeBotApi internal errors:\n" + "\n".join(self.internal_errors))

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """Bot API base URL for PTB (PTB appends the token)."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """File download base URL for PTB (PTB appends the token)."""
        return f"http://{self.host}:{self.port}/file/bot"

    def make_bot(self, **kwargs: Any) -> Bot:
        """A ``telegram.Bot`` wired to this server (use it with ``async with``)."""
        from telegram import Bot

        return Bot(self.token, base_url=self.base_url, base_file_url=self.base_file_url, **kwargs)

    def application_builder(self) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
        """A PTB ``ApplicationBuilder`` with token and both base URLs pointing at this server."""
        from telegram.ext import ApplicationBuilder

        return (
            ApplicationBuilder()
            .token(self.token)
            .base_url(self.base_url)
            .base_file_url(self.base_file_url)
        )

    # --- failures and delays a test arms -----------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 400,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
        chat_id: int | str | None = None,
        *,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` (optionally to one chat) fail."""
        if status == 429 and retry_after is None:
            retry_after = 1
        parameters: JSON = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        if description is None:
            template = DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
            description = template.format(retry_after=retry_after)
        self._fail_rules.append(
            _FailRule(method.lower(), status, description, parameters or None, count, chat_id)
        )

    def clear_failures(self) -> None:
        """Forget every failure still armed by :meth:`fail_next`."""
        self._fail_rules.clear()

    def delay_next(
        self, method: str, seconds: float, count: int = 1, chat_id: int | None = None
    ) -> None:
        """Carry out (and answer) the next ``count`` calls of ``method`` (to ``chat_id``, if
        given) only after ``seconds``: for timeouts, and for a sender that stalls."""
        self._delay_rules.append(_DelayRule(method.lower(), seconds, count, chat_id))

    # --- HTTP --------------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        entry = self._methods.get(request.match_info["method"].lower())
        if entry is None:
            return _error_response(ApiError(404, "Not Found"))
        name, handler = entry
        try:
            params = normalize_params(await read_params(request))
        except ApiError as error:
            return _error_response(error)
        call = Call(name, params)
        self.calls.append(call)
        self._notify()
        try:
            await self._apply_delay(name, params)
            self._inject_failure(name, params)
            refuse_parse_mode(params)
            result = handler(params)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as error:
            self.failures.append(Failure(call, error.status, error.description))
            self._notify()
            return _error_response(error)
        except Exception:
            self.internal_errors.append(f"{name} {params!r}:\n{traceback.format_exc()}")
            self._notify()
            return _error_response(ApiError(500, "Internal Server Error: FakeBotApi bug"))
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        stored = self._files_by_path.get(request.match_info["file_path"])
        if stored is None:
            return _error_response(ApiError(404, "Not Found"))
        response = web.StreamResponse()
        response.content_type = stored.mime_type or "application/octet-stream"
        if stored.content_length:
            response.content_length = len(stored.data)
        await response.prepare(request)
        # A piece at a time, each handed to the connection before the next: bytes_served
        # counts what went out before a client that stopped reading hung up.
        with contextlib.suppress(ConnectionError):
            for start in range(0, len(stored.data), _DOWNLOAD_PIECE):
                await response.write(stored.data[start : start + _DOWNLOAD_PIECE])
                stored.bytes_served += min(_DOWNLOAD_PIECE, len(stored.data) - start)
            await response.write_eof()
        return response

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        return _error_response(ApiError(404, "Not Found"))

    async def _apply_delay(self, method: str, params: JSON) -> None:
        for rule in self._delay_rules:
            if rule.chat_id is not None and str(params.get("chat_id")) != str(rule.chat_id):
                continue
            if rule.method == method.lower() and rule.remaining > 0:
                rule.remaining -= 1
                await asyncio.sleep(rule.seconds)
                return

    def _inject_failure(self, method: str, params: JSON) -> None:
        for rule in self._fail_rules:
            if rule.method != method.lower() or rule.remaining <= 0:
                continue
            if rule.chat_id is not None and str(params.get("chat_id")) != str(rule.chat_id):
                continue
            rule.remaining -= 1
            raise ApiError(rule.status, rule.description, rule.parameters)
