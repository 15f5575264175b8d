"""The records registry: known certificates, as the registry books and exam software hold them.

Pure rules, no I/O: how imported values are cleaned, the natural key of a record, how a request
is compared with a record for the staff card, and which classification a record suggests.

Normalisation
-------------
Stored values are *cleaned* and matched by *keys*, with ``domain.text``'s registry functions:
``clean_text`` (the stored spelling), ``normalize_name`` (names, father's names, trades,
centres), ``normalize_code`` (certificate numbers, standard codes) and
``normalize_national_code`` (8 or 9 digits get back their leading zeros). The rules are in
their docstrings.

The natural key
---------------
:func:`record_key` identifies a certificate across imports, so importing a file again updates
its records instead of adding them:

* national code and certificate number known: ``nc:<code>|cn:<number>``;
* certificate number known, national code not: ``nc:|cn:<number>|n:<name key>`` (the name guards
  against two sources numbering their certificates alike);
* otherwise: ``nc:<code or empty>|n:<name key>|t:<trade key>|d:<exam date>``.

A key longer than :data:`RECORD_KEY_MAX` characters (very long names and trades) is replaced by
``h:`` and the SHA-256 of the key in hex.

Exam dates
----------
Stored as Jalali ``YYYY/MM/DD`` text, or ``YYYY`` when the source only knows the year. Gregorian
dates are converted (see :func:`parse_exam_date`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import jdatetime

from domain.deadlines import Classification
from domain.digits import to_ascii_digits
from domain.jalali import current_jalali_year
from domain.text import clean_text, normalize_code, normalize_name, normalize_national_code
from domain.validation import national_code_is_valid

RECORD_KEY_MAX = 200
# The year the office's certificates moved from the registry books to the exam software.
MECHANIZED_FROM_YEAR = 1392
JALALI_YEARS = range(1300, 1500)
GREGORIAN_YEARS = range(1800, 2200)

DateCalendar = Literal["auto", "jalali", "gregorian"]
DateOrder = Literal["auto", "ymd", "dmy", "mdy"]
Outcome = Literal["match", "differs", "missing"]

# Registry fields a source column can be mapped to, with the longest value each can hold
# (the columns of storage.models.RegistryRecord).
FIELD_LIMITS: dict[str, int] = {
    "national_code": 10,
    "first_name": 120,
    "last_name": 120,
    "full_name": 200,
    "father_name": 120,
    "trade": 200,
    "standard_code": 60,
    "certificate_number": 60,
    "exam_date": 10,
    "centre": 200,
    "province": 100,
    "source": 200,
    "format": 20,
}
# Also accepted from a source: the exam year alone, used when there is no exam date.
IMPORT_FIELDS = (*FIELD_LIMITS, "exam_year")

# The fields compared on the staff card, in the order shown.
COMPARED_FIELDS = (
    "full_name",
    "father_name",
    "national_code",
    "trade",
    "certificate_number",
    "year",
    "centre",
)


RejectKind = Literal["national_code", "name", "exam_date", "format", "identity", "too_long"]


class RowRejected(ValueError):
    """A source row (or one of its values) cannot become a registry record: ``reason`` says
    why (English, for the person running the import; it never repeats a national code),
    ``kind`` which check failed (for counting), ``field`` the registry field at fault when
    one is."""

    def __init__(self, reason: str, kind: RejectKind, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind: RejectKind = kind
        self.field = field


def text_of(value: object) -> str | None:
    """A source value (text, number, date, None) as text; empty text and bytes are None."""
    if isinstance(value, str):
        text = clean_text(value)
        return text or None
    if value is None or isinstance(value, bytes | bytearray | memoryview):
        return None
    if isinstance(value, bool):
        text = "1" if value else "0"
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, decimal.Decimal):
        text = str(int(value)) if value == value.to_integral_value() else str(value)
    elif isinstance(value, dt.datetime | dt.date):
        text = value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    else:
        text = str(value)
    text = clean_text(text)
    return text or None


def _key_or_none(s: str | None) -> str | None:
    return (normalize_name(s) or None) if s else None


def _code_or_none(s: str | None) -> str | None:
    return (normalize_code(s) or None) if s else None


def _national_or_none(s: str | None) -> str | None:
    return (normalize_national_code(s) or None) if s else None


def record_key(
    national_code: str | None,
    certificate_number: str | None,
    full_name: str | None,
    trade: str | None,
    exam_date: str | None,
) -> str:
    """The natural key of a registry record (see the module docstring)."""
    return _compose_key(
        _national_or_none(national_code),
        _code_or_none(certificate_number),
        _key_or_none(full_name),
        _key_or_none(trade),
        exam_date,
    )


def _compose_key(
    nc: str | None, cn: str | None, name: str | None, trade: str | None, exam_date: str | None
) -> str:
    """:func:`record_key` from values already normalised."""
    if cn and nc:
        key = f"nc:{nc}|cn:{cn}"
    elif cn:
        key = f"nc:|cn:{cn}|n:{name or ''}"
    else:
        date = to_ascii_digits(exam_date or "").strip()
        key = f"nc:{nc or ''}|n:{name or ''}|t:{trade or ''}|d:{date}"
    if len(key) > RECORD_KEY_MAX:
        key = "h:" + hashlib.sha256(key.encode()).hexdigest()
    return key


# --- Formats and dates ----------------------------------------------------------------------

_FORMAT_WORDS: dict[Classification, tuple[str, ...]] = {
    Classification.OLD_BOOKS: (
        "old_books",
        "old books",
        "old",
        "قدیم",
        "فرمت قدیم",
        "دفاتر ثبت",
        "دفتر ثبت",
        "دفتر",
    ),
    Classification.OLD_CENTRE: (
        "old_centre",
        "old_center",
        "old centre",
        "centre",
        "center",
        "بایگانی مرکز",
        "بایگانی مراکز",
        "بایگانی",
        "مرکز",
    ),
    Classification.MECHANIZED: ("mechanized", "mechanised", "مکانیزه", "سامانه"),
}
_FORMAT_BY_KEY = {normalize_name(w): c for c, words in _FORMAT_WORDS.items() for w in words}


def parse_format(s: str) -> Classification | None:
    """A format column's value (``old_books``, ``مکانیزه``, ``دفاتر ثبت``, …) or None."""
    return _FORMAT_BY_KEY.get(normalize_name(s))


