"""Shared fixtures: a loopback Bot API server, settings pointing at it, a running bot, the
playground, and Debian's Chromium for the browser tests."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import BotRuntime
from bot.playground import Playground
from bot.settings import Settings
from loopback import (
    BOT_VARIABLES,
    FakeBaleApi,
    FakeBotApi,
    environment_for,
    fresh_postgres,
    settings_for,
)
from storage.store import Store
from tests.driver import Applicant

ADMIN_CHAT_ID = -1001000
SECURITY_CHAT_ID = -1002000
REVIEWER, SIGNER, ADMIN, SECOND_SIGNER, BOTH = 9001, 9002, 9003, 9004, 9005
STAFF = (
    f"{REVIEWER}:reviewer, {SIGNER}:signer, {ADMIN}:admin, {SECOND_SIGNER}:signer, "
    f"{BOTH}:reviewer+signer"
)
# The signers' official names and titles (a signer signs only with both recorded); BOTH has
# none.
OFFICIALS = {
    SIGNER: ("حسن صالحی", "سرپرست ادارهٔ کل آموزش فنی و حرفه‌ای استان خوزستان"),
    SECOND_SIGNER: ("مینا شریفی", "معاون ادارهٔ کل آموزش فنی و حرفه‌ای استان خوزستان"),
}
TOKEN = "123456:TEST-TOKEN-abcdefghijklmnop"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"  # screenshots, git-ignored


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests never read the developer's own settings."""
    for name in BOT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    yield


DIALECTS = ("telegram", "bale")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "both_dialects: run the module's tests against Telegram's and Bale's Bot API"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``both_dialects`` run against each dialect of the loopback server."""
    if "dialect" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_dialects"
    ):
        metafunc.parametrize("dialect", DIALECTS, indirect=True)


@pytest.fixture
def dialect(request: pytest.FixtureRequest) -> str:
    """The Bot API the loopback server speaks: Telegram's, or Bale's (loopback/bale.py)."""
    return str(getattr(request, "param", "telegram"))


def new_api(dialect: str = "telegram", **kwargs: Any) -> FakeBotApi:
    """A loopback Bot API server (not started) speaking ``dialect``."""
    kwargs = {"token": TOKEN, "bot_username": "tvto_test_bot", "bot_id": 123456, **kwargs}
    if dialect == "bale":
        return FakeBaleApi(**kwargs)
    return FakeBotApi(**kwargs)


@pytest.fixture
def chromium() -> Path:
    """Debian's Chromium: required, not optional (CI's .ci/run installs it)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install chromium); "
            "CI's .ci/run installs it. This test must run, so it fails rather than skips."
        )
    return CHROMIUM


@pytest.fixture
async def playground(tmp_path: Path, dialect: str) -> AsyncIterator[Playground]:
    """The local playground (bot.playground) on any free port, its server in ``dialect``."""
    running = Playground(data_dir=tmp_path / "data", port=0, platform=dialect)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def api(dialect: str) -> AsyncIterator[FakeBotApi]:
    """A Bot API server on loopback, speaking ``dialect``."""
    server = new_api(dialect)
    await server.start()
    server.group(ADMIN_CHAT_ID, title="کارشناسان سنجش")
    server.group(SECURITY_CHAT_ID, title="حراست")
    try:
        yield server
    finally:
        await server.stop()


def _settings(api: FakeBotApi, data_dir: Path) -> dict[str, Any]:
    return settings_for(
        api.base_url,
        api.base_file_url,
        data_dir,
        token=TOKEN,
        admin_chat_id=ADMIN_CHAT_ID,
        platform=api.platform,
    )


def bot_settings(api: FakeBotApi, data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a bot that talks to ``api`` and keeps its data in ``data_dir``."""
    return Settings(_env_file=None, **{**_settings(api, data_dir), **overrides})


def bot_environment(api: FakeBotApi, data_dir: Path, **overrides: str) -> dict[str, str]:
    """Environment variables for a bot process that talks to ``api``."""
    return environment_for(_settings(api, data_dir), **overrides)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """The bot's DATA_DIR for one test."""
    return tmp_path / "data"


POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, data_dir: Path) -> AsyncIterator[str]:
    """Every storage test runs on SQLite (a file in DATA_DIR) and on the real PostgreSQL.

    PostgreSQL gets a fresh database per test on the server at TEST_POSTGRES_URL (default:
    this machine's 127.0.0.1:5432, database ``test``), dropped afterwards.
    """
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{data_dir / 'bot.sqlite3'}"  # tmp_path is absolute
        return
    async with fresh_postgres(POSTGRES_ADMIN_URL, "tvto_test_") as url:
        yield url


@pytest.fixture
async def store(database_url: str, data_dir: Path) -> AsyncIterator[Store]:
    """A migrated store on each database (``database_url``), documents in DATA_DIR/files."""
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    opened = Store.open(database_url, data_dir / "files")
    await opened.migrate()
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def bot(api: FakeBotApi, data_dir: Path, database_url: str) -> AsyncIterator[BotRuntime]:
    """A running bot, in this process, talking to the loopback server."""
    runtime = BotRuntime(bot_settings(api, data_dir, database_url=database_url))
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


@pytest.fixture
async def staff_bot(
    api: FakeBotApi, data_dir: Path, database_url: str
) -> AsyncIterator[BotRuntime]:
    """A running bot with staff configured and a security chat."""
    for user_id, name in (
        (REVIEWER, "کارشناس"),
        (SIGNER, "امضاکننده"),
        (ADMIN, "مدیر"),
        (SECOND_SIGNER, "معاون"),
        (BOTH, "همه‌کاره"),
    ):
        api.user(user_id, first_name=name)
    runtime = await start_staff_bot(
        bot_settings(
            api,
            data_dir,
            staff=STAFF,
            security_chat_id=SECURITY_CHAT_ID,
            database_url=database_url,
        )
    )
    try:
        yield runtime
    finally:
        await runtime.stop()


async def seed_officials(store: Store) -> None:
    """Record the test signers' official names and titles, as an office does once."""
    for user_id, (name, title) in OFFICIALS.items():
        await store.staff.seed_official(user_id, name=name, title=title)


async def start_staff_bot(settings: Settings) -> BotRuntime:
    """A bot with ``settings`` started, its signers' official names and titles recorded."""
    runtime = BotRuntime(settings)
    await runtime.start()
    try:
        await seed_officials(runtime.store)
    except BaseException:
        await runtime.stop()
        raise
    return runtime


@pytest.fixture
def applicant(api: FakeBotApi) -> Applicant:
    """A certificate holder chatting with the bot."""
    return Applicant(api, user_id=5001, first_name="مریم")
