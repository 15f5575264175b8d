"""The records registry: normalisation, natural keys, importing CSV/Excel/Access, matching."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot import registry_cli
from bot.settings import StorageSettings
from domain.deadlines import Classification
from domain.registry import (
    DateCalendar,
    RegistryRow,
    RowRejected,
    compare,
    make_row,
    parse_exam_date,
    record_key,
    suggest_classification,
)
from domain.text import (
    clean_free_text,
    clean_text,
    normalize_code,
    normalize_name,
    normalize_national_code,
    normalize_persian,
)
from registry_files import (
    AccessReader,
    ColumnLoss,
    ImportMapping,
    RegistryImport,
    RegistryImportError,
    load_mapping,
)
from storage.registry import MatchRule, RegistryService
from storage.store import Store

# No type stubs for openpyxl are installed.
openpyxl: Any = importlib.import_module("openpyxl")

ACCESS_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "access"
NWIND = ACCESS_DIR / "nwind.mdb"
SAMPLE_ACCDB = ACCESS_DIR / "ASampleDatabase.accdb"
DATE_TEST = ACCESS_DIR / "DateTestDatabase.mdb"
HAVE_MDBTOOLS = shutil.which("mdb-export") is not None and shutil.which("mdb-tables") is not None
READERS = [
    "access-parser",
    pytest.param(
        "mdb-export",
        marks=pytest.mark.skipif(not HAVE_MDBTOOLS, reason="mdbtools is not installed"),
    ),
]
NORTHWIND_LAST_NAMES = [
    "Davolio",
    "Fuller",
    "Leverling",
    "Peacock",
    "Buchanan",
    "Suyama",
    "King",
    "Callahan",
    "Dodsworth",
]
CURRENT_YEAR = 1404

# Valid national codes (check digit included).
NC_1 = "0013542419"
NC_2 = "1234567891"
NC_3 = "2287331948"


@pytest.fixture
def registry(store: Store) -> RegistryService:
    return RegistryService(store.sessions)


def write_mapping(path: Path, text: str) -> ImportMapping:
    path.write_text(text, encoding="utf-8")
    return load_mapping(path)


# --- Normalisation and keys -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("علي", "علی"),  # Arabic yeh
        ("كريمي", "کریمی"),  # Arabic kaf and yeh
        ("موسى", "موسی"),  # alef maksura
        ("علی‌اکبر", "علی اکبر"),  # ZWNJ or a space
        ("علی‌اکبر", "علیاکبر"),  # or nothing
        ("  علی   اکبر ", "علی اکبر"),  # stray spaces
        ("عَلیـــ", "علی"),  # diacritics and tatweel
        ("آرش", "ارش"),  # madda
        ("فاطمة", "فاطمه"),  # teh marbuta
        ("جوشکاری (برق)", "جوشکاری-برق"),  # punctuation
        ("John SMITH", "john smith"),
    ],
)
def test_name_variants_share_a_key(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


def test_different_names_keep_different_keys() -> None:
    assert normalize_name("علی") != normalize_name("علیا")
    assert normalize_name("حسین") != normalize_name("حسن")


def test_codes_in_any_digit_script() -> None:
    assert normalize_code("۱۲۳۴۵") == "12345"
    assert normalize_code("١٢٣٤٥") == "12345"
    assert normalize_code(" 12 – 34 ") == "12-34"
    assert normalize_code("ab/۷\\8") == "AB/7/8"
    assert normalize_code("12345.0") == "12345"  # a spreadsheet's number
    assert normalize_national_code("۰۰۱۳۵۴۲۴۱۹") == NC_1
    assert normalize_national_code("001-354241-9") == NC_1
    # Leading zeros lost by a number column come back.
    assert normalize_national_code("13542419") == NC_1


def test_clean_text_is_the_stored_spelling() -> None:
    assert clean_text("  علي‌  اكبر\u200f ") == "علی اکبر"
    assert clean_text("می‌خواهم") == "می‌خواهم"  # ZWNJ between letters is kept
    for s in ["علي\tاكبر", "a\u00a0b", "x\u200b y", "\u202bمتن\u202c", "", "  "]:
        assert clean_text(s) == clean_free_text(normalize_persian(s))


def test_record_key_prefers_national_code_and_certificate_number() -> None:
    a = record_key(NC_1, "۱۲۳/۴۵", "مريم احمدي", "جوشكاري", "1370/05/03")
    b = record_key("0013542419", "123/45", "مریم احمدی", "برق", None)
    assert a == b == f"nc:{NC_1}|cn:123/45"


def test_record_key_falls_back_to_name_trade_and_date() -> None:
    a = record_key(NC_1, None, "مريم احمدي", "جوشكاري برق", "1370/05/03")
    b = record_key(NC_1, "", "مریم‌احمدی", "جوشکاری‌برق", "1370/05/03")
    assert a == b
    assert a != record_key(NC_1, None, "مریم احمدی", "جوشکاری برق", "1371/05/03")
    # Without a national code, the certificate number goes with the name.
    assert record_key(None, "7", "Nancy Davolio", None, None) == "nc:|cn:7|n:nancydavolio"
    assert record_key(None, "7", "Andrew Fuller", None, None) != record_key(
        None, "7", "Nancy Davolio", None, None
    )


def test_a_very_long_key_is_hashed() -> None:
    key = record_key(None, None, "الف" * 150, "ب" * 150, None)
    assert key.startswith("h:") and len(key) == 66


# --- Dates, rows, comparisons, classification -----------------------------------------------


@pytest.mark.parametrize(
    ("value", "calendar", "expected"),
    [
        ("1370/05/03", "auto", "1370/05/03"),
        ("۱۳۷۰/۵/۳", "auto", "1370/05/03"),
        ("1370-5-3", "jalali", "1370/05/03"),
        ("13700503", "auto", "1370/05/03"),
        ("03/05/1370", "auto", "1370/05/03"),
        ("70/5/3", "auto", "1370/05/03"),
        ("1948-12-08 00:00:00", "gregorian", "1327/09/17"),
        ("1948-12-08 00:00:00", "auto", "1327/09/17"),
        (dt.datetime(1997, 9, 2), "auto", "1376/06/11"),
        (dt.date(1370, 5, 3), "auto", "1370/05/03"),  # Jalali digits typed in a date column
        ("1375", "auto", "1375"),
        ("", "auto", None),
        (None, "auto", None),
    ],
)
def test_exam_dates(value: object, calendar: DateCalendar, expected: str | None) -> None:
    assert parse_exam_date(value, calendar, current_year=CURRENT_YEAR) == expected


@pytest.mark.parametrize(
    ("value", "calendar", "why"),
    [
        ("1370/13/01", "auto", "not a real Jalali date"),
        ("1371/12/30", "auto", "not a real Jalali date"),  # 1371 is not a leap year
        ("1948-12-08", "jalali", "not a Jalali year"),
        ("1370/05/03", "gregorian", "neither Jalali nor Gregorian"),
        ("12/08/1948", "gregorian", "ambiguous"),
        ("1900-01-00 00:00:00", "auto", "not a real Gregorian date"),
        ("(Invalid Date)", "auto", "unparseable"),
        ("1410/01/01", "auto", "in the future"),
    ],
)
def test_unreadable_exam_dates(value: str, calendar: DateCalendar, why: str) -> None:
    with pytest.raises(RowRejected, match=why):
        parse_exam_date(value, calendar, current_year=CURRENT_YEAR)


def test_make_row_cleans_everything() -> None:
    row = make_row(
        {
            "national_code": 13542419,  # a number column lost the leading zeros
            "first_name": "مريم",
            "last_name": " احمدي ",
            "father_name": "حسين",
            "trade": "جوشكاري   برق",
            "certificate_number": "۱۲۳۴۵",
            "exam_date": "۱۳۷۰/۵/۳",
            "format": "دفاتر ثبت",
        },
        current_year=CURRENT_YEAR,
    )
    assert row == RegistryRow(
        national_code=NC_1,
        first_name="مریم",
        last_name="احمدی",
        full_name="مریم احمدی",
        father_name="حسین",
        trade="جوشکاری برق",
        certificate_number="12345",
        exam_date="1370/05/03",
        format="old_books",
    )
    values = row.values()
    assert values["record_key"] == f"nc:{NC_1}|cn:12345"
    assert values["name_key"] == "مریماحمدی"
    assert values["trade_key"] == "جوشکاریبرق"


@pytest.mark.parametrize(
    ("fields", "kind", "why"),
    [
        ({"national_code": "0013542418", "full_name": "علی"}, "national_code", "check digit"),
        ({"national_code": "12345", "full_name": "علی"}, "national_code", "5 digits"),
        ({"national_code": "00135a2419", "full_name": "علی"}, "national_code", "not all digits"),
        ({"national_code": NC_1}, "name", "no name"),
        ({"national_code": NC_1, "full_name": " - "}, "name", "no name"),
        (
            {"national_code": NC_1, "full_name": "علی", "exam_date": "دیروز"},
            "exam_date",
            "unparseable",
        ),
        ({"national_code": NC_1, "full_name": "علی", "format": "کاغذی"}, "format", "format"),
        ({"full_name": "علی"}, "identity", "too little"),
        ({"national_code": NC_1, "full_name": "ع" * 201}, "too_long", "full_name"),
    ],
)
def test_rejected_rows(fields: dict[str, object], kind: str, why: str) -> None:
    with pytest.raises(RowRejected, match=why) as caught:
        make_row(fields, current_year=CURRENT_YEAR)
    assert caught.value.kind == kind
    assert "0013542418" not in caught.value.reason  # no national code in reports


def test_compare_outcomes() -> None:
    request = {
        "full_name": "مريم احمدي",
        "father_name": "حسین",
        "national_code": "۰۰۱۳۵۴۲۴۱۹",
        "trade": "جوشکاری",
        "certificate_number": None,
        "certificate_year": 1370,
        "training_centre": "مرکز اهواز",
    }
    record = {
        "first_name": "مریم",
        "last_name": "احمدی",
        "father_name": "حسن",
        "national_code": NC_1,
        "trade": "جوشکاری",
        "certificate_number": "12345",
        "exam_date": "1371/02/01",
        "centre": None,
    }
    outcomes = {c.field: c.outcome for c in compare(request, record)}
    assert outcomes == {
        "full_name": "match",
        "father_name": "differs",
        "national_code": "match",
        "trade": "match",
        "certificate_number": "missing",
        "year": "differs",
        "centre": "missing",
    }
    year = next(c for c in compare(request, record) if c.field == "year")
    assert (year.given, year.registry) == ("1370", "1371")


def test_suggested_classification() -> None:
    assert suggest_classification({"exam_date": "1385/01/01"}) is Classification.OLD_BOOKS
    assert suggest_classification({"exam_date": "1391/12/29"}) is Classification.OLD_BOOKS
    assert suggest_classification({"exam_date": "1392/01/01"}) is Classification.MECHANIZED
    assert suggest_classification({"exam_date": "1375"}) is Classification.OLD_BOOKS
    # An explicit format wins over the year.
    assert (
        suggest_classification({"exam_date": "1385/01/01", "format": "old_centre"})
        is Classification.OLD_CENTRE
    )
    assert (
        suggest_classification({"exam_date": "1385/01/01", "format": "مکانیزه"})
        is Classification.MECHANIZED
    )
    assert suggest_classification({"exam_date": None}) is None


# --- CSV and Excel --------------------------------------------------------------------------

CSV_HEADER = "کد ملی,نام,نام خانوادگی,نام پدر,حرفه,شماره گواهینامه,تاریخ آزمون,آموزشگاه,استان"
CSV_ROWS = [
    f"{NC_1},مریم,احمدی,حسین,جوشکاری برق,1001,1370/05/03,مرکز اهواز,خوزستان",
    f"{NC_2},علی‌اکبر,کریمی,رضا,تعمیر موتور,1002,۱۳۹۵/۰۱/۱۵,مرکز دزفول,خوزستان",
    "0013542418,زهرا,رضایی,محمد,خیاطی,1003,1380/01/01,,خوزستان",  # bad check digit
    f"{NC_3},,,,خیاطی,1004,1380/01/01,,",  # no name
    f"{NC_3},سارا,نوری,علی,خیاطی,1005,1380/13/01,,",  # impossible date: kept without it
    ",,,,,,,,",  # an empty row is passed over
    f"{NC_3},سارا,نوری,علی,خیاطی,1006,1388/02/02,,",
]


def write_csv(path: Path, lines: list[str], encoding: str) -> Path:
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


def test_csv_with_a_bom(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "registry.csv", [CSV_HEADER, *CSV_ROWS], "utf-8-sig")
    source = RegistryImport(path, current_year=CURRENT_YEAR)
    rows = list(source)
    report = source.report
    assert report.reader == "csv (utf-8-sig)"
    assert report.columns["national_code"] == "کد ملی"
    assert report.columns["centre"] == "آموزشگاه"
    assert (report.rows_read, report.rows_valid, report.skipped) == (6, 4, 2)
    assert [r.certificate_number for r in rows] == ["1001", "1002", "1005", "1006"]
    assert rows[1].first_name == "علی‌اکبر"
    assert rows[1].exam_date == "1395/01/15"
    assert rows[2].exam_date is None
    assert rows[0].source == "registry.csv"
    assert [(s.row, s.reason) for s in report.skipped_rows] == [
        (4, "invalid national code check digit"),
        (5, "no name"),
    ]
    assert report.skipped_by_kind == {"national_code": 1, "name": 1}
    assert report.losses == {
        "تاریخ آزمون": ColumnLoss(
            "تاریخ آزمون",
            "exam_date",
            "exam_date",
            1,
            6,
            "exam date '1380/13/01' is not a real Jalali date",
        )
    }


def test_csv_in_windows_1256(tmp_path: Path) -> None:
    # Windows-1256 has no Persian yeh: Persian Excel writes the Arabic one (ي) instead.
    lines = [
        "کد ملي;نام و نام خانوادگي;نام پدر;رشته;تاريخ آزمون",
        f"{NC_1};مريم احمدي;حسين;جوشكاري;1370/05/03",
        f"{NC_2};علي‌اكبر كريمي;رضا;نقاشي;1392/07/01",
    ]
    path = write_csv(tmp_path / "export.csv", lines, "cp1256")
    source = RegistryImport(path, current_year=CURRENT_YEAR)
    rows = list(source)
    assert source.report.reader == "csv (cp1256)"
    assert [r.full_name for r in rows] == ["مریم احمدی", "علی‌اکبر کریمی"]
    assert rows[0].trade == "جوشکاری"
    assert rows[0].father_name == "حسین"


def test_csv_mapping_with_constants_and_a_title_row(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "book.csv",
        ["دفتر ثبت شماره ۳", "ردیف,کد,اسم,سال", f"1,{NC_1},مریم احمدی,1375"],
        "utf-8",
    )
    mapping = write_mapping(
        tmp_path / "book.toml",
        """
