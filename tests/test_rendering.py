"""Confirmation documents: Persian shaping, page geometry, scannable QR, no overflow, and a
real PDF: text with a text layer that reads back in logical order, vector QR, embedded fonts.
"""

from __future__ import annotations

import ctypes
import dataclasses
import datetime
import io
import re
import shutil
import subprocess
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
import zxingcpp
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, ImageStat, features

from domain import texts
from domain.signing import (
    ConfirmationKind,
    PublicKeyInfo,
    SigningKey,
    TokenPayload,
    holder_binding,
    sign_token,
    verify_token,
    verify_url,
)
from rendering import confirmation as confirmation_module
from rendering import layout
from rendering.confirmation import (
    ConfirmationDoc,
    page_size,
    render_page,
    render_pdf,
    render_png,
    render_png_and_pdf,
)
from rendering.fonts import font
from rendering.layout import TextBox
from rendering.qr import ALPHANUMERIC_CHARSET, make_qr, qr_matrix, qr_text
from rendering.scan import qr_texts
from tests.conftest import ARTIFACTS

VERIFY_BASE = "HTTPS://VERIFY.TVTO.IR/V"
A4_POINTS = (595.0, 842.0)


# --- Fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate(key_id=1)


@pytest.fixture(scope="module")
def keys(key: SigningKey) -> dict[int, PublicKeyInfo]:
    return {1: key.public_info(datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))}


@pytest.fixture(scope="module")
def url(key: SigningKey) -> str:
    payload = TokenPayload(
        kind=ConfirmationKind.DUPLICATE,
        serial=140_400_123,
        issued_on=datetime.date(2025, 8, 3),
        holder_hash=holder_binding("0012345679", "علی رضایی"),
        key_id=1,
    )
    return verify_url(VERIFY_BASE, sign_token(payload, key))


def jpeg_photo() -> bytes:
    photo = Image.new("RGB", (600, 800), (205, 190, 170))
    ImageDraw.Draw(photo).ellipse((150, 150, 450, 520), fill=(60, 40, 30))
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def make_doc(url: str, **changes: object) -> ConfirmationDoc:
    doc = ConfirmationDoc(
        kind="duplicate",
        serial="1404-DUP-000123",
        tracking_code="K7Q2M9XZ",
        holder_full_name="علی رضایی",
        father_name="حسین",
        national_code="0012345679",
        birth_date="1370/05/03",
        trade="برق‌کار ساختمان درجه 2",
        certificate_number="12-345678",
        certificate_year="1385",
        training_centre="مرکز آموزش فنی و حرفه‌ای شماره 1 اهواز",
        issue_date="1404/05/12",
        office_name="حوزه سنجش و ارزشیابی مهارت استان خوزستان",
        signer_name="زهرا احمدی",
        signer_title="رئیس حوزه سنجش و ارزشیابی مهارت استان خوزستان",
        signature_date="1404/05/12",
        verify_url=url,
        photo=jpeg_photo(),
    )
    return dataclasses.replace(doc, **changes)  # type: ignore[arg-type]


def authenticity_changes() -> dict[str, object]:
    return {
        "kind": "authenticity",
        "requesting_organisation": "اداره کل آموزش و پرورش استان خوزستان",
        "request_letter_number": "12/345/ص",
        "request_letter_date": "1404/04/30",
        "verdict": "گواهینامه فوق از این سازمان صادر شده و اصالت آن مورد تایید است.",
    }


@pytest.fixture(scope="module")
def rendered(url: str) -> tuple[bytes, bytes]:
    return render_png_and_pdf(make_doc(url, **authenticity_changes()))


# --- (a) Persian shaping ---------------------------------------------------------------------


def test_raqm_is_available_and_used() -> None:
    assert features.check("raqm")
    assert font(40).layout_engine == ImageFont.Layout.RAQM


def test_text_is_shaped_not_drawn_letter_by_letter() -> None:
    face = font(48)
    word = "گواهینامه"
    shaped_width = face.getlength(word, direction="rtl", language="fa")
    isolated_width = sum(face.getlength(letter) for letter in word)
    assert abs(shaped_width - isolated_width) > 5

    shaped_box = face.getbbox(word, direction="rtl", language="fa")
    canvas = Image.new("L", (800, 120), 255)
    draw = ImageDraw.Draw(canvas)
    x = 780.0
    for letter in word:  # right to left, each letter in its isolated form
        draw.text((x, 20), letter, fill=0, font=face, anchor="ra")
        x -= face.getlength(letter)
    isolated_box = ImageChops.invert(canvas).getbbox()
    assert isolated_box is not None
    assert shaped_box[2] - shaped_box[0] != isolated_box[2] - isolated_box[0]


def test_font_covers_persian_and_latin_digits_and_letters() -> None:
    face = font(40)
    missing = bytes(face.getmask("\ue000"))  # a private-use code point: .notdef
    for char in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-/" + "".join(
        chr(0x06F0 + d) for d in range(10)
    ):
        assert bytes(face.getmask(char)) != missing, char


