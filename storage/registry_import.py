"""Reading registry files (CSV, Excel, MS Access) into :class:`~domain.registry.RegistryRow`.

Everything streams: a file is read row by row and each row is cleaned and checked
(:func:`domain.registry.make_row`) as it is reached; a bad row is counted and described in the
:class:`ImportReport` (row number and reason) and the import goes on.

Formats
-------
* **CSV** (``.csv``, ``.txt``, ``.tsv``): UTF-8 with or without a byte-order mark, UTF-16 with
  one (Excel's "Unicode text"), otherwise Windows-1256, the code page Persian Excel exports
  use (the whole file is checked for valid UTF-8 first, without holding it in memory). The
  delimiter (comma, semicolon, tab or bar) is the one the header line uses most. Row numbers
  count CSV records, the header being row ``header_row`` (1), as a spreadsheet numbers them.
* **Excel** (``.xlsx``, ``.xlsm``) through openpyxl in read-only mode; the sheet is the mapping's
  table name or the first sheet. Row numbers are the sheet's. Old ``.xls`` files must be saved
  as ``.xlsx`` or CSV first.
* **MS Access** (``.mdb`` Jet 3/4, ``.accdb`` ACE). Two readers, chosen by ``access_reader``:

  - ``mdb-export`` from mdbtools, used by default (``auto``) when it is installed: a C program
    whose CSV output is streamed, so any size is read in constant memory; it reads every table
    of the test files, including Jet 3 tables that access-parser cannot decode.
  - ``access-parser`` (pure Python, from PyPI, always installed): the fallback. It loads the
    file into memory (Access files are at most 2 GB) and is decoded here record by record, so
    a record it cannot decode is reported as a skipped row instead of shifting the columns of
    every later row (which its whole-table API would do).

  Row numbers count records in storage order. Dates come as Gregorian date-times (converted to
  Jalali unless their year is already a Jalali one; see ``parse_exam_date``). For Access 97
  (Jet 3) files, whose text is in a Windows code page, set ``jet3_charset`` (``cp1256`` for
  Persian); Jet 4 and ACE store Unicode.

Mapping files
-------------
TOML (``.toml``) or JSON (``.json``) with the same structure; every section is optional::

    [table]
    name = "Employees"       # Access table or Excel sheet (default: the only table / first sheet)
    header_row = 1           # CSV/Excel: the row holding the column names
    encoding = "cp1256"      # CSV: force an encoding instead of detecting it
    delimiter = ";"          # CSV: force a delimiter
    jet3_charset = "cp1256"  # Access 97 (Jet 3) files: the code page of their text

    [columns]                # registry field = source column (exact name, or same letters)
    last_name = "LastName"
    first_name = "FirstName"
    exam_date = "BirthDate"
    certificate_number = "EmployeeID"

    [constants]              # a value for every row
    source = "Northwind"
    format = "old_books"     # old_books | old_centre | mechanized (or Persian: دفاتر ثبت, مکانیزه)

    [dates]
    calendar = "gregorian"   # auto (default) | jalali | gregorian (converted to Jalali)
    order = "mdy"            # auto (default) | ymd | dmy | mdy, for dates whose year is last

Registry fields: national_code, first_name, last_name, full_name, father_name, trade,
standard_code, certificate_number, exam_date, exam_year (when only the year is known), centre,
province, source, format. With a ``[columns]`` section only the columns it names are read;
without one, columns are recognised by their header, in Persian or English (:data:`HEADERS`).
Without a ``source`` column or constant, the source is the file's name (and table).
"""

from __future__ import annotations

import codecs
import collections
import csv
import dataclasses
import importlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast, get_args

from domain.jalali import current_jalali_year
from domain.registry import (
    IMPORT_FIELDS,
    DateCalendar,
    DateOrder,
    RegistryRow,
    RowRejected,
    make_row,
    normalize_name,
)

AccessReader = Literal["auto", "mdb-export", "access-parser"]
ACCESS_READERS: tuple[AccessReader, ...] = get_args(AccessReader)

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
ACCESS_SUFFIXES = (".mdb", ".accdb")
DEFAULT_KEPT_REASONS = 100

