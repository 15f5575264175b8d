"""A one-page PDF around an already encoded PNG, without encoding the pixels again.

PDF's FlateDecode filter with PNG predictors (``/Predictor 15``) reads exactly the zlib stream
of a PNG's IDAT chunks, so the PNG's compressed bytes go into the PDF as they are: the PDF costs
no second compression and is as lossless as the PNG. The page is sized so the image fills it at
``dpi`` (1240x1754 px at 150 dpi gives an A4 page of 595.2x841.9 pt).
"""

from __future__ import annotations

import struct
import zlib

__all__ = ["png_to_pdf"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOURS = {0: 1, 2: 3, 3: 1}  # PNG colour type -> components per pixel


def _pdf_text(text: str) -> bytes:
    """A PDF text string: UTF-16BE with BOM, as hex (safe for any characters)."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def _parse_png(png: bytes) -> tuple[int, int, int, int, bytes, bytes]:
    """Return width, height, bit depth, colour type, palette and the joined IDAT stream."""
    if not png.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG")
    pos = len(_PNG_SIGNATURE)
    header: tuple[int, ...] | None = None
    palette = b""
    idat: list[bytes] = []
    while pos + 8 <= len(png):
        (length,) = struct.unpack_from(">I", png, pos)
        kind = png[pos + 4 : pos + 8]
        data = png[pos + 8 : pos + 8 + length]
        if len(data) != length:
            raise ValueError("truncated PNG chunk")
        crc = struct.unpack_from(">I", png, pos + 8 + length)[0]
        if zlib.crc32(kind + data) != crc:
            raise ValueError("PNG chunk CRC mismatch")
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", data)
        elif kind == b"PLTE":
            palette = data
        elif kind == b"IDAT":
            idat.append(data)
        elif kind == b"IEND":
            break
    if header is None or not idat:
        raise ValueError("PNG without IHDR or IDAT")
    width, height, depth, colour_type, _compression, _filter, interlace = header
    if colour_type not in _COLOURS or interlace != 0 or depth == 16:
        raise ValueError("only non-interlaced 8-bit gray, RGB or paletted PNGs are supported")
    if colour_type == 3 and not palette:
        raise ValueError("paletted PNG without PLTE")
    return width, height, depth, colour_type, palette, b"".join(idat)


def png_to_pdf(png: bytes, dpi: float, *, title: str | None = None) -> bytes:
    """Wrap ``png`` as the single full-page image of a PDF at ``dpi``."""
    width, height, depth, colour_type, palette, stream = _parse_png(png)
    page_w = width * 72.0 / dpi
    page_h = height * 72.0 / dpi
    if colour_type == 0:
        colour_space = b"/DeviceGray"
    elif colour_type == 2:
        colour_space = b"/DeviceRGB"
    else:
        colour_space = b"[/Indexed /DeviceRGB %d <%s>]" % (
            len(palette) // 3 - 1,
            palette.hex().encode("ascii"),
        )
    content = b"q %.4f 0 0 %.4f 0 0 cm /Im0 Do Q" % (page_w, page_h)
    info = b"<< /Producer (tvto-skill-bot)"
    if title:
        info += b" /Title " + _pdf_text(title)
    info += b" >>"

    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.4f %.4f] "
        b"/Resources << /XObject << /Im0 5 0 R >> >> /Contents 4 0 R >>" % (page_w, page_h),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s "
        b"/BitsPerComponent %d /Filter /FlateDecode "
        b"/DecodeParms << /Predictor 15 /Colors %d /BitsPerComponent %d /Columns %d >> "
        b"/Length %d >>\nstream\n"
        % (
            width,
            height,
            colour_space,
            depth,
            _COLOURS[colour_type],
            depth,
            width,
            len(stream),
        )
        + stream
        + b"\nendstream",
        info,
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        len(objects),
        xref,
    )
    return bytes(out)
