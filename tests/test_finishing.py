"""Uploads kept as sent and redrawn after the reply (storage/redraw.py, bot/redraw.py).

A court letter sent as a PDF is checked at once and kept as sent; it is redrawn for staff in
the background (domain.uploads.redraw_pdf), and filing waits for that or does it itself
(after a restart, nothing is running). Whatever happens meanwhile (another letter sent, an
answer saved on the draft as read before, the draft dropped), the draft names one file per
answer, staff get the redrawn one, and no file is left behind.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable

import pypdfium2  # type: ignore[import-untyped]
import pytest

from bot.redraw import BackgroundRedraw
from domain import uploads
from domain.forms import CONFIRM_STEP
from domain.tracking import new_tracking_code
from loopback import jpeg, pdf
from storage.errors import UploadUnfinished
from storage.store import Store
from storage.views import StoredUpload
from tests.driver import assert_redrawn, complete_draft, hostile_pdf

LETTER = "court_letter"


@pytest.fixture
async def background(store: Store) -> AsyncIterator[BackgroundRedraw]:
    """The bot's background redrawing, over ``store``."""
    redraws = BackgroundRedraw(store.redraw)
    try:
        yield redraws
    finally:
        await redraws.close()


def _files_kept(store: Store) -> set[str]:
    root = store.files.root  # type: ignore[attr-defined]
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def _named(answers: dict[str, object]) -> set[str]:
    return {str(v["stored_path"]) for v in answers.values() if isinstance(v, dict)}