[table]
header_row = 2
[columns]
national_code = "کد"
full_name = "اسم"
exam_year = "سال"
[constants]
source = "دفتر ۳"
format = "old_books"
province = "خوزستان"
""",
    )
    (row,) = list(RegistryImport(path, mapping, current_year=CURRENT_YEAR))
    assert (row.national_code, row.full_name, row.exam_date) == (NC_1, "مریم احمدی", "1375")
    assert (row.source, row.format, row.province) == ("دفتر ۳", "old_books", "خوزستان")


def test_xlsx_built_with_openpyxl(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "ثبت"
    sheet.append(["national_code", "First Name", "Last Name", "Father", "Trade", "Exam Date"])
    sheet.append([13542419, "مريم", "احمدي", "حسين", "جوشکاری", "1370/05/03"])
    sheet.append([int(NC_2), "Ali", "Karimi", "Reza", "Welding", dt.datetime(2014, 3, 21)])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["123", "Bad", "Code", "X", "Y", "1380/01/01"])
    path = tmp_path / "registry.xlsx"
    workbook.save(path)
    source = RegistryImport(path, current_year=CURRENT_YEAR)
    rows = list(source)
    assert source.report.table == "ثبت"
    assert [(r.national_code, r.full_name, r.exam_date) for r in rows] == [
        (NC_1, "مریم احمدی", "1370/05/03"),
        (NC_2, "Ali Karimi", "1393/01/01"),
    ]
    assert [(s.row, s.reason) for s in source.report.skipped_rows] == [
        (5, "national code has 3 digits, not 10")
    ]


def test_unknown_columns_need_a_mapping(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", ["a,b,c", "1,2,3"], "utf-8")
    with pytest.raises(RegistryImportError, match="no name column"):
        list(RegistryImport(path))
    mapping = ImportMapping(columns={"full_name": "zzz"})
    with pytest.raises(RegistryImportError, match="no column 'zzz'"):
        list(RegistryImport(path, mapping))


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("[colums]\nfull_name = 'x'\n", "unknown section"),
        ("[columns]\nname = 'x'\n", "unknown key"),
        ("[columns]\nfull_name = 'x'\n[constants]\nfull_name = 'y'\n", "both"),
        ("[dates]\ncalendar = 'lunar'\n", "calendar"),
        ("[table]\nencoding = 'klingon'\n", "unknown encoding"),
        ("[table\n", "mapping file"),
    ],
)
def test_bad_mapping_files(tmp_path: Path, text: str, why: str) -> None:
    with pytest.raises(RegistryImportError, match=why):
        write_mapping(tmp_path / "m.toml", text)


def test_json_mapping(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"table": {"name": "Employees"}, "columns": {"last_name": "L"}}))
    mapping = load_mapping(path)
    assert mapping.table == "Employees" and mapping.columns == {"last_name": "L"}


# --- MS Access ------------------------------------------------------------------------------

NWIND_MAPPING = """
[table]
name = "Employees"

