"""The public verification web service: the page a confirmation's QR code leads to.

Routes (``/V/…`` is the same as ``/v/…``: QR codes carry upper-case URLs)::

    GET  /v/{token}         the verdict page (JSON with ``Accept: application/json`` or
                            ``?format=json``); 200 for every verdict, forged tokens included
    POST /v/{token}/check   form field ``national_code``: does it belong to the holder?
                            Answers only "matches" / "does not match"; not counted as a check
    GET  /keys              the published verification keys (JSON, cacheable)
    GET  /healthz           "ok"

Counts: each verification is counted in memory (storage.verification) and the counts are
written every :data:`COUNT_FLUSH` seconds by a task of the app (:meth:`_Handlers.write_counts`),
the bot's in-chat verifications included.

Privacy: the verifier's IP address is kept in memory only for the rate limiter, and no longer
than one rate-limit window (pruned on every request and by a sweeper task); it is never logged
(aiohttp's access log is off, its connection log is rewritten by :class:`_ConnectionLogFilter`,
and nothing here logs a request's address). National codes typed into the check form are
compared and forgotten.

Slow clients: a request's line and headers must arrive within ``header_timeout`` of connecting
(or of the previous answer on a kept connection), its body within ``body_timeout`` (else 408).

Behind a reverse proxy, pass ``trust_proxy=True`` so the limiter keys on the client address the
proxy appends to ``X-Forwarded-For`` (the right-most entry) instead of the proxy's own address;
without it the header is ignored, since anyone can send it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
import logging
import math
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import CIMultiDict

from domain import signing, texts
from domain.digits import to_persian_digits
from domain.verification import Verdict, holder_matches
from rendering.verify_page import CHECK_FIELD, render_error_page, render_verdict_page
from storage.verification import VerificationService

__all__ = ["RateLimits", "SlidingWindowLimiter", "VerifyServer", "build_verify_app"]

log = logging.getLogger(__name__)

SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# Verdicts are answered with every header they need at once (the security headers included),
# so _security_headers has nothing left to add on the busiest route.
VERDICT_HEADERS: Mapping[str, str] = {
    **SECURITY_HEADERS,
    "Cache-Control": "no-store",
    "Vary": "Accept",
}
KEYS_CACHE_CONTROL = "public, max-age=300"
# A national code is 10 digits; anything much longer is not one (and is not worth hashing).
_MAX_CODE_LENGTH = 64
# The check form is tiny; refuse large bodies before reading them.
_MAX_BODY = 16 * 1024
# The sweeper's period: an idle client's address is forgotten at most this long after its
# window has passed.
_MAX_SWEEP_SECONDS = 1.0
COUNT_FLUSH = 2.0  # seconds verification counts are gathered before they are written

JSON_TYPE = "application/json; charset=utf-8"
# Verdicts in JSON: every header at once, made once (aiohttp copies them into each response).
_VERDICT_JSON_HEADERS = CIMultiDict({**VERDICT_HEADERS, "Content-Type": JSON_TYPE})
_DOTTED_QUAD = re.compile(
    r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

DEFAULT_HEADER_TIMEOUT = 20.0
DEFAULT_BODY_TIMEOUT = 20.0
_BODY_TIMEOUT = web.AppKey("body_timeout", float)
# After an early answer (408, 413) aiohttp reads and drops the rest of the body this long, so
# the client sees the answer rather than a reset; short, or a slow client keeps the connection.
_LINGER_SECONDS = 1.0

# aiohttp's connection handler (bad requests, handler crashes) logs here, through the filter.
_connection_log = logging.getLogger(f"{__name__}.connection")


def _is_address(value: object) -> bool:
    if isinstance(value, tuple) and value:
        value = value[0]  # a peername
    if not isinstance(value, str):
        return False
    try:
        ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return False
    return True


class _ConnectionLogFilter(logging.Filter):
    """Makes aiohttp's connection log safe to keep: no client address, no client bytes.

    A malformed request (a 10 MB header, thousands of headers, a garbage request line) is
    anyone's to send, so it becomes one WARNING line naming the kind of error; its message is
    dropped, since it quotes what the client sent. Other records keep their traceback, with
    any address argument masked.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            level = min(record.levelno, logging.WARNING)
            record.levelno, record.levelname = level, logging.getLevelName(level)
            record.msg = "malformed HTTP request refused: %s %s"
            record.args = (exc.code, type(exc).__name__)
            record.exc_info, record.exc_text = None, None
        elif isinstance(record.args, tuple):
            record.args = tuple("<client>" if _is_address(a) else a for a in record.args)
        return True


