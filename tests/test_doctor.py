"""``python -m bot doctor`` against the loopback Bot API: what it finds, line by line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot import doctor
from bot.app import BotRuntime
from tests.conftest import bot_settings

pytestmark = pytest.mark.both_dialects

NO_SUCH_CHAT = -100999


def outcomes(checks: list[doctor.Check]) -> dict[str, str]:
    return {check.name: check.outcome for check in checks}


async def test_a_fresh_install_is_told_what_is_missing(
    api: Any, tmp_path: Path, capsys: Any
) -> None:
    settings = bot_settings(api, tmp_path / "data", security_chat_id=NO_SUCH_CHAT)
    code = await doctor.main(settings)
    table = capsys.readouterr().out
    assert code == 1, table  # the security group's id is wrong
    checks = await doctor.run_checks(settings)
    assert outcomes(checks) == {
        "settings": "ok",
        "Bot API": "ok",
        "staff group": "ok",
        "security group": "fail",
        "database": "warn",  # never migrated: nothing changed by the doctor
        "signing key": "warn",  # made by the first start
        "verify URL": "skip",
    }
    security = next(c for c in checks if c.name == "security group")
    assert str(NO_SUCH_CHAT) in security.detail and "/chatid" in security.detail
    assert "@tvto_test_bot" in table and len(table.splitlines()) == len(checks)
    assert not (tmp_path / "data" / "signing-key.pem").exists()


async def test_a_running_office_passes_every_check(api: Any, tmp_path: Path) -> None:
    settings = bot_settings(api, tmp_path / "data")
    runtime = BotRuntime(settings)
    await runtime.start()
    try:
        base = f"HTTP://127.0.0.1:{runtime.web.port}/V"
        checks = await doctor.run_checks(settings.model_copy(update={"verify_base_url": base}))
    finally:
        await runtime.stop()
    assert outcomes(checks) == {
        "settings": "ok",
        "Bot API": "ok",
        "staff group": "ok",
        "security group": "skip",
        "database": "ok",
        "signing key": "ok",
        "verify URL": "ok",
    }, checks


async def test_a_wrong_token_and_a_group_without_the_bot(api: Any, tmp_path: Path) -> None:
    wrong = bot_settings(api, tmp_path / "data", bot_token=SecretStr("123456:not-the-token"))
    checks = await doctor.run_checks(wrong)
    assert outcomes(checks)["Bot API"] == "fail"
    assert "BotFather" in next(c.detail for c in checks if c.name == "Bot API")
    assert outcomes(checks)["staff group"] == "skip"
    assert "not-the-token" not in doctor.table(checks)

    settings = bot_settings(api, tmp_path / "data")
    for status, outcome, advice in (
        ("member", "warn", "make it an administrator"),
        ("left", "fail", "add it to the group"),
    ):
        api.bot_added_to_group(settings.admin_chat_id, status=status)
        checks = await doctor.run_checks(settings)
        staff = next(c for c in checks if c.name == "staff group")
        assert (staff.outcome, advice in staff.detail) == (outcome, True), staff