[columns]
last_name = "LastName"
first_name = "FirstName"
exam_date = "BirthDate"
certificate_number = "EmployeeID"
trade = "Title"
centre = "City"

[constants]
source = "Northwind"
format = "old_books"

[dates]
calendar = "gregorian"
"""


@pytest.mark.parametrize("reader", READERS)
def test_northwind_employees(tmp_path: Path, reader: AccessReader) -> None:
    mapping = write_mapping(tmp_path / "nwind.toml", NWIND_MAPPING)
    source = RegistryImport(NWIND, mapping, access_reader=reader, current_year=CURRENT_YEAR)
    rows = list(source)
    assert source.report.table == "Employees"
    assert source.report.skipped == 0 and not source.report.notes
    assert [r.last_name for r in rows] == NORTHWIND_LAST_NAMES
    davolio, fuller = rows[0], rows[1]
    assert davolio.full_name == "Nancy Davolio"
    assert davolio.national_code is None
    assert davolio.certificate_number == "1"
    assert davolio.exam_date == "1327/09/17"  # born 1948-12-08
    assert davolio.trade == "Sales Representative"
    assert (davolio.centre, davolio.source, davolio.format) == (
        "Seattle",
        "Northwind",
        "old_books",
    )
    assert (fuller.exam_date, fuller.trade) == ("1330/11/29", "Vice President, Sales")


@pytest.mark.parametrize("reader", READERS)
def test_access_table_with_a_non_ascii_name(reader: AccessReader) -> None:
    # Jet 3 table "Umsätze": access-parser alone would also decode 257 stale pages as rows.
    # A German file: its text is in Windows-1252.
    mapping = ImportMapping(
        table="Umsätze",
        jet3_charset="cp1252",
        columns={"certificate_number": "OrderID", "full_name": "ShipName", "centre": "ShipCity"},
    )
    source = RegistryImport(NWIND, mapping, access_reader=reader)
    rows = list(source)
    assert (source.report.rows_read, source.report.skipped) == (830, 0)
    assert len({r.certificate_number for r in rows}) == 830
    first = rows[0]
    assert (first.certificate_number, first.full_name, first.centre) == (
        "10330",
        "LILA-Supermercado",
        "Barquisimeto",
    )
    assert any(r.full_name == "Mère Paillarde" and r.centre == "Montréal" for r in rows)


@pytest.mark.parametrize("reader", READERS)
def test_ace_file_with_spaces_in_column_names(tmp_path: Path, reader: AccessReader) -> None:
    mapping = write_mapping(
        tmp_path / "assets.toml",
        """
