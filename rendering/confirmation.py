"""The confirmation document: an A4 page with the holder's record and a verification QR.

Pure: a :class:`ConfirmationDoc` in, PNG or PDF bytes out. The page is drawn once, into a
grayscale image (the PNG) and at the same time as vectors (the PDF: text with a text layer,
vector QR, the photo as JPEG; see :mod:`rendering.layout` and :mod:`rendering.pdf`), so
:func:`render_png_and_pdf` costs one drawing.

Layout (A4 portrait, right to left, inside a frame): the invocation centred at the top and
the letterhead top right (logo, parent body, organisation, office; see
:mod:`rendering.letterhead`); number, date and tracking code top left; the title; the 3x4
photo at the left beside a table of the fields that hold a value (an inquiry's answer without
a photo gives the table the width); the statement; then, following it, the tampering note and
the signature band: the QR code at the left with its caption, at the right a box left clear
for the seal and the signature, the signer's name, title and date under it; the copies below
the band; the footer at the foot. Every text is fitted into its own box (smaller type, then
more lines, then an ellipsis), so long names never run off the page; :func:`render_page`
reports each drawn text's box.

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
    present,
)
from rendering.letterhead import (
    STAMP_MM,
    copies_height,
    draw_copies,
    draw_footer,
    draw_letterhead,
    draw_stamp_box,
    stamp_box_height,
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


@dataclass(frozen=True, kw_only=True)
class ConfirmationDoc:
    """Everything printed on one confirmation; dates are Jalali strings such as ``1404/05/12``.

    ``kind`` "duplicate" is the duplicate value confirmation; "authenticity" answers an
    organisation's inquiry and needs ``requesting_organisation``, ``request_letter_number``,
    ``request_letter_date`` and ``verdict``. ``photo`` is the holder's JPEG/PNG or ``None``
    (a box to stick a photo in is drawn instead). ``verify_url`` is the QR content.

    The holder's name, national code and the serial are required; every other field of the
    record is printed only when it holds a value (not empty, not a "not known" placeholder).
    The letterhead prints ``parent_body`` above the organisation (``None``: no such line) and
    ``logo`` (PNG or JPEG bytes) at the top; the footer prints ``footer_address``,
    ``footer_phone`` and ``footer_postcode``, those given. ``copies`` are listed after
    DOC_COPIES_LABEL below the signature (every inquiry answer is copied to the security
    unit). A duplicate cites the court letter it rests on, as far as ``court_letter_number``,
    ``court_letter_date`` and ``court_name`` are given.
    """

    kind: DocKind
    serial: str
    tracking_code: str
    holder_full_name: str
    national_code: str
    father_name: str | None = None
    birth_date: str | None = None
    trade: str | None = None
    certificate_number: str | None = None
    certificate_year: str | None = None
    training_centre: str | None = None
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
    parent_body: str | None = texts.DEFAULT_PARENT_BODY
    logo: bytes | None = field(default=None, repr=False)
    footer_address: str | None = None
    footer_phone: str | None = None
    footer_postcode: str | None = None
    copies: tuple[str, ...] = ()
    court_letter_number: str | None = None
    court_letter_date: str | None = None
    court_name: str | None = None

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

_FRAME = 8.0
_MARGIN = 14.0
_RIGHT = A4_MM[0] - _MARGIN
_TOP = 10.5
# Everything stays this far inside the frame's bottom.
_BOTTOM = A4_MM[1] - _FRAME - 2.5
# The letterhead's column: the logo, the parent body, the organisation and the office.
_COLUMN_LEFT = 112.0
_SIGNATURE_LEFT = 96.0
_QR_MM = 50.0
# The signature band: the stamp box, the signer's name, a two-line title and the date.
_NAME_MM, _TITLE_MM, _DATE_MM = 7.5, 11.0, 6.5
_BAND_MM = 2 + stamp_box_height() + 1 + _NAME_MM + _TITLE_MM + _DATE_MM
# Copies on a confirmation: a line each, at most three.
_COPY_LINES = 3
# The tampering note and its rule above the band, and the least gap between them and the
# statement.
_NOTE_MM = 9.0
_STATEMENT_GAP = 8.0


def _header(page: Page, doc: ConfirmationDoc) -> float:
    """The letterhead, the number, date and tracking code, and the title; returns the rule's
    height."""
    column_bottom = draw_letterhead(
        page,
        left=_MARGIN,
        right=_RIGHT,
        top=_TOP,
        column_left=_COLUMN_LEFT,
        office_name=doc.office_name,
        parent_body=doc.parent_body,
        logo=doc.logo,
        organisation_pt=14,
    )
    rows = (
        (texts.DOC_LABEL_SERIAL, doc.serial),
        (texts.DOC_LABEL_ISSUE_DATE, doc.issue_date),
        (texts.DOC_LABEL_TRACKING_CODE, doc.tracking_code),
    )
    rows_top = _TOP + 7
    for index, (label, value) in enumerate(rows):
        top = rows_top + index * 6.5
        page.text(
            f"{label} {code(value)}", page.region(_MARGIN, top, 84, top + 6.5), 10.5, min_pt=8
        )
    title_top = max(column_bottom, rows_top + len(rows) * 6.5) + 1.5
    page.text(
        doc.title,
        page.region(_MARGIN, title_top, _RIGHT, title_top + 11),
        17,
        weight=BOLD,
        align="center",
        min_pt=12,
    )
    rule = title_top + 12.5
    page.hline(_MARGIN, _RIGHT, rule, width_mm=0.5)
    return rule


def _photo(page: Page, doc: ConfirmationDoc, top: float) -> float:
    box = page.region(_MARGIN, top, _MARGIN + 30, top + 40)
    if doc.photo is None:
        page.rect(box, outline=RULE)
        inner = (box[0] + page.px(2), box[1], box[2] - page.px(2), box[3])
        page.text(
            texts.DOC_PHOTO_PLACEHOLDER, inner, 9, align="center", fill=GREY_TEXT, max_lines=2
        )
    else:
        preview, jpeg = _load_photo(doc.photo, (box[2] - box[0], box[3] - box[1]))
        page.picture(box, preview, jpeg, _PHOTO_PDF_PIXELS)
        page.rect(box, outline=INK)
    return top + 40


def _rows(doc: ConfirmationDoc) -> list[TableRow]:
    """The record's rows: the name and national code always, the rest when they hold a value."""
    rows: list[TableRow] = [(texts.DOC_LABEL_FULL_NAME, persian(doc.holder_full_name), True)]
    optional = (
        (texts.DOC_LABEL_FATHER_NAME, doc.father_name, False),
        (texts.DOC_LABEL_NATIONAL_CODE, doc.national_code, True),
        (texts.DOC_LABEL_BIRTH_DATE, doc.birth_date, True),
        (texts.DOC_LABEL_TRADE, doc.trade, False),
        (texts.DOC_LABEL_CERTIFICATE_NUMBER, doc.certificate_number, True),
        (texts.DOC_LABEL_CERTIFICATE_YEAR, doc.certificate_year, True),
        (texts.DOC_LABEL_TRAINING_CENTRE, doc.training_centre, False),
    )
    for label, value, is_code in optional:
        if label == texts.DOC_LABEL_NATIONAL_CODE:
            rows.append((label, code(doc.national_code), False))
            continue
        shown = present(value)
        if shown is not None:
            rows.append((label, code(shown) if is_code else persian(shown), False))
    return rows


