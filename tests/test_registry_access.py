"""Importing real MS Access files: what each holds is what is stored, or the report says why not.

The files are in ``shared/data/access-more`` (its README says where each comes from and what it
exercises); expected values come from the files themselves (a column holding the same date as
text) or from the test suites they come from (Jackcess, UCanAccess).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import jdatetime
import pytest

from bot import registry_cli
from bot.settings import StorageSettings
from domain import texts
from domain.registry import RowRejected, make_row
from registry_files import (
    AccessReader,
    ImportMapping,
    ImportReport,
    RegistryImport,
    RegistryImportError,
    load_mapping,
)
from registry_files.access import (
    AccessTable,
    looks_garbled,
    open_with_access_parser,
    open_with_mdbtools,
)
from tests.test_registry import cli_args

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "access-more"
MAPPINGS = DATA / "mappings"
PERSIAN_BOOKS = ["registry-fa-V2003.mdb", "registry-fa-V2007.accdb", "registry-fa-V2016.accdb"]
HAVE_MDBTOOLS = all(shutil.which(t) for t in ("mdb-export", "mdb-tables", "mdb-schema"))
MDBTOOLS = pytest.mark.skipif(not HAVE_MDBTOOLS, reason="mdbtools is not installed")
READERS = ["access-parser", pytest.param("mdb-export", marks=MDBTOOLS)]
CURRENT_YEAR = 1404

# What the Persian registry book holds (the same in its three formats): national code,
# first name, last name, father's name, trade, certificate number, centre, and the exam date
# both as Jalali text («تاریخ صدور») and typed into a Date/Time column («تاریخ آزمون»),
# stored as cleaned (ي/ك as ی/ک, spaces tidied).
PERSIAN_BOOK = [
    (
        "0075912831",
        "علی‌اکبر",
        "کریمی‌نژاد",
        "حسین",
        "برق‌کار ساختمان درجه ۲",
        "8804521",
        "مرکز شماره ۲ اهواز",
        "1388/04/15",
    ),
    ("8687794878", "علی", "رضایی", "محمد", "جوشکار", "8804522", "مرکز دزفول", "1379/11/02"),
    (
        "4792500923",
        "فاطمه",
        "نیک‌نام",
        "یعقوب",
        "خیاط زنانه",
        "8804523",
        "مرکز آبادان",
        "1385/06/20",
    ),
    ("2895334749", "زهرا", "موسوی", "کاظم", "کمک آشپز", "8804524", "مرکز شوشتر", "1395/01/05"),
]
PERSIAN_BOOK_COLUMNS = [
    "ردیف",
    "نام",
    "نام خانوادگی",
    "نام پدر",
    "کد ملی",
    "کد ملی عددی",
    "شماره گواهینامه",
    "حرفه",
    "تاریخ صدور",
    "تاریخ آزمون",
    "تاریخ ثبت میلادی",
    "مرکز",
    "مکانیزه",
    "توضیحات",
]


def read(
    name: str, mapping: str | ImportMapping, reader: AccessReader, **kwargs: str
) -> RegistryImport:
    if isinstance(mapping, str):
        mapping = load_mapping(MAPPINGS / f"{mapping}.toml")
    return RegistryImport(
        DATA / name,
        mapping,
        access_reader=reader,
        current_year=CURRENT_YEAR,
        **kwargs,  # type: ignore[arg-type]
    )


def open_table(name: str, reader: str, table: str | None = None) -> AccessTable:
    opener = open_with_mdbtools if reader == "mdb-export" else open_with_access_parser
    return opener(DATA / name, table, "cp1256", [])


def column_values(table: AccessTable, column: str) -> list[object]:
    """Every record's value of ``column``, as the importer would take it."""
    rows = iter(table.rows)
    _, header = next(rows)
    assert not isinstance(header, str)
    index = [str(h) for h in header].index(column)
    found = []
    for number, values in rows:
        assert not isinstance(values, str), values
        found.append(table.value(number, index, values))
    return found


