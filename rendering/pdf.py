"""One-page PDFs drawn as vectors: shaped text in an embedded subset font, rules, QR modules.

:class:`PdfCanvas` takes what the page canvas (:mod:`rendering.layout`) draws, in points from
the top left, and writes a PDF of it:

* text as text: the glyphs HarfBuzz shaped (:mod:`rendering.shaping`) in a Type 0 font per
  weight, whose program is a static instance of Noto Sans Arabic subset to the glyphs used.
  Character codes are assigned per glyph *and* the characters it stands for, so the ToUnicode
  map is exact even where one skeleton glyph serves several letters; marks (dots) are drawn as
  outlines. Text extraction thus reads whole words in logical order;
* rules and boxes as strokes and fills, the QR code as filled module runs (crisp at any zoom;
  a scanner sees the same modules as on the PNG), the photo as a JPEG image;
* written to PDF/A-2b's rules: XMP metadata naming the part and conformance, an sRGB output
  intent, every font embedded, no transparency, no encryption, a document ID.

Output is deterministic: the same drawing gives the same bytes (the ID is a digest of them).
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from xml.sax.saxutils import escape

from PIL import ImageCms

from rendering.fonts import font_metrics, font_program, glyph_outline, hb_font
from rendering.shaping import ShapedLine

__all__ = ["A4_POINTS", "PdfCanvas"]

A4_POINTS = (595.276, 841.89)
_PRODUCER = "tvto-skill-bot"
_HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


def _number(value: float, places: int = 3) -> bytes:
    """A PDF number with at most ``places`` decimals and no trailing zeros."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return (text if text not in ("", "-0") else "0").encode("ascii")