def test_mixed_direction_codes_keep_their_order() -> None:
    """A digit-first Latin serial inside Persian text must read as typed, not reordered."""
    face = font(40)
    serial = "1404-DUP-7"
    width = 900
    isolated = layout.code(serial)
    assert isolated.startswith("\u2068") and isolated.endswith("\u2069")

    def line(text: str) -> Image.Image:
        image = Image.new("L", (width, 80), 255)
        ImageDraw.Draw(image).text(
            (width - 10, 10), text, fill=0, font=face, anchor="ra", direction="rtl", language="fa"
        )
        return image

    def reference(text: str, left: int) -> Image.Image:
        image = Image.new("L", (width, 80), 255)
        ImageDraw.Draw(image).text((left, 10), text, fill=0, font=face, anchor="la")
        return image

    def distance(text: str, expected: str) -> float:
        drawn = line(texts.DOC_LABEL_SERIAL + " " + text)
        box = ImageChops.invert(drawn).getbbox()
        assert box is not None
        wanted = reference(expected, 0)
        wanted_box = ImageChops.invert(wanted).getbbox()
        assert wanted_box is not None
        wanted = reference(expected, box[0] - wanted_box[0])
        region = (box[0], 0, box[0] + wanted_box[2] - wanted_box[0], 80)
        diff = ImageChops.difference(drawn.crop(region), wanted.crop(region))
        return float(ImageStat.Stat(diff).mean[0])

    # With the isolate the serial reads exactly as typed ...
    assert distance(isolated, serial) < 3
    # ... while without it the bidi algorithm would have moved "1404" to the far end.
    assert distance(serial, "DUP-7-1404") < 3
    assert distance(serial, serial) > 10


def test_values_show_persian_digits_except_latin_codes(url: str) -> None:
    page = render_page(make_doc(url))
    drawn = "\n".join(box.text for box in page.text_boxes)
    assert "۱۳۷۰/۰۵/۰۳" in drawn  # birth date
    assert "۰۰۱۲۳۴۵۶۷۹" in drawn  # national code
    assert "\u20681404-DUP-000123\u2069" in drawn  # serial with Latin letters stays Latin
    assert "1370" not in drawn
    assert texts.DOC_TITLE_DUPLICATE in drawn
    assert texts.DOC_QR_CAPTION in drawn


def test_no_persian_text_outside_the_catalogue() -> None:
    arabic_script = re.compile(r"[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]")
    package = Path(confirmation_module.__file__).parent
    for name in (
        "confirmation.py",
        "letterhead.py",
        "qr.py",
        "pdf.py",
        "fonts.py",
        "shaping.py",
    ):
        source = (package / name).read_text(encoding="utf-8")
        assert not arabic_script.search(source), name


def rasterise(pdf: bytes, dpi: float, *, mode: str = "L") -> Image.Image:
    """The page as a viewer shows it at ``dpi``."""
    document = pdfium.PdfDocument(pdf)
    try:
        image: Image.Image = document[0].render(scale=dpi / 72).to_pil().convert(mode)
        return image
    finally:
        document.close()