def every_column(report: ImportReport) -> list[str]:
    return sorted([*report.columns.values(), *report.ignored, *report.losses])


# --- Defect 7: Jalali dates typed into a Date/Time column -----------------------------------


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("book", PERSIAN_BOOKS)
def test_jalali_dates_typed_into_a_date_column_are_read_as_jalali(
    book: str, reader: AccessReader
) -> None:
    by_date_column = read(book, "fa_datecol", reader)
    rows = list(by_date_column)
    assert by_date_column.report.skipped == 0 and not by_date_column.report.losses
    assert [(r.national_code, r.certificate_number, r.exam_date) for r in rows] == [
        (nc, cn, date) for nc, *_, cn, _, date in PERSIAN_BOOK
    ]
    # The same dates as the book's Jalali text column.
    by_text_column = list(read(book, "fa_text", reader))
    assert [r.exam_date for r in by_text_column] == [r.exam_date for r in rows]


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("book", PERSIAN_BOOKS)
def test_a_persian_book_with_guessed_columns_imports_whole(
    book: str, reader: AccessReader
) -> None:
    source = read(book, "fa_guess", reader)
    rows = list(source)
    assert [
        (
            r.national_code,
            r.first_name,
            r.last_name,
            r.father_name,
            r.trade,
            r.certificate_number,
            r.centre,
            r.exam_date,
        )
        for r in rows
    ] == PERSIAN_BOOK
    report = source.report
    assert report.columns["exam_date"] == "تاریخ آزمون"
    # Every column is named: read, or not read and why.
    assert every_column(report) == sorted(PERSIAN_BOOK_COLUMNS)
    assert report.ignored == {
        "ردیف": "",
        "کد ملی عددی": "",
        "تاریخ صدور": "alternative",
        "تاریخ ثبت میلادی": "",
        "مکانیزه": "",
        "توضیحات": "",
    }


@pytest.mark.parametrize("reader", ["access-parser", pytest.param("mdb-export", marks=MDBTOOLS)])
def test_ancient_dates_are_read_as_access_holds_them(reader: str) -> None:
    # Jackcess's LocalDateTimeTest.testAncientLocalDates reads these from this file.
    table = open_table("jackcess-oldDatesV2007.accdb", reader)
    dates = column_values(table, "DateField")
    assert [d.date().isoformat() for d in dates if isinstance(d, dt.datetime)] == [
        "1582-10-15",
        "1582-10-14",
        "1492-01-10",
        "1392-01-10",
    ]


@pytest.mark.parametrize("reader", READERS)
def test_an_unreadable_date_leaves_the_record_without_it(reader: AccessReader) -> None:
    # 1582 and 1492 are neither Jalali years nor plausible Gregorian ones; 1392 is Jalali.
    source = read("jackcess-oldDatesV2007.accdb", "olddates_jalali", reader)
    rows = list(source)
    assert [(r.certificate_number, r.exam_date) for r in rows] == [
        ("1", None),
        ("2", None),
        ("3", None),
        ("4", "1392/01/10"),
    ]
    loss = source.report.losses["DateField"]
    assert (loss.field, loss.kind, loss.count, loss.first_row) == ("exam_date", "exam_date", 3, 1)
    assert "1582-10-15" in loss.first_reason
    assert source.report.skipped == 0


def test_an_unreadable_optional_value_is_set_aside_not_the_row() -> None:
    errors: list[RowRejected] = []
    row = make_row(
        {"full_name": "علی", "certificate_number": "7", "exam_date": "دیروز", "format": "کاغذی"},
        current_year=CURRENT_YEAR,
        optional_errors=errors,
    )
    assert (row.full_name, row.certificate_number, row.exam_date, row.format) == (
        "علی",
        "7",
        None,
        None,
    )
    assert [(e.field, e.kind) for e in errors] == [
        ("exam_date", "exam_date"),
        ("format", "format"),
    ]
    with pytest.raises(RowRejected):  # without the list, the row is still refused
        make_row({"full_name": "علی", "exam_date": "دیروز"}, current_year=CURRENT_YEAR)


