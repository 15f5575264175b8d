"""Parsers for what people type into the bot.

Each parser takes the raw message text and either returns the value to store or raises
:class:`InvalidInput` whose ``message`` is the Persian text to show (from ``domain.texts``,
numbers already in Persian digits). Parsers are tolerant of how people actually type: Persian,
Arabic-Indic, full-width and ASCII digits; Arabic ي/ك; stray spaces, dashes and invisible
characters (bidi marks copied along with a number); and common date layouts.

Two-digit years (dates and years) are read as 14YY when that is not after the current Jalali
year, otherwise as 13YY: ``70`` → 1370, ``02`` → 1402.
"""

from __future__ import annotations

import re
import unicodedata

import jdatetime

from domain import texts
from domain.digits import to_ascii_digits, to_persian_digits
from domain.jalali import today_jalali
from domain.text import HAMZA_MARKS, ZWNJ, clean_free_text, comparison_key, normalize_persian

NAME_MAX_LEN = 60
NAME_MIN_LETTERS = 2
TITLE_MAX_LEN = 100
TITLE_MIN_LETTERS = 3
NATIONAL_CODE_LENGTH = 10
CERTIFICATE_MAX_LEN = 30
BIRTH_EARLIEST_YEAR = 1300
GREGORIAN_YEARS = range(1900, 2101)


