"""Registry: import a generated CSV through the real importer, then match requests against it.

The CSV has the registry's English headers (recognised without a mapping file), valid national
codes, Jalali exam dates and a few thousand distinct names and trades. It is read by
``registry_files.RegistryImport`` and written by ``RegistryService.upsert``, as
``python -m bot registry import`` does. Lookups are ``RegistryService.match`` with what a
request carries (national code, certificate number, name, father's name, trade); the baseline
is a plain ``SELECT * FROM registry WHERE national_code = ?`` on the same table and engine.
Lookups alternate with their baseline.
"""

from __future__ import annotations

import csv
import random
import time
from pathlib import Path

from sqlalchemy import text

from benchmarks.common import (
    Context,
    Figure,
    Target,
    describe_database,
    median,
    national_code,
)
from loopback import fresh_postgres
from registry_files import RegistryImport
from storage.registry import RegistryService
from storage.store import Store

TARGET_LOOKUP_MS = 2.0
FIRST = ("مریم", "علی", "زهرا", "حسین", "فاطمه", "محمد", "سارا", "رضا", "نرگس", "مهدی")
LAST = ("احمدی", "رضایی", "کریمی", "محمدی", "موسوی", "حسینی", "جعفری", "صادقی", "نوری")
FATHER = ("حسن", "عباس", "احمد", "جواد", "کاظم", "مجید", "ناصر")
TRADES = ("برق‌کار ساختمان", "جوشکار", "لوله‌کش", "نقاش ساختمان", "حسابدار", "آشپز")
CENTRES = ("مرکز شماره ۱ اهواز", "مرکز دزفول", "آموزشگاه آزاد ستاره", "مرکز آبادان")
HEADER = (
    "national_code",
    "first_name",
    "last_name",
    "father_name",
    "trade",
    "certificate_number",
    "exam_date",
    "centre",
    "province",
)


def _row(i: int) -> tuple[str, ...]:
    first = FIRST[i % len(FIRST)]
    last = f"{LAST[(i // 10) % len(LAST)]}{'' if i % 7 else ' زاده'}"
    year = 1370 + i % 30
    return (
        national_code(i),
        first,
        last,
        FATHER[(i // 90) % len(FATHER)],
        TRADES[(i // 3) % len(TRADES)],
        str(20_000_000 + i),
        f"{year}/{1 + i % 12:02d}/{1 + i % 28:02d}",
        CENTRES[i % len(CENTRES)],
        "خوزستان",
    )


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(_row(i) for i in range(rows))


async def _measure(ctx: Context, url: str, csv_path: Path, label: str) -> list[Figure]:
    sizes = ctx.sizes
    data_dir = ctx.workdir / f"registry-{label}"
    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store.open(url, data_dir / "files")
    try:
        await store.migrate()
        service = RegistryService(store.sessions)
        source = RegistryImport(csv_path)
        started = time.perf_counter()
        counts = await service.upsert(source)
        seconds = time.perf_counter() - started
        rate = counts.received / seconds
        ctx.log(
            f"  {label}: imported {counts.inserted:,} of {source.report.rows_read:,} rows in "
            f"{seconds:.1f} s ({rate:,.0f} rows/s; skipped {source.report.skipped})"
        )
        failures = source.report.skipped + (sizes.registry_rows - counts.inserted)

        rng = random.Random(11)
        picks = [rng.randrange(sizes.registry_rows) for _ in range(sizes.registry_lookups)]
        plain = text("SELECT * FROM registry WHERE national_code = :code")
        ours: list[float] = []
        base: list[float] = []
        missed = 0
        for i in [*picks[:10], *picks]:  # the first ten warm up and are not counted
            row = _row(i)
            started = time.perf_counter()
            result = await service.match(
                row[0], row[5], f"{row[1]} {row[2]}", row[3], row[4], certificate_year=None
            )
            match_ms = (time.perf_counter() - started) * 1e3
            started = time.perf_counter()
            async with store.engine.connect() as connection:
                found = (await connection.execute(plain, {"code": row[0]})).fetchall()
            select_ms = (time.perf_counter() - started) * 1e3
            ours.append(match_ms)
            base.append(select_ms)
            if not result.found or not found:
                missed += 1
        ours, base = ours[10:], base[10:]
        ctx.log(
            f"  {label}: match median {median(ours):.2f} ms, plain SELECT median "
            f"{median(base):.2f} ms ({len(ours)} lookups, {missed} not found)"
        )
    finally:
        await store.close()
    prefix = f"registry[{label}]"
    return [
        Figure(
            benchmark="registry",
            name=f"{prefix} import {sizes.registry_rows:,} CSV rows",
            unit="rows/s",
            ours=rate,
            rounds=[rate],
            note=f"{seconds:.1f} s for {sizes.registry_rows:,} rows (one import, not repeated)",
        ),
        Figure(
            benchmark="registry",
            name=f"{prefix} match() lookup at {sizes.registry_rows:,} rows",
            unit="ms",
            ours=median(ours),
            baseline=median(base),
            baseline_label="SELECT … WHERE national_code = ?",
            target=Target("max", TARGET_LOOKUP_MS),
            note=f"median of {len(ours)} lookups of random records",
        ),
        Figure(
            benchmark="registry",
            name=f"{prefix} rows lost or not found",
            unit="",
            ours=float(failures + missed),
            target=Target("max", 0),
        ),
    ]


async def run(ctx: Context) -> list[Figure]:
    csv_path = ctx.workdir / "registry.csv"
    started = time.perf_counter()
    write_csv(csv_path, ctx.sizes.registry_rows)
    seconds = time.perf_counter() - started
    ctx.log(f"  generated {ctx.sizes.registry_rows:,} CSV rows in {seconds:.1f} s")
    db = ctx.workdir / "registry-sqlite.sqlite3"
    figures = await _measure(ctx, f"sqlite+aiosqlite:///{db}", csv_path, "sqlite")
    if ctx.database_url:
        async with fresh_postgres(ctx.database_url, "bench_") as url:
            figures += await _measure(ctx, url, csv_path, describe_database(url))
    return figures
