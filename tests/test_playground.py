"""The local playground through its HTTP side, as the page uses it: a whole duplicate request
filed, decided by two staff, and verified from a photo of the confirmation, in Telegram's
dialect and in Bale's; its chats kept across a restart; hostile requests refused in Persian;
and ``python -m bot`` with no token starting it (tests/test_playground_page.py clicks through
the same in Chromium)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.playground import Playground
from domain import texts
from domain.tracking import format_tracking_code, parse_tracking_code
from loopback import jpeg, pdf
from tests.driver import GOOD_ANSWERS, buttons
from tests.test_process import ROOT, run_cli, spawn_cli

WAIT = 20.0


class Page:
    """What the page's script does: HTTP calls to the playground."""

    def __init__(self, session: aiohttp.ClientSession, playground: Playground) -> None:
        self.session = session
        self.playground = playground
        self.base = playground.url.rstrip("/")

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        async with self.session.post(self.base + path, json=body) as response:
            return response.status, await response.json()

    async def upload(
        self, path: str, data: bytes, name: str, **fields: str | int
    ) -> tuple[int, dict[str, Any]]:
        form = aiohttp.FormData()
        for key, value in fields.items():
            form.add_field(key, str(value))
        form.add_field("file", data, filename=name)
        async with self.session.post(self.base + path, data=form) as response:
            return response.status, await response.json()

    async def state(self) -> dict[str, Any]:
        async with self.session.get(self.base + "/playground/api/state") as response:
            assert response.status == 200
            return dict(await response.json())

    async def say(self, user: int, chat: int, text: str) -> dict[str, Any]:
        """Send ``text``; returns the bot's next message in the chat."""
        status, answer = await self.post(
            "/playground/api/send", {"chat_id": chat, "user_id": user, "text": text}
        )
        assert status == 200 and answer["ok"], answer
        return await self.playground.api.next_message(chat, timeout=WAIT)

    async def press(self, user: int, chat: int, message: dict[str, Any], label: str) -> None:
        data = next(d for t, d in buttons(message) if d and (t == label or label in t))
        status, answer = await self.post(
            "/playground/api/press",
            {"chat_id": chat, "user_id": user, "message_id": message["message_id"], "data": data},
        )
        assert status == 200 and answer["ok"], answer


@pytest.fixture
async def page(playground: Playground) -> AsyncIterator[Page]:
    async with aiohttp.ClientSession() as session:
        yield Page(session, playground)


async def _card_status(playground: Playground, card_id: int, status: str) -> dict[str, Any]:
    label = texts.CARD_STATUS.format(status=texts.STATUS_LABELS[status])
    for _ in range(400):
        card = playground.api.message(playground.staff_chat_id, card_id)
        if card is not None and label in card["text"]:
            return card
        await asyncio.sleep(0.05)
    raise AssertionError(f"the card never showed {status}")


async def file_and_sign(page: Page) -> tuple[str, bytes]:
    """The holder files a duplicate request through the page's calls, the reviewer
    recommends it and the signer approves; returns the tracking code and the PNG sent."""
    playground, api = page.playground, page.playground.api
    holder, staff = playground.holder_id, playground.staff_chat_id
    welcome = await api.next_message(holder, timeout=WAIT)  # the seeded /start's answer
    assert welcome["text"]
    first = await page.say(holder, holder, texts.MENU_DUPLICATE)
    assert texts.PROMPT_FULL_NAME in first["text"]
    for _key, value in GOOD_ANSWERS:
        await page.say(holder, holder, value)
    status, answer = await page.upload(
        "/playground/api/upload",
        pdf(),
        "court-letter.pdf",
        chat_id=holder,
        user_id=holder,
        kind="document",
    )
    assert status == 200 and answer["ok"]
    assert (await api.next_message(holder, timeout=WAIT))["text"].startswith("✅")
    status, answer = await page.upload(
        "/playground/api/upload",
        jpeg(600, 800),
        "photo.jpg",
        chat_id=holder,
        user_id=holder,
        kind="photo",
    )
    assert status == 200 and answer["ok"]
    summary = await api.next_message(holder, timeout=WAIT)
    assert texts.SUMMARY_TITLE in summary["text"]
    await page.press(holder, holder, summary, texts.BUTTON_SUBMIT)
    filed = await api.next_message(holder, timeout=WAIT)
    code = next(c for c in map(parse_tracking_code, filed["text"].split()) if c)
    for _ in range(20):
        card = await api.next_message(staff, timeout=WAIT)
        if format_tracking_code(code) in (card.get("text") or ""):
            break
    reviewer, signer = playground.reviewer_id, playground.signer_id
    await page.press(reviewer, staff, card, texts.ACT_BUTTONS["review"])
    card = await _card_status(playground, card["message_id"], "in_review")
    await page.press(reviewer, staff, card, texts.ACT_BUTTONS["recommend"])
    card = await _card_status(playground, card["message_id"], "recommended")
    await page.press(signer, staff, card, texts.ACT_BUTTONS["approve"])
    await _card_status(playground, card["message_id"], "approved")
    for _ in range(20):
        message = await api.next_message(holder, timeout=WAIT)
        if "photo" in message:
            file_id = message["photo"][-1]["file_id"]
            async with page.session.get(f"{page.base}/playground/api/file/{file_id}") as got:
                assert got.status == 200 and got.content_type == "image/png"
                return format_tracking_code(code), await got.read()
    raise AssertionError("the holder never received the confirmation's picture")


