"""Official letters: A4 geometry, shaped and justified Persian, nothing off the page, the QR,
and a real PDF whose text layer reads back the recipient, the holder and the tracking code.
"""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
import zxingcpp
from PIL import Image, ImageChops, ImageDraw, ImageStat

from domain import texts
from domain.tracking import format_tracking_code, new_tracking_code
from rendering import layout, letters
from rendering.fonts import font
from rendering.layout import TextBox, bidi_units, page_size
from rendering.letters import LetterDoc, LetterKind, render_letter, render_letter_page
from rendering.scan import qr_texts
from tests.test_rendering import (
    ADDRESS,
    PHONE,
    POSTCODE,
    SECURITY_COPY,
    assert_reads,
    clear_stamp_square,
    keep_artifact,
    logo_png,
    off_the_png,
    official_changes,
    page_objects,
    pdf_text_layers,
)

A4_POINTS = (595.0, 842.0)
TRACKING = new_tracking_code()
VERIFY_URL = "HTTPS://VERIFY.TVTO.IR/L/8K2M4QXPA7ZT"
KINDS: tuple[LetterKind, ...] = ("centre_inquiry", "not_authentic")


def px(mm: float) -> int:
    return round(mm * 150 / 25.4)


def make_letter(kind: LetterKind = "centre_inquiry", **changes: object) -> LetterDoc:
    doc = LetterDoc(
        kind=kind,
        letter_number="1405/123/ص",
        date="1405/08/30",
        office_name="اداره کل آموزش فنی و حرفه‌ای استان خوزستان",
        recipient="مرکز آموزش فنی و حرفه‌ای شماره 1 اهواز",
        subject="استعلام سوابق آزمون",
        tracking_code=TRACKING,
        holder_full_name="علی رضایی",
        national_code="0012345679",
        trade="برق‌کار ساختمان درجه 2",
        certificate_number="12-345678",
        certificate_year="1385",
        organisation_letter_number="12/345/ص" if kind == "not_authentic" else None,
        organisation_letter_date="1405/08/20" if kind == "not_authentic" else None,
        signer_name="زهرا احمدی",
        signer_title="رئیس اداره سنجش و ارزشیابی مهارت",
    )
    if kind == "not_authentic":
        doc = dataclasses.replace(
            doc,
            recipient="اداره کل آموزش و پرورش استان خوزستان",
            subject="پاسخ استعلام اصالت گواهینامهٔ مهارت",
        )
    return dataclasses.replace(doc, **changes)  # type: ignore[arg-type]


def drawn_text(boxes: tuple[TextBox, ...]) -> str:
    return "\n".join(box.text for box in boxes)


def assert_inside(boxes: tuple[TextBox, ...], size: tuple[int, int]) -> None:
    width, height = size
    for box in boxes:
        left, top, right, bottom = box.bbox
        r_left, r_top, r_right, r_bottom = box.region
        assert r_left >= 0 and r_top >= 0 and r_right <= width and r_bottom <= height, box
        # A line's first letter may reach a hair past its advance (the madda of «آ»: 2 px).
        assert left >= r_left - 1 and right <= r_right + 3, box
        assert top >= r_top - 1 and bottom <= r_bottom + 1, box


def assert_no_overlaps(boxes: tuple[TextBox, ...]) -> None:
    """No two drawn lines share ink space (a tiny touch of accents is tolerated)."""
    for index, first in enumerate(boxes):
        for second in boxes[index + 1 :]:
            a, b = first.bbox, second.bbox
            overlap_x = min(a[2], b[2]) - max(a[0], b[0])
            overlap_y = min(a[3], b[3]) - max(a[1], b[1])
            assert overlap_x <= 0 or overlap_y <= 3, (first, second)


