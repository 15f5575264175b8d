"""The HTTP server against hostile clients: malformed requests and slow (slowloris) ones.

Raw sockets to the real server on loopback: what a hostile client can send is exactly what no
HTTP client library would.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.web import VerifyServer, add_webhook
from storage.confirmations import ConfirmationView
from storage.store import Store
from tests import test_verify_web
from tests.test_verify_web import NATIONAL_CODE, OFFICE

pytestmark = pytest.mark.timeout(60)

# The verify tests' fixtures: a store on SQLite, a confirmation issued in it.
store = test_verify_web.store
confirmation = test_verify_web.confirmation

CLIENT = "127.0.0.1"
SECRET = "s3cr3t-webhook-token-0123456789"
HEAD_TIMEOUT = 0.5
BODY_TIMEOUT = 0.5
# How long past its timeout the server may take to close: the body's lingering second, slack.
GRACE = 1.5


@contextlib.asynccontextmanager
async def serving(store: Store, **options: Any) -> AsyncIterator[VerifyServer]:
    """The verification server with the webhook on it, as in webhook mode."""
    server = VerifyServer(store.verification, office_name=OFFICE, **options)

    async def accept(updates: list[dict[str, Any]]) -> None:
        pass

    add_webhook(server.app, "/hook", SECRET, accept)
    await server.start("127.0.0.1", 0)
    try:
        yield server
    finally:
        await server.stop()


async def exchange(port: int, *parts: bytes) -> bytes:
    """Send ``parts`` one after another (each after the answer to the one before has begun),
    then read until the server closes; what it answered (b"" if it reset the connection)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answer = b""
    try:
        for i, part in enumerate(parts):
            with contextlib.suppress(ConnectionError):
                for start in range(0, len(part), 65536):
                    writer.write(part[start : start + 65536])
                    await writer.drain()
            if i < len(parts) - 1:
                answer += await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        with contextlib.suppress(ConnectionError):
            answer += await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return answer


async def held_open(
    port: int, head: bytes, trickle: bytes, *, limit: float
) -> tuple[float, bytes]:
    """Send ``head``, then ``trickle`` a byte every 50 ms until the server closes the connection.

    Returns how long the server kept it (``limit`` if it never closed) and what it answered.
    """
    loop = asyncio.get_running_loop()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = loop.time()
    answer = b""
    try:
        writer.write(head)
        for byte in trickle:
            if loop.time() - started > limit:
                return limit, answer
            try:
                writer.write(bytes([byte]))
                await writer.drain()
                if chunk := await asyncio.wait_for(reader.read(65536), 0.05):
                    answer += chunk
                    continue
                return loop.time() - started, answer  # closed
            except TimeoutError:
                continue
            except ConnectionError:
                return loop.time() - started, answer
        raise AssertionError("the trickle ran out before the limit")
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


def statuses(answer: bytes) -> list[int]:
    return [int(code) for code in re.findall(rb"HTTP/1\.[01] (\d{3}) ", answer)]


def formatted(record: logging.LogRecord) -> str:
    """The record as a log file would have it, traceback included."""
    return logging.Formatter("%(levelname)s %(name)s: %(message)s").format(record)


def assert_quiet(records: list[logging.LogRecord]) -> None:
    """Nothing an ops log should not hold: no traceback, no address, nothing above WARNING."""
    for record in records:
        text = formatted(record)
        assert record.exc_info is None and "Traceback" not in text, text
        assert CLIENT not in text, text
        assert NATIONAL_CODE not in text, text
        assert record.levelno <= logging.WARNING, text


GOOD = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
LAST = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
MALFORMED = {
    "a 10 MB header": (
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 10_000_000 + b"\r\n\r\n",
    ),
    "20,000 headers": (
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-H%d: v\r\n" % i for i in range(20_000))
        + b"\r\n",
    ),
    "a malformed request line": (b"GET /v/x HTTP/1.1 junk\r\nHost: x\r\n\r\n",),
    "a control character in the path": (b"GET /v/\x00x HTTP/1.1\r\nHost: x\r\n\r\n",),
    "TLS to the plain port": (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 40,),
    "garbage after a good request": (GOOD, b"\x01\x02 / HTTP/1.1\r\nHost: x\r\n\r\n"),
}