[columns]
certificate_number = "Asset No"
full_name = "Make"
trade = "Asset Category"
exam_date = "Acquired"
centre = "Owner"
""",
    )
    source = RegistryImport(SAMPLE_ACCDB, mapping, access_reader=reader)
    rows = list(source)
    assert source.report.table == "Asset Items"
    assert (source.report.rows_read, source.report.skipped) == (65, 0)
    first = rows[0]
    assert (first.certificate_number, first.full_name, first.trade) == (
        "30050",
        "GEO Rocket",
        "Computer Hardware",
    )
    assert (first.exam_date, first.centre) == ("1376/06/11", "Sales")  # 1997-09-02


@pytest.mark.parametrize("reader", READERS)
def test_access_dates_out_of_range_are_left_empty(reader: AccessReader) -> None:
    mapping = ImportMapping(
        columns={
            "certificate_number": "IDCol",
            "full_name": "ShortTextCol",
            "exam_date": "DateTimeCol",
        },
        calendar="gregorian",
    )
    source = RegistryImport(DATE_TEST, mapping, access_reader=reader, current_year=CURRENT_YEAR)
    rows = list(source)
    # 2021-12-02 (rows 1, 5, 6), 9999-01-01, 1898-01-01 (which mdbtools cannot convert; it is
    # read again by access-parser), 0632-01-01.
    assert [(r.certificate_number, r.exam_date) for r in rows] == [
        ("1", "1400/09/11"),
        ("2", None),
        ("3", "1276/10/12"),
        ("4", None),
        ("5", "1400/09/11"),
        ("6", "1400/09/11"),
    ]
    assert source.report.skipped == 0
    loss = source.report.losses["DateTimeCol"]
    assert (loss.field, loss.kind, loss.count, loss.first_row) == ("exam_date", "exam_date", 2, 2)


def test_access_table_must_exist() -> None:
    # Without a table name a file of several tables is refused: see the command line's test.
    with pytest.raises(RegistryImportError, match="no table 'Staff'"):
        list(RegistryImport(NWIND, table="Staff", access_reader="access-parser"))


@pytest.mark.skipif(not HAVE_MDBTOOLS, reason="mdbtools is not installed")
def test_both_access_readers_agree() -> None:
    mapping = ImportMapping(
        table="Customers",
        columns={
            "certificate_number": "CustomerID",
            "full_name": "ContactName",
            "trade": "ContactTitle",
            "centre": "City",
        },
    )
    by_parser = list(RegistryImport(NWIND, mapping, access_reader="access-parser"))
    by_mdbtools = list(RegistryImport(NWIND, mapping, access_reader="mdb-export"))
    assert len(by_parser) == 91
    assert by_parser == by_mdbtools


# --- Storing and matching -------------------------------------------------------------------


async def test_import_is_idempotent_and_updates_values(
    tmp_path: Path, registry: RegistryService
) -> None:
    path = write_csv(tmp_path / "r.csv", [CSV_HEADER, *CSV_ROWS], "utf-8")
    first = await registry.upsert(RegistryImport(path, current_year=CURRENT_YEAR), batch=2)
    assert (first.received, first.inserted, first.updated, first.unchanged) == (4, 4, 0, 0)
    assert first.batches == 2
    assert await registry.count() == 4

    again = await registry.upsert(RegistryImport(path, current_year=CURRENT_YEAR), batch=2)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert await registry.count() == 4

    changed = [CSV_HEADER, *CSV_ROWS]
    changed[1] = changed[1].replace("جوشکاری برق", "جوشکاری گاز")
    write_csv(path, changed, "utf-8")
    third = await registry.upsert(RegistryImport(path, current_year=CURRENT_YEAR))
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 3)
    assert await registry.count() == 4
    result = await registry.match(NC_1, "1001")
    assert result.matches[0].record.trade == "جوشکاری گاز"


async def test_repeated_keys_in_one_batch(registry: RegistryService) -> None:
    rows = [
        make_row({"national_code": NC_1, "certificate_number": "9", "full_name": "الف"}),
        make_row({"national_code": NC_1, "certificate_number": "۹", "full_name": "ب"}),
    ]
    counts = await registry.upsert(rows)
    assert (counts.received, counts.inserted, counts.duplicates) == (2, 1, 1)
    (match,) = (await registry.match(NC_1, "9")).matches
    assert match.record.full_name == "ب"  # the later row wins


async def test_an_import_leaves_the_planner_statistics_fresh(
    store: Store, registry: RegistryService
) -> None:
    """On PostgreSQL the import ends with ANALYZE, so later lookups are planned for the
    table's real size even where autovacuum is off (as on this machine kind)."""
    counts = await registry.upsert(
        make_row({"national_code": NC_1, "certificate_number": str(n), "full_name": "الف"})
        for n in range(50)
    )
    assert counts.inserted == 50
    if store.engine.dialect.name != "postgresql":
        return  # SQLite plans by its indexes; nothing to refresh
    async with store.engine.connect() as connection:
        analysed = await connection.scalar(
            text(
                "SELECT coalesce(last_analyze, last_autoanalyze) IS NOT NULL "
                "FROM pg_stat_user_tables WHERE relname = 'registry'"
            )
        )
    assert analysed


