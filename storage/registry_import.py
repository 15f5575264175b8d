"""Reading registry files (CSV, Excel, MS Access) into :class:`~domain.registry.RegistryRow`.

Everything streams: a file is read row by row and each row is cleaned and checked
(:func:`domain.registry.make_row`) as it is reached; a bad row is counted and described in the
:class:`ImportReport` (row number and reason) and the import goes on. An unreadable value in a
field a record does without (exam date, exam year, format) keeps the row with that field
empty, counted in the report under its column. The report names every source column as read,
ignored (and why) or lossy (:class:`ColumnLoss`): nothing is dropped or stored wrong unsaid.

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
* **MS Access** (``.mdb`` Jet 3/4, ``.accdb`` ACE 12–17, Access 2007 to 365): read by
  ``storage.registry_access``. Two readers, chosen by ``access_reader``:

  - ``mdb-export`` from mdbtools, used by default (``auto``) when it is installed: a C program
    whose CSV output is streamed, so any size is read in constant memory; it reads every table
    of the test files, including Jet 3 tables that access-parser cannot decode. The values it
    cannot give (dates before 1899-12-30, Date/Time Extended) are read again by access-parser.
  - ``access-parser`` (pure Python, from PyPI, always installed): the fallback, and what
    ``auto`` takes when mdbtools fails on a file. It loads the file into memory (Access files
    are at most 2 GB) and is decoded here record by record, so a record it cannot decode is
    reported as a skipped row instead of shifting the columns of every later row (which its
    whole-table API would do).

  Row numbers count records in storage order. Dates come as Gregorian date-times (converted to
  Jalali unless their year is already a Jalali one, as when Jalali dates were typed into a
  Date/Time column; see ``parse_exam_date``). Calculated, multi-value, attachment, binary and
  unknown-type columns are not read: a field mapped to one stays empty and the report says
  so (guessing by header passes over them). Access 97 (Jet 3) text is in a Windows code page
  the file does not record: ``jet3_charset`` (default ``cp1256``, Persian Windows) decodes it,
  and values that look garbled in it are counted in the report; Jet 4 and ACE store Unicode.

Mapping files
-------------
TOML (``.toml``) or JSON (``.json``) with the same structure; every section is optional::

    [table]
    name = "Employees"       # Access table or Excel sheet (default: the only table / first sheet)
    header_row = 1           # CSV/Excel: the row holding the column names
    encoding = "cp1256"      # CSV: force an encoding instead of detecting it
    delimiter = ";"          # CSV: force a delimiter
    jet3_charset = "cp1256"  # Access 97 (Jet 3) files: their text's code page (cp1256)

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
without one, columns are recognised by their header, in Persian or English (:data:`HEADERS`;
:data:`FALLBACK_HEADERS` for a field no other column gives).
Without a ``source`` column or constant, the source is the file's name (and table).
"""

from __future__ import annotations