# --- Defect 8: nothing lost in silence ------------------------------------------------------


def _ext_date_text(text: str) -> dt.datetime:
    """Jackcess's rendering of the file's Date/Time Extended values (its DateExtStr column):
    ``M/d/yyy`` or ``M/d/yyy h:mm:ss.SSSSSSS a``."""
    match = re.fullmatch(r"(\d+)/(\d+)/(\d+)(?: (\d+):(\d+):(\d+)\.(\d{7}) ([AP]M))?", text)
    assert match, text
    month, day, year, hour, minute, second, units, half = match.groups()
    moment = dt.datetime(int(year), int(month), int(day))
    if hour is not None:
        hours = int(hour) % 12 + (12 if half == "PM" else 0)
        moment += dt.timedelta(
            hours=hours, minutes=int(minute), seconds=int(second), microseconds=int(units) // 10
        )
    return moment


@pytest.mark.parametrize("reader", ["access-parser", pytest.param("mdb-export", marks=MDBTOOLS)])
def test_date_time_extended_values_are_read(reader: str) -> None:
    # Access 2016+ (ACE 17): mdb-export leaves these empty; access-parser refused the file.
    table = open_table("jackcess-extDateTestV2019.accdb", reader)
    extended = column_values(table, "DateExt")
    as_text = column_values(open_table("jackcess-extDateTestV2019.accdb", reader), "DateExtStr")
    assert len(extended) == 9
    for value, text in zip(extended, as_text, strict=True):
        if text is None or text == "":
            assert value is None
        else:
            assert value == _ext_date_text(str(text))


@pytest.mark.parametrize("reader", READERS)
def test_date_time_extended_dates_are_stored(reader: AccessReader) -> None:
    source = read("jackcess-extDateTestV2019.accdb", "extdate_ext", reader)
    by_id = {r.certificate_number: r.exam_date for r in source}

    def jalali(year: int, month: int, day: int) -> str:
        return str(
            jdatetime.date.fromgregorian(date=dt.date(year, month, day)).strftime("%Y/%m/%d")
        )

    assert by_id == {
        "1": jalali(2020, 6, 17),  # 1399/03/28
        "2": jalali(2021, 6, 14),
        "3": jalali(2021, 6, 14),
        "4": jalali(2021, 6, 14),
        "5": None,  # no date
        "6": jalali(2021, 6, 14),
        "7": None,  # 1765, 100 and 1265: left empty, and counted
        "8": None,
        "9": None,
    }
    loss = source.report.losses["DateExt"]
    assert (loss.kind, loss.count) == ("exam_date", 3)


@pytest.mark.parametrize("reader", READERS)
def test_calculated_columns_are_named_not_stored(reader: AccessReader) -> None:
    source = read("jackcess-calcFieldTestV2010.accdb", "calcfield", reader)
    rows = list(source)
    assert [(r.full_name, r.centre, r.trade, r.father_name) for r in rows] == [
        ("Bruce Wayne", "Gotham", None, None),
        ("Bart Simpson", "Springfield", None, None),
        ("John Doe", "Nowhere", None, None),
        ("Test User", "Hockessin", None, None),
    ]
    report = source.report
    assert {c: (loss.field, loss.kind) for c, loss in report.losses.items()} == {
        "AllNames": ("trade", "calculated"),
        "LastFirst": ("father_name", "calculated"),
    }
    assert "trade" not in report.columns and "father_name" not in report.columns
    assert report.ignored["LastFirstLen"] == "calculated"
    assert report.ignored["Salary"] == ""


@pytest.mark.parametrize("reader", READERS)
def test_multi_value_and_attachment_columns_are_named_not_stored(reader: AccessReader) -> None:
    source = read("jackcess-complexDataTestV2007.accdb", "complexdata", reader)
    rows = list(source)
    # row1 has no memo, hence no name.
    assert [(r.certificate_number, r.full_name, r.trade, r.centre) for r in rows] == [
        ("ROW2", "row2-memo", None, None),
        ("ROW3", "row3-memo", None, None),
        ("ROW4", "row4-memo", None, None),
    ]
    report = source.report
    assert {c: (loss.field, loss.kind) for c, loss in report.losses.items()} == {
        "multi-value-data": ("trade", "complex"),
        "attach-data": ("centre", "complex"),
    }
    assert report.ignored["VersionHistory_F5F8918F-0A3F-4DA9-AE71-184EE5012880"] == "complex"