# Header names recognised without a mapping file, by registry field.
HEADERS: dict[str, tuple[str, ...]] = {
    "national_code": (
        "national_code", "national code", "national id", "nationalcode", "nid", "code melli",
        "کد ملی", "کدملی", "شماره ملی", "شمارهٔ ملی",
    ),
    "first_name": ("first_name", "first name", "firstname", "given name", "نام"),
    "last_name": (
        "last_name", "last name", "lastname", "surname", "family name", "family",
        "نام خانوادگی", "فامیلی", "نام فامیل",
    ),
    "full_name": (
        "full_name", "full name", "fullname", "name", "نام و نام خانوادگی", "نام کامل",
        "نام و نام خانوادگی دارنده",
    ),
    "father_name": (
        "father_name", "father name", "fathers name", "father's name", "father",
        "نام پدر",
    ),
    "trade": (
        "trade", "occupation", "skill", "حرفه", "رشته", "نام حرفه", "عنوان حرفه",
        "رشته مهارتی", "نام رشته", "عنوان استاندارد",
    ),
    "standard_code": (
        "standard_code", "standard code", "standard", "کد استاندارد", "کد حرفه",
    ),
    "certificate_number": (
        "certificate_number", "certificate number", "certificate no", "certificate",
        "cert_no", "cert no", "شماره گواهینامه", "شماره گواهی نامه", "شمارهٔ گواهینامه",
        "شماره گواهی", "شماره مدرک",
    ),
    "exam_date": (
        "exam_date", "exam date", "تاریخ آزمون", "تاریخ امتحان", "تاریخ برگزاری آزمون",
    ),
    "exam_year": ("exam_year", "exam year", "سال آزمون", "سال امتحان"),
    "centre": (
        "centre", "center", "training_centre", "training centre", "training center",
        "مرکز", "آموزشگاه", "مرکز آموزشی", "مرکز آموزش", "نام مرکز", "نام آموزشگاه",
    ),
    "province": ("province", "استان"),
    "source": ("source", "منبع"),
    "format": ("format", "فرمت", "نوع گواهینامه", "فرمت گواهینامه"),
}  # fmt: skip
_NAME_FIELDS = ("full_name", "first_name", "last_name")
_ATTACHMENT_TABLE_RE = re.compile(r"^f_[0-9A-F]{32}_", re.IGNORECASE)


class RegistryImportError(Exception):
    """The file as a whole cannot be imported (unreadable, no such table, no name column, a
    bad mapping file); the message says why, for the person running the import."""


def _header_key(name: str) -> str:
    return normalize_name(name)


_HEADER_FIELDS = {_header_key(alias): f for f, aliases in HEADERS.items() for alias in aliases}


# --- Mapping files --------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportMapping:
    """How a source's columns become registry fields (see the module docstring)."""

    table: str | None = None
    header_row: int = 1
    encoding: str | None = None
    delimiter: str | None = None
    jet3_charset: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    constants: Mapping[str, str] = field(default_factory=dict)
    calendar: DateCalendar = "auto"
    order: DateOrder = "auto"

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> ImportMapping:
        """A mapping from a parsed TOML/JSON document.

        Raises:
            RegistryImportError: unknown sections, keys or fields, or values of the wrong type.
        """
        known = {"table", "columns", "constants", "dates"}
        unknown = set(document) - known
        if unknown:
            raise RegistryImportError(
                f"mapping: unknown section(s) {', '.join(sorted(unknown))}; "
                f"sections are {', '.join(sorted(known))}"
            )
        table = _section(document, "table", {"name", "header_row", "encoding", "delimiter",
                                              "jet3_charset"})  # fmt: skip
        columns = _section(document, "columns", set(IMPORT_FIELDS))
        constants = _section(document, "constants", set(IMPORT_FIELDS))
        dates = _section(document, "dates", {"calendar", "order"})
        for name, value in (*columns.items(), *constants.items()):
            if not isinstance(value, str | int) or isinstance(value, bool):
                raise RegistryImportError(f"mapping: {name} must be text")
        both = set(columns) & set(constants)
        if both:
            raise RegistryImportError(
                f"mapping: {', '.join(sorted(both))} is both a column and a constant"
            )
        header_row = table.get("header_row", 1)
        if not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1:
            raise RegistryImportError("mapping: header_row must be a whole number from 1")
        calendar = dates.get("calendar", "auto")
        if calendar not in get_args(DateCalendar):
            raise RegistryImportError(
                f"mapping: calendar must be one of {', '.join(get_args(DateCalendar))}"
            )
        order = dates.get("order", "auto")
        if order not in get_args(DateOrder):
            raise RegistryImportError(
                f"mapping: order must be one of {', '.join(get_args(DateOrder))}"
            )
        texts: dict[str, str | None] = {}
        for key in ("name", "encoding", "delimiter", "jet3_charset"):
            value = table.get(key)
            if value is not None and not isinstance(value, str):
                raise RegistryImportError(f"mapping: table.{key} must be text")
            texts[key] = value
        for key in ("encoding", "jet3_charset"):
            if texts[key]:
                try:
                    codecs.lookup(cast(str, texts[key]))
                except LookupError:
                    raise RegistryImportError(f"mapping: unknown {key} {texts[key]!r}") from None
        if texts["delimiter"] is not None and len(texts["delimiter"]) != 1:
            raise RegistryImportError("mapping: delimiter must be one character")
        return cls(
            table=texts["name"],
            header_row=header_row,
            encoding=texts["encoding"],
            delimiter=texts["delimiter"],
            jet3_charset=texts["jet3_charset"],
            columns={k: str(v) for k, v in columns.items()},
            constants={k: str(v) for k, v in constants.items()},
            calendar=cast(DateCalendar, calendar),
            order=cast(DateOrder, order),
        )