class Gate:
    """A redrawer that redraws only once let through (it runs on a worker thread)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.open = threading.Event()

    def __call__(self, data: bytes) -> bytes:
        self.entered.set()
        assert self.open.wait(10)
        return uploads.redraw_pdf(data)

    async def wait_entered(self) -> None:
        assert await asyncio.to_thread(self.entered.wait, 10)


async def _is_redrawn(store: Store, path: str) -> None:
    assert_redrawn(await store.files.read(path), pages=2)


async def test_filing_redraws_a_letter_still_kept_as_sent(store: Store) -> None:
    """Nothing ran in the background (the bot restarted after the answer): filing redraws the
    letter, files the redrawn copy and deletes the one as sent."""
    draft = await complete_draft(store, 1, hostile_pdf(), jpeg(300, 400), letter_pending=True)
    sent = str(draft.answers[LETTER]["stored_path"])
    result = await store.filing.submit(1, draft.id, new_tracking_code)
    assert result.created
    (letter,) = [a for a in result.request.attachments if a.kind == LETTER]
    assert letter.stored_path != sent
    await _is_redrawn(store, letter.stored_path)
    assert await store.files.check(letter.stored_path, letter.sha256)
    assert _files_kept(store) == {a.stored_path for a in result.request.attachments}


async def test_a_letter_is_redrawn_in_the_background(
    store: Store, background: BackgroundRedraw
) -> None:
    draft = await complete_draft(store, 2, hostile_pdf(), jpeg(300, 400), letter_pending=True)
    sent = draft.answers[LETTER]
    background.later(2)
    await background.now(2)
    now = await store.drafts.get(2)
    assert now is not None
    ready = now.answers[LETTER]
    assert "pending" not in ready and ready["stored_path"] != sent["stored_path"]
    assert ready["mime_type"] == sent["mime_type"] and ready["file_id"] == sent["file_id"]
    await _is_redrawn(store, ready["stored_path"])
    assert await store.files.check(ready["stored_path"], ready["sha256"])
    assert ready["size"] == len(await store.files.read(ready["stored_path"]))
    assert _files_kept(store) == _named(now.answers)
    # Filed as it is: the redrawn copy, not redrawn again.
    result = await store.filing.submit(2, now.id, new_tracking_code)
    (letter,) = [a for a in result.request.attachments if a.kind == LETTER]
    assert letter.stored_path == ready["stored_path"]


async def test_a_letter_sent_again_while_the_first_is_redrawn_wins(
    store: Store, background: BackgroundRedraw
) -> None:
    gate = Gate()
    store.redraw.redrawers[uploads.REDRAW_PDF] = gate
    draft = await complete_draft(store, 3, hostile_pdf(), jpeg(300, 400), letter_pending=True)
    background.later(3)
    await gate.wait_entered()
    # The user corrects the letter from the summary and sends another one.
    await store.drafts.go_to(3, LETTER)
    stored = await store.files.put(pdf(), "pdf")
    second = StoredUpload(
        stored.relative_path,
        stored.sha256,
        stored.size,
        "application/pdf",
        "f2",
        "u2",
        uploads.REDRAW_PDF,
    ).as_answer()
    await store.drafts.answer(3, LETTER, LETTER, second, 99)
    gate.open.set()
    await background.now(3)
    now = await store.drafts.get(3)
    assert now is not None and now.id == draft.id
    ready = now.answers[LETTER]
    assert ready["file_id"] == "f2" and "pending" not in ready
    # Neither the first letter nor its redrawn copy is left behind.
    assert _files_kept(store) == _named(now.answers)


async def test_an_answer_saved_on_the_draft_as_read_before_keeps_the_redrawn_letter(
    store: Store, background: BackgroundRedraw
) -> None:
    """The photo's answer is saved on the draft as read before the letter was switched to its
    redrawn copy: it must not put the deleted original back."""
    draft = await complete_draft(store, 4, hostile_pdf(), jpeg(300, 400), letter_pending=True)
    back = await store.drafts.go_to(4, "photo")  # waiting on the photo, as in the chat
    background.later(4)
    await background.now(4)
    stored = await store.files.put(jpeg(300, 400), "jpg")
    photo = StoredUpload(
        stored.relative_path, stored.sha256, stored.size, "image/jpeg", "p2", "q2"
    ).as_answer()
    now = await store.drafts.answer(4, "photo", "photo", photo, 100, seen=back)
    assert now.step == CONFIRM_STEP
    assert now.answers["photo"]["file_id"] == "p2"
    ready = now.answers[LETTER]
    assert "pending" not in ready and ready["stored_path"] != draft.answers[LETTER]["stored_path"]
    assert await store.drafts.get(4) == now
    assert _files_kept(store) == _named(now.answers)


async def test_a_draft_dropped_while_its_letter_is_redrawn_leaves_no_file(
    store: Store, background: BackgroundRedraw
) -> None:
    gate = Gate()
    store.redraw.redrawers[uploads.REDRAW_PDF] = gate
    await complete_draft(store, 5, hostile_pdf(), jpeg(300, 400), letter_pending=True)
    background.later(5)
    await gate.wait_entered()
    assert await store.drafts.discard(5)
    gate.open.set()
    await background.now(5)
    assert _files_kept(store) == set()


def _refuse(_data: bytes) -> bytes:
    raise pypdfium2.PdfiumError("cannot render")


@pytest.mark.parametrize("redrawer", [_refuse, None], ids=["redraw-fails", "unknown-mark"])
async def test_a_letter_that_cannot_be_redrawn_is_not_filed(
    store: Store, redrawer: Callable[[bytes], bytes] | None, background: BackgroundRedraw
) -> None:
    if redrawer is None:
        del store.redraw.redrawers[uploads.REDRAW_PDF]
    else:
        store.redraw.redrawers[uploads.REDRAW_PDF] = redrawer
    draft = await complete_draft(store, 6, hostile_pdf(), jpeg(300, 400), letter_pending=True)
    background.later(6)  # fails, and only logs
    with pytest.raises(UploadUnfinished) as caught:
        await store.filing.submit(6, draft.id, new_tracking_code)
    assert caught.value.key == LETTER
    assert await store.requests.list_for_user(6) == []
    assert await store.drafts.get(6) == draft  # every answer kept, the letter still pending
    assert _files_kept(store) == _named(draft.answers)
    assert await store.outbox.pending() == 0


async def test_a_letter_whose_file_is_gone_is_asked_for_again(store: Store) -> None:
    draft = await complete_draft(store, 7, hostile_pdf(), jpeg(300, 400), letter_pending=True)
    await store.files.delete(str(draft.answers[LETTER]["stored_path"]))
    with pytest.raises(UploadUnfinished) as caught:
        await store.filing.submit(7, draft.id, new_tracking_code)
    assert caught.value.key == LETTER
    assert await store.requests.list_for_user(7) == []
    assert await store.drafts.get(7) == draft
