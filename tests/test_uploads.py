"""Tests for domain.uploads: every image and PDF is generated here, nothing is downloaded."""

from __future__ import annotations

import concurrent.futures
import hashlib
import io
import random
import struct
import warnings
import zipfile
import zlib

import pypdfium2  # type: ignore[import-untyped]
import pytest
from PIL import Image, ImageCms

from domain import texts, uploads
from domain.digits import to_persian_digits
from domain.uploads import (
    MAX_UPLOAD_BYTES,
    CleanFile,
    UploadRejected,
    check_declared_size,
    check_portrait_photo,
    clean_document,
    clean_image,
    clean_pdf,
)
from tests.driver import assert_redrawn, build_pdf, hostile_pdf, page_objects

RED = (255, 0, 0)
BLUE = (0, 0, 255)


# --- Helpers --------------------------------------------------------------------------------


def encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def noisy_rgb(width: int, height: int, seed: int = 1) -> Image.Image:
    """An RGB image that does not compress to nothing, so truncating it cuts real data."""
    rng = random.Random(seed)
    return Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))


def rejected(call: object, *args: object, **kwargs: object) -> str:
    assert callable(call)
    with pytest.raises(UploadRejected) as info:
        call(*args, **kwargs)
    assert info.value.message == str(info.value)
    return info.value.message


def opened(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data), formats=["JPEG"])
    im.load()
    return im


