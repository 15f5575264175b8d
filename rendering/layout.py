"""The page canvas of rendered documents: an A4 grayscale page measured in millimetres.

Every drawing goes twice: into a grayscale image (the PNG chat previews show) and, as vectors,
into a :class:`rendering.pdf.PdfCanvas` at the same places (the PDF: text as shaped text,
rules as strokes, the QR as modules, the photo as JPEG). Fitting measures with Pillow, so the
two keep one layout.

:class:`Page` fits every text into its box (smaller type, then more lines, then an ellipsis)
and records each drawn line as a :class:`TextBox`; it also sets running text (paragraphs
justified on both sides) and right-to-left label/value tables. :func:`persian` and
:func:`code` format values: Persian digits, and codes wrapped in first-strong isolates so that
they keep their own order inside Persian text; :func:`present` tells a value from an empty one
or a placeholder ("not known"), which documents leave out. :func:`encode_png` is the documents' PNG
encode.

Justification spreads a line's spare width over its word gaps. Words are drawn one by one from
the right, so a run of left-to-right words (a Latin name inside Persian text) is kept together
and drawn as one piece, which lets the bidi algorithm order it; see :func:`bidi_units`.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

from domain import texts
from rendering.fonts import BOLD, REGULAR, font, font_metrics
from rendering.pdf import A4_POINTS, PdfCanvas
from rendering.qr import matrix_image
from rendering.shaping import shape

__all__ = [
    "A4_MM",
    "BOLD",
    "GREY_TEXT",
    "INK",
    "LABEL_FILL",
    "PNG_COMPRESS_LEVEL",
    "REGULAR",
    "RULE",
    "Page",
    "RenderedPage",
    "TableRow",
    "TextBox",
    "bidi_units",
    "code",
    "encode_png",
    "page_size",
    "persian",
    "present",
]

Box = tuple[int, int, int, int]
Align = Literal["right", "center", "left"]
# (label, value, bold value)
TableRow = tuple[str, str, bool]

A4_MM = (210.0, 297.0)
PNG_COMPRESS_LEVEL = 3

INK = 0
GREY_TEXT = 90
RULE = 120
LABEL_FILL = 236
_WHITE = 255

_FSI, _PDI = "\u2068", "\u2069"
_NBSP = "\u00a0"
_ELLIPSIS = "…"
# Extended Arabic-Indic (Persian) digits U+06F0..U+06F9; built from code points so that all
# Persian text stays in domain.texts.
_PERSIAN_DIGITS = str.maketrans({str(d): chr(0x06F0 + d) for d in range(10)})
_ISOLATED = re.compile("\u2068[^\u2069]*\u2069")
# A justified line's gaps may grow to this many normal spaces; beyond that the line is set
# ragged (right-aligned) rather than torn apart.
_MAX_STRETCH = 4.0


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


def page_size(dpi: float) -> tuple[int, int]:
    """A4 in pixels at ``dpi`` (1240x1754 at 150 dpi)."""
    return (round(A4_MM[0] * dpi / 25.4), round(A4_MM[1] * dpi / 25.4))


def encode_png(image: Image.Image, dpi: float) -> bytes:
    """``image`` as PNG bytes tagged with ``dpi`` (the compression level documents use)."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=PNG_COMPRESS_LEVEL, dpi=(dpi, dpi))
    return buffer.getvalue()


# --- Value formatting ------------------------------------------------------------------------


def _bare(text: str) -> str:
    return "".join(text.split()).replace("\u200c", "")


_PLACEHOLDERS = frozenset(_bare(value) for value in texts.DOC_PLACEHOLDER_VALUES)


def present(value: str | None) -> str | None:
    """``value`` without surrounding spaces, or ``None`` if it is empty or says "not known"."""
    if value is None:
        return None
    stripped = value.strip()
    return stripped if stripped and _bare(stripped) not in _PLACEHOLDERS else None


def persian(text: str) -> str:
    """Free Persian text with Latin digits shown as Persian digits."""
    return text.translate(_PERSIAN_DIGITS)


def code(text: str) -> str:
    """A code or date: Persian digits unless it has Latin letters; isolated; unbreakable."""
    shown = text.strip() or "-"
    if not any("a" <= ch.lower() <= "z" for ch in shown):
        shown = shown.translate(_PERSIAN_DIGITS)
    return _FSI + shown.replace(" ", _NBSP) + _PDI


def _direction(word: str) -> Literal["L", "R", "EN", "N"]:
    """The first strong direction of ``word`` outside isolates; "EN" for bare numbers."""
    number = False
    for char in _ISOLATED.sub("", word):
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "L"
        if kind in ("R", "AL"):
            return "R"
        number = number or kind in ("EN", "AN")
    return "EN" if number else "N"