@pytest.mark.both_dialects
async def test_a_duplicate_is_filed_signed_and_verified_through_the_playground(
    page: Page,
) -> None:
    code, png = await file_and_sign(page)
    status, answer = await page.upload("/playground/api/scan", png, "confirmation.png")
    assert status == 200 and answer["ok"], answer
    assert answer["url"].startswith("/V/")
    async with page.session.get(page.base + answer["url"]) as response:
        assert response.status == 200
        html = await response.text()
        # The verifier pane frames the verify page: allowed for the playground's own origin.
        policy = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'self'" in policy and "'none'" not in policy.split("frame")[1]
    assert texts.WEB_VERDICT_TITLES["genuine"] in html
    state = await page.state()
    holder_chat = state["chats"][str(page.playground.holder_id)]
    assert any(code in (m.get("text") or "") for m in holder_chat["messages"])
    assert state["panes"]["staff"]["people"][1]["role"] == "signer"
    assert state["platform"] == page.playground.platform


async def test_the_chats_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = Playground(data_dir=data, port=0)
    await first.start()
    try:
        async with aiohttp.ClientSession() as session:
            page = Page(session, first)
            await first.api.next_message(first.holder_id, timeout=WAIT)
            question = await page.say(first.holder_id, first.holder_id, texts.MENU_DUPLICATE)
            before = (await page.state())["chats"][str(first.holder_id)]["messages"]
    finally:
        await first.stop()
    assert question["message_id"] == before[-1]["message_id"]

    second = Playground(data_dir=data, port=0)
    await second.start()
    try:
        async with aiohttp.ClientSession() as session:
            page = Page(session, second)
            after = (await page.state())["chats"][str(second.holder_id)]["messages"]
            assert [m["message_id"] for m in after] == [m["message_id"] for m in before]
            assert after[-1]["text"] == question["text"]
            # The conversation goes on where it was: the bot's draft is in the database.
            answer = await page.say(second.holder_id, second.holder_id, GOOD_ANSWERS[0][1])
            assert texts.PROMPT_FULL_NAME not in answer["text"]
            assert answer["message_id"] > before[-1]["message_id"]
    finally:
        await second.stop()