_DATE_PARTS_RE = re.compile(r"^(\d{1,4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,4})(?:[ T].*)?$")


def _expand_year(yy: int, current_year: int) -> int:
    return 1400 + yy if 1400 + yy <= current_year else 1300 + yy


@functools.lru_cache(maxsize=512)
def _jalali_leap(year: int) -> bool:
    leap: bool = jdatetime.date(year, 1, 1).isleap()
    return leap


def _jalali_month_length(year: int, month: int) -> int:
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if _jalali_leap(year) else 29


def _to_jalali(
    year: int, month: int, day: int, calendar: DateCalendar, raw: str
) -> tuple[int, int, int]:
    """(year, month, day) read as ``calendar`` says, returned as a valid Jalali date."""
    is_jalali = calendar == "jalali" or (calendar == "auto" and year in JALALI_YEARS)
    if is_jalali:
        if year not in JALALI_YEARS:
            raise RowRejected(f"exam date {raw!r}: year {year} is not a Jalali year", "exam_date")
        if not (1 <= month <= 12 and 1 <= day <= _jalali_month_length(year, month)):
            raise RowRejected(f"exam date {raw!r} is not a real Jalali date", "exam_date")
        return year, month, day
    if year not in GREGORIAN_YEARS:
        raise RowRejected(
            f"exam date {raw!r}: year {year} is neither Jalali nor Gregorian", "exam_date"
        )
    try:
        gregorian = dt.date(year, month, day)
    except ValueError:
        raise RowRejected(f"exam date {raw!r} is not a real Gregorian date", "exam_date") from None
    j = jdatetime.date.fromgregorian(date=gregorian)
    return j.year, j.month, j.day


