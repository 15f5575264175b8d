"""Parsers of what people type (domain.validation)."""

from __future__ import annotations

from collections.abc import Callable

import jdatetime
import pytest

from domain import texts
from domain.jalali import format_jalali, today_jalali
from domain.validation import (
    InvalidInput,
    national_code_is_valid,
    normalize_contact_phone,
    parse_birth_date,
    parse_certificate_number,
    parse_free_text,
    parse_full_name,
    parse_jalali_date,
    parse_jalali_year,
    parse_mobile,
    parse_national_code,
    parse_official_name,
    parse_person_name,
)

TODAY = jdatetime.date(1405, 8, 30)

RANGE_1300 = texts.ERR_DATE_RANGE.format(earliest="۱۳۰۰")
RANGE_1300_GENERIC = texts.ERR_DATE_RANGE_GENERIC.format(earliest="۱۳۰۰")


def message_of(exc_info: pytest.ExceptionInfo[InvalidInput]) -> str:
    return exc_info.value.message


# --- InvalidInput ---------------------------------------------------------------------------


def test_invalid_input_is_a_value_error_with_message() -> None:
    exc = InvalidInput("پیام")
    assert isinstance(exc, ValueError)
    assert exc.message == "پیام"
    assert str(exc) == "پیام"


# --- Names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("علی", "علی"),
        ("  علی   رضایی  ", "علی رضایی"),
        ("علي كريمي", "علی کریمی"),  # Arabic yeh and kaf normalised
        ("موسى", "موسی"),
        ("مُحَمَّد", "محمد"),  # diacritics removed
        ("محـــمد", "محمد"),  # tatweel removed
        ("عبدالله\u200cزاده", "عبدالله\u200cزاده"),  # ZWNJ kept
        ("آرش", "آرش"),
        ("مؤمنی", "مؤمنی"),
        ("رئیسی", "رئیسی"),
        ("ژاله", "ژاله"),
        ("گلچین", "گلچین"),
        ("\u200fزهرا\u200e", "زهرا"),  # bidi marks
        ("سید\nحسن", "سید حسن"),
        ("ﻋﻠﻰ", "علی"),  # presentation forms
        ("ای", "ای"),  # two letters is enough
        ("زادهٔ", "زادهٔ"),  # ezafe hamza kept
    ],
)
def test_parse_person_name_valid(raw: str, expected: str) -> None:
    assert parse_person_name(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "علی2",
        "علی ۲",
        "Ali",
        "علی Reza",
        "علی.رضایی",
        "علی-رضایی",
        "علی!",
        "@ali",
        "علی 😀",
        "123",
    ],
)
def test_parse_person_name_refuses_digits_symbols_latin(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_person_name(raw)
    assert message_of(exc_info) == texts.ERR_NAME_CHARS


@pytest.mark.parametrize("raw", ["", "   ", "\u200f\u200e", "\n"])
def test_parse_person_name_empty(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_person_name(raw)
    assert message_of(exc_info) == texts.ERR_EMPTY


@pytest.mark.parametrize("raw", ["ع", " آ ", "ـعـ"])
def test_parse_person_name_too_short(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_person_name(raw)
    assert message_of(exc_info) == texts.ERR_NAME_SHORT


def test_parse_person_name_length_limit() -> None:
    assert parse_person_name("ب" * 60) == "ب" * 60
    with pytest.raises(InvalidInput) as exc_info:
        parse_person_name("ب" * 61)
    assert message_of(exc_info) == texts.ERR_TOO_LONG.format(limit="۶۰")
    assert "۶۰" in message_of(exc_info)


def test_parse_official_name_is_a_person_name_refused_in_staff_words() -> None:
    assert parse_official_name(" دکتر  علي رضايي ") == "دکتر علی رضایی"
    for raw in ("", "  ", "\u200f"):
        with pytest.raises(InvalidInput) as exc_info:
            parse_official_name(raw)
        assert message_of(exc_info) == texts.STAFF_NAME_MISSING
    with pytest.raises(InvalidInput) as exc_info:
        parse_official_name("Ali Rezaei")
    assert message_of(exc_info) == texts.STAFF_NAME_INVALID.format(reason=texts.ERR_NAME_CHARS)


# --- National code --------------------------------------------------------------------------

VALID_NATIONAL_CODES = [
    "0013542419",
    "1234567891",
    "0081234562",
    "4993708998",
    "2287043128",
    "9458073022",
    "1573681938",
    "2245383230",  # remainder 0: check digit 0
    "5499095140",
    "6405622411",  # remainder 1: check digit 1
    "7585847191",
]


def check_digit(body: str) -> int:
    rest = sum(int(d) * (10 - i) for i, d in enumerate(body)) % 11
    return rest if rest < 2 else 11 - rest


@pytest.mark.parametrize("code", VALID_NATIONAL_CODES)
def test_national_code_fixtures_satisfy_the_algorithm(code: str) -> None:
    assert int(code[9]) == check_digit(code[:9])


@pytest.mark.parametrize("code", VALID_NATIONAL_CODES)
def test_parse_national_code_valid(code: str) -> None:
    assert parse_national_code(code) == code
    assert national_code_is_valid(code)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("۰۰۱۳۵۴۲۴۱۹", "0013542419"),  # Persian digits
        ("٠٠١٣٥٤٢٤١٩", "0013542419"),  # Arabic-Indic digits
        ("۰۰۱3542٤١٩", "0013542419"),  # mixed scripts
        ("001-354241-9", "0013542419"),  # dashes
        (" 001 354 2419 ", "0013542419"),  # spaces
        ("\u200e0013542419\u200f", "0013542419"),  # bidi marks copied along
        ("۰۰۱–۳۵۴۲۴۱–۹", "0013542419"),  # en dash
        ("００１３５４２４１９", "0013542419"),  # full width
    ],
)
def test_parse_national_code_tolerant(raw: str, expected: str) -> None:
    assert parse_national_code(raw) == expected


@pytest.mark.parametrize(
    "code",
    [
        "0013542418",
        "0013542410",
        "1234567890",
        "1234567892",
        "2245383231",
        "6405622410",
        "0013542491",  # last two digits swapped
    ],
)
def test_parse_national_code_bad_check_digit(code: str) -> None:
    assert not national_code_is_valid(code)
    with pytest.raises(InvalidInput) as exc_info:
        parse_national_code(code)
    assert message_of(exc_info) == texts.ERR_NATIONAL_CODE_CHECK


@pytest.mark.parametrize("digit", "0123456789")
def test_parse_national_code_refuses_identical_digits(digit: str) -> None:
    # Several of these (0000000000, 1111111111, ...) pass the check-digit formula.
    with pytest.raises(InvalidInput) as exc_info:
        parse_national_code(digit * 10)
    assert message_of(exc_info) == texts.ERR_NATIONAL_CODE_CHECK


def test_identical_digits_would_pass_the_formula() -> None:
    assert check_digit("111111111") == 1
    assert check_digit("000000000") == 0


@pytest.mark.parametrize(
    "raw",
    [
        "001354241",  # 9 digits
        "۰۰۱۳۵۴۲۴۱",
        "00135424190",  # 11 digits
        "1",
        "123456789012345",
    ],
)
def test_parse_national_code_wrong_length(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_national_code(raw)
    assert message_of(exc_info) == texts.ERR_NATIONAL_CODE_LENGTH


@pytest.mark.parametrize(
    "raw",
    [
        "001354241a",
        "abcdefghij",
        "کد ملی ۰۰۱۳۵۴۲۴۱۹",
        "0013542419.",
        "00135/42419",
        "+0013542419",
    ],
)
def test_parse_national_code_non_digits(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_national_code(raw)
    assert message_of(exc_info) == texts.ERR_NATIONAL_CODE_DIGITS


@pytest.mark.parametrize("raw", ["", "  ", "- -"])
def test_parse_national_code_empty(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_national_code(raw)
    assert message_of(exc_info) == texts.ERR_EMPTY


# --- Dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1370/5/3", (1370, 5, 3)),
        ("1370/05/03", (1370, 5, 3)),
        ("۱۳۷۰/۰۵/۰۳", (1370, 5, 3)),
        ("١٣٧٠/٠٥/٠٣", (1370, 5, 3)),
        ("1370-05-03", (1370, 5, 3)),
        ("1370.5.3", (1370, 5, 3)),
        ("۱۳۷۰٫۵٫۳", (1370, 5, 3)),  # Arabic decimal separator
        ("۱۳۷۰٬۵٬۳", (1370, 5, 3)),
        ("۱۳۷۰ـ۵ـ۳", (1370, 5, 3)),  # tatweel
        ("۱۳۷۰؍۵؍۳", (1370, 5, 3)),  # Arabic date separator
        ("1370\u200d/5\u200d/3", (1370, 5, 3)),  # ZWJ next to the slash
        ("1370\\5\\3", (1370, 5, 3)),
        ("1370 / 5 / 3", (1370, 5, 3)),
        ("  1370/5/3  ", (1370, 5, 3)),
        ("1370 5 3", (1370, 5, 3)),
        ("\u200f1370/5/3\u200e", (1370, 5, 3)),
        ("70/5/3", (1370, 5, 3)),  # two-digit year
        ("۷۰/۵/۳", (1370, 5, 3)),
        ("03/05/1370", (1370, 5, 3)),  # day first when the four-digit year comes last
        ("3-5-1370", (1370, 5, 3)),
        ("13700503", (1370, 5, 3)),
        ("۳ مرداد ۱۳۷۰", (1370, 5, 3)),
        ("۳ مرداد ۷۰", (1370, 5, 3)),
        ("۱۳۷۰ مرداد ۳", (1370, 5, 3)),
        ("3 امرداد 1370", (1370, 5, 3)),
        ("۱ فروردین ۱۳۸۰", (1380, 1, 1)),
        ("۲۹ اسفند ۱۳۸۰", (1380, 12, 29)),
        ("۵ آذر ۶۵", (1365, 9, 5)),
        ("۵ اذر ۶۵", (1365, 9, 5)),
        ("۱۰ دي ۶۵", (1365, 10, 10)),  # Arabic yeh in the month name
        ("1300/1/1", (1300, 1, 1)),  # earliest
        ("1405/8/30", (1405, 8, 30)),  # today
        ("02/1/1", (1402, 1, 1)),  # two-digit year not after today: 14YY
        ("05/8/30", (1405, 8, 30)),
        ("06/1/1", (1306, 1, 1)),  # otherwise 13YY
        ("99/1/1", (1399, 1, 1)),
    ],
)
def test_parse_jalali_date_formats(raw: str, expected: tuple[int, int, int]) -> None:
    assert parse_jalali_date(raw, today=TODAY) == jdatetime.date(*expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1399/12/30", (1399, 12, 30)),  # 1399 is leap
        ("1370/12/30", (1370, 12, 30)),  # 1370 is leap
        ("1403/12/30", (1403, 12, 30)),  # 1403 is leap
        ("1375/12/30", (1375, 12, 30)),  # 1375 is leap
        ("1400/12/29", (1400, 12, 29)),
        ("1370/6/31", (1370, 6, 31)),  # first six months have 31 days
        ("1370/1/31", (1370, 1, 31)),
        ("1370/7/30", (1370, 7, 30)),
        ("1370/11/30", (1370, 11, 30)),
    ],
)
def test_parse_jalali_date_month_lengths_valid(raw: str, expected: tuple[int, int, int]) -> None:
    assert parse_jalali_date(raw, today=TODAY) == jdatetime.date(*expected)


@pytest.mark.parametrize(
    "raw",
    [
        "1400/12/30",  # 1400 is not leap
        "1402/12/30",
        "1404/12/30",
        "1371/12/30",  # 1370 was leap, 1371 is not
        "1370/7/31",  # months 7..11 have 30 days
        "1370/8/31",
        "1370/9/31",
        "1370/10/31",
        "1370/11/31",
        "1370/12/31",
        "1370/13/1",
        "1370/0/1",
        "1370/1/0",
        "1370/1/32",
        "1370/99/99",
        "۱۳۷۰/۱۳/۰۱",
        "۳۲ مرداد ۱۳۷۰",
    ],
)
def test_parse_jalali_date_impossible(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_jalali_date(raw, today=TODAY)
    assert message_of(exc_info) == texts.ERR_DATE_IMPOSSIBLE


@pytest.mark.parametrize(
    "raw",
    [
        "1405/9/1",  # tomorrow
        "1405/9/2",
        "1406/1/1",
        "1500/1/1",
        "1299/12/29",
        "1200/1/1",
        "0070/5/3",
    ],
)
def test_parse_jalali_date_out_of_range(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_jalali_date(raw, today=TODAY)
    assert message_of(exc_info) == RANGE_1300_GENERIC


def test_parse_jalali_date_earliest_year_and_range_message() -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_jalali_date("1379/12/29", today=TODAY, earliest_year=1380)
    assert message_of(exc_info) == texts.ERR_DATE_RANGE_GENERIC.format(earliest="۱۳۸۰")
    assert parse_jalali_date("1380/1/1", today=TODAY, earliest_year=1380) == jdatetime.date(
        1380, 1, 1
    )
    with pytest.raises(InvalidInput) as exc_info:
        parse_jalali_date("1406/1/1", today=TODAY, range_message=texts.ERR_DATE_RANGE)
    assert message_of(exc_info) == RANGE_1300


@pytest.mark.parametrize(
    "raw",
    ["1991/7/25", "25/07/1991", "2000-01-01", "۱۹۹۱/۷/۲۵", "2024/2/29"],
)
def test_parse_jalali_date_gregorian(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_jalali_date(raw, today=TODAY)
    assert message_of(exc_info) == texts.ERR_DATE_GREGORIAN


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "1370/5",
        "1370",
        "1370/5/3/1",
        "370/5/3",  # three-digit year
        "7/5/3",  # one-digit year
        "1370/005/3",
        "1370/5/003",
        "13700/5/3",
        "1370/5/3 ساعت",
        "۳ مردادی ۱۳۷۰",
        "۳ مرداد",
        "1370*5*3",
        "1370/5/3!",
        "1370053",  # seven digits
    ],
)
def test_parse_jalali_date_bad_format(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_jalali_date(raw, today=TODAY)
    assert message_of(exc_info) == texts.ERR_DATE_FORMAT


@pytest.mark.parametrize("raw", ["", "   ", "\u200f"])
def test_parse_jalali_date_empty(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_jalali_date(raw, today=TODAY)
    assert message_of(exc_info) == texts.ERR_EMPTY


def test_parse_jalali_date_default_today_is_tehran_today() -> None:
    today = today_jalali()
    assert parse_jalali_date(format_jalali(today)) == today
    with pytest.raises(InvalidInput):
        parse_jalali_date(format_jalali(today + jdatetime.timedelta(days=1)))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1370/5/3", (1370, 5, 3)),
        ("۱۳۰۰/۰۱/۰۱", (1300, 1, 1)),
        ("1405/8/30", (1405, 8, 30)),  # born today: no minimum age
        ("1399/12/30", (1399, 12, 30)),
    ],
)
def test_parse_birth_date_valid(raw: str, expected: tuple[int, int, int]) -> None:
    assert parse_birth_date(raw, today=TODAY) == jdatetime.date(*expected)
    assert parse_birth_date(raw, TODAY) == jdatetime.date(*expected)


@pytest.mark.parametrize("raw", ["1405/9/1", "1410/1/1", "1299/12/29"])
def test_parse_birth_date_out_of_range_uses_birth_text(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_birth_date(raw, today=TODAY)
    assert message_of(exc_info) == RANGE_1300
    assert "۱۳۰۰" in message_of(exc_info)


def test_parse_birth_date_other_errors() -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_birth_date("1400/12/30", today=TODAY)
    assert message_of(exc_info) == texts.ERR_DATE_IMPOSSIBLE
    with pytest.raises(InvalidInput) as exc_info:
        parse_birth_date("hello", today=TODAY)
    assert message_of(exc_info) == texts.ERR_DATE_FORMAT


def test_parse_birth_date_result_formats_for_storage() -> None:
    assert parse_birth_date("۷۰/۵/۳", today=TODAY).strftime("%Y/%m/%d") == "1370/05/03"


# --- Jalali year ----------------------------------------------------------------------------

YEAR_ERROR = texts.ERR_YEAR.format(earliest="۱۳۴۰", latest="۱۴۰۵")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1385", 1385),
        ("۱۳۸۵", 1385),
        ("١٣٨٥", 1385),
        (" 1385 ", 1385),
        ("85", 1385),
        ("۸۵", 1385),
        ("1340", 1340),
        ("1405", 1405),
        ("05", 1405),
        ("02", 1402),
        ("40", 1340),
    ],
)
def test_parse_jalali_year_valid(raw: str, expected: int) -> None:
    assert parse_jalali_year(raw, today=TODAY) == expected


@pytest.mark.parametrize(
    "raw",
    ["1339", "1406", "1500", "06", "39", "2005", "138", "5", "13855", "سال ۸۵", "85a", "13/85"],
)
def test_parse_jalali_year_invalid(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_jalali_year(raw, today=TODAY)
    assert message_of(exc_info) == YEAR_ERROR


def test_parse_jalali_year_custom_earliest() -> None:
    assert parse_jalali_year("1320", today=TODAY, earliest=1300) == 1320
    with pytest.raises(InvalidInput) as exc_info:
        parse_jalali_year("1370", today=TODAY, earliest=1380)
    assert message_of(exc_info) == texts.ERR_YEAR.format(earliest="۱۳۸۰", latest="۱۴۰۵")


def test_parse_jalali_year_empty() -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_jalali_year("  ", today=TODAY)
    assert message_of(exc_info) == texts.ERR_EMPTY


def test_parse_jalali_year_default_today() -> None:
    year = today_jalali().year
    assert parse_jalali_year(str(year)) == year
    with pytest.raises(InvalidInput):
        parse_jalali_year(str(year + 1))


# --- Mobile ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "09121234567",
        "9121234567",
        "+989121234567",
        "00989121234567",
        "989121234567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        "٠٩١٢١٢٣٤٥٦٧",
        "+۹۸۹۱۲۱۲۳۴۵۶۷",
        "0912 123 4567",
        "0912-123-4567",
        "+98 912 123 4567",
        "+98-912-123-4567",
        "0098 912 1234567",
        "(0912) 123-4567",
        "+98 (912) 123 4567",
        "+98 0912 123 4567",  # a common mix of both forms
        "\u200e+98 912 123 4567\u200f",
        " 09121234567 ",
    ],
)
def test_parse_mobile_valid_forms(raw: str) -> None:
    assert parse_mobile(raw) == "09121234567"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("09901234567", "09901234567"),
        ("9351234567", "09351234567"),
        ("+989011234567", "09011234567"),
    ],
)
def test_parse_mobile_other_operators(raw: str, expected: str) -> None:
    assert parse_mobile(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "0912123456",  # 10 digits starting with 0
        "091212345678",  # 12 digits
        "912123456",
        "02112345678",  # Tehran landline
        "2112345678",
        "+14155552671",  # not Iranian
        "+44 7911 123456",
        "98912123456",  # 98 + only 9 digits
        "+9809121234567x",
        "0912abc4567",
        "09121234567+",
        "+",
        "0912.123.4567",
    ],
)
def test_parse_mobile_invalid(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_mobile(raw)
    assert message_of(exc_info) == texts.ERR_MOBILE


def test_parse_mobile_empty() -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_mobile("   ")
    assert message_of(exc_info) == texts.ERR_EMPTY


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("989121234567", "09121234567"),
        ("+989121234567", "09121234567"),
        ("09121234567", "09121234567"),
        ("+98 912 123 4567", "09121234567"),
        ("14155552671", None),
        ("+14155552671", None),
        ("982112345678", None),  # Iranian landline
        ("", None),
        ("abc", None),
    ],
)
def test_normalize_contact_phone(phone: str, expected: str | None) -> None:
    assert normalize_contact_phone(phone) == expected