_connection_log.addFilter(_ConnectionLogFilter())


@dataclass(frozen=True)
class RateLimits:
    """Requests allowed per client address in each sliding window.

    The ``*_per_minute`` counts apply per ``window_seconds`` (a minute unless changed, e.g. in
    tests). Verdict pages and ``/keys`` share the verify allowance; the national-code check has
    its own, smaller one, because it is the one worth guessing at.
    """

    verify_per_minute: int = 60
    check_per_minute: int = 10
    window_seconds: float = 60.0

    def __post_init__(self) -> None:
        if self.verify_per_minute < 1 or self.check_per_minute < 1:
            raise ValueError("rate limits must allow at least one request")
        if not self.window_seconds > 0:
            raise ValueError("window_seconds must be positive")


class SlidingWindowLimiter:
    """At most ``limit`` hits per client in any ``window`` seconds, kept only in memory.

    A client's hit times are dropped as soon as they are older than the window; a client with
    none left is forgotten. Refused hits are not recorded, so a client that keeps trying is let
    in again once its oldest accepted hit leaves the window.
    """

    def __init__(
        self, limit: int, window: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._last_sweep = clock()

    def __len__(self) -> int:
        """How many clients are remembered."""
        return len(self._hits)

    def __contains__(self, client: object) -> bool:
        return client in self._hits

    def hit(self, client: str) -> float | None:
        """Record a hit by ``client``: None if allowed, else the seconds until it would be."""
        now = self._clock()
        if now - self._last_sweep >= min(self.window, _MAX_SWEEP_SECONDS):
            self.prune(now)
        hits = self._hits.get(client)
        if hits is None:
            hits = self._hits[client] = deque()
        else:
            self._expire(hits, now)
        if len(hits) >= self.limit:
            return max(hits[0] + self.window - now, 0.0)
        hits.append(now)
        return None

    def prune(self, now: float | None = None) -> None:
        """Forget every hit older than the window, and every client left with none."""
        now = self._clock() if now is None else now
        self._last_sweep = now
        for client in list(self._hits):
            hits = self._hits[client]
            self._expire(hits, now)
            if not hits:
                del self._hits[client]

    def _expire(self, hits: deque[float], now: float) -> None:
        cutoff = now - self.window
        while hits and hits[0] <= cutoff:
            hits.popleft()


def client_key(request: web.Request, *, trust_proxy: bool = False) -> str:
    """The address the rate limiter counts: IPv4 as is, IPv6 by its /64 network.

    One IPv6 subscriber usually holds a whole /64, so counting single addresses would let one
    client take as many allowances as it likes.
    """
    raw = request.remote or ""
    if not trust_proxy and _DOTTED_QUAD.fullmatch(raw):
        return raw  # an IPv4 peer address, already in its one spelling (the common case)
    if trust_proxy:
        forwarded = request.headers.getall("X-Forwarded-For", [])
        entries = [e.strip() for header in forwarded for e in header.split(",") if e.strip()]
        if entries:
            raw = entries[-1]
    try:
        address = ipaddress.ip_address(raw.split("%", 1)[0])
    except ValueError:
        return raw or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _wants_json(request: web.Request) -> bool:
    # request.query parses the query string into a new mapping: only when there is one.
    fmt = request.query.get("format", "").lower() if request.query_string else ""
    if fmt in ("json", "html"):
        return fmt == "json"
    accept = request.headers.get("Accept", "").lower()
    return "application/json" in accept and "text/html" not in accept


def _html(
    text: str, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        text=text, status=status, content_type="text/html", charset="utf-8", headers=headers
    )


def _json(
    data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    # orjson writes UTF-8 directly (Persian text unescaped), several times faster than json.
    if headers is VERDICT_HEADERS:
        full: Mapping[str, str] = _VERDICT_JSON_HEADERS
    else:
        full = {**(headers or {}), "Content-Type": JSON_TYPE}
    return web.Response(body=orjson.dumps(data), status=status, headers=full)


def _error(
    request: web.Request, status: int, message: str, *, headers: Mapping[str, str] | None = None
) -> web.Response:
    if _wants_json(request):
        return _json({"error": status, "message": message}, status=status, headers=headers)
    return _html(render_error_page(message), status=status, headers=headers)


@contextlib.asynccontextmanager
async def _body_deadline(request: web.Request) -> AsyncIterator[None]:
    """Refuse with 408 a body that takes longer than the server's body timeout to arrive."""
    try:
        async with asyncio.timeout(request.config_dict.get(_BODY_TIMEOUT, DEFAULT_BODY_TIMEOUT)):
            yield
    except TimeoutError:
        log.info("request body not received in time; refused")
        raise web.HTTPRequestTimeout() from None


class _Handlers:
    """The routes' handlers, sharing the service, the office name and the limiters."""

    def __init__(
        self,
        verification: VerificationService,
        *,
        office_name: str,
        limits: RateLimits,
        trust_proxy: bool,
    ) -> None:
        self.verification = verification
        self.office_name = office_name
        self.trust_proxy = trust_proxy
        self.verify_limiter = SlidingWindowLimiter(limits.verify_per_minute, limits.window_seconds)
        self.check_limiter = SlidingWindowLimiter(limits.check_per_minute, limits.window_seconds)
        self.sweep_seconds = min(limits.window_seconds, _MAX_SWEEP_SECONDS)

    def _limited(self, request: web.Request, limiter: SlidingWindowLimiter) -> web.Response | None:
        wait = limiter.hit(client_key(request, trust_proxy=self.trust_proxy))
        if wait is None:
            return None
        seconds = max(1, math.ceil(wait))
        message = texts.WEB_RATE_LIMITED.format(seconds=to_persian_digits(seconds))
        return _error(request, 429, message, headers={"Retry-After": str(seconds)})

    async def verify(self, request: web.Request) -> web.Response:
        if (refused := self._limited(request, self.verify_limiter)) is not None:
            return refused
        token = request.match_info["token"]
        # HEAD (link previews, monitors) is answered but not counted as a verification.
        result = await self.verification.verify(token, count=request.method == "GET")
        if _wants_json(request):
            return _json(result.public(), headers=VERDICT_HEADERS)
        page = render_verdict_page(result, token=token, office_name=self.office_name)
        return _html(page, headers=VERDICT_HEADERS)

    async def check(self, request: web.Request) -> web.Response:
        if (refused := self._limited(request, self.check_limiter)) is not None:
            return refused
        token = request.match_info["token"]
        code = await self._national_code(request)
        result = await self.verification.verify(token, count=False)
        matches = False
        if result.verdict is not Verdict.INVALID and code:
            try:
                serial = signing.decode_token(token)[0].serial
            except signing.MalformedToken:
                serial = None
            record = await self.verification.record(serial) if serial is not None else None
            if record is not None:
                matches = holder_matches(token, code, record)
        if _wants_json(request):
            return _json({"matches": matches}, headers=VERDICT_HEADERS)
        page = render_verdict_page(
            result, token=token, holder_check=matches, office_name=self.office_name
        )
        return _html(page, headers=VERDICT_HEADERS)

    async def _national_code(self, request: web.Request) -> str:
        value: Any
        if request.content_type == "application/json":
            try:
                async with _body_deadline(request):
                    body = await request.json()
            except ValueError:
                return ""
            value = body.get(CHECK_FIELD) if isinstance(body, dict) else None
        else:
            async with _body_deadline(request):
                form = await request.post()
            value = form.get(CHECK_FIELD)
        if not isinstance(value, str) or len(value) > _MAX_CODE_LENGTH:
            return ""
        return value.strip()

    async def check_get(self, request: web.Request) -> web.Response:
        """A reload or a shared link of the check URL: back to the verdict page."""
        raise web.HTTPSeeOther(f"/v/{quote(request.match_info['token'], safe='')}")

    async def keys(self, request: web.Request) -> web.Response:
        if (refused := self._limited(request, self.verify_limiter)) is not None:
            return refused
        keys = await self.verification.keys.public_keys()
        document = {"keys": [k.to_dict() for k in sorted(keys.values(), key=lambda k: k.key_id)]}
        headers = {"Cache-Control": KEYS_CACHE_CONTROL, "Access-Control-Allow-Origin": "*"}
        return _json(document, headers=headers)

    async def healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok", headers={"Cache-Control": "no-store"})

    async def write_counts(self) -> None:
        """Write the verification counts (a failed write is logged and its counts kept for
        the next one; closing the store writes the last)."""
        try:
            await self.verification.flush_counts()
        except Exception as error:
            log.warning(
                "verification counts not written yet (%s); kept for the next try",
                type(error).__name__,
            )

    async def sweep(self) -> None:
        """Forget addresses whose window has passed even when no requests come in."""
        self.verify_limiter.prune()
        self.check_limiter.prune()


def _repeating(
    name: str, seconds: Callable[[], float], work: Callable[[], Awaitable[None]]
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context that runs ``work`` every ``seconds()`` while the app runs."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        async def repeat() -> None:
            while True:
                await asyncio.sleep(seconds())
                await work()

        task = asyncio.create_task(repeat(), name=name)
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return context


@web.middleware
async def _error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Persian pages for errors (404 and friends), never aiohttp's English ones."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            _secure(exc.headers)  # a redirect: aiohttp answers with the exception itself
            raise
        message = texts.WEB_NOT_FOUND if exc.status == 404 else texts.WEB_BAD_REQUEST
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        response = _error(request, exc.status, message, headers=headers)
        if exc.status == 408:
            response.force_close()  # no keep-alive for a client too slow to send a body
    except asyncio.CancelledError:
        raise
    except Exception:
        # The request's address is deliberately not logged.
        log.exception("verification request failed")
        response = _error(request, 503, texts.WEB_UNAVAILABLE)
    _secure(response.headers)
    return response


def _secure(headers: MutableMapping[str, str]) -> None:
    """The security headers every answer carries (here rather than in an on_response_prepare
    signal, which cost every request a coroutine more)."""
    if "Content-Security-Policy" not in headers:  # verdicts come with theirs
        headers.update(SECURITY_HEADERS)
    headers.setdefault("Cache-Control", "no-store")


def build_verify_app(
    verification: VerificationService,
    *,
    office_name: str,
    limits: RateLimits = RateLimits(),
    trust_proxy: bool = False,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
) -> web.Application:
    """The verification web application over ``verification``.

    ``office_name`` is shown in the page header; ``limits`` are the per-address rate limits;
    ``trust_proxy`` makes the limiter believe ``X-Forwarded-For`` (only behind a proxy that
    sets it); ``body_timeout`` is how long a request body may take to arrive (the webhook's
    too, when added to this app).
    """
    if not body_timeout > 0:
        raise ValueError("body_timeout must be positive")
    handlers = _Handlers(
        verification, office_name=office_name, limits=limits, trust_proxy=trust_proxy
    )
    app = web.Application(middlewares=[_error_pages], client_max_size=_MAX_BODY)
    app[_BODY_TIMEOUT] = body_timeout
    for prefix in ("/v", "/V"):
        app.router.add_get(prefix + "/{token}", handlers.verify)
        app.router.add_post(prefix + "/{token}/check", handlers.check)
        app.router.add_get(prefix + "/{token}/check", handlers.check_get, allow_head=False)
    app.router.add_get("/keys", handlers.keys)
    app.router.add_get("/healthz", handlers.healthz)
    app.cleanup_ctx.append(
        _repeating("verify-rate-limit-sweeper", lambda: handlers.sweep_seconds, handlers.sweep)
    )
    # Read at each beat, so a test can shorten it (bot.web.COUNT_FLUSH).
    app.cleanup_ctx.append(
        _repeating("verification-counts", lambda: COUNT_FLUSH, handlers.write_counts)
    )
    return app


class VerifyServer:
    """The verification app served over HTTP, started and stopped with the bot."""

    def __init__(
        self,
        verification: VerificationService,
        *,
        office_name: str,
        limits: RateLimits = RateLimits(),
        trust_proxy: bool = False,
        header_timeout: float = DEFAULT_HEADER_TIMEOUT,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
        shutdown_timeout: float = 5.0,
    ) -> None:
        if not header_timeout > 0:
            raise ValueError("header_timeout must be positive")
        self.app = build_verify_app(
            verification,
            office_name=office_name,
            limits=limits,
            trust_proxy=trust_proxy,
            body_timeout=body_timeout,
        )
        self._header_timeout = header_timeout
        self._shutdown_timeout = shutdown_timeout
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    async def start(self, host: str, port: int) -> None:
        """Listen on ``host``:``port`` (port 0: any free port, see :attr:`port`)."""
        if self._runner is not None:
            raise RuntimeError("the verification server is already running")
        # access_log=None: aiohttp's access log would record every verifier's address.
        # keepalive_timeout: aiohttp arms it on connecting and after each answer, and closes
        # the connection if no complete request head has come by then, so it is the header
        # timeout too (aiohttp has no other).
        runner = web.AppRunner(
            self.app,
            access_log=None,
            logger=_connection_log,
            keepalive_timeout=self._header_timeout,
            lingering_time=_LINGER_SECONDS,
            handle_signals=False,
            shutdown_timeout=self._shutdown_timeout,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        log.info("verification web service listening on %s:%s", host, self._port)

    @property
    def port(self) -> int:
        """The port actually listened on."""
        if self._port is None:
            raise RuntimeError("the verification server is not running")
        return self._port

    async def stop(self) -> None:
        """Stop listening and finish (or, after the shutdown timeout, drop) open requests."""
        runner, self._runner, self._port = self._runner, None, None
        if runner is not None:
            await runner.cleanup()


WEBHOOK_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_MAX_UPDATE_BYTES = 1024 * 1024


def add_webhook(
    app: web.Application,
    path: str,
    secret: str,
    accept: Callable[[list[dict[str, Any]]], Awaitable[None]],
    *,
    secret_in_path: bool = False,
) -> str:
    """Serve the Bot API webhook at ``path`` on ``app``; returns the path to register.

    Telegram proves itself with the secret header, checked in constant time before the body
    is read. Bale may not send the header, so with ``secret_in_path`` the secret is the last
    path segment instead (compared the same way). Each update is written to the inbox by
    ``accept`` before the answer 200, so Telegram re-delivers whatever a crash interrupted.
    """
    route = path.rstrip("/") or "/webhook"
    if secret_in_path:
        route = f"{route}/{{secret}}"
    expected = secret.encode()

    async def webhook(request: web.Request) -> web.StreamResponse:
        given = (
            request.match_info.get("secret", "")
            if secret_in_path
            else request.headers.get(WEBHOOK_SECRET_HEADER, "")
        )
        if not hmac.compare_digest(given.encode(), expected):
            log.warning("webhook call with a wrong secret refused")
            return web.Response(status=401)
        if (request.content_length or 0) > _MAX_UPDATE_BYTES:
            return web.Response(status=413)
        chunks: list[bytes] = []
        size = 0
        # read() returns what has arrived so far; a body may come in several pieces.
        async with _body_deadline(request):
            while chunk := await request.content.read(65536):
                size += len(chunk)
                if size > _MAX_UPDATE_BYTES:
                    return web.Response(status=413)
                chunks.append(chunk)
        body = b"".join(chunks)
        try:
            update = json.loads(body)
        except ValueError:
            return web.Response(status=400)
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return web.Response(status=400)
        await accept([update])
        return web.json_response({})

    app.router.add_post(route, webhook)
    return route
