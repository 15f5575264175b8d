"""What a bot that talks to the loopback server runs with: its settings, the environment of a
bot process, and a PostgreSQL database of its own."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

# The bot's settings that a developer's shell may hold: a run never inherits them.
BOT_VARIABLES = (
    "BOT_TOKEN",
    "BOT_PLATFORM",
    "BOT_API_URL",
    "BOT_FILE_URL",
    "BOT_PROXY_URL",
    "DATA_DIR",
    "DATABASE_URL",
    "FILES_URL",
    "ADMIN_CHAT_ID",
    "DRAFT_TTL_DAYS",
    "LOG_LEVEL",
    "SIGNING_KEY_PATH",
    "STAFF",
    "SECURITY_CHAT_ID",
    "VERIFY_PORT",
    "VERIFY_HOST",
)


def settings_for(
    api_url: str,
    file_url: str,
    data_dir: Path,
    *,
    token: str,
    admin_chat_id: int,
    platform: str = "telegram",
    log_level: str = "INFO",
) -> dict[str, Any]:
    """The settings, by field name, of a bot that talks to a loopback server at ``api_url``
    and ``file_url``: short polls, group limits its own rate limiter never reaches, and any
    free port for its web server."""
    return {
        "bot_token": token,
        "bot_platform": platform,
        "bot_api_url": api_url,
        "bot_file_url": file_url,
        "data_dir": data_dir,
        "admin_chat_id": admin_chat_id,
        "poll_timeout": 2,
        "outbox_poll_seconds": 0.2,
        "group_messages_per_minute": 10_000,
        "overall_messages_per_second": 10_000,
        "verify_port": 0,
        "log_level": log_level,
    }


def environment_for(settings: dict[str, Any], **overrides: str) -> dict[str, str]:
    """The environment of a bot process: this one's without :data:`BOT_VARIABLES`, then
    ``settings`` (by field name, as :func:`settings_for` gives them) and ``overrides``."""
    env = {k: v for k, v in os.environ.items() if k not in BOT_VARIABLES}
    env.update({name.upper(): str(value) for name, value in settings.items()})
    env.update(overrides)
    return env


@contextlib.asynccontextmanager
async def fresh_postgres(url: str, prefix: str) -> AsyncIterator[str]:
    """A new empty database ``<prefix><random>`` beside the one ``url`` names; dropped after
    (connections and all).

    Yields the new database's SQLAlchemy URL, for asyncpg.
    """
    import asyncpg

    parsed = make_url(url)
    name = f"{prefix}{secrets.token_hex(6)}"
    admin_dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(admin_dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    try:
        yield parsed.set(drivername="postgresql+asyncpg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        connection = await asyncpg.connect(admin_dsn)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()