async def test_northwind_rows_without_national_codes_import(
    tmp_path: Path, registry: RegistryService
) -> None:
    mapping = write_mapping(tmp_path / "nwind.toml", NWIND_MAPPING)
    rows = list(RegistryImport(NWIND, mapping, access_reader="access-parser"))
    counts = await registry.upsert(rows)
    assert counts.inserted == 9
    counts = await registry.upsert(rows)
    assert (counts.inserted, counts.unchanged) == (0, 9)
    assert await registry.count() == 9


@pytest.fixture
async def seeded(registry: RegistryService) -> RegistryService:
    rows = [
        {
            "national_code": NC_1,
            "first_name": "مريم",
            "last_name": "احمدي",
            "father_name": "حسين",
            "trade": "جوشكاري برق",
            "certificate_number": "1001",
            "exam_date": "1370/05/03",
            "centre": "مرکز اهواز",
        },
        {
            "national_code": NC_1,
            "full_name": "مریم احمدی",
            "father_name": "حسین",
            "trade": "خیاطی",
            "certificate_number": "2002",
            "exam_date": "1395/02/02",
        },
        {
            "full_name": "رضا کریمی",
            "father_name": "علی‌اکبر",
            "trade": "نقاشی ساختمان",
            "exam_date": "1368",
            "format": "old_centre",
        },
    ]
    await registry.upsert(make_row(r, current_year=CURRENT_YEAR) for r in rows)
    return registry


