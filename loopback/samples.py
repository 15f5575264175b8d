"""What people send the bot, for the tests and the benchmarks alike: a photo, a scanned letter,
and a complete duplicate request as the chat's answers are stored."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image


def jpeg(
    width: int = 600, height: int = 800, color: tuple[int, int, int] = (200, 180, 160)
) -> bytes:
    """A JPEG photo of the given size."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def pdf() -> bytes:
    """A one-page PDF, as a scanner would make it."""
    buffer = io.BytesIO()
    Image.new("RGB", (620, 877), (255, 255, 255)).save(buffer, "PDF", resolution=75)
    return buffer.getvalue()


# A complete request as storage values (what the chat's answers parse to).
STORED_ANSWERS: dict[str, Any] = {
    "full_name": "مریم احمدی",
    "father_name": "حسین",
    "national_code": "0013542419",
    "birth_date": "1370/05/03",
    "mobile": "09121234567",
    "trade": "جوشکار",
    "certificate_number": None,
    "certificate_year": None,
    "training_centre": None,
    "certificate_format": "unknown",
}
