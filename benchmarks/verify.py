"""Verify service: GET /v/<token> (JSON) with a million issued confirmations in the store.

The store is filled fast: one request row and one confirmation row per serial, written with
bulk INSERTs straight through sqlite3 (the statements are compiled from storage.models, so the
columns are the models'). Tokens are signed with the store's own key through domain.signing, on
every core; when signing them all would take longer than the size's budget, only an evenly
spread subset is signed and the rest carry a well-formed token with a random signature (said in
the figure's note). Only genuinely signed tokens are requested.

The service is the real one (bot.web.VerifyServer over the store's ConfirmationService), with
the per-address rate limits raised out of the way: every request comes from 127.0.0.1. The
baseline is a bare aiohttp hello-world route served the same way (AppRunner without access log,
TCPSite on loopback). The load generator (benchmarks.loadgen) runs in another process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import math
import multiprocessing
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import aiohttp
from aiohttp import web

from benchmarks.common import (
    Context,
    Figure,
    Target,
    median,
    national_code,
    percentile,
    sqlite_insert_sql,
    sqlite_value,
)
from benchmarks.loadgen import LoadResult, LoadSpec, run_load
from bot.web import RateLimits, VerifyServer
from domain import signing
from domain.jalali import to_tehran
from domain.signing import ConfirmationKind, SigningKey, TokenPayload
from domain.text import frozen_name_key
from storage import models
from storage.store import Store

OFFICE = "حوزه سنجش و ارزشیابی مهارت استان خوزستان"
NAMES = ("مریم احمدی", "علی رضایی", "زهرا کریمی", "حسین محمدی", "فاطمه موسوی")
TRADES = ("برق‌کار ساختمان", "جوشکار", "لوله‌کش", "نقاش ساختمان", "حسابدار")
CHUNK = 50_000
SAMPLE_TOKENS = 20_000
TARGET_RATIO = 0.5
TARGET_P99_MS = 20.0
UNLIMITED = 10**9


def _holder_hash(code: str, normalised_name: str) -> bytes:
    """domain.signing.holder_binding for an ASCII national code and a normalised name."""
    material = f"{code}|{normalised_name}".encode()
    return hashlib.sha256(material).digest()[: signing.HOLDER_HASH_SIZE]


def _payload(serial: int, issued_on: dt.date, key_id: int) -> TokenPayload:
    name = NAMES[serial % len(NAMES)]
    return TokenPayload(
        kind=ConfirmationKind.DUPLICATE,
        serial=serial,
        issued_on=issued_on,
        holder_hash=_holder_hash(national_code(serial), frozen_name_key(name)),
        key_id=key_id,
    )


def _sign_range(pem: bytes, key_id: int, issued_on: dt.date, serials: Sequence[int]) -> list[str]:
    key = SigningKey.from_pem(pem, key_id)
    return [signing.sign_token(_payload(s, issued_on, key_id), key) for s in serials]


def _unsigned_token(serial: int, issued_on: dt.date, key_id: int) -> str:
    """A well-formed token whose signature is random bytes (it will not verify)."""
    raw = _payload(serial, issued_on, key_id).to_bytes() + os.urandom(signing.SIGNATURE_SIZE)
    return _b32(raw)


def _b32(raw: bytes) -> str:
    import base64

    return base64.b32encode(raw).decode("ascii").rstrip("=")


class _Filler:
    """Bulk INSERTs of requests and confirmations, values encoded as SQLAlchemy would."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.connection.execute("PRAGMA synchronous=OFF")
        self.requests_sql = sqlite_insert_sql(
            models.Request,
            (
                "id",
                "tracking_code",
                "kind",
                "status",
                "created_at",
                "updated_at",
                "applicant_chat_id",
                "applicant_user_id",
                "source_draft",
                "full_name",
                "father_name",
                "national_code",
                "birth_date",
                "mobile",
                "trade",
                "certificate_number",
                "certificate_format",
                "details",
                "classification",
                "decided_at",
            ),
        )
        self.confirmations_sql = sqlite_insert_sql(
            models.Confirmation,
            (
                "serial",
                "request_id",
                "kind",
                "key_id",
                "token",
                "issued_at",
                "status",
                "certificate_key",
                "holder_name",
                "trade",
                "certificate_number",
                "office",
                "signer_name",
            ),
        )
        self.now = sqlite_value(models.Confirmation, "issued_at", models.utcnow())
        self.details = sqlite_value(models.Request, "details", {})

    def write(self, start: int, tokens: list[str], key_id: int) -> None:
        """Rows for serials start .. start+len(tokens)-1, in one transaction."""
        requests: list[tuple[object, ...]] = []
        confirmations: list[tuple[object, ...]] = []
        for offset, token in enumerate(tokens):
            serial = start + offset
            code = national_code(serial)
            name = NAMES[serial % len(NAMES)]
            trade = TRADES[serial % len(TRADES)]
            certificate = str(10_000_000 + serial)
            requests.append(
                (
                    serial,
                    f"B{serial:09d}",
                    "duplicate",
                    "approved",
                    self.now,
                    self.now,
                    serial,
                    serial,
                    f"bench-{serial}",
                    name,
                    "حسین",
                    code,
                    "1370/05/03",
                    "09121234567",
                    trade,
                    certificate,
                    "old",
                    self.details,
                    "old_books",
                    self.now,
                )
            )
            confirmations.append(
                (
                    serial,
                    serial,
                    "duplicate",
                    key_id,
                    token,
                    self.now,
                    "current",
                    f"{code}|{certificate}",
                    name,
                    trade,
                    certificate,
                    OFFICE,
                    "زهرا احمدی",
                )
            )
        cursor = self.connection.cursor()
        cursor.execute("BEGIN")
        cursor.executemany(self.requests_sql, requests)
        cursor.executemany(self.confirmations_sql, confirmations)
        cursor.execute("COMMIT")

    def close(self) -> None:
        self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.connection.close()


