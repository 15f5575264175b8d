"""Checking and cleaning the files people upload: the court letter and the 3×4 photo.

Everything here works on bytes already in memory and never touches the disk or the network.
Uploads are hostile input: the declared MIME type and file name come from the sender and are
never trusted; the bytes are sniffed, parsed by a small set of decoders and, for images,
re-encoded so that nothing but pixels survives (no EXIF/GPS, no ICC profile, no comments, no
payload appended after the end of the image).

The functions are synchronous and CPU-bound; the bot runs them on two threads of their own,
:data:`UPLOAD_WORKER` and :data:`REDRAW_WORKER`, one job on each at a time, so that memory stays
bounded however many uploads arrive at once. They are thread-safe: no global state (Pillow's
``Image.MAX_IMAGE_PIXELS``, the ``warnings`` filters) is changed, and PDFium, which is not
thread-safe, is only entered while holding a module-level lock.
"""

from __future__ import annotations

import contextlib
import io
import struct
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Final, Literal

import pypdfium2  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]
from PIL import Image, ImageOps

from domain import texts
from domain.digits import to_persian_digits

__all__ = [
    "JPEG_QUALITY",
    "MAX_IMAGE_PIXELS",
    "MAX_PDF_PAGES",
    "MAX_UPLOAD_BYTES",
    "PHOTO_MIN_HEIGHT",
    "PHOTO_MIN_WIDTH",
    "PHOTO_RATIO",
    "PHOTO_RATIO_TOLERANCE",
    "REDRAWERS",
    "REDRAW_PDF",
    "REDRAW_WORKER",
    "UPLOAD_WORKER",
    "CleanFile",
    "UploadRejected",
    "check_declared_size",
    "check_portrait_photo",
    "clean_document",
    "clean_image",
    "clean_pdf",
    "redraw_pdf",
    "sniff_image",
]

MAX_UPLOAD_BYTES: Final = 10 * 1024 * 1024
"""The largest upload accepted (10 MiB). Checked against the size Telegram declares before
downloading, and again against the bytes actually received."""

MAX_IMAGE_PIXELS: Final = 40_000_000
"""The largest image accepted, in pixels (width × height), checked before decoding. A 40 MP
image takes 160 MB once decoded (Pillow keeps four bytes a pixel), about 300 MB while cleaned."""

MAX_PDF_PAGES: Final = 50
"""A court letter is a few pages; anything longer is not what we asked for."""

PHOTO_RATIO: Final = Fraction(3, 4)
"""Width / height of a 3×4 passport photo."""

PHOTO_RATIO_TOLERANCE: Final = Fraction(6, 100)
"""Accepted deviation of width / height from 3/4: 0.69 … 0.81 inclusive, compared exactly.
Phones crop a little differently and scans add a thin border; the common 3.5×4.5 photo (0.78)
and 4×5 (0.80) fit too, while 2×3 (0.67) and anything squarer than 0.81 do not."""

PHOTO_MIN_WIDTH: Final = 300
PHOTO_MIN_HEIGHT: Final = 400

JPEG_QUALITY: Final = 90

_JPEG_MAX_SIDE: Final = 65_500
"""JPEG cannot encode a side longer than this, so a longer image could not be re-encoded."""

_PDF_EOF_WINDOW: Final = 1024
"""How close to the end ``%%EOF`` must be, as in PDF readers' own trailer search."""

_ImageFormat = Literal["JPEG", "PNG", "WEBP"]

PDFIUM_LOCK: Final = threading.Lock()
"""PDFium is not thread-safe; every call into pypdfium2 happens under this lock."""

_MIB: Final = 1024 * 1024
REDRAW_DPI: Final = 110.0
REDRAW_MIN_DPI: Final = 72.0
"""Scans of lower resolution are still redrawn at this, so that their pages are not tiny."""
REDRAW_MAX_PIXELS: Final = 4_000_000
"""The most pixels one redrawn page gets; a larger page is drawn at a lower resolution."""
REDRAW_MAX_TOTAL_PIXELS: Final = 60_000_000
"""The most pixels all the pages of one redraw get together: 50 A4 pages at 110 dpi. Beyond
that every page is drawn at a resolution lower by the same factor."""
REDRAW_JPEG_QUALITY: Final = 85
MAX_KEPT_SIDE: Final = 3508
"""Cleaned images are scaled down to this longest side (A4 at 300 dpi)."""
MAX_PDF_PAGE_POINTS: Final = 3400
"""The longest page side a PDF may declare, in points: a little over A0 (3370 pt)."""