class InvalidInput(ValueError):
    """The input cannot be accepted; ``message`` is the Persian text to show the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _fa(n: int) -> str:
    return to_persian_digits(n)


def _clean(s: str) -> str:
    return clean_free_text(normalize_persian(s))


# Every kind of dash people (or their keyboards) produce, and tatweel, which looks like one.
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\u0640"
_DASH_RE = re.compile(f"[{re.escape(_DASHES)}]")


def _compact_number(s: str, *, drop: str = "") -> str:
    """NFKC, ASCII digits, no control/format characters, no whitespace, dashes or ``drop``."""
    s = unicodedata.normalize("NFKC", s)
    s = to_ascii_digits(s)
    s = "".join(
        ch
        for ch in s
        if not ch.isspace()
        and ch not in _DASHES
        and ch not in drop
        and unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    )
    return s


def _is_ascii_digits(s: str) -> bool:
    return re.fullmatch(r"[0-9]+", s) is not None


def _expand_two_digit_year(yy: int, current_year: int) -> int:
    return 1400 + yy if 1400 + yy <= current_year else 1300 + yy


# --- Names ----------------------------------------------------------------------------------

# Letters of the Persian alphabet plus the Arabic-script letters that occur in Iranian names.
_NAME_LETTERS = frozenset("آأإءئؤابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیۀة")
# Also allowed in a name, but not counted as letters: space, ZWNJ and the hamza marks (هٔ).
_NAME_EXTRAS = frozenset(" " + ZWNJ + HAMZA_MARKS)


def parse_person_name(s: str) -> str:
    """A first or last name in Persian letters (spaces and ZWNJ allowed), 2..60 characters.

    Returns the cleaned, normalised name (Arabic ي/ك become ی/ک, diacritics removed).
    """
    text = _clean(s)
    if not text:
        raise InvalidInput(texts.ERR_EMPTY)
    if any(ch not in _NAME_LETTERS and ch not in _NAME_EXTRAS for ch in text):
        raise InvalidInput(texts.ERR_NAME_CHARS)
    if len(text) > NAME_MAX_LEN:
        raise InvalidInput(texts.ERR_TOO_LONG.format(limit=_fa(NAME_MAX_LEN)))
    if sum(ch in _NAME_LETTERS for ch in text) < NAME_MIN_LETTERS:
        raise InvalidInput(texts.ERR_NAME_SHORT)
    return text


def parse_full_name(s: str) -> str:
    """A holder's full name as a document prints it: a name (:func:`parse_person_name`) of at
    least two words, the given name and the family name («مریم احمدی»), each of at least two
    letters."""
    text = parse_person_name(s)
    words = [w for w in text.replace(ZWNJ, "").split(" ") if w]
    if len(words) < 2 or any(sum(ch in _NAME_LETTERS for ch in w) < 2 for w in words[:2]):
        raise InvalidInput(texts.ERR_FULL_NAME_WORDS)
    return text


def parse_official_name(s: str) -> str:
    """A staff member's official name, as printed on the documents they sign: a person's name
    in Persian letters (:func:`parse_person_name`), with the refusals worded for staff."""
    if not _clean(s):
        raise InvalidInput(texts.STAFF_NAME_MISSING)
    try:
        return parse_person_name(s)
    except InvalidInput as invalid:
        raise InvalidInput(texts.STAFF_NAME_INVALID.format(reason=invalid.message)) from None


# Also allowed in an official title: digits and the punctuation posts are written with
# («معاون آموزش و پژوهش (سرپرست)», «رئیس اداره ۲»).
_TITLE_EXTRAS = _NAME_EXTRAS | frozenset("۰۱۲۳۴۵۶۷۸۹،-()/")


def parse_official_title(s: str) -> str:
    """A staff member's official title, printed under their name on what they sign (e.g.
    «مدیرکل آموزش فنی و حرفه‌ای استان خوزستان»): Persian letters, spaces, ZWNJ, digits (kept
    as Persian digits) and «، - ( ) /», at most :data:`TITLE_MAX_LEN` characters."""
    text = to_persian_digits(_clean(s))
    if not text:
        raise InvalidInput(texts.STAFF_TITLE_MISSING)
    if any(ch not in _NAME_LETTERS and ch not in _TITLE_EXTRAS for ch in text):
        raise InvalidInput(texts.STAFF_TITLE_CHARS)
    if len(text) > TITLE_MAX_LEN:
        raise InvalidInput(texts.STAFF_TITLE_TOO_LONG.format(limit=_fa(TITLE_MAX_LEN)))
    if sum(ch in _NAME_LETTERS for ch in text) < TITLE_MIN_LETTERS:
        raise InvalidInput(texts.STAFF_TITLE_SHORT)
    return text


# --- National code --------------------------------------------------------------------------


def national_code_is_valid(code: str) -> bool:
    """True if ``code`` is 10 ASCII digits, not all the same, with a correct check digit."""
    if len(code) != NATIONAL_CODE_LENGTH or not _is_ascii_digits(code):
        return False
    if len(set(code)) == 1:
        return False
    digits = [int(ch) for ch in code]
    rest = sum(d * (10 - i) for i, d in enumerate(digits[:9])) % 11
    return digits[9] == (rest if rest < 2 else 11 - rest)


def parse_national_code(s: str) -> str:
    """An Iranian national code (کد ملی): 10 digits in any script; spaces and dashes ignored.

    Returns the 10 ASCII digits.
    """
    code = _compact_number(s)
    if not code:
        raise InvalidInput(texts.ERR_EMPTY)
    if not _is_ascii_digits(code):
        raise InvalidInput(texts.ERR_NATIONAL_CODE_DIGITS)
    if len(code) != NATIONAL_CODE_LENGTH:
        raise InvalidInput(texts.ERR_NATIONAL_CODE_LENGTH)
    if not national_code_is_valid(code):
        raise InvalidInput(texts.ERR_NATIONAL_CODE_CHECK)
    return code


# --- Dates ----------------------------------------------------------------------------------

# Characters people put between year, month and day: slashes (including the Arabic date
# separator ؍ and look-alikes), dashes and tatweel, dots, the Arabic decimal and thousands
# separators ٫ ٬, commas, backslash, bar, colon, and ZWNJ.
_DATE_SEPARATORS_RE = re.compile(
    "[" + re.escape("/\\\u060d\u2044\u2215" + _DASHES + ".\u066b\u066c,\u060c|:" + ZWNJ) + "]+"
)
_DATE_TOKEN_RE = re.compile(r"[0-9]+|[^\W\d_]+|\S")


def _month_key(word: str) -> str:
    return comparison_key(word).replace("آ", "ا")


_MONTHS_BY_KEY = {_month_key(name): i + 1 for i, name in enumerate(texts.JALALI_MONTH_NAMES)}
_MONTHS_BY_KEY.update({_month_key(name): m for name, m in texts.JALALI_MONTH_ALIASES.items()})


def _date_parts(s: str) -> tuple[str, str, str]:
    """Split a typed date into (year, month, day) digit strings; month may come from a name."""
    text = to_ascii_digits(unicodedata.normalize("NFKC", s))
    text = _DATE_SEPARATORS_RE.sub(" ", text)
    text = _clean(text)
    if not text:
        raise InvalidInput(texts.ERR_EMPTY)
    tokens = _DATE_TOKEN_RE.findall(text)
    numbers = [t for t in tokens if _is_ascii_digits(t)]
    words = [t for t in tokens if not _is_ascii_digits(t)]
    if not words:
        if len(numbers) == 1 and len(numbers[0]) == 8:  # 13700503
            n = numbers[0]
            return n[:4], n[4:6], n[6:]
        if len(numbers) == 3:
            first, month, last = numbers
            if len(first) <= 2 and len(last) == 4:  # 03/05/1370: day first
                return last, month, first
            return first, month, last
        raise InvalidInput(texts.ERR_DATE_FORMAT)
    if len(words) == 1 and len(numbers) == 2 and _month_key(words[0]) in _MONTHS_BY_KEY:
        month = str(_MONTHS_BY_KEY[_month_key(words[0])])
        first, second = numbers
        if len(first) >= 3 and len(second) <= 2:  # ۱۳۷۰ مرداد ۳
            return first, month, second
        return second, month, first  # ۳ مرداد ۱۳۷۰, ۳ مرداد ۷۰
    raise InvalidInput(texts.ERR_DATE_FORMAT)


def parse_jalali_date(
    s: str,
    *,
    today: jdatetime.date | None = None,
    earliest_year: int = BIRTH_EARLIEST_YEAR,
    range_message: str = texts.ERR_DATE_RANGE_GENERIC,
) -> jdatetime.date:
    """A Jalali date between the start of ``earliest_year`` and ``today`` (Tehran) inclusive.

    Accepts ``1370/5/3``, ``۱۳۷۰/۰۵/۰۳``, ``1370-05-03``, ``۱۳۷۰٫۵٫۳``, ``70/5/3``,
    ``03/05/1370`` (day first when the year has four digits and comes last), ``13700503``,
    ``۳ مرداد ۱۳۷۰`` and spaces anywhere between the parts. ``range_message`` is the
    catalogue text (with an ``{earliest}`` field) used when the date is out of range.
    """
    if today is None:
        today = today_jalali()
    year_text, month_text, day_text = _date_parts(s)
    if len(month_text) > 2 or len(day_text) > 2 or len(year_text) not in (2, 4):
        raise InvalidInput(texts.ERR_DATE_FORMAT)
    year, month, day = int(year_text), int(month_text), int(day_text)
    if len(year_text) == 2:
        year = _expand_two_digit_year(year, today.year)
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise InvalidInput(texts.ERR_DATE_IMPOSSIBLE)
    if year in GREGORIAN_YEARS:
        raise InvalidInput(texts.ERR_DATE_GREGORIAN)
    out_of_range = InvalidInput(range_message.format(earliest=_fa(earliest_year)))
    if not earliest_year <= year <= today.year:
        raise out_of_range
    try:
        date = jdatetime.date(year, month, day)
    except ValueError:
        raise InvalidInput(texts.ERR_DATE_IMPOSSIBLE) from None
    if date > today:
        raise out_of_range
    return date


def parse_birth_date(s: str, today: jdatetime.date | None = None) -> jdatetime.date:
    """A Jalali birth date: from 1300 up to today (no minimum age)."""
    return parse_jalali_date(
        s, today=today, earliest_year=BIRTH_EARLIEST_YEAR, range_message=texts.ERR_DATE_RANGE
    )


def parse_jalali_year(s: str, *, today: jdatetime.date | None = None, earliest: int = 1340) -> int:
    """A Jalali year between ``earliest`` and the current year; ``85`` means 1385."""
    if today is None:
        today = today_jalali()
    latest: int = today.year
    error = InvalidInput(texts.ERR_YEAR.format(earliest=_fa(earliest), latest=_fa(latest)))
    raw = _compact_number(s)
    if not raw:
        raise InvalidInput(texts.ERR_EMPTY)
    if not _is_ascii_digits(raw) or len(raw) not in (2, 4):
        raise error
    year = int(raw) if len(raw) == 4 else _expand_two_digit_year(int(raw), latest)
    if not earliest <= year <= latest:
        raise error
    return year


# --- Mobile numbers -------------------------------------------------------------------------


def parse_mobile(s: str) -> str:
    """An Iranian mobile number in any usual form; returns ``"09xxxxxxxxx"``.

    Accepts 09xxxxxxxxx, 9xxxxxxxxx, +989xxxxxxxxx, 00989xxxxxxxxx, 989xxxxxxxxx (and the
    common +98 09xxxxxxxxx), in any digit script, with spaces, dashes or parentheses.
    """
    raw = _compact_number(s, drop="()")
    if not raw:
        raise InvalidInput(texts.ERR_EMPTY)
    if raw.startswith("+"):
        raw = "00" + raw[1:]
    if not _is_ascii_digits(raw):
        raise InvalidInput(texts.ERR_MOBILE)
    for prefix in ("0098", "98"):
        if raw.startswith(prefix) and len(raw) - len(prefix) in (10, 11):
            raw = raw[len(prefix) :]
            break
    if len(raw) == 10 and raw.startswith("9"):
        raw = "0" + raw
    if len(raw) != 11 or not raw.startswith("09"):
        raise InvalidInput(texts.ERR_MOBILE)
    return raw


def normalize_contact_phone(phone: str) -> str | None:
    """The canonical ``"09xxxxxxxxx"`` of a shared Telegram contact's ``phone_number``
    (``"989121234567"``, ``"+989121234567"``, ...), or None if it is not an Iranian mobile."""
    try:
        return parse_mobile(phone)
    except InvalidInput:
        return None


# --- Certificate number ---------------------------------------------------------------------

_SLASHES = "/\u2044\u2215\u060d\\"


def parse_certificate_number(s: str) -> str:
    """A certificate number: digits, Latin letters (upper-cased), ``-`` and ``/``; at most 30.

    Digits in any script become ASCII; spaces are removed; every dash becomes ``-`` and
    slash look-alikes become ``/``.
    """
    text = unicodedata.normalize("NFKC", s)
    text = to_ascii_digits(text)
    text = "".join(
        ch
        for ch in text
        if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    )
    text = _DASH_RE.sub("-", text)
    text = re.sub(f"[{re.escape(_SLASHES)}]", "/", text)
    text = text.upper()
    if not text:
        raise InvalidInput(texts.ERR_EMPTY)
    if (
        len(text) > CERTIFICATE_MAX_LEN
        or re.fullmatch(r"[0-9A-Z/-]+", text) is None
        or re.search(r"[0-9A-Z]", text) is None
    ):
        raise InvalidInput(texts.ERR_CERTIFICATE_NUMBER)
    return text


# --- Free text ------------------------------------------------------------------------------


def parse_free_text(s: str, *, max_len: int = 100, min_len: int = 2) -> str:
    """Short free text such as a trade or a training centre: cleaned and normalised, with at
    least one letter, ``min_len``..``max_len`` characters."""
    text = _clean(s)
    if not text:
        raise InvalidInput(texts.ERR_EMPTY)
    if len(text) > max_len:
        raise InvalidInput(texts.ERR_TOO_LONG.format(limit=_fa(max_len)))
    if not any(unicodedata.category(ch).startswith("L") for ch in text):
        raise InvalidInput(texts.ERR_FREE_TEXT_CHARS)
    if len(text) < min_len:
        raise InvalidInput(texts.ERR_TOO_SHORT.format(limit=_fa(min_len)))
    return text


def parse_letter_number(s: str) -> str:
    """An official letter's number, such as ``۱۲۳/ص/۱۴۰۵``: 1–40 characters with a digit."""
    text = _clean(s)
    if not text:
        raise InvalidInput(texts.ERR_EMPTY)
    if len(text) > 40:
        raise InvalidInput(texts.ERR_TOO_LONG.format(limit=_fa(40)))
    if not any(ch.isdigit() for ch in text):
        raise InvalidInput(texts.ERR_LETTER_NUMBER)
    return to_ascii_digits(text)