def _fields(page: Page, doc: ConfirmationDoc, top: float, left: float) -> float:
    return page.table(
        _rows(doc),
        left=left,
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


def _court_letter(doc: ConfirmationDoc) -> str | None:
    """The court letter a duplicate rests on, as far as it is known; ``None`` if not at all."""
    number, date = present(doc.court_letter_number), present(doc.court_letter_date)
    court = present(doc.court_name)
    if number is None and date is None and court is None:
        return None
    parts = [texts.DOC_COURT_LETTER]
    if number is not None:
        parts.append(texts.DOC_COURT_LETTER_NUMBER.format(number=code(number)))
    if date is not None:
        parts.append(texts.DOC_COURT_LETTER_DATE.format(date=code(date)))
    parts.append(persian(court) if court is not None else texts.DOC_COURT_UNNAMED)
    return " ".join(parts)


def _statement(page: Page, doc: ConfirmationDoc, top: float, bottom: float) -> float:
    """The statement between ``top`` and ``bottom``; returns where it ended."""
    left, right = page.px(_MARGIN), page.px(_RIGHT)
    if doc.kind == "duplicate":
        court_letter = _court_letter(doc)
        body = (
            texts.DOC_BODY_DUPLICATE
            if court_letter is None
            else texts.DOC_BODY_DUPLICATE_COURT.format(court_letter=court_letter)
        )
        return page.mm(
            page.paragraphs(
                body, (left, page.px(top), right, page.px(bottom)), 12, min_pt=9, leading=1.9
            )
        )
    intro = texts.DOC_BODY_AUTHENTICITY.format(
        letter_number=code(doc.request_letter_number or ""),
        letter_date=code(doc.request_letter_date or ""),
        organisation=persian(doc.requesting_organisation or ""),
    )
    # The verdict is what the page is for: it keeps room for two lines whatever the intro.
    verdict_room = min(17.0, max(8.5, (bottom - top) / 2))
    intro_bottom = page.paragraphs(
        intro,
        (left, page.px(top), right, page.px(min(top + 30, bottom - verdict_room))),
        12,
        min_pt=9,
        leading=1.9,
    )
    return page.mm(
        page.text(
            persian(doc.verdict or ""),
            (left, intro_bottom + page.px(1.5), right, page.px(bottom)),
            12.5,
            weight=BOLD,
            valign="top",
            min_pt=9,
            max_lines=6,
            leading=1.8,
        )
    )


def _note(page: Page, rule: float) -> None:
    """The tampering note above the rule that sets the signature band apart."""
    page.text(
        texts.DOC_NOTE_TAMPERING,
        page.region(_MARGIN, rule - 7, _RIGHT, rule - 1),
        9,
        fill=GREY_TEXT,
        min_pt=7,
    )
    page.hline(_MARGIN, _RIGHT, rule)


def _qr(page: Page, doc: ConfirmationDoc, top: float) -> None:
    matrix = qr_matrix(doc.verify_url, border=4)
    box_size = max(2, page.px(_QR_MM) // len(matrix))
    side = box_size * len(matrix)
    left, top_px = page.px(_MARGIN), page.px(top)
    page.qr(matrix, left, top_px, box_size)
    caption_top = top_px + side + page.px(0.5)
    centre, half = left + side // 2, max(side, page.px(56)) // 2
    page.text(
        texts.DOC_QR_CAPTION,
        (max(page.px(10), centre - half), caption_top, centre + half, caption_top + page.px(7)),
        9.5,
        align="center",
        min_pt=7,
    )


def _signature(page: Page, doc: ConfirmationDoc, top: float) -> None:
    """The box for the seal, and under it the signer's name, title and the date."""
    left = _SIGNATURE_LEFT
    y = draw_stamp_box(page, (left + _RIGHT) / 2, top) + 1
    page.text(
        persian(doc.signer_name),
        page.region(left, y, _RIGHT, y + _NAME_MM),
        12.5,
        weight=BOLD,
        align="center",
        min_pt=9,
    )
    y += _NAME_MM
    title_bottom = page.text(
        persian(doc.signer_title),
        page.region(left, y, _RIGHT, y + _TITLE_MM),
        11,
        align="center",
        valign="top",
        min_pt=8,
        max_lines=2,
        leading=1.4,
    )
    y = page.mm(title_bottom)
    page.text(
        texts.DOC_SIGNATURE_DATE.format(date=code(doc.signature_date)),
        page.region(left, y, _RIGHT, y + _DATE_MM),
        10.5,
        align="center",
        min_pt=8,
    )


def _draw(doc: ConfirmationDoc, dpi: float) -> Page:
    if dpi <= 0:
        raise ValueError("dpi must be positive")
    page = Page(dpi)
    inset = page.px(_FRAME)
    width, height = page.size
    page.rect((inset, inset, width - inset, height - inset), outline=INK)
    rule = _header(page, doc)
    body_top = rule + 5
    if doc.photo is None and doc.kind == "authenticity":
        # An inquiry's answer has no photo to stick on: the record takes the width.
        body_bottom = _fields(page, doc, body_top, _MARGIN)
    else:
        body_bottom = max(_photo(page, doc, body_top), _fields(page, doc, body_top, 50.0))
    # The footer at the foot; the signature band (the QR beside it) and the copies follow the
    # statement, and go no lower than leaves them room above the footer.
    footer_top = draw_footer(
        page,
        left=_MARGIN,
        right=_RIGHT,
        bottom=_BOTTOM,
        address=doc.footer_address,
        phone=doc.footer_phone,
        postcode=doc.footer_postcode,
    )
    copies = copies_height(doc.copies, _COPY_LINES)
    lowest_band = footer_top - (copies + 1.0 if copies else 0.0) - _BAND_MM
    statement_bottom = _statement(page, doc, body_bottom + 6, lowest_band - _NOTE_MM)
    band_top = min(lowest_band, statement_bottom + _STATEMENT_GAP + _NOTE_MM)
    _note(page, band_top - 1)
    # The QR's top level with the stamp box's.
    _qr(page, doc, band_top + 2 + stamp_box_height() - STAMP_MM)
    _signature(page, doc, band_top + 2)
    draw_copies(
        page,
        left=_MARGIN,
        right=_RIGHT,
        top=band_top + _BAND_MM,
        copies=doc.copies,
        max_lines=_COPY_LINES,
    )
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