UPLOAD_WORKER: Final = ThreadPoolExecutor(max_workers=1, thread_name_prefix="uploads")
"""Where uploads are checked, cleaned and scanned for QR codes: one at a time, so that one
upload's pixels are in memory at once, and on one thread, so that the next reuses the memory
the last freed (glibc gives every thread that allocates a heap of its own, and keeps it)."""

REDRAW_WORKER: Final = ThreadPoolExecutor(max_workers=1, thread_name_prefix="redraw")
"""Where PDFs are redrawn (:func:`redraw_pdf`), one at a time, apart from the checks: a long
document does not queue everyone's photos behind it."""


class UploadRejected(ValueError):
    """An upload that cannot be accepted; ``message`` is the Persian text to show the sender."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CleanFile:
    """An upload that passed the checks, ready to be stored.

    ``data`` is what should be kept: re-encoded JPEG bytes for images, the original bytes for
    PDFs. ``width`` and ``height`` are the pixel size of images (after EXIF rotation) and
    ``None`` for PDFs.
    """

    data: bytes
    mime_type: str
    extension: str
    width: int | None
    height: int | None


# --- Size -----------------------------------------------------------------------------------


def check_declared_size(size: int | None, limit: int = MAX_UPLOAD_BYTES) -> None:
    """Reject an upload whose size is known and larger than ``limit`` bytes.

    Called with the ``file_size`` Telegram reports *before* downloading anything; ``None``
    (size not reported) passes, and the cleaners check the downloaded bytes again.
    """
    if size is not None and size > limit:
        raise UploadRejected(texts.ERR_FILE_TOO_LARGE.format(limit_mb=_format_mib(limit)))


def _format_mib(limit: int) -> str:
    """``limit`` bytes as mebibytes in Persian digits: ``۱۰``, or ``۲٫۵`` when not whole."""
    whole, rest = divmod(limit, _MIB)
    if rest == 0:
        return to_persian_digits(whole)
    shown = f"{limit / _MIB:.1f}".rstrip("0").rstrip(".")
    return to_persian_digits(shown.replace(".", texts.DECIMAL_SEPARATOR))


# --- Sniffing and headers -------------------------------------------------------------------


def sniff_image(data: bytes) -> _ImageFormat | None:
    """The image format announced by the magic bytes, among those we accept."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _declared_dimensions(fmt: _ImageFormat, data: bytes) -> tuple[int, int] | None:
    """Width and height as written in the image header, read without any decoder.

    This runs before Pillow sees the bytes so that oversized images are refused without
    reaching Pillow's own decompression-bomb check, which reports through the process-wide
    ``warnings`` machinery. ``None`` when the header cannot be read: Pillow then decides, and
    its idea of the size is checked again before decoding.
    """
    try:
        if fmt == "PNG":
            if data[12:16] != b"IHDR":
                return None
            width, height = struct.unpack(">II", data[16:24])
            return int(width), int(height)
        if fmt == "WEBP":
            return _webp_dimensions(data)
        return _jpeg_dimensions(data)
    except (struct.error, IndexError):
        return None


def _webp_dimensions(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X":
        # Extended format: 24-bit canvas width - 1 and height - 1.
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return width, height
    if chunk == b"VP8 ":
        # Lossy: 3-byte frame tag, start code, then 14-bit width and height.
        if data[23:26] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", data[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    if chunk == b"VP8L":
        # Lossless: signature byte 0x2f, then 14-bit width - 1 and height - 1.
        if data[20] != 0x2F:
            return None
        (bits,) = struct.unpack("<I", data[21:25])
        return (int(bits) & 0x3FFF) + 1, ((int(bits) >> 14) & 0x3FFF) + 1
    return None


_JPEG_SOF_MARKERS: Final = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)


