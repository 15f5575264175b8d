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

Layout, as Iranian government letters go (right to left): the invocation centred at the top;
the letterhead top right (the logo if given, the parent body, the organisation, the office;
see :mod:`rendering.letterhead`); number, date and attachments top left; a rule; recipient
and subject; the salutation; the body justified on both sides, with the holder's details in a
small table; in the left half the closing, a box left clear for the seal and the signature,
and the signer's name and title, with a small QR code of ``verify_url`` beside the box when
given; the copies below; the footer with the office's address and phone at the foot. Every
text is fitted into its box (smaller type, then more lines, then an ellipsis), so nothing
runs off the page; :func:`render_letter_page` reports where each text went.

Digits are shown in Persian; codes, numbers and dates are isolated so that they keep their own
order (a tracking code with Latin letters stays Latin and reads as typed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
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

__all__ = ["LETTER_KINDS", "LetterDoc", "LetterKind", "render_letter", "render_letter_page"]

LetterKind = Literal["centre_inquiry", "not_authentic"]
LETTER_KINDS: tuple[LetterKind, ...] = ("centre_inquiry", "not_authentic")


@dataclass(frozen=True, kw_only=True)
class LetterDoc:
    """Everything printed on one letter; dates are Jalali strings such as ``1405/08/30``.

    ``recipient`` is the training centre (``centre_inquiry``) or the organisation that asked
    (``not_authentic``, whose own letter ``organisation_letter_number`` and
    ``organisation_letter_date`` refer to, when known: the letter answers it, LETTER_REFERENCE).
    ``body`` is an optional extra paragraph (newlines start new paragraphs); ``verify_url``,
    when given, is printed as a small QR code. Holder fields that are ``None``, empty or a
    "not known" placeholder are left out of the details table.

    The letterhead prints ``parent_body`` above the organisation (``None``: no such line) and
    ``logo`` (PNG or JPEG bytes); ``attachments`` are listed after LETTER_LABEL_ATTACHMENT
    (LETTER_NO_ATTACHMENT without any); ``copies`` are listed at the foot after the
    signature; the footer prints ``footer_address``, ``footer_phone`` and ``footer_postcode``,
    those given.
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
    parent_body: str | None = texts.DEFAULT_PARENT_BODY
    logo: bytes | None = field(default=None, repr=False)
    footer_address: str | None = None
    footer_phone: str | None = None
    footer_postcode: str | None = None
    attachments: tuple[str, ...] = ()
    copies: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in LETTER_KINDS:
            raise ValueError(f"unknown letter kind {self.kind!r}")


# --- Page geometry (millimetres) -------------------------------------------------------------

_LEFT = 18.0
_RIGHT = 192.0
_TOP = 9.0
# Where the text ends without a footer, and where the footer ends.
_BOTTOM = 283.0
_FOOTER_BOTTOM = 290.0
# The letterhead's column: the logo, the parent body, the organisation and the office.
_COLUMN_LEFT = 116.0
_LINE_PT = 12.0
_MIN_PT = 9.0
_LEADING = 1.95
_ROW_HEIGHT = 8.5
_SIGNATURE_LEFT, _SIGNATURE_RIGHT = _LEFT, 96.0
# The closing, the box for the seal and the signature, the name and a two-line title.
_CLOSING_MM, _NAME_MM, _TITLE_MM = 8.0, 7.5, 11.0
_SIGNATURE_HEIGHT = _CLOSING_MM + stamp_box_height() + 1 + _NAME_MM + _TITLE_MM
# The least room kept for the paragraphs after the table (two lines and a gap).
_AFTER_TABLE_MIN = 20.0
# The QR beside the stamp box, in a slot at the signature's left; the box and the names
# then take the rest of the signature's half.
_QR_MM = 22.0
_QR_SLOT = 30.0


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
        shown = present(value)
        if shown is not None:
            rows.append((label, code(shown) if is_code else persian(shown), False))
    rows.append((texts.LETTER_LABEL_TRACKING_CODE, _tracking(doc.tracking_code), False))
    return rows


# --- Drawing ---------------------------------------------------------------------------------


def _attachments(doc: LetterDoc) -> str:
    items = [persian(" ".join(item.split())) for item in doc.attachments if item.strip()]
    return texts.LIST_SEPARATOR.join(items) if items else texts.LETTER_NO_ATTACHMENT


def _header(page: Page, doc: LetterDoc) -> float:
    """The letterhead, number, date and attachments; returns the rule's height."""
    column_bottom = draw_letterhead(
        page,
        left=_LEFT,
        right=_RIGHT,
        top=_TOP,
        column_left=_COLUMN_LEFT,
        office_name=doc.office_name,
        parent_body=doc.parent_body,
        logo=doc.logo,
        organisation_pt=13,
    )
    top = _TOP + 8
    for label, value in (
        (texts.LETTER_LABEL_NUMBER, code(doc.letter_number)),
        (texts.LETTER_LABEL_DATE, code(doc.date)),
    ):
        page.text(f"{label} {value}", page.region(_LEFT, top, 80, top + 6.3), 10.5, min_pt=8)
        top += 6.3
    # The attachments may take a second line.
    rows_bottom = page.text(
        f"{texts.LETTER_LABEL_ATTACHMENT} {_attachments(doc)}",
        page.region(_LEFT, top, 80, top + 11),
        10.5,
        valign="top",
        min_pt=8,
        max_lines=2,
        leading=1.45,
    )
    rule = max(column_bottom, page.mm(rows_bottom)) + 2.5
    page.hline(_LEFT, _RIGHT, rule, width_mm=0.5)
    return rule


def _qr(page: Page, url: str, top: float) -> None:
    """A small QR code in the slot at the signature's left, its caption below it."""
    matrix = qr_matrix(url, border=4)
    box_size = max(2, page.px(_QR_MM) // len(matrix))
    side = box_size * len(matrix)
    slot_left, slot_right = page.px(_SIGNATURE_LEFT), page.px(_SIGNATURE_LEFT + _QR_SLOT)
    left, top_px = (slot_left + slot_right - side) // 2, page.px(top)
    page.qr(matrix, left, top_px, box_size)
    caption_top = top_px + side + page.px(0.5)
    page.text(
        texts.LETTER_QR_CAPTION,
        (slot_left, caption_top, slot_right, caption_top + page.px(8)),
        8.5,
        align="center",
        valign="top",
        min_pt=7,
        max_lines=2,
        leading=1.3,
        fill=GREY_TEXT,
    )


def _signature(page: Page, doc: LetterDoc, top: int) -> float:
    """The closing, the stamp box, the signer's name and title, the QR beside the box;
    returns the bottom (millimetres)."""
    top_mm = page.mm(top)
    left = _SIGNATURE_LEFT + (_QR_SLOT if doc.verify_url else 0.0)
    # The names may run a little past the half when the QR narrows it.
    right = _SIGNATURE_RIGHT + (6.0 if doc.verify_url else 0.0)
    centre = (left + _SIGNATURE_RIGHT) / 2

    def band(start: float, end: float) -> tuple[int, int, int, int]:
        return page.region(left, top_mm + start, right, top_mm + end)

    page.text(texts.LETTER_CLOSING, band(0, _CLOSING_MM), _LINE_PT, align="center")
    box_bottom = draw_stamp_box(page, centre, top_mm + _CLOSING_MM)
    if doc.verify_url:
        _qr(page, doc.verify_url, box_bottom - STAMP_MM)
    y = box_bottom + 1 - top_mm
    page.text(
        persian(doc.signer_name),
        band(y, y + _NAME_MM),
        12.5,
        weight=BOLD,
        align="center",
        min_pt=9,
    )
    y += _NAME_MM
    bottom = page.text(
        persian(doc.signer_title),
        band(y, y + _TITLE_MM),
        11,
        align="center",
        valign="top",
        min_pt=8,
        max_lines=2,
        leading=1.4,
    )
    return page.mm(bottom)


def _draw(doc: LetterDoc, dpi: float) -> Page:
    if dpi <= 0:
        raise ValueError("dpi must be positive")
    page = Page(dpi)
    left, right = page.px(_LEFT), page.px(_RIGHT)
    rule = _header(page, doc)
    footer_top = draw_footer(
        page,
        left=_LEFT,
        right=_RIGHT,
        bottom=_FOOTER_BOTTOM,
        address=doc.footer_address,
        phone=doc.footer_phone,
        postcode=doc.footer_postcode,
    )
    bottom = min(_BOTTOM, footer_top - 1.5)

    y = page.px(rule + 6)
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
    signature_top_limit = page.px(bottom - copies_height(doc.copies) - _SIGNATURE_HEIGHT)
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
    signature_bottom = _signature(page, doc, min(y + page.px(6), signature_top_limit))
    draw_copies(page, left=_LEFT, right=_RIGHT, top=signature_bottom + 1, copies=doc.copies)
    return page


def render_letter_page(doc: LetterDoc, dpi: float = 150) -> RenderedPage:
    """Draw ``doc`` into a grayscale A4 image, reporting where every text went."""
    page = _draw(doc, dpi)
    return RenderedPage(page.image, tuple(page.boxes))


def render_letter(doc: LetterDoc, dpi: float = 150) -> tuple[bytes, bytes]:
    """The letter as ``(png, pdf)`` from one drawing: the PNG image and the vector PDF."""
    page = _draw(doc, dpi)
    return encode_png(page.image, dpi), page.pdf(persian(doc.subject))