def _chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(1, total + 1, size):
        yield start, min(start + size, total + 1)


async def _fill(ctx: Context, store: Store, db_path: Path, total: int) -> tuple[list[str], str]:
    """Fill the store; returns the genuinely signed tokens to request and a note."""
    key = await store.keys.current()
    pem = key.to_pem()
    issued_on = to_tehran(models.utcnow()).date()
    workers = max(1, os.cpu_count() or 1)

    calibrate = list(range(1, 2001))
    started = time.perf_counter()
    _sign_range(pem, key.key_id, issued_on, calibrate)
    per_signature = (time.perf_counter() - started) / len(calibrate)
    affordable = int(ctx.sizes.verify_sign_budget_s * workers / per_signature)
    step = max(1, math.ceil(total / max(affordable, 1)))
    signed_serials = [s for s in range(1, total + 1) if s % step == 0]

    started = time.perf_counter()
    tokens: dict[int, str] = {}
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        parts = [signed_serials[i : i + CHUNK] for i in range(0, len(signed_serials), CHUNK)]
        futures = [
            loop.run_in_executor(pool, _sign_range, pem, key.key_id, issued_on, part)
            for part in parts
        ]
        for part, signed in zip(parts, await asyncio.gather(*futures), strict=True):
            tokens.update(zip(part, signed, strict=True))
    sign_seconds = time.perf_counter() - started

    started = time.perf_counter()
    filler = _Filler(db_path)
    try:
        for start, stop in _chunks(total, CHUNK):
            batch = [
                tokens.get(s) or _unsigned_token(s, issued_on, key.key_id)
                for s in range(start, stop)
            ]
            await asyncio.to_thread(filler.write, start, batch, key.key_id)
    finally:
        filler.close()
    insert_seconds = time.perf_counter() - started

    projected = per_signature * total / workers
    note = (
        f"{total:,} confirmations; {len(tokens):,} genuinely signed in {sign_seconds:.1f} s on "
        f"{workers} processes ({per_signature * 1e6:.0f} us each"
        + (
            f"; all {total:,} would take ~{projected:.0f} s, so the rest carry well-formed "
            "tokens with random signatures"
            if len(tokens) < total
            else ""
        )
        + f"); rows inserted in {insert_seconds:.1f} s"
    )
    ctx.log(f"  {note}")
    sample = list(tokens.values())
    if len(sample) > SAMPLE_TOKENS:
        sample = sample[:: len(sample) // SAMPLE_TOKENS][:SAMPLE_TOKENS]
    return sample, note


async def _hello(_request: web.Request) -> web.Response:
    return web.Response(text="Hello, world")


class _HelloServer:
    """The baseline: a bare aiohttp route, served like VerifyServer serves its app."""

    def __init__(self) -> None:
        app = web.Application()
        app.router.add_get("/hello", _hello)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        self.port = 0

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        await self._runner.cleanup()


async def _check_genuine(port: int, tokens: list[str]) -> None:
    async with aiohttp.ClientSession() as session:
        for token in tokens[:: max(1, len(tokens) // 20)]:
            url = f"http://127.0.0.1:{port}/v/{token}"
            async with session.get(url, headers={"Accept": "application/json"}) as response:
                body = await response.json()
            if response.status != 200 or body.get("verdict") != "genuine":
                raise AssertionError(f"verify answered {response.status} {body}")


async def run(ctx: Context) -> list[Figure]:
    sizes = ctx.sizes
    data_dir = ctx.workdir / "verify"
    db_path = data_dir / "bot.sqlite3"
    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store.open(f"sqlite+aiosqlite:///{db_path}", data_dir / "files")
    await store.migrate()
    tokens, note = await _fill(ctx, store, db_path, sizes.verify_confirmations)

    server = VerifyServer(
        store.verification,
        office_name=OFFICE,
        limits=RateLimits(verify_per_minute=UNLIMITED, check_per_minute=UNLIMITED),
    )
    hello = _HelloServer()
    await server.start("127.0.0.1", 0)
    await hello.start()
    ours: list[LoadResult] = []
    base: list[LoadResult] = []
    single: dict[str, LoadResult] = {}
    targets = {
        "verify": (server.port, [f"/v/{t}" for t in tokens], {"Accept": "application/json"}),
        "hello": (hello.port, ["/hello"], {}),
    }

    async def load(name: str, connections: int, seconds: float) -> LoadResult:
        port, paths, headers = targets[name]
        spec = LoadSpec(f"http://127.0.0.1:{port}", paths, connections, seconds, headers)
        cpu0 = time.process_time()
        result = await run_load(spec)
        server_cpu = (time.process_time() - cpu0) / (seconds + 1.0)
        ctx.log(
            f"  {name:<6} K={connections:<2}: {result.per_second:7.0f} req/s, "
            f"p50 {percentile(result.latencies, 50) * 1e3:5.1f} ms, "
            f"p99 {percentile(result.latencies, 99) * 1e3:5.1f} ms, "
            f"errors {result.errors}, client CPU {result.client_cpu:.0%}, "
            f"server CPU ~{server_cpu:.0%}"
        )
        return result

    try:
        await _check_genuine(server.port, tokens)
        for _ in range(sizes.verify_rounds):
            ours.append(await load("verify", sizes.verify_connections, sizes.verify_seconds))
            base.append(await load("hello", sizes.verify_connections, sizes.verify_seconds))
        for name in targets:
            single[name] = await load(name, 1, sizes.verify_seconds / 2)
    finally:
        await hello.stop()
        await server.stop()
        await store.close()

    k = sizes.verify_connections
    errors = sum(r.errors for r in ours) + single["verify"].errors
    client_cpu = median([r.client_cpu for r in ours])
    hello_cpu = median([r.client_cpu for r in base])
    cpu = (
        f"{k} connections, {sizes.verify_seconds:g} s a round; load generator CPU "
        f"{client_cpu:.0%} (hello {hello_cpu:.0%})"
    )

    def rounds(results: list[LoadResult], pct: float) -> list[float]:
        return [percentile(r.latencies, pct) * 1e3 for r in results]

    return [
        Figure(
            benchmark="verify",
            name=f"verify GET /v/<token> JSON ({sizes.verify_confirmations:,} issued) req/s",
            unit="/s",
            ours=median([r.per_second for r in ours]),
            baseline=median([r.per_second for r in base]),
            baseline_label="aiohttp hello world",
            target=Target("ratio_min", TARGET_RATIO),
            rounds=[r.per_second for r in ours],
            baseline_rounds=[r.per_second for r in base],
            note=f"{cpu}; {note}",
        ),
        Figure(
            benchmark="verify",
            name=f"verify GET /v/<token> p99, {sizes.verify_connections} connections",
            unit="ms",
            ours=median(rounds(ours, 99)),
            baseline=median(rounds(base, 99)),
            baseline_label="aiohttp hello world",
            target=Target("max", TARGET_P99_MS),
            rounds=rounds(ours, 99),
            baseline_rounds=rounds(base, 99),
        ),
        Figure(
            benchmark="verify",
            name=f"verify GET /v/<token> p50, {sizes.verify_connections} connections",
            unit="ms",
            ours=median(rounds(ours, 50)),
            baseline=median(rounds(base, 50)),
            baseline_label="aiohttp hello world",
            rounds=rounds(ours, 50),
            baseline_rounds=rounds(base, 50),
        ),
        Figure(
            benchmark="verify",
            name="verify GET /v/<token> p99, 1 connection",
            unit="ms",
            ours=percentile(single["verify"].latencies, 99) * 1e3,
            baseline=percentile(single["hello"].latencies, 99) * 1e3,
            baseline_label="aiohttp hello world",
            note=f"one round of {sizes.verify_seconds / 2:g} s, one request at a time: "
            f"{single['verify'].per_second:.0f} req/s (hello {single['hello'].per_second:.0f})",
        ),
        Figure(
            benchmark="verify",
            name="verify GET /v/<token> non-200 answers",
            unit="",
            ours=float(errors),
            target=Target("max", 0),
        ),
    ]