# --- Geometry and encoding -------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_png_is_a4_at_150_dpi(kind: LetterKind) -> None:
    png, _ = render_letter(make_letter(kind, verify_url=VERIFY_URL))
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.size == (1240, 1754) == page_size(150)
        assert image.info["dpi"] == pytest.approx((150, 150), abs=0.05)  # pHYs is px per metre


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_is_one_a4_page_of_vector_text(kind: LetterKind) -> None:
    _, pdf = render_letter(make_letter(kind, verify_url=VERIFY_URL))
    document = pdfium.PdfDocument(pdf)
    try:
        assert len(document) == 1
        width, height = document[0].get_size()
        assert abs(width - A4_POINTS[0]) <= 1 and abs(height - A4_POINTS[1]) <= 1
    finally:
        document.close()
    fonts, images = page_objects(pdf)
    assert fonts and all(embedded for _, embedded in fonts), fonts
    assert images == []  # no page picture, and the QR is drawn as modules


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_text_layer_reads_the_letter_in_logical_order(kind: LetterKind) -> None:
    doc = make_letter(kind, verify_url=VERIFY_URL)
    _, pdf = render_letter(doc)
    keep_artifact(f"letter-{kind.replace('_', '-')}.png", pdf)
    layers = pdf_text_layers(pdf)
    recipient = layout.persian(doc.recipient)
    for extractor, text in layers.items():
        for part in (
            format_tracking_code(TRACKING),
            "علی رضایی",
            "۰۰۱۲۳۴۵۶۷۹",
            "۱۲-۳۴۵۶۷۸",
            texts.LETTER_BASMALA,
            texts.LETTER_SALUTATION,
            layout.persian(doc.subject),
            "زهرا احمدی",
        ):
            assert part in text, (extractor, part, text)
        assert recipient.split(" ۱ ")[0] in text, (extractor, text)
    # The whole recipient: poppler's reordering of a right-to-left line moves the space next
    # to a number to the number's other side («شماره  ۱اهواز»), PDFium keeps it.
    assert recipient in layers["pdfium"]
    if kind == "not_authentic":  # no number in this recipient
        assert recipient in layers["pdftotext"]


@pytest.mark.parametrize("kind", ["centre_inquiry", "not_authentic"])
def test_the_pdf_looks_like_the_png(kind: LetterKind) -> None:
    """Every letter's dots where the PNG has them: the PDF's text and its marks agree."""
    png, pdf = render_letter(make_letter(kind))
    assert off_the_png(png, pdf) < 300


def test_other_dpi_keeps_a4() -> None:
    png, pdf = render_letter(make_letter(), dpi=100)
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == page_size(100) == (827, 1169)
    document = pdfium.PdfDocument(pdf)
    try:
        width, height = document[0].get_size()
        assert abs(width - A4_POINTS[0]) <= 1 and abs(height - A4_POINTS[1]) <= 1
    finally:
        document.close()
    with pytest.raises(ValueError):
        render_letter(make_letter(), dpi=0)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        make_letter(kind="reminder")  # type: ignore[arg-type]


# --- Text: shaped, Persian digits, the letter's parts ----------------------------------------


def ink(image: Image.Image) -> Image.Image:
    box = ImageChops.invert(image).getbbox()
    assert box is not None
    return image.crop(box)


def test_letter_text_is_shaped_not_drawn_letter_by_letter() -> None:
    page = render_letter_page(make_letter())
    [salutation] = [box for box in page.text_boxes if box.text == texts.LETTER_SALUTATION]
    drawn = ink(page.image.crop(salutation.bbox))

    face = font(round(12 * 150 / 72))  # the letter's running text: 12 pt at 150 dpi
    word = texts.LETTER_SALUTATION
    canvas = Image.new("L", (1000, 120), 255)
    ImageDraw.Draw(canvas).text(
        (980, 60), word, fill=0, font=face, anchor="rm", direction="rtl", language="fa"
    )
    shaped = ink(canvas)

    canvas = Image.new("L", (1000, 120), 255)
    draw = ImageDraw.Draw(canvas)
    x = 980.0
    for letter in word:  # right to left, each letter in its isolated form
        draw.text((x, 60), letter, fill=0, font=face, anchor="rm")
        x -= face.getlength(letter)
    isolated = ink(canvas)

    assert drawn.size == shaped.size
    assert ImageStat.Stat(ImageChops.difference(drawn, shaped)).mean[0] < 1
    assert abs(isolated.width - drawn.width) > 5


