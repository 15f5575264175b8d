"""``python -m bot doctor``: before going live, what is fine and what is not, in one table.

Checks, each one line with what to do when it fails: the Bot API (getMe, through the proxy if
there is one), the bot's place in the staff and security groups, the database (reachable, its
schema up to date), the signing key (readable, published), and the public verify address
(its ``/keys`` answers with this office's keys). Nothing is changed: no migration is run and
no key is made.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from typing import Literal
from urllib.parse import urlsplit

import aiohttp
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.app import transport
from bot.delivery import Group, group_standing
from bot.settings import Settings
from domain.signing import PublicKeyInfo, SigningKey

Outcome = Literal["ok", "warn", "fail", "skip"]
MARKS: dict[Outcome, str] = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "–"}
FETCH_TIMEOUT = 10.0


@dataclasses.dataclass(frozen=True)
class Check:
    """One line of the table: what was checked, how it went, what was found or what to do."""

    name: str
    outcome: Outcome
    detail: str


async def run_checks(settings: Settings) -> list[Check]:
    """Every check, in the table's order."""
    checks = [Check("settings", "ok", f"{settings.bot_platform}, {settings.bot_mode}")]
    bot = Bot(
        settings.bot_token.get_secret_value(),
        base_url=settings.api_url,
        base_file_url=settings.file_url,
        request=transport(settings, 2),
    )
    reachable = await _bot_api(settings, bot, checks)
    for name, chat_id, setting in (
        ("staff group", settings.admin_chat_id, "ADMIN_CHAT_ID"),
        ("security group", settings.security_chat_id, "SECURITY_CHAT_ID"),
    ):
        if chat_id is None:
            checks.append(Check(name, "skip", f"{setting} is not set"))
        elif not reachable:
            checks.append(Check(name, "skip", "the Bot API did not answer"))
        else:
            checks.append(await _group(bot, name, chat_id, setting))
    with contextlib.suppress(Exception):
        await bot.shutdown()
    await bot.request.shutdown()
    published = await _storage(settings, checks)
    checks.append(await _verify_url(settings, published))
    return checks


def table(checks: list[Check]) -> str:
    """The checks as aligned lines: a mark, the name, the detail."""
    width = max(len(c.name) for c in checks)
    return "\n".join(f"{MARKS[c.outcome]} {c.name:<{width}}  {c.detail}" for c in checks)


async def _bot_api(settings: Settings, bot: Bot, checks: list[Check]) -> bool:
    via = f" through {settings.proxy_label}" if settings.proxy_label else ""
    try:
        await bot.initialize()
    except InvalidToken:
        detail = "BOT_TOKEN was refused: copy it again from BotFather (on Bale: @botfather)"
        checks.append(Check("Bot API", "fail", detail))
        return False
    except NetworkError as exc:
        reason = type(exc.__cause__ or exc).__name__
        detail = f"unreachable{via} ({reason}): check the network, BOT_API_URL or BOT_PROXY_URL"
        checks.append(Check("Bot API", "fail", detail))
        return False
    except TelegramError as exc:
        checks.append(Check("Bot API", "fail", f"getMe refused: {_masked(settings, exc)}"))
        return False
    checks.append(Check("Bot API", "ok", f"@{bot.username} ({bot.id}){via}"))
    return True


async def _group(bot: Bot, name: str, chat_id: int, setting: str) -> Check:
    """The bot's place in a group, as the outbox sender judges it at start (one way)."""
    group = Group(name, setting, chat_id, reads=setting == "ADMIN_CHAT_ID")
    try:
        standing = await group_standing(bot, group)
    except (NetworkError, RetryAfter) as exc:
        return Check(name, "fail", f"{group}: the Bot API did not answer ({type(exc).__name__})")
    return Check(name, standing.outcome, f"{chat_id} {standing.detail}")


async def _storage(settings: Settings, checks: list[Check]) -> dict[int, PublicKeyInfo] | None:
    """The database and signing key checks; returns the published keys when readable."""
    from storage.migrate import schema_revisions

    store = settings.open_store()
    published: dict[int, PublicKeyInfo] | None = None
    try:
        try:
            current, head = await schema_revisions(store.engine)
        except Exception as exc:  # any driver's connection error
            detail = f"cannot open it ({type(exc).__name__}): check DATABASE_URL"
            checks.append(Check("database", "fail", detail))
            checks.append(Check("signing key", "skip", "the database could not be read"))
            return None
        if current != head:
            detail = f"schema {current or 'empty'}, code wants {head}: run `python -m bot migrate`"
            checks.append(Check("database", "warn", detail))
        else:
            checks.append(Check("database", "ok", f"{store.engine.dialect.name}, schema {head}"))
        if current is not None:
            published = await store.keys.public_keys()
        checks.append(await _signing_key(settings, published))
    finally:
        await store.close()
    return published


async def _signing_key(settings: Settings, published: dict[int, PublicKeyInfo] | None) -> Check:
    path = settings.key_path
    try:
        pem = await asyncio.to_thread(path.read_bytes)
        key = SigningKey.from_pem(pem, key_id=0)
    except FileNotFoundError:
        return Check("signing key", "warn", f"none at {path}: the first start makes one")
    except (OSError, ValueError) as exc:
        return Check("signing key", "fail", f"{path} unreadable ({type(exc).__name__})")
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        return Check("signing key", "fail", f"{path} is readable by others: chmod 600 {path}")
    mine = key.public_key_bytes()
    if published is not None and not any(k.public_key_bytes == mine for k in published.values()):
        return Check("signing key", "warn", "not yet published: the next start publishes it")
    return Check("signing key", "ok", f"{path}")


async def _verify_url(settings: Settings, published: dict[int, PublicKeyInfo] | None) -> Check:
    if settings.verify_base_url is None:
        return Check("verify URL", "skip", "VERIFY_BASE_URL is not set: QR codes hold deep links")
    parts = urlsplit(settings.verify_base_url.lower())
    url = f"{parts.scheme}://{parts.netloc}/keys"
    try:
        document = await _fetch_json(url)
        served = {PublicKeyInfo.from_dict(k).public_key_bytes for k in document["keys"]}
    except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as exc:
        reason = type(exc).__name__
        return Check("verify URL", "fail", f"{url} did not answer with keys ({reason})")
    ours = {k.public_key_bytes for k in (published or {}).values()}
    if published is not None and not ours <= served:
        return Check("verify URL", "fail", f"{url} serves another office's keys")
    return Check("verify URL", "ok", f"{url} serves this office's keys")


async def _fetch_json(url: str) -> dict[str, list[dict[str, object]]]:
    timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
        response.raise_for_status()
        document = await response.json(content_type=None)
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    return document


def _masked(settings: Settings, exc: TelegramError) -> str:
    return exc.message.replace(settings.bot_token.get_secret_value(), "<token>")


async def main(settings: Settings) -> int:
    """Print the table; 0 when nothing failed (warnings allowed), 1 otherwise."""
    checks = await run_checks(settings)
    print(table(checks))
    return 1 if any(c.outcome == "fail" for c in checks) else 0