def parse_exam_date(
    value: object,
    calendar: DateCalendar = "auto",
    order: DateOrder = "auto",
    current_year: int | None = None,
) -> str | None:
    """A source's exam date as Jalali ``YYYY/MM/DD`` (or ``YYYY`` for a year alone).

    ``value`` is text in any digit script (``1370/05/03``, ``۱۳۷۰-۵-۳``, ``13700503``,
    ``1948-12-08 00:00:00``, ``03/05/1370``, ``70/5/3``) or a ``datetime``/``date``.
    ``calendar`` says how to read the year: ``jalali``, ``gregorian`` (converted to Jalali) or
    ``auto`` (years 1300–1499 are Jalali, 1800–2199 Gregorian). A ``date`` object is Gregorian,
    except that a year of 1300–1499 (Jalali digits typed into a date column) is read as Jalali
    unless ``calendar`` is ``gregorian``. ``order`` is the order of the parts when the year is
    not first: ``auto`` reads a Jalali ``DD/MM/YYYY`` and a Gregorian ``MM/DD/YYYY`` only when
    one part is over 12 (otherwise the date is rejected as ambiguous). Two-digit years are
    Jalali: ``70`` is 1370 and ``02`` is 1402 (14YY while that is not after ``current_year``).

    Returns None for an empty value.

    Raises:
        RowRejected: the value is not a date this function can read.
    """
    if value is None:
        return None
    if isinstance(value, dt.date):
        raw_date = value.date().isoformat() if isinstance(value, dt.datetime) else str(value)
        if calendar != "gregorian" and value.year in JALALI_YEARS:
            y, m, d = _to_jalali(value.year, value.month, value.day, "jalali", raw_date)
        else:
            y, m, d = _to_jalali(value.year, value.month, value.day, "gregorian", raw_date)
        if y > (current_year or current_jalali_year()):
            raise RowRejected(f"exam date {raw_date!r} is in the future", "exam_date")
        return f"{y:04d}/{m:02d}/{d:02d}"
    raw = text_of(value)
    if raw is None or raw in ("(Empty Date)",):
        return None
    text = to_ascii_digits(unicodedata.normalize("NFKC", raw)).strip()
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        if calendar == "gregorian" or (calendar == "auto" and year not in JALALI_YEARS):
            raise RowRejected(f"exam year {raw!r} is not a Jalali year", "exam_date")
        return text
    if re.fullmatch(r"\d{2}", text) and calendar != "gregorian":
        return str(_expand_year(int(text), current_year or current_jalali_year()))
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}/{text[4:6]}/{text[6:]}"
    match = _DATE_PARTS_RE.match(text)
    if not match:
        raise RowRejected(f"unparseable exam date {raw!r}", "exam_date")
    a, b, c = match.groups()
    if current_year is None:
        current_year = current_jalali_year()
    if len(a) == 4 or (len(a) == 2 and len(c) <= 2 and order in ("auto", "ymd")):
        year_text, month, day = a, int(b), int(c)
    elif len(c) in (2, 4) and len(a) <= 2:
        first, second = int(a), int(b)
        year_text = c
        year_guess = int(c) if len(c) == 4 else 1300
        jalali = calendar == "jalali" or (calendar == "auto" and year_guess in JALALI_YEARS)
        if order == "dmy" or (order == "auto" and jalali):
            day, month = first, second
        elif order == "mdy":
            month, day = first, second
        elif first > 12 >= second:
            day, month = first, second
        elif second > 12 >= first:
            month, day = first, second
        else:
            raise RowRejected(f"exam date {raw!r} is ambiguous (day and month order)", "exam_date")
    else:
        raise RowRejected(f"unparseable exam date {raw!r}", "exam_date")
    if len(year_text) == 2:
        if calendar == "gregorian":
            raise RowRejected(f"exam date {raw!r} has a two-digit Gregorian year", "exam_date")
        year = _expand_year(int(year_text), current_year)
        y, m, d = _to_jalali(year, month, day, "jalali", raw)
    else:
        y, m, d = _to_jalali(int(year_text), month, day, calendar, raw)
    if y > current_year:
        raise RowRejected(f"exam date {raw!r} is in the future", "exam_date")
    return f"{y:04d}/{m:02d}/{d:02d}"


def exam_year(exam_date: str | None) -> int | None:
    """The Jalali year of a stored exam date (``YYYY/MM/DD`` or ``YYYY``), or None."""
    if not exam_date:
        return None
    head = to_ascii_digits(exam_date.strip())[:4]
    return int(head) if head.isdigit() and len(head) == 4 else None