def _section(document: Mapping[str, Any], name: str, allowed: set[str]) -> dict[str, Any]:
    section = document.get(name, {})
    if not isinstance(section, dict):
        raise RegistryImportError(f"mapping: [{name}] must be a table of keys")
    unknown = set(section) - allowed
    if unknown:
        raise RegistryImportError(
            f"mapping: unknown key(s) in [{name}]: {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )
    return section


def load_mapping(path: Path) -> ImportMapping:
    """Read a mapping file: TOML, or JSON when its name ends in ``.json``.

    Raises:
        RegistryImportError: the file cannot be read or parsed, or is not a valid mapping.
    """
    try:
        if path.suffix.lower() == ".json":
            document = json.loads(path.read_text(encoding="utf-8-sig"))
        else:
            with path.open("rb") as f:
                document = tomllib.load(f)
    except (OSError, ValueError) as exc:
        raise RegistryImportError(f"mapping file {path}: {exc}") from None
    if not isinstance(document, dict):
        raise RegistryImportError(f"mapping file {path}: must hold sections")
    return ImportMapping.from_dict(document)


# --- The report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SkippedRow:
    """A source row that was not imported."""

    row: int
    reason: str


@dataclass
class ImportReport:
    """What reading a file found; filled in as the rows are read."""

    path: Path
    reader: str = ""
    table: str | None = None
    # Registry field → the source column it is read from.
    columns: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0  # data rows met (wholly empty rows are passed over silently)
    rows_valid: int = 0
    skipped: int = 0
    # The first ``kept`` skipped rows, and how many rows each kind of problem skipped.
    skipped_rows: list[SkippedRow] = field(default_factory=list)
    skipped_by_kind: collections.Counter[str] = field(default_factory=collections.Counter)
    kept: int = DEFAULT_KEPT_REASONS
    # Things the person running the import should know about the file as a whole.
    notes: list[str] = field(default_factory=list)

    def skip(self, row: int, reason: str, kind: str) -> None:
        """Count a skipped row and keep its reason while fewer than ``kept`` are kept."""
        self.skipped += 1
        self.skipped_by_kind[kind] += 1
        if len(self.skipped_rows) < self.kept:
            self.skipped_rows.append(SkippedRow(row, reason))


# --- Raw readers: (header, rows of (row number, values)) ------------------------------------

RawRows = Iterator[tuple[int, Sequence[object]]]


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_csv_encoding(path: Path) -> str:
    """``utf-8-sig`` or ``utf-16`` by byte-order mark, else ``utf-8`` if the whole file is
    valid UTF-8, else ``cp1256``."""
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8" if _is_utf8(path) else "cp1256"


def _csv_rows(path: Path, mapping: ImportMapping, report: ImportReport) -> RawRows:
    encoding = mapping.encoding or detect_csv_encoding(path)
    report.reader = f"csv ({encoding})"
    with path.open(encoding=encoding, newline="", errors="strict") as f:
        first_line = f.readline()
        delimiter = mapping.delimiter or max(
            (",", ";", "\t", "|"), key=lambda d: first_line.count(d)
        )
        f.seek(0)
        try:
            yield from enumerate(csv.reader(f, delimiter=delimiter), start=1)
        except UnicodeDecodeError as exc:
            raise RegistryImportError(f"{path}: not {encoding} text ({exc})") from None
        except csv.Error as exc:
            raise RegistryImportError(f"{path}: broken CSV ({exc})") from None


def _excel_rows(path: Path, mapping: ImportMapping, report: ImportReport) -> RawRows:
    # Imported on use (and untyped: no stubs are installed).
    openpyxl: Any = importlib.import_module("openpyxl")
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise RegistryImportError(f"{path}: cannot open as an Excel workbook ({exc})") from None
    try:
        if mapping.table is not None:
            if mapping.table not in workbook.sheetnames:
                raise RegistryImportError(
                    f"{path}: no sheet {mapping.table!r}; sheets: {', '.join(workbook.sheetnames)}"
                )
            sheet = workbook[mapping.table]
        else:
            sheet = workbook.worksheets[0]
        report.reader = "xlsx (openpyxl)"
        report.table = sheet.title
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        workbook.close()


def _access_tables_mdbtools(path: Path, env: Mapping[str, str]) -> list[str]:
    tool = shutil.which("mdb-tables")
    if tool is None:
        raise RegistryImportError("mdb-tables (mdbtools) is not installed")
    result = subprocess.run(
        [tool, "-1", str(path)], capture_output=True, env=dict(env), check=False
    )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise RegistryImportError(f"{path}: mdb-tables failed: {message}")
    return [t for t in result.stdout.decode("utf-8", "replace").splitlines() if t]


def _choose_table(path: Path, wanted: str | None, tables: Sequence[str]) -> str:
    if wanted is not None:
        if wanted in tables:
            return wanted
        raise RegistryImportError(f"{path}: no table {wanted!r}; tables: {', '.join(tables)}")
    if len(tables) == 1:
        return tables[0]
    raise RegistryImportError(
        f"{path}: name the table to import (--table or the mapping's [table] name); "
        f"tables: {', '.join(tables) or 'none'}"
    )


def _mdbtools_rows(
    path: Path, mapping: ImportMapping, table: str | None, report: ImportReport
) -> RawRows:
    env = dict(os.environ)
    if mapping.jet3_charset:
        env["MDB_JET3_CHARSET"] = mapping.jet3_charset
    env.setdefault("MDB_ICONV", "UTF-8")
    name = _choose_table(path, table, _access_tables_mdbtools(path, env))
    report.reader = "mdb-export (mdbtools)"
    report.table = name
    tool = shutil.which("mdb-export")
    if tool is None:
        raise RegistryImportError("mdb-export (mdbtools) is not installed")
    command = [tool, "-b", "strip", "-T", "%Y-%m-%d %H:%M:%S", str(path), name]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=env)
        assert process.stdout is not None
        try:
            text = io.TextIOWrapper(process.stdout, encoding="utf-8", errors="replace", newline="")
            # The header is number 0: records are numbered from 1, as access-parser's are.
            yield from enumerate(csv.reader(text), start=0)
            returncode = process.wait()
            if returncode != 0:
                errors.seek(0)
                message = errors.read().decode("utf-8", "replace").strip()
                raise RegistryImportError(f"{path}: mdb-export failed ({returncode}): {message}")
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()