import codecs
import collections
import csv
import dataclasses
import importlib
import json
import shutil
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
from storage.registry_access import (
    DEFAULT_JET3_CHARSET,
    UNREADABLE_KINDS,
    AccessError,
    AccessTable,
    Unreadable,
    looks_garbled,
    open_with_access_parser,
    open_with_mdbtools,
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
        "رشته مهارتی", "نام رشته", "عنوان استاندارد", "حرفه / رشته", "رشته / حرفه",
        "عنوان حرفه / رشته",
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
# Headers read for a field only when no column of HEADERS gives it (the issue date of a
# certificate stands in for its exam date).
FALLBACK_HEADERS: dict[str, tuple[str, ...]] = {
    "exam_date": (
        "issue_date", "issue date", "date of issue", "تاریخ صدور", "تاریخ صدور گواهینامه",
        "تاریخ صدور مدرک",
    ),
    "exam_year": ("issue_year", "issue year", "سال صدور"),
}  # fmt: skip
_NAME_FIELDS = ("full_name", "first_name", "last_name")


class RegistryImportError(Exception):
    """The file as a whole cannot be imported (unreadable, no such table, no name column, a
    bad mapping file); the message says why, for the person running the import, and ``kind``
    (when not None) names the trouble for a translated explanation of what to do (see
    ``domain.texts.REGISTRY_IMPORT_REFUSALS``)."""

    def __init__(self, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind


def _header_key(name: str) -> str:
    return normalize_name(name)


_HEADER_FIELDS = {_header_key(alias): f for f, aliases in HEADERS.items() for alias in aliases}
_FALLBACK_FIELDS = {
    _header_key(alias): f for f, aliases in FALLBACK_HEADERS.items() for alias in aliases
}


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
class ColumnLoss:
    """Values of one source column not stored as the file holds them.

    ``kind`` says why: a whole column that cannot be read (``calculated``, ``complex`` for
    multi-value and attachment columns, ``binary``, ``unsupported``; ``count`` is then 0 and
    the field stays empty), values left empty (``exam_date``, ``format``: not readable as
    one; ``unreadable``: the reader could not give them), or values kept as read but looking
    garbled in the Access 97 code page (``garbled``).
    """

    column: str
    field: str
    kind: str
    count: int = 0
    first_row: int | None = None
    first_reason: str = ""


@dataclass
class ImportReport:
    """What reading a file found; filled in as the rows are read.

    Every source column is in exactly one of :attr:`columns` (read), :attr:`ignored` or, for a
    column that cannot be read at all, :attr:`losses`; a column read can also have losses.
    """

    path: Path
    reader: str = ""
    table: str | None = None
    # Registry field → the source column it is read from.
    columns: dict[str, str] = field(default_factory=dict)
    # Source column not read → why: "" (no registry field), "alternative" (another column
    # gives its field) or the kind of a column that cannot be read (see ColumnLoss).
    ignored: dict[str, str] = field(default_factory=dict)
    # Source column → what was lost of it.
    losses: dict[str, ColumnLoss] = field(default_factory=dict)
    # The code page Access 97 text was decoded with (None: not an Access 97 file).
    charset: str | None = None
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

    def lose(self, column: str, field_name: str, kind: str, row: int, reason: str) -> None:
        """Count a value of ``column`` not stored as the file holds it (see ColumnLoss)."""
        loss = self.losses.get(column)
        if loss is None:
            loss = self.losses[column] = ColumnLoss(column, field_name, kind, 0, row, reason)
        loss.count += 1


# --- Raw readers: (header, rows of (row number, values)) ------------------------------------

RawRows = Iterator[tuple[int, Sequence[object]]]
# A row's values, or the reason an Access record could not be decoded.
Rows = Iterator[tuple[int, Sequence[object] | str]]


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


# --- Mapping source columns to fields -------------------------------------------------------


def _resolve_columns(
    path: Path, names: Sequence[str], mapping: ImportMapping, unreadable: Mapping[int, str]
) -> tuple[dict[str, int], dict[str, str]]:
    """Registry field → index of its source column, and the columns left out → why.

    A mapping file's columns are taken as named; guessing by header passes over the columns
    in ``unreadable`` (index → kind) and takes a :data:`FALLBACK_HEADERS` column only for a
    field no other column gives.
    """
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
        used = set(resolved.values())
        return resolved, {
            n: unreadable.get(i, "") for i, n in enumerate(names) if n and i not in used
        }
    found: dict[str, int] = {}
    ignored: dict[str, str] = {}
    fallbacks: list[tuple[str, int]] = []
    for index, name in enumerate(names):
        key = _header_key(name) if name else ""
        known = _HEADER_FIELDS.get(key)
        fallback = _FALLBACK_FIELDS.get(key)
        if (known or fallback) and index in unreadable:
            ignored[name] = unreadable[index]
        elif known is not None and known not in found:
            found[known] = index
        elif known is not None:
            ignored[name] = "alternative"
        elif fallback is not None:
            fallbacks.append((fallback, index))
        elif name:
            ignored[name] = ""
    for fallback, index in fallbacks:
        if fallback in found:
            ignored[names[index]] = "alternative"
        else:
            found[fallback] = index
    return found, ignored


class RegistryImport:
    """The rows of one registry file, read lazily: iterate once (for instance by passing it to
    ``RegistryService.upsert``); :attr:`report` fills in as the rows go by.

    ``jet3_charset`` is the code page of an Access 97 file's text; without it, the mapping's
    ``jet3_charset``, else :data:`DEFAULT_JET3_CHARSET`.

    Raises:
        LookupError: (when made) ``jet3_charset`` is no code page Python knows.
        RegistryImportError: (while iterating) the file as a whole cannot be read (see that
            class).
    """

    def __init__(
        self,
        path: Path,
        mapping: ImportMapping | None = None,
        *,
        table: str | None = None,
        access_reader: AccessReader = "auto",
        jet3_charset: str | None = None,
        kept_reasons: int = DEFAULT_KEPT_REASONS,
        current_year: int | None = None,
    ) -> None:
        if access_reader not in ACCESS_READERS:
            raise ValueError(f"access_reader must be one of {', '.join(ACCESS_READERS)}")
        self.path = path
        self.mapping = mapping or ImportMapping()
        self.table = table or self.mapping.table
        self.access_reader = access_reader
        self.jet3_charset = jet3_charset or self.mapping.jet3_charset or DEFAULT_JET3_CHARSET
        codecs.lookup(self.jet3_charset)  # LookupError for an unknown code page
        self.report = ImportReport(path, kept=kept_reasons)
        self._current_year = current_year
        self._started = False
        self._access: AccessTable | None = None

    def __iter__(self) -> Iterator[RegistryRow]:
        if self._started:
            raise RuntimeError("a RegistryImport can be read only once")
        self._started = True
        return self._rows()

    def _raw(self) -> Rows:
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
            try:
                table = self._open_access()
            except AccessError as exc:
                raise RegistryImportError(str(exc), exc.kind) from None
            self._access = table
            self.report.reader, self.report.table = table.reader, table.name
            self.report.charset = table.charset
            return _access_rows(table)
        if suffix == ".xls":
            raise RegistryImportError(f"{self.path}: save old .xls files as .xlsx or CSV first")
        raise RegistryImportError(
            f"{self.path}: unknown kind of file; expected one of "
            f"{', '.join(CSV_SUFFIXES + EXCEL_SUFFIXES + ACCESS_SUFFIXES)}"
        )

    def _open_access(self) -> AccessTable:
        """The table through the reader asked for; ``auto`` takes mdbtools when installed and
        access-parser where it is not or fails on the file."""
        notes = self.report.notes
        reader = self.access_reader
        if reader == "auto" and shutil.which("mdb-export") is None:
            reader = "access-parser"
        if reader == "access-parser":
            return open_with_access_parser(self.path, self.table, self.jet3_charset, notes)
        try:
            return open_with_mdbtools(self.path, self.table, self.jet3_charset, notes)
        except AccessError as exc:
            if reader != "auto" or exc.kind != "mdbtools_failed":
                raise
            notes.append(f"mdbtools could not read the file ({exc}); access-parser read it")
            return open_with_access_parser(self.path, self.table, self.jet3_charset, notes)

    def _rows(self) -> Iterator[RegistryRow]:
        report, mapping = self.report, self.mapping
        current_year = self._current_year or current_jalali_year()
        raw = self._raw()
        access = self._access
        header_row = 0 if access is not None else mapping.header_row
        header: Sequence[object] | None = None
        for number, values in raw:
            if number == header_row and not isinstance(values, str):
                header = values
                break
        if header is None:
            raise RegistryImportError(f"{self.path}: no header row (row {header_row})")
        names = [str(h).strip() if h is not None else "" for h in header]
        unreadable = {}
        if access is not None:
            unreadable = {
                i: c.kind for i, c in enumerate(access.columns) if c.kind in UNREADABLE_KINDS
            }
        columns, report.ignored = _resolve_columns(self.path, names, mapping, unreadable)
        for field_name, index in list(columns.items()):
            if index in unreadable:  # named by the mapping: the field stays empty
                del columns[field_name]
                report.losses[names[index]] = ColumnLoss(
                    names[index], field_name, unreadable[index]
                )
        report.columns = {f: names[i] for f, i in columns.items()}
        constants: dict[str, object] = dict(mapping.constants)
        if "source" not in columns and "source" not in constants:
            constants["source"] = self.path.name + (f":{report.table}" if report.table else "")
        if not any(f in columns or f in constants for f in _NAME_FIELDS):
            lost = [loss for loss in report.losses.values() if loss.field in _NAME_FIELDS]
            if lost:
                raise RegistryImportError(
                    f"{self.path}: the name column {lost[0].column!r} cannot be read "
                    f"(a {lost[0].kind} column); map another column to the name"
                )
            found = ", ".join(n for n in names if n)
            raise RegistryImportError(
                f"{self.path}: no name column found among {found}; "
                "give a mapping file naming the columns"
            )
        check_text = report.charset is not None
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
                if access is not None:
                    value = access.value(number, index, values)
                else:
                    value = values[index] if index < len(values) else None
                if isinstance(value, Unreadable):
                    report.lose(names[index], field_name, "unreadable", number, value.reason)
                    value = None
                elif check_text and isinstance(value, str) and looks_garbled(value):
                    report.lose(names[index], field_name, "garbled", number, value)
                fields[field_name] = value
            optional_errors: list[RowRejected] = []
            try:
                row = make_row(
                    fields,
                    calendar=mapping.calendar,
                    order=mapping.order,
                    current_year=current_year,
                    optional_errors=optional_errors,
                )
            except RowRejected as exc:
                report.skip(number, exc.reason, exc.kind)
                continue
            for error in optional_errors:
                field_name = error.field or error.kind
                column = report.columns.get(field_name, f"[constants] {field_name}")
                report.lose(column, field_name, error.kind, number, error.reason)
            report.rows_valid += 1
            yield row


def _access_rows(table: AccessTable) -> Rows:
    yield from table.rows