# --- Rows -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegistryRow:
    """One certificate as imported: cleaned values, ready to store (keys derived on demand)."""

    national_code: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None
    father_name: str | None = None
    trade: str | None = None
    standard_code: str | None = None
    certificate_number: str | None = None
    exam_date: str | None = None
    centre: str | None = None
    province: str | None = None
    source: str | None = None
    format: str | None = None

    @property
    def record_key(self) -> str:
        """The natural key (see :func:`record_key`)."""
        return record_key(
            self.national_code,
            self.certificate_number,
            self.full_name,
            self.trade,
            self.exam_date,
        )

    def values(self) -> dict[str, str | None]:
        """The record's column values, with the natural key and the matching keys.

        National code, certificate number and standard code are given in their normal form
        (as :func:`make_row` already leaves them), so the stored record and its key agree
        whoever built the row.
        """
        values: dict[str, str | None] = {name: getattr(self, name) for name in FIELD_LIMITS}
        nc = values["national_code"] = _national_or_none(self.national_code)
        cn = values["certificate_number"] = _code_or_none(self.certificate_number)
        values["standard_code"] = _code_or_none(self.standard_code)
        name = values["name_key"] = _key_or_none(self.full_name)
        values["father_key"] = _key_or_none(self.father_name)
        trade = values["trade_key"] = _key_or_none(self.trade)
        values["record_key"] = _compose_key(nc, cn, name, trade, self.exam_date)
        return values


def make_row(
    fields: Mapping[str, object],
    *,
    calendar: DateCalendar = "auto",
    order: DateOrder = "auto",
    current_year: int | None = None,
    optional_errors: list[RowRejected] | None = None,
) -> RegistryRow:
    """Clean and check one source row given as registry field → value (see IMPORT_FIELDS).

    When ``optional_errors`` is a list, an unreadable value in a field the row can do without
    (exam date, exam year, format) does not reject the row: the field is left empty and its
    error, naming the field, is appended to the list.

    Raises:
        RowRejected: the row cannot be a record: no name, a national code that is not valid,
            an unreadable exam date or format (unless ``optional_errors`` is given), too
            little to identify it, or a value too long.
        ValueError: ``fields`` names a field the registry does not have (a programming error).
    """
    unknown = set(fields) - set(IMPORT_FIELDS)
    if unknown:
        raise ValueError(f"not registry fields: {', '.join(sorted(unknown))}")
    text = {name: text_of(fields.get(name)) for name in IMPORT_FIELDS}

    national_code = text["national_code"]
    if national_code is not None:
        national_code = normalize_national_code(national_code)
        if not (national_code.isascii() and national_code.isdigit()):
            raise RowRejected("national code is not all digits", "national_code")
        if len(national_code) != 10:
            raise RowRejected(
                f"national code has {len(national_code)} digits, not 10", "national_code"
            )
        if not national_code_is_valid(national_code):
            raise RowRejected("invalid national code check digit", "national_code")

    first, last, full = text["first_name"], text["last_name"], text["full_name"]
    if full is None and (first or last):
        full = " ".join(part for part in (first, last) if part)
    if full is None or not normalize_name(full):
        raise RowRejected("no name", "name")

    def optional(name: str, read: Callable[[], str | None]) -> str | None:
        try:
            return read()
        except RowRejected as exc:
            exc.field = name
            if optional_errors is None:
                raise
            optional_errors.append(exc)
            return None

    exam_date = optional(
        "exam_date",
        lambda: parse_exam_date(fields.get("exam_date"), calendar, order, current_year),
    ) or optional(
        "exam_year", lambda: parse_exam_date(text["exam_year"], "jalali", order, current_year)
    )
    fmt = optional("format", lambda: _format_value(text["format"]))

    certificate_number = _code_or_none(text["certificate_number"])
    if not (national_code or certificate_number or exam_date or text["trade"]):
        raise RowRejected(
            "too little to identify the record (needs a national code, certificate number, "
            "trade or exam date)",
            "identity",
        )
    row = RegistryRow(
        national_code=national_code,
        first_name=first,
        last_name=last,
        full_name=full,
        father_name=text["father_name"],
        trade=text["trade"],
        standard_code=_code_or_none(text["standard_code"]),
        certificate_number=certificate_number,
        exam_date=exam_date,
        centre=text["centre"],
        province=text["province"],
        source=text["source"],
        format=fmt,
    )
    for name, limit in FIELD_LIMITS.items():
        value = getattr(row, name)
        if value is not None and len(value) > limit:
            raise RowRejected(f"{name} longer than {FIELD_LIMITS[name]} characters", "too_long")
    return row


