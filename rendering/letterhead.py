"""The official elements every document of the office carries, drawn on a :class:`Page`.

At the top, the letterhead: the invocation (DOC_BASMALA) centred and, in a column at the
right, the operator's logo, the parent body (the ministry), the organisation and the office,
each line centred under the logo as on the office's printed letterheads. At the foot: the
copies (DOC_COPIES_LABEL: who receives a copy) and the footer with the office's address,
postcode and phone, the last thing on the page. In between, where the signer signs, a box
left clear for a wet seal.

Measurements are millimetres. The logo is decoded with Pillow (PNG or JPEG only, at most
:data:`LOGO_MAX_PIXELS`), flattened on white and drawn greyscale, like the page: in the PNG at
the page's resolution, in the PDF as a 300 dpi JPEG. Decoding is cached per logo, so a logo
costs its decoding once per process, not once per document.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache

from PIL import Image

from domain import texts
from rendering.layout import BOLD, GREY_TEXT, Page, code, persian
from rendering.logo import LOGO_MAX_PIXELS, load_logo

__all__ = [
    "LOGO_HEIGHT_MM",
    "LOGO_MAX_PIXELS",
    "STAMP_MM",
    "copies_height",
    "draw_copies",
    "draw_footer",
    "draw_letterhead",
    "draw_stamp_box",
    "load_logo",
    "stamp_box_height",
]

# An official letterhead's logo is about 2 cm high; a wide one is kept to 45 mm across.
LOGO_HEIGHT_MM = 20.0
_LOGO_MAX_WIDTH_MM = 45.0
_LOGO_PDF_DPI = 300
_LOGO_JPEG_QUALITY = 92

# The clear square left for the seal and the signature, and the grey of its frame.
STAMP_MM = 40.0
_STAMP_LABEL_MM = 5.0
_STAMP_FRAME = 165

_BASMALA_HEIGHT = 6.5
_LINE_GAP = 1.5

# The footer: small type, one line or two, and the rule above it.
_FOOTER_PT = 8.5
_FOOTER_MIN_PT = 7.0
_FOOTER_LINE = 4.5
_FOOTER_RULE_GAP = 1.5

# The copies list: one line a copy, at most this many lines (the rest share the last one).
_COPY_PT = 9.5
_COPY_LINE = 5.2
_COPY_GAP = 2.0


# --- The logo --------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _logo_jpeg(data: bytes, pixels: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    load_logo(data).resize(pixels, Image.Resampling.LANCZOS).save(
        buffer, "JPEG", quality=_LOGO_JPEG_QUALITY
    )
    return buffer.getvalue()


def _draw_logo(page: Page, data: bytes, centre: float, top: float) -> float:
    """The logo centred on ``centre``, from ``top``; returns its bottom."""
    logo = load_logo(data)
    aspect = logo.width / logo.height
    height = LOGO_HEIGHT_MM
    width = height * aspect
    if width > _LOGO_MAX_WIDTH_MM:
        width, height = _LOGO_MAX_WIDTH_MM, _LOGO_MAX_WIDTH_MM / aspect
    box = page.region(centre - width / 2, top, centre + width / 2, top + height)
    size = (max(1, box[2] - box[0]), max(1, box[3] - box[1]))
    box = (box[0], box[1], box[0] + size[0], box[1] + size[1])
    printed = (
        min(logo.width, max(1, round(width / 25.4 * _LOGO_PDF_DPI))),
        min(logo.height, max(1, round(height / 25.4 * _LOGO_PDF_DPI))),
    )
    preview = logo.resize(size, Image.Resampling.LANCZOS)
    page.picture(box, preview, _logo_jpeg(data, printed), printed)
    return top + height


# --- The letterhead --------------------------------------------------------------------------


def draw_letterhead(
    page: Page,
    *,
    left: float,
    right: float,
    top: float,
    column_left: float,
    office_name: str,
    parent_body: str | None,
    logo: bytes | None,
    organisation_pt: float = 13.5,
) -> float:
    """The invocation centred from ``top``; the right column (``column_left`` to ``right``): the
    logo beside it, then the parent body, the organisation and the office, each centred.

    Returns the bottom of the column. The column's text starts below the invocation, so
    whatever the document sets at the left from there never meets it.
    """
    centre = (left + right) / 2
    page.text(
        texts.DOC_BASMALA,
        page.region(centre - 25, top, centre + 25, top + _BASMALA_HEIGHT),
        12,
        weight=BOLD,
        align="center",
    )
    column_centre = (column_left + right) / 2
    y = top + _BASMALA_HEIGHT + 0.5
    if logo is not None:
        y = max(y, _draw_logo(page, logo, column_centre, top) + _LINE_GAP)
    if parent_body and parent_body.strip():
        y = page.mm(
            page.text(
                persian(parent_body.strip()),
                page.region(column_left, y, right, y + 5.5),
                10,
                align="center",
                valign="top",
                min_pt=7.5,
            )
        )
    y = page.mm(
        page.text(
            texts.DOC_ORGANISATION,
            page.region(column_left, y, right, y + 7.5),
            organisation_pt,
            weight=BOLD,
            align="center",
            valign="top",
            min_pt=10,
        )
    )
    return page.mm(
        page.text(
            persian(office_name),
            page.region(column_left, y, right, y + 11.5),
            11,
            align="center",
            valign="top",
            min_pt=8.5,
            max_lines=2,
            leading=1.4,
        )
    )


# --- The footer ------------------------------------------------------------------------------


def _footer_parts(
    address: str | None, phone: str | None, postcode: str | None
) -> tuple[str | None, list[str]]:
    """The address line and the contact parts (postcode, phone), each only when given."""
    shown = persian(address.strip()) if address and address.strip() else None
    line = texts.DOC_FOOTER_ADDRESS.format(address=shown) if shown else None
    contacts = []
    if postcode and postcode.strip():
        contacts.append(texts.DOC_FOOTER_POSTCODE.format(postcode=code(postcode)))
    if phone and phone.strip():
        contacts.append(texts.DOC_FOOTER_PHONE.format(phone=code(phone)))
    return line, contacts


def _footer_lines(
    page: Page, width: float, address: str | None, phone: str | None, postcode: str | None
) -> list[str]:
    """One line if everything fits at the footer's size, else the address above the rest."""
    line, contacts = _footer_parts(address, phone, postcode)
    parts = ([line] if line else []) + contacts
    if not parts:
        return []
    whole = texts.DOC_FOOTER_SEPARATOR.join(parts)
    if page.width(whole, page.font(_FOOTER_PT, 400)) <= page.px(width):
        return [whole]
    if line is None:
        return [texts.DOC_FOOTER_SEPARATOR.join(contacts)]
    if not contacts:
        return [line, ""]  # a long address alone wraps onto two lines
    return [line, texts.DOC_FOOTER_SEPARATOR.join(contacts)]


