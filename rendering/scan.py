"""Finding QR codes in what people send: a photo of a confirmation, or its PDF."""

from __future__ import annotations

import io

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import zxingcpp
from PIL import Image

from domain.uploads import PDFIUM_LOCK

RASTER_DPI = 150
MAX_RASTER_PIXELS = 4_000_000
"""The most pixels a PDF page is drawn with: an A4 confirmation at 150 dpi is 2.2 million."""
MAX_RASTER_PAGES = 3


def qr_texts(data: bytes) -> list[str]:
    """The text of every QR code in an image or in the first pages of a PDF (maybe none).

    ``data`` must already have passed domain.uploads (clean_image / clean_document), which
    refuses decompression bombs and anything that is not JPEG, PNG, WebP or a sound PDF.
    """
    if data.startswith(b"%PDF-"):
        return _pdf_texts(data)
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG", "PNG", "WEBP"]) as image:
            image.draft("L", image.size)  # a JPEG decoded straight to grey: a quarter the memory
            return _decode(image if image.mode == "L" else image.convert("L"))
    except (OSError, ValueError):
        return []


def _decode(image: Image.Image) -> list[str]:
    found = [
        result.text
        for result in zxingcpp.read_barcodes(image)
        if result.format == zxingcpp.BarcodeFormat.QRCode and result.text
    ]
    return found


def _pdf_texts(data: bytes) -> list[str]:
    """Draw the first pages in grey one at a time, bounded in pixels, and decode each."""
    found: list[str] = []
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            return found
    try:
        with PDFIUM_LOCK:
            sizes = [
                document.get_page_size(i) for i in range(min(len(document), MAX_RASTER_PAGES))
            ]
        for index, (width, height) in enumerate(sizes):
            scale = min(RASTER_DPI / 72, (MAX_RASTER_PIXELS / max(width * height, 1.0)) ** 0.5)
            with PDFIUM_LOCK:
                page = document[index]
                try:
                    bitmap = page.render(scale=scale, grayscale=True)
                    # A grey image shares PDFium's buffer: copied before the bitmap goes.
                    image = bitmap.to_pil().copy()
                    bitmap.close()
                finally:
                    page.close()
            found += _decode(image)
    finally:
        with PDFIUM_LOCK:
            document.close()
    return found