async def test_hostile_requests_get_a_persian_answer_and_change_nothing(page: Page) -> None:
    playground, api = page.playground, page.playground.api
    holder, staff = playground.holder_id, playground.staff_chat_id
    welcome = await api.next_message(holder, timeout=WAIT)
    updates = len(api.updates)
    errors = texts.PLAYGROUND_ERRORS
    cases: list[tuple[str, dict[str, Any], str]] = [
        # Somebody else in the holder's chat; the holder in the staff group.
        ("send", {"chat_id": holder, "user_id": playground.reviewer_id, "text": "x"}, "not_here"),
        ("send", {"chat_id": staff, "user_id": holder, "text": "x"}, "not_here"),
        ("send", {"chat_id": holder, "user_id": holder, "text": "   "}, "empty"),
        ("send", {"chat_id": holder, "user_id": holder, "text": "x" * 5000}, "too_long"),
        (
            "send",
            {"chat_id": holder, "user_id": holder, "text": "x", "reply_to": 99},
            "no_message",
        ),
        ("send", {"chat_id": "1e309", "user_id": True, "text": "x"}, "not_here"),
        # A forged button: data the message never carried.
        (
            "press",
            {
                "chat_id": holder,
                "user_id": holder,
                "message_id": welcome["message_id"],
                "data": "approve:1",
            },
            "no_button",
        ),
    ]
    for action, body, key in cases:
        status, answer = await page.post(f"/playground/api/{action}", body)
        assert (status, answer) == (400, {"ok": False, "error": errors[key]}), (action, body)
    async with page.session.post(
        page.base + "/playground/api/send",
        data=b"[" * 100_000,
        headers={"Content-Type": "application/json"},
    ) as response:
        assert response.status == 413
        assert (await response.json())["error"] == errors["bad_request"]
    status, answer = await page.upload(
        "/playground/api/upload",
        b"not an image",
        "x.jpg",
        chat_id=holder,
        user_id=holder,
        kind="photo",
    )
    assert (status, answer["error"]) == (400, errors["not_image"])
    status, answer = await page.upload("/playground/api/scan", jpeg(300, 300), "x.jpg")
    assert (status, answer["error"]) == (400, errors["no_qr"])

    # A file larger than any upload, sent without saying its length: read no further.
    async def endless() -> AsyncIterator[bytes]:
        for _ in range(30):
            yield b"\0" * (1024 * 1024)

    form = aiohttp.MultipartWriter("form-data")
    part = form.append(endless())
    part.set_content_disposition("form-data", name="file", filename="big.pdf")
    async with page.session.post(page.base + "/playground/api/scan", data=form) as response:
        assert response.status == 413
    for path in (
        "/playground/static/../office.py",
        "/playground/static/x.js",
        "/playground/api/file/nope",
    ):
        async with page.session.get(page.base + path) as response:
            assert response.status == 404
    # Another site in the visitor's browser: a cross-site POST (a form's text/plain, or with
    # its Origin), or a name re-pointed at 127.0.0.1 (DNS rebinding), acts for nobody.
    body = {"chat_id": holder, "user_id": holder, "text": "سلام"}
    send = page.base + "/playground/api/send"
    for headers in (
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/json", "Origin": "http://evil.example"},
        {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
        {"Content-Type": "application/json", "Host": f"evil.example:{playground.port}"},
    ):
        async with page.session.post(send, data=json.dumps(body), headers=headers) as response:
            assert response.status in (400, 403), headers
            assert (await response.json())["error"] == errors["bad_request"]
    async with page.session.get(
        page.base + "/playground/api/state", headers={"Host": f"evil.example:{playground.port}"}
    ) as response:
        assert response.status == 403
    assert len(api.updates) == updates  # none of it reached the bot


async def test_the_real_bots_verify_pages_still_refuse_frames(page: Page) -> None:
    """Only the playground lets its own page frame the verify pages."""
    from bot.web import SECURITY_HEADERS

    assert "frame-ancestors 'none'" in SECURITY_HEADERS["Content-Security-Policy"]
    async with page.session.get(page.base + "/") as response:
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


async def _read_until(stream: asyncio.StreamReader, needle: str, timeout: float) -> str:
    seen = ""
    async with asyncio.timeout(timeout):
        while needle not in seen:
            line = await stream.readline()
            if not line:
                raise AssertionError(f"the process ended before saying {needle!r}: {seen}")
            seen += line.decode()
    return seen


async def test_python_m_bot_with_no_token_starts_the_playground(tmp_path: Path) -> None:
    env = {
        "PYTHONPATH": str(ROOT),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATA_DIR": str(tmp_path / "data"),
        "VERIFY_PORT": "0",
    }
    process = await spawn_cli(env, tmp_path)
    try:
        assert process.stderr is not None
        said = await _read_until(process.stderr, "in a browser", 60)
        url = said.split("open ", 1)[1].split(" ", 1)[0]
        async with (
            aiohttp.ClientSession() as session,
            session.get(url + "playground/api/state") as response,
        ):
            state = json.loads(await response.text())
        assert state["panes"]["holder"]["people"][0]["name"] == texts.PLAYGROUND_HOLDER_NAME
        assert (tmp_path / "data" / "playground" / "bot.sqlite3").is_file()
        assert not (tmp_path / "data" / "bot.sqlite3").exists()  # never the real bot's data
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0
    assert "Traceback" not in err.decode()


async def test_a_configured_token_never_starts_the_playground(tmp_path: Path) -> None:
    env = {
        "PYTHONPATH": str(ROOT),
        "PATH": "/usr/bin:/bin",
        "DATA_DIR": str(tmp_path / "data"),
        "BOT_TOKEN": "123:abc",
    }
    rc, _out, err = await run_cli(env, tmp_path, "playground")
    assert rc == 2
    assert err.startswith("error: BOT_TOKEN is set") and "123:abc" not in err
    assert not (tmp_path / "data" / "playground").exists()
