"""The one typeface of rendered documents, loaded from an installed package and cached.

Noto Sans Arabic (PyPI ``fontpkg-noto-sans-arabic``, SIL OFL 1.1) covers Persian letters,
Persian and Latin digits and basic Latin, so serials and tracking codes need no second font.
It is a variable font: weights are set through its ``wght`` axis.

Text is laid out by libraqm (HarfBuzz shaping + FriBiDi), never by reshaping hacks; a Pillow
without raqm would draw disconnected letters, so loading refuses to go on without it. The PDF
shapes with the same HarfBuzz (uharfbuzz) at the same weights and embeds a static instance of
each weight, subset to the glyphs a document uses (:func:`font_program`).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import lru_cache
from importlib.resources import files

import uharfbuzz as hb  # type: ignore[import-untyped]
from PIL import ImageFont, features

__all__ = [
    "BOLD",
    "FONT_FILE",
    "FONT_PACKAGE",
    "REGULAR",
    "FontMetrics",
    "font",
    "font_bytes",
    "font_metrics",
    "font_program",
    "glyph_outline",
    "hb_font",
    "require_raqm",
]

FONT_PACKAGE = "fontpkg_noto_sans_arabic"
FONT_FILE = "NotoSansArabic[wdth,wght].ttf"
REGULAR = 400
BOLD = 700


def require_raqm() -> None:
    """Raise ``RuntimeError`` unless Pillow can shape complex scripts."""
    if not features.check("raqm"):
        raise RuntimeError(
            "Pillow was built without libraqm: Persian text cannot be shaped. "
            "Install Pillow wheels from PyPI (they bundle raqm) or libraqm for the system."
        )


@lru_cache(maxsize=1)
def font_bytes() -> bytes:
    """The font file's bytes, read once from the installed package."""
    return (files(FONT_PACKAGE) / "files" / FONT_FILE).read_bytes()


@lru_cache(maxsize=128)
def font(size_px: int, weight: int = REGULAR) -> ImageFont.FreeTypeFont:
    """A raqm-layout font of ``size_px`` pixels at the given ``wght`` (100-900).

    Instances are shared: treat them as read-only (do not change their variation axes).
    """
    require_raqm()
    loaded = ImageFont.truetype(
        io.BytesIO(font_bytes()), max(1, size_px), layout_engine=ImageFont.Layout.RAQM
    )
    values: list[float] = []
    for axis in loaded.get_variation_axes():
        name = axis["name"]
        tag = name.decode("ascii", "replace") if isinstance(name, bytes) else str(name)
        low, high = axis["minimum"] or 0, axis["maximum"] or 1000
        if tag.strip().lower() in {"weight", "wght"}:
            values.append(float(min(max(weight, low), high)))
        else:
            values.append(float(axis["default"] or low))
    if values:
        loaded.set_variation_by_axes(values)
    return loaded


# --- HarfBuzz: shaping and embedding for the PDF ---------------------------------------------

# Tables a PDF viewer never reads: layout (the PDF holds positioned glyphs) and variations
# (each weight is embedded as a static instance).
_DROPPED_TABLES = ("GSUB", "GPOS", "GDEF", "JSTF", "STAT", "DSIG")


def _tag(name: str) -> int:
    return int.from_bytes(name.encode("ascii"), "big")


@lru_cache(maxsize=1)
def _hb_face() -> hb.Face:
    return hb.Face(hb.Blob(font_bytes()))


@lru_cache(maxsize=8)
def hb_font(weight: int = REGULAR) -> hb.Font:
    """A HarfBuzz font at ``weight`` in font units (1000 to the em); shared, read-only."""
    loaded = hb.Font(_hb_face())
    loaded.set_variations({"wght": float(weight)})
    return loaded


class FontMetrics:
    """What a PDF font descriptor states about one weight, in font units."""

    def __init__(self, weight: int) -> None:
        face = _hb_face()
        loaded = hb_font(weight)
        extents = loaded.get_font_extents("ltr")
        self.units_per_em: int = face.upem
        self.ascent: int = extents.ascender
        self.descent: int = extents.descender
        head = face.reference_table("head").data
        x_min, y_min, x_max, y_max = (
            int.from_bytes(head[offset : offset + 2], "big", signed=True)
            for offset in (36, 38, 40, 42)
        )
        self.bbox: tuple[int, int, int, int] = (x_min, y_min, x_max, y_max)
        try:
            self.cap_height: int = loaded.get_metric_position(hb.OTMetricsTag.CAP_HEIGHT)
        except (AttributeError, KeyError, ValueError):
            self.cap_height = round(0.7 * face.upem)


@lru_cache(maxsize=8)
def font_metrics(weight: int = REGULAR) -> FontMetrics:
    return FontMetrics(weight)


def font_program(weight: int, glyphs: Iterable[int]) -> bytes:
    """A TrueType font of the static instance at ``weight`` holding only ``glyphs``.

    Glyph ids are kept (the PDF maps its character codes to them), hinting and layout tables
    are dropped; ``.notdef`` stays, as every TrueType font needs it.
    """
    face = _hb_face()
    request = hb.SubsetInput()
    request.glyph_set.update({0, *glyphs})
    for axis in face.axis_infos:
        if axis.tag == "wght":
            value = min(max(float(weight), axis.min_value), axis.max_value)
            request.pin_axis_location(face, "wght", value)
        else:
            request.pin_axis_to_default(face, axis.tag)
    request.flags = (
        hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.NO_LAYOUT_CLOSURE
    )
    dropped = request.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
    for name in _DROPPED_TABLES:
        dropped.add(_tag(name))
    data: bytes = hb.subset(face, request).blob.data
    return data


class _PathPen:
    """Collects a glyph outline as PDF path operators (font units, y up).

    Its method names are fontTools' pen protocol, which HarfBuzz's drawing calls.
    """

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.current = (0.0, 0.0)

    def moveTo(self, point: tuple[float, float]) -> None:
        self.parts.append(f"{point[0]:g} {point[1]:g} m")
        self.current = point

    def lineTo(self, point: tuple[float, float]) -> None:
        self.parts.append(f"{point[0]:g} {point[1]:g} l")
        self.current = point

    def curveTo(self, *points: tuple[float, float]) -> None:
        (x1, y1), (x2, y2), (x3, y3) = points
        self.parts.append(f"{x1:g} {y1:g} {x2:g} {y2:g} {x3:g} {y3:g} c")
        self.current = points[-1]

    def qCurveTo(self, *points: tuple[float, float]) -> None:
        # HarfBuzz hands one off-curve point per quadratic segment; PDF curves are cubic.
        (qx, qy), (x, y) = points[-2], points[-1]
        x0, y0 = self.current
        self.curveTo(
            (x0 + 2 * (qx - x0) / 3, y0 + 2 * (qy - y0) / 3),
            (x + 2 * (qx - x) / 3, y + 2 * (qy - y) / 3),
            (x, y),
        )

    def closePath(self) -> None:
        self.parts.append("h")


@lru_cache(maxsize=4096)
def glyph_outline(weight: int, glyph: int) -> bytes:
    """The outline of ``glyph`` at ``weight`` as PDF path operators, in font units."""
    pen = _PathPen()
    hb_font(weight).draw_glyph_with_pen(glyph, pen)
    return " ".join(pen.parts).encode("ascii")
