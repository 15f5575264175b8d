"""The confirmation document: an A4 page with the holder's record and a verification QR.

Pure: a :class:`ConfirmationDoc` in, PNG or PDF bytes out. The page is drawn once, into a
grayscale image (the PNG) and at the same time as vectors (the PDF: text with a text layer,
vector QR, the photo as JPEG; see :mod:`rendering.layout` and :mod:`rendering.pdf`), so
:func:`render_png_and_pdf` costs one drawing.

Layout (A4 portrait, right to left): organisation and office top right; number, date and
tracking code top left; the title; the 3x4 photo at the left beside a table of labelled fields;
the statement; the QR code bottom left with its caption; the signature block bottom right.
Every text is fitted into its own box (smaller type, then more lines, then an ellipsis), so
long names never run off the page; :func:`render_page` reports each drawn text's box.

Digits in values are shown in Persian. Codes (serials, tracking codes, national codes, dates,
letter numbers) are wrapped in Unicode first-strong isolates so that, inside Persian text, a
value like ``1404-DUP-7`` keeps its own order instead of being reordered by the bidi algorithm.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Literal

from PIL import Image, ImageOps, UnidentifiedImageError

from domain import texts
from rendering.layout import (
    A4_MM,
    BOLD,
    GREY_TEXT,
    INK,
    RULE,
    Page,
    RenderedPage,
    TableRow,
    TextBox,
    code,
    encode_png,
    page_size,
    persian,
)
from rendering.qr import qr_matrix

__all__ = [
    "A4_MM",
    "ConfirmationDoc",
    "DocKind",
    "RenderedPage",
    "TextBox",
    "page_size",
    "render_page",
    "render_pdf",
    "render_png",
    "render_png_and_pdf",
]

DocKind = Literal["duplicate", "authenticity"]


@dataclass(frozen=True)
class ConfirmationDoc:
    """Everything printed on one confirmation; dates are Jalali strings such as ``1404/05/12``.

    ``kind`` "duplicate" is the duplicate value confirmation; "authenticity" answers an
    organisation's inquiry and needs ``requesting_organisation``, ``request_letter_number``,
    ``request_letter_date`` and ``verdict``. ``photo`` is the holder's JPEG/PNG or ``None``
    (a box to stick a photo in is drawn instead). ``verify_url`` is the QR content.
    """

    kind: DocKind
    serial: str
    tracking_code: str
    holder_full_name: str
    father_name: str
    national_code: str
    birth_date: str
    trade: str
    certificate_number: str
    certificate_year: str
    training_centre: str
    issue_date: str
    office_name: str
    signer_name: str
    signer_title: str
    signature_date: str
    verify_url: str
    photo: bytes | None = field(default=None, repr=False)
    requesting_organisation: str | None = None
    request_letter_number: str | None = None
    request_letter_date: str | None = None
    verdict: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("duplicate", "authenticity"):
            raise ValueError(f"unknown confirmation kind {self.kind!r}")
        if not self.verify_url:
            raise ValueError("verify_url is required: it is the QR content")
        if self.kind == "authenticity":
            missing = [
                name
                for name in (
                    "requesting_organisation",
                    "request_letter_number",
                    "request_letter_date",
                    "verdict",
                )
                if not getattr(self, name)
            ]
            if missing:
                raise ValueError(f"an authenticity confirmation needs {', '.join(missing)}")

    @property
    def title(self) -> str:
        return (
            texts.DOC_TITLE_DUPLICATE if self.kind == "duplicate" else texts.DOC_TITLE_AUTHENTICITY
        )


# The photo in the PDF: 30x40 mm at 300 dpi, fine enough to print.
_PHOTO_PDF_PIXELS = (354, 472)
_PHOTO_JPEG_QUALITY = 88


def _load_photo(photo: bytes, size: tuple[int, int]) -> tuple[Image.Image, bytes]:
    """The photo fitted to ``size`` pixels (the PNG's), and as a JPEG at print resolution."""
    largest = (max(size[0], _PHOTO_PDF_PIXELS[0]), max(size[1], _PHOTO_PDF_PIXELS[1]))
    try:
        with Image.open(io.BytesIO(photo)) as opened:
            opened.draft("L", (largest[0] * 2, largest[1] * 2))  # cheap JPEG downscale
            upright = ImageOps.exif_transpose(opened)
            grey = upright.convert("L")
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError("the photo is not a readable image") from exc
    preview = ImageOps.fit(grey, size, method=Image.Resampling.BILINEAR, centering=(0.5, 0.4))
    printed = ImageOps.fit(
        grey, _PHOTO_PDF_PIXELS, method=Image.Resampling.BILINEAR, centering=(0.5, 0.4)
    )
    buffer = io.BytesIO()
    printed.save(buffer, "JPEG", quality=_PHOTO_JPEG_QUALITY)
    return preview, buffer.getvalue()


# --- The page --------------------------------------------------------------------------------

_MARGIN = 14.0
_RIGHT = A4_MM[0] - _MARGIN


def _header(page: Page, doc: ConfirmationDoc) -> None:
    page.text(
        texts.DOC_ORGANISATION, page.region(92, 13, _RIGHT, 21), 14.5, weight=BOLD, min_pt=11
    )
    page.text(doc.office_name, page.region(92, 21.5, _RIGHT, 34), 11.5, min_pt=8.5, max_lines=2)
    rows = (
        (texts.DOC_LABEL_SERIAL, doc.serial),
        (texts.DOC_LABEL_ISSUE_DATE, doc.issue_date),
        (texts.DOC_LABEL_TRACKING_CODE, doc.tracking_code),
    )
    for index, (label, value) in enumerate(rows):
        top = 13 + index * 6.5
        page.text(
            f"{label} {code(value)}", page.region(_MARGIN, top, 84, top + 6.5), 10.5, min_pt=8
        )
    page.text(
        doc.title,
        page.region(_MARGIN, 36, _RIGHT, 47),
        17,
        weight=BOLD,
        align="center",
        min_pt=12,
    )
    page.hline(_MARGIN, _RIGHT, 49, width_mm=0.5)


def _photo(page: Page, doc: ConfirmationDoc, top: float) -> None:
    box = page.region(_MARGIN, top, _MARGIN + 30, top + 40)
    if doc.photo is None:
        page.rect(box, outline=RULE)
        inner = (box[0] + page.px(2), box[1], box[2] - page.px(2), box[3])
        page.text(
            texts.DOC_PHOTO_PLACEHOLDER, inner, 9, align="center", fill=GREY_TEXT, max_lines=2
        )
        return
    preview, jpeg = _load_photo(doc.photo, (box[2] - box[0], box[3] - box[1]))
    page.picture(box, preview, jpeg, _PHOTO_PDF_PIXELS)
    page.rect(box, outline=INK)


def _fields(page: Page, doc: ConfirmationDoc, top: float) -> float:
    rows: tuple[TableRow, ...] = (
        (texts.DOC_LABEL_FULL_NAME, persian(doc.holder_full_name), True),
        (texts.DOC_LABEL_FATHER_NAME, persian(doc.father_name), False),
        (texts.DOC_LABEL_NATIONAL_CODE, code(doc.national_code), False),
        (texts.DOC_LABEL_BIRTH_DATE, code(doc.birth_date), False),
        (texts.DOC_LABEL_TRADE, persian(doc.trade), False),
        (texts.DOC_LABEL_CERTIFICATE_NUMBER, code(doc.certificate_number), False),
        (texts.DOC_LABEL_CERTIFICATE_YEAR, code(doc.certificate_year), False),
        (texts.DOC_LABEL_TRAINING_CENTRE, persian(doc.training_centre), False),
    )
    return page.table(
        rows,
        left=50.0,
        right=_RIGHT,
        top=top,
        label_width=46.0,
        row_height=9.5,
        value_pt=11.5,
        value_min_pt=8,
        value_leading=1.35,
        pad=2.2,
        inset=0.4,
    )


def _statement(page: Page, doc: ConfirmationDoc, top: float) -> None:
    if doc.kind == "duplicate":
        page.text(
            texts.DOC_BODY_DUPLICATE,
            page.region(_MARGIN, top, _RIGHT, 205),
            12,
            valign="top",
            min_pt=9,
            max_lines=8,
            leading=1.9,
        )
    else:
        intro = texts.DOC_BODY_AUTHENTICITY.format(
            letter_number=code(doc.request_letter_number or ""),
            letter_date=code(doc.request_letter_date or ""),
            organisation=persian(doc.requesting_organisation or ""),
        )
        intro_bottom = page.text(
            intro,
            page.region(_MARGIN, top, _RIGHT, top + 30),
            12,
            valign="top",
            min_pt=9,
            max_lines=5,
            leading=1.9,
        )
        page.text(
            persian(doc.verdict or ""),
            (page.px(_MARGIN), intro_bottom + page.px(2), page.px(_RIGHT), page.px(205)),
            12.5,
            weight=BOLD,
            valign="top",
            min_pt=9,
            max_lines=6,
            leading=1.8,
        )
    page.text(
        texts.DOC_NOTE_TAMPERING,
        page.region(_MARGIN, 206, _RIGHT, 212),
        9,
        fill=GREY_TEXT,
        min_pt=7,
    )
    page.hline(_MARGIN, _RIGHT, 214)


def _qr(page: Page, doc: ConfirmationDoc) -> None:
    matrix = qr_matrix(doc.verify_url, border=4)
    target = page.px(50)
    box_size = max(2, target // len(matrix))
    side = box_size * len(matrix)
    left, top = page.px(_MARGIN), page.px(219)
    page.qr(matrix, left, top, box_size)
    caption_top = top + side + page.px(0.5)
    centre, half = left + side // 2, max(side, page.px(56)) // 2
    page.text(
        texts.DOC_QR_CAPTION,
        (max(page.px(10), centre - half), caption_top, centre + half, caption_top + page.px(7)),
        9.5,
        align="center",
        min_pt=7,
    )


def _signature(page: Page, doc: ConfirmationDoc) -> None:
    left = 96.0
    page.text(
        persian(doc.signer_name),
        page.region(left, 222, _RIGHT, 231),
        12.5,
        weight=BOLD,
        align="center",
        min_pt=9,
    )
    page.text(
        persian(doc.signer_title),
        page.region(left, 231, _RIGHT, 245),
        11,
        align="center",
        min_pt=8,
        max_lines=2,
        leading=1.4,
    )
    page.text(
        texts.DOC_SIGNATURE_DATE.format(date=code(doc.signature_date)),
        page.region(left, 245, _RIGHT, 252),
        10.5,
        align="center",
        min_pt=8,
    )
    page.text(
        texts.DOC_SIGNATURE_STAMP,
        page.region(left, 262, _RIGHT, 270),
        10,
        align="center",
        fill=GREY_TEXT,
    )


def _draw(doc: ConfirmationDoc, dpi: float) -> Page:
    if dpi <= 0:
        raise ValueError("dpi must be positive")
    page = Page(dpi)
    inset = page.px(8)
    width, height = page.size
    page.rect((inset, inset, width - inset, height - inset), outline=INK)
    _header(page, doc)
    body_top = 54.0
    _photo(page, doc, body_top)
    fields_bottom = _fields(page, doc, body_top)
    _statement(page, doc, fields_bottom + 6)
    _qr(page, doc)
    _signature(page, doc)
    return page


def render_page(doc: ConfirmationDoc, dpi: float = 150) -> RenderedPage:
    """Draw ``doc`` into a grayscale A4 image, reporting where every text went."""
    page = _draw(doc, dpi)
    return RenderedPage(page.image, tuple(page.boxes))


def render_png(doc: ConfirmationDoc, dpi: float = 150) -> bytes:
    """The document as a grayscale PNG, A4 at ``dpi`` (1240x1754 px at 150 dpi)."""
    return encode_png(_draw(doc, dpi).image, dpi)


def render_pdf(doc: ConfirmationDoc, dpi: float = 150) -> bytes:
    """The document as a one-page A4 vector PDF, laid out as the PNG at ``dpi`` is."""
    return _draw(doc, dpi).pdf(doc.title)


def render_png_and_pdf(doc: ConfirmationDoc, dpi: float = 150) -> tuple[bytes, bytes]:
    """Both forms from one drawing: ``(png, pdf)``."""
    page = _draw(doc, dpi)
    return encode_png(page.image, dpi), page.pdf(doc.title)