def _jpeg_dimensions(data: bytes) -> tuple[int, int] | None:
    """The largest frame size declared before the first scan.

    Walks the marker segments the way Pillow does (skipping stray and fill bytes) and keeps
    the *largest* SOF seen, so a small decoy frame header cannot hide a huge one.
    """
    best: tuple[int, int] | None = None
    i, n = 2, len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x00, 0x01, 0xD8) or 0xD0 <= marker <= 0xD7:  # no length field
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan
            break
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in _JPEG_SOF_MARKERS and i + 9 <= n:
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            if best is None or width * height > best[0] * best[1]:
                best = (int(width), int(height))
        i += 2 + max(int(length), 2)
    return best


# --- Images ---------------------------------------------------------------------------------


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels or max(width, height) > _JPEG_MAX_SIDE:
        raise UploadRejected(texts.ERR_IMAGE_TOO_BIG_PIXELS)
    if width < 1 or height < 1:
        raise UploadRejected(texts.ERR_IMAGE_BROKEN)


def clean_image(data: bytes, *, max_pixels: int = MAX_IMAGE_PIXELS) -> CleanFile:
    """Check an uploaded image and re-encode it as a metadata-free JPEG.

    Only JPEG, PNG and WebP are accepted, recognised by their magic bytes (anything else:
    ``ERR_FILE_NOT_IMAGE``). The pixel count is checked against ``max_pixels`` from the header
    before anything is decoded. The EXIF orientation is applied, transparency is flattened
    onto white, animations keep their first frame, and the result is saved as JPEG (quality
    90) without EXIF, ICC profile, XMP or comments; whatever followed the end of the original
    image is gone.

    Colour profiles are dropped, not converted: a photo in a wide-gamut profile (e.g. Display
    P3) comes out slightly less saturated, which does not matter for a letter or an ID photo.
    """
    check_declared_size(len(data))
    fmt = sniff_image(data)
    if fmt is None:
        raise UploadRejected(texts.ERR_FILE_NOT_IMAGE)
    declared = _declared_dimensions(fmt, data)
    if declared is not None:
        _check_pixels(*declared, max_pixels)

    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as opened:
            # Image.open only parsed the header; check Pillow's idea of the size too.
            _check_pixels(opened.width, opened.height, max_pixels)
            opened.load()  # decodes the first frame only
            pixels = _flatten_to_rgb(_apply_orientation(opened))
        if max(pixels.size) > MAX_KEPT_SIDE:
            # Big enough to read a scan at 300 dpi, small enough for Telegram's photo limits.
            pixels.thumbnail((MAX_KEPT_SIDE, MAX_KEPT_SIDE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        pixels.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Only reachable if our header reading disagreed with Pillow's. The warning arrives
        # here as an exception only where warnings are errors (the tests); elsewhere Pillow
        # just warns and the size check above refuses the image before decoding.
        raise UploadRejected(texts.ERR_IMAGE_TOO_BIG_PIXELS) from None
    except Exception:  # any decoder failure on hostile input means "broken"
        raise UploadRejected(texts.ERR_IMAGE_BROKEN) from None
    return CleanFile(
        data=out.getvalue(),
        mime_type="image/jpeg",
        extension="jpg",
        width=pixels.width,
        height=pixels.height,
    )


def _apply_orientation(im: Image.Image) -> Image.Image:
    """Rotate/flip according to the EXIF orientation; unreadable EXIF is ignored.

    In place: ``_flatten_to_rgb`` makes the one new image the result needs (a copy here
    as well cost about a millisecond per photo).
    """
    # Malformed EXIF must not make otherwise fine pixels unusable.
    with contextlib.suppress(Exception):
        ImageOps.exif_transpose(im, in_place=True)
    return im


def _flatten_to_rgb(im: Image.Image) -> Image.Image:
    """An RGB image with the pixels of ``im`` and no metadata at all.

    Transparent areas become white, as on paper. An image decoded as RGB already (most
    photos) is kept, with its metadata dropped: copying it cost about a millisecond a photo.
    """
    if im.mode == "RGB" and "transparency" not in im.info:
        im.info.clear()  # EXIF, ICC profile, XMP, comments, DPI
        return im
    if im.mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in im.info:
        rgba = im if im.mode == "RGBA" else im.convert("RGBA")  # not a copy of a large image
        flat = Image.new("RGB", im.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if im.mode == "I" or im.mode.startswith("I;16"):
        # 16-bit greyscale PNG: scale to 8 bits rather than clip everything above 255 to white.
        im = im.convert("I").point(lambda v: v / 256).convert("L")
    rgb = im.convert("RGB")  # always a new image, even from RGB
    rgb.info.clear()  # EXIF, ICC profile, XMP, comments, DPI
    return rgb


# --- PDF ------------------------------------------------------------------------------------


def clean_pdf(data: bytes) -> CleanFile:
    """Accept ``data`` only if it really is a readable, unencrypted PDF of 1 to 50 pages.

    The bytes must start with ``%PDF-1.`` or ``%PDF-2.`` (no leading junk, although some
    readers tolerate it), have ``%%EOF`` within the last 1024 bytes, and load in PDFium
    together with their first page. Any encryption is refused (``ERR_PDF_ENCRYPTED``),
    including owner-password "permissions" encryption that opens without a password, so that
    staff and later tooling never meet a locked file. The original bytes are kept unchanged.
    """
    check_declared_size(len(data))
    if not data.startswith((b"%PDF-1.", b"%PDF-2.")):
        raise UploadRejected(texts.ERR_PDF_BROKEN)
    if b"%%EOF" not in data[-_PDF_EOF_WINDOW:]:
        raise UploadRejected(texts.ERR_PDF_BROKEN)
    with PDFIUM_LOCK:
        _check_pdf_structure(data)
    return CleanFile(
        data=data, mime_type="application/pdf", extension="pdf", width=None, height=None
    )


def redraw_pdf(data: bytes, *, dpi: float = REDRAW_DPI) -> bytes:
    """A PDF of pictures of ``data``'s pages: no scripts, actions, forms or embedded files.

    Staff open court letters and official letters in desktop readers; a PDF that passed
    :func:`clean_pdf` may still carry JavaScript, launch actions or attachments. Redrawing
    every page as an image (at ``dpi``) keeps what a person reads and drops everything a
    reader could run. A document that is nothing but scans is drawn at the scans' own
    resolution when that is lower: drawing a scan larger adds no detail, only pixels (and
    three times the work for a 75 dpi scan at 110 dpi). Pages keep their size in points.

    The work is bounded in pixels, ``REDRAW_MAX_PIXELS`` a page and
    ``REDRAW_MAX_TOTAL_PIXELS`` in all, and each page is drawn, encoded into the output and
    let go before the next: what is in memory is one page and the output so far.
    """
    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(data)
    try:
        with PDFIUM_LOCK:
            sizes = [document.get_page_size(index) for index in range(len(document))]
            scans = [_scan_dpi(document, index) for index in range(len(sizes))]
        if all(scans):
            dpi = min(dpi, max(REDRAW_MIN_DPI, *(d for d in scans if d is not None)))
        out = _JpegPagesPdf()
        for index, scale in enumerate(_page_scales(sizes, dpi)):
            with PDFIUM_LOCK:
                page = document[index]
                try:
                    # RGBX: Pillow encodes PDFium's own buffer, no copy of the page is made.
                    bitmap = page.render(scale=scale, rev_byteorder=True, prefer_bgrx=True)
                finally:
                    page.close()
            try:
                image = bitmap.to_pil()
                jpeg = io.BytesIO()
                image.save(jpeg, "JPEG", quality=REDRAW_JPEG_QUALITY)
                width, height = image.size
                del image
            finally:
                with PDFIUM_LOCK:
                    bitmap.close()
            out.add_page(jpeg.getvalue(), width, height, width / scale, height / scale)
    finally:
        with PDFIUM_LOCK:
            document.close()
    return out.finish()


def _page_scales(sizes: list[tuple[float, float]], dpi: float) -> list[float]:
    """Pixels per point for each page: ``dpi``, less where the page or document limit says."""
    scales = [
        min(dpi / 72, (REDRAW_MAX_PIXELS / max(width * height, 1.0)) ** 0.5)
        for width, height in sizes
    ]
    total = sum(w * h * scale * scale for (w, h), scale in zip(sizes, scales, strict=True))
    if total > REDRAW_MAX_TOTAL_PIXELS:
        shrink = (REDRAW_MAX_TOTAL_PIXELS / total) ** 0.5
        scales = [scale * shrink for scale in scales]
    return scales


class _JpegPagesPdf:
    """A PDF whose every page is one JPEG picture, written as the pages are added, so that
    whoever draws the pages holds one page's pixels at once, never the whole document's.

    Objects 1 and 2 are the catalog and the page tree, written by :meth:`finish` once every
    page is known; each page is its image, its content stream and the page itself.
    """

    def __init__(self) -> None:
        self._out = io.BytesIO()
        self._out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self._offsets: dict[int, int] = {}
        self._pages: list[int] = []

    def add_page(
        self, jpeg: bytes, width: int, height: int, page_width: float, page_height: float
    ) -> None:
        """Add a page of ``page_width`` × ``page_height`` points showing ``jpeg`` (an RGB JPEG
        of ``width`` × ``height`` pixels) over all of it."""
        image = 3 + 3 * len(self._pages)
        content = b"q %.4f 0 0 %.4f 0 0 cm /Im0 Do Q" % (page_width, page_height)
        self._object(
            image,
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
            b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n"
            % (width, height, len(jpeg)),
            jpeg,
            b"\nendstream",
        )
        self._object(
            image + 1, b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)
        )
        self._object(
            image + 2,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.4f %.4f] "
            b"/Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>"
            % (page_width, page_height, image, image + 1),
        )
        self._pages.append(image + 2)

    def finish(self) -> bytes:
        """The whole PDF; nothing can be added after."""
        kids = b" ".join(b"%d 0 R" % page for page in self._pages)
        self._object(1, b"<< /Type /Catalog /Pages 2 0 R >>")
        self._object(2, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(self._pages)))
        info = 3 + 3 * len(self._pages)
        self._object(info, b"<< /Producer (tvto-skill-bot) >>")
        out = self._out
        xref = out.tell()
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (info + 1))
        out.write(b"".join(b"%010d 00000 n \n" % self._offsets[n] for n in range(1, info + 1)))
        out.write(b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\n" % (info + 1, info))
        out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
        return out.getvalue()  # CPython hands its buffer over here, without a copy

    def _object(self, number: int, *parts: bytes) -> None:
        self._offsets[number] = self._out.tell()
        self._out.write(b"%d 0 obj\n" % number)
        for part in parts:
            self._out.write(part)
        self._out.write(b"\nendobj\n")


def _scan_dpi(document: Any, index: int) -> float | None:
    """The resolution of the sharpest picture on page ``index`` if the page shows nothing but
    pictures, in dots per inch; None when anything else is drawn (text, lines, forms,
    annotations) or the resolution is unknown."""
    page = document[index]
    try:
        if pdfium_c.FPDFPage_GetAnnotCount(page.raw) != 0:
            return None
        sharpest = 0.0
        for obj in page.get_objects(max_depth=1):
            if obj.type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
                return None
            metadata = obj.get_metadata()
            found = max(metadata.horizontal_dpi, metadata.vertical_dpi)
            if not 0 < found < float("inf"):
                return None
            sharpest = max(sharpest, found)
        return sharpest or None
    finally:
        page.close()


REDRAW_PDF: Final = "redraw_pdf"
"""The mark of a PDF kept as sent for now, to be redrawn by :func:`redraw_pdf` before staff
see it (a draft's answer is checked at once and redrawn after the reply)."""

REDRAWERS: Final[Mapping[str, Callable[[bytes], bytes]]] = MappingProxyType(
    {REDRAW_PDF: redraw_pdf}
)
"""What turns a kept upload into the one staff receive, by the mark it carries."""


def _check_pdf_structure(data: bytes) -> None:
    """Load the PDF in PDFium and check encryption and page count. Hold ``PDFIUM_LOCK``."""
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        # pypdfium2 5 attaches the reason; 4 does not, but PDFium still has it (we hold the lock).
        err_code = getattr(exc, "err_code", None)
        if err_code is None:
            err_code = pdfium_c.FPDF_GetLastError()
        if err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise UploadRejected(texts.ERR_PDF_ENCRYPTED) from None
        raise UploadRejected(texts.ERR_PDF_BROKEN) from None
    try:
        if pdfium_c.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1:
            raise UploadRejected(texts.ERR_PDF_ENCRYPTED)
        pages = len(pdf)
        if pages < 1:
            raise UploadRejected(texts.ERR_PDF_BROKEN)
        if pages > MAX_PDF_PAGES:
            raise UploadRejected(
                texts.ERR_PDF_TOO_MANY_PAGES.format(limit=to_persian_digits(MAX_PDF_PAGES))
            )
        try:
            pdf.get_page(0).close()
            # A tiny file can declare enormous pages that would take gigabytes to render.
            for index in range(pages):
                width, height = pdf.get_page_size(index)
                if max(width, height) > MAX_PDF_PAGE_POINTS:
                    raise UploadRejected(texts.ERR_PDF_PAGE_TOO_LARGE)
        except pypdfium2.PdfiumError:
            raise UploadRejected(texts.ERR_PDF_BROKEN) from None
    finally:
        pdf.close()


# --- Documents (the court letter sent as a file) --------------------------------------------


def clean_document(data: bytes, declared_mime: str | None, file_name: str | None) -> CleanFile:
    """Clean a court letter sent as a file: a PDF, or a JPEG/PNG/WebP image.

    The type is decided from the bytes alone. ``declared_mime`` and ``file_name`` are chosen
    by the sender and deliberately not consulted (a text file renamed ``.pdf`` is refused, a
    real PDF called ``letter.jpg`` is accepted as a PDF); they are in the signature so that
    callers pass what they have, and are never logged or stored from here.
    """
    del declared_mime, file_name  # never trusted, see above
    check_declared_size(len(data))
    if data.startswith(b"%PDF-"):
        return clean_pdf(data)
    if sniff_image(data) is not None:
        return clean_image(data)
    raise UploadRejected(texts.ERR_FILE_NOT_IMAGE_OR_PDF)


# --- The 3×4 photo --------------------------------------------------------------------------


def check_portrait_photo(f: CleanFile) -> None:
    """Check that a cleaned image can serve as a 3×4 passport photo.

    The checks run in the order whose message helps most:

    1. portrait (height > width), else ``ERR_PHOTO_NOT_PORTRAIT``: a landscape or square
       picture is not a passport photo at all (EXIF rotation is already applied, so this is
       the orientation people see);
    2. at least 300×400 pixels, else ``ERR_PHOTO_SMALL``: a small photo has to be replaced,
       and cropping it to fix the ratio would only make it smaller, so this comes first;
    3. width / height within 3/4 ± 0.06, else ``ERR_PHOTO_RATIO``: the one problem the
       sender can fix by cropping.

    A PDF (no pixel size) is refused with ``ERR_FILE_NOT_IMAGE``.
    """
    if f.width is None or f.height is None:
        raise UploadRejected(texts.ERR_FILE_NOT_IMAGE)
    width, height = f.width, f.height
    shown = {"width": to_persian_digits(width), "height": to_persian_digits(height)}
    if height <= width:
        raise UploadRejected(texts.ERR_PHOTO_NOT_PORTRAIT.format(**shown))
    if width < PHOTO_MIN_WIDTH or height < PHOTO_MIN_HEIGHT:
        raise UploadRejected(texts.ERR_PHOTO_SMALL.format(**shown))
    if abs(Fraction(width, height) - PHOTO_RATIO) > PHOTO_RATIO_TOLERANCE:
        raise UploadRejected(texts.ERR_PHOTO_RATIO.format(**shown))
