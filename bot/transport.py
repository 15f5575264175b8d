"""python-telegram-bot's HTTP transport on aiohttp instead of httpx.

PTB lets the transport be replaced (``telegram.request.BaseRequest``). Profiling the bot put
about a third of its CPU in httpx/httpcore; aiohttp's client, already a dependency for the
verify server, costs several times less per request.

Requests without files go as a JSON body (``application/json``, which the Bot API takes for
every method, and Bale's Telegram-compatible API as well), encoded by orjson, and answers are
read by orjson: aiohttp's form encoding of the same parameters (percent-escaping every byte
of Persian text) was a twentieth of the bot's CPU. Uploads stay multipart/form-data.
"""

from __future__ import annotations

import functools
import io
import ssl
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp
import orjson
from aiohttp_socks import ProxyConnector
from python_socks import ProxyConnectionError, ProxyError
from telegram.error import NetworkError, TimedOut
from telegram.ext import AIORateLimiter
from telegram.request import BaseRequest, RequestData

from bot.dialect import TELEGRAM, Dialect


class AiohttpRequest(BaseRequest):
    """A Bot API transport over one pooled aiohttp session."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 64,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        media_write_timeout: float | None = 20.0,
        dialect: Dialect = TELEGRAM,
        proxy_url: str | None = None,
    ) -> None:
        self._dialect = dialect
        self._proxy_url = proxy_url
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the connection pool, through the proxy when there is one (BOT_PROXY_URL)."""
        if self._session is None or self._session.closed:
            connector: aiohttp.TCPConnector
            if self._proxy_url is None:
                connector = aiohttp.TCPConnector(limit=self._pool_size)
            else:
                # aiohttp-socks names a proxy http, socks4 or socks5. Ours may be https (TLS to
                # the proxy itself) or socks5h; both socks5 and socks5h have the proxy resolve
                # the API's host name, which a local DNS may not know or may answer falsely.
                scheme, _, rest = self._proxy_url.partition("://")
                scheme = scheme.lower()
                kind = {"https": "http", "socks5h": "socks5"}.get(scheme, scheme)
                connector = ProxyConnector.from_url(
                    f"{kind}://{rest}",
                    limit=self._pool_size,
                    rdns=True if kind == "socks5" else None,
                    proxy_ssl=ssl.create_default_context() if scheme == "https" else None,
                )
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        """Close the connection pool."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one Bot API request; returns the status code and the body."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        body: aiohttp.FormData | bytes | None = None
        headers = None
        api_method = url.rsplit("/", 1)[-1]
        if request_data is not None and request_data.contains_files:
            form = aiohttp.FormData()
            fields = self._dialect.outgoing_form(api_method, request_data.json_parameters)
            for name, value in fields.items():
                form.add_field(name, value)
            for name, (file_name, content, mime_type) in request_data.multipart_data.items():
                form.add_field(name, content, filename=file_name, content_type=mime_type)
            body = form
        elif request_data is not None and request_data.parameters:
            body = orjson.dumps(self._dialect.outgoing(api_method, request_data.parameters))
            headers = _JSON_HEADERS
        timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=_seconds(connect_timeout, self._connect_timeout),
            sock_read=_seconds(read_timeout, self._read_timeout),
        )
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                status, payload = response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        except (ProxyError, ProxyConnectionError) as exc:  # the proxy refused, or is away
            raise NetworkError(f"proxy: {type(exc).__name__}: {exc}") from exc
        return self._dialect.incoming(api_method, status, payload)

    async def download(self, url: str, limit: int) -> bytes | None:
        """The file at ``url`` (a Bot API download), or None once it proves longer than
        ``limit`` bytes: by its Content-Length, before any of it is read, or as soon as more
        has arrived; the connection is then closed, so the rest is never read.

        Unlike python-telegram-bot's ``File.download_to_memory``, which reads a file whole
        whatever its size, this trusts neither the size getFile reported nor the server's.

        Raises:
            NetworkError: the file could not be fetched (an HTTP error included).
            TimedOut: the server stopped sending.
        """
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self._connect_timeout, sock_read=self._read_timeout
        )
        try:
            async with self._session.get(url, timeout=timeout) as response:
                if response.status != 200:
                    raise NetworkError(f"download failed: HTTP {response.status}")
                if (response.content_length or 0) > limit:
                    response.close()
                    return None
                body = io.BytesIO()
                async for chunk in response.content.iter_chunked(_DOWNLOAD_CHUNK):
                    body.write(chunk)
                    if body.tell() > limit:
                        response.close()
                        return None
                return body.getvalue()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        except (ProxyError, ProxyConnectionError) as exc:
            raise NetworkError(f"proxy: {type(exc).__name__}: {exc}") from exc

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """The Bot API's answer, read by orjson; PTB's own reading (which replaces bytes that
        are not UTF-8 and raises its "Invalid server response") for anything orjson refuses."""
        try:
            parsed: dict[str, Any] = orjson.loads(payload)
        except orjson.JSONDecodeError:
            return BaseRequest.parse_json_payload(payload)
        return parsed


_JSON_HEADERS = {"Content-Type": "application/json"}
_DOWNLOAD_CHUNK = 64 * 1024


def _seconds(given: object, default: float | None) -> float | None:
    """A timeout PTB passed, or our default when it passed its "not given" marker."""
    if given is BaseRequest.DEFAULT_NONE:
        return default
    if given is None or isinstance(given, int | float):
        return None if given is None else float(given)
    total = getattr(given, "total_seconds", None)  # PTB may pass a timedelta
    return float(total()) if callable(total) else default


class GroupRateLimiter(AIORateLimiter):
    """python-telegram-bot's rate limiter, told which chats are the bot's groups.

    AIORateLimiter paces a chat as a group (20 messages a minute) only when its id is
    negative, as Telegram's are; Bale's group ids are positive, so the staff and security
    groups are named here and paced as groups on either platform.
    """

    def __init__(self, groups: frozenset[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._groups = groups

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Pace the request; a positive id of one of the groups counts as a group's."""
        chat_id = data.get("chat_id")
        if isinstance(chat_id, int | str) and str(chat_id) in self._group_keys:
            # Only the pacing reads ``data`` (the request itself is ``args``/``kwargs``):
            # a string id is what AIORateLimiter paces as a group whatever its sign.
            data = {**data, "chat_id": f"group:{chat_id}"}
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )

    @functools.cached_property
    def _group_keys(self) -> frozenset[str]:
        return frozenset(str(group) for group in self._groups if group > 0)
