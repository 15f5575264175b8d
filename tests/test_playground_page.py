"""The playground page in a real browser: headless Chromium, driven by Playwright, clicks and
types through a whole duplicate request in the holder's pane, reviews and signs it in the staff
pane, and verifies the confirmation in the verifier pane; on a phone the tabs switch panes; and
the chats are still there after a restart.

Everything is done as a visitor does it, in the page; the loopback Bot API is only read, never
driven. Screenshots are kept under ``test-artifacts/playground-*.png`` (git-ignored) for a
person to look at. Chromium is required, not optional (CI's .ci/run installs Debian's
``chromium``): a missing browser fails the test instead of skipping it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
from playwright.async_api import (
    Browser,
    Locator,
    Page,
    ViewportSize,
    async_playwright,
    expect,
)

from bot.playground import Playground
from domain import texts
from domain.forms import DUPLICATE_FORM
from loopback import jpeg, pdf
from tests.conftest import ARTIFACTS
from tests.driver import GOOD_ANSWERS

pytestmark = pytest.mark.timeout(300)

DESKTOP: ViewportSize = {"width": 1440, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
WAIT_MS = 30_000  # the bot answers in well under a second; signing and rendering take longer
TRACKING_CODE = re.compile(r"[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}")
BOT_MESSAGES = '.msg[data-from="bot"]'
QUESTION = "آزمون را در همان مرکز شمارهٔ ۱ اهواز داده‌اید؟"
ANSWER = "بله، در همان مرکز و در سال ۱۳۸۵."


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    expect.set_options(timeout=WAIT_MS)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium), args=["--no-sandbox"]
        )
        try:
            yield launched
        finally:
            await launched.close()


class Visitor:
    """One browser tab on the playground page, and what went wrong in it."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: (
                self.problems.append(f"console: {message.text}")
                if message.type == "error"
                else None
            ),
        )

    @classmethod
    async def open(cls, browser: Browser, url: str, viewport: ViewportSize) -> Visitor:
        visitor = cls(await browser.new_page(viewport=viewport))
        await visitor.load(url)
        return visitor

    async def load(self, url: str) -> None:
        await self.page.goto(url)
        await expect(self.page.locator("#connection")).to_have_attribute("data-state", "open")

    def pane(self, name: str) -> Locator:
        return self.page.locator(f"#pane-{name}")

    async def bot_count(self, pane: Locator) -> int:
        return await pane.locator(BOT_MESSAGES).count()

    async def bot_answer(self, pane: Locator, before: int) -> Locator:
        """The bot's newest message in ``pane`` once it has more than ``before``."""
        await expect(pane.locator(BOT_MESSAGES).nth(before)).to_be_attached()
        await expect(pane.locator(".pane-error")).to_be_hidden()
        return pane.locator(BOT_MESSAGES).last

    async def type_and_send(self, pane: Locator, text: str) -> Locator:
        """Type ``text`` in the pane's composer and press Enter; returns the bot's answer."""
        before = await self.bot_count(pane)
        await pane.locator("textarea.composer-text").fill(text)
        await pane.locator("textarea.composer-text").press("Enter")
        answer = await self.bot_answer(pane, before)
        await expect(pane.locator("textarea.composer-text")).to_have_value("")
        return answer

    async def tap_key(self, pane: Locator, label: str) -> Locator:
        """Tap a reply-keyboard button; returns the bot's answer."""
        before = await self.bot_count(pane)
        await pane.locator(".reply-keyboard").get_by_role("button", name=label, exact=True).click()
        return await self.bot_answer(pane, before)

    async def send_file(self, pane: Locator, path: Path) -> Locator:
        """Attach a file and press send; returns the bot's answer."""
        before = await self.bot_count(pane)
        await pane.locator("input.composer-file").set_input_files(path)
        await expect(pane.locator(".attachment")).to_be_visible()
        await pane.locator("button.composer-send").click()
        await expect(pane.locator(".attachment")).to_be_hidden()
        return await self.bot_answer(pane, before)

    async def download(self, element: Locator, attribute: str) -> bytes:
        """The bytes an element's link or image points to, as the browser fetches them."""
        address = urljoin(self.page.url, await element.get_attribute(attribute) or "")
        response = await self.page.request.get(address)
        assert response.ok, (address, response.status)
        return await response.body()

    async def shoot(self, target: Locator | Page, name: str) -> None:
        """A screenshot kept as ``test-artifacts/<name>``, once the toasts have gone."""
        await expect(self.page.locator(".toasts .toast")).to_have_count(0)
        ARTIFACTS.mkdir(exist_ok=True)
        await target.screenshot(path=str(ARTIFACTS / name))

    def assert_no_problems(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def prompt_of(key: str) -> str:
    """The first line of the duplicate form's question for ``key``."""
    field = next(f for f in DUPLICATE_FORM.fields if f.key == key)
    return field.prompt.split("\n")[0].split("{")[0]


@pytest.mark.parametrize("dialect", ["telegram", "bale"], indirect=True)
async def test_a_duplicate_is_filed_signed_and_verified_by_clicking_in_the_page(
    browser: Browser, playground: Playground, dialect: str, tmp_path: Path
) -> None:
    shot = "playground-{}.png" if dialect == "telegram" else "playground-bale-{}.png"
    visitor = await Visitor.open(browser, playground.url, DESKTOP)
    page, holder, staff = visitor.page, visitor.pane("holder"), visitor.pane("staff")
    await expect(page).to_have_title(texts.PLAYGROUND_PAGE["page_title"])
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await expect(page.locator(".tabs")).to_be_hidden()  # three panes side by side
    await expect(staff.locator(".chat-empty")).to_be_visible()

    # The holder: the menu the bot showed on «start», then one question at a time.
    await expect(holder.locator(BOT_MESSAGES).first).to_contain_text("سلام")
    question = await visitor.tap_key(holder, texts.MENU_DUPLICATE)
    await expect(question).to_contain_text(texts.PROMPT_FULL_NAME)
    for key, value in GOOD_ANSWERS:
        await expect(question).to_contain_text(prompt_of(key))
        if key == "mobile":  # the keyboard's «share my number» button
            question = await visitor.tap_key(holder, texts.BUTTON_SHARE_CONTACT)
            await expect(holder.locator(".msg-contact")).to_be_visible()
            continue
        if key == "certificate_format":
            question = await visitor.tap_key(holder, value)
        else:
            question = await visitor.type_and_send(holder, value)
        sent = holder.locator('.msg[data-from="person"] .msg-text').last
        await expect(sent).to_have_text(value)
    await expect(question).to_contain_text(prompt_of("court_letter"))

    letter, photo = tmp_path / "court-letter.pdf", tmp_path / "photo-3x4.jpg"
    letter.write_bytes(pdf())
    photo.write_bytes(jpeg(600, 800))
    accepted = await visitor.send_file(holder, letter)
    await expect(holder.locator('.msg[data-from="person"] a.msg-document')).to_contain_text(
        "court-letter.pdf"
    )
    await expect(accepted).to_contain_text(prompt_of("photo"))
    summary = await visitor.send_file(holder, photo)
    await expect(holder.locator('.msg[data-from="person"] img.msg-photo')).to_be_visible()
    await expect(summary).to_contain_text(texts.SUMMARY_TITLE)
    await expect(summary).to_contain_text("مریم احمدی")

    before = await visitor.bot_count(holder)
    await summary.locator("button.inline-button", has_text=texts.BUTTON_SUBMIT).click()
    filed = await visitor.bot_answer(holder, before)
    await expect(filed).to_contain_text("کد رهگیری")
    found = TRACKING_CODE.search(await filed.locator(".msg-text").inner_text())
    assert found, await filed.inner_text()
    code = found.group(0)

    # The staff group: the card arrives; the reviewer starts the review and recommends.
    acting = page.locator("select#acting-as")
    await expect(acting).to_have_value(str(playground.reviewer_id))
    card = staff.locator(BOT_MESSAGES, has_text=code).filter(
        has=page.locator("button.inline-button")
    )
    await card.locator("button.inline-button", has_text=texts.ACT_BUTTONS["review"]).click()
    done = texts.STAFF_ACT_DONE.format(action=texts.ACT_LABELS["review"], code=code)
    await expect(staff.locator(".toast", has_text=done)).to_be_visible()
    await expect(holder.locator(BOT_MESSAGES).last).to_contain_text(
        texts.NOTIFY["in_review"].format(code=code)
    )

    # A question for the holder. On Telegram each side's prompt (a force-reply) opens the
    # reply bar by itself, as Telegram's app does; Bale has no force-reply, and a plain next
    # message answers.
    before = await visitor.bot_count(staff)
    await card.locator("button.inline-button", has_text=texts.ACT_BUTTONS["ask"]).click()
    prompt = await visitor.bot_answer(staff, before)
    asking = texts.STAFF_PROMPTS["ask"].format(code=code)
    await expect(prompt).to_contain_text(asking)
    if dialect == "telegram":
        await expect(staff.locator(".replying-to")).to_contain_text(asking)
    else:
        await expect(staff.locator(".replying-to")).to_be_hidden()
    await visitor.type_and_send(staff, QUESTION)
    await expect(staff.locator(".replying-to")).to_be_hidden()
    asked = holder.locator(BOT_MESSAGES, has_text=QUESTION)
    await expect(asked).to_have_count(1)
    replying = holder.locator(".replying-to")
    if dialect == "telegram":
        await expect(replying).to_contain_text(QUESTION)
        await replying.locator("button.replying-cancel").click()
    await expect(replying).to_be_hidden()
    await asked.locator(".msg-text").click()  # a click on a message replies to it
    await expect(replying).to_contain_text(QUESTION)
    received = await visitor.type_and_send(holder, ANSWER)
    await expect(received).to_contain_text(texts.ANSWER_RECEIVED.format(code=code))
    await expect(
        holder.locator('.msg[data-from="person"]').last.locator(".msg-quote")
    ).to_contain_text(QUESTION)
    posted = texts.ANSWER_POSTED.split("\n")[0].format(code=code)
    await expect(staff.locator(BOT_MESSAGES, has_text=posted)).to_contain_text(ANSWER)

    await card.locator("button.inline-button", has_text=texts.ACT_BUTTONS["recommend"]).click()
    await expect(card).to_contain_text(texts.STATUS_LABELS["recommended"])

    # Signing is the signer's: the reviewer is refused in an alert the visitor dismisses.
    approve = card.locator("button.inline-button", has_text=texts.ACT_BUTTONS["approve"])
    await approve.click()
    alert = page.locator("dialog#alert-dialog")
    await expect(alert.locator(".toast")).to_have_text(texts.STAFF_DENIED)
    await alert.locator("button.alert-ok").click()
    await expect(alert).to_be_hidden()
    await acting.select_option(str(playground.signer_id))
    await approve.click()
    await expect(card).to_contain_text(texts.STATUS_LABELS["approved"])

    # The holder receives the confirmation: a PNG as a photo and the PDF as a document.
    png = holder.locator(f"{BOT_MESSAGES} img.msg-photo")
    document = holder.locator(f"{BOT_MESSAGES} a.msg-document", has_text=".pdf")
    await expect(png).to_be_visible()
    await expect(document).to_be_visible()
    assert await png.evaluate("img => img.complete && img.naturalWidth > 0")
    confirmation = holder.locator(BOT_MESSAGES).filter(
        has=page.locator("a.msg-document", has_text=".pdf")
    )
    await confirmation.locator("button.doc-view").click()
    await expect(confirmation.locator("iframe.doc-frame")).to_be_visible()
    assert (await visitor.download(document, "href")).startswith(b"%PDF-")
    await visitor.shoot(holder, shot.format("holder"))
    await visitor.shoot(staff, shot.format("staff"))

    # The verifier: the PNG as saved from the chat, uploaded; the verify page says genuine.
    picture = tmp_path / "confirmation.png"
    picture.write_bytes(await visitor.download(png, "src"))
    assert picture.read_bytes().startswith(b"\x89PNG")
    await page.locator("input#verify-upload").set_input_files(picture)
    frame = page.frame_locator("iframe#verify-frame")
    await expect(frame.locator("body")).to_contain_text(texts.WEB_VERDICT_TITLES["genuine"])
    await expect(page.locator("input#verify-address")).to_have_value(re.compile(r"^/V/"))
    await expect(page.locator(".verify-error")).to_be_hidden()
    # The verify page's own form works inside the frame.
    await frame.locator('input[name="national_code"]').fill("0013542419")
    await frame.locator('input[name="national_code"]').press("Enter")
    await expect(frame.locator("body")).to_contain_text(texts.WEB_CHECK_MATCHES)
    await visitor.shoot(visitor.pane("verifier"), shot.format("verifier"))
    await visitor.shoot(page, shot.format("page"))
    visitor.assert_no_problems()


async def test_on_a_phone_the_tabs_switch_panes(browser: Browser, playground: Playground) -> None:
    visitor = await Visitor.open(browser, playground.url, PHONE)
    page = visitor.page
    tabs = page.locator(".tabs")
    await expect(tabs).to_be_visible()
    holder, staff, verifier = (visitor.pane(n) for n in ("holder", "staff", "verifier"))
    await expect(holder).to_be_visible()
    await expect(staff).to_be_hidden()
    await expect(
        holder.locator(".reply-keyboard button", has_text=texts.MENU_HELP)
    ).to_be_visible()
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await visitor.shoot(page, "playground-phone-holder.png")

    # A message the server refuses: the pane says why in Persian, and keeps what was typed.
    visitor.assert_no_problems()
    composer = holder.locator("textarea.composer-text")
    too_long = "ب" * 5000
    await composer.fill(too_long)
    await composer.press("Enter")
    await expect(holder.locator(".pane-error")).to_have_text(texts.PLAYGROUND_ERRORS["too_long"])
    await expect(composer).to_have_value(too_long)
    await composer.fill("")
    visitor.problems.clear()  # Chromium logs the refused request (a 400) as an error

    await tabs.get_by_role("tab", name=texts.PLAYGROUND_PAGE["tab_staff"]).click()
    await expect(staff).to_be_visible()
    await expect(holder).to_be_hidden()
    await expect(page.locator("select#acting-as")).to_be_visible()
    await visitor.shoot(page, "playground-phone-staff.png")

    await tabs.get_by_role("tab", name=texts.PLAYGROUND_PAGE["tab_verifier"]).click()
    await expect(verifier).to_be_visible()
    await expect(staff).to_be_hidden()
    await page.locator("input#verify-address").fill("not an address")
    await page.locator("button#verify-open").click()
    await expect(page.locator(".verify-error")).to_be_visible()
    await visitor.shoot(page, "playground-phone-verifier.png")

    await tabs.get_by_role("tab", name=texts.PLAYGROUND_PAGE["tab_holder"]).click()
    await expect(holder).to_be_visible()
    await expect(verifier).to_be_hidden()
    visitor.assert_no_problems()


async def test_the_chats_are_still_shown_after_a_restart(browser: Browser, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = Playground(data_dir=data_dir, port=0)
    await first.start()
    try:
        visitor = await Visitor.open(browser, first.url, DESKTOP)
        holder = visitor.pane("holder")
        answer = await visitor.tap_key(holder, texts.MENU_HELP)
        await expect(answer).to_contain_text(texts.HELP.split("\n")[0])
        shown = await holder.locator(".msg").count()
    finally:
        await first.stop()
    await expect(visitor.page.locator("#connection")).to_have_attribute("data-state", "lost")

    second = Playground(data_dir=data_dir, port=0)
    await second.start()
    try:
        visitor.problems.clear()  # the lost connection's errors, while the bot was down
        await visitor.load(second.url)
        await expect(holder.locator(".msg")).to_have_count(shown)
        await expect(holder.locator(BOT_MESSAGES).last).to_contain_text(texts.HELP.split("\n")[0])
        # The bot behind it carries on: the holder's requests are looked up in its store.
        answer = await visitor.tap_key(holder, texts.MENU_STATUS)
        await expect(answer).to_contain_text(texts.STATUS_NONE)
    finally:
        await second.stop()
    visitor.assert_no_problems()