@pytest.mark.parametrize("kind", KINDS)
def test_letter_parts_and_persian_digits(kind: LetterKind) -> None:
    page = render_letter_page(make_letter(kind))
    text = drawn_text(page.text_boxes)
    for part in (
        texts.LETTER_BASMALA,
        texts.DOC_ORGANISATION,
        "اداره کل آموزش فنی و حرفه‌ای استان خوزستان",
        texts.LETTER_SALUTATION,
        texts.LETTER_CLOSING,
        "زهرا احمدی",
        f"{texts.LETTER_LABEL_ATTACHMENT} {texts.LETTER_NO_ATTACHMENT}",
        f"{texts.LETTER_LABEL_DATE} \u2068۱۴۰۵/۰۸/۳۰\u2069",
        "\u2068۱۴۰۵/۱۲۳/ص\u2069",
        "\u2068۰۰۱۲۳۴۵۶۷۹\u2069",
        "\u2068۱۲-۳۴۵۶۷۸\u2069",
        "درجه ۲",
        # The tracking code keeps its Latin letters and digits, grouped and isolated.
        f"\u2068{format_tracking_code(TRACKING)}\u2069",
    ):
        assert part in text, part
    subject_line = texts.LETTER_SUBJECT.format(subject=make_letter(kind).subject)
    assert subject_line in text
    # No Latin digit is shown except inside a code that has Latin letters.
    without_codes = re.sub("\u2068[^\u2069]*[A-Z][^\u2069]*\u2069", "", text)
    assert not re.search("[0-9]", without_codes)


def test_centre_inquiry_quotes_the_tracking_code_in_its_body() -> None:
    page = render_letter_page(make_letter("centre_inquiry"))
    body = " ".join(box.text for box in page.text_boxes)
    assert f"{texts.LETTER_LABEL_TRACKING_CODE} \u2068{format_tracking_code(TRACKING)}" in body
    assert texts.LETTER_NOT_AUTHENTIC_SECURITY not in body


def test_not_authentic_refers_to_the_organisations_letter() -> None:
    page = render_letter_page(make_letter("not_authentic"))
    body = " ".join(box.text for box in page.text_boxes)
    reference = texts.LETTER_REFERENCE_NUMBER_DATE.format(
        number="\u2068۱۲/۳۴۵/ص\u2069", date="\u2068۱۴۰۵/۰۸/۲۰\u2069"
    )
    assert reference in body
    # An answer to the organisation's letter: «عطف به», not «پیرو» (which follows up one's own).
    assert "عطف به " + reference in body
    assert "پیرو" not in body and "بازگشت" not in body
    assert texts.LETTER_NOT_AUTHENTIC_SECURITY in body


@pytest.mark.parametrize("kind", KINDS)
def test_optional_fields_may_be_none(kind: LetterKind) -> None:
    doc = make_letter(
        kind,
        national_code=None,
        trade=None,
        certificate_number=None,
        certificate_year=None,
        organisation_letter_number=None,
        organisation_letter_date=None,
        body=None,
        verify_url=None,
    )
    png, pdf = render_letter(doc)
    assert png.startswith(b"\x89PNG") and pdf.startswith(b"%PDF-")
    page = render_letter_page(doc)
    text = drawn_text(page.text_boxes)
    for label in (
        texts.DOC_LABEL_NATIONAL_CODE,
        texts.DOC_LABEL_TRADE,
        texts.DOC_LABEL_CERTIFICATE_NUMBER,
        texts.DOC_LABEL_CERTIFICATE_YEAR,
    ):
        assert label not in text
    assert texts.DOC_LABEL_FULL_NAME in text
    assert texts.LETTER_QR_CAPTION not in text
    if kind == "not_authentic":
        assert texts.LETTER_REFERENCE_NONE in " ".join(box.text for box in page.text_boxes)
    assert_inside(page.text_boxes, page.image.size)
    assert not any("…" in box.text for box in page.text_boxes)


