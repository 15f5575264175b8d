"""The Bot API out of reach: at start the bot waits for it, while running it rides out the
outage, and either way it comes back by itself, saying so in one line per attempt."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram.error import InvalidToken

from bot.app import BotRuntime
from domain import texts
from domain.digits import to_persian_digits
from loopback import FakeBotApi
from storage import models
from storage.models import utcnow
from storage.store import Store
from tests.conftest import ADMIN_CHAT_ID, TOKEN, bot_environment, bot_settings
from tests.driver import Applicant
from tests.test_proxy import free_port, until

ROOT = Path(__file__).resolve().parent.parent


def loopback_api(port: int = 0, token: str = TOKEN) -> FakeBotApi:
    """A loopback Bot API server (not started) on ``port``."""
    return FakeBotApi(token=token, bot_username="tvto_test_bot", bot_id=123456, port=port)


def lines(caplog: pytest.LogCaptureFixture, start: str) -> list[str]:
    """The messages logged that start with ``start``."""
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(start)]


async def owed_error(store: Store) -> str | None:
    """Why the owed «draft expired» message was not sent yet (None: not tried)."""
    async with store.sessions() as session:
        error: str | None = await session.scalar(
            select(models.Outbox.last_error).where(
                models.Outbox.kind == "draft_expired", models.Outbox.sent_at.is_(None)
            )
        )
    return error


def assert_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    tracebacks = [r.getMessage() for r in caplog.records if r.exc_info]
    assert not tracebacks, f"logged with a traceback: {tracebacks}"


async def test_a_bot_started_before_the_bot_api_is_reachable_comes_up_when_it_is(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    api = loopback_api(free_port())  # nothing listens there yet
    runtime = BotRuntime(bot_settings(api, data_dir))
    starting = asyncio.create_task(runtime.start())
    try:
        await until(lambda: len(lines(caplog, "Bot API unreachable")) >= 2, 10, "two attempts")
        assert not starting.done()
        await api.start()
        await asyncio.wait_for(starting, 10)
        applicant = Applicant(api, user_id=7101, first_name="رضا")
        reply = await applicant.command("start")
        assert reply["text"] == texts.WELCOME.format(name=applicant.first_name)
    finally:
        if not starting.done():
            runtime.abandon_start()
        await runtime.stop()
        await api.stop()

    attempts = lines(caplog, "Bot API unreachable")
    for line, wait in zip(attempts, ("1", "2", "4"), strict=False):
        assert line.startswith("Bot API unreachable (getMe: NetworkError, ClientConnectorError")
        assert line.endswith(f"; retrying in {wait} s") and "\n" not in line
    assert TOKEN not in "".join(attempts)
    assert "Bot API reachable" in [r.getMessage() for r in caplog.records]
    assert_no_traceback(caplog)


async def test_an_outage_while_running_loses_nothing_and_heals_by_itself(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    api = loopback_api()
    await api.start()
    api.group(ADMIN_CHAT_ID, title="کارشناسان سنجش")
    runtime = BotRuntime(bot_settings(api, data_dir))
    applicant = Applicant(api, user_id=7102, first_name="سارا")
    try:
        await runtime.start()
        await applicant.open_duplicate_request()  # a draft, to be dropped during the outage
        await runtime.intake.drain()  # its handler has read the answer to its reply

        await api.stop()  # the network drops; the long poll in flight is cut
        api.send_command(applicant.user_id, "/start")  # Telegram keeps it meanwhile
        # The draft is dropped and the user is owed a message saying so.
        assert await runtime.sweep_drafts(utcnow() + dt.timedelta(days=30)) == 1
        await until(lambda: len(lines(caplog, "getUpdates failed")) >= 2, 10, "the poller")
        for _ in range(100):
            if await owed_error(runtime.store) == "NetworkError":
                break  # the sender tried it and keeps it for later
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the owed message was never tried")
        await api.start()  # the same port again

        received = {(await applicant.reply(timeout=15))["text"] for _ in range(2)}
        assert received == {
            texts.WELCOME.format(name=applicant.first_name),
            texts.DRAFT_EXPIRED.format(days=to_persian_digits("7")),
        }
    finally:
        await runtime.stop()
        await api.stop()

    for line in lines(caplog, "getUpdates failed"):
        assert re.fullmatch(r"getUpdates failed \(NetworkError\); retrying in \d+ s", line)
    assert_no_traceback(caplog)


async def test_a_rejected_token_stops_the_start_at_once(data_dir: Path) -> None:
    api = loopback_api(token="123456:SOME-OTHER-TOKEN")
    await api.start()
    runtime = BotRuntime(bot_settings(api, data_dir))
    try:
        with pytest.raises(InvalidToken):
            await asyncio.wait_for(runtime.start(), 10)
        assert len(api.calls) == 0  # the fake server refuses a foreign token before recording
    finally:
        await runtime.stop()
        await api.stop()


async def _bot_process(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_python_m_bot_waits_quietly_for_an_unreachable_api_and_stops_on_sigterm(
    tmp_path: Path, data_dir: Path
) -> None:
    api = loopback_api(free_port())  # never started
    process = await _bot_process(bot_environment(api, data_dir), tmp_path)
    assert process.stderr is not None
    seen: list[str] = []
    try:
        while len([line for line in seen if "Bot API unreachable" in line]) < 2:
            line = await asyncio.wait_for(process.stderr.readline(), 15)
            assert line, f"the bot ended: {seen}"
            seen.append(line.decode())
        process.send_signal(signal.SIGTERM)
        _, rest = await asyncio.wait_for(process.communicate(), 15)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    err = "".join(seen) + rest.decode()
    assert process.returncode == 0, err
    assert "Traceback" not in err and TOKEN.split(":")[1] not in err
    assert (
        " WARNING bot.app: Bot API unreachable (getMe: NetworkError, ClientConnectorError" in err
    )


async def test_python_m_bot_with_a_rejected_token_says_so_in_one_line(
    tmp_path: Path, data_dir: Path
) -> None:
    async with loopback_api(token="123456:SOME-OTHER-TOKEN") as api:
        process = await _bot_process(bot_environment(api, data_dir), tmp_path)
        try:
            _, err_bytes = await asyncio.wait_for(process.communicate(), 30)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    err = err_bytes.decode()
    assert process.returncode == 2, err
    assert "error: the Bot API rejected BOT_TOKEN (InvalidToken)\n" in err
    assert "Traceback" not in err and TOKEN.split(":")[1] not in err
