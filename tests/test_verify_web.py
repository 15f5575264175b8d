"""The public verification web service: verdict pages, JSON, holder check, keys, rate limits.

Every test runs the real server on loopback over a real store (SQLite in a temporary folder)
holding confirmations issued the way the bot issues them.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import update

from bot.web import RateLimits, SlidingWindowLimiter, VerifyServer, client_key
from domain import texts
from domain.digits import to_persian_digits
from domain.jalali import format_date
from domain.signing import ConfirmationKind, TokenPayload, holder_binding, sign_token
from domain.verification import Result, Verdict, display_serial
from loopback import jpeg, pdf
from rendering.verify_page import render_error_page, render_verdict_page
from storage import models
from storage.confirmations import ConfirmationView
from storage.errors import KeyNotPublished
from storage.store import Store
from tests.driver import cut_connections, file_directly

pytestmark = pytest.mark.timeout(60)

OFFICE = "حوزه سنجش و ارزشیابی مهارت استان خوزستان"
FULL_NAME = "مریم احمدی"
MASKED = "م*** ا***"
FATHER = "حسین"
NATIONAL_CODE = "0013542419"
PERSIAN_CODE = "۰۰۱۳۵۴۲۴۱۹"
CERTIFICATE = "1402-45871"
ANSWERS: dict[str, Any] = {"certificate_number": CERTIFICATE}  # the rest: driver's defaults
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
JSON = {"Accept": "application/json"}


# --- Setup helpers (also used by the browser test) -------------------------------------------


def open_store(folder: Path) -> Store:
    """A store in ``folder``; migrate it before use."""
    return Store.open(f"sqlite+aiosqlite:///{folder / 'verify.sqlite3'}", folder / "files")


async def approved_request(store: Store, user_id: int, **answers: Any) -> int:
    """File a duplicate request through the storage use cases and mark it approved."""
    filed = await file_directly(store, user_id, pdf(), jpeg(300, 400), **{**ANSWERS, **answers})
    async with store.sessions.begin() as session:  # test setup: skip the staff workflow
        await session.execute(
            update(models.Request).where(models.Request.id == filed.id).values(status="approved")
        )
    return filed.id


async def issue_confirmation(
    store: Store, user_id: int = 7001, **answers: Any
) -> ConfirmationView:
    """An approved request and its issued confirmation."""
    request_id = await approved_request(store, user_id, **answers)
    return await store.confirmations.issue(request_id, office=OFFICE, signer_name="امضاکننده")


async def revoke(store: Store, serial: int, reason: str, at: dt.datetime) -> None:
    """Mark a confirmation revoked (test setup; the staff workflow does this in production)."""
    async with store.sessions.begin() as session:
        await session.execute(
            update(models.Confirmation)
            .where(models.Confirmation.serial == serial)
            .values(status="revoked", revoke_reason=reason, revoked_at=at)
        )


# --- Fixtures --------------------------------------------------------------------------------


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = open_store(tmp_path)
    await store.migrate()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
async def confirmation(store: Store) -> ConfirmationView:
    return await issue_confirmation(store)


class Site:
    """A running verification server and an HTTP client for it."""

    def __init__(self, server: VerifyServer, client: aiohttp.ClientSession) -> None:
        self.server = server
        self.client = client
        self.base = f"http://127.0.0.1:{server.port}"

    async def get(self, path: str, **kwargs: Any) -> tuple[aiohttp.ClientResponse, str]:
        async with self.client.get(self.base + path, allow_redirects=False, **kwargs) as r:
            return r, await r.text()

    async def get_json(self, path: str) -> tuple[aiohttp.ClientResponse, Any]:
        async with self.client.get(self.base + path, headers=JSON) as r:
            return r, await r.json()

    async def check(
        self, token: str, code: str, *, json: bool = False, prefix: str = "/v"
    ) -> tuple[aiohttp.ClientResponse, str]:
        headers = JSON if json else {}
        url = f"{self.base}{prefix}/{token}/check"
        async with self.client.post(url, data={"national_code": code}, headers=headers) as r:
            return r, await r.text()


@contextlib.asynccontextmanager
async def running(
    store: Store, limits: RateLimits | None = None, **options: Any
) -> AsyncIterator[Site]:
    """A verification server for one test, and a client for it."""
    server = VerifyServer(
        store.verification, office_name=OFFICE, limits=limits or RateLimits(), **options
    )
    await server.start("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as client:
            yield Site(server, client)
    finally:
        await server.stop()


@pytest.fixture
async def site(store: Store) -> AsyncIterator[Site]:
    async with running(store) as running_site:
        yield running_site


def tampered(token: str, position: int = 60) -> str:
    """``token`` with one character changed."""
    replacement = "B" if token[position] == "A" else "A"
    return token[:position] + replacement + token[position + 1 :]


def verdict_of(page: str) -> str:
    match = re.search(r'data-verdict="([a-z_]+)"', page)
    assert match, page
    return match.group(1)


def check_notice(matches: bool) -> str:
    answer = texts.WEB_CHECK_MATCHES if matches else texts.WEB_CHECK_NO_MATCH
    return texts.WEB_CHECK_RESULT.format(answer=answer)


# --- The verdict page ------------------------------------------------------------------------


async def test_a_genuine_confirmation_shows_only_the_minimum(
    site: Site, confirmation: ConfirmationView
) -> None:
    response, page = await site.get(f"/v/{confirmation.token}")
    assert response.status == 200
    assert response.content_type == "text/html"
    assert response.charset == "utf-8"
    assert verdict_of(page) == "genuine"
    assert texts.WEB_VERDICT_TITLES["genuine"] in page
    assert '<html lang="fa" dir="rtl">' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert MASKED in page
    assert "جوشکار" in page
    assert to_persian_digits(CERTIFICATE) in page
    assert to_persian_digits(display_serial(confirmation.serial)) in page
    assert format_date(confirmation.issued_at) in page
    assert OFFICE in page
    # Never the national code (in any digits), the full name or the father's name.
    for secret in (NATIONAL_CODE, PERSIAN_CODE, FULL_NAME, "احمدی", FATHER, "1370", "۱۳۷۰"):
        assert secret not in page, secret
    # The check form posts back to this token.
    assert f'action="/v/{confirmation.token}/check"' in page
    assert 'name="national_code"' in page
    assert 'inputmode="numeric"' in page
    # Self-contained: nothing fetched from anywhere.
    assert "<script" not in page
    assert "src=" not in page
    assert "http://" not in page and "https://" not in page


async def test_every_response_carries_the_security_headers(
    site: Site, confirmation: ConfirmationView
) -> None:
    for path in (f"/v/{confirmation.token}", "/v/garbage", "/keys", "/healthz", "/nowhere"):
        response, _ = await site.get(path)
        assert response.headers["Content-Security-Policy"] == CSP, path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] == "no-referrer", path
    response, _ = await site.get(f"/v/{confirmation.token}")
    assert response.headers["Cache-Control"] == "no-store"
    response, _ = await site.check(confirmation.token, NATIONAL_CODE)
    assert response.headers["Cache-Control"] == "no-store"
    # The redirect of a reloaded check, a wrong method, and a verdict in JSON carry them too.
    redirect, _ = await site.get(f"/v/{confirmation.token}/check")
    async with site.client.delete(f"{site.base}/keys") as wrong_method:
        await wrong_method.read()
    async with site.client.get(f"{site.base}/v/{confirmation.token}", headers=JSON) as as_json:
        await as_json.read()
    for response, status in ((redirect, 303), (wrong_method, 405), (as_json, 200)):
        assert response.status == status
        assert response.headers["Content-Security-Policy"] == CSP, status
        assert response.headers["X-Frame-Options"] == "DENY", status
        assert response.headers["Cache-Control"] == "no-store", status


async def test_json_carries_the_same_public_data(
    site: Site, confirmation: ConfirmationView
) -> None:
    response, data = await site.get_json(f"/v/{confirmation.token}")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert data["verdict"] == "genuine"
    assert data["signature_valid"] is True
    assert data["holder"] == MASKED
    assert data["serial"] == display_serial(confirmation.serial)
    assert data["certificate_number"] == CERTIFICATE
    assert data["office"] == OFFICE
    assert NATIONAL_CODE not in str(data) and FULL_NAME not in str(data)

    async with site.client.get(f"{site.base}/v/{confirmation.token}?format=json") as r:
        assert r.status == 200
        assert (await r.json()) == data


async def test_the_upper_case_route_of_qr_codes_works(
    site: Site, confirmation: ConfirmationView
) -> None:
    response, page = await site.get(f"/V/{confirmation.token}")
    assert response.status == 200
    assert verdict_of(page) == "genuine"
    # A token typed by hand in lower case verifies too.
    response, page = await site.get(f"/v/{confirmation.token.lower()}")
    assert verdict_of(page) == "genuine"
    response, text = await site.check(confirmation.token, NATIONAL_CODE, prefix="/V")
    assert check_notice(True) in text


async def test_a_tampered_token_gets_an_invalid_verdict_not_an_error(
    site: Site, confirmation: ConfirmationView
) -> None:
    for position in (10, 60, 120):  # payload (the serial), signature, signature
        forged = tampered(confirmation.token, position)
        response, page = await site.get(f"/v/{forged}")
        assert response.status == 200
        assert verdict_of(page) == "invalid_signature"
        assert texts.WEB_VERDICT_TITLES["invalid_signature"] in page
        assert MASKED not in page
        assert "national_code" not in page  # no check form for a forgery
        _, data = await site.get_json(f"/v/{forged}")
        assert data["verdict"] == "invalid_signature"
        assert data["holder"] is None


async def test_garbage_gets_an_invalid_verdict(site: Site) -> None:
    for garbage in ("garbage", "A" * 130, "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "۱۲۳"):
        response, page = await site.get(f"/v/{garbage}")
        assert response.status == 200, garbage
        assert verdict_of(page) == "invalid_signature"
        assert "<script>" not in page
        response, data = await site.get_json(f"/V/{garbage}")
        assert response.status == 200
        assert data == {**data, "verdict": "invalid_signature", "reason": "malformed"}


async def test_a_revoked_confirmation_says_so_with_reason_and_date(
    store: Store, site: Site, confirmation: ConfirmationView
) -> None:
    revoked_at = dt.datetime(2025, 3, 10, 9, 30, tzinfo=dt.UTC)
    await revoke(store, confirmation.serial, "صدور اشتباه <b>نام</b>", revoked_at)
    response, page = await site.get(f"/v/{confirmation.token}")
    assert response.status == 200
    assert verdict_of(page) == "revoked"
    assert texts.WEB_VERDICT_TITLES["revoked"] in page
    assert "صدور اشتباه &lt;b&gt;نام&lt;/b&gt;" in page  # escaped
    assert "<b>" not in page
    assert "۱۴۰۳/۱۲/۲۰" in page  # 2025-03-10 in the Jalali calendar
    _, data = await site.get_json(f"/v/{confirmation.token}")
    assert data["verdict"] == "revoked"
    assert data["revoke_reason"] == "صدور اشتباه <b>نام</b>"


async def test_a_superseded_confirmation_names_the_newer_one(
    store: Store, site: Site, confirmation: ConfirmationView
) -> None:
    newer = await issue_confirmation(store, user_id=7002)  # same holder, same certificate
    assert newer.serial != confirmation.serial
    response, page = await site.get(f"/v/{confirmation.token}")
    assert response.status == 200
    assert verdict_of(page) == "superseded"
    assert texts.WEB_VERDICT_TITLES["superseded"] in page
    assert to_persian_digits(display_serial(newer.serial)) in page
    _, data = await site.get_json(f"/v/{confirmation.token}")
    assert data["superseded_by"] == display_serial(newer.serial)
    _, page = await site.get(f"/v/{newer.token}")
    assert verdict_of(page) == "genuine"


async def test_a_validly_signed_token_the_store_does_not_know_is_unknown(
    store: Store, site: Site, confirmation: ConfirmationView
) -> None:
    key = await store.keys.current()
    payload = TokenPayload(
        kind=ConfirmationKind.DUPLICATE,
        serial=confirmation.serial + 1000,
        issued_on=dt.date(2025, 3, 10),
        holder_hash=holder_binding(NATIONAL_CODE, FULL_NAME),
        key_id=key.key_id,
    )
    token = sign_token(payload, key)
    response, page = await site.get(f"/v/{token}")
    assert response.status == 200
    assert verdict_of(page) == "unknown"
    assert texts.WEB_VERDICT_TITLES["unknown"] in page
    assert "national_code" not in page  # nothing to check the code against
    _, data = await site.get_json(f"/v/{token}")
    assert data["verdict"] == "unknown"
    assert data["signature_valid"] is True
    _, text = await site.check(token, NATIONAL_CODE, json=True)
    assert json.loads(text) == {"matches": False}


async def test_a_withdrawn_key_invalidates_its_tokens(
    store: Store, site: Site, confirmation: ConfirmationView
) -> None:
    assert await store.keys.withdraw(confirmation.key_id)
    response, page = await site.get(f"/v/{confirmation.token}")
    assert response.status == 200
    assert verdict_of(page) == "invalid_signature"
    assert texts.WEB_KEY_WITHDRAWN_DETAIL in page
    _, data = await site.get_json(f"/v/{confirmation.token}")
    assert (data["verdict"], data["reason"]) == ("invalid_signature", "key_withdrawn")
    _, text = await site.check(confirmation.token, NATIONAL_CODE, json=True)
    assert json.loads(text) == {"matches": False}


async def test_a_signed_token_other_than_the_one_issued_under_its_serial_is_invalid(
    store: Store, site: Site, confirmation: ConfirmationView
) -> None:
    """Validly signed, but not what the store issued under that serial: the store's copy is
    not trusted for it, its signature is checked, and the verdict says it does not match."""
    key = await store.keys.current()
    other = TokenPayload(
        kind=ConfirmationKind.DUPLICATE,
        serial=confirmation.serial,
        issued_on=dt.date(2025, 3, 10),
        holder_hash=holder_binding("0084575948", "علی رضایی"),
        key_id=key.key_id,
    )
    token = sign_token(other, key)
    assert token != confirmation.token
    _, data = await site.get_json(f"/v/{token}")
    assert (data["verdict"], data["reason"], data["signature_valid"]) == (
        "invalid_signature",
        "mismatch",
        True,
    )
    assert data["holder"] is None
    _, data = await site.get_json(f"/v/{tampered(token)}")
    assert (data["verdict"], data["reason"]) == ("invalid_signature", "bad_signature")
    # The issued one, in any letter case, is still genuine.
    _, data = await site.get_json(f"/v/{confirmation.token.lower()}")
    assert (data["verdict"], data["holder"]) == ("genuine", MASKED)


async def test_nothing_is_issued_under_a_key_that_does_not_verify(store: Store) -> None:
    """A confirmation whose token would not verify against the published keys (its key was
    withdrawn and not yet replaced) is refused, and nothing is kept."""
    current = await store.keys.current()
    assert await store.keys.withdraw(current.key_id)
    request_id = await approved_request(store, 7002)
    with pytest.raises(KeyNotPublished):
        await store.confirmations.issue(request_id, office=OFFICE, signer_name="امضاکننده")
    assert await store.confirmations.for_request(request_id) is None
    # A new key is published: issuing works again, and the token verifies.
    await store.keys.rotate()
    view = await store.confirmations.issue(request_id, office=OFFICE, signer_name="امضاکننده")
    assert (await store.verification.verify(view.token)).verdict is Verdict.GENUINE


# --- The holder check ------------------------------------------------------------------------


async def test_the_national_code_check_answers_only_match_or_not(
    store: Store, site: Site, confirmation: ConfirmationView
) -> None:
    response, page = await site.check(confirmation.token, NATIONAL_CODE)
    assert response.status == 200
    assert check_notice(True) in page
    assert verdict_of(page) == "genuine"
    assert NATIONAL_CODE not in page  # the code typed is not echoed back

    _, page = await site.check(confirmation.token, "0013542427")
    assert check_notice(False) in page
    assert check_notice(True) not in page

    _, page = await site.check(confirmation.token, PERSIAN_CODE)  # Persian digits
    assert check_notice(True) in page
    _, page = await site.check(confirmation.token, "٠٠١٣٥٤٢٤١٩")  # Arabic-Indic digits
    assert check_notice(True) in page

    _, text = await site.check(confirmation.token, NATIONAL_CODE, json=True)
    assert json.loads(text) == {"matches": True}
    _, text = await site.check(confirmation.token, "", json=True)
    assert json.loads(text) == {"matches": False}
    _, text = await site.check(tampered(confirmation.token), NATIONAL_CODE, json=True)
    assert json.loads(text) == {"matches": False}
    _, text = await site.check("garbage", NATIONAL_CODE, json=True)
    assert json.loads(text) == {"matches": False}


async def test_the_check_works_on_revoked_and_superseded_confirmations(
    store: Store, site: Site, confirmation: ConfirmationView
) -> None:
    newer = await issue_confirmation(store, user_id=7002)
    _, page = await site.check(confirmation.token, NATIONAL_CODE)
    assert verdict_of(page) == "superseded"
    assert check_notice(True) in page
    await revoke(store, newer.serial, "اشتباه", dt.datetime(2025, 3, 10, tzinfo=dt.UTC))
    _, page = await site.check(newer.token, NATIONAL_CODE)
    assert verdict_of(page) == "revoked"
    assert check_notice(True) in page


async def test_only_a_page_view_counts_as_a_verification(
    store: Store, site: Site, confirmation: ConfirmationView
) -> None:
    assert await store.verification.verify_count(confirmation.serial) == 0
    await site.get(f"/v/{confirmation.token}")
    await site.get_json(f"/V/{confirmation.token}")
    assert await store.verification.verify_count(confirmation.serial) == 2
    for code in (NATIONAL_CODE, "1234567890"):
        await site.check(confirmation.token, code)
    async with site.client.head(f"{site.base}/v/{confirmation.token}") as r:
        assert r.status == 200
    assert await store.verification.verify_count(confirmation.serial) == 2


async def test_reloading_the_check_address_leads_back_to_the_verdict(
    site: Site, confirmation: ConfirmationView
) -> None:
    response, _ = await site.get(f"/v/{confirmation.token}/check")
    assert response.status == 303
    assert response.headers["Location"] == f"/v/{confirmation.token}"


# --- Keys, health, errors --------------------------------------------------------------------


async def test_keys_lists_the_published_keys(
    store: Store, site: Site, confirmation: ConfirmationView
) -> None:
    response, data = await site.get_json("/keys")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    key = await store.keys.current()
    published = await store.keys.public_keys()
    assert data == {"keys": [published[key.key_id].to_dict()]}
    assert data["keys"][0]["algorithm"] == "Ed25519"
    assert data["keys"][0]["withdrawn_at"] is None


async def test_health_and_unknown_pages(site: Site) -> None:
    response, text = await site.get("/healthz")
    assert (response.status, text) == (200, "ok")
    response, page = await site.get("/nowhere")
    assert response.status == 404
    assert texts.WEB_NOT_FOUND in page
    assert '<html lang="fa" dir="rtl">' in page
    async with site.client.delete(f"{site.base}/v/garbage") as r:
        assert r.status == 405
        assert texts.WEB_BAD_REQUEST in await r.text()


# --- Rate limits and privacy -----------------------------------------------------------------


async def test_too_many_requests_get_a_persian_429(
    store: Store, confirmation: ConfirmationView
) -> None:
    limits = RateLimits(verify_per_minute=3, check_per_minute=2, window_seconds=60)
    async with running(store, limits) as site:
        for _ in range(3):
            response, _ = await site.get(f"/v/{confirmation.token}")
            assert response.status == 200
        response, page = await site.get(f"/v/{confirmation.token}")
        assert response.status == 429
        assert 1 <= int(response.headers["Retry-After"]) <= 60
        assert "تعداد درخواست‌های شما از حد مجاز گذشته است" in page
        assert response.headers["Content-Security-Policy"] == CSP
        async with site.client.get(f"{site.base}/keys", headers=JSON) as r:
            assert r.status == 429
            assert (await r.json())["error"] == 429

        # The check has its own, smaller allowance.
        for _ in range(2):
            response, _ = await site.check(confirmation.token, NATIONAL_CODE)
            assert response.status == 200
        response, _ = await site.check(confirmation.token, NATIONAL_CODE)
        assert response.status == 429
        response, _ = await site.get("/healthz")  # monitoring is never limited
        assert response.status == 200
    # Refused requests were not counted as verifications.
    assert await store.verification.verify_count(confirmation.serial) == 3


async def test_the_limit_lifts_after_the_window(
    store: Store, confirmation: ConfirmationView
) -> None:
    limits = RateLimits(verify_per_minute=2, check_per_minute=1, window_seconds=0.5)
    async with running(store, limits) as site:
        for _ in range(2):
            assert (await site.get("/v/x"))[0].status == 200
        assert (await site.get("/v/x"))[0].status == 429
        handlers_limiter = _limiters(site.server)[0]
        assert "127.0.0.1" in handlers_limiter
        await asyncio.sleep(1.6)  # a window, plus the sweeper's period, plus slack
        assert "127.0.0.1" not in handlers_limiter  # forgotten with no further request
        assert (await site.get("/v/x"))[0].status == 200


def _limiters(server: VerifyServer) -> list[SlidingWindowLimiter]:
    """The server's limiters (white-box: to see what it remembers)."""
    found: list[SlidingWindowLimiter] = []
    for route in server.app.router.routes():
        owner = getattr(route.handler, "__self__", None)
        for name in ("verify_limiter", "check_limiter"):
            limiter = getattr(owner, name, None)
            if isinstance(limiter, SlidingWindowLimiter) and limiter not in found:
                found.append(limiter)
    assert found
    return found