def pdf_text_layers(pdf: bytes) -> dict[str, str]:
    """The page's text as ``pdftotext`` (poppler) and PDFium extract it.

    pdftotext wraps right-to-left lines in embedding marks (U+202A..U+202C) for a terminal;
    they are dropped here, as a reader copying the text never sees them.
    """
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (Debian's poppler-utils) is needed to read the text layer"
    poppler = subprocess.run(
        [pdftotext, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")
    document = pdfium.PdfDocument(pdf)
    try:
        textpage = document[0].get_textpage()
        pdfium_text: str = textpage.get_text_range()
        textpage.close()
    finally:
        document.close()
    return {
        "pdftotext": re.sub("[\u202a-\u202c]", "", poppler),
        "pdfium": pdfium_text.replace("\r\n", "\n"),
    }


def assert_reads(layers: dict[str, str], parts: list[str]) -> None:
    """Every part is in each text layer. Poppler moves a comma or colon that ends a
    right-to-left word to the next word's start («تعاون ،کار»), so for pdftotext the pieces
    between such punctuation are looked for instead (PDFium gives the whole part)."""
    for extractor, text in layers.items():
        for part in parts:
            pieces = re.split("[،:](?: |$)", part) if extractor == "pdftotext" else [part]
            for piece in filter(None, pieces):
                assert piece in text, (extractor, part, piece, text)


def page_objects(pdf: bytes) -> tuple[list[tuple[str, bool]], list[tuple[str, float]]]:
    """The fonts of the page's text objects (name, embedded) and its images (filter, area).

    An image's area is its share of the page.
    """
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        width, height = page.get_size()
        fonts: list[tuple[str, bool]] = []
        images: list[tuple[str, float]] = []
        for obj in page.get_objects():
            if obj.type == pdfium.raw.FPDF_PAGEOBJ_TEXT:
                handle = pdfium.raw.FPDFTextObj_GetFont(obj.raw)
                size = pdfium.raw.FPDFFont_GetBaseFontName(handle, None, 0)
                buffer = ctypes.create_string_buffer(size)
                pdfium.raw.FPDFFont_GetBaseFontName(handle, buffer, size)
                embedded = pdfium.raw.FPDFFont_GetIsEmbedded(handle) == 1
                fonts.append((buffer.value.decode("ascii"), embedded))
            elif isinstance(obj, pdfium.PdfImage):
                left, bottom, right, top = obj.get_bounds()
                area = (right - left) * (top - bottom) / (width * height)
                images.append(("+".join(obj.get_filters()), area))
        return fonts, images
    finally:
        document.close()


def off_the_png(png: bytes, pdf: bytes) -> int:
    """How many pixels of the PDF, drawn at the PNG's 150 dpi, are far from the PNG's (both
    softened, so a pixel's worth of anti-aliasing does not count but a dot moved off its
    letter does: a mark drawn at a rounded scale counted ~1,000 here, the right one ~100)."""
    drawn = Image.open(io.BytesIO(png)).convert("L")
    viewed = rasterise(pdf, 150).crop((0, 0, *drawn.size))
    softened = [i.filter(ImageFilter.GaussianBlur(2)) for i in (drawn, viewed)]
    return sum(ImageChops.difference(*softened).histogram()[64:])


def keep_artifact(name: str, pdf: bytes) -> None:
    """The PDF as a viewer draws it at 150 dpi, as ``test-artifacts/<name>`` for a person."""
    ARTIFACTS.mkdir(exist_ok=True)
    rasterise(pdf, 150).save(ARTIFACTS / name)


# --- (b) Page geometry -----------------------------------------------------------------------


def test_png_is_a4_at_150_dpi(rendered: tuple[bytes, bytes]) -> None:
    png, _ = rendered
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.size == (1240, 1754)
    assert page_size(150) == (1240, 1754)


def test_pdf_is_one_a4_page(rendered: tuple[bytes, bytes]) -> None:
    _, pdf = rendered
    document = pdfium.PdfDocument(pdf)
    try:
        assert len(document) == 1
        page = document[0]
        width, height = page.get_size()
        assert abs(width - A4_POINTS[0]) <= 1
        assert abs(height - A4_POINTS[1]) <= 1
        mediabox = page.get_mediabox()
        assert mediabox is not None
        left, bottom, right, top = mediabox
        assert (left, bottom) == (0, 0)
        assert abs(right - A4_POINTS[0]) <= 1
        assert abs(top - A4_POINTS[1]) <= 1
    finally:
        document.close()


@pytest.mark.parametrize("kind", ["duplicate", "authenticity"])
def test_pdf_text_layer_reads_the_record_in_logical_order(url: str, kind: str) -> None:
    changes = authenticity_changes() if kind == "authenticity" else {}
    doc = make_doc(url, **changes)
    _, pdf = render_png_and_pdf(doc)
    keep_artifact(f"confirmation-{kind}.png", pdf)
    layers = pdf_text_layers(pdf)
    for extractor, text in layers.items():
        for part in (
            "۰۰۱۲۳۴۵۶۷۹",  # the national code, in the Persian digits it is printed in
            "علی رضایی",  # the holder, both words in reading order, one space between
            "1404-DUP-000123",  # the serial
            "K7Q2M9XZ",  # the tracking code
            "حسین",
            "برق‌کار ساختمان درجه ۲",
            texts.DOC_BASMALA,
            texts.DOC_ORGANISATION,
            "حوزه سنجش و ارزشیابی مهارت استان خوزستان",
            "زهرا احمدی",
        ):
            assert part in text, (extractor, part, text)
    assert_reads(layers, [texts.DEFAULT_PARENT_BODY])
    # PDFium mirrors brackets a second time when it reverses a right-to-left line, so only
    # poppler gives the duplicate's title «… (المثنی)» back as printed.
    assert doc.title in layers["pdftotext"]


@pytest.mark.parametrize("kind", ["duplicate", "authenticity"])
def test_the_pdf_looks_like_the_png(url: str, kind: str) -> None:
    """Every letter's dots where the PNG has them: the PDF's text and its marks agree."""
    changes = authenticity_changes() if kind == "authenticity" else {}
    png, pdf = render_png_and_pdf(make_doc(url, **changes))
    assert off_the_png(png, pdf) < 300


def test_pdf_is_vector_text_with_embedded_subset_fonts(rendered: tuple[bytes, bytes]) -> None:
    _, pdf = rendered
    fonts, images = page_objects(pdf)
    assert fonts, "the PDF has no text objects"
    assert all(embedded for _, embedded in fonts), fonts
    # Subset fonts are named with a six-letter tag; both weights are used.
    names = {name for name, _ in fonts}
    assert all(re.fullmatch("[A-Z]{6}\\+NotoSansArabic-(Regular|Bold)", name) for name in names)
    assert len(names) == 2
    # The only image is the 3x4 photo, as JPEG; no full-page picture, no QR picture.
    assert len(images) == 1
    [(filters, area)] = images
    assert filters == "DCTDecode"
    assert area < 0.03


def test_pdf_without_photo_has_no_image_at_all(url: str) -> None:
    fonts, images = page_objects(render_pdf(make_doc(url, photo=None)))
    assert fonts and images == []


def test_pdf_declares_pdfa_2b(rendered: tuple[bytes, bytes]) -> None:
    """The PDF/A-2b identification and output intent are in place (not a validation)."""
    _, pdf = rendered
    assert pdf.startswith(b"%PDF-1.7\n%")
    assert b"<pdfaid:part>2</pdfaid:part>" in pdf
    assert b"<pdfaid:conformance>B</pdfaid:conformance>" in pdf
    assert b"/S /GTS_PDFA1" in pdf and b"/DestOutputProfile" in pdf
    assert re.search(rb"/ID \[<[0-9A-F]{32}> <[0-9A-F]{32}>\]", pdf)
    assert b"/Encrypt" not in pdf and b"/SMask" not in pdf


def test_qr_in_the_pdf_is_the_qr_in_the_png(rendered: tuple[bytes, bytes], url: str) -> None:
    png, pdf = rendered
    assert qr_texts(pdf) == qr_texts(png) == [url]


def test_render_png_and_render_pdf_match_the_combined_call(url: str) -> None:
    doc = make_doc(url)
    png, pdf = render_png_and_pdf(doc)
    assert render_png(doc) == png
    assert render_pdf(doc) == pdf


def test_other_dpi_keeps_a4(url: str) -> None:
    png = render_png(make_doc(url, photo=None), dpi=100)
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == page_size(100) == (827, 1169)
    pdf = render_pdf(make_doc(url, photo=None), dpi=100)
    document = pdfium.PdfDocument(pdf)
    try:
        width, height = document[0].get_size()
        assert abs(width - A4_POINTS[0]) <= 1 and abs(height - A4_POINTS[1]) <= 1
    finally:
        document.close()


# --- (c) The QR survives phone-like damage ---------------------------------------------------


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.convert("L").save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue()))


def damage(kind: str, png: bytes, pdf: bytes) -> Image.Image:
    with Image.open(io.BytesIO(png)) as opened:
        page = opened.convert("L")
    if kind == "jpeg-40":
        return jpeg(page, 40)
    if kind == "half-size":
        return page.resize((page.width // 2, page.height // 2), Image.Resampling.BILINEAR)
    if kind == "rotated-5":
        return page.rotate(5, Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    if kind == "all-at-once":
        half = page.resize((page.width // 2, page.height // 2), Image.Resampling.BILINEAR)
        return jpeg(half.rotate(5, Image.Resampling.BILINEAR, expand=True, fillcolor=255), 40)
    assert kind == "pdf-150-dpi"
    return rasterise(pdf, 150)


@pytest.mark.parametrize(
    "kind", ["jpeg-40", "half-size", "rotated-5", "all-at-once", "pdf-150-dpi"]
)
def test_qr_decodes_after_damage(
    kind: str, rendered: tuple[bytes, bytes], url: str, keys: dict[int, PublicKeyInfo]
) -> None:
    image = damage(kind, *rendered)
    found = [
        barcode
        for barcode in zxingcpp.read_barcodes(image)
        if barcode.format == zxingcpp.BarcodeFormat.QRCode
    ]
    assert len(found) == 1
    assert found[0].text == url
    token = found[0].text.removeprefix(VERIFY_BASE + "/")
    assert verify_token(token, keys).serial == 140_400_123


def test_verify_url_uses_alphanumeric_mode(url: str) -> None:
    assert set(url) <= ALPHANUMERIC_CHARSET
    dense = len(qr_matrix(url))
    as_bytes = len(qr_matrix(url.replace("/V/", "/v/")))  # lower-case path forces byte mode
    assert dense < as_bytes


def test_lowercase_scheme_and_host_are_uppercased(url: str) -> None:
    token = url.rsplit("/", 1)[1]
    lower_host = f"https://verify.tvto.ir/V/{token}"
    assert qr_text(lower_host) == url
    decoded = zxingcpp.read_barcodes(make_qr(lower_host, box_size=4))
    assert [barcode.text for barcode in decoded] == [url]


def test_lowercase_path_falls_back_to_exact_bytes(url: str) -> None:
    token = url.rsplit("/", 1)[1]
    mixed = f"https://verify.tvto.ir/v/{token}"
    assert qr_text(mixed) == mixed
    decoded = zxingcpp.read_barcodes(make_qr(mixed, box_size=4))
    assert [barcode.text for barcode in decoded] == [mixed]


def test_make_qr_geometry() -> None:
    image = make_qr("HELLO", box_size=3, border=4)
    assert image.mode == "L"
    assert image.width == image.height == (21 + 8) * 3
    with pytest.raises(ValueError):
        make_qr("HELLO", box_size=0)


# --- (d) Photo or no photo -------------------------------------------------------------------


def photo_box() -> tuple[int, int, int, int]:
    # The photo frame: 30x40 mm at the left margin, 54 mm from the top (at 150 dpi).
    def px(mm: float) -> int:
        return round(mm * 150 / 25.4)

    return (px(14) + 4, px(54) + 4, px(44) - 4, px(94) - 4)


def test_renders_with_photo(url: str) -> None:
    page = render_page(make_doc(url))
    area = page.image.crop(photo_box())
    assert ImageStat.Stat(area).mean[0] < 200  # the photo (light background, dark face)
    assert texts.DOC_PHOTO_PLACEHOLDER not in {box.text for box in page.text_boxes}


def test_renders_without_photo(url: str) -> None:
    page = render_page(make_doc(url, photo=None))
    area = page.image.crop(photo_box())
    assert ImageStat.Stat(area).mean[0] > 240  # an empty frame with a small hint
    assert texts.DOC_PHOTO_PLACEHOLDER in {box.text for box in page.text_boxes}


def test_png_photo_and_exif_rotation_are_accepted(url: str) -> None:
    landscape = Image.new("RGB", (800, 600), (40, 40, 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    buffer = io.BytesIO()
    landscape.save(buffer, "JPEG", exif=exif.tobytes())
    page = render_page(make_doc(url, photo=buffer.getvalue()))
    assert ImageStat.Stat(page.image.crop(photo_box())).mean[0] < 80


def test_unreadable_photo_is_an_error(url: str) -> None:
    with pytest.raises(ValueError):
        render_page(make_doc(url, photo=b"not an image"))


def test_authenticity_needs_its_fields(url: str) -> None:
    with pytest.raises(ValueError):
        make_doc(url, kind="authenticity")
    with pytest.raises(ValueError):
        make_doc(url, kind="letter")


# --- (e) Nothing overflows -------------------------------------------------------------------


def assert_inside(page_boxes: tuple[confirmation_module.TextBox, ...], size: tuple[int, int]):
    width, height = size
    for box in page_boxes:
        left, top, right, bottom = box.bbox
        r_left, r_top, r_right, r_bottom = box.region
        assert r_left >= 0 and r_top >= 0 and r_right <= width and r_bottom <= height, box
        assert left >= r_left - 1 and right <= r_right + 1, box
        assert top >= r_top - 1 and bottom <= r_bottom + 1, box


@pytest.mark.parametrize("kind", ["duplicate", "authenticity"])
def test_long_values_stay_in_their_boxes(url: str, kind: str) -> None:
    long_name = "سید محمدحسین " * 15 + "میرزاآقاخانی‌قاجار"
    one_long_word = "الف" * 120
    changes: dict[str, object] = {
        "holder_full_name": long_name,
        "father_name": one_long_word,
        "trade": "تعمیرکار لوازم خانگی برقی " * 10,
        "training_centre": "آموزشگاه آزاد فنی و حرفه‌ای " * 10,
        "certificate_number": "X" * 80,
        "tracking_code": "T" * 60,
        "serial": "1404-" + "9" * 70,
        "office_name": "حوزه سنجش و ارزشیابی مهارت استان خوزستان " * 6,
        "signer_name": long_name,
        "signer_title": "رئیس حوزه سنجش " * 12,
        "parent_body": "وزارت تعاون، کار و رفاه اجتماعی " * 8,
        "logo": logo_png((2000, 200)),
        "footer_address": ADDRESS * 8,
        "footer_phone": "061-" + "3" * 60,
        "footer_postcode": "6" * 40,
    }
    if kind == "authenticity":
        changes |= authenticity_changes()
        changes["requesting_organisation"] = "اداره کل آموزش و پرورش " * 20
        changes["verdict"] = "گواهینامه فوق مورد تایید است. " * 30
        changes["copies"] = tuple(SECURITY_COPY * 5 for _ in range(9))
    else:
        changes |= {
            "court_letter_number": "9" * 80,
            "court_letter_date": "1404/04/15",
            "court_name": "شعبه 3 شورای حل اختلاف اهواز " * 10,
        }
    page = render_page(make_doc(url, **changes))
    assert page.image.size == (1240, 1754)
    assert_inside(page.text_boxes, page.image.size)
    assert_no_overlaps(page.text_boxes)
    assert any(box.text.endswith("…") for box in page.text_boxes)
    # Outside the frame (8 mm) the page stays blank.
    margin = round(7 * 150 / 25.4)
    inner = (margin, margin, page.image.width - margin, page.image.height - margin)
    blank = page.image.copy()
    blank.paste(255, inner)
    assert blank.getextrema() == (255, 255)


@pytest.mark.parametrize("kind", ["duplicate", "authenticity"])
def test_normal_document_fits_without_cutting(url: str, kind: str) -> None:
    changes = authenticity_changes() if kind == "authenticity" else {}
    page = render_page(make_doc(url, **changes))
    assert_inside(page.text_boxes, page.image.size)
    assert_no_overlaps(page.text_boxes)
    assert not any("…" in box.text for box in page.text_boxes)


# --- (f) Official elements: letterhead, logo, footer, copies, the court letter, the stamp ----

ADDRESS = "اهواز، کیانپارس، خیابان 12 غربی، پلاک 34"
PHONE = "061-33334444"
POSTCODE = "61558-12345"
SECURITY_COPY = "واحد حراست اداره کل آموزش فنی و حرفه‌ای استان خوزستان جهت استحضار"


def logo_png(size: tuple[int, int] = (400, 400)) -> bytes:
    """An emblem on a transparent background, as an operator's logo file often is."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.ellipse((width // 8, height // 8, width * 7 // 8, height * 7 // 8), fill=(20, 60, 140))
    draw.rectangle((width * 3 // 8, height * 3 // 8, width * 5 // 8, height * 5 // 8), fill=0)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def official_changes() -> dict[str, object]:
    """Every optional official element of the letterhead and the foot."""
    return {
        "logo": logo_png(),
        "footer_address": ADDRESS,
        "footer_phone": PHONE,
        "footer_postcode": POSTCODE,
    }


def court_changes() -> dict[str, object]:
    return {
        "court_letter_number": "9809976/ش/1404",
        "court_letter_date": "1404/04/15",
        "court_name": "شعبه 3 شورای حل اختلاف اهواز",
    }


def official_doc(url: str, kind: str) -> ConfirmationDoc:
    """A confirmation with everything an office may print on it."""
    if kind == "authenticity":
        return make_doc(
            url, **authenticity_changes(), **official_changes(), copies=(SECURITY_COPY,)
        )
    return make_doc(url, **official_changes(), **court_changes())


def mm_box(box: tuple[int, int, int, int]) -> tuple[float, ...]:
    return tuple(value * 25.4 / 150 for value in box)


def assert_no_overlaps(boxes: tuple[confirmation_module.TextBox, ...]) -> None:
    """No two drawn lines share ink space (a tiny touch of accents is tolerated)."""
    for index, first in enumerate(boxes):
        for second in boxes[index + 1 :]:
            a, b = first.bbox, second.bbox
            overlap_x = min(a[2], b[2]) - max(a[0], b[0])
            overlap_y = min(a[3], b[3]) - max(a[1], b[1])
            assert overlap_x <= 0 or overlap_y <= 3, (first, second)


def boxes_with(page: confirmation_module.RenderedPage, text: str) -> list[TextBox]:
    return [box for box in page.text_boxes if text in box.text]


def drawn_labels(page: confirmation_module.RenderedPage) -> set[str]:
    return {box.text for box in page.text_boxes}


def test_confirmation_has_basmala_and_parent_body_above_the_organisation(url: str) -> None:
    page = render_page(make_doc(url))
    [basmala] = boxes_with(page, texts.DOC_BASMALA)
    [parent] = boxes_with(page, texts.DEFAULT_PARENT_BODY)
    [organisation] = [box for box in page.text_boxes if box.text == texts.DOC_ORGANISATION]
    # «بسمه تعالی» centred at the top; the parent body right above the organisation.
    centre = (basmala.bbox[0] + basmala.bbox[2]) / 2
    assert abs(centre - page.image.width / 2) < 8
    assert basmala.bbox[3] <= min(box.bbox[1] for box in page.text_boxes if box is not basmala)
    assert parent.bbox[3] <= organisation.bbox[1]
    assert organisation.bbox[1] - parent.bbox[3] < 30
    # Another parent body, or none.
    other = render_page(make_doc(url, parent_body="وزارت آموزش و پرورش"))
    assert boxes_with(other, "وزارت آموزش و پرورش")
    none = render_page(make_doc(url, parent_body=None))
    assert not boxes_with(none, texts.DEFAULT_PARENT_BODY)


def test_logo_is_drawn_at_the_top_flattened_on_white(url: str) -> None:
    doc = make_doc(url, logo=logo_png())
    page = render_page(doc)
    plain = render_page(make_doc(url))
    changed = ImageChops.difference(page.image, plain.image).getbbox()
    assert changed is not None
    # The logo is at the top right, above the names, 18-22 mm high.
    [parent] = [box for box in page.text_boxes if box.text == texts.DEFAULT_PARENT_BODY]
    # Right of «بسمه تعالی» (centred), inside the frame, above the parent body.
    px = [round(mm * 150 / 25.4) for mm in (125, 9, 196)]
    column = (px[0], px[1], px[2], parent.bbox[1])
    found = ImageChops.invert(page.image.crop(column)).getbbox()
    assert found is not None
    emblem = (
        found[0] + column[0],
        found[1] + column[1],
        found[2] + column[0],
        found[3] + column[1],
    )
    _, top, _, bottom = mm_box(emblem)
    # The drawn emblem is 3/4 of the logo's height (its transparent margin is white).
    assert 18 * 0.75 - 1 <= bottom - top <= 22 * 0.75 + 1, (top, bottom)
    # Transparency became white, not black: the logo's corners are white.
    corner = page.image.crop((emblem[0] - 20, emblem[1] - 20, emblem[0] - 2, emblem[1] - 2))
    assert corner.getextrema() == (255, 255)
    # In the PDF: the photo and the logo, both JPEG; the PDF still looks like the PNG.
    png, pdf = render_png_and_pdf(doc)
    _, images = page_objects(pdf)
    assert [filters for filters, _ in images] == ["DCTDecode", "DCTDecode"]
    assert b"/SMask" not in pdf  # flattened: no transparency for PDF/A
    assert off_the_png(png, pdf) < 300


def test_a_jpeg_logo_and_an_opaque_png_logo_are_accepted(url: str) -> None:
    opaque = Image.new("RGB", (300, 200), (255, 255, 255))
    ImageDraw.Draw(opaque).rectangle((50, 50, 250, 150), fill=(0, 0, 0))
    for fmt in ("JPEG", "PNG"):
        buffer = io.BytesIO()
        opaque.save(buffer, fmt)
        page = render_page(make_doc(url, logo=buffer.getvalue()))
        assert page.image.size == (1240, 1754)


@pytest.mark.parametrize("what", ["not-an-image", "too-large", "gif"])
def test_a_logo_that_is_not_a_small_png_or_jpeg_is_refused(url: str, what: str) -> None:
    if what == "not-an-image":
        data = b"<svg xmlns='http://www.w3.org/2000/svg'/>"
    elif what == "too-large":
        buffer = io.BytesIO()
        Image.new("L", (5000, 5000), 255).save(buffer, "PNG")
        data = buffer.getvalue()
    else:
        buffer = io.BytesIO()
        Image.new("L", (100, 100), 0).save(buffer, "GIF")
        data = buffer.getvalue()
    with pytest.raises(ValueError):
        render_page(make_doc(url, logo=data))


def test_footer_shows_address_phone_and_postcode_at_the_foot(url: str) -> None:
    page = render_page(make_doc(url, **official_changes()))
    footer = [
        box for box in page.text_boxes if "۶۱۵۵۸-۱۲۳۴۵" in box.text or "کیانپارس" in box.text
    ]
    assert footer
    text = " ".join(box.text for box in footer)
    assert (
        texts.DOC_FOOTER_ADDRESS.format(address="اهواز، کیانپارس، خیابان ۱۲ غربی، پلاک ۳۴") in text
    )
    assert texts.DOC_FOOTER_PHONE.format(phone="\u2068۰۶۱-۳۳۳۳۴۴۴۴\u2069") in text
    assert texts.DOC_FOOTER_POSTCODE.format(postcode="\u2068۶۱۵۵۸-۱۲۳۴۵\u2069") in text
    # The footer is the last thing on the page, small, inside the frame.
    lowest = max(box.bbox[3] for box in page.text_boxes)
    assert all(box.bbox[3] > lowest - 70 for box in footer)
    assert all(mm_box(box.bbox)[3] <= 289 for box in footer)
    others = [box for box in page.text_boxes if box not in footer]
    assert max(box.bbox[3] for box in others) < min(box.bbox[1] for box in footer)
    # Only what is given: an address alone.
    alone = render_page(make_doc(url, footer_address=ADDRESS))
    drawn = " ".join(box.text for box in alone.text_boxes)
    assert "کیانپارس" in drawn
    assert texts.DOC_FOOTER_PHONE.split("{")[0] not in drawn


def test_authenticity_copies_are_drawn_as_ronevesht_at_the_foot(url: str) -> None:
    page = render_page(official_doc(url, "authenticity"))
    [label] = [box for box in page.text_boxes if texts.DOC_COPIES_LABEL in box.text]
    [copy] = boxes_with(page, "واحد حراست اداره کل آموزش فنی و حرفه‌ای استان خوزستان")
    [signer] = boxes_with(page, "زهرا احمدی")
    assert copy.bbox[1] > signer.bbox[3]  # after the signature
    assert abs(copy.bbox[1] - label.bbox[1]) < 15 or copy.bbox[1] > label.bbox[3]
    assert label.bbox[2] > page.image.width * 0.8  # set from the right margin
    # No copies, no label.
    assert not boxes_with(render_page(make_doc(url)), texts.DOC_COPIES_LABEL)


def test_several_copies_each_get_a_line(url: str) -> None:
    copies = (SECURITY_COPY, "دفتر مدیرکل جهت اطلاع", "بایگانی")
    page = render_page(make_doc(url, **authenticity_changes(), copies=copies))
    lines = [box for box in page.text_boxes if any(c.split()[0] in box.text for c in copies)]
    assert len({box.bbox[1] for box in lines}) >= 3
    assert_no_overlaps(page.text_boxes)


def test_duplicate_cites_the_court_letter_it_rests_on(url: str) -> None:
    page = render_page(make_doc(url, **court_changes()))
    statement = " ".join(box.text for box in page.text_boxes)
    for part in (
        "\u2068۹۸۰۹۹۷۶/ش/۱۴۰۴\u2069",
        "\u2068۱۴۰۴/۰۴/۱۵\u2069",
        "شعبه ۳ شورای حل اختلاف اهواز",
        "بنا به درخواست دارنده و نامهٔ شمارهٔ",
    ):
        assert part in statement, part
    # Without a court letter the statement says what it said.
    plain = " ".join(box.text for box in render_page(make_doc(url)).text_boxes)
    assert "شعبه" not in plain and "نامهٔ شمارهٔ" not in plain


@pytest.mark.parametrize(
    ("changes", "present", "absent"),
    [
        ({"court_name": "دادگاه عمومی حقوقی اهواز"}, ["نامهٔ دادگاه عمومی حقوقی اهواز"], ["شمارهٔ"]),
        ({"court_letter_number": "123"}, ["نامهٔ شمارهٔ \u2068۱۲۳\u2069"], ["مورخ"]),
        ({"court_letter_date": "1404/04/15"}, ["مورخ \u2068۱۴۰۴/۰۴/۱۵\u2069"], ["شمارهٔ"]),
    ],
)
def test_a_partial_court_letter_is_cited_as_far_as_known(
    url: str, changes: dict[str, str], present: list[str], absent: list[str]
) -> None:
    statement = " ".join(box.text for box in render_page(make_doc(url, **changes)).text_boxes)
    for part in present:
        assert part in statement, (part, statement)
    for part in absent:
        assert part not in statement, (part, statement)


def test_authenticity_answers_the_organisations_letter_with_atf(url: str) -> None:
    statement = " ".join(
        box.text for box in render_page(make_doc(url, **authenticity_changes())).text_boxes
    )
    assert "عطف به نامهٔ شمارهٔ \u2068۱۲/۳۴۵/ص\u2069 مورخ \u2068۱۴۰۴/۰۴/۳۰\u2069" in statement
    assert "پیرو" not in statement


def clear_stamp_square(page: confirmation_module.RenderedPage) -> tuple[int, int, int, int]:
    """The inside of the frame under «محل مهر و امضا», checked to be a clear 40x40 mm square
    (within a pixel or two of the frame's line) that no text reaches."""
    [label] = [box for box in page.text_boxes if box.text == texts.DOC_SIGNATURE_STAMP]
    centre = (label.bbox[0] + label.bbox[2]) // 2
    below = label.bbox[3] + 1
    width, height = page.image.size
    grey = page.image.tobytes()  # one byte a pixel, row by row
    dark = [grey[y * width + centre] < 240 for y in range(below, height)]
    top = dark.index(True)  # the frame's top line, then its inside, then its bottom line
    inner_top = dark.index(False, top)
    bottom = dark.index(True, inner_top)
    top, inner_top, bottom = top + below, inner_top + below, bottom + below
    middle = (top + bottom) // 2
    row = [grey[middle * width + x] < 240 for x in range(width)]
    left = max(x for x in range(centre) if row[x])
    right = min(x for x in range(centre, width) if row[x])
    side = round(40 * 150 / 25.4)
    assert abs((bottom - top) - side) <= 3 and abs((right - left) - side) <= 3, (top, bottom)
    inside = (left + 1, inner_top, right, bottom)
    assert page.image.crop(inside).getextrema() == (255, 255)
    for box in page.text_boxes:
        a = box.bbox
        assert a[2] <= inside[0] or a[0] >= inside[2] or a[3] <= inside[1] or a[1] >= inside[3], (
            box
        )
    return inside


@pytest.mark.parametrize("kind", ["duplicate", "authenticity"])
def test_stamp_box_leaves_40_mm_clear_for_a_wet_seal(url: str, kind: str) -> None:
    page = render_page(official_doc(url, kind))
    inside = clear_stamp_square(page)
    # The signer's name is under the box; the note and the statement above it.
    [signer] = boxes_with(page, "زهرا احمدی")
    assert signer.bbox[1] >= inside[3]
    [note] = boxes_with(page, texts.DOC_NOTE_TAMPERING)
    assert note.bbox[3] < inside[1]


def test_empty_and_unknown_fields_are_left_out(url: str) -> None:
    doc = make_doc(
        url,
        father_name=None,
        birth_date="",
        certificate_number=texts.VALUE_NOT_KNOWN,
        certificate_year="  ",
        training_centre=texts.BUTTON_DONT_KNOW,
    )
    page = render_page(doc)
    drawn = drawn_labels(page)
    for label in (
        texts.DOC_LABEL_FATHER_NAME,
        texts.DOC_LABEL_BIRTH_DATE,
        texts.DOC_LABEL_CERTIFICATE_NUMBER,
        texts.DOC_LABEL_CERTIFICATE_YEAR,
        texts.DOC_LABEL_TRAINING_CENTRE,
    ):
        assert label not in drawn, label
    assert texts.VALUE_NOT_KNOWN not in " ".join(box.text for box in page.text_boxes)
    for label in (texts.DOC_LABEL_FULL_NAME, texts.DOC_LABEL_NATIONAL_CODE, texts.DOC_LABEL_TRADE):
        assert label in drawn, label
    assert_inside(page.text_boxes, page.image.size)
    assert_no_overlaps(page.text_boxes)


def test_only_name_national_code_and_serial_are_required(url: str) -> None:
    doc = ConfirmationDoc(
        kind="authenticity",
        serial="1404-AUT-000007",
        tracking_code="K7Q2M9XZ",
        holder_full_name="علی رضایی",
        national_code="0012345679",
        issue_date="1404/05/12",
        office_name="حوزه سنجش و ارزشیابی مهارت استان خوزستان",
        signer_name="زهرا احمدی",
        signer_title="مدیرکل آموزش فنی و حرفه‌ای استان خوزستان",
        signature_date="1404/05/12",
        verify_url=url,
        requesting_organisation="اداره کل آموزش و پرورش استان خوزستان",
        request_letter_number="12/345/ص",
        request_letter_date="1404/04/30",
        verdict="اصالت گواهینامهٔ مهارت با مشخصات فوق تایید می‌شود.",
    )
    png, pdf = render_png_and_pdf(doc)
    keep_artifact("confirmation-authenticity-minimal.png", pdf)
    assert off_the_png(png, pdf) < 300
    page = render_page(doc)
    drawn = drawn_labels(page)
    assert texts.DOC_LABEL_FATHER_NAME not in drawn and texts.DOC_LABEL_TRADE not in drawn
    assert_inside(page.text_boxes, page.image.size)
    assert_no_overlaps(page.text_boxes)


@pytest.mark.parametrize("kind", ["duplicate", "authenticity"])
def test_official_confirmation_reads_back_and_looks_like_the_png(url: str, kind: str) -> None:
    doc = official_doc(url, kind)
    png, pdf = render_png_and_pdf(doc)
    keep_artifact(f"confirmation-{kind}-official.png", pdf)
    assert off_the_png(png, pdf) < 300
    assert qr_texts(pdf) == qr_texts(png) == [url]
    layers = pdf_text_layers(pdf)
    expected = [
        texts.DOC_BASMALA,
        texts.DEFAULT_PARENT_BODY,
        texts.DOC_ORGANISATION,
        "کیانپارس",
        "۰۶۱-۳۳۳۳۴۴۴۴",
        "۶۱۵۵۸-۱۲۳۴۵",
        texts.DOC_SIGNATURE_STAMP,
        "علی رضایی",
        "۰۰۱۲۳۴۵۶۷۹",
    ]
    if kind == "authenticity":
        expected += [texts.DOC_COPIES_LABEL, "واحد حراست اداره کل"]
    else:
        expected += ["حل اختلاف", "۱۴۰۴/۰۴/۱۵", "مبنی بر فقدان"]
    assert_reads(layers, expected)
    page = render_page(doc)
    assert_inside(page.text_boxes, page.image.size)
    assert_no_overlaps(page.text_boxes)
    assert not any("…" in box.text for box in page.text_boxes)