async def test_match_by_certificate_number_and_national_code(seeded: RegistryService) -> None:
    result = await seeded.match(
        "۰۰۱۳۵۴۲۴۱۹", "۱۰۰۱", "مریم احمدی", "حسین", "جوشکاری برق", certificate_year=1370
    )
    assert result.rule is MatchRule.CERTIFICATE_AND_NATIONAL_CODE
    (match,) = result.matches
    assert match.record.certificate_number == "1001"
    assert match.suggested is Classification.OLD_BOOKS
    assert {c.field: c.outcome for c in match.comparisons} == {
        "full_name": "match",
        "father_name": "match",
        "national_code": "match",
        "trade": "match",
        "certificate_number": "match",
        "year": "match",
        "centre": "missing",
    }


async def test_match_by_national_code_alone(seeded: RegistryService) -> None:
    result = await seeded.match(NC_1, "9999", "مریم احمدی", "حسین", "خیاطی")
    assert result.rule is MatchRule.NATIONAL_CODE
    assert [m.record.certificate_number for m in result.matches] == ["2002", "1001"]
    best = result.matches[0]
    assert best.suggested is Classification.MECHANIZED
    outcomes = {c.field: c.outcome for c in best.comparisons}
    assert outcomes["trade"] == "match"
    assert outcomes["certificate_number"] == "differs"