async def test_the_verifier_address_is_never_logged(
    store: Store, confirmation: ConfirmationView, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(store, RateLimits(verify_per_minute=1)) as site:
        caplog.clear()
        with caplog.at_level(logging.DEBUG):
            await site.get(f"/v/{confirmation.token}")
            await site.get(f"/v/{confirmation.token}")  # refused
            await site.check(confirmation.token, NATIONAL_CODE)
            await site.get("/nowhere")
    assert not [r for r in caplog.records if "127.0.0.1" in r.getMessage()]
    assert not [r for r in caplog.records if NATIONAL_CODE in r.getMessage()]


def test_the_limiter_slides_and_forgets() -> None:
    now = [1000.0]
    limiter = SlidingWindowLimiter(2, 10.0, clock=lambda: now[0])
    assert limiter.hit("a") is None
    now[0] += 4
    assert limiter.hit("a") is None
    assert limiter.hit("a") == pytest.approx(6.0)  # until the first hit leaves the window
    assert limiter.hit("b") is None  # per client
    now[0] += 6
    assert limiter.hit("a") is None  # the first hit has left
    assert limiter.hit("a") == pytest.approx(4.0)
    now[0] += 20
    limiter.prune()
    assert len(limiter) == 0
    # A hit prunes other clients too once the sweep period has passed.
    assert limiter.hit("c") is None
    now[0] += 11
    assert limiter.hit("d") is None
    assert "c" not in limiter and "d" in limiter


class _FakeRequest:
    def __init__(self, remote: str | None, forwarded: list[str] | None = None) -> None:
        self.remote = remote
        self.headers = _Headers(forwarded or [])


class _Headers:
    def __init__(self, forwarded: list[str]) -> None:
        self._forwarded = forwarded

    def getall(self, name: str, default: list[str]) -> list[str]:
        assert name == "X-Forwarded-For"
        return self._forwarded or default


def test_clients_are_keyed_by_address_and_ipv6_network() -> None:
    def key(remote: str | None, forwarded: list[str] | None = None, trust: bool = False) -> str:
        return client_key(_FakeRequest(remote, forwarded), trust_proxy=trust)  # type: ignore[arg-type]

    assert key("203.0.113.7") == "203.0.113.7"
    assert key("2001:db8:1:2:3:4:5:6") == key("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert key("2001:db8:1:3::1") != key("2001:db8:1:2::1")
    assert key("::ffff:203.0.113.7") == "203.0.113.7"
    assert key(None) == "unknown"
    # X-Forwarded-For is believed only behind a trusted proxy, and only its last entry.
    assert key("10.0.0.1", ["198.51.100.1, 203.0.113.9"]) == "10.0.0.1"
    assert key("10.0.0.1", ["198.51.100.1, 203.0.113.9"], trust=True) == "203.0.113.9"
    assert key("10.0.0.1", [], trust=True) == "10.0.0.1"


async def test_a_proxy_is_trusted_only_when_told(
    store: Store, confirmation: ConfirmationView
) -> None:
    limits = RateLimits(verify_per_minute=1)
    async with running(store, limits) as site:
        for ip in ("198.51.100.1", "198.51.100.2"):
            response, _ = await site.get("/v/x", headers={"X-Forwarded-For": ip})
        assert response.status == 429  # both counted against the real (loopback) address
    async with running(store, limits, trust_proxy=True) as site:
        for ip in ("198.51.100.1", "198.51.100.2"):
            response, _ = await site.get("/v/x", headers={"X-Forwarded-For": ip})
            assert response.status == 200
        response, _ = await site.get("/v/x", headers={"X-Forwarded-For": "198.51.100.1"})
        assert response.status == 429


async def test_the_server_reports_its_port_and_stops(store: Store) -> None:
    server = VerifyServer(store.verification, office_name=OFFICE)
    with pytest.raises(RuntimeError):
        _ = server.port
    await server.start("127.0.0.1", 0)
    try:
        port = server.port
        assert port > 0
        with pytest.raises(RuntimeError):
            await server.start("127.0.0.1", 0)
    finally:
        await server.stop()
    with pytest.raises(RuntimeError):
        _ = server.port
    async with aiohttp.ClientSession() as client:
        with pytest.raises(aiohttp.ClientConnectionError):
            async with client.get(f"http://127.0.0.1:{port}/healthz"):
                pass
    await server.stop()  # stopping twice is harmless


# --- The page on its own (pure rendering) ----------------------------------------------------


def _result(verdict: Verdict, **fields: Any) -> Result:
    base: dict[str, Any] = {
        "serial": 42,
        "kind": "duplicate",
        "masked_name": MASKED,
        "trade": "جوشکار",
        "certificate_number": CERTIFICATE,
        "issued_on": dt.date(2025, 3, 10),
        "office": OFFICE,
        "signature_valid": True,
    }
    base.update(fields)
    return Result(verdict, **base)


@pytest.mark.parametrize("verdict", list(Verdict))
def test_every_verdict_has_its_own_banner(verdict: Verdict) -> None:
    fields: dict[str, Any] = {}
    if verdict is Verdict.REVOKED:
        fields = {"revoked_at": dt.datetime(2025, 3, 10, tzinfo=dt.UTC), "revoke_reason": "x"}
    if verdict is Verdict.SUPERSEDED:
        fields = {"superseded_by": 43}
    if verdict is Verdict.INVALID:
        result = Result(verdict, reason="bad_signature")
    else:
        result = _result(verdict, **fields)
    page = render_verdict_page(result, token="T" * 130, office_name=OFFICE)
    assert page.startswith("<!DOCTYPE html>")
    assert texts.WEB_VERDICT_TITLES[verdict.value] in page
    assert f'class="verdict v-{verdict.value}"' in page
    assert "<svg" in page  # an icon that needs no emoji font
    assert ("national_code" in page) == (
        verdict in (Verdict.GENUINE, Verdict.REVOKED, Verdict.SUPERSEDED)
    )
    if verdict is Verdict.SUPERSEDED:
        assert "۰۰۰۰۰۴۳" in page
    if verdict is Verdict.REVOKED:
        assert "۱۴۰۳/۱۲/۲۰" in page


def test_everything_shown_is_escaped() -> None:
    evil = '<script>alert("x")</script>'
    result = _result(
        Verdict.REVOKED,
        masked_name=evil,
        trade=evil,
        certificate_number=evil,
        office=evil,
        revoke_reason=evil,
        revoked_at=dt.datetime(2025, 3, 10, tzinfo=dt.UTC),
    )
    page = render_verdict_page(result, token='"><script>', holder_check=False, office_name=evil)
    assert "<script" not in page
    assert "&lt;script&gt;" in page
    assert 'action="/v/%22%3E%3Cscript%3E/check"' in page
    assert "<script" not in render_error_page(evil)


def test_the_check_notice_shows_only_when_a_check_was_made() -> None:
    result = _result(Verdict.GENUINE)
    assert 'id="holder-check"' not in render_verdict_page(result, token="T", office_name=OFFICE)
    yes = render_verdict_page(result, token="T", holder_check=True, office_name=OFFICE)
    no = render_verdict_page(result, token="T", holder_check=False, office_name=OFFICE)
    assert check_notice(True) in yes and check_notice(False) not in yes
    assert check_notice(False) in no and check_notice(True) not in no


# --- The kept reading connection -------------------------------------------------------------


async def test_verification_survives_a_broken_reading_connection(
    database_url: str, data_dir: Path
) -> None:
    """The kept connection is dropped and opened again when the database closed it (a
    PostgreSQL restart, say); and it sees every commit made elsewhere, at once."""
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    store = Store.open(database_url, data_dir / "files")
    await store.migrate()
    try:
        issued = await issue_confirmation(store)
        assert (await store.verification.verify(issued.token)).verdict is Verdict.GENUINE
        await cut_connections(store, store.verification._hot)
        assert (await store.verification.verify(issued.token)).verdict is Verdict.GENUINE
        await revoke(store, issued.serial, "ابطال", dt.datetime(2025, 3, 10, tzinfo=dt.UTC))
        assert (await store.verification.verify(issued.token)).verdict is Verdict.REVOKED
    finally:
        await store.close()