@pytest.mark.parametrize("parts", MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_malformed_request_is_refused_with_one_quiet_log_line(
    store: Store, caplog: pytest.LogCaptureFixture, parts: tuple[bytes, ...]
) -> None:
    async with serving(store) as server:
        caplog.clear()
        with caplog.at_level(logging.DEBUG):
            answer = await exchange(server.port, *parts)
            for _ in range(100):  # a reset client may be ahead of the server's log
                if caplog.records:
                    break
                await asyncio.sleep(0.02)
            # The server is still fine for everyone else.
            assert statuses(await exchange(server.port, LAST)) == [200]
    refused = statuses(answer)[len(parts) - 1 :]
    assert refused in ([], [400]), answer[:200]  # [] : reset while the client still sent
    if len(parts) > 1:
        assert statuses(answer)[0] == 200
    assert len(caplog.records) == 1, [formatted(r) for r in caplog.records]
    assert "\n" not in formatted(caplog.records[0])
    assert_quiet(caplog.records)


async def test_a_handler_crash_keeps_its_traceback_but_not_the_address(
    store: Store, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serving(store) as server:

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("bug")

        # Past the error-page middleware: only aiohttp's own handler sees it.
        monkeypatch.setattr("bot.web._secure", broken)
        with caplog.at_level(logging.DEBUG):
            answer = await exchange(server.port, GOOD)
    assert statuses(answer) == [500]
    crashes = [r for r in caplog.records if r.exc_info is not None]
    assert len(crashes) == 1 and crashes[0].levelno == logging.ERROR
    assert "RuntimeError: bug" in formatted(crashes[0])
    assert not [r for r in caplog.records if CLIENT in formatted(r)]


HEAD = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
SLOW_HEADS = {
    "sends nothing": (b"", b"\r\n" * 1000),
    "never finishes its headers": (HEAD, b"X-Slow: " + b"a" * 1000),
    "trickles its next request": (GOOD + HEAD, b"X-Slow: " + b"a" * 1000),
}


@pytest.mark.parametrize(("head", "trickle"), SLOW_HEADS.values(), ids=SLOW_HEADS.keys())
async def test_a_client_slow_to_send_its_headers_is_disconnected(
    store: Store, caplog: pytest.LogCaptureFixture, head: bytes, trickle: bytes
) -> None:
    async with serving(store, header_timeout=HEAD_TIMEOUT) as server:
        with caplog.at_level(logging.DEBUG):
            kept, answer = await held_open(
                server.port, head, trickle, limit=HEAD_TIMEOUT + GRACE + 1
            )
    assert HEAD_TIMEOUT * 0.9 <= kept < HEAD_TIMEOUT + GRACE
    assert statuses(answer) == ([200] if head.startswith(GOOD) else [])
    assert_quiet(caplog.records)


async def test_a_body_sent_too_slowly_is_refused_and_the_connection_closed(
    store: Store, confirmation: ConfirmationView, caplog: pytest.LogCaptureFixture
) -> None:
    body = b"national_code=" + NATIONAL_CODE.encode() + b"&pad=" + b"a" * 1000
    update = b'{"update_id": 1, "message": {"text": "' + b"a" * 1000 + b'"}}'
    secret = b"X-Telegram-Bot-Api-Secret-Token: %s\r\n" % SECRET.encode()
    routes = {
        f"/v/{confirmation.token}/check": (b"application/x-www-form-urlencoded", body, b""),
        "/hook": (b"application/json", update, secret),
    }
    async with serving(store, body_timeout=BODY_TIMEOUT) as server:
        for path, (content_type, payload, extra) in routes.items():
            head = (
                b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n"
                % (path.encode(), content_type, len(payload), extra)
            )
            # Sent at once, the same request is answered.
            at_once = head.replace(b"Host: x\r\n", b"Host: x\r\nConnection: close\r\n")
            assert statuses(await exchange(server.port, at_once + payload)) == [200]
            with caplog.at_level(logging.DEBUG):
                kept, answer = await held_open(
                    server.port, head, payload, limit=BODY_TIMEOUT + GRACE + 1
                )
            assert BODY_TIMEOUT * 0.9 <= kept < BODY_TIMEOUT + GRACE, path
            assert statuses(answer) == [408], answer[:200]
            assert b"Connection: close" in answer
    assert_quiet(caplog.records)


def test_timeouts_must_be_positive(store: Store) -> None:
    for option in ("header_timeout", "body_timeout"):
        zero: dict[str, Any] = {option: 0.0}
        with pytest.raises(ValueError, match=option):
            VerifyServer(store.verification, office_name=OFFICE, **zero)