@pytest.mark.parametrize("reader", READERS)
def test_columns_of_unknown_types_are_named_not_stored(reader: AccessReader) -> None:
    mapping = ImportMapping(
        table="Test",
        columns={"certificate_number": "ID", "trade": "UnknownVar", "centre": "UnknownFix"},
        constants={"full_name": "بدون نام"},
    )
    source = read("jackcess-unsupportedFieldsTestV2007.accdb", mapping, reader)
    rows = list(source)
    assert [(r.certificate_number, r.trade, r.centre) for r in rows] == [
        ("1", None, None),
        ("2", None, None),
        ("3", None, None),
    ]
    assert {c: loss.kind for c, loss in source.report.losses.items()} == {
        "UnknownVar": "unsupported",
        "UnknownFix": "unsupported",
    }
    assert source.report.ignored == {"UnknownComplex": "complex"}
    # A name that cannot be read is said so.
    with pytest.raises(RegistryImportError, match="name column 'UnknownVar' cannot be read"):
        list(read("jackcess-unsupportedFieldsTestV2007.accdb", "unsupportedfields", reader))


def _persian_access_97_file(tmp_path: Path) -> Path:
    """UCanAccess's Jet 3 file with its one text value rewritten in Windows-1256, as a Persian
    office's Access 97 would have stored it (same length, so the file stays whole)."""
    data = (DATA / "ucanaccess-charsetGBK.mdb").read_bytes()
    gbk, persian = "GBK编码".encode("gbk"), "علي رضا".encode("cp1256")
    assert data.count(gbk) == 1 and len(gbk) == len(persian)
    path = tmp_path / "persian97.mdb"
    path.write_bytes(data.replace(gbk, persian))
    return path


@pytest.mark.parametrize("reader", READERS)
def test_access_97_text_is_read_as_windows_1256_by_default(
    tmp_path: Path, reader: AccessReader
) -> None:
    path = _persian_access_97_file(tmp_path)
    mapping = load_mapping(MAPPINGS / "charsetGBK_nocharset.toml")
    source = RegistryImport(path, mapping, access_reader=reader)
    (row,) = list(source)
    assert row.full_name == "علی رضا"
    assert source.report.charset == "cp1256" and not source.report.losses


@pytest.mark.parametrize("reader", READERS)
def test_access_97_text_in_another_code_page_is_named(reader: AccessReader) -> None:
    source = read("ucanaccess-charsetGBK.mdb", "charsetGBK_nocharset", reader)
    list(source)
    loss = source.report.losses["field1"]
    assert (loss.kind, loss.count, loss.field) == ("garbled", 1, "full_name")
    # With the file's code page (UCanAccess's charset test expects this value).
    (row,) = list(
        read("ucanaccess-charsetGBK.mdb", "charsetGBK_nocharset", reader, jet3_charset="gbk")
    )
    assert row.full_name == "GBK编码"


def test_garbled_text_is_told_from_persian() -> None:
    assert looks_garbled("GBK±àآë")  # GBK read as Windows-1256
    assert looks_garbled("Umsلtze")  # Windows-1252 read as Windows-1256
    for fine in ("علی‌اکبر کریمی", "مرکز شماره ۲ اهواز", "«مکانیزه»، 1388", "Mère Paillarde"):
        assert not looks_garbled(fine)


