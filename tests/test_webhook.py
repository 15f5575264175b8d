"""Webhook mode: one HTTP server takes Telegram's updates and serves the verify pages."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import BotRuntime
from domain import texts
from tests.conftest import bot_settings
from tests.driver import Applicant
from tests.fakebotapi import FakeBotApi

pytestmark = pytest.mark.timeout(60)

SECRET = "s3cr3t-webhook-token-0123456789"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def webhook_bot(
    api: FakeBotApi, data_dir: Path, database_url: str, request: pytest.FixtureRequest
) -> AsyncIterator[BotRuntime]:
    platform = getattr(request, "param", "telegram")
    port = free_port()
    settings = bot_settings(
        api, data_dir, database_url=database_url, bot_mode="webhook", verify_port=port,
        webhook_url=f"http://127.0.0.1:{port}/telegram/hook", webhook_secret=SECRET,
        bot_platform=platform,
    )  # fmt: skip
    runtime = BotRuntime(settings)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


async def _post(url: str, body: dict[str, Any], headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as http, http.post(url, json=body, headers=headers) as r:
        return r.status


async def test_updates_arrive_by_webhook_and_the_secret_is_checked(
    api: FakeBotApi, webhook_bot: BotRuntime, applicant: Applicant
) -> None:
    assert api.webhook_url == f"http://127.0.0.1:{webhook_bot.web.port}/telegram/hook"
    assert api.webhook_params["secret_token"] == SECRET
    welcome = await applicant.command("start")
    assert welcome["text"].startswith("سلام")
    assert all(status == 200 for _, _, status in api.webhook_deliveries)

    # Anyone else posting to the webhook is refused before the body is looked at.
    forged = {"update_id": 999_999, "message": {"message_id": 1}}
    url = api.webhook_url
    assert url is not None
    assert await _post(url, forged, {}) == 401
    assert await _post(url, forged, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}) == 401
    assert not await webhook_bot.store.inbox.contains(999_999)

    # A re-delivered update (Telegram retries after a crash) is handled once.
    again = api.updates[0]
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert await _post(url, again, headers) == 200
    await api.expect_no_message(applicant.user_id, wait=0.5)

    # The same server serves the verify pages.
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{webhook_bot.web.port}/healthz") as response,
    ):
        assert response.status == 200


@pytest.mark.parametrize("webhook_bot", ["bale"], indirect=True)
async def test_bale_gets_the_secret_in_the_path(
    api: FakeBotApi, webhook_bot: BotRuntime, applicant: Applicant
) -> None:
    assert api.webhook_url is not None and api.webhook_url.endswith(f"/telegram/hook/{SECRET}")
    welcome = await applicant.command("start")
    assert welcome["text"].startswith("سلام")
    wrong = api.webhook_url.replace(SECRET, "x" * len(SECRET))
    assert await _post(wrong, {"update_id": 5, "message": {}}, {}) == 401


async def test_webhook_mode_needs_its_url_and_secret(api: FakeBotApi, data_dir: Path) -> None:
    from bot.settings import Settings, SettingsError, load_settings

    with pytest.raises(SettingsError, match="WEBHOOK_URL is required"):
        load_settings(Settings, _env_file=None, bot_token="1:x", admin_chat_id=-1,
                      bot_mode="webhook")  # fmt: skip
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        load_settings(Settings, _env_file=None, bot_token="1:x", admin_chat_id=-1,
                      bot_mode="webhook", webhook_url="https://x.example/h",
                      webhook_secret="short")  # fmt: skip
    assert texts.WELCOME  # the catalogue is importable next to settings