@pytest.mark.parametrize(
    ("number", "date", "expected"),
    [
        ("12/345/ص", None, texts.LETTER_REFERENCE_NUMBER.format(number="\u2068۱۲/۳۴۵/ص\u2069")),
        (None, "1405/08/20", texts.LETTER_REFERENCE_DATE.format(date="\u2068۱۴۰۵/۰۸/۲۰\u2069")),
    ],
)
def test_partial_organisation_reference(number: str | None, date: str | None, expected: str):
    doc = make_letter(
        "not_authentic", organisation_letter_number=number, organisation_letter_date=date
    )
    page = render_letter_page(doc)
    assert expected in " ".join(box.text for box in page.text_boxes)


def test_extra_body_paragraphs_are_drawn() -> None:
    body = "پاسخ این استعلام را به نشانی اداره کل ارسال فرمایید.\nنشانی: اهواز، خیابان 12"
    page = render_letter_page(make_letter("not_authentic", body=body))
    text = drawn_text(page.text_boxes)
    assert "خیابان ۱۲" in text
    assert "پاسخ این استعلام" in text


# --- Official elements: letterhead, logo, attachments, copies, footer, the stamp ------------


def official_letter(kind: LetterKind) -> LetterDoc:
    changes: dict[str, object] = dict(official_changes(), verify_url=VERIFY_URL)
    if kind == "not_authentic":
        changes |= {
            "attachments": ("تصویر گواهینامه", "تصویر نامهٔ آن سازمان"),
            "copies": (SECURITY_COPY,),
        }
    else:
        changes |= {
            "attachments": ("تصویر گواهینامه",),
            "copies": ("واحد سنجش و ارزشیابی مهارت جهت پیگیری", "بایگانی"),
        }
    return make_letter(kind, **changes)


@pytest.mark.parametrize("kind", KINDS)
def test_parent_body_is_above_the_organisation(kind: LetterKind) -> None:
    page = render_letter_page(make_letter(kind))
    [parent] = [box for box in page.text_boxes if box.text == texts.DEFAULT_PARENT_BODY]
    [organisation] = [box for box in page.text_boxes if box.text == texts.DOC_ORGANISATION]
    [basmala] = [box for box in page.text_boxes if box.text == texts.LETTER_BASMALA]
    assert basmala.bbox[3] <= parent.bbox[1] < parent.bbox[3] <= organisation.bbox[1]
    none = render_letter_page(make_letter(kind, parent_body=None))
    assert texts.DEFAULT_PARENT_BODY not in drawn_text(none.text_boxes)


def test_logo_is_drawn_above_the_names_in_png_and_pdf() -> None:
    doc = make_letter(logo=logo_png())
    page = render_letter_page(doc)
    [parent] = [box for box in page.text_boxes if box.text == texts.DEFAULT_PARENT_BODY]
    above = ImageChops.invert(page.image.crop((px(110), 0, page.image.width, parent.bbox[1])))
    emblem = above.getbbox()
    assert emblem is not None
    height_mm = (emblem[3] - emblem[1]) * 25.4 / 150
    assert 18 * 0.75 - 1 <= height_mm <= 22 * 0.75 + 1  # the emblem is 3/4 of the logo
    png, pdf = render_letter(doc)
    _, images = page_objects(pdf)
    assert [filters for filters, _ in images] == ["DCTDecode"]
    assert off_the_png(png, pdf) < 300
    with pytest.raises(ValueError):
        render_letter(make_letter(logo=b"GIF89a not really"))


