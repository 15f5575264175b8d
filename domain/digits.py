"""Conversion between ASCII, Persian (U+06F0..U+06F9) and Arabic-Indic (U+0660..U+0669) digits.

People type numbers in whichever script their keyboard gives them; everything we store or
compare uses ASCII digits, and everything we show uses Persian digits.
"""

from __future__ import annotations

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
ASCII_DIGITS = "0123456789"

_TO_ASCII = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, ASCII_DIGITS * 2)
_TO_PERSIAN = str.maketrans(ASCII_DIGITS + ARABIC_INDIC_DIGITS, PERSIAN_DIGITS * 2)


def to_ascii_digits(s: str) -> str:
    """Return ``s`` with Persian and Arabic-Indic digits replaced by ASCII digits.

    Every other character is left untouched.
    """
    return s.translate(_TO_ASCII)


def to_persian_digits(s: str | int) -> str:
    """Return ``s`` (or the decimal form of an int) with ASCII and Arabic-Indic digits shown as
    Persian digits, for display.

    Every other character is left untouched, so ``"1405/08/30"`` becomes ``"۱۴۰۵/۰۸/۳۰"``.
    """
    return str(s).translate(_TO_PERSIAN)


# The largest id a BIGINT column holds: anything larger typed or sent by people is no id.
MAX_ID = 2**63 - 1


def parse_id(text: str) -> int | None:
    """A positive id (a request, a serial, an account) from people's input, in any digits;
    None for anything else, a number beyond 64 bits included."""
    digits = to_ascii_digits(text.strip())
    if not 1 <= len(digits) <= 19 or not (digits.isascii() and digits.isdigit()):
        return None
    value = int(digits)
    return value if 0 < value <= MAX_ID else None
