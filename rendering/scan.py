"""Finding QR codes in what people send: a photo of a confirmation, or its PDF."""

from __future__ import annotations

import io

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import zxingcpp
from PIL import Image

from domain.uploads import PDFIUM_LOCK

RASTER_DPI = 150
MAX_RASTER_PIXELS = 20_000_000


def qr_texts(data: bytes) -> list[str]:
    """The text of every QR code in an image or in the first pages of a PDF (maybe none).

    ``data`` must already have passed domain.uploads (clean_image / clean_document), which
    refuses decompression bombs and anything that is not JPEG, PNG, WebP or a sound PDF.
    """
    if data.startswith(b"%PDF-"):
        return _pdf_texts(data)
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG", "PNG", "WEBP"]) as image:
            return _decode(image)
    except (OSError, ValueError):
        return []


def _decode(image: Image.Image) -> list[str]:
    found = [
        result.text
        for result in zxingcpp.read_barcodes(image.convert("L"))
        if result.format == zxingcpp.BarcodeFormat.QRCode and result.text
    ]
    return found


def _pdf_texts(data: bytes, limit: int = 3) -> list[str]:
    """Render the first pages one at a time, bounded in pixels, and decode each."""
    found: list[str] = []
    for index in range(limit):
        with PDFIUM_LOCK:
            try:
                document = pdfium.PdfDocument(data)
            except pdfium.PdfiumError:
                return found
            try:
                if index >= len(document):
                    return found
                width, height = document.get_page_size(index)
                scale = min(RASTER_DPI / 72, (MAX_RASTER_PIXELS / max(width * height, 1)) ** 0.5)
                image = document[index].render(scale=scale).to_pil()
            finally:
                document.close()
        found += _decode(image)
    return found
