"""Page layout shared by rendered documents: fitted text, justified paragraphs, small tables.

The canvas is :mod:`rendering.confirmation`'s page (millimetre regions; every text fitted into
its box by shrinking, then wrapping, then cutting with an ellipsis; every drawn line recorded as
a :class:`~rendering.confirmation.TextBox`) and its value formatting (Persian digits; codes
wrapped in first-strong isolates so that they keep their own order inside Persian text). Those
helpers are private there but stable; this module gives them public names and adds what running
text needs: paragraphs justified on both sides and a right-to-left label/value table.

Justification spreads a line's spare width over its word gaps. Words are drawn one by one from
the right, so a run of left-to-right words (a Latin name inside Persian text) is kept together
and drawn as one piece, which lets the bidi algorithm order it; see :func:`bidi_units`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Literal

from PIL import Image, ImageFont

from rendering.confirmation import A4_MM, RenderedPage, TextBox, page_size
from rendering.confirmation import _code as _confirmation_code
from rendering.confirmation import _encode_png as _confirmation_encode_png
from rendering.confirmation import _Page as _ConfirmationPage
from rendering.confirmation import _persian as _confirmation_persian
from rendering.fonts import BOLD, REGULAR

__all__ = [
    "A4_MM",
    "BOLD",
    "GREY_TEXT",
    "INK",
    "LABEL_FILL",
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
]

Box = tuple[int, int, int, int]
# (label, value, bold value)
TableRow = tuple[str, str, bool]

INK = 0
GREY_TEXT = 90
RULE = 120
LABEL_FILL = 236

_ISOLATED = re.compile("\u2068[^\u2069]*\u2069")
# A justified line's gaps may grow to this many normal spaces; beyond that the line is set
# ragged (right-aligned) rather than torn apart.
_MAX_STRETCH = 4.0


def persian(text: str) -> str:
    """Free Persian text with Latin digits shown as Persian digits."""
    return _confirmation_persian(text)


def code(text: str) -> str:
    """A code or date: Persian digits unless it has Latin letters; isolated; unbreakable."""
    return _confirmation_code(text)


def encode_png(image: Image.Image, dpi: float) -> bytes:
    """``image`` as PNG bytes tagged with ``dpi`` (the compression level documents use)."""
    return _confirmation_encode_png(image, dpi)


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
    smallest = pt if min_pt is None else min_pt
    sizes: list[float] = []
    size = pt
    while size > smallest:
        sizes.append(size)
        size -= 0.5
    sizes.append(smallest)
    return sizes


class Page(_ConfirmationPage):
    """A grayscale A4 canvas measured in millimetres that fits and records every text."""

    def mm(self, px: int) -> float:
        """Pixels back to millimetres."""
        return px * 25.4 / self.dpi

    def _line(
        self,
        text: str,
        face: ImageFont.FreeTypeFont,
        anchor_x: float,
        centre_y: float,
        *,
        fill: int = INK,
    ) -> Box:
        """Draw one right-anchored piece; return its ink box."""
        position = (anchor_x, centre_y)
        self.draw.text(position, text, fill, face, "rm", direction="rtl", language="fa")
        x0, y0, x1, y1 = self.draw.textbbox(
            position, text, face, "rm", direction="rtl", language="fa"
        )
        return (round(x0), round(y0), round(x1), round(y1))

    def _wrap_words(
        self,
        paragraph: str,
        face: ImageFont.FreeTypeFont,
        width: int,
        limit: int,
        widths: dict[str, float],
    ) -> list[str]:
        """Greedy wrapping like the confirmation's, but measuring each word only once.

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
        min_pt: float = 7.5,
    ) -> float:
        """A right-to-left label/value table (labels shaded on the right); returns its bottom.

        Measurements are millimetres. Each value gets up to two lines, smaller type if needed.
        """
        split = right - label_width
        pad = 2.0
        for index, (label, value, strong) in enumerate(rows):
            y = top + index * row_height
            self.rect(self.region(split, y, right, y + row_height), fill=LABEL_FILL)
            self.rect(self.region(left, y, split, y + row_height))
            self.text(
                label,
                self.region(split + pad, y, right - pad, y + row_height),
                label_pt,
                min_pt=min_pt,
            )
            self.text(
                value,
                self.region(left + pad, y + 0.3, split - pad, y + row_height - 0.3),
                value_pt,
                weight=BOLD if strong else REGULAR,
                min_pt=min_pt,
                max_lines=2,
                leading=1.3,
            )
        return top + len(rows) * row_height