# --- Certificate number ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12345678", "12345678"),
        ("۱۲۳۴۵۶۷۸", "12345678"),
        ("١٢٣٤٥٦٧٨", "12345678"),
        ("ab-123/45", "AB-123/45"),
        (" 123 456 ", "123456"),
        ("۱۲۳–۴۵۶", "123-456"),  # en dash
        ("۱۲۳ـ۴۵۶", "123-456"),  # tatweel typed as a dash
        ("۱۲۳∕۴۵۶", "123/456"),  # division slash
        ("123\\456", "123/456"),
        ("\u200f۱۲۳/۴۵\u200e", "123/45"),
        ("7", "7"),
        ("A" * 30, "A" * 30),
        ("ｂ１２", "B12"),  # full width
    ],
)
def test_parse_certificate_number_valid(raw: str, expected: str) -> None:
    assert parse_certificate_number(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "A" * 31,
        "1" * 31,
        "۱۲۳الف",  # Persian letters
        "123#",
        "12.34",
        "---",
        "/",
        "😀123",
    ],
)
def test_parse_certificate_number_invalid(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_certificate_number(raw)
    assert message_of(exc_info) == texts.ERR_CERTIFICATE_NUMBER


def test_parse_certificate_number_empty() -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_certificate_number("  \u200f ")
    assert message_of(exc_info) == texts.ERR_EMPTY


# --- Free text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("برق‌کار ساختمان", "برق‌کار ساختمان"),
        ("  برق   كار  ", "برق کار"),
        ("مرکز شمارهٔ ۱ اهواز", "مرکز شمارهٔ ۱ اهواز"),
        ("جوشکاری (درجه ۲)", "جوشکاری (درجه ۲)"),
        ("ICDL", "ICDL"),
        ("\u202bتهران\u202c", "تهران"),
        ("ab", "ab"),
    ],
)
def test_parse_free_text_valid(raw: str, expected: str) -> None:
    assert parse_free_text(raw) == expected


