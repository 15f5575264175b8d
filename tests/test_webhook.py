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
from loopback import FakeBotApi
from tests.conftest import bot_settings
from tests.driver import Applicant

pytestmark = [pytest.mark.timeout(60), pytest.mark.both_dialects]

SECRET = "s3cr3t-webhook-token-0123456789"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def webhook_bot(
    api: FakeBotApi, data_dir: Path, database_url: str
) -> AsyncIterator[BotRuntime]:
    port = free_port()
    settings = bot_settings(
        api,
        data_dir,
        database_url=database_url,
        bot_mode="webhook",
        verify_port=port,
        webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
        webhook_secret=SECRET,
    )
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
    base = f"http://127.0.0.1:{webhook_bot.web.port}/telegram/hook"
    registered = api.calls_of("setWebhook")[-1]
    if api.platform == "bale":
        # Bale takes the URL alone and sends no secret header: the secret is in the path.
        assert set(registered) == {"url"}
        assert api.webhook_url == f"{base}/{SECRET}"
        headers: dict[str, str] = {}
    else:
        assert api.webhook_url == base
        assert api.webhook_params["secret_token"] == SECRET
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    welcome = await applicant.command("start")
    assert welcome["text"].startswith("سلام")
    assert all(status == 200 for _, _, status in api.webhook_deliveries)

    # Anyone else posting to the webhook is refused before the body is looked at.
    forged = {"update_id": 999_999, "message": {"message_id": 1}}
    url = api.webhook_url
    assert url is not None
    if api.platform == "bale":
        assert await _post(url.replace(SECRET, "x" * len(SECRET)), forged, {}) == 401
        assert await _post(base, forged, {"X-Telegram-Bot-Api-Secret-Token": SECRET}) != 200
    else:
        assert await _post(url, forged, {}) == 401
        assert await _post(url, forged, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}) == 401
    assert not await webhook_bot.store.inbox.contains(999_999)

    # A re-delivered update (the platform retries after a crash) is handled once.
    again = api.updates[0]
    assert await _post(url, again, headers) == 200
    await api.expect_no_message(applicant.user_id, wait=0.5)

    # The same server serves the verify pages.
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{webhook_bot.web.port}/healthz") as response,
    ):
        assert response.status == 200


async def test_webhook_mode_needs_its_url_and_secret(api: FakeBotApi, data_dir: Path) -> None:
    from bot.settings import Settings, SettingsError, load_settings

    with pytest.raises(SettingsError, match="WEBHOOK_URL is required"):
        load_settings(
            Settings, _env_file=None, bot_token="1:x", admin_chat_id=-1, bot_mode="webhook"
        )
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        load_settings(
            Settings,
            _env_file=None,
            bot_token="1:x",
            admin_chat_id=-1,
            bot_mode="webhook",
            webhook_url="https://x.example/h",
            webhook_secret="short",
        )
    assert texts.WELCOME  # the catalogue is importable next to settings