def test_attachments_are_listed_after_peyvast() -> None:
    page = render_letter_page(make_letter(attachments=("تصویر گواهینامه", "تصویر نامه")))
    text = drawn_text(page.text_boxes)
    assert (
        f"{texts.LETTER_LABEL_ATTACHMENT} تصویر گواهینامه{texts.LIST_SEPARATOR}تصویر نامه" in text
    )
    assert texts.LETTER_NO_ATTACHMENT not in text.split(texts.LETTER_LABEL_ATTACHMENT)[1][:20]
    plain = drawn_text(render_letter_page(make_letter()).text_boxes)
    assert f"{texts.LETTER_LABEL_ATTACHMENT} {texts.LETTER_NO_ATTACHMENT}" in plain


@pytest.mark.parametrize("kind", KINDS)
def test_copies_are_listed_after_the_signature(kind: LetterKind) -> None:
    doc = official_letter(kind)
    page = render_letter_page(doc)
    [label] = [box for box in page.text_boxes if texts.DOC_COPIES_LABEL in box.text]
    [title] = [box for box in page.text_boxes if "رئیس اداره سنجش" in box.text]
    first = doc.copies[0].split(" جهت ")[0]
    copies = [box for box in page.text_boxes if first in box.text]
    assert copies
    assert min(box.bbox[1] for box in [*copies, label]) > title.bbox[3]
    assert label.bbox[2] > page.image.width * 0.8  # from the right margin
    if len(doc.copies) > 1:
        lines = [
            box for box in page.text_boxes if any(c.split()[-1] in box.text for c in doc.copies)
        ]
        assert len({box.bbox[1] for box in lines}) >= len(doc.copies)
    assert texts.DOC_COPIES_LABEL not in drawn_text(
        render_letter_page(make_letter(kind)).text_boxes
    )


def test_footer_is_at_the_foot_of_the_letter() -> None:
    page = render_letter_page(official_letter("not_authentic"))
    footer = [box for box in page.text_boxes if "کیانپارس" in box.text or "۶۱۵۵۸" in box.text]
    assert footer
    others = [box for box in page.text_boxes if box not in footer]
    assert max(box.bbox[3] for box in others) < min(box.bbox[1] for box in footer)
    assert max(box.bbox[3] for box in footer) <= px(290)
    text = " ".join(box.text for box in footer)
    assert texts.DOC_FOOTER_PHONE.format(phone="\u2068۰۶۱-۳۳۳۳۴۴۴۴\u2069") in text
    assert texts.DOC_FOOTER_POSTCODE.format(postcode="\u2068۶۱۵۵۸-۱۲۳۴۵\u2069") in text
    assert PHONE and POSTCODE


@pytest.mark.parametrize("kind", KINDS)
def test_stamp_box_leaves_40_mm_clear_between_closing_and_name(kind: LetterKind) -> None:
    page = render_letter_page(official_letter(kind))
    inside = clear_stamp_square(page)
    [closing] = [box for box in page.text_boxes if box.text == texts.LETTER_CLOSING]
    [signer] = [box for box in page.text_boxes if box.text == "زهرا احمدی"]
    assert closing.bbox[3] < inside[1] and signer.bbox[1] >= inside[3]


@pytest.mark.parametrize("kind", KINDS)
def test_official_letter_reads_back_and_looks_like_the_png(kind: LetterKind) -> None:
    doc = official_letter(kind)
    png, pdf = render_letter(doc)
    keep_artifact(f"letter-{kind.replace('_', '-')}-official.png", pdf)
    assert off_the_png(png, pdf) < 300
    assert qr_texts(pdf) == [VERIFY_URL]
    assert_reads(
        pdf_text_layers(pdf),
        [
            texts.LETTER_BASMALA,
            texts.DEFAULT_PARENT_BODY,
            texts.DOC_ORGANISATION,
            texts.DOC_COPIES_LABEL,
            doc.copies[0].split(" جهت ")[0],
            f"{texts.LETTER_LABEL_ATTACHMENT} تصویر گواهینامه",
            "کیانپارس",
            "۰۶۱-۳۳۳۳۴۴۴۴",
            "۶۱۵۵۸-۱۲۳۴۵",
            texts.DOC_SIGNATURE_STAMP,
            "زهرا احمدی",
        ],
    )
    page = render_letter_page(doc)
    assert_inside(page.text_boxes, page.image.size)
    assert_no_overlaps(page.text_boxes)
    assert not any("…" in box.text for box in page.text_boxes)


