"""Official letters of the office: an A4 Persian letter as PNG and PDF.

Pure: a :class:`LetterDoc` in, bytes out. The page is drawn once, as an image (the PNG) and as
vectors (the PDF, with a text layer), like the confirmation document (the same page canvas;
see :mod:`rendering.layout`).

Two kinds:

* ``centre_inquiry``: step 5 of the office's process, to a training centre, asking it to check
  its archived exam records for a holder of an old (row C) certificate and answer within a
  week, quoting the tracking code;
* ``not_authentic``: the answer to an organisation's inquiry when the certificate is not in the
  office's records: it is not genuine, and the security unit has been told.

Layout, as Iranian government letters go (right to left): the invocation centred at the top; the
organisation and the office top right; number, date and attachment top left; a rule; recipient
and subject; the salutation; the body justified on both sides, with the holder's details in a
small table; the closing and the signer's name and title in the left half; optionally a small
QR code of ``verify_url`` in the bottom right corner. Every text is fitted into its box
(smaller type, then more lines, then an ellipsis), so nothing runs off the page;
:func:`render_letter_page` reports where each text went.

Digits are shown in Persian; codes, numbers and dates are isolated so that they keep their own
order (a tracking code with Latin letters stays Latin and reads as typed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from domain import texts
from domain.tracking import format_tracking_code, is_valid_tracking_code
from rendering.layout import (
    BOLD,
    GREY_TEXT,
    Page,
    RenderedPage,
    TableRow,
    code,
    encode_png,
    persian,
)
from rendering.qr import qr_matrix

__all__ = ["LETTER_KINDS", "LetterDoc", "LetterKind", "render_letter", "render_letter_page"]

LetterKind = Literal["centre_inquiry", "not_authentic"]
LETTER_KINDS: tuple[LetterKind, ...] = ("centre_inquiry", "not_authentic")


@dataclass(frozen=True, kw_only=True)
class LetterDoc:
    """Everything printed on one letter; dates are Jalali strings such as ``1405/08/30``.

    ``recipient`` is the training centre (``centre_inquiry``) or the organisation that asked
    (``not_authentic``, whose own letter ``organisation_letter_number`` and
    ``organisation_letter_date`` refer to, when known). ``body`` is an optional extra
    paragraph (newlines start new paragraphs); ``verify_url``, when given, is printed as a
    small QR code. Holder fields that are ``None`` are left out of the details table.
    """

    kind: LetterKind
    letter_number: str
    date: str
    office_name: str
    recipient: str
    subject: str
    tracking_code: str
    holder_full_name: str
    national_code: str | None
    trade: str | None
    certificate_number: str | None
    certificate_year: str | None
    organisation_letter_number: str | None = None
    organisation_letter_date: str | None = None
    signer_name: str
    signer_title: str
    body: str | None = None
    verify_url: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in LETTER_KINDS:
            raise ValueError(f"unknown letter kind {self.kind!r}")


# --- Page geometry (millimetres) -------------------------------------------------------------

_LEFT = 18.0
_RIGHT = 192.0
_BOTTOM = 283.0
_LINE_PT = 12.0
_MIN_PT = 9.0
_LEADING = 1.95
_ROW_HEIGHT = 8.5
_SIGNATURE_LEFT, _SIGNATURE_RIGHT = _LEFT, 96.0
# The closing, room for the handwritten signature, the name and a two-line title.
_SIGNATURE_HEIGHT = 46.0
# The least room kept for the paragraphs after the table (two lines and a gap).
_AFTER_TABLE_MIN = 20.0
_QR_MM = 22.0


def _tracking(value: str) -> str:
    """The tracking code as people see it (grouped when canonical), isolated."""
    shown = format_tracking_code(value) if is_valid_tracking_code(value) else value
    return code(shown)


def _reference(doc: LetterDoc) -> str:
    number, date = doc.organisation_letter_number, doc.organisation_letter_date
    if number and date:
        return texts.LETTER_REFERENCE_NUMBER_DATE.format(number=code(number), date=code(date))
    if number:
        return texts.LETTER_REFERENCE_NUMBER.format(number=code(number))
    if date:
        return texts.LETTER_REFERENCE_DATE.format(date=code(date))
    return texts.LETTER_REFERENCE_NONE


def _intro(doc: LetterDoc) -> str:
    if doc.kind == "centre_inquiry":
        return texts.LETTER_BODY_CENTRE_INQUIRY.format(tracking_code=_tracking(doc.tracking_code))
    return texts.LETTER_BODY_NOT_AUTHENTIC.format(reference=_reference(doc))


def _after_table(doc: LetterDoc) -> str:
    parts = [texts.LETTER_NOT_AUTHENTIC_SECURITY] if doc.kind == "not_authentic" else []
    if doc.body and doc.body.strip():
        parts.append(persian(doc.body.strip()))
    return "\n".join(parts)


def _rows(doc: LetterDoc) -> list[TableRow]:
    rows: list[TableRow] = [(texts.DOC_LABEL_FULL_NAME, persian(doc.holder_full_name), True)]
    optional = (
        (texts.DOC_LABEL_NATIONAL_CODE, doc.national_code, True),
        (texts.DOC_LABEL_TRADE, doc.trade, False),
        (texts.DOC_LABEL_CERTIFICATE_NUMBER, doc.certificate_number, True),
        (texts.DOC_LABEL_CERTIFICATE_YEAR, doc.certificate_year, True),
    )
    for label, value, is_code in optional:
        if value is not None and value.strip():
            rows.append((label, code(value) if is_code else persian(value), False))
    rows.append((texts.LETTER_LABEL_TRACKING_CODE, _tracking(doc.tracking_code), False))
    return rows


# --- Drawing ---------------------------------------------------------------------------------


def _header(page: Page, doc: LetterDoc) -> None:
    page.text(
        texts.LETTER_BASMALA, page.region(_LEFT, 9, _RIGHT, 16), 12, weight=BOLD, align="center"
    )
    page.text(
        texts.DOC_ORGANISATION,
        page.region(116, 17, _RIGHT, 24.5),
        13,
        weight=BOLD,
        align="center",
        min_pt=10,
    )
    page.text(
        persian(doc.office_name),
        page.region(116, 24.5, _RIGHT, 36),
        11,
        align="center",
        min_pt=8.5,
        max_lines=2,
        leading=1.4,
    )
    rows = (
        (texts.LETTER_LABEL_NUMBER, code(doc.letter_number)),
        (texts.LETTER_LABEL_DATE, code(doc.date)),
        (texts.LETTER_LABEL_ATTACHMENT, texts.LETTER_NO_ATTACHMENT),
    )
    for index, (label, value) in enumerate(rows):
        top = 17 + index * 6.3
        page.text(f"{label} {value}", page.region(_LEFT, top, 80, top + 6.3), 10.5, min_pt=8)
    page.hline(_LEFT, _RIGHT, 39, width_mm=0.5)


def _qr(page: Page, url: str) -> None:
    matrix = qr_matrix(url, border=4)
    box_size = max(2, page.px(_QR_MM) // len(matrix))
    side = box_size * len(matrix)
    caption_height = page.px(5)
    right, bottom = page.px(_RIGHT), page.px(_BOTTOM)
    left, top = right - side, bottom - caption_height - side
    page.qr(matrix, left, top, box_size)
    centre, half = (left + right) // 2, max(side, page.px(40)) // 2
    page.text(
        texts.LETTER_QR_CAPTION,
        (centre - half, bottom - caption_height, min(centre + half, page.px(_RIGHT)), bottom),
        8.5,
        align="center",
        min_pt=7,
        fill=GREY_TEXT,
    )


def _signature(page: Page, doc: LetterDoc, top: int) -> None:
    left, right = page.px(_SIGNATURE_LEFT), page.px(_SIGNATURE_RIGHT)

    def band(start_mm: float, end_mm: float) -> tuple[int, int, int, int]:
        return (left, top + page.px(start_mm), right, top + page.px(end_mm))

    page.text(texts.LETTER_CLOSING, band(0, 8), _LINE_PT, align="center")
    page.text(persian(doc.signer_name), band(18, 26), 12.5, weight=BOLD, align="center", min_pt=9)
    page.text(
        persian(doc.signer_title),
        band(26, 38),
        11,
        align="center",
        valign="top",
        min_pt=8,
        max_lines=2,
        leading=1.4,
    )


def _draw(doc: LetterDoc, dpi: float) -> Page:
    if dpi <= 0:
        raise ValueError("dpi must be positive")
    page = Page(dpi)
    left, right = page.px(_LEFT), page.px(_RIGHT)
    _header(page, doc)

    y = page.px(45)
    for line, weight in (
        (texts.LETTER_TO.format(recipient=persian(doc.recipient)), BOLD),
        (texts.LETTER_SUBJECT.format(subject=persian(doc.subject)), BOLD),
    ):
        y = page.text(
            line,
            (left, y, right, y + page.px(15)),
            12.5,
            weight=weight,
            valign="top",
            min_pt=_MIN_PT,
            max_lines=2,
            leading=1.6,
        )
    y = page.text(
        texts.LETTER_SALUTATION,
        (left, y + page.px(4), right, y + page.px(12)),
        _LINE_PT,
        valign="top",
        leading=1.6,
    )

    rows = _rows(doc)
    after = _after_table(doc)
    signature_top_limit = page.px(_BOTTOM - _SIGNATURE_HEIGHT)
    table_height = page.px(len(rows) * _ROW_HEIGHT + 8)  # with a gap on each side
    after_reserve = page.px(_AFTER_TABLE_MIN) if after else 0
    intro_bottom = max(
        y + page.px(10),
        min(y + page.px(70), signature_top_limit - table_height - after_reserve),
    )
    y = page.paragraphs(
        _intro(doc),
        (left, y + page.px(1), right, intro_bottom),
        _LINE_PT,
        min_pt=_MIN_PT,
        leading=_LEADING,
    )

    table_bottom = page.table(
        rows,
        left=_LEFT + 12,
        right=_RIGHT - 12,
        top=page.mm(y + page.px(3)),
        label_width=52,
        row_height=_ROW_HEIGHT,
    )
    y = page.px(table_bottom + 5)
    if after:
        y = page.paragraphs(
            after,
            (left, y, right, max(y + page.px(10), signature_top_limit)),
            _LINE_PT,
            min_pt=_MIN_PT,
            leading=_LEADING,
        )
    _signature(page, doc, min(y + page.px(6), signature_top_limit))
    if doc.verify_url:
        _qr(page, doc.verify_url)
    return page


def render_letter_page(doc: LetterDoc, dpi: float = 150) -> RenderedPage:
    """Draw ``doc`` into a grayscale A4 image, reporting where every text went."""
    page = _draw(doc, dpi)
    return RenderedPage(page.image, tuple(page.boxes))


def render_letter(doc: LetterDoc, dpi: float = 150) -> tuple[bytes, bytes]:
    """The letter as ``(png, pdf)`` from one drawing: the PNG image and the vector PDF."""
    page = _draw(doc, dpi)
    return encode_png(page.image, dpi), page.pdf(persian(doc.subject))
