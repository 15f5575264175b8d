"""What an upload may cost the bot: downloads stop at the size limit, and the worst PDFs that
pass every check, sent by several people at once, keep the bot process within a stated peak.

The peak is measured on the real bot (``python -m bot``) in a process of its own, as VmHWM from
``/proc``, so that nothing this test process holds counts.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.app import BotRuntime
from domain import texts, uploads
from loopback import FakeBotApi, pdf
from tests.conftest import bot_environment
from tests.driver import GOOD_ANSWERS, Applicant, build_pdf

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024

PEAK_RSS_LIMIT_MB = 300
"""The bot's peak RSS with the worst uploads arriving at once (the memory benchmark's figure:
benchmarks/README.md; the bot idles at about 120 MB)."""

# Between the server's writes and the bot's reads lie the kernel's socket buffers on both
# sides and aiohttp's: the server sends more than the bot reads (about 9 MB more here).
IN_FLIGHT_SLACK = 24 * MIB


@pytest.mark.both_dialects
@pytest.mark.parametrize(
    ("size_reported", "content_length"),
    [
        (True, False),  # getFile says 9 MB; the download does not say its length
        (False, False),  # neither says anything
        (False, True),  # only the download says, truthfully
    ],
    ids=["declared-9mb", "undeclared", "content-length"],
)
async def test_a_download_larger_than_the_limit_is_not_read_past_it(
    api: FakeBotApi,
    bot: BotRuntime,
    applicant: Applicant,
    size_reported: bool,
    content_length: bool,
) -> None:
    """64 MB served for a file the Bot API takes for 9 MB: the bot stops reading at 10 MB and
    hangs up, refuses the file in Persian and keeps asking for the letter."""
    await applicant.open_duplicate_request()
    await applicant.answer_text_fields()
    served = b"%PDF-1.4\n" + bytes(64 * MIB)
    refused = await applicant.send_document(
        served,
        "letter.pdf",
        "application/pdf",
        file_size=9 * MIB,
        size_reported=size_reported,
        content_length=content_length,
    )
    assert refused["text"] == texts.ERR_FILE_TOO_LARGE.format(limit_mb="۱۰")
    (stored,) = [f for f in api.files.values() if f.data is served]
    assert stored.bytes_served < min(len(served), uploads.MAX_UPLOAD_BYTES + IN_FLIGHT_SLACK)
    draft = await bot.store.drafts.get(applicant.user_id)
    assert draft is not None and draft.step == "court_letter"
    accepted = await applicant.send_document(pdf(), "letter.pdf", "application/pdf")
    assert accepted["text"].startswith("✅"), accepted


def worst_pdf() -> bytes:
    """The most pixels a PDF may ask for: 50 pages of 3400 × 3400 pt, each filled with noise
    (a function shading, a few bytes of PostScript) that no JPEG compresses much. 12 KB."""
    pages, side = uploads.MAX_PDF_PAGES, uploads.MAX_PDF_PAGE_POINTS
    noise = (
        b"{ 78.233 mul exch 12.9898 mul add dup sin 43758.5453 mul dup floor sub exch cos "
        b"23421.631 mul dup floor sub 2 copy add 2 div }"
    )
    content = b"/Sh0 sh"
    shading = (
        b"<< /ShadingType 1 /ColorSpace /DeviceRGB /Domain [0 %d 0 %d] /Function 3 0 R >>"
        % (side, side)
    )
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents 4 0 R "
        b"/Resources << /Shading << /Sh0 %s >> >> >>" % (side, side, shading)
    )
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
            b"<< /FunctionType 4 /Domain [0 %d 0 %d] /Range [0 1 0 1 0 1] /Length %d >>\n"
            b"stream\n%s\nendstream" % (side, side, len(noise), noise),
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
            *[page] * pages,
        ]
    )


def test_the_worst_pdf_passes_every_check() -> None:
    data = worst_pdf()
    assert len(data) < 16 * 1024
    kept = uploads.clean_pdf(data)
    assert kept.data == data


def _vm_hwm_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def _letters_pending(database: Path) -> int:
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT answers FROM drafts").fetchall()
    return sum(1 for (answers,) in rows if uploads.REDRAW_PDF in answers)


@pytest.mark.timeout(300)
async def test_the_worst_pdfs_at_once_keep_the_bot_under_its_peak(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """Three applicants send the worst PDF as their court letter (checked at once, redrawn in
    the background) and three other people send it to be verified in chat, all at once."""
    data_dir = tmp_path / "data"
    env = bot_environment(
        api, data_dir, DATABASE_URL=f"sqlite+aiosqlite:///{data_dir / 'bot.sqlite3'}"
    )
    env["PYTHONPATH"] = str(ROOT)
    log = tmp_path / "bot.log"
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        applicants = [Applicant(api, 7100 + i) for i in range(3)]
        verifiers = [Applicant(api, 7200 + i) for i in range(3)]
        for applicant in applicants:
            await applicant.open_duplicate_request()
            for _key, value in GOOD_ANSWERS:
                await applicant.say(value)
        idle = _vm_hwm_mb(process.pid)
        worst = worst_pdf()
        for person in [*applicants, *verifiers]:
            api.send_document(person.user_id, worst, file_name="letter.pdf")
        replies = await asyncio.gather(
            *(person.reply(timeout=120) for person in [*applicants, *verifiers])
        )
        assert all(r["text"].startswith("✅") for r in replies[:3]), replies
        assert all(r["text"] == texts.VERIFY_NO_QR for r in replies[3:]), replies
        for _ in range(360):  # the redraws, one after another in the background
            if not _letters_pending(data_dir / "bot.sqlite3"):
                break
            await asyncio.sleep(0.5)
        assert _letters_pending(data_dir / "bot.sqlite3") == 0
        peak = _vm_hwm_mb(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=60)
    assert process.returncode == 0, log.read_text()[-2000:]
    assert peak < PEAK_RSS_LIMIT_MB, f"{peak:.0f} MB at the peak, {idle:.0f} MB before"