def _user_tables(catalog: Mapping[str, object]) -> list[str]:
    return [
        name
        for name in catalog
        if not name.startswith("MSys") and not _ATTACHMENT_TABLE_RE.match(name)
    ]


def _usage_map_pages(database: Any, table: Any) -> list[int] | None:
    """The numbers of the table's data pages from its usage map, as mdbtools finds them, or
    None if the map cannot be read.

    access-parser instead takes every data page whose owner is the table, which in Jet 3 files
    includes stale pages (nwind.mdb's ``Umsätze`` has 257 of them next to its 51 real ones)
    whose leftover bytes it would decode as rows.
    """
    page_size: int = database.page_size
    pages: Mapping[int, bytes] = database._all_pages
    row_count_offset = 8 if database.version == 3 else 12
    try:
        pointer: int = table.table_header.row_page_map
        page = pages[(pointer >> 8) * page_size]
        row = pointer & 0xFF
        start = struct.unpack_from("<H", page, row_count_offset + 2 + row * 2)[0] & 0x1FFF
        end = (
            page_size
            if row == 0
            else struct.unpack_from("<H", page, row_count_offset + row * 2)[0] & 0x1FFF
        )
        usage = page[start:end]
        if usage[0] == 0:  # inline bitmap from a first page
            first = struct.unpack_from("<I", usage, 1)[0]
            bits = usage[5:]
            return [first + i for i in range(len(bits) * 8) if bits[i // 8] >> (i % 8) & 1]
        if usage[0] == 1:  # a list of bitmap pages, each covering (page size - 4) * 8 pages
            span = (page_size - 4) * 8
            numbers: list[int] = []
            for j in range((len(usage) - 1) // 4):
                map_page = struct.unpack_from("<I", usage, 1 + 4 * j)[0]
                if not map_page:
                    continue
                bits = pages[map_page * page_size][4:]
                numbers.extend(j * span + i for i in range(span) if bits[i // 8] >> (i % 8) & 1)
            return numbers
    except (KeyError, IndexError, struct.error, AttributeError):
        return None
    return None


def _access_parser_records(database: Any, table: Any) -> Iterator[bytes]:
    """The raw records of an access-parser table, in storage order (as ``AccessTable.parse``
    walks them: deleted records skipped, overflow records followed), from the pages in the
    table's usage map."""
    parse_data_page_header = importlib.import_module(
        "access_parser.parsing_primitives"
    ).parse_data_page_header
    numbers = _usage_map_pages(database, table)
    if numbers is None:
        data_pages: list[bytes] = list(table.table.linked_pages)
    else:
        data_pages = [
            page
            for n in numbers
            if (page := database._data_pages.get(n * database.page_size)) is not None
        ]
    for page in data_pages:
        header = parse_data_page_header(page, version=table.version)
        last_offset: int | None = None
        for offset in header.record_offsets:
            if offset & 0x8000:  # deleted
                last_offset = offset & 0xFFF
                continue
            if offset & 0x4000:  # moved to an overflow page
                pointer_offset = offset & 0xFFF
                last_offset = pointer_offset
                pointer = struct.unpack("<I", page[pointer_offset : pointer_offset + 4])[0]
                record = table._get_overflow_record(pointer)
                if record:
                    yield record
                continue
            record = page[offset:] if not last_offset else page[offset:last_offset]
            last_offset = offset
            if record:
                yield record


def _access_parser_rows(
    path: Path, mapping: ImportMapping, table: str | None, report: ImportReport
) -> Iterator[tuple[int, Sequence[object] | str]]:
    """Rows from access-parser; a record it cannot decode comes as the reason text."""
    from collections import defaultdict

    AccessParser = importlib.import_module("access_parser").AccessParser

    try:
        database = AccessParser(str(path))
    except Exception as exc:  # the parser raises whatever its structures raise
        raise RegistryImportError(f"{path}: access-parser cannot read it ({exc})") from None
    name = _choose_table(path, table, _user_tables(database.catalog))
    report.reader = "access-parser"
    report.table = name
    try:
        access_table = database.get_table(name)
        columns = [c.col_name_str for _, c in sorted(access_table.columns.items())]
    except Exception as exc:
        raise RegistryImportError(
            f"{path}: access-parser cannot read table {name!r} ({exc})"
        ) from None
    recode = database.version == 3 and mapping.jet3_charset
    yield 0, columns
    number = 0
    for number, record in enumerate(_access_parser_records(database, access_table), start=1):
        access_table.parsed_table = defaultdict(list)
        try:
            access_table._parse_row(record)
        except Exception as exc:
            yield number, f"Access record could not be decoded ({type(exc).__name__}: {exc})"
            continue
        parsed = access_table.parsed_table
        if any(len(parsed.get(c, ())) != 1 for c in columns):
            yield number, "Access record could not be decoded (access-parser)"
            continue
        values: list[object] = [parsed[c][0] for c in columns]
        if recode:
            values = [_recode(v, cast(str, mapping.jet3_charset)) for v in values]
        yield number, values
    expected = getattr(access_table.table_header, "number_of_rows", None)
    if isinstance(expected, int) and expected != number:
        report.notes.append(
            f"access-parser found {number} record(s) where the table header counts {expected}; "
            "mdbtools' mdb-export may read this file better"
        )


def _recode(value: object, charset: str) -> object:
    """Jet 3 text that access-parser read as Latin-1, decoded with its real code page."""
    if not isinstance(value, str):
        return value
    try:
        return value.encode("latin-1").decode(charset)
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


# --- Mapping source columns to fields -------------------------------------------------------


def _resolve_columns(
    path: Path, header: Sequence[object], mapping: ImportMapping
) -> dict[str, int]:
    """Registry field → index of its source column."""
    names = [str(h).strip() if h is not None else "" for h in header]
    if mapping.columns:
        resolved: dict[str, int] = {}
        for field_name, column in mapping.columns.items():
            if column in names:
                resolved[field_name] = names.index(column)
                continue
            loose = [i for i, n in enumerate(names) if n and _header_key(n) == _header_key(column)]
            if not loose:
                raise RegistryImportError(
                    f"{path}: no column {column!r} (for {field_name}); "
                    f"columns: {', '.join(n for n in names if n)}"
                )
            resolved[field_name] = loose[0]
        return resolved
    found: dict[str, int] = {}
    for index, name in enumerate(names):
        known = _HEADER_FIELDS.get(_header_key(name)) if name else None
        if known is not None and known not in found:
            found[known] = index
    return found


class RegistryImport:
    """The rows of one registry file, read lazily: iterate once (for instance by passing it to
    ``RegistryService.upsert``); :attr:`report` fills in as the rows go by.

    Raises (while iterating):
        RegistryImportError: the file as a whole cannot be read (see that class).
    """

    def __init__(
        self,
        path: Path,
        mapping: ImportMapping | None = None,
        *,
        table: str | None = None,
        access_reader: AccessReader = "auto",
        kept_reasons: int = DEFAULT_KEPT_REASONS,
        current_year: int | None = None,
    ) -> None:
        if access_reader not in ACCESS_READERS:
            raise ValueError(f"access_reader must be one of {', '.join(ACCESS_READERS)}")
        self.path = path
        self.mapping = mapping or ImportMapping()
        self.table = table or self.mapping.table
        self.access_reader = access_reader
        self.report = ImportReport(path, kept=kept_reasons)
        self._current_year = current_year
        self._started = False

    def __iter__(self) -> Iterator[RegistryRow]:
        if self._started:
            raise RuntimeError("a RegistryImport can be read only once")
        self._started = True
        return self._rows()

    def _raw(self) -> Iterator[tuple[int, Sequence[object] | str]]:
        suffix = self.path.suffix.lower()
        if not self.path.is_file():
            raise RegistryImportError(f"{self.path}: no such file")
        if suffix in CSV_SUFFIXES:
            return _csv_rows(self.path, self.mapping, self.report)
        if suffix in EXCEL_SUFFIXES:
            mapping = self.mapping
            if self.table != mapping.table:
                mapping = dataclasses.replace(mapping, table=self.table)
            return _excel_rows(self.path, mapping, self.report)
        if suffix in ACCESS_SUFFIXES:
            reader = self.access_reader
            if reader == "auto":
                reader = "mdb-export" if shutil.which("mdb-export") else "access-parser"
            if reader == "mdb-export":
                return _mdbtools_rows(self.path, self.mapping, self.table, self.report)
            return _access_parser_rows(self.path, self.mapping, self.table, self.report)
        if suffix == ".xls":
            raise RegistryImportError(f"{self.path}: save old .xls files as .xlsx or CSV first")
        raise RegistryImportError(
            f"{self.path}: unknown kind of file; expected one of "
            f"{', '.join(CSV_SUFFIXES + EXCEL_SUFFIXES + ACCESS_SUFFIXES)}"
        )

    def _rows(self) -> Iterator[RegistryRow]:
        report, mapping = self.report, self.mapping
        current_year = self._current_year or current_jalali_year()
        raw = self._raw()
        header_row = 0 if self.path.suffix.lower() in ACCESS_SUFFIXES else mapping.header_row
        header: Sequence[object] | None = None
        for number, values in raw:
            if number == header_row and not isinstance(values, str):
                header = values
                break
        if header is None:
            raise RegistryImportError(f"{self.path}: no header row (row {header_row})")
        columns = _resolve_columns(self.path, header, mapping)
        report.columns = {f: str(header[i]) for f, i in columns.items()}
        constants: dict[str, object] = dict(mapping.constants)
        if "source" not in columns and "source" not in constants:
            constants["source"] = self.path.name + (f":{report.table}" if report.table else "")
        if not any(f in columns or f in constants for f in _NAME_FIELDS):
            names = [str(h) for h in header if h is not None and str(h).strip()]
            raise RegistryImportError(
                f"{self.path}: no name column found among {', '.join(names)}; "
                "give a mapping file naming the columns"
            )
        for number, values in raw:
            if isinstance(values, str):
                report.rows_read += 1
                report.skip(number, values, "unreadable")
                continue
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            report.rows_read += 1
            fields = dict(constants)
            for field_name, index in columns.items():
                fields[field_name] = values[index] if index < len(values) else None
            try:
                row = make_row(
                    fields,
                    calendar=mapping.calendar,
                    order=mapping.order,
                    current_year=current_year,
                )
            except RowRejected as exc:
                report.skip(number, exc.reason, exc.kind)
                continue
            report.rows_valid += 1
            yield row
