"""Rendering: one confirmation document (A4 page drawn once, PNG + PDF, with its QR code).

Ours is ``rendering.confirmation.render_png_and_pdf`` for a duplicate confirmation with a
photo, as bot.issuance renders it; the baseline is the QR code alone (``rendering.qr.make_qr``
of the same verify URL), the one part any such document needs. Rounds alternate.
"""

from __future__ import annotations

import datetime as dt
import io
import time

from PIL import Image, ImageDraw

from benchmarks.common import Context, Figure, Target, median
from domain.signing import (
    ConfirmationKind,
    SigningKey,
    TokenPayload,
    holder_binding,
    sign_token,
    verify_url,
)
from rendering.confirmation import ConfirmationDoc, render_png_and_pdf
from rendering.qr import make_qr

TARGET_MS = 150.0
VERIFY_BASE = "HTTPS://VERIFY.TVTO.EXAMPLE.IR/V"


def _photo() -> bytes:
    image = Image.new("RGB", (600, 800), (205, 190, 170))
    ImageDraw.Draw(image).ellipse((150, 150, 450, 520), fill=(60, 40, 30))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _doc() -> ConfirmationDoc:
    payload = TokenPayload(
        kind=ConfirmationKind.DUPLICATE,
        serial=140_400_123,
        issued_on=dt.date(2025, 8, 3),
        holder_hash=holder_binding("0012345679", "علی رضایی"),
        key_id=1,
    )
    url = verify_url(VERIFY_BASE, sign_token(payload, SigningKey.generate(1)))
    return ConfirmationDoc(
        kind="duplicate",
        serial="1404-DUP-000123",
        tracking_code="K7Q-2M9-XZ",
        holder_full_name="علی رضایی",
        father_name="حسین",
        national_code="0012345679",
        birth_date="1370/05/03",
        trade="برق‌کار ساختمان درجه 2",
        certificate_number="12-345678",
        certificate_year="1385",
        training_centre="مرکز آموزش فنی و حرفه‌ای شماره 1 اهواز",
        issue_date="1404/05/12",
        office_name="حوزه سنجش و ارزشیابی مهارت استان خوزستان",
        signer_name="زهرا احمدی",
        signer_title="رئیس حوزه سنجش و ارزشیابی مهارت استان خوزستان",
        signature_date="1404/05/12",
        verify_url=url,
        photo=_photo(),
    )


async def run(ctx: Context) -> list[Figure]:
    doc = _doc()
    render_png_and_pdf(doc)  # warm up: fonts, codecs
    make_qr(doc.verify_url)
    ours: list[float] = []
    base: list[float] = []
    for _ in range(ctx.sizes.render_rounds):
        started = time.perf_counter()
        png, pdf = render_png_and_pdf(doc)
        ours.append((time.perf_counter() - started) * 1e3)
        started = time.perf_counter()
        make_qr(doc.verify_url)
        base.append((time.perf_counter() - started) * 1e3)
    ctx.log(
        f"  render_png_and_pdf: median {median(ours):.1f} ms (min {min(ours):.1f}); "
        f"make_qr: median {median(base):.2f} ms; PNG {len(png) // 1024} KiB, "
        f"PDF {len(pdf) // 1024} KiB"
    )
    return [
        Figure(
            benchmark="rendering",
            name="render confirmation (PDF+PNG+QR)",
            unit="ms",
            ours=median(ours),
            baseline=median(base),
            baseline_label="make_qr alone",
            target=Target("max", TARGET_MS),
            rounds=ours,
            baseline_rounds=base,
            note=f"{ctx.sizes.render_rounds} rounds, A4 at 150 dpi, min {min(ours):.0f} ms",
        )
    ]
