"""Digits and Persian text normalisation (domain.digits, domain.text)."""

from __future__ import annotations

import pytest

from domain.digits import to_ascii_digits, to_persian_digits
from domain.text import ZWNJ, clean_free_text, comparison_key, normalize_persian

# --- digits ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("0123456789", "0123456789"),
        ("۱۳۷۰/٠٥/03", "1370/05/03"),
        ("کد ۱۲ab", "کد 12ab"),
        ("", ""),
    ],
)
def test_to_ascii_digits(raw: str, expected: str) -> None:
    assert to_ascii_digits(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0123456789", "۰۱۲۳۴۵۶۷۸۹"),
        (1405, "۱۴۰۵"),
        (0, "۰"),
        (-12, "-۱۲"),
        ("1405/08/30", "۱۴۰۵/۰۸/۳۰"),
        ("٣٤", "۳۴"),  # Arabic-Indic shown as Persian too
        ("۱۲", "۱۲"),
        ("abc", "abc"),
    ],
)
def test_to_persian_digits(raw: str | int, expected: str) -> None:
    assert to_persian_digits(raw) == expected


def test_digit_round_trip() -> None:
    for n in (0, 7, 10, 1234567890):
        assert to_ascii_digits(to_persian_digits(n)) == str(n)


# --- normalize_persian ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("علي", "علی"),  # Arabic yeh
        ("موسى", "موسی"),  # alef maksura
        ("كريمي", "کریمی"),  # Arabic kaf and yeh
        ("محـــمد", "محمد"),  # tatweel
        ("مُحَمَّد", "محمد"),  # harakat and shadda
        ("کتاباً", "کتابا"),  # tanwin
        ("ﻋﻠﻰ", "علی"),  # presentation forms pasted from a PDF
        ("ﻙ", "ک"),  # presentation form of Arabic kaf
        ("ab\u200bcd", "abcd"),  # zero width space
        ("ab\u200dcd", "abcd"),  # zero width joiner
        ("\ufeffسلام", "سلام"),  # BOM
        ("می\u200cخواهم", "می\u200cخواهم"),  # ZWNJ kept
        ("فاطمة", "فاطمة"),  # teh marbuta kept in stored text
        ("ABC 123", "ABC 123"),
        ("۱۲۳", "۱۲۳"),  # digits untouched
        ("ＡＢＣ", "ABC"),  # full width
        ("شمارهٔ", "شمارهٔ"),  # ezafe hamza (U+0654) kept
        ("یٔ", "یٔ"),
        ("خانۀ", "خانۀ"),
    ],
)
def test_normalize_persian(raw: str, expected: str) -> None:
    assert normalize_persian(raw) == expected


@pytest.mark.parametrize("raw", ["علي كريمي", "مُحَمَّد", "ﻋﻠﻰ", "می\u200cخواهم", " a  b "])
def test_normalize_persian_is_idempotent(raw: str) -> None:
    once = normalize_persian(raw)
    assert normalize_persian(once) == once


# --- clean_free_text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  سلام   دنیا  ", "سلام دنیا"),
        ("سلام\n\n\tدنیا", "سلام دنیا"),
        ("سلام\u00a0دنیا", "سلام دنیا"),  # no-break space
        ("\u200fسلام\u200e", "سلام"),  # RLM / LRM
        ("\u202bسلام\u202c", "سلام"),  # RLE / PDF
        ("\u202a\u202b\u202c\u202d\u202eX", "X"),
        ("\u2066\u2067\u2068\u2069X", "X"),  # isolates
        ("\u061cX", "X"),  # Arabic letter mark
        ("a\x00b\x07c", "abc"),  # control characters
        ("می\u200cخواهم", "می\u200cخواهم"),  # ZWNJ between letters stays
        ("می\u200c\u200c\u200cخواهم", "می\u200cخواهم"),  # repeated ZWNJ collapsed
        ("می\u200c خواهم", "می خواهم"),  # ZWNJ touching a space dropped
        ("\u200cسلام\u200c", "سلام"),  # ZWNJ at the ends dropped
        ("", ""),
        ("   ", ""),
    ],
)
def test_clean_free_text(raw: str, expected: str) -> None:
    assert clean_free_text(raw) == expected


def test_clean_free_text_keeps_persian_letters_and_punctuation() -> None:
    text = "مرکز شمارهٔ ۱ اهواز، (برق‌کار)!"
    assert clean_free_text(text) == text


# --- comparison_key -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("می\u200cخواهم", "می خواهم"),
        ("می\u200cخواهم", "میخواهم"),
        ("علي كريمي", "علی کریمی"),
        ("برق کار", "برق\u200cکار"),
        ("فاطمة", "فاطمه"),
        ("أحمد", "احمد"),
        ("إسلام", "اسلام"),
        ("خانهٔ", "خانه"),
        ("خانۀ", "خانه"),
        ("Welding 2", "welding ۲"),
        ("  مُحَمَّد  ", "محمد"),
        ("\u200fتهران\u200e", "تهران"),
    ],
)
def test_comparison_key_equal(a: str, b: str) -> None:
    assert comparison_key(a) == comparison_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("علی", "عالی"),
        ("برق کار", "برق کاری"),
        ("1", "2"),
    ],
)
def test_comparison_key_different(a: str, b: str) -> None:
    assert comparison_key(a) != comparison_key(b)


def test_comparison_key_drops_hamza_marks() -> None:
    assert comparison_key("شمارهٔ") == "شماره"
    assert comparison_key("خانۀ") == "خانه"


def test_comparison_key_value() -> None:
    assert comparison_key(" برق\u200cكار  ساختمان ۲ ") == "برقکارساختمان2"
    assert ZWNJ not in comparison_key("می\u200cخواهم")