# --- Justification ---------------------------------------------------------------------------


def test_body_is_justified_except_each_paragraphs_last_line() -> None:
    long_body = "این متن برای آزمودن تراز دوطرفهٔ بند اضافه نوشته شده است و باید بشکند. " * 4
    page = render_letter_page(make_letter(body=long_body))
    lines = [box for box in page.text_boxes if box.region[2] - box.region[0] > px(170)]
    # Group the body's lines by the paragraph box they were drawn in.
    by_region: dict[tuple[int, int, int, int], list[TextBox]] = {}
    for box in lines:
        by_region.setdefault(box.region, []).append(box)
    paragraphs = [group for group in by_region.values() if len(group) >= 3]
    assert len(paragraphs) >= 2  # the intro and the extra paragraph
    for group in paragraphs:
        *inner, last = group
        for box in inner:
            assert abs(box.bbox[2] - box.region[2]) <= 3, box  # flush right ...
            assert abs(box.bbox[0] - box.region[0]) <= 6, box  # ... and flush left
        assert abs(last.bbox[2] - last.region[2]) <= 3
        assert last.bbox[0] - last.region[0] > 20  # the last line is set ragged


def test_bidi_units_keep_left_to_right_runs_together() -> None:
    words = ["به", "شرکت", "Pars", "Oil", "2", "Co.", "در", "2", "نوبت", "\u2068K7M-4QX\u2069"]
    assert bidi_units(words) == [
        "به",
        "شرکت",
        "Pars Oil 2 Co.",
        "در",
        "2",
        "نوبت",
        "\u2068K7M-4QX\u2069",
    ]
    assert bidi_units(["A", "-", "B", "ب", "C", "2"]) == ["A - B", "ب", "C 2"]
    assert bidi_units([]) == []


def test_justified_line_with_a_latin_run_draws_it_in_order() -> None:
    """A Latin phrase inside a justified line reads left to right, as raqm lays it out."""
    phrase = "Pars Oil Co"
    body = ("گواهی می‌شود که شرکت " + phrase + " این نامه را دریافت کرد و ") * 6
    page = render_letter_page(make_letter(body=body))
    face = font(round(12 * 150 / 72))
    canvas = Image.new("L", (800, 120), 255)
    ImageDraw.Draw(canvas).text((10, 60), phrase, fill=0, font=face, anchor="lm")
    expected = ink(canvas)
    justified = [
        box
        for box in page.text_boxes
        if phrase in box.text
        and not box.text.endswith(phrase)
        and abs(box.bbox[0] - box.region[0]) <= 6
    ]
    assert justified
    found = False
    for box in justified:
        strip = page.image.crop(box.bbox)
        for x in range(strip.width - expected.width):
            window = ink(strip.crop((x, 0, x + expected.width + 2, strip.height)))
            if window.size == expected.size:
                diff = ImageStat.Stat(ImageChops.difference(window, expected)).mean[0]
                if diff < 2:
                    found = True
                    break
        if found:
            break
    assert found


