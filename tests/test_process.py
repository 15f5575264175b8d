"""The bot as an operator runs it: a real process, stopped and started, and its CLI."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import signal
import sys
from pathlib import Path

import pytest

from domain import texts
from domain.tracking import format_tracking_code, new_tracking_code, parse_tracking_code
from loopback import FakeBotApi, jpeg, pdf
from tests.conftest import ADMIN_CHAT_ID, TOKEN, bot_environment
from tests.driver import GOOD_ANSWERS, Applicant

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.timeout(180)


class BotProcess:
    """``python -m bot`` in a child process."""

    def __init__(self, api: FakeBotApi, data_dir: Path, cwd: Path, database_url: str) -> None:
        self.env = bot_environment(api, data_dir, DATABASE_URL=database_url)
        self.env["PYTHONPATH"] = str(ROOT)
        self.cwd = cwd
        self.process: asyncio.subprocess.Process | None = None
        self.stderr = b""

    async def start(self) -> None:
        self.process = await spawn_cli(self.env, self.cwd)

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        _, err = await asyncio.wait_for(self.process.communicate(), timeout=60)
        self.stderr += err
        return await self.process.wait()


def cli_env(data_dir: Path, database_url: str) -> dict[str, str]:
    """The environment of a ``python -m bot`` command on the bot's data and database."""
    return {
        "PYTHONPATH": str(ROOT),
        "DATA_DIR": str(data_dir),
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": database_url,
    }


async def spawn_cli(env: dict[str, str], cwd: Path, *args: str) -> asyncio.subprocess.Process:
    """``python -m bot ARGS`` started in a child process, its output piped."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def run_cli(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str, str]:
    """``python -m bot ARGS``: its exit code, stdout and stderr."""
    process = await spawn_cli(env, cwd, *args)
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode or 0, out.decode(), err.decode()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
async def test_a_restart_mid_conversation_loses_nothing(
    api: FakeBotApi, tmp_path: Path, sig: int, data_dir: Path, database_url: str
) -> None:
    applicant = Applicant(api, user_id=8001, first_name="سارا")
    process = BotProcess(api, data_dir, tmp_path, database_url)
    await process.start()
    try:
        await applicant.open_duplicate_request()
        for _key, value in GOOD_ANSWERS[:5]:
            await applicant.say(value)
    finally:
        code = await process.stop(sig)
    assert code in (0, -signal.SIGKILL)

    # While the bot is down the user answers the next question; nothing is lost.
    api.send_text(applicant.user_id, GOOD_ANSWERS[5][1])
    process = BotProcess(api, data_dir, tmp_path, database_url)
    await process.start()
    try:
        # Updates handled just before a kill -9 may be handled again: then the bot says the
        # draft was kept and asks its current question once more, but never takes an old
        # message as the answer to the next question.
        seen = []
        for _ in range(8):
            question = await applicant.reply(timeout=30)
            seen.append(question["text"])
            if texts.PROMPT_CERTIFICATE_NUMBER in question["text"]:
                break
        assert texts.PROMPT_CERTIFICATE_NUMBER in seen[-1], seen
        assert all(
            texts.PROMPT_TRADE in text or text.startswith(texts.DRAFT_RESUMED)
            for text in seen[:-1]
        ), seen
        for _key, value in GOOD_ANSWERS[6:]:
            await applicant.say(value)
        await applicant.send_document(pdf(), "letter.pdf", "application/pdf")
        summary = await applicant.send_photo(jpeg(600, 800))
        assert "مریم احمدی" in summary["text"] and "حسین" in summary["text"]
        filed = await applicant.tap_and_reply(summary, texts.BUTTON_SUBMIT)
        code_text = next(t for t in filed["text"].split() if parse_tracking_code(t))
        tracking = parse_tracking_code(code_text)
        assert tracking is not None
        card = await api.next_message(ADMIN_CHAT_ID, timeout=30)
        assert format_tracking_code(tracking) in card["text"]
    finally:
        await process.stop(signal.SIGTERM)

    # After another restart the request is still there for its owner.
    process = BotProcess(api, data_dir, tmp_path, database_url)
    await process.start()
    try:
        listing = await applicant.command("status")
        assert format_tracking_code(tracking) in listing["text"]
    finally:
        await process.stop(signal.SIGTERM)
    assert TOKEN.split(":")[1] not in process.stderr.decode()

    # The operators' export shows the request with its files.
    env = bot_environment(api, data_dir, DATABASE_URL=database_url)
    env["PYTHONPATH"] = str(ROOT)
    rc, out, err = await run_cli(env, tmp_path, "export")
    assert rc == 0, err
    [record] = [json.loads(line) for line in out.splitlines()]
    assert record["tracking_code"] == tracking
    assert record["national_code"] == "0013542419"
    assert sorted(a["kind"] for a in record["attachments"]) == ["court_letter", "photo"]
    for attachment in record["attachments"]:
        assert (data_dir / "files" / attachment["stored_path"]).is_file()
        assert len(attachment["sha256"]) == 64
    rc, out, _ = await run_cli(env, tmp_path, "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rc == 0 and [r["tracking_code"] for r in rows] == [tracking]
    assert "sha256=" in rows[0]["attachments"]


async def test_cli_help_migrate_and_bad_settings(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path / "d")}
    rc, out, _ = await run_cli(env, tmp_path, "--help")
    assert rc == 0 and "migrate" in out and "export" in out
    rc, _, err = await run_cli(env, tmp_path, "migrate")
    assert rc == 0, err
    assert (tmp_path / "d" / "bot.sqlite3").is_file()
    # No token at all starts the playground (tests/test_playground.py); a token without the
    # rest names what is missing.
    rc, _, err = await run_cli({**env, "BOT_TOKEN": "123:abc"}, tmp_path)
    assert rc == 2
    assert err.strip() == "error: setting ADMIN_CHAT_ID is missing"
    env.update({"BOT_TOKEN": "123:abc", "ADMIN_CHAT_ID": "-100", "BOT_PLATFORM": "viber"})
    rc, _, err = await run_cli(env, tmp_path)
    assert rc == 2 and "BOT_PLATFORM" in err and "123:abc" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["export"],
        ["audit", format_tracking_code(new_tracking_code())],
        ["keys", "list"],
        ["serve-verify"],
    ],
    ids=["export", "audit", "keys", "serve-verify"],
)
async def test_a_command_on_a_fresh_clone_makes_its_data_directory(
    tmp_path: Path, argv: list[str]
) -> None:
    data = tmp_path / "fresh" / "data"  # neither exists yet
    env = {
        "PYTHONPATH": str(ROOT),
        "PATH": "/usr/bin:/bin",
        "DATA_DIR": str(data),
        "VERIFY_PORT": "0",
    }
    process = await spawn_cli(env, tmp_path, *argv)
    assert process.stderr is not None
    if argv == ["serve-verify"]:
        lines: list[bytes] = []
        while not lines or b"serving verification" not in lines[-1]:
            lines.append(await asyncio.wait_for(process.stderr.readline(), timeout=60))
            assert lines[-1], b"".join(lines).decode()  # it ended before serving
        process.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert b"Traceback" not in err, err.decode()
    assert process.returncode in (0, 1), err.decode()  # audit: no such request
    assert (data / "bot.sqlite3").is_file()
    assert data.stat().st_mode & 0o777 == 0o700