def _format_value(text: str | None) -> str | None:
    if text is None:
        return None
    classification = parse_format(text)
    if classification is None:
        raise RowRejected(f"unknown format {text!r}", "format")
    return classification.value


# --- Comparison with a request --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Comparison:
    """One field of a request set against the registry's record, for the staff card."""

    field: str
    given: str | None
    registry: str | None
    outcome: Outcome


def _value(mapping: Mapping[str, object], *names: str) -> str | None:
    for name in names:
        text = text_of(mapping.get(name))
        if text is not None:
            return text
    return None


def _record_name(record: Mapping[str, object]) -> str | None:
    full = _value(record, "full_name")
    if full is not None:
        return full
    parts = [p for p in (_value(record, "first_name"), _value(record, "last_name")) if p]
    return " ".join(parts) or None


def _outcome(given: str | None, registry: str | None, key: Callable[[str], str]) -> Outcome:
    if given is None or registry is None:
        return "missing"
    a, b = key(given), key(registry)
    if not a or not b:
        return "missing"
    return "match" if a == b else "differs"


def _year_text(value: str | None) -> str | None:
    if value is None:
        return None
    year = exam_year(value)
    return str(year) if year is not None else None


def compare(
    request_fields: Mapping[str, str | int | None], record: Mapping[str, str | int | None]
) -> list[Comparison]:
    """Compare a request with a registry record, field by field, in :data:`COMPARED_FIELDS`.

    ``request_fields`` uses the request's names (``full_name``, ``father_name``,
    ``national_code``, ``trade``, ``certificate_number``, ``certificate_year``,
    ``training_centre`` or ``centre``); ``record`` the registry's (``full_name`` or
    ``first_name`` + ``last_name``, ``father_name``, ``national_code``, ``trade``,
    ``certificate_number``, ``exam_date``, ``centre``). The ``year`` field sets the request's
    certificate year against the record's exam year. A field is ``missing`` when either side
    has no value, ``match`` when their keys are equal, ``differs`` otherwise.
    """
    pairs: list[tuple[str, str | None, str | None, Callable[[str], str]]] = [
        ("full_name", _value(request_fields, "full_name"), _record_name(record), normalize_name),
        (
            "father_name",
            _value(request_fields, "father_name"),
            _value(record, "father_name"),
            normalize_name,
        ),
        (
            "national_code",
            _value(request_fields, "national_code"),
            _value(record, "national_code"),
            normalize_national_code,
        ),
        ("trade", _value(request_fields, "trade"), _value(record, "trade"), normalize_name),
        (
            "certificate_number",
            _value(request_fields, "certificate_number"),
            _value(record, "certificate_number"),
            normalize_code,
        ),
        (
            "year",
            _year_text(_value(request_fields, "certificate_year")),
            _year_text(_value(record, "exam_date")),
            str,
        ),
        (
            "centre",
            _value(request_fields, "training_centre", "centre"),
            _value(record, "centre"),
            normalize_name,
        ),
    ]
    return [
        Comparison(field, given, registry, _outcome(given, registry, key))
        for field, given, registry, key in pairs
    ]


def suggest_classification(record: Mapping[str, object]) -> Classification | None:
    """The classification a record suggests: its format column if it has a known one, else by
    exam year (before 1392: old format in the registry books; from 1392: mechanized)."""
    fmt = text_of(record.get("format"))
    if fmt is not None:
        classification = parse_format(fmt)
        if classification is not None:
            return classification
    year = exam_year(text_of(record.get("exam_date")))
    if year is None:
        return None
    return Classification.OLD_BOOKS if year < MECHANIZED_FROM_YEAR else Classification.MECHANIZED