def close_to(actual: tuple[int, ...], expected: tuple[int, int, int], slack: int = 40) -> bool:
    return all(abs(a - e) <= slack for a, e in zip(actual[:3], expected, strict=True))


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body))
        + kind
        + body
        + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` 1-bit pixels.

    Only the first row of image data is present: nothing can be decoded without first
    allocating the whole (huge) image, which is exactly what must not happen.
    """
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    first_row = b"\x00" + b"\x00" * ((width + 7) // 8)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(first_row))
        + png_chunk(b"IEND", b"")
    )


def minimal_pdf(pages: int = 1) -> bytes:
    return build_pdf(page_objects(pages))


_PDF_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    i = j = 0
    out = bytearray()
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def encrypted_pdf(user_password: bytes, owner_password: bytes) -> bytes:
    """A one-page PDF with the standard security handler, revision 2 (RC4, 40-bit).

    With an empty user password it opens without asking (owner-password "permissions" only).
    """
    file_id = bytes(range(16))
    permissions = struct.pack("<i", -44)

    def pad(password: bytes) -> bytes:
        return (password + _PDF_PAD)[:32]

    owner_key = hashlib.md5(pad(owner_password)).digest()[:5]
    o_value = _rc4(owner_key, pad(user_password))
    file_key = hashlib.md5(pad(user_password) + o_value + permissions + file_id).digest()[:5]
    u_value = _rc4(file_key, _PDF_PAD)
    encrypt = b"<< /Filter /Standard /V 1 /R 2 /P -44 /O <%s> /U <%s> >>" % (
        o_value.hex().encode(),
        u_value.hex().encode(),
    )
    objects = [*page_objects(1), encrypt]
    hex_id = file_id.hex().encode()
    trailer = b"/Encrypt %d 0 R /ID [<%s> <%s>] " % (len(objects), hex_id, hex_id)
    return build_pdf(objects, trailer_extra=trailer)


# --- Declared size --------------------------------------------------------------------------


def test_declared_size_over_limit_is_refused_before_download() -> None:
    message = rejected(check_declared_size, MAX_UPLOAD_BYTES + 1)
    assert message == texts.ERR_FILE_TOO_LARGE.format(limit_mb="۱۰")
    assert "۱۰" in message


def test_declared_size_at_limit_or_unknown_passes() -> None:
    check_declared_size(MAX_UPLOAD_BYTES)
    check_declared_size(0)
    check_declared_size(None)


def test_declared_size_custom_limit_is_shown_in_persian() -> None:
    assert rejected(check_declared_size, 3 * 1024 * 1024, limit=2 * 1024 * 1024) == (
        texts.ERR_FILE_TOO_LARGE.format(limit_mb="۲")
    )
    assert rejected(check_declared_size, 10**9, limit=5 * 1024 * 1024 // 2) == (
        texts.ERR_FILE_TOO_LARGE.format(limit_mb="۲٫۵")
    )


def test_downloaded_bytes_over_limit_are_refused_even_without_declared_size() -> None:
    jpeg = encode(Image.new("RGB", (8, 8)), "JPEG")
    oversized = jpeg + b"\x00" * (MAX_UPLOAD_BYTES + 1 - len(jpeg))
    expected = texts.ERR_FILE_TOO_LARGE.format(limit_mb="۱۰")
    assert rejected(clean_image, oversized) == expected
    assert rejected(clean_document, oversized, "image/jpeg", "a.jpg") == expected
    assert rejected(clean_pdf, b"%PDF-1.4\n" + b"\x00" * MAX_UPLOAD_BYTES) == expected


# --- Images: accepted and cleaned -----------------------------------------------------------


def test_jpeg_exif_gps_and_orientation_are_applied_then_stripped() -> None:
    # Stored landscape 800×600 with a red top-left corner; orientation 6 means "rotate 90°
    # clockwise to display", so people see a 600×800 portrait with the red corner top-right.
    im = Image.new("RGB", (800, 600), BLUE)
    im.paste(RED, (0, 0, 100, 100))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (35.0, 41.0, 21.0)
    gps[3] = "E"
    gps[4] = (51.0, 23.0, 20.0)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = encode(im, "JPEG", exif=exif, icc_profile=icc, comment=b"secret comment")
    assert b"Exif" in original and b"PhoneMaker" in original and b"secret comment" in original

    clean = clean_image(original)

    assert (clean.mime_type, clean.extension) == ("image/jpeg", "jpg")
    assert (clean.width, clean.height) == (600, 800)
    for marker in (b"Exif", b"PhoneMaker", b"secret comment", b"ICC_PROFILE"):
        assert marker not in clean.data
    out = opened(clean.data)
    assert out.size == (600, 800)
    assert "exif" not in out.info and "icc_profile" not in out.info
    assert "comment" not in out.info
    assert len(out.getexif()) == 0
    assert close_to(out.getpixel((599 - 20, 20)), RED)  # type: ignore[arg-type]
    assert close_to(out.getpixel((20, 20)), BLUE)  # type: ignore[arg-type]


def test_png_with_alpha_is_flattened_on_white() -> None:
    im = Image.new("RGBA", (40, 60), (0, 0, 0, 0))
    im.paste((0, 0, 255, 255), (0, 0, 20, 60))
    clean = clean_image(encode(im, "PNG"))
    out = opened(clean.data)
    assert out.mode == "RGB"
    assert (clean.width, clean.height) == (40, 60)
    assert close_to(out.getpixel((30, 30)), (255, 255, 255))  # type: ignore[arg-type]
    assert close_to(out.getpixel((5, 30)), BLUE)  # type: ignore[arg-type]


def test_paletted_png_with_transparency_is_flattened() -> None:
    im = Image.new("P", (30, 30), 0)
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * (256 * 3 - 6))
    im.paste(1, (0, 0, 10, 30))
    clean = clean_image(encode(im, "PNG", transparency=0))
    out = opened(clean.data)
    assert close_to(out.getpixel((20, 15)), (255, 255, 255))  # type: ignore[arg-type]
    assert close_to(out.getpixel((5, 15)), RED)  # type: ignore[arg-type]


def test_sixteen_bit_greyscale_png_is_scaled_not_clipped() -> None:
    im = Image.new("I;16", (10, 10), 128 * 256)
    out = opened(clean_image(encode(im, "PNG")).data)
    value = out.getpixel((5, 5))
    assert isinstance(value, tuple)
    assert close_to(value, (128, 128, 128), slack=3)


@pytest.mark.parametrize("lossless", [False, True])
def test_webp_is_accepted_and_re_encoded_as_jpeg(lossless: bool) -> None:
    im = Image.new("RGB", (300, 400), RED)
    clean = clean_image(encode(im, "WEBP", lossless=lossless))
    assert (clean.mime_type, clean.width, clean.height) == ("image/jpeg", 300, 400)
    assert clean.data.startswith(b"\xff\xd8\xff")
    assert close_to(opened(clean.data).getpixel((10, 10)), RED)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["WEBP", "PNG"])
def test_animation_keeps_its_first_frame(fmt: str) -> None:
    frames = [Image.new("RGB", (40, 40), colour) for colour in (RED, BLUE, (0, 255, 0))]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    clean = clean_image(data)
    out = opened(clean.data)
    assert getattr(out, "n_frames", 1) == 1
    assert close_to(out.getpixel((20, 20)), RED)  # type: ignore[arg-type]


def test_payload_appended_after_jpeg_is_gone() -> None:
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("payload.txt", "hidden " * 50)
    polyglot = encode(noisy_rgb(64, 64), "JPEG") + zipped.getvalue()
    assert zipfile.is_zipfile(io.BytesIO(polyglot))

    clean = clean_image(polyglot)

    assert not zipfile.is_zipfile(io.BytesIO(clean.data))
    assert b"PK\x03\x04" not in clean.data and b"payload.txt" not in clean.data
    assert clean.data.endswith(b"\xff\xd9")


def test_clean_output_is_plain_jpeg_quality_90() -> None:
    clean = clean_image(encode(noisy_rgb(64, 64), "PNG"))
    out = opened(clean.data)
    assert out.format == "JPEG"
    # Re-encoding the decoded output at quality 90 gives the same quantisation tables.
    assert out.quantization == opened(encode(out, "JPEG", quality=90)).quantization  # type: ignore[attr-defined]


# --- Images: refused ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused(fmt: str) -> None:
    data = encode(Image.new("RGB", (30, 40), RED), fmt)
    assert rejected(clean_image, data) == texts.ERR_FILE_NOT_IMAGE
    assert rejected(clean_document, data, "image/jpeg", "letter.jpg") == (
        texts.ERR_FILE_NOT_IMAGE_OR_PDF
    )


@pytest.mark.parametrize("data", [b"", b"hello", b"%PDF-1.4\n", b"RIFF\x00\x00\x00\x00WAVE"])
def test_non_images_are_refused_by_clean_image(data: bytes) -> None:
    assert rejected(clean_image, data) == texts.ERR_FILE_NOT_IMAGE


def test_truncated_jpeg_is_broken() -> None:
    data = encode(noisy_rgb(200, 200), "JPEG")
    assert rejected(clean_image, data[: len(data) // 2]) == texts.ERR_IMAGE_BROKEN


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff" + b"\x00" * 100,
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
        b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 40,
    ],
)
def test_magic_bytes_followed_by_garbage_are_broken(data: bytes) -> None:
    assert rejected(clean_image, data) == texts.ERR_IMAGE_BROKEN


def test_png_with_corrupt_data_is_broken() -> None:
    data = bytearray(encode(noisy_rgb(50, 50), "PNG"))
    data[60:70] = b"\x00" * 10  # inside the IDAT chunk: checksum no longer matches
    assert rejected(clean_image, bytes(data)) == texts.ERR_IMAGE_BROKEN


def test_decompression_bomb_is_refused_before_decoding_and_without_warnings() -> None:
    bomb = png_declaring(20_000, 20_000)
    assert len(bomb) < 10_000
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert rejected(clean_image, bomb) == texts.ERR_IMAGE_TOO_BIG_PIXELS
        assert rejected(clean_document, bomb, "image/png", "x.png") == (
            texts.ERR_IMAGE_TOO_BIG_PIXELS
        )
    assert caught == []


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (20_000, 20_000),  # above twice Pillow's limit: DecompressionBombError
        (10_000, 10_000),  # between Pillow's limit and twice it: DecompressionBombWarning
        (7_000, 7_000),  # under Pillow's limit, over ours
        (70_000, 10),  # few pixels but too long a side for JPEG
    ],
)
def test_size_is_checked_again_after_opening(
    monkeypatch: pytest.MonkeyPatch, width: int, height: int
) -> None:
    # Pretend our header reader could not read the size: Pillow's checks and ours still refuse.
    monkeypatch.setattr(uploads, "_declared_dimensions", lambda fmt, data: None)
    assert Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS > 40_000_000
    assert rejected(clean_image, png_declaring(width, height)) == texts.ERR_IMAGE_TOO_BIG_PIXELS
    assert Image.MAX_IMAGE_PIXELS > 40_000_000  # global limit untouched


def test_max_pixels_is_configurable() -> None:
    data = encode(Image.new("RGB", (100, 100)), "PNG")
    assert rejected(clean_image, data, max_pixels=9_999) == texts.ERR_IMAGE_TOO_BIG_PIXELS
    assert clean_image(data, max_pixels=10_000).width == 100


def test_header_dimensions_are_read_for_each_format() -> None:
    im = Image.new("RGB", (123, 45))
    read = uploads._declared_dimensions
    assert read("JPEG", encode(im, "JPEG")) == (123, 45)
    assert read("JPEG", encode(im, "JPEG", progressive=True)) == (123, 45)
    assert read("PNG", encode(im, "PNG")) == (123, 45)
    assert read("WEBP", encode(im, "WEBP")) == (123, 45)
    assert read("WEBP", encode(im, "WEBP", lossless=True)) == (123, 45)
    assert read("WEBP", encode(im, "WEBP", exif=b"Exif\x00\x00")) == (123, 45)  # VP8X
    assert read("JPEG", b"\xff\xd8\xff") is None


def test_jpeg_decoy_frame_header_does_not_hide_a_large_one() -> None:
    sof = b"\xff\xc0\x00\x11\x08" + struct.pack(">HH", 10, 10) + b"\x03" + b"\x00" * 9
    big = b"\xff\xc0\x00\x11\x08" + struct.pack(">HH", 30_000, 30_000) + b"\x03" + b"\x00" * 9
    data = b"\xff\xd8" + sof + big + b"\xff\xda\x00\x02" + b"\x00" * 10
    assert uploads._declared_dimensions("JPEG", data) == (30_000, 30_000)
    assert rejected(clean_image, data) == texts.ERR_IMAGE_TOO_BIG_PIXELS


# --- PDF ------------------------------------------------------------------------------------


def test_pillow_generated_pdf_is_accepted_unchanged() -> None:
    data = encode(Image.new("RGB", (200, 300), RED), "PDF")
    clean = clean_pdf(data)
    assert clean == CleanFile(data, "application/pdf", "pdf", None, None)


def test_hand_written_pdf_is_accepted() -> None:
    for pages in (1, 3, uploads.MAX_PDF_PAGES):
        assert clean_pdf(minimal_pdf(pages)).data == minimal_pdf(pages)
    assert clean_pdf(build_pdf(page_objects(1), header=b"%PDF-2.0")).extension == "pdf"


def test_too_many_pages_are_refused() -> None:
    assert rejected(clean_pdf, minimal_pdf(uploads.MAX_PDF_PAGES + 1)) == (
        texts.ERR_PDF_TOO_MANY_PAGES.format(limit="۵۰")
    )


def test_pdf_without_pages_is_refused() -> None:
    assert rejected(clean_pdf, minimal_pdf(0)) == texts.ERR_PDF_BROKEN


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\ngarbage garbage garbage\n%%EOF\n",
        b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF",
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",  # no %%EOF
        b"junk before%PDF-1.4\n" + minimal_pdf()[9:],
        b"%PDF-3.0\n" + minimal_pdf()[9:],
        b"%PDF-",
        minimal_pdf() + b"\x00" * 2048,  # %%EOF not near the end
    ],
)
def test_fake_or_broken_pdfs_are_refused(data: bytes) -> None:
    assert rejected(clean_pdf, data) == texts.ERR_PDF_BROKEN


def test_pdf_with_a_user_password_is_refused() -> None:
    assert rejected(clean_pdf, encrypted_pdf(b"secret", b"owner")) == texts.ERR_PDF_ENCRYPTED


def test_pdf_with_only_an_owner_password_is_refused() -> None:
    assert rejected(clean_pdf, encrypted_pdf(b"", b"owner")) == texts.ERR_PDF_ENCRYPTED


def test_pdf_checks_are_safe_from_many_threads() -> None:
    good, bad = minimal_pdf(2), b"%PDF-1.4\ngarbage\n%%EOF"
    image = encode(noisy_rgb(64, 64), "PNG")

    def work(i: int) -> str:
        try:
            if i % 3 == 0:
                return clean_image(image).mime_type
            return clean_pdf(good if i % 3 == 1 else bad).mime_type
        except UploadRejected as exc:
            return exc.message

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(60)))
    assert results == [
        ["image/jpeg", "application/pdf", texts.ERR_PDF_BROKEN][i % 3] for i in range(60)
    ]


# --- Documents: sniffed, never trusted by name ----------------------------------------------


def test_text_file_renamed_pdf_is_refused() -> None:
    data = "این یک فایل متنی است\n".encode()
    assert rejected(clean_document, data, "application/pdf", "نامه.pdf") == (
        texts.ERR_FILE_NOT_IMAGE_OR_PDF
    )


def test_pdf_header_followed_by_garbage_is_refused_as_document() -> None:
    data = b"%PDF-1.5\n" + bytes(range(256)) * 4 + b"%%EOF\n"
    assert rejected(clean_document, data, "application/pdf", "letter.pdf") == texts.ERR_PDF_BROKEN


def test_real_pdf_with_image_name_is_a_pdf() -> None:
    data = minimal_pdf()
    clean = clean_document(data, "image/jpeg", "letter.jpg")
    assert (clean.mime_type, clean.extension, clean.data) == ("application/pdf", "pdf", data)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_image_sent_as_document_is_cleaned(fmt: str) -> None:
    clean = clean_document(encode(Image.new("RGB", (90, 120), RED), fmt), None, None)
    assert (clean.mime_type, clean.extension, clean.width, clean.height) == (
        "image/jpeg",
        "jpg",
        90,
        120,
    )


# --- The 3×4 photo --------------------------------------------------------------------------


def photo(width: int, height: int) -> CleanFile:
    return clean_image(encode(Image.new("RGB", (width, height), (200, 180, 160)), "JPEG"))


def test_three_by_four_photo_is_accepted() -> None:
    check_portrait_photo(photo(600, 800))


def test_landscape_photo_is_refused() -> None:
    assert rejected(check_portrait_photo, photo(800, 600)) == (
        texts.ERR_PHOTO_NOT_PORTRAIT.format(width="۸۰۰", height="۶۰۰")
    )
    assert "۸۰۰×۶۰۰" in rejected(check_portrait_photo, photo(800, 600))


def test_square_photo_is_not_portrait() -> None:
    assert rejected(check_portrait_photo, photo(600, 600)) == (
        texts.ERR_PHOTO_NOT_PORTRAIT.format(width="۶۰۰", height="۶۰۰")
    )


def test_wrong_ratio_is_refused() -> None:
    assert rejected(check_portrait_photo, photo(600, 1000)) == (
        texts.ERR_PHOTO_RATIO.format(width="۶۰۰", height="۱۰۰۰")
    )


def test_small_photo_is_refused() -> None:
    assert rejected(check_portrait_photo, photo(240, 320)) == (
        texts.ERR_PHOTO_SMALL.format(width="۲۴۰", height="۳۲۰")
    )


def test_small_is_reported_before_ratio() -> None:
    assert rejected(check_portrait_photo, photo(200, 400)) == (
        texts.ERR_PHOTO_SMALL.format(width="۲۰۰", height="۴۰۰")
    )


def test_ratio_tolerance_boundaries_are_exact() -> None:
    def sized(width: int, height: int) -> CleanFile:
        return CleanFile(b"", "image/jpeg", "jpg", width, height)

    for width in (690, 750, 780, 810):  # 0.69 … 0.81 inclusive
        check_portrait_photo(sized(width, 1000))
    for width in (689, 811):
        assert rejected(check_portrait_photo, sized(width, 1000)) == texts.ERR_PHOTO_RATIO.format(
            width=to_persian_digits(width), height="۱۰۰۰"
        )
    check_portrait_photo(sized(300, 400))  # the minimum itself is fine


def test_exif_rotated_portrait_counts_as_portrait() -> None:
    exif = Image.Exif()
    exif[0x0112] = 8  # rotate 90° counter-clockwise to display
    data = encode(Image.new("RGB", (800, 600)), "JPEG", exif=exif)
    check_portrait_photo(clean_image(data))


def test_pdf_is_not_a_photo() -> None:
    assert rejected(check_portrait_photo, clean_pdf(minimal_pdf())) == texts.ERR_FILE_NOT_IMAGE


def test_a_tiny_pdf_with_enormous_pages_is_refused_before_anything_renders_it() -> None:
    """801 bytes that would take gigabytes to rasterise: the page size gives it away."""
    huge = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 14400 14400]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    with pytest.raises(UploadRejected) as refused:
        clean_document(huge, "application/pdf", "letter.pdf")
    assert refused.value.message == texts.ERR_PDF_PAGE_TOO_LARGE


def test_a_pdf_with_a_script_is_redrawn_without_it() -> None:
    """What staff receive keeps every page and nothing a reader could run."""
    hostile = hostile_pdf()
    assert clean_pdf(hostile).data == hostile  # a sound PDF: accepted as it is
    assert_redrawn(uploads.redraw_pdf(hostile), pages=2)


def _scan(dpi: int, pages: int = 1) -> bytes:
    """An A4 scan at ``dpi``, as a scanner's PDF (one picture a page)."""
    size = (round(8.27 * dpi), round(11.69 * dpi))
    images = [Image.new("RGB", size, (250, 250, 245)) for _ in range(pages)]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return buffer.getvalue()


def _drawn_page() -> bytes:
    """An A4 page with a line drawn on it and no picture (as a word processor's PDF)."""
    stream = b"2 w 72 72 m 523 770 l S"
    objects = page_objects(1)
    objects[2] = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"
    objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    return build_pdf(objects)


def _redrawn_pages(flat: bytes) -> list[tuple[int, int, float, float]]:
    """(pixels wide, pixels high, points wide, points high) of each redrawn page."""
    document = pypdfium2.PdfDocument(flat)
    try:
        found = []
        for index in range(len(document)):
            page = document[index]
            (picture,) = page.get_objects()
            metadata = picture.get_metadata()
            found.append((metadata.width, metadata.height, *document.get_page_size(index)))
            page.close()
        return found
    finally:
        document.close()


def test_a_scan_is_redrawn_at_its_own_resolution_when_lower() -> None:
    """A 75 dpi scan is not blown up to 110 dpi (no detail gained, three times the work); the
    page keeps its A4 size."""
    (page,) = _redrawn_pages(uploads.redraw_pdf(_scan(75)))
    assert abs(page[0] - 620) <= 1 and abs(page[1] - 877) <= 1
    assert abs(page[2] - 595) < 3 and abs(page[3] - 842) < 3


def test_a_sharper_scan_is_redrawn_at_110_dpi() -> None:
    (page,) = _redrawn_pages(uploads.redraw_pdf(_scan(200)))
    assert abs(page[0] - 8.27 * 110) <= 2 and abs(page[1] - 11.69 * 110) <= 2
    assert abs(page[2] - 595) < 3 and abs(page[3] - 842) < 3


def test_a_document_with_more_than_scans_is_redrawn_at_110_dpi() -> None:
    """A drawn page, and a scan beside one: the resolution of text and lines is not known, so
    every page is drawn at 110 dpi (one resolution for the document, pages keep their size)."""
    (drawn,) = _redrawn_pages(uploads.redraw_pdf(_drawn_page()))
    assert abs(drawn[0] - 595 * 110 / 72) <= 2
    document, other = pypdfium2.PdfDocument(_scan(75)), pypdfium2.PdfDocument(_drawn_page())
    try:
        document.import_pages(other)
        buffer = io.BytesIO()
        document.save(buffer)
    finally:
        other.close()
        document.close()
    scan, drawn_too = _redrawn_pages(uploads.redraw_pdf(buffer.getvalue()))
    assert abs(scan[0] - 8.27 * 110) <= 2 and drawn_too[0] == drawn[0]
    assert abs(scan[2] - 595) < 3 and abs(drawn_too[2] - 595) < 3
    empty = build_pdf(page_objects(1))  # an empty page is not a scan either
    assert _redrawn_pages(uploads.redraw_pdf(empty))[0][0] == drawn[0]


def test_many_huge_pages_are_redrawn_within_the_pixel_limits_keeping_their_size() -> None:
    """50 pages of 3400 × 3400 pt (a few hundred bytes) would be 200 million pixels at 4
    million a page: together they get at most 60 million, each page its own size in points."""
    pages = uploads.MAX_PDF_PAGES
    objects = page_objects(pages)
    objects[2:] = [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 3400 3400] >>"] * pages
    redrawn = _redrawn_pages(uploads.redraw_pdf(build_pdf(objects)))
    assert len(redrawn) == pages
    drawn = [width * height for width, height, _, _ in redrawn]
    assert max(drawn) <= uploads.REDRAW_MAX_PIXELS
    assert sum(drawn) <= uploads.REDRAW_MAX_TOTAL_PIXELS * 1.01  # sides rounded up
    assert all(abs(w - 3400) < 3 and abs(h - 3400) < 3 for _, _, w, h in redrawn)


def test_the_redrawn_pdf_points_at_every_object_where_it_is() -> None:
    """The cross-reference table of the page-by-page writer, checked without PDFium (which
    repairs a broken one silently)."""
    flat = uploads.redraw_pdf(hostile_pdf())
    xref = int(flat.rsplit(b"startxref\n", 1)[1].split()[0])
    header, count, *entries = flat[xref:].split(b"\n")[:-1]
    assert header == b"xref" and count.startswith(b"0 ")
    objects = int(count.split()[1])
    for number, entry in enumerate(entries[1:objects], start=1):
        offset = int(entry[:10])
        assert flat[offset:].startswith(b"%d 0 obj" % number)
