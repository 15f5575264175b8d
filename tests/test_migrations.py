"""Migrations: the schema they build is the models' schema, and upgrading keeps the data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from storage import models
from storage.migrate import alembic_config
from storage.store import Store


async def test_head_schema_is_the_models_schema(store: Store) -> None:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return list(compare_metadata(context, models.Base.metadata))

    async with store.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []


async def test_0002_carries_verification_counts_over(database_url: str, data_dir: Any) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(database_url)
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)

    def to(revision: str, connection: Connection) -> None:
        config = alembic_config(database_url)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: to("0001", c))
            for serial, count in ((1, 0), (2, 5), (3, 12)):
                await connection.execute(
                    text(
                        "INSERT INTO requests (id, tracking_code, kind, status, created_at, "
                        "updated_at, applicant_chat_id, applicant_user_id, source_draft, "
                        "full_name, national_code, details) VALUES (:i, :t, 'duplicate', "
                        "'approved', :now, :now, 1, 1, :t, 'n', '0012345679', '{}')"
                    ),
                    {"i": serial, "t": f"T{serial}", "now": now},
                )
                await connection.execute(
                    text(
                        "INSERT INTO confirmations (serial, request_id, kind, key_id, token, "
                        "issued_at, status, certificate_key, holder_name, office, verify_count) "
                        "VALUES (:s, :s, 'duplicate', 1, :tok, :now, 'current', 'k', 'n', 'o', :c)"
                    ),
                    {"s": serial, "tok": f"TOKEN{serial}", "now": now, "c": count},
                )
    finally:
        await engine.dispose()

    store = Store.open(database_url, data_dir / "files")
    try:
        await store.migrate()
        counts = [await store.verification.verify_count(s) for s in (1, 2, 3)]
        async with store.engine.connect() as connection:
            rows = await connection.execute(text("SELECT count(*) FROM verification_counts"))
            stored = rows.scalar_one()
    finally:
        await store.close()
    assert counts == [0, 5, 12]
    assert stored == 2  # a confirmation never checked has no row