def bidi_units(words: Sequence[str]) -> list[str]:
    """Group a right-to-left line's words into the pieces drawn one by one from the right.

    Each left-to-right run (from a word whose first strong character is Latin to the last such
    word before the next right-to-left word, with the numbers and neutral words between them)
    becomes one space-joined piece; every other word is its own piece. Numbers after a Latin
    word count as left-to-right, as the bidi algorithm's rule W7 has it.
    """
    kinds: list[str] = []
    previous_strong = "R"
    for word in words:
        kind = _direction(word)
        if kind in ("L", "R"):
            previous_strong = kind
        elif kind == "EN" and previous_strong == "L":
            kind = "L"
        kinds.append(kind)
    units: list[str] = []
    index = 0
    while index < len(words):
        if kinds[index] != "L":
            units.append(words[index])
            index += 1
            continue
        end = index
        probe = index + 1
        while probe < len(words) and kinds[probe] != "R":
            if kinds[probe] == "L":
                end = probe
            probe += 1
        units.append(" ".join(words[index : end + 1]))
        index = end + 1
    return units


def _sizes(pt: float, min_pt: float | None) -> list[float]:
    """The type sizes to try, from ``pt`` down to ``min_pt`` in half points."""
    smallest = pt if min_pt is None else min_pt
    sizes: list[float] = []
    size = pt
    while size > smallest:
        sizes.append(size)
        size -= 0.5
    sizes.append(smallest)
    return sizes


# --- The canvas ------------------------------------------------------------------------------