def draw_footer(
    page: Page,
    *,
    left: float,
    right: float,
    bottom: float,
    address: str | None,
    phone: str | None,
    postcode: str | None,
) -> float:
    """The footer ending at ``bottom``, a thin rule above it; returns its top (the rule's).

    Nothing is drawn, and ``bottom`` returned, when no value is given.
    """
    lines = _footer_lines(page, right - left, address, phone, postcode)
    if not lines:
        return bottom
    top = bottom - len(lines) * _FOOTER_LINE
    page.hline(left, right, top - _FOOTER_RULE_GAP / 2, width_mm=0.25)
    if lines[-1] == "":  # one long address on two lines
        page.text(
            lines[0],
            page.region(left, top, right, bottom),
            _FOOTER_PT,
            align="center",
            min_pt=_FOOTER_MIN_PT,
            max_lines=2,
            leading=1.5,
            fill=GREY_TEXT,
        )
    else:
        for index, line in enumerate(lines):
            y = top + index * _FOOTER_LINE
            page.text(
                line,
                page.region(left, y, right, y + _FOOTER_LINE),
                _FOOTER_PT,
                align="center",
                min_pt=_FOOTER_MIN_PT,
                fill=GREY_TEXT,
            )
    return top - _FOOTER_RULE_GAP


# --- Copies (ronevesht) ----------------------------------------------------------------------


def _copy_lines(copies: Sequence[str], max_lines: int) -> list[str]:
    items = [" ".join(item.split()) for item in copies if item and item.strip()]
    if not items:
        return []
    if len(items) == 1:
        return [persian(items[0])]
    lines = [texts.DOC_COPY_ITEM.format(item=persian(item)) for item in items]
    if len(lines) > max_lines:
        rest = texts.LIST_SEPARATOR.join(persian(item) for item in items[max_lines - 1 :])
        lines = [*lines[: max_lines - 1], texts.DOC_COPY_ITEM.format(item=rest)]
    return lines


def copies_height(copies: Sequence[str], max_lines: int = 4) -> float:
    """How tall :func:`draw_copies` draws ``copies``, with the gap above it (0 without any)."""
    lines = _copy_lines(copies, max_lines)
    return len(lines) * _COPY_LINE + _COPY_GAP if lines else 0.0


def draw_copies(
    page: Page,
    *,
    left: float,
    right: float,
    top: float,
    copies: Sequence[str],
    max_lines: int = 4,
) -> float:
    """The copies label at the right from ``top`` (below its gap), the copies one a line beside it.

    Returns the bottom. More copies than ``max_lines`` share the last line.
    """
    lines = _copy_lines(copies, max_lines)
    if not lines:
        return top
    y = top + _COPY_GAP
    label_face = page.font(_COPY_PT, BOLD)
    label_width = page.mm(round(page.width(texts.DOC_COPIES_LABEL, label_face))) + 0.5
    page.text(
        texts.DOC_COPIES_LABEL,
        page.region(right - label_width, y, right, y + _COPY_LINE),
        _COPY_PT,
        weight=BOLD,
    )
    for index, line in enumerate(lines):
        line_top = y + index * _COPY_LINE
        page.text(
            line,
            page.region(left, line_top, right - label_width - 1.2, line_top + _COPY_LINE),
            _COPY_PT,
            min_pt=7.5,
        )
    return y + len(lines) * _COPY_LINE


# --- The stamp -------------------------------------------------------------------------------


def stamp_box_height() -> float:
    return _STAMP_LABEL_MM + STAMP_MM


def draw_stamp_box(page: Page, centre: float, top: float) -> float:
    """The stamp label (DOC_SIGNATURE_STAMP) and, below it, a faint square frame of
    :data:`STAMP_MM` left clear for the seal and the signature, centred on ``centre``;
    returns the frame's bottom."""
    half = STAMP_MM / 2
    page.text(
        texts.DOC_SIGNATURE_STAMP,
        page.region(centre - half - 5, top, centre + half + 5, top + _STAMP_LABEL_MM),
        9,
        align="center",
        fill=GREY_TEXT,
        min_pt=7,
    )
    frame_top = top + _STAMP_LABEL_MM
    page.rect(
        page.region(centre - half, frame_top, centre + half, frame_top + STAMP_MM),
        outline=_STAMP_FRAME,
    )
    return frame_top + STAMP_MM