@pytest.mark.parametrize("raw", ["۱۲۳", "123", "!!!", "😀😀", "- / -"])
def test_parse_free_text_needs_a_letter(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_free_text(raw)
    assert message_of(exc_info) == texts.ERR_FREE_TEXT_CHARS


@pytest.mark.parametrize("raw", ["", "   ", "\u200f\u200e", "\n\t"])
def test_parse_free_text_empty(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_free_text(raw)
    assert message_of(exc_info) == texts.ERR_EMPTY


def test_parse_free_text_too_long() -> None:
    assert parse_free_text("ب" * 100) == "ب" * 100
    with pytest.raises(InvalidInput) as exc_info:
        parse_free_text("ب" * 101)
    assert message_of(exc_info) == texts.ERR_TOO_LONG.format(limit="۱۰۰")
    with pytest.raises(InvalidInput) as exc_info:
        parse_free_text("ب" * 41, max_len=40)
    assert message_of(exc_info) == texts.ERR_TOO_LONG.format(limit="۴۰")


def test_parse_free_text_too_short() -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_free_text("ب")
    assert message_of(exc_info) == texts.ERR_TOO_SHORT.format(limit="۲")
    with pytest.raises(InvalidInput) as exc_info:
        parse_free_text("برق", min_len=4)
    assert message_of(exc_info) == texts.ERR_TOO_SHORT.format(limit="۴")
    assert parse_free_text("ب", min_len=1) == "ب"


def test_length_is_measured_after_cleaning() -> None:
    assert parse_free_text("  " + "ب" * 100 + "  \u200f") == "ب" * 100


# --- Every message shown is a catalogue text --------------------------------------------------


def test_messages_have_no_ascii_digits() -> None:
    cases: list[Callable[[], object]] = [
        lambda: parse_person_name("ب" * 61),
        lambda: parse_jalali_date("1406/1/1", today=TODAY),
        lambda: parse_birth_date("1406/1/1", today=TODAY),
        lambda: parse_jalali_year("1200", today=TODAY),
        lambda: parse_free_text("ب" * 101),
        lambda: parse_free_text("ب"),
    ]
    for case in cases:
        with pytest.raises(InvalidInput) as exc_info:
            case()
        message = message_of(exc_info)
        assert not any(ch in "0123456789" for ch in message), message
        assert "{" not in message, message


def test_ids_from_peoples_input_are_range_checked_where_parsed() -> None:
    from domain.digits import MAX_ID, parse_id

    assert parse_id("123") == 123
    assert parse_id("۱۲۳") == 123 and parse_id("١٢٣") == 123
    assert parse_id(str(MAX_ID)) == MAX_ID
    for bad in ("", "0", "-5", "abc", "²", "1.5", str(MAX_ID + 1), "9" * 25):
        assert parse_id(bad) is None, bad


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("مریم احمدی", "مریم احمدی"),
        ("  علی‌رضا   محمدی‌نژاد ", "علی‌رضا محمدی‌نژاد"),
        ("سيد علي موسوي", "سید علی موسوی"),
    ],
)
def test_parse_full_name_takes_a_given_and_a_family_name(raw: str, expected: str) -> None:
    assert parse_full_name(raw) == expected


@pytest.mark.parametrize("raw", ["مریم", "علی‌رضا", "ع احمدی", "مریم  ", "مریم ع"])
def test_parse_full_name_refuses_one_word(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_full_name(raw)
    assert message_of(exc_info) == texts.ERR_FULL_NAME_WORDS