# --- Nothing overflows -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_long_values_stay_inside_the_page(kind: LetterKind) -> None:
    long_name = "سید محمدحسین " * 15 + "میرزاآقاخانی‌قاجار"
    page = render_letter_page(
        make_letter(
            kind,
            holder_full_name=long_name,
            recipient="آموزشگاه آزاد فنی و حرفه‌ای " * 12,
            subject="استعلام سوابق آزمون " * 12,
            office_name="حوزه سنجش و ارزشیابی مهارت استان خوزستان " * 6,
            trade="تعمیرکار لوازم خانگی برقی " * 10,
            certificate_number="X" * 80,
            national_code="1" * 60,
            letter_number="1405/" + "9" * 70,
            organisation_letter_number="12/" + "3" * 80,
            signer_name=long_name,
            signer_title="رئیس حوزه سنجش " * 12,
            body="این بند بسیار طولانی است و باید بریده شود. " * 80,
            verify_url=VERIFY_URL,
            parent_body="وزارت تعاون، کار و رفاه اجتماعی " * 8,
            logo=logo_png((200, 2000)),
            footer_address=ADDRESS * 8,
            footer_phone="061-" + "3" * 60,
            footer_postcode="6" * 40,
            attachments=tuple("تصویر گواهینامهٔ مهارت " * 4 for _ in range(8)),
            copies=tuple(SECURITY_COPY * 5 for _ in range(9)),
        )
    )
    assert page.image.size == (1240, 1754)
    assert_inside(page.text_boxes, page.image.size)
    assert_no_overlaps(page.text_boxes)
    assert any(box.text.endswith("…") for box in page.text_boxes)
    # Outside the text area (the footer ends 7 mm above the page's edge) the page stays blank.
    inner = (px(16), px(7), page.image.width - px(16), px(290))
    blank = page.image.copy()
    blank.paste(255, inner)
    assert blank.getextrema() == (255, 255)
    # The QR is still readable.
    assert [code.text for code in zxingcpp.read_barcodes(page.image)] == [VERIFY_URL]


@pytest.mark.parametrize("kind", KINDS)
def test_normal_letter_fits_without_cutting(kind: LetterKind) -> None:
    page = render_letter_page(make_letter(kind, verify_url=VERIFY_URL))
    assert_inside(page.text_boxes, page.image.size)
    assert_no_overlaps(page.text_boxes)
    assert not any("…" in box.text for box in page.text_boxes)


# --- The QR ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [VERIFY_URL, "https://verify.tvto.ir/letters/1405-123?c=K7M4QXPAK"],
)
@pytest.mark.parametrize("kind", KINDS)
def test_qr_decodes_to_exactly_the_url(kind: LetterKind, url: str) -> None:
    png, pdf = render_letter(make_letter(kind, verify_url=url))
    with Image.open(io.BytesIO(png)) as opened:
        image = opened.convert("L")
    document = pdfium.PdfDocument(pdf)
    try:
        from_pdf = document[0].render(scale=150 / 72).to_pil().convert("L")
    finally:
        document.close()
    assert qr_texts(pdf) == [url]  # what the bot's verifier reads from a PDF sent to it
    for shown in (image, from_pdf):
        found = [
            barcode
            for barcode in zxingcpp.read_barcodes(shown)
            if barcode.format == zxingcpp.BarcodeFormat.QRCode
        ]
        assert [barcode.text for barcode in found] == [url]
        # Small, in the signature's column at the left, beside the stamp box.
        position = found[0].position
        xs = [position.top_left.x, position.bottom_right.x]
        ys = [position.top_left.y, position.bottom_right.y]
        assert max(xs) < image.width * 0.25 and min(ys) > image.height * 0.5
        assert max(xs) - min(xs) < px(25)


def test_no_qr_without_a_url() -> None:
    page = render_letter_page(make_letter("not_authentic", verify_url=None))
    assert zxingcpp.read_barcodes(page.image) == []
    with_qr = render_letter_page(make_letter("not_authentic", verify_url=VERIFY_URL))
    changed = ImageChops.difference(page.image, with_qr.image).getbbox()
    assert changed is not None and changed[2] < page.image.width // 2


# --- Catalogue -------------------------------------------------------------------------------


def test_no_persian_text_outside_the_catalogue() -> None:
    arabic_script = re.compile(r"[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]")
    for module in (letters, layout):
        source = Path(module.__file__ or "").read_text(encoding="utf-8")
        assert not arabic_script.search(source), module.__name__
