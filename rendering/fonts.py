"""The one typeface of rendered documents, loaded from an installed package and cached.

Noto Sans Arabic (PyPI ``fontpkg-noto-sans-arabic``, SIL OFL 1.1) covers Persian letters,
Persian and Latin digits and basic Latin, so serials and tracking codes need no second font.
It is a variable font: weights are set through its ``wght`` axis.

Text is laid out by libraqm (HarfBuzz shaping + FriBiDi), never by reshaping hacks; a Pillow
without raqm would draw disconnected letters, so loading refuses to go on without it.
"""

from __future__ import annotations

import io
from functools import lru_cache
from importlib.resources import files

from PIL import ImageFont, features

__all__ = ["BOLD", "FONT_FILE", "FONT_PACKAGE", "REGULAR", "font", "font_bytes", "require_raqm"]

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
