"""Settings are validated at start and name what is wrong; Bale gets Bale's URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import build_application
from bot.settings import Settings, SettingsError, StorageSettings, load_settings


def test_bale_platform_uses_bales_api_and_file_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456:abc-DEF")
    monkeypatch.setenv("ADMIN_CHAT_ID", "-100123")
    monkeypatch.setenv("BOT_PLATFORM", "bale")
    settings = load_settings(Settings, _env_file=None)
    assert settings.api_url == "https://tapi.bale.ai/bot"
    assert settings.file_url == "https://tapi.bale.ai/file/bot"
    application = build_application(settings)
    assert application.bot.base_url == "https://tapi.bale.ai/bot123456:abc-DEF"
    assert application.bot.base_file_url == "https://tapi.bale.ai/file/bot123456:abc-DEF"


def test_telegram_is_the_default_and_urls_can_be_overridden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "1:x")
    monkeypatch.setenv("ADMIN_CHAT_ID", "-1")
    settings = load_settings(Settings, _env_file=None)
    assert settings.api_url == "https://api.telegram.org/bot"
    assert settings.file_url == "https://api.telegram.org/file/bot"
    monkeypatch.setenv("BOT_API_URL", "http://127.0.0.1:8081/bot/")
    monkeypatch.setenv("BOT_FILE_URL", "http://127.0.0.1:8081/file/bot")
    settings = load_settings(Settings, _env_file=None)
    assert settings.api_url == "http://127.0.0.1:8081/bot"
    assert build_application(settings).bot.base_url == "http://127.0.0.1:8081/bot1:x"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"ADMIN_CHAT_ID": "-1"}, "BOT_TOKEN is missing"),
        ({"BOT_TOKEN": "1:x"}, "ADMIN_CHAT_ID is missing"),
        ({"BOT_TOKEN": "no-colon", "ADMIN_CHAT_ID": "-1"}, "BOT_TOKEN"),
        ({"BOT_TOKEN": "1:x", "ADMIN_CHAT_ID": "staff"}, "ADMIN_CHAT_ID"),
        ({"BOT_TOKEN": "1:x", "ADMIN_CHAT_ID": "-1", "BOT_PLATFORM": "viber"}, "BOT_PLATFORM"),
        ({"BOT_TOKEN": "1:x", "ADMIN_CHAT_ID": "-1", "BOT_API_URL": "ftp://x"}, "BOT_API_URL"),
        ({"BOT_TOKEN": "1:x", "ADMIN_CHAT_ID": "-1", "DRAFT_TTL_DAYS": "0"}, "DRAFT_TTL_DAYS"),
    ],
)
def test_a_wrong_setting_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as raised:
        load_settings(Settings, _env_file=None)
    message = str(raised.value)
    assert named in message and "\n" not in message
    assert "no-colon" not in message


def test_storage_settings_default_to_sqlite_in_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    settings = load_settings(StorageSettings, _env_file=None)
    assert settings.effective_database_url == f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    assert settings.files_dir == tmp_path / "files"