def test_columns_not_recognised_are_named_and_alternatives_read(tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    path.write_text(
        "ردیف,نام و نام خانوادگی,حرفه / رشته,تاریخ صدور,توضیحات\n"
        "1,مریم احمدی,جوشکاری برق,1370/05/03,دفتر ۳\n",
        encoding="utf-8",
    )
    source = RegistryImport(path, current_year=CURRENT_YEAR)
    (row,) = list(source)
    assert (row.full_name, row.trade, row.exam_date) == ("مریم احمدی", "جوشکاری برق", "1370/05/03")
    assert source.report.columns == {
        "full_name": "نام و نام خانوادگی",
        "trade": "حرفه / رشته",
        "exam_date": "تاریخ صدور",
    }
    assert source.report.ignored == {"ردیف": "", "توضیحات": ""}


# --- Defect 9: Access 2016+ files, and refusals that say what to do -------------------------


@pytest.mark.parametrize("book", ["registry-fa-V2016.accdb", "ucanaccess-functionsV2016.accdb"])
def test_access_parser_reads_access_2016_files(book: str) -> None:
    mapping = "fa_text" if book.startswith("registry") else "functions2016"
    source = read(book, mapping, "access-parser")
    rows = list(source)
    assert source.report.reader == "access-parser"
    if book.startswith("registry"):
        assert [(r.national_code, r.exam_date) for r in rows] == [
            (nc, date) for nc, *_, date in PERSIAN_BOOK
        ]
    else:
        assert source.report.rows_read == 1


async def test_a_refused_file_is_explained_in_one_line_saying_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An Access 2010 file access-parser cannot read (its pages are not where it looks).
    settings = StorageSettings(_env_file=None, data_dir=tmp_path / "data")
    path = DATA / "jackcess-testEmoticonsV2010.accdb"
    args = cli_args("registry", "import", str(path), "--reader", "access-parser", "--dry-run")
    assert await registry_cli.run(args, settings) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: " + texts.REGISTRY_IMPORT_REFUSALS["unreadable"])
    assert "apt-get install mdbtools" in err and "access-parser cannot read it" in err


async def test_the_cli_report_names_every_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = StorageSettings(_env_file=None, data_dir=tmp_path / "data")
    path = DATA / "jackcess-calcFieldTestV2010.accdb"
    mapping = MAPPINGS / "calcfield.toml"
    args = cli_args("registry", "import", str(path), "--mapping", str(mapping), "--dry-run")
    assert await registry_cli.run(args, settings) == 0
    out = capsys.readouterr().out
    assert "ستون‌های خوانده‌شده: first_name ← «FirstName»" in out
    assert "ستون‌های خوانده‌نشده: «LastFirstLen» (ستون محاسبه‌شده)" in out
    lost = texts.REGISTRY_IMPORT_COLUMN_LOST.format(
        column="AllNames", field="trade", what=texts.REGISTRY_IMPORT_LOSSES["calculated"]
    )
    assert lost in out


async def test_the_cli_takes_the_access_97_code_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = StorageSettings(_env_file=None, data_dir=tmp_path / "data")
    path, mapping = DATA / "ucanaccess-charsetGBK.mdb", MAPPINGS / "charsetGBK_nocharset.toml"
    argv = ["registry", "import", str(path), "--mapping", str(mapping), "--dry-run"]
    assert await registry_cli.run(cli_args(*argv, "--jet3-charset", "gbk"), settings) == 0
    out = capsys.readouterr().out
    assert texts.REGISTRY_IMPORT_JET3_CHARSET.format(charset="gbk") in out
    assert "⚠️" not in out  # nothing garbled
    assert await registry_cli.run(cli_args(*argv), settings) == 0
    out = capsys.readouterr().out
    assert texts.REGISTRY_IMPORT_JET3_CHARSET.format(charset="cp1256") in out
    assert "⚠️ ستون «field1» (full_name)" in out
    with pytest.raises(SystemExit):
        cli_args(*argv, "--jet3-charset", "klingon")


def test_the_documented_deployments_bring_mdbtools() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert re.search(r"apt-get install[^\n]*\bmdbtools\b", dockerfile)
    start = (ROOT / "scripts" / "start").read_text()
    assert "mdb-export" in start and "apt-get install mdbtools" in start
