"""Approval issues a signed, QR-verifiable confirmation; chat and command line verify it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import zxingcpp
from PIL import Image

from bot.app import BotRuntime
from domain import texts
from loopback import FakeBotApi
from tests.conftest import ADMIN_CHAT_ID, REVIEWER, SIGNER, STAFF, bot_settings, start_staff_bot
from tests.driver import Applicant
from tests.test_process import ROOT, cli_env
from tests.test_process import run_cli as process_cli
from tests.test_staff_workflow import Card, file_request

pytestmark = [pytest.mark.timeout(120), pytest.mark.both_dialects]

VERIFY_BASE = "HTTPS://VERIFY.TVTO.EXAMPLE/V"


async def approve(card: Card) -> None:
    """A reviewer reviews and recommends; a signer approves."""
    await card.approve(REVIEWER, SIGNER)


async def receive_confirmation(api: FakeBotApi, applicant: Applicant) -> tuple[bytes, bytes]:
    """The applicant's messages after approval: the notice, the PNG and the PDF."""
    messages = [await applicant.reply(timeout=30) for _ in range(4)]  # in review … approved
    photos = [m for m in messages if m.get("photo")]
    documents = [m for m in messages if m.get("document")]
    if not (photos and documents):
        messages.append(await applicant.reply(timeout=30))
        photos = [m for m in messages if m.get("photo")]
        documents = [m for m in messages if m.get("document")]
    assert photos and documents, messages
    png = api.file_bytes(photos[-1]["photo"][-1]["file_id"])
    pdf = api.file_bytes(documents[-1]["document"]["file_id"])
    assert texts.CONFIRMATION_CAPTION.split("،")[0][:8] in photos[-1]["caption"]
    return png, pdf


def qr_of(png: bytes) -> str:
    with Image.open(io.BytesIO(png)) as image:
        found = [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]
    assert len(found) == 1, found
    return found[0]


async def run_cli(data_dir: Path, database_url: str, *args: str) -> tuple[int, str]:
    code, out, err = await process_cli(cli_env(data_dir, database_url), ROOT, *args)
    return code, out + err


@pytest.fixture
async def issuing_bot(api: FakeBotApi, data_dir: Path, database_url: str) -> Any:
    for user_id in (REVIEWER, SIGNER):
        api.user(user_id, first_name="کارمند")
    runtime = await start_staff_bot(
        bot_settings(api, data_dir, staff=STAFF, database_url=database_url)
    )
    try:
        yield runtime
    finally:
        await runtime.stop()


async def test_approval_sends_a_signed_confirmation_that_chat_and_cli_verify_then_revoke(
    api: FakeBotApi,
    issuing_bot: BotRuntime,
    applicant: Applicant,
    data_dir: Path,
    tmp_path: Path,
    database_url: str,
) -> None:
    card = await file_request(api, applicant)
    await approve(card)
    png, pdf = await receive_confirmation(api, applicant)
    assert pdf.startswith(b"%PDF-") and png.startswith(b"\x89PNG")
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (1240, 1754)

    # Without VERIFY_BASE_URL the QR holds the bot's deep link, on the platform's host.
    link = qr_of(png)
    host = "https://ble.ir" if api.platform == "bale" else "https://t.me"
    assert link.startswith(f"{host}/tvto_test_bot?start=v_")
    reference = link.split("start=", 1)[1]

    verifier = Applicant(api, user_id=6060, first_name="کارفرما")
    verdict = await verifier.command("start", args=reference)
    assert verdict["text"].startswith(texts.VERDICT_TITLES["genuine"])
    # A serial beyond 64 bits is a malformed reference, not a crash.
    huge = await verifier.command("start", args="v_" + "9" * 25 + "_AAAA")
    malformed = await verifier.command("start", args="v_abc_AAAA")
    assert huge["text"] == malformed["text"] != texts.ERROR_GENERIC
    assert "م*** ا***" in verdict["text"] and "0013542419" not in verdict["text"]

    # A photo of the confirmation, or its PDF, sent to the bot.
    by_photo = await verifier.send_photo(png)
    assert by_photo["text"].startswith(texts.VERDICT_TITLES["genuine"]), by_photo
    by_pdf = await verifier.send_document(pdf, "confirmation.pdf", "application/pdf")
    assert by_pdf["text"].startswith(texts.VERDICT_TITLES["genuine"]), by_pdf
    nothing = await verifier.send_photo(_plain_jpeg())
    assert nothing["text"] == texts.VERIFY_NO_QR

    # The staff card got the PDF too.
    staff_files = [
        m
        for m in api.sent(ADMIN_CHAT_ID)
        if (m.get("document") or {}).get("file_name", "").startswith("confirmation-")
    ]
    assert staff_files

    # The command line, offline from the published keys and asking the store.
    saved = tmp_path / "confirmation.pdf"
    saved.write_bytes(pdf)
    code, out = await run_cli(data_dir, database_url, "verify", str(saved))
    assert code == 0, out
    assert "signature: valid" in out and "store: knows it" in out and "verdict: genuine" in out
    # In chat mode the QR holds only a reference, which needs the store to resolve.
    code, out = await run_cli(data_dir, database_url, "verify", str(saved), "--no-store")
    assert code == 2 and "only be checked against the store" in out

    # The signer revokes it from the card: chat and command line now say revoked.
    await card.press_and_answer(SIGNER, "revoke")
    await card.reply_to_prompt(SIGNER, "صدور اشتباه")
    await card.wait_status("revoked")
    verdict = await verifier.command("start", args=reference)
    assert verdict["text"].startswith(texts.VERDICT_TITLES["revoked"])
    assert "صدور اشتباه" in verdict["text"]
    code, out = await run_cli(data_dir, database_url, "verify", str(saved))
    assert code == 1 and "verdict: revoked" in out
    told = [await applicant.reply() for _ in range(1)]
    assert "باطل" in told[-1]["text"]


