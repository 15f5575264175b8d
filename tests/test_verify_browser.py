"""The verification page in a real browser: headless Chromium loads it from the real server.

Chromium runs as a subprocess while the server keeps serving in this test's event loop. The
screenshots are kept under ``test-artifacts/`` (git-ignored) for a person to look at.

Chromium is required, not optional: CI installs Debian's ``chromium`` package (.ci/run), so a
missing browser fails the test instead of silently skipping it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from bot.web import VerifyServer
from domain import texts
from domain.digits import to_persian_digits
from domain.verification import display_serial
from storage.confirmations import ConfirmationView
from storage.store import Store
from tests.conftest import ARTIFACTS
from tests.test_verify_web import (
    MASKED,
    NATIONAL_CODE,
    OFFICE,
    PERSIAN_CODE,
    issue_confirmation,
    open_store,
    revoke,
    tampered,
)

pytestmark = pytest.mark.timeout(180)

WINDOW = (412, 915)  # a common phone's CSS viewport
BROWSER_TIMEOUT = 90.0


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = open_store(tmp_path)
    await store.migrate()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
async def base_url(store: Store) -> AsyncIterator[str]:
    server = VerifyServer(store.verification, office_name=OFFICE)
    await server.start("127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.stop()


async def run_chromium(chromium: Path, profile: Path, *args: str) -> str:
    """Run headless Chromium with ``args``; returns its standard output."""
    process = await asyncio.create_subprocess_exec(
        str(chromium),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--user-data-dir={profile}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), BROWSER_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"Chromium did not finish within {BROWSER_TIMEOUT} s") from None
    assert process.returncode == 0, err.decode(errors="replace")[-3000:]
    return out.decode("utf-8", errors="replace")


async def screenshot(chromium: Path, tmp_path: Path, url: str, name: str) -> Image.Image:
    """A phone-sized screenshot of ``url``, also kept as ``test-artifacts/<name>``."""
    shot = tmp_path / name
    await run_chromium(chromium, tmp_path / "profile", f"--screenshot={shot}", url)
    assert shot.is_file(), f"Chromium wrote no screenshot at {shot}"
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / name)
    image = Image.open(shot)
    image.load()
    return image


async def test_the_verdict_page_renders_in_a_phone_sized_browser(
    chromium: Path, store: Store, base_url: str, tmp_path: Path
) -> None:
    confirmation = await issue_confirmation(store)
    url = f"{base_url}/V/{confirmation.token}"

    dom = await run_chromium(chromium, tmp_path / "profile", "--dump-dom", url)
    assert 'dir="rtl"' in dom
    assert 'lang="fa"' in dom
    assert texts.WEB_VERDICT_TITLES["genuine"] in dom
    assert MASKED in dom
    assert to_persian_digits(display_serial(confirmation.serial)) in dom
    assert NATIONAL_CODE not in dom and PERSIAN_CODE not in dom
    assert 'name="national_code"' in dom

    image = await screenshot(chromium, tmp_path, url, "verify-page.png")
    assert image.format == "PNG"
    assert image.size == WINDOW
    assert_has_banner_colour(image, (0xE6, 0xF5, 0xEB))  # the genuine banner's green


async def test_warning_verdicts_render_in_the_browser(
    chromium: Path, store: Store, base_url: str, tmp_path: Path
) -> None:
    revoked = await issue_confirmation(store)
    await revoke(
        store, revoked.serial, "صدور اشتباه برای شخص دیگر", dt.datetime(2025, 3, 10, tzinfo=dt.UTC)
    )
    forged = tampered(revoked.token)
    cases: tuple[tuple[ConfirmationView | None, str, str, str], ...] = (
        (revoked, revoked.token, "revoked", "verify-page-revoked.png"),
        (None, forged, "invalid_signature", "verify-page-invalid.png"),
    )
    for _, token, verdict, name in cases:
        url = f"{base_url}/v/{token}"
        dom = await run_chromium(chromium, tmp_path / "profile", "--dump-dom", url)
        assert texts.WEB_VERDICT_TITLES[verdict] in dom
        assert f'data-verdict="{verdict}"' in dom
        image = await screenshot(chromium, tmp_path, url, name)
        assert image.size == WINDOW


def assert_has_banner_colour(image: Image.Image, colour: tuple[int, int, int]) -> None:
    """The verdict banner's background is painted (the page's CSS was applied)."""
    rgb = image.convert("RGB")
    width, height = rgb.size
    pixels = [rgb.getpixel((x, y)) for x in range(0, width, 4) for y in range(0, height // 2, 4)]
    share = sum(1 for p in pixels if p == colour) / len(pixels)
    assert share > 0.02, f"banner colour {colour} covers only {share:.1%} of the top half"
