"""Finding QR codes in what people send: a photo of a confirmation, or its PDF."""

from __future__ import annotations

import io

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import zxingcpp
from PIL import Image

from domain.uploads import PDFIUM_LOCK

RASTER_DPI = 150


def qr_texts(data: bytes) -> list[str]:
    """The text of every QR code in an image or in the first pages of a PDF (maybe none).

    ``data`` must already have passed domain.uploads (clean_image / clean_document), which
    refuses decompression bombs and anything that is not JPEG, PNG, WebP or a sound PDF.
    """
    if data.startswith(b"%PDF-"):
        return [text for image in _pdf_pages(data) for text in _decode(image)]
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


def _pdf_pages(data: bytes, limit: int = 3) -> list[Image.Image]:
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            return []
        try:
            pages = []
            for index in range(min(len(document), limit)):
                page = document[index]
                bitmap = page.render(scale=RASTER_DPI / 72)
                pages.append(bitmap.to_pil())
            return pages
        finally:
            document.close()