async def test_a_verify_url_in_the_qr_and_tampered_tokens(
    api: FakeBotApi, data_dir: Path, applicant: Applicant, tmp_path: Path, database_url: str
) -> None:
    for user_id in (REVIEWER, SIGNER):
        api.user(user_id, first_name="کارمند")
    runtime = await start_staff_bot(
        bot_settings(
            api, data_dir, staff=STAFF, verify_base_url=VERIFY_BASE, database_url=database_url
        )
    )
    try:
        card = await file_request(api, applicant)
        await approve(card)
        png, _pdf = await receive_confirmation(api, applicant)
        url = qr_of(png)
        assert url.startswith(VERIFY_BASE + "/")
        token = url.rsplit("/", 1)[1]
        assert len(token) == 130

        verifier = Applicant(api, user_id=6061)
        assert (await verifier.send_photo(png))["text"].startswith(texts.VERDICT_TITLES["genuine"])
        # The same URL on the bot's own verify server (the host in the QR is the public name).
        async with aiohttp.ClientSession() as http:
            local = f"http://127.0.0.1:{runtime.web.port}/V/{token}"
            async with http.get(local, headers={"Accept": "application/json"}) as response:
                assert response.status == 200
                assert (await response.json())["verdict"] == "genuine"
        result = await runtime.store.verification.verify(token)
        assert result.verdict.value == "genuine"

        tampered = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]
        assert (await runtime.store.verification.verify(tampered)).verdict.value == (
            "invalid_signature"
        )
        code, out = await run_cli(data_dir, database_url, "verify", f"{VERIFY_BASE}/{tampered}")
        assert code == 1 and "signature: INVALID" in out
        code, out = await run_cli(data_dir, database_url, "verify", url.lower())
        assert code == 0 and "verdict: genuine" in out
        # Offline, from the published keys alone, the signature still checks out.
        code, out = await run_cli(data_dir, database_url, "verify", token, "--no-store")
        assert "signature: valid" in out and "verdict: unknown" in out

        # A second duplicate for the same certificate supersedes the first.
        card2 = await file_request(api, applicant)
        await approve(card2)
        await receive_confirmation(api, applicant)
        old = await runtime.store.verification.verify(token)
        assert old.verdict.value == "superseded" and old.superseded_by is not None
        url_v = f"http://127.0.0.1:{runtime.web.port}/v/{token}"
        async with aiohttp.ClientSession() as http, http.get(url_v) as response:
            page = await response.text()
        assert 'dir="rtl"' in page and "0013542419" not in page

        # Withdrawing the key makes its confirmations fail everywhere.
        await runtime.store.keys.withdraw((await runtime.store.keys.current()).key_id)
        assert (await runtime.store.verification.verify(token)).verdict.value == (
            "invalid_signature"
        )
    finally:
        await runtime.stop()


def _plain_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()
