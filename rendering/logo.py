"""The operator's logo (LOGO_PATH), decoded for the documents: PNG or JPEG only, at most
:data:`LOGO_MAX_PIXELS`, flattened on white in grey, cached per logo. Apart from the page
drawing (rendering.letterhead), so that the settings can check a logo at start without loading
the whole rendering stack (bot/issuance.py says why that matters).
"""

from __future__ import annotations

import io
import warnings
from functools import lru_cache

from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = ["LOGO_MAX_PIXELS", "load_logo"]

# A logo larger than this (a 4000x4000 scan) is refused rather than decoded.
LOGO_MAX_PIXELS = 16_000_000
LOGO_FORMATS = frozenset({"PNG", "JPEG"})
# Enough to draw the largest logo at 300 dpi; decoded logos are kept this small.
LOGO_WORKING = (600, 300)


@lru_cache(maxsize=4)
def load_logo(data: bytes) -> Image.Image:
    """The logo in ``data`` as a greyscale image flattened on white (shared: do not change it).

    Raises:
        ValueError: ``data`` is not a PNG or JPEG image, cannot be decoded, or has more than
            :data:`LOGO_MAX_PIXELS` pixels.
    """
    try:
        with warnings.catch_warnings():
            # Pillow only warns about a bomb below twice its own limit; refuse it here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                if opened.format not in LOGO_FORMATS:
                    raise ValueError(f"the logo must be PNG or JPEG, not {opened.format}")
                width, height = opened.size
                if width * height > LOGO_MAX_PIXELS:
                    raise ValueError(
                        f"the logo has {width}x{height} pixels, more than {LOGO_MAX_PIXELS}"
                    )
                opened.draft("RGB", LOGO_WORKING)  # a JPEG decodes straight to a smaller size
                upright = ImageOps.exif_transpose(opened)
                flat = on_white(upright)
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise ValueError("the logo is not a readable PNG or JPEG image") from exc
    flat.thumbnail(LOGO_WORKING, Image.Resampling.LANCZOS)
    return flat


def on_white(image: Image.Image) -> Image.Image:
    """``image`` in grey, any transparency composed over white (a page is white)."""
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("L")
    return image.convert("L")