class Page:
    """A grayscale A4 canvas measured in millimetres that fits and records every text."""

    def __init__(self, dpi: float) -> None:
        self.dpi = dpi
        self.size = page_size(dpi)
        self.image = Image.new("L", self.size, _WHITE)
        self.draw = ImageDraw.Draw(self.image)
        self.boxes: list[TextBox] = []
        self.vector = PdfCanvas(*A4_POINTS)
        # id(font) -> (font, its weight) for the PDF; holding the font keeps its id unique.
        self._weights: dict[int, tuple[ImageFont.FreeTypeFont, int]] = {}

    def px(self, mm: float) -> int:
        return round(mm * self.dpi / 25.4)

    def mm(self, px: int) -> float:
        """Pixels back to millimetres."""
        return px * 25.4 / self.dpi

    def pt(self, px: float) -> float:
        """Pixels to PDF points."""
        return px * 72 / self.dpi

    def font(self, pt: float, weight: int) -> ImageFont.FreeTypeFont:
        face = font(round(pt * self.dpi / 72), weight)
        self._weights[id(face)] = (face, weight)
        return face

    def pdf(self, title: str) -> bytes:
        """What was drawn, as a one-page vector PDF."""
        return self.vector.to_bytes(title=title)

    def region(self, left: float, top: float, right: float, bottom: float) -> Box:
        return (self.px(left), self.px(top), self.px(right), self.px(bottom))

    @staticmethod
    def width(text: str, face: ImageFont.FreeTypeFont) -> float:
        return face.getlength(text, direction="rtl", language="fa")

    # --- Fitted text -------------------------------------------------------------------------

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
        # The longest prefix that fits with the ellipsis, found by halving (a long value would
        # take hundreds of measurements one character at a time).
        low, high = 0, len(plain)
        while low < high:
            middle = (low + high + 1) // 2
            if self.width(plain[:middle] + _ELLIPSIS, face) <= max_width:
                low = middle
            else:
                high = middle - 1
        return plain[:low].rstrip() + _ELLIPSIS

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
        sizes = _sizes(pt, min_pt)

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
        face = self.font(sizes[-1], weight)
        rows = max(1, min(max_lines, max_height // max(1, line_height(face))))
        lines = self._wrap(text, face, max_width) if max_lines > 1 else [one_line]
        overflow = len(lines) > rows
        lines = lines[:rows]
        lines = [
            self._truncate(line, face, max_width, cut=overflow and index == len(lines) - 1)
            for index, line in enumerate(lines)
        ]
        return face, lines, line_height(face)

    def _line(
        self,
        text: str,
        face: ImageFont.FreeTypeFont,
        anchor_x: float,
        centre_y: float,
        *,
        anchor: str = "rm",
        fill: int = INK,
    ) -> Box:
        """Draw one piece of text at ``anchor``; return its ink box."""
        position = (anchor_x, centre_y)
        self.draw.text(position, text, fill, face, anchor, direction="rtl", language="fa")
        x0, y0, x1, y1 = self.draw.textbbox(
            position, text, face, anchor, direction="rtl", language="fa"
        )
        self._vector_text(text, face, anchor_x, centre_y, anchor, fill)
        return (round(x0), round(y0), round(x1), round(y1))

    def _vector_text(
        self,
        text: str,
        face: ImageFont.FreeTypeFont,
        anchor_x: float,
        centre_y: float,
        anchor: str,
        fill: int,
    ) -> None:
        """The same text in the PDF: same size, anchor and vertical middle as Pillow's."""
        weight = self._weights[id(face)][1] if id(face) in self._weights else REGULAR
        line = shape(text, weight)
        size = self.pt(face.size)
        width = line.width * size / font_metrics(weight).units_per_em
        x = self.pt(anchor_x)
        left = {"r": x - width, "m": x - width / 2}.get(anchor[0], x)
        # Pillow's "m" anchor is halfway between the font's ascender and descender.
        ascent, descent = face.getmetrics()
        baseline = self.pt(centre_y + (ascent - descent) / 2)
        self.vector.text(line, left, baseline, size, weight, fill / _WHITE)

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
        fill: int = INK,
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
            box = self._line(line, face, anchor_x, y + step // 2, anchor=anchor, fill=fill)
            self.boxes.append(TextBox(line, box, region))
            y += step
        return y

    # --- Running text ------------------------------------------------------------------------

    def _wrap_words(
        self,
        paragraph: str,
        face: ImageFont.FreeTypeFont,
        width: int,
        limit: int,
        widths: dict[str, float],
    ) -> list[str]:
        """Greedy wrapping like :meth:`_wrap`'s, but measuring each word only once.

        Persian words do not join across a space, so a line is as wide as its words and spaces
        together; whole lines are measured again by the caller. Stops after ``limit`` lines.
        ``widths`` caches word widths for ``face``.
        """
        space = self.width(" ", face)
        lines: list[str] = []
        current: list[str] = []
        current_width = 0.0
        for word in paragraph.split(" "):
            if not word:
                continue
            if word not in widths:
                widths[word] = self.width(word, face)
            word_width = widths[word]
            if current and current_width + space + word_width > width:
                lines.append(" ".join(current))
                if len(lines) >= limit:
                    return lines
                current, current_width = [word], word_width
            else:
                current_width = current_width + space + word_width if current else word_width
                current.append(word)
        if current:
            lines.append(" ".join(current))
        return lines

    def _fit_paragraphs(
        self,
        paragraphs: Sequence[str],
        width: int,
        height: int,
        pt: float,
        *,
        weight: int,
        min_pt: float | None,
        leading: float,
    ) -> tuple[ImageFont.FreeTypeFont, list[tuple[str, bool]], int]:
        """Size and lines (each with "ends its paragraph") so the paragraphs fit the box."""
        sizes = _sizes(pt, min_pt)
        for index, size in enumerate(sizes):
            face = self.font(size, weight)
            step = round(face.size * leading)
            rows = max(1, height // max(1, step))
            widths: dict[str, float] = {}
            lines: list[tuple[str, bool]] = []
            for paragraph in paragraphs:
                # One line more than fits is enough to know the text does not fit.
                limit = rows + 1 - len(lines)
                wrapped = self._wrap_words(paragraph, face, width, limit, widths)
                complete = len(wrapped) < limit or " ".join(wrapped).split() == paragraph.split()
                lines.extend(
                    (line, complete and number == len(wrapped) - 1)
                    for number, line in enumerate(wrapped)
                )
                if len(lines) > rows:
                    break
            overflow = len(lines) > rows
            if not overflow and all(self.width(line, face) <= width for line, _ in lines):
                return face, lines, step
            if index == len(sizes) - 1:
                kept = lines[:rows]
                fitted: list[tuple[str, bool]] = []
                for number, (line, final) in enumerate(kept):
                    cut = overflow and number == len(kept) - 1
                    shown = self._truncate(line, face, width, cut=cut)
                    fitted.append((shown, final or shown != line))
                return face, fitted, step
        raise AssertionError("unreachable: the smallest size always returns")

    def paragraphs(
        self,
        text: str,
        region: Box,
        pt: float,
        *,
        weight: int = REGULAR,
        min_pt: float | None = None,
        leading: float = 1.9,
        paragraph_gap: float = 0.35,
        justify: bool = True,
        fill: int = INK,
    ) -> int:
        """Draw ``text`` (paragraphs split by newlines) from the top of ``region``.

        Lines are justified on both sides except each paragraph's last; the type shrinks down
        to ``min_pt`` to fit and, if it still does not, the last line that fits ends in "…".
        ``paragraph_gap`` is extra space between paragraphs, in lines. Returns the bottom of
        the last line.
        """
        left, top, right, bottom = region
        width = right - left
        paragraphs = [" ".join(part.split()) for part in text.split("\n")]
        paragraphs = [part for part in paragraphs if part]
        if not paragraphs:
            return top
        face, lines, step = self._fit_paragraphs(
            paragraphs,
            width,
            bottom - top,
            pt,
            weight=weight,
            min_pt=min_pt,
            leading=leading,
        )
        gap = round(step * paragraph_gap)
        y = top
        for number, (line, final) in enumerate(lines):
            centre_y = y + step // 2
            pieces = bidi_units(line.split(" ")) if justify and not final else [line]
            widths = [self.width(piece, face) for piece in pieces]
            spread = (width - sum(widths)) / (len(pieces) - 1) if len(pieces) > 1 else 0.0
            if spread > _MAX_STRETCH * self.width(" ", face):
                pieces, widths, spread = [line], [self.width(line, face)], 0.0
            x = float(right)
            boxes: list[Box] = []
            for piece, piece_width in zip(pieces, widths, strict=True):
                boxes.append(self._line(piece, face, x, centre_y, fill=fill))
                x -= piece_width + spread
            union = (
                min(box[0] for box in boxes),
                min(box[1] for box in boxes),
                max(box[2] for box in boxes),
                max(box[3] for box in boxes),
            )
            self.boxes.append(TextBox(line, union, region))
            y += step
            # Room to breathe between paragraphs, if the box has it to spare.
            if (
                final
                and number < len(lines) - 1
                and y + gap + step * (len(lines) - number - 1) <= bottom
            ):
                y += gap
        return y

    # --- Rules and tables --------------------------------------------------------------------

    def rect(self, box: Box, *, outline: int | None = RULE, fill: int | None = None) -> None:
        width = max(1, self.px(0.3))
        self.draw.rectangle(box, outline=outline, fill=fill, width=width)
        left, top, right, bottom = box
        self.vector.rect(
            self.pt(left),
            self.pt(top),
            self.pt(right + 1 - left),
            self.pt(bottom + 1 - top),
            fill=None if fill is None else fill / _WHITE,
            stroke=None if outline is None else outline / _WHITE,
            line_width=self.pt(width),
        )

    def hline(self, left: float, right: float, y: float, *, width_mm: float = 0.3) -> None:
        width = max(1, self.px(width_mm))
        self.draw.line(
            ((self.px(left), self.px(y)), (self.px(right), self.px(y))),
            fill=RULE,
            width=width,
        )
        self.vector.line(
            self.pt(self.px(left)),
            self.pt(self.px(right) + 1),
            self.pt(self.px(y) + 0.5),
            grey=RULE / _WHITE,
            line_width=self.pt(width),
        )

    def qr(self, matrix: list[list[bool]], left: int, top: int, box_size: int) -> None:
        """A QR code (modules with its quiet zone), ``box_size`` pixels a module."""
        self.image.paste(matrix_image(matrix, box_size), (left, top))
        self.vector.modules(matrix, self.pt(left), self.pt(top), self.pt(box_size))

    def picture(
        self, box: Box, preview: Image.Image, jpeg: bytes, pixels: tuple[int, int]
    ) -> None:
        """A photo in ``box``: ``preview`` (box-sized) in the PNG, ``jpeg`` in the PDF."""
        self.image.paste(preview, box[:2])
        left, top, right, bottom = box
        self.vector.jpeg(
            jpeg,
            pixels,
            self.pt(left),
            self.pt(top),
            (self.pt(right - left), self.pt(bottom - top)),
        )

    def table(
        self,
        rows: Sequence[TableRow],
        *,
        left: float,
        right: float,
        top: float,
        label_width: float,
        row_height: float,
        label_pt: float = 10,
        value_pt: float = 11,
        label_min_pt: float = 7.5,
        value_min_pt: float = 7.5,
        value_leading: float = 1.3,
        pad: float = 2.0,
        inset: float = 0.3,
    ) -> float:
        """A right-to-left label/value table (labels shaded on the right); returns its bottom.

        Measurements are millimetres: ``pad`` inside each cell's sides, ``inset`` above and
        below each value. Each value gets up to two lines, smaller type if needed.
        """
        split = right - label_width
        for index, (label, value, strong) in enumerate(rows):
            y = top + index * row_height
            self.rect(self.region(split, y, right, y + row_height), fill=LABEL_FILL)
            self.rect(self.region(left, y, split, y + row_height))
            self.text(
                label,
                self.region(split + pad, y, right - pad, y + row_height),
                label_pt,
                min_pt=label_min_pt,
            )
            self.text(
                value,
                self.region(left + pad, y + inset, split - pad, y + row_height - inset),
                value_pt,
                weight=BOLD if strong else REGULAR,
                min_pt=value_min_pt,
                max_lines=2,
                leading=value_leading,
            )
        return top + len(rows) * row_height