async def test_match_by_name_father_and_trade(seeded: RegistryService) -> None:
    result = await seeded.match(None, None, "رضا  كريمي", "علي اكبر", "نقاشي‌ساختمان")
    assert result.rule is MatchRule.NAME_FATHER_TRADE
    (match,) = result.matches
    assert match.record.full_name == "رضا کریمی"
    assert match.suggested is Classification.OLD_CENTRE
    outcomes = {c.field: c.outcome for c in match.comparisons}
    assert outcomes["national_code"] == "missing"
    assert outcomes["full_name"] == outcomes["father_name"] == outcomes["trade"] == "match"


async def test_no_match(seeded: RegistryService) -> None:
    result = await seeded.match(NC_2, None, "رضا کریمی", "حسن", "نقاشی ساختمان")
    assert result.rule is None and not result.found
    # The name tier needs all three of name, father's name and trade.
    assert not (await seeded.match(None, None, "رضا کریمی", None, "نقاشی ساختمان")).found


# --- Command line ---------------------------------------------------------------------------


def cli_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    registry_cli.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(list(argv))


async def test_cli_import_count_and_dry_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = StorageSettings(_env_file=None, data_dir=tmp_path / "data")
    path = write_csv(tmp_path / "r.csv", [CSV_HEADER, *CSV_ROWS], "utf-8-sig")

    assert (
        await registry_cli.run(cli_args("registry", "import", str(path), "--dry-run"), settings)
        == 0
    )
    out = capsys.readouterr().out
    assert "read: 6  valid: 4  skipped: 2" in out
    assert "row 4: invalid national code check digit" in out
    assert not (tmp_path / "data").exists()

    assert (
        await registry_cli.run(cli_args("registry", "import", str(path), "--show", "1"), settings)
        == 0
    )
    out = capsys.readouterr().out
    assert "read: 6  inserted: 4  updated: 0  unchanged: 0  skipped: 2" in out
    assert "row 4:" in out and "row 5:" not in out
    assert "skipped by reason: " in out

    assert await registry_cli.run(cli_args("registry", "count"), settings) == 0
    assert capsys.readouterr().out.strip() == "4"

    code = await registry_cli.run(
        cli_args("registry", "find", "--national-code", NC_1, "--certificate", "1001"), settings
    )
    assert code == 0
    assert "found by certificate_and_national_code: 1 record(s)" in capsys.readouterr().out


async def test_cli_reports_a_file_it_cannot_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = StorageSettings(_env_file=None, data_dir=tmp_path / "data")
    args = cli_args("registry", "import", str(NWIND), "--reader", "access-parser")
    assert await registry_cli.run(args, settings) == 1
    assert "name the table to import" in capsys.readouterr().err


def test_the_staff_card_has_persian_texts_for_every_field_rule_and_outcome() -> None:
    from domain import texts
    from domain.registry import COMPARED_FIELDS

    assert set(texts.REGISTRY_FIELD_LABELS) == set(COMPARED_FIELDS)
    assert set(texts.REGISTRY_RULES) == {rule.value for rule in MatchRule}
    assert set(texts.REGISTRY_OUTCOMES) == {"match", "differs", "missing"}
