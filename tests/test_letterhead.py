"""The office's letterhead and foot from the settings (PARENT_BODY, LOGO_PATH, OFFICE_ADDRESS,
OFFICE_PHONE, OFFICE_POSTCODE) on what the bot really issues: a duplicate's confirmation,
filed, recommended and approved through the chat, read back from the PDF the applicant got."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from bot.app import BotRuntime
from bot.settings import Settings, SettingsError, load_settings
from domain import texts
from loopback import FakeBotApi
from tests.conftest import (
    REVIEWER,
    SECURITY_CHAT_ID,
    SIGNER,
    STAFF,
    bot_settings,
    start_staff_bot,
)
from tests.driver import Applicant
from tests.test_rendering import pdf_text_layers
from tests.test_staff_workflow import file_request

pytestmark = pytest.mark.both_dialects

ADDRESS = "اهواز، کیانپارس، خیابان ۱۲ غربی"
PHONE = "061-33331234"
POSTCODE = "6155689111"
PARENT = "وزارت تعاون، کار و رفاه اجتماعی"


def logo(path: Path) -> Path:
    image = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    image.paste((20, 60, 120, 255), (60, 60, 240, 240))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
async def office_bot(
    api: FakeBotApi, data_dir: Path, database_url: str, tmp_path: Path
) -> AsyncIterator[BotRuntime]:
    for user_id in (REVIEWER, SIGNER):
        api.user(user_id)
    runtime = await start_staff_bot(
        bot_settings(
            api,
            data_dir,
            staff=STAFF,
            security_chat_id=SECURITY_CHAT_ID,
            database_url=database_url,
            parent_body=PARENT,
            logo_path=logo(tmp_path / "logo.png"),
            office_address=ADDRESS,
            office_phone=PHONE,
            office_postcode=POSTCODE,
        )
    )
    try:
        yield runtime
    finally:
        await runtime.stop()


async def test_the_issued_confirmation_carries_the_offices_letterhead_and_foot(
    api: FakeBotApi, office_bot: BotRuntime, applicant: Applicant
) -> None:
    card = await file_request(api, applicant)
    await card.approve(REVIEWER, SIGNER)
    pdf: bytes | None = None
    for _ in range(20):
        message = await applicant.reply()
        document = message.get("document") or {}
        if str(document.get("file_name", "")).endswith(".pdf"):
            pdf = api.file_bytes(document["file_id"])
            break
    assert pdf is not None, "the applicant never received the confirmation's PDF"
    text = pdf_text_layers(pdf)["pdfium"]
    for expected in (PARENT, ADDRESS.split("،")[0], texts.DOC_BASMALA):
        assert expected in text, expected
    assert "۶۱۵۵۶۸۹۱۱۱" in text  # the postcode, in Persian digits
    assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf  # the logo (and the photo)


def test_a_logo_that_is_not_an_image_is_named_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "logo.png"
    bad.write_bytes(b"not an image")
    with pytest.raises(SettingsError) as raised:
        load_settings(
            Settings,
            _env_file=None,
            bot_token="1:x",
            admin_chat_id=-1,
            logo_path=bad,
        )
    message = str(raised.value)
    assert message.startswith("setting LOGO_PATH is not a usable logo") and "\n" not in message
    with pytest.raises(SettingsError) as raised:
        load_settings(
            Settings, _env_file=None, bot_token="1:x", admin_chat_id=-1, logo_path=tmp_path / "x"
        )
    assert str(raised.value).startswith("setting LOGO_PATH cannot be read")
