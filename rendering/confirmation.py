"""The confirmation document: an A4 page with the holder's record and a verification QR.

Pure: a :class:`ConfirmationDoc` in, PNG or PDF bytes out. The page is drawn once into a
grayscale image; :func:`render_png_and_pdf` encodes it once as PNG and wraps those same bytes
into the PDF (see :mod:`rendering.pdf`), so asking for both costs one encode.

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

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from domain import texts
from rendering.fonts import BOLD, REGULAR, font
from rendering.pdf import png_to_pdf
from rendering.qr import matrix_image, qr_matrix

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
Box = tuple[int, int, int, int]
Align = Literal["right", "center", "left"]

A4_MM = (210.0, 297.0)
PNG_COMPRESS_LEVEL = 3

_FSI, _PDI = "\u2068", "\u2069"
_NBSP = "\u00a0"
_ELLIPSIS = "…"
# Extended Arabic-Indic (Persian) digits U+06F0..U+06F9; built from code points so that all
# Persian text stays in domain.texts.
_PERSIAN_DIGITS = str.maketrans({str(d): chr(0x06F0 + d) for d in range(10)})

_INK = 0
_GREY_TEXT = 90
_RULE = 120
_LABEL_FILL = 236
_WHITE = 255


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


@dataclass(frozen=True)
class TextBox:
    """Where one text was drawn (``bbox``) and the box it had to stay in (``region``)."""

    text: str
    bbox: Box
    region: Box


@dataclass(frozen=True)
class RenderedPage:
    image: Image.Image
    text_boxes: tuple[TextBox, ...]


# --- Value formatting ------------------------------------------------------------------------


def _persian(text: str) -> str:
    """Free Persian text with Latin digits shown as Persian digits."""
    return text.translate(_PERSIAN_DIGITS)


def _code(text: str) -> str:
    """A code or date: Persian digits unless it has Latin letters; isolated; unbreakable."""
    shown = text.strip() or "-"
    if not any("a" <= ch.lower() <= "z" for ch in shown):
        shown = shown.translate(_PERSIAN_DIGITS)
    return _FSI + shown.replace(" ", _NBSP) + _PDI


# --- Drawing ---------------------------------------------------------------------------------


class _Page:
    """A grayscale canvas measured in millimetres that fits and records every text."""

    def __init__(self, dpi: float) -> None:
        self.dpi = dpi
        self.size = page_size(dpi)
        self.image = Image.new("L", self.size, _WHITE)
        self.draw = ImageDraw.Draw(self.image)
        self.boxes: list[TextBox] = []

    def px(self, mm: float) -> int:
        return round(mm * self.dpi / 25.4)

    def font(self, pt: float, weight: int) -> ImageFont.FreeTypeFont:
        return font(round(pt * self.dpi / 72), weight)

    def region(self, left: float, top: float, right: float, bottom: float) -> Box:
        return (self.px(left), self.px(top), self.px(right), self.px(bottom))

    @staticmethod
    def width(text: str, face: ImageFont.FreeTypeFont) -> float:
        return face.getlength(text, direction="rtl", language="fa")

    def _wrap(self, text: str, face: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
        lines: list[str] = []
        for paragraph in text.split("\n"):
            current = ""
            for word in paragraph.split(" "):
                if not word:
                    continue
                candidate = f"{current} {word}" if current else word
                if current and self.width(candidate, face) > max_width:
                    lines.append(current)
                    current = word
                else:
                    current = candidate
            lines.append(current)
        return lines

    def _truncate(
        self, line: str, face: ImageFont.FreeTypeFont, max_width: int, *, cut: bool = False
    ) -> str:
        """``line`` itself if it fits (and ``cut`` is false), else a prefix ending in "…"."""
        if not cut and self.width(line, face) <= max_width:
            return line
        # Drop isolate marks so a cut never leaves one unbalanced.
        plain = line.replace(_FSI, "").replace(_PDI, "")
        while plain and self.width(plain + _ELLIPSIS, face) > max_width:
            plain = plain[:-1]
        return plain.rstrip() + _ELLIPSIS

    def fit(
        self,
        text: str,
        region: Box,
        pt: float,
        *,
        weight: int = REGULAR,
        min_pt: float | None = None,
        max_lines: int = 1,
        leading: float = 1.55,
    ) -> tuple[ImageFont.FreeTypeFont, list[str], int]:
        """Choose size and lines so ``text`` fits ``region``: shrink, then wrap, then cut."""
        left, top, right, bottom = region
        max_width, max_height = right - left, bottom - top
        smallest = pt if min_pt is None else min_pt
        sizes: list[float] = []
        size = pt
        while size > smallest:
            sizes.append(size)
            size -= 0.5
        sizes.append(smallest)

        def line_height(face: ImageFont.FreeTypeFont) -> int:
            return round(face.size * leading)

        one_line = " ".join(text.split())
        if "\n" not in text:
            for size in sizes:
                face = self.font(size, weight)
                if self.width(one_line, face) <= max_width and face.size <= max_height:
                    return face, [one_line], line_height(face)
        if max_lines > 1:
            for size in sizes:
                face = self.font(size, weight)
                lines = self._wrap(text, face, max_width)
                fits_width = all(self.width(line, face) <= max_width for line in lines)
                if (
                    fits_width
                    and len(lines) <= max_lines
                    and len(lines) * line_height(face) <= max_height
                ):
                    return face, lines, line_height(face)
        face = self.font(smallest, weight)
        rows = max(1, min(max_lines, max_height // max(1, line_height(face))))
        lines = self._wrap(text, face, max_width) if max_lines > 1 else [one_line]
        overflow = len(lines) > rows
        lines = lines[:rows]
        lines = [
            self._truncate(line, face, max_width, cut=overflow and index == len(lines) - 1)
            for index, line in enumerate(lines)
        ]
        return face, lines, line_height(face)

    def text(
        self,
        text: str,
        region: Box,
        pt: float,
        *,
        weight: int = REGULAR,
        align: Align = "right",
        valign: Literal["top", "middle"] = "middle",
        min_pt: float | None = None,
        max_lines: int = 1,
        leading: float = 1.55,
        fill: int = _INK,
    ) -> int:
        """Draw ``text`` fitted into ``region``; return the bottom of the last line."""
        face, lines, step = self.fit(
            text, region, pt, weight=weight, min_pt=min_pt, max_lines=max_lines, leading=leading
        )
        left, top, right, bottom = region
        block = step * len(lines)
        y = top if valign == "top" else top + (bottom - top - block) // 2
        anchor_x = {"right": right, "center": (left + right) // 2, "left": left}[align]
        anchor = {"right": "rm", "center": "mm", "left": "lm"}[align]
        for line in lines:
            centre_y = y + step // 2
            position = (anchor_x, centre_y)
            self.draw.text(position, line, fill, face, anchor, direction="rtl", language="fa")
            x0, y0, x1, y1 = self.draw.textbbox(
                position, line, face, anchor, direction="rtl", language="fa"
            )
            self.boxes.append(TextBox(line, (round(x0), round(y0), round(x1), round(y1)), region))
            y += step
        return y

    def rect(self, box: Box, *, outline: int | None = _RULE, fill: int | None = None) -> None:
        self.draw.rectangle(box, outline=outline, fill=fill, width=max(1, self.px(0.3)))

    def hline(self, left: float, right: float, y: float, *, width_mm: float = 0.3) -> None:
        self.draw.line(
            ((self.px(left), self.px(y)), (self.px(right), self.px(y))),
            fill=_RULE,
            width=max(1, self.px(width_mm)),
        )


def page_size(dpi: float) -> tuple[int, int]:
    """A4 in pixels at ``dpi`` (1240x1754 at 150 dpi)."""
    return (round(A4_MM[0] * dpi / 25.4), round(A4_MM[1] * dpi / 25.4))


def _load_photo(photo: bytes, size: tuple[int, int]) -> Image.Image:
    try:
        with Image.open(io.BytesIO(photo)) as opened:
            opened.draft("L", (size[0] * 2, size[1] * 2))  # cheap JPEG downscale on decode
            upright = ImageOps.exif_transpose(opened)
            grey = upright.convert("L")
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError("the photo is not a readable image") from exc
    return ImageOps.fit(grey, size, method=Image.Resampling.BILINEAR, centering=(0.5, 0.4))


# --- The page --------------------------------------------------------------------------------

_MARGIN = 14.0
_RIGHT = A4_MM[0] - _MARGIN


def _header(page: _Page, doc: ConfirmationDoc) -> None:
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
            f"{label} {_code(value)}", page.region(_MARGIN, top, 84, top + 6.5), 10.5, min_pt=8
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


def _photo(page: _Page, doc: ConfirmationDoc, top: float) -> None:
    box = page.region(_MARGIN, top, _MARGIN + 30, top + 40)
    if doc.photo is None:
        page.rect(box, outline=_RULE)
        inner = (box[0] + page.px(2), box[1], box[2] - page.px(2), box[3])
        page.text(
            texts.DOC_PHOTO_PLACEHOLDER, inner, 9, align="center", fill=_GREY_TEXT, max_lines=2
        )
        return
    picture = _load_photo(doc.photo, (box[2] - box[0], box[3] - box[1]))
    page.image.paste(picture, box[:2])
    page.rect(box, outline=_INK)


def _fields(page: _Page, doc: ConfirmationDoc, top: float) -> float:
    rows = (
        (texts.DOC_LABEL_FULL_NAME, _persian(doc.holder_full_name), True),
        (texts.DOC_LABEL_FATHER_NAME, _persian(doc.father_name), False),
        (texts.DOC_LABEL_NATIONAL_CODE, _code(doc.national_code), False),
        (texts.DOC_LABEL_BIRTH_DATE, _code(doc.birth_date), False),
        (texts.DOC_LABEL_TRADE, _persian(doc.trade), False),
        (texts.DOC_LABEL_CERTIFICATE_NUMBER, _code(doc.certificate_number), False),
        (texts.DOC_LABEL_CERTIFICATE_YEAR, _code(doc.certificate_year), False),
        (texts.DOC_LABEL_TRAINING_CENTRE, _persian(doc.training_centre), False),
    )
    left, split, row_height = 50.0, 150.0, 9.5
    pad = 2.2
    for index, (label, value, strong) in enumerate(rows):
        y = top + index * row_height
        label_cell = page.region(split, y, _RIGHT, y + row_height)
        value_cell = page.region(left, y, split, y + row_height)
        page.rect(label_cell, fill=_LABEL_FILL)
        page.rect(value_cell)
        page.text(label, page.region(split + pad, y, _RIGHT - pad, y + row_height), 10, min_pt=7.5)
        page.text(
            value,
            page.region(left + pad, y + 0.4, split - pad, y + row_height - 0.4),
            11.5,
            weight=BOLD if strong else REGULAR,
            min_pt=8,
            max_lines=2,
            leading=1.35,
        )
    return top + len(rows) * row_height


def _statement(page: _Page, doc: ConfirmationDoc, top: float) -> None:
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
            letter_number=_code(doc.request_letter_number or ""),
            letter_date=_code(doc.request_letter_date or ""),
            organisation=_persian(doc.requesting_organisation or ""),
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
            _persian(doc.verdict or ""),
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
        fill=_GREY_TEXT,
        min_pt=7,
    )
    page.hline(_MARGIN, _RIGHT, 214)


def _qr(page: _Page, doc: ConfirmationDoc) -> None:
    matrix = qr_matrix(doc.verify_url, border=4)
    target = page.px(50)
    box_size = max(2, target // len(matrix))
    image = matrix_image(matrix, box_size)
    left, top = page.px(_MARGIN), page.px(219)
    page.image.paste(image, (left, top))
    caption_top = top + image.height + page.px(0.5)
    centre, half = left + image.width // 2, max(image.width, page.px(56)) // 2
    page.text(
        texts.DOC_QR_CAPTION,
        (max(page.px(10), centre - half), caption_top, centre + half, caption_top + page.px(7)),
        9.5,
        align="center",
        min_pt=7,
    )


def _signature(page: _Page, doc: ConfirmationDoc) -> None:
    left = 96.0
    page.text(
        _persian(doc.signer_name),
        page.region(left, 222, _RIGHT, 231),
        12.5,
        weight=BOLD,
        align="center",
        min_pt=9,
    )
    page.text(
        _persian(doc.signer_title),
        page.region(left, 231, _RIGHT, 245),
        11,
        align="center",
        min_pt=8,
        max_lines=2,
        leading=1.4,
    )
    page.text(
        texts.DOC_SIGNATURE_DATE.format(date=_code(doc.signature_date)),
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
        fill=_GREY_TEXT,
    )


def render_page(doc: ConfirmationDoc, dpi: float = 150) -> RenderedPage:
    """Draw ``doc`` into a grayscale A4 image, reporting where every text went."""
    if dpi <= 0:
        raise ValueError("dpi must be positive")
    page = _Page(dpi)
    inset = page.px(8)
    width, height = page.size
    page.rect((inset, inset, width - inset, height - inset), outline=_INK)
    _header(page, doc)
    body_top = 54.0
    _photo(page, doc, body_top)
    fields_bottom = _fields(page, doc, body_top)
    _statement(page, doc, fields_bottom + 6)
    _qr(page, doc)
    _signature(page, doc)
    return RenderedPage(page.image, tuple(page.boxes))


def _encode_png(image: Image.Image, dpi: float) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=PNG_COMPRESS_LEVEL, dpi=(dpi, dpi))
    return buffer.getvalue()


def render_png(doc: ConfirmationDoc, dpi: float = 150) -> bytes:
    """The document as a grayscale PNG, A4 at ``dpi`` (1240x1754 px at 150 dpi)."""
    return _encode_png(render_page(doc, dpi).image, dpi)


def render_pdf(doc: ConfirmationDoc, dpi: float = 150) -> bytes:
    """The document as a one-page A4 PDF (the page image at ``dpi``)."""
    return render_png_and_pdf(doc, dpi)[1]


def render_png_and_pdf(doc: ConfirmationDoc, dpi: float = 150) -> tuple[bytes, bytes]:
    """Both forms from one drawing and one PNG encode: ``(png, pdf)``."""
    png = _encode_png(render_page(doc, dpi).image, dpi)
    return png, png_to_pdf(png, dpi, title=doc.title)
