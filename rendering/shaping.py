"""Right-to-left lines shaped for the PDF exactly as the PNG shapes them.

Pillow lays text out with libraqm: FriBiDi resolves the bidi levels of a right-to-left
paragraph, HarfBuzz shapes each run. :func:`shape` does the same with the same two libraries
(FriBiDi through ctypes, the library raqm itself loads; HarfBuzz through uharfbuzz) and returns
the glyphs in visual order, left to right, with their positions.

Each cluster (the glyphs HarfBuzz made from one or more characters) gets one *carrier*, its
widest glyph, which the PDF writes as text mapped to the cluster's characters; its other glyphs
(Noto Sans Arabic draws the dots of beh, teh, noon or yeh as marks of their own over one shared
skeleton) are drawn as outlines. So every glyph written as text stands for exactly the
characters it shows, once, in reading order along the line: what text extraction
(``pdftotext``, PDFium) needs to give back whole words in logical order.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import uharfbuzz as hb  # type: ignore[import-untyped]

from rendering.fonts import hb_font

__all__ = ["ShapedGlyph", "ShapedLine", "shape"]

# Explicit bidi controls: they steer the levels and are never drawn (raqm drops them too).
_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_PAR_RTL = 0x111  # FRIBIDI_PAR_RTL: the paragraph is right to left, as every document line is


class ShapedGlyph(NamedTuple):
    """One glyph: ``x`` and ``y`` are its drawing origin in font units from the line's start.

    ``text`` is what the glyph stands for when it carries its cluster; ``None`` for a mark.
    """

    glyph: int
    x: int
    y: int
    advance: int
    text: str | None


@dataclass(frozen=True)
class ShapedLine:
    glyphs: tuple[ShapedGlyph, ...]
    width: int  # font units


# The names raqm's own loader tries (Linux, then macOS and Windows builds).
_FRIBIDI_NAMES = ("libfribidi.so.0", "libfribidi.so", "libfribidi.0.dylib", "fribidi-0.dll")


@lru_cache(maxsize=1)
def _fribidi() -> ctypes.CDLL:
    for name in _FRIBIDI_NAMES:
        try:
            library = ctypes.CDLL(name)
        except OSError:
            continue
        library.fribidi_get_par_embedding_levels_ex.restype = ctypes.c_int8
        return library
    raise RuntimeError("libfribidi is missing: right-to-left text cannot be laid out")


def _levels(text: str) -> list[int]:
    """The resolved bidi level of each character of a right-to-left paragraph."""
    library = _fribidi()
    size = len(text)
    chars = (ctypes.c_uint32 * size)(*map(ord, text))
    types = (ctypes.c_uint32 * size)()
    brackets = (ctypes.c_uint32 * size)()
    levels = (ctypes.c_int8 * size)()
    library.fribidi_get_bidi_types(chars, size, types)
    library.fribidi_get_bracket_types(chars, size, types, brackets)
    base = ctypes.c_uint32(_PAR_RTL)
    if (
        library.fribidi_get_par_embedding_levels_ex(
            types, brackets, size, ctypes.byref(base), levels
        )
        <= 0
    ):
        raise RuntimeError("FriBiDi could not resolve the text's levels")
    return list(levels)


def _visual_runs(text: str) -> list[tuple[int, int, int]]:
    """``(level, start, end)`` runs of ``text`` without its controls, in visual order."""
    levels = _levels(text)
    runs: list[list[int]] = []
    for index, char in enumerate(text):
        if char in _CONTROLS:
            continue
        if runs and runs[-1][0] == levels[index] and runs[-1][2] == index:
            runs[-1][2] = index + 1
        else:
            runs.append([levels[index], index, index + 1])
    if runs:
        # UAX #9 rule L2: from the highest level down to the lowest odd one, reverse every
        # sequence of runs at that level or higher.
        highest = max(run[0] for run in runs)
        lowest_odd = min(run[0] for run in runs) | 1
        for level in range(highest, lowest_odd - 1, -1):
            index = 0
            while index < len(runs):
                if runs[index][0] < level:
                    index += 1
                    continue
                end = index
                while end < len(runs) and runs[end][0] >= level:
                    end += 1
                runs[index:end] = runs[index:end][::-1]
                index = end
    return [(level, start, end) for level, start, end in runs]


def shape(text: str, weight: int) -> ShapedLine:
    """``text`` as one right-to-left line at ``weight``, glyphs in visual order."""
    font = hb_font(weight)
    glyphs: list[ShapedGlyph] = []
    pen = 0
    for level, start, end in _visual_runs(text):
        run = text[start:end]
        buffer = hb.Buffer()
        buffer.add_str(run)
        buffer.direction = "rtl" if level % 2 else "ltr"
        buffer.guess_segment_properties()
        buffer.language = "fa"
        hb.shape(font, buffer)
        codepoints = [info.codepoint for info in buffer.glyph_infos]
        clusters = [info.cluster for info in buffer.glyph_infos]
        placed = [(p.x_advance, p.x_offset, p.y_offset) for p in buffer.glyph_positions]
        starts = sorted(set(clusters))
        ends = dict(zip(starts, [*starts[1:], len(run)], strict=True))
        count = len(codepoints)
        index = 0
        while index < count:
            cluster = clusters[index]
            stop = index + 1
            while stop < count and clusters[stop] == cluster:
                stop += 1
            carrier = index
            if stop - index > 1:
                carrier = max(range(index, stop), key=lambda k: (placed[k][0], -k))
            characters = run[cluster : ends[cluster]]
            if level % 2 and len(characters) > 1:
                # Extraction spreads a glyph's characters over its width left to right and
                # then reads a right-to-left line from the right: give them in that order.
                characters = characters[::-1]
            for member in range(index, stop):
                advance, x_offset, y_offset = placed[member]
                glyphs.append(
                    ShapedGlyph(
                        codepoints[member],
                        pen + x_offset,
                        y_offset,
                        advance,
                        characters if member == carrier else None,
                    )
                )
                pen += advance
            index = stop
    return ShapedLine(tuple(glyphs), pen)
