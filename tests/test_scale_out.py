"""Several instances on one PostgreSQL: two webhook bots and two verify-only servers.

200 conversations are spread over both bots' webhooks (the fake Bot API plays the reverse
proxy); one bot is killed midway. Every request is filed exactly once, every announcement is
delivered with duplicates suppressed, and the daily digest runs once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from domain import texts
from domain.forms import DUPLICATE_FORM, Field
from domain.jalali import TEHRAN
from domain.tracking import format_tracking_code, parse_tracking_code
from domain.workflow import Act, Role
from loopback import FakeBotApi, jpeg, pdf
from storage.store import Store
from storage.workflow import Actor
from tests.conftest import ADMIN_CHAT_ID, SIGNER, STAFF, bot_environment, seed_officials
from tests.driver import GOOD_ANSWERS, Applicant
from tests.test_process import ROOT
from tests.test_webhook import SECRET, free_port

pytestmark = pytest.mark.timeout(420)

CONVERSATIONS = 200
AT_ONCE = 20


class Instance:
    """One ``python -m bot`` process (a bot, or ``serve-verify``)."""

    def __init__(self, env: dict[str, str], cwd: Path, *args: str) -> None:
        self.env, self.cwd, self.args = env, cwd, args
        self.process: asyncio.subprocess.Process | None = None
        self.log = cwd / f"instance-{env['VERIFY_PORT']}.log"

    async def start(self) -> None:
        handle = self.log.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *self.args,
            cwd=self.cwd,
            env=self.env,
            stdout=handle,
            stderr=handle,
        )
        handle.close()

    async def wait_ready(self, port: int) -> None:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"instance on {port} never came up:\n{self.log.read_text()[-3000:]}")

    async def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(sig)
            await asyncio.wait_for(self.process.wait(), timeout=60)


async def expect(person: Applicant, marker: str) -> dict[str, Any]:
    """The next message containing ``marker``, skipping repeats.

    An update handled again after its instance was killed may repeat the current question;
    that is the promised behaviour (nothing lost, never taken as the next answer).
    """
    seen = []
    for _ in range(8):
        message = await person.reply(timeout=40)
        seen.append(message.get("text") or message.get("caption"))
        if marker in (message.get("text") or ""):
            return message
    raise AssertionError(f"{marker!r} never came; got {seen}")


def _marker(field: Field) -> str:
    return field.prompt.split("{")[0].split("\n")[0]


async def converse(api: FakeBotApi, user_id: int) -> str:
    """One whole duplicate request; returns its tracking code."""
    person = Applicant(api, user_id=user_id, first_name="متقاضی")
    fields = DUPLICATE_FORM.fields
    api.send_text(user_id, texts.MENU_DUPLICATE)
    await expect(person, _marker(fields[0]))
    answers = dict(GOOD_ANSWERS)
    for index, field in enumerate(fields):
        if field.key == "court_letter":
            api.send_document(user_id, pdf(), file_name="letter.pdf", mime_type="application/pdf")
        elif field.key == "photo":
            api.send_photo(user_id, jpeg(600, 800))
        else:
            api.send_text(user_id, answers[field.key])
        if index + 1 < len(fields):
            await expect(person, _marker(fields[index + 1]))
    summary = await expect(person, texts.SUMMARY_TITLE)
    person.tap(summary, texts.BUTTON_SUBMIT)
    filed = await expect(person, texts.SUBMITTED.split("\n")[0])
    code = next(c for c in map(parse_tracking_code, filed["text"].split()) if c)
    return code


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_bots_and_two_verify_servers_share_one_postgresql(
    api: FakeBotApi, tmp_path: Path, data_dir: Path, database_url: str
) -> None:
    # Run the migration once up front, as a deployment would (instances also serialise it).
    store = Store.open(database_url, data_dir / "files")
    await store.migrate()
    await store.close()

    ports = [free_port() for _ in range(4)]
    digest_at = (dt.datetime.now(TEHRAN) + dt.timedelta(seconds=25)).strftime("%H:%M:%S")
    bots: list[Instance] = []
    for port in ports[:2]:
        env = bot_environment(api, data_dir, DATABASE_URL=database_url)
        env.update(
            PYTHONPATH=str(ROOT),
            BOT_MODE="webhook",
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_URL="https://bot.example.ir/telegram/hook",
            VERIFY_PORT=str(port),
            CLAIM_LEASE_SECONDS="3",
            STAFF=STAFF,
            SINGLE_STEP_APPROVAL="true",
            DIGEST_TIME=digest_at,
            LOG_LEVEL="WARNING",
        )
        bots.append(Instance(env, tmp_path))
    verifiers = []
    for port in ports[2:]:
        env = {
            "PYTHONPATH": str(ROOT),
            "PATH": "/usr/bin:/bin",
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "VERIFY_PORT": str(port),
        }
        verifiers.append(Instance(env, tmp_path, "serve-verify"))
    instances = bots + verifiers
    try:
        for instance, port in zip(instances, ports, strict=True):
            await instance.start()
            await instance.wait_ready(port)
        # The fake Bot API plays the reverse proxy in front of both bots.
        api.webhook_targets = [f"http://127.0.0.1:{port}/telegram/hook" for port in ports[:2]]
        await api.wait_for(lambda call: call[0] == "setWebhook", timeout=30)

        codes: dict[int, str] = {}
        slots = asyncio.Semaphore(AT_ONCE)

        async def one(user_id: int) -> None:
            async with slots:
                try:
                    codes[user_id] = await converse(api, user_id)
                except AssertionError:
                    print(_story(api, user_id))  # which instance got what, for the report
                    raise

        users = [30_000 + i for i in range(CONVERSATIONS)]
        first_half = [asyncio.create_task(one(u)) for u in users[: CONVERSATIONS // 2]]
        await asyncio.sleep(5)
        await bots[0].stop(signal.SIGKILL)  # midway, with conversations in flight
        rest = [asyncio.create_task(one(u)) for u in users[CONVERSATIONS // 2 :]]
        await asyncio.sleep(5)
        await bots[0].start()  # the service manager brings it back; it rejoins the work
        await bots[0].wait_ready(ports[0])
        await asyncio.gather(*first_half, *rest)
        assert len(codes) == CONVERSATIONS

        # Every request was filed exactly once.
        store = Store.open(database_url, data_dir / "files", single_step_approval=True)
        try:
            for user_id, code in codes.items():
                requests = await store.requests.list_for_user(user_id)
                assert [r.tracking_code for r in requests] == [code]
            # Every announcement was delivered; duplicates are suppressed by key.
            for _ in range(300):
                if await store.outbox.pending() == 0:
                    break
                await asyncio.sleep(0.2)
            assert await store.outbox.pending() == 0
            cards = Counter(
                code
                for m in api.sent(ADMIN_CHAT_ID)
                for code in codes.values()
                if format_tracking_code(code) in (m.get("text") or "")
            )
            assert set(cards) == set(codes.values())
            duplicates = sum(n - 1 for n in cards.values())
            assert duplicates <= 3, cards.most_common(5)  # only what the killed bot had in hand

            # A request approved through the store is issued by one of the bots, and its
            # confirmation verifies on both verify-only servers.
            request = await store.workflow.find_by_code(codes[users[-1]])
            assert request is not None
            await store.staff.seed({SIGNER: frozenset({Role.SIGNER, Role.REVIEWER})})
            await seed_officials(store)
            signer = Actor(SIGNER, "امضاکننده")
            await store.workflow.apply(request.id, Act.REVIEW, signer)
            await store.workflow.apply(request.id, Act.APPROVE, signer)  # single step here
            token = None
            for _ in range(200):
                confirmation = await store.confirmations.for_request(request.id)
                if confirmation is not None and confirmation.pdf_path:
                    token = confirmation.token
                    break
                await asyncio.sleep(0.1)
            assert token is not None
        finally:
            await store.close()
        async with aiohttp.ClientSession() as http:
            for port in ports[2:]:
                url = f"http://127.0.0.1:{port}/V/{token}?format=json"
                async with http.get(url) as response:
                    assert (await response.json())["verdict"] == "genuine"

        # The daily digest fired in both surviving instances' schedules but was sent once.
        digests: list[dict[str, Any]] = []
        for _ in range(400):
            digests = [
                m
                for m in api.sent(ADMIN_CHAT_ID)
                if (m.get("text") or "").startswith(texts.DIGEST_TITLE)
            ]
            if digests:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)
        digests = [
            m
            for m in api.sent(ADMIN_CHAT_ID)
            if (m.get("text") or "").startswith(texts.DIGEST_TITLE)
        ]
        assert len(digests) == 1
    finally:
        for instance in instances:
            await instance.stop()


def _story(api: FakeBotApi, user_id: int) -> str:
    """What happened to one user's updates, for a failure report."""
    ids = {
        u["update_id"]: (u.get("message") or {}).get("text") or "callback/file"
        for u in api.updates
        if ((u.get("message") or u.get("callback_query") or {}).get("from") or {}).get("id")
        == user_id
    }
    lines = [f"updates of {user_id}: {ids}"]
    lines += [f"  delivery {d}" for d in api.webhook_deliveries if d[1] in ids]
    lines += [f"  sent {m.get('text', '')[:40]!r}" for m in api.sent(user_id)]
    return "\n".join(lines)