def _text_string(text: str) -> bytes:
    """A PDF text string: UTF-16BE with BOM, as hex (safe for any characters)."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def _stream(dictionary: bytes, data: bytes, *, compress: bool = True) -> bytes:
    if compress:
        data = zlib.compress(data, 6)
        dictionary += b" /Filter /FlateDecode"
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


@lru_cache(maxsize=1)
def _srgb_profile() -> bytes:
    """An sRGB ICC profile (LittleCMS's, through Pillow) for the PDF/A output intent.

    LittleCMS labels it ICC 4.4; PDF 1.7 (and so PDF/A-2) knows ICC up to 4.2, whose format
    it has, so the header says 4.2 (the profile ID is left unset, so nothing else changes).
    """
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[8:12] = b"\x04\x20\x00\x00"
    return bytes(profile)


def _xmp(title: str) -> bytes:
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about=""'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/"'
        ' xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">\n'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li>'
        "</rdf:Alt></dc:title>\n"
        f"<pdf:Producer>{_PRODUCER}</pdf:Producer>\n"
        "<pdfaid:part>2</pdfaid:part>\n"
        "<pdfaid:conformance>B</pdfaid:conformance>\n"
        "</rdf:Description>\n"
        "</rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
    return packet.encode("utf-8")


def _cmap(codes: list[tuple[int, str]]) -> bytes:
    """A ToUnicode CMap for two-byte codes."""
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <FFFF>",
        b"endcodespacerange",
    ]
    for start in range(0, len(codes), 100):
        chunk = codes[start : start + 100]
        lines.append(b"%d beginbfchar" % len(chunk))
        lines.extend(
            b"<%04X> <%s>" % (code, text.encode("utf-16-be").hex().upper().encode("ascii"))
            for code, text in chunk
        )
        lines.append(b"endbfchar")
    lines += [
        b"endcmap",
        b"CMapName currentdict /CMap defineresource pop",
        b"end",
        b"end",
    ]
    return b"\n".join(lines)


@dataclass
class _Font:
    """One weight's character codes: (glyph, text) -> code, assigned as glyphs are used."""

    weight: int
    resource: bytes
    codes: dict[tuple[int, str], int] = field(default_factory=dict)
    widths: dict[int, int] = field(default_factory=dict)  # code -> advance (font units)

    def code(self, glyph: int, text: str) -> tuple[int, int]:
        """The code of ``glyph`` standing for ``text``, and the glyph's width.

        The width is the font program's own (PDF/A wants the two to agree); the shaped
        position, kerning included, is reached by the adjustments between glyphs.
        """
        key = (glyph, text)
        code = self.codes.get(key)
        if code is None:
            code = len(self.codes) + 1
            self.codes[key] = code
            self.widths[code] = hb_font(self.weight).get_glyph_h_advance(glyph)
        return code, self.widths[code]


@dataclass
class _Image:
    resource: bytes
    jpeg: bytes
    width: int
    height: int


class PdfCanvas:
    """A one-page PDF drawn in points from the top left (as the page canvas measures)."""

    def __init__(self, width: float = A4_POINTS[0], height: float = A4_POINTS[1]) -> None:
        self.width = width
        self.height = height
        self._ops: list[bytes] = []
        self._fonts: dict[int, _Font] = {}
        self._images: list[_Image] = []
        self._grey: tuple[float, float] | None = None  # (fill, stroke) last set

    # --- Drawing ---------------------------------------------------------------------------

    def _y(self, top: float) -> float:
        return self.height - top

    def _set_grey(self, fill: float, stroke: float) -> None:
        if self._grey != (fill, stroke):
            self._ops.append(b"%s g %s G" % (_number(fill), _number(stroke)))
            self._grey = (fill, stroke)

    def text(
        self, line: ShapedLine, left: float, baseline: float, size: float, weight: int, grey: float
    ) -> None:
        """Draw a shaped line from ``left`` on ``baseline`` (points), ``size`` points."""
        if not line.glyphs:
            return
        font = self._fonts.get(weight)
        if font is None:
            font = _Font(weight, b"F%d" % (len(self._fonts) + 1))
            self._fonts[weight] = font
        metrics = font_metrics(weight)
        scale = size / metrics.units_per_em
        thousandths = 1000 / metrics.units_per_em
        self._set_grey(grey, grey)
        y = self._y(baseline)
        shown: list[bytes] = []
        marks: list[bytes] = []
        pen = 0  # where the PDF's text position is, in font units from ``left``
        rise = 0
        for glyph in line.glyphs:
            if glyph.text is None:
                outline = glyph_outline(weight, glyph.glyph) if glyph.glyph else b""
                if outline:  # a mark: its outline, placed in font units (see below)
                    marks.append(b"q 1 0 0 1 %d %d cm %s f Q" % (glyph.x, glyph.y, outline))
                continue
            if glyph.glyph == 0:  # a character the font lacks: .notdef is never shown
                continue
            if glyph.y != rise:
                shown.append(b"] TJ %s Ts [" % _number(glyph.y * scale))
                rise = glyph.y
            if glyph.x != pen:
                shown.append(_number((pen - glyph.x) * thousandths))
            code, width = font.code(glyph.glyph, glyph.text)
            shown.append(b"<%04X>" % code)
            pen = glyph.x + width
        if shown:
            self._ops.append(
                b"BT /%s %s Tf %s %s Td [%s] TJ%s ET"
                % (
                    font.resource,
                    _number(size),
                    _number(left),
                    _number(y),
                    b" ".join(shown),
                    b" 0 Ts" if rise else b"",
                )
            )
        if marks:
            self._ops.append(
                # The scale from font units is small (size / 1000): three decimals would move
                # the marks off their letters along the line.
                b"q %s 0 0 %s %s %s cm %s Q"
                % (
                    _number(scale, 7),
                    _number(scale, 7),
                    _number(left),
                    _number(y),
                    b" ".join(marks),
                )
            )

    def rect(
        self,
        left: float,
        top: float,
        width: float,
        height: float,
        *,
        fill: float | None = None,
        stroke: float | None = None,
        line_width: float = 0.5,
    ) -> None:
        """A box; ``stroke`` is drawn inside it, ``line_width`` wide (greys: 0 black, 1 white)."""
        if fill is not None:
            self._set_grey(fill, self._grey[1] if self._grey else 0.0)
            self._ops.append(
                b"%s %s %s %s re f"
                % (
                    _number(left),
                    _number(self._y(top + height)),
                    _number(width),
                    _number(height),
                )
            )
        if stroke is not None:
            half = line_width / 2
            self._set_grey(self._grey[0] if self._grey else 0.0, stroke)
            self._ops.append(
                b"%s w %s %s %s %s re S"
                % (
                    _number(line_width),
                    _number(left + half),
                    _number(self._y(top + height - half)),
                    _number(max(0.0, width - line_width)),
                    _number(max(0.0, height - line_width)),
                )
            )

    def line(self, left: float, right: float, y: float, *, grey: float, line_width: float) -> None:
        """A horizontal rule centred on ``y``."""
        self._set_grey(self._grey[0] if self._grey else 0.0, grey)
        self._ops.append(
            b"%s w %s %s m %s %s l S"
            % (
                _number(line_width),
                _number(left),
                _number(self._y(y)),
                _number(right),
                _number(self._y(y)),
            )
        )

    def modules(self, matrix: list[list[bool]], left: float, top: float, module: float) -> None:
        """The dark modules of a QR matrix: one filled path of runs, in module units.

        One path, so that no seam shows between modules where a viewer anti-aliases.
        """
        self._set_grey(0.0, self._grey[1] if self._grey else 0.0)
        runs: list[bytes] = []
        for row, cells in enumerate(matrix):
            column = 0
            while column < len(cells):
                if not cells[column]:
                    column += 1
                    continue
                end = column
                while end < len(cells) and cells[end]:
                    end += 1
                runs.append(b"%d %d %d 1 re" % (column, row, end - column))
                column = end
        if runs:
            # Module units, rows counted down from the code's top edge.
            self._ops.append(
                b"q %s 0 0 %s %s %s cm %s f Q"
                % (
                    _number(module),
                    _number(-module),
                    _number(left),
                    _number(self._y(top)),
                    b" ".join(runs),
                )
            )

    def jpeg(
        self,
        data: bytes,
        pixels: tuple[int, int],
        left: float,
        top: float,
        size: tuple[float, float],
    ) -> None:
        """A greyscale JPEG (``pixels`` wide and high) shown ``size`` points large."""
        image = _Image(b"Im%d" % (len(self._images) + 1), data, *pixels)
        self._images.append(image)
        width, height = size
        self._ops.append(
            b"q %s 0 0 %s %s %s cm /%s Do Q"
            % (
                _number(width),
                _number(height),
                _number(left),
                _number(self._y(top + height)),
                image.resource,
            )
        )

    # --- Writing ---------------------------------------------------------------------------

    def to_bytes(self, *, title: str, language: str = "fa-IR") -> bytes:
        """The PDF file."""
        objects: list[bytes] = []

        def add(body: bytes) -> int:
            objects.append(body)
            return len(objects)

        def ref(number: int) -> bytes:
            return b"%d 0 R" % number

        catalog = add(b"")  # filled in last, once the numbers are known
        pages = add(b"")
        page = add(b"")
        contents = add(_stream(b"", b"\n".join(self._ops)))
        font_refs: list[bytes] = []
        for font in self._fonts.values():
            font_refs.append(b"/%s %s" % (font.resource, ref(self._add_font(font, add))))
        image_refs = [
            b"/%s %s"
            % (
                image.resource,
                ref(
                    add(
                        _stream(
                            b"/Type /XObject /Subtype /Image /Width %d /Height %d "
                            b"/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode"
                            % (image.width, image.height),
                            image.jpeg,
                            compress=False,
                        )
                    )
                ),
            )
            for image in self._images
        ]
        metadata = add(_stream(b"/Type /Metadata /Subtype /XML", _xmp(title), compress=False))
        profile = add(_stream(b"/N 3", _srgb_profile()))
        info = add(
            b"<< /Title %s /Producer %s >>" % (_text_string(title), _text_string(_PRODUCER))
        )
        resources = b"/ProcSet [/PDF /Text /ImageB]"
        if font_refs:
            resources += b" /Font << %s >>" % b" ".join(font_refs)
        if image_refs:
            resources += b" /XObject << %s >>" % b" ".join(image_refs)
        objects[catalog - 1] = (
            b"<< /Type /Catalog /Pages %s /Metadata %s /Lang %s /OutputIntents [<< "
            b"/Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (sRGB IEC61966-2.1) "
            b"/Info (sRGB IEC61966-2.1) /DestOutputProfile %s >>] >>"
            % (ref(pages), ref(metadata), _text_string(language), ref(profile))
        )
        objects[pages - 1] = b"<< /Type /Pages /Kids [%s] /Count 1 >>" % ref(page)
        objects[page - 1] = (
            b"<< /Type /Page /Parent %s /MediaBox [0 0 %s %s] /Resources << %s >> "
            b"/Contents %s >>"
            % (
                ref(pages),
                _number(self.width),
                _number(self.height),
                resources,
                ref(contents),
            )
        )

        out = bytearray(_HEADER)
        offsets: list[int] = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        for offset in offsets:
            out += b"%010d 00000 n \n" % offset
        digest = hashlib.md5(bytes(out), usedforsecurity=False).hexdigest().upper().encode()
        out += (
            b"trailer\n<< /Size %d /Root %s /Info %s /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, ref(catalog), ref(info), digest, digest, xref)
        )
        return bytes(out)

    @staticmethod
    def _add_font(font: _Font, add: Callable[[bytes], int]) -> int:
        """Write one weight's Type 0 font and its parts; return the font's object number."""
        metrics = font_metrics(font.weight)
        by_code = sorted((code, glyph, text) for (glyph, text), code in font.codes.items())
        program = font_program(font.weight, {glyph for _, glyph, _ in by_code})
        digest = hashlib.sha1(program, usedforsecurity=False).digest()
        tag = bytes(65 + value % 26 for value in digest[:6])
        style = b"Bold" if font.weight >= 600 else b"Regular"
        name = b"%s+NotoSansArabic-%s" % (tag, style)
        per_em = 1000 / metrics.units_per_em

        def em(value: int) -> bytes:
            return _number(value * per_em)

        gid_map = bytearray(2 * (by_code[-1][0] + 1))
        for code, glyph, _ in by_code:
            gid_map[2 * code : 2 * code + 2] = glyph.to_bytes(2, "big")
        widths = b" ".join(b"%d [%s]" % (code, em(font.widths[code])) for code, _, _ in by_code)
        file_ref = add(_stream(b"/Length1 %d" % len(program), program))
        descriptor = add(
            b"<< /Type /FontDescriptor /FontName /%s /Flags 4 /FontBBox [%s] /ItalicAngle 0 "
            b"/Ascent %s /Descent %s /CapHeight %s /StemV %d /FontFile2 %d 0 R >>"
            % (
                name,
                b" ".join(em(value) for value in metrics.bbox),
                em(metrics.ascent),
                em(metrics.descent),
                em(metrics.cap_height),
                140 if font.weight >= 600 else 80,
                file_ref,
            )
        )
        gid_ref = add(_stream(b"", bytes(gid_map)))
        descendant = add(
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s "
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
            b"/FontDescriptor %d 0 R /DW 0 /W [%s] /CIDToGIDMap %d 0 R >>"
            % (name, descriptor, widths, gid_ref)
        )
        to_unicode = add(_stream(b"", _cmap([(code, text) for code, _, text in by_code])))
        number: int = add(
            b"<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H "
            b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (name, descendant, to_unicode)
        )
        return number
