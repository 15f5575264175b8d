"""Reading MS Access tables as rows of values: ``.mdb`` (Jet 3 = Access 97, Jet 4) and
``.accdb`` (ACE 12 = Access 2007 up to ACE 17 = Access 2019/365).

Two readers, each opened on one table, chosen by ``access_reader`` (:func:`open_access_table`):

* :func:`open_with_mdbtools`, taken by default (``auto``) when mdbtools is installed:
  ``mdb-export`` streams the records as CSV, so any size is read in constant memory; it reads
  every table of the test files, including Jet 3 tables that access-parser cannot decode.
  ``mdb-schema`` and ``mdb-prop`` tell each column's type and which columns are calculated.
  mdbtools 1.0 cannot convert a date before 1899-12-30 (a Jalali year such as 1388 typed into
  a Date/Time column is one) nor read a "Date/Time Extended" column: such values are read
  again, record by record, by access-parser, which is then loaded only if a column in use
  needs it.
* :func:`open_with_access_parser` (pure Python, always installed): the fallback, and what
  ``auto`` takes when mdbtools fails on a file. It loads the file into memory (Access files
  are at most 2 GB) and its record decoder is driven here record by record, so a record it
  cannot decode is reported as a skipped row instead of shifting the columns of every later
  row (which its whole-table API would do). Date/Time and Date/Time Extended values are
  decoded here from the record's bytes (access-parser loses dates before 1899-12-30 and has no
  Date/Time Extended); Access 2016+ files, whose layout is Access 2010's, are read as such.

Row numbers count records in storage order. Dates come as Gregorian date-times (converted to
Jalali unless their year is already a Jalali one, as when Jalali dates were typed into a
Date/Time column; see ``domain.registry.parse_exam_date``). Columns neither reader can give
truly (calculated, multi-value/attachment, binary, unknown types) are marked so the importer
leaves them empty and names them in its report (guessing by header passes over them); a value
that cannot be read comes as an :class:`Unreadable` carrying the reason.

Jet 3 text is in a Windows code page that the file does not record reliably: it is decoded
with the code page given (``jet3_charset``, ``cp1256`` by default, Persian Windows), and text
that looks garbled in it is counted (:func:`looks_garbled`) so the report can say so. Jet 4
and ACE store Unicode.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import importlib
import io
import math
import os
import re
import shutil
import struct
import subprocess
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

AccessReader = Literal["auto", "mdb-export", "access-parser"]
ACCESS_READERS: tuple[AccessReader, ...] = get_args(AccessReader)
ACCESS_SUFFIXES = (".mdb", ".accdb")

DEFAULT_JET3_CHARSET = "cp1256"
JET3 = 0
# The header's format byte (offset 0x14) by Access version: access-parser knows 0–3.
_ACE16, _ACE17 = 5, 6
_ACCESS_2010_LAYOUT = 3

ColumnKind = Literal[
    "integer",
    "text",
    "value",
    "date",
    "ext_date",
    "calculated",
    "complex",
    "binary",
    "unsupported",
]
# Columns whose values neither reader gives truly: left empty and named in the report.
UNREADABLE_KINDS: frozenset[str] = frozenset({"calculated", "complex", "binary", "unsupported"})

AccessErrorKind = Literal[
    "mdbtools_missing", "mdbtools_failed", "unreadable", "no_tables", "table"
]

_ATTACHMENT_TABLE_RE = re.compile(r"^f_[0-9A-F]{32}_", re.IGNORECASE)
_ACCESS_EPOCH = dt.datetime(1899, 12, 30)
_EXT_DATE_LENGTH = 42
# mdb-export's rendering (with the -T format used here) of a date mdbtools cannot convert.
_MDBTOOLS_NO_DATE = "1900-01-00 00:00:00"
_UNSUPPORTED_TYPE_WARNING_RE = re.compile(r"^Warning: mdb_col_to_string called on unsupported")


class AccessError(Exception):
    """The file or table cannot be read; ``kind`` says which trouble (for the person running
    the import: see ``domain.texts.REGISTRY_IMPORT_REFUSALS``)."""

    def __init__(self, message: str, kind: AccessErrorKind) -> None:
        super().__init__(message)
        self.kind: AccessErrorKind = kind


@dataclass(frozen=True)
class Unreadable:
    """A value that could not be read, and why (English, for the import report)."""

    reason: str


@dataclass(frozen=True)
class AccessColumn:
    """A column of an Access table: its kind and Access's name for its type."""

    name: str
    kind: ColumnKind
    type_name: str


@dataclass
class AccessTable:
    """One table being read: its columns, then its records as (record number, values) with
    record numbers from 1 in storage order (or the reason a record could not be decoded)."""

    reader: str
    name: str
    columns: list[AccessColumn]
    rows: Iterator[tuple[int, list[object] | str]]
    # The Jet 3 code page the text is decoded with (None: the file stores Unicode).
    charset: str | None = None
    # Fills in a value the reader left for later (see :meth:`value`).
    _reread: Callable[[int, int, Sequence[object]], object] | None = None

    def value(self, number: int, index: int, values: Sequence[object]) -> object:
        """Record ``number``'s value in column ``index``, reading it again if the first reader
        left it for later (:data:`REREAD`)."""
        value = values[index] if index < len(values) else None
        if value is REREAD and self._reread is not None:
            return self._reread(number, index, values)
        return None if value is REREAD else value


class _Reread:
    def __repr__(self) -> str:
        return "REREAD"


# A value mdbtools could not give: read again by access-parser if the column is used.
REREAD: Any = _Reread()


def jet_version(path: Path) -> int:
    """The file's format byte: 0 Jet 3 (Access 97), 1 Jet 4, 2 ACE 12 (2007), 3 ACE 14 (2010),
    5 ACE 16 (2016), 6 ACE 17 (2019/365).

    Raises:
        AccessError: the file is not an Access database.
    """
    with path.open("rb") as f:
        head = f.read(0x18)
    if len(head) < 0x18 or head[:4] != b"\x00\x01\x00\x00":
        raise AccessError(f"{path}: not an MS Access database", "unreadable")
    return head[0x14]


def looks_garbled(text: str) -> bool:
    """Whether Jet 3 text decoded with a code page looks like the wrong code page: symbols
    among the letters (``GBK±àآë``) or Arabic-script and Latin letters within one word."""
    for word in text.split():
        arabic = latin = False
        for ch in word:
            if ch.isascii():
                latin = latin or ch.isalpha()
                continue
            category = unicodedata.category(ch)
            if category[0] not in "LMN" and ch not in "«»،؛؟٪٫٬\u200c\u200d":
                return True
            if "\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufeff":
                arabic = True
            elif category[0] == "L":
                latin = True
        if arabic and latin:
            return True
    return False


def _choose_table(path: Path, wanted: str | None, tables: Sequence[str], hint: str) -> str:
    if not tables:
        raise AccessError(f"{path}: no tables in this file", "no_tables")
    if wanted is not None:
        if wanted in tables:
            return wanted
        raise AccessError(
            f"{path}: no table {wanted!r}; tables: {', '.join(tables)}{hint}", "table"
        )
    if len(tables) == 1:
        return tables[0]
    raise AccessError(
        f"{path}: name the table to import (--table or the mapping's [table] name); "
        f"tables: {', '.join(tables)}{hint}",
        "table",
    )


def _charset_hint(charset: str | None) -> str:
    if charset is None:
        return ""
    return f" (Access 97 names read as {charset}: give the file's code page if they look wrong)"


def _access_datetime(value: float) -> dt.datetime:
    """An Access date (days since 1899-12-30; before it, the time of day counts forward)."""
    days = math.trunc(value)
    seconds = round(abs(value - days) * 86400)
    return _ACCESS_EPOCH + dt.timedelta(days=days, seconds=seconds)


def _ext_datetime(data: bytes) -> dt.datetime:
    """A Date/Time Extended value: ASCII days since 0001-01-01 (19 digits), ``:``, seconds
    (12 digits) and 100-nanosecond units (7 digits), then a trailer."""
    text = data[:39].decode("ascii")
    if len(text) != 39 or text[19] != ":" or not (text[:19] + text[20:]).isdigit():
        raise ValueError(f"not a Date/Time Extended value: {data[:42]!r}")
    days, seconds, units = int(text[:19]), int(text[20:32]), int(text[32:39])
    return dt.datetime(1, 1, 1) + dt.timedelta(
        days=days, seconds=seconds, microseconds=units // 10
    )


def open_access_table(
    path: Path, table: str | None, reader: AccessReader, charset: str, notes: list[str]
) -> AccessTable:
    """Open ``table`` (or the file's only table) through the reader asked for; ``auto`` takes
    mdbtools when installed and access-parser where it is not or fails on the file.
    ``charset`` is the code page of Jet 3 text; what the person running the import should
    know goes to ``notes``.

    Raises:
        AccessError: the file or table cannot be read (see :func:`open_with_mdbtools` and
            :func:`open_with_access_parser`).
    """
    if reader == "auto" and shutil.which("mdb-export") is None:
        reader = "access-parser"
    if reader == "access-parser":
        return open_with_access_parser(path, table, charset, notes)
    try:
        return open_with_mdbtools(path, table, charset, notes)
    except AccessError as exc:
        if reader != "auto" or exc.kind != "mdbtools_failed":
            raise
        notes.append(f"mdbtools could not read the file ({exc}); access-parser read it")
        return open_with_access_parser(path, table, charset, notes)


# --- mdbtools -------------------------------------------------------------------------------


def _mdbtools_kind(type_name: str) -> ColumnKind:
    base = type_name.split(" (")[0]
    if base in ("Byte", "Integer", "Long Integer"):
        return "integer"
    if base in ("Text", "Memo/Hyperlink"):
        return "text"
    if base == "DateTime":
        return "date"
    if base in ("OLE", "Binary"):
        return "binary"
    if base == "Unknown_0012":
        return "complex"
    if base == "Unknown_0014":
        return "ext_date"
    if base.startswith("Unknown_"):
        return "unsupported"
    return "value"


def _run(tool: str, *args: str, env: Mapping[str, str]) -> str:
    result = subprocess.run([tool, *args], capture_output=True, env=dict(env), check=False)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise AccessError(f"{args[-1]}: {Path(tool).name} failed: {message}", "mdbtools_failed")
    return result.stdout.decode("utf-8", "replace")


def _mdbtools_columns(
    path: Path, table: str, env: Mapping[str, str], notes: list[str]
) -> list[AccessColumn]:
    """The table's columns in export order, from ``mdb-schema`` (types) and ``mdb-prop``
    (an ``Expression`` property marks a calculated column)."""
    schema = _run(
        "mdb-schema",
        "-T",
        table,
        "--no-relations",
        "--no-indexes",
        "--no-not-null",
        "--no-default-values",
        "--no-not_empty",
        "--no-comments",
        str(path),
        "access",
        env=env,
    )
    columns = [
        AccessColumn(m.group(1), _mdbtools_kind(m.group(2)), m.group(2))
        for m in re.finditer(r"^\t\[(.*)\]\t+(.+?),?\s*$", schema, re.MULTILINE)
    ]
    calculated: set[str] = set()
    properties = ""
    try:
        properties = _run("mdb-prop", str(path), table, env=env)
    except (AccessError, OSError) as exc:  # OSError: an mdbtools without mdb-prop
        notes.append(f"calculated columns not known (mdb-prop: {exc}); values may be wrong")
    name = None
    for line in properties.splitlines():
        if line.startswith("name: "):
            name = line[len("name: ") :]
        elif line.startswith("\tExpression:") and name is not None:
            calculated.add(name)
    return [
        dataclasses.replace(c, kind="calculated") if c.name in calculated else c for c in columns
    ]


def open_with_mdbtools(
    path: Path, table: str | None, charset: str, notes: list[str]
) -> AccessTable:
    """Open ``table`` (or the file's only table) with mdbtools; ``charset`` is the code page of
    Jet 3 text; problems mdb-export reports go to ``notes``.

    Raises:
        AccessError: mdbtools is not installed, fails on the file, or there is no such table.
    """
    tools = {name: shutil.which(name) for name in ("mdb-tables", "mdb-export", "mdb-schema")}
    missing = [name for name, found in tools.items() if found is None]
    if missing:
        raise AccessError(f"{', '.join(missing)} (mdbtools) not installed", "mdbtools_missing")
    jet3 = jet_version(path) == JET3
    env = dict(os.environ)
    if jet3:
        env["MDB_JET3_CHARSET"] = charset
    env.setdefault("MDB_ICONV", "UTF-8")
    tables = [t for t in _run("mdb-tables", "-1", str(path), env=env).splitlines() if t]
    name = _choose_table(path, table, tables, _charset_hint(charset if jet3 else None))
    columns = _mdbtools_columns(path, name, env, notes)
    command = [
        str(tools["mdb-export"]),
        "-b",
        "strip",
        "-T",
        "%Y-%m-%d %H:%M:%S",
        str(path),
        name,
    ]
    cursor: list[_ParserCursor] = []

    def reread(number: int, index: int, values: Sequence[object]) -> object:
        if not cursor:  # loaded only when a column in use needs it
            cursor.append(_ParserCursor(path, name, charset, columns))
        return cursor[0].value(number, index, values)

    rows = _mdbtools_records(command, env, columns, notes)
    return AccessTable(
        "mdb-export (mdbtools)", name, columns, rows, charset if jet3 else None, reread
    )


def _mdbtools_records(
    command: list[str], env: Mapping[str, str], columns: list[AccessColumn], notes: list[str]
) -> Iterator[tuple[int, list[object] | str]]:
    """The header (number 0), then each record with the values mdbtools cannot give marked
    :data:`REREAD`."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=dict(env))
        assert process.stdout is not None
        try:
            text = io.TextIOWrapper(process.stdout, encoding="utf-8", errors="replace", newline="")
            records = csv.reader(text)
            header = next(records, None)
            if header is None:
                header = [c.name for c in columns]
            elif len(header) != len(columns):
                notes.append(
                    f"mdb-schema listed {len(columns)} column(s), mdb-export {len(header)}: "
                    "column types unknown"
                )
                columns[:] = [AccessColumn(h, "value", "") for h in header]
            else:  # mdb-schema quotes some characters of names; the export has them as they are
                columns[:] = [
                    dataclasses.replace(c, name=h) for c, h in zip(columns, header, strict=True)
                ]
            yield 0, list(header)
            dates = [i for i, c in enumerate(columns) if c.kind == "date"]
            extended = [i for i, c in enumerate(columns) if c.kind == "ext_date"]
            for number, record in enumerate(records, start=1):
                values: list[object] = list(record)
                for i in dates:
                    if i < len(values) and values[i] == _MDBTOOLS_NO_DATE:
                        values[i] = REREAD
                for i in extended:
                    if i < len(values):
                        values[i] = REREAD
                yield number, values
            returncode = process.wait()
            errors.seek(0)
            said = errors.read().decode("utf-8", "replace").splitlines()
            if returncode != 0:
                raise AccessError(
                    f"mdb-export failed ({returncode}): {' '.join(said).strip()}",
                    "mdbtools_failed",
                )
            # Warnings about types are the columns the report already names.
            unexplained = sorted(
                {line for line in said if line and not _UNSUPPORTED_TYPE_WARNING_RE.match(line)}
            )
            notes.extend(f"mdb-export: {line}" for line in unexplained[:5])
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()


# --- access-parser --------------------------------------------------------------------------

_PARSER_KINDS: dict[int, ColumnKind] = {
    2: "integer",
    3: "integer",
    4: "integer",
    8: "date",
    9: "binary",
    10: "text",
    11: "binary",
    12: "text",
    18: "complex",
    20: "ext_date",
}
_PARSER_VALUE_TYPES = {1, 5, 6, 7, 15, 16}
_PARSER_TYPE_NAMES = {
    1: "Yes/No",
    2: "Byte",
    3: "Integer",
    4: "Long Integer",
    5: "Currency",
    6: "Single",
    7: "Double",
    8: "Date/Time",
    9: "Binary",
    10: "Text",
    11: "OLE Object",
    12: "Memo",
    15: "Replication ID",
    16: "Decimal",
    18: "complex (multi-value/attachment)",
    20: "Date/Time Extended",
}


def _parser_class() -> type[Any]:
    """access-parser's ``AccessParser``, taught that Access 2016+ files are laid out as
    Access 2010's (it would otherwise read them as Jet 3 and fail)."""
    module = importlib.import_module("access_parser.access_parser")
    base: type[Any] = module.AccessParser

    class Parser(base):  # type: ignore[misc]
        def _parse_file_header(self, db_data: bytes) -> None:
            if len(db_data) > 0x14 and db_data[0x14] in (_ACE16, _ACE17):
                patched = bytearray(db_data[:0x1000])  # the header page
                patched[0x14] = _ACCESS_2010_LAYOUT
                super()._parse_file_header(bytes(patched))
            else:
                super()._parse_file_header(db_data)

    return Parser


def _recode(value: object, charset: str) -> object:
    """Jet 3 text that access-parser read as Latin-1, decoded with its real code page."""
    if not isinstance(value, str):
        return value
    try:
        return value.encode("latin-1").decode(charset)
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


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


@dataclass
class _ParserTable:
    """A table opened with access-parser, decoded record by record."""

    database: Any
    table: Any
    name: str
    columns: list[Any]  # access-parser's column descriptions, in column order
    names: list[str]
    kinds: list[ColumnKind]
    charset: str | None  # Jet 3 only

    def records(self) -> Iterator[bytes]:
        return _access_parser_records(self.database, self.table)

    def decode(self, record: bytes) -> list[object] | str:
        """A record's values in column order, or why it could not be decoded."""
        self.table.parsed_table = defaultdict(list)
        try:
            self.table._parse_row(record)
        except Exception as exc:  # the parser raises whatever its structures raise
            return f"Access record could not be decoded ({type(exc).__name__}: {exc})"
        parsed = self.table.parsed_table
        raw_names = [c.col_name_str for c in self.columns]
        if any(len(parsed.get(c, ())) != 1 for c in raw_names):
            return "Access record could not be decoded (access-parser)"
        values: list[object] = [parsed[c][0] for c in raw_names]
        # The record's fixed-length values start after its column count (1 or 2 bytes).
        start = 1 if self.database.version == 3 else 2
        for i, (column, kind) in enumerate(zip(self.columns, self.kinds, strict=True)):
            if values[i] is None:
                continue
            if kind in ("date", "ext_date") and column.column_flags.fixed_length:
                offset = start + column.fixed_offset
                try:
                    if kind == "date":
                        values[i] = _access_datetime(struct.unpack_from("<d", record, offset)[0])
                    else:
                        values[i] = _ext_datetime(record[offset : offset + _EXT_DATE_LENGTH])
                except (ValueError, OverflowError, struct.error) as exc:
                    values[i] = Unreadable(f"date out of range ({exc})")
            elif self.charset is not None:
                values[i] = _recode(values[i], self.charset)
        return values


def _open_parser(path: Path, wanted: str | None, charset: str) -> _ParserTable:
    try:
        database = _parser_class()(str(path))
    except Exception as exc:  # the parser raises whatever its structures raise
        raise AccessError(
            f"{path}: access-parser cannot read it ({type(exc).__name__}: {exc})", "unreadable"
        ) from None
    recode = charset if database.version == 3 else None

    def name_of(raw: str) -> str:
        return str(_recode(raw, recode)) if recode else raw

    raw_tables = {name_of(t): t for t in _user_tables(database.catalog)}
    name = _choose_table(path, wanted, list(raw_tables), _charset_hint(recode))
    try:
        table = database.get_table(raw_tables[name])
        columns = [c for _, c in sorted(table.columns.items())]
    except Exception as exc:
        raise AccessError(
            f"{path}: access-parser cannot read table {name!r} ({type(exc).__name__}: {exc})",
            "unreadable",
        ) from None
    kinds: list[ColumnKind] = []
    for c in columns:
        if "Expression" in (c.extra_props or {}):
            kinds.append("calculated")
        elif c.type in _PARSER_KINDS:
            kinds.append(_PARSER_KINDS[c.type])
        else:
            kinds.append("value" if c.type in _PARSER_VALUE_TYPES else "unsupported")
    names = [name_of(c.col_name_str) for c in columns]
    return _ParserTable(database, table, name, columns, names, kinds, recode)


def open_with_access_parser(
    path: Path, table: str | None, charset: str, notes: list[str]
) -> AccessTable:
    """Open ``table`` (or the file's only table) with access-parser; ``charset`` is the code
    page of Jet 3 text; a record count that disagrees with the table's goes to ``notes``.

    Raises:
        AccessError: access-parser cannot read the file or table, or there is no such table.
    """
    parser = _open_parser(path, table, charset)
    columns = [
        AccessColumn(name, kind, _PARSER_TYPE_NAMES.get(c.type, f"type {c.type}"))
        for name, kind, c in zip(parser.names, parser.kinds, parser.columns, strict=True)
    ]

    def rows() -> Iterator[tuple[int, list[object] | str]]:
        yield 0, list(parser.names)
        number = 0
        for number, record in enumerate(parser.records(), start=1):
            yield number, parser.decode(record)
        expected = getattr(parser.table.table_header, "number_of_rows", None)
        if isinstance(expected, int) and expected != number:
            notes.append(
                f"access-parser found {number} record(s) where the table header counts "
                f"{expected}; mdbtools' mdb-export may read this file better"
            )

    return AccessTable("access-parser", parser.name, columns, rows(), parser.charset)


class _ParserCursor:
    """access-parser walking the same table as mdb-export, to read again the values mdbtools
    cannot give.

    A record is recognised by its whole numbers and texts (its *fingerprint*). Records are
    first taken in step with mdb-export's; at the first record that differs (the two readers
    can order moved records differently), every record not yet taken is indexed by
    fingerprint, and records sharing one are taken in order. A record found nowhere gives
    :class:`Unreadable`, never another record's value.
    """

    def __init__(self, path: Path, table: str, charset: str, columns: list[AccessColumn]):
        self._failure = ""
        try:
            self._parser: _ParserTable | None = _open_parser(path, table, charset)
        except AccessError as exc:
            self._parser, self._failure = None, str(exc)
            return
        names = self._parser.names
        self._index = {
            i: names.index(c.name) if c.name in names else i for i, c in enumerate(columns)
        }
        self._keyed = [i for i, c in enumerate(columns) if c.kind in ("integer", "text")]
        self._records = enumerate(self._parser.records(), start=1)
        self._in_step = True
        self._by_fingerprint: dict[tuple[str, ...], list[list[object]]] | None = None
        self._number = 0
        self._taken: set[int] = set()
        self._current: tuple[int, list[object] | str] = (0, "")

    def _fingerprint(self, values: Sequence[object], ours: bool) -> tuple[str, ...]:
        picked = (values[self._index[i]] if ours else values[i] for i in self._keyed)
        return tuple("" if v in (None, REREAD) else str(v).strip() for v in picked)

    def value(self, number: int, index: int, values: Sequence[object]) -> object:
        if self._parser is None:
            return Unreadable(f"mdbtools cannot read it, nor access-parser: {self._failure}")
        if self._current[0] != number:
            self._current = (number, self._find(self._parser, number, values))
        decoded = self._current[1]
        if isinstance(decoded, str):
            return Unreadable(f"mdbtools cannot read it; {decoded}")
        position = self._index.get(index, index)
        return decoded[position] if position < len(decoded) else None

    def _find(
        self, parser: _ParserTable, number: int, values: Sequence[object]
    ) -> list[object] | str:
        wanted = self._fingerprint(values, ours=False)
        if self._in_step and number > self._number:
            found = None
            while self._number < number:  # records before it are passed over undecoded
                found = next(self._records, None)
                if found is None:
                    break
                self._number = found[0]
            if found is not None:
                decoded = parser.decode(found[1])
                if isinstance(decoded, str) or self._fingerprint(decoded, ours=True) == wanted:
                    self._taken.add(self._number)
                    return decoded
        if self._in_step:
            self._index_all(parser)
        assert self._by_fingerprint is not None
        candidates = self._by_fingerprint.get(wanted)
        if not candidates:
            return f"access-parser has no record like mdb-export's record {number}"
        return candidates.pop(0)

    def _index_all(self, parser: _ParserTable) -> None:
        """Index the records not yet taken by fingerprint (from here on, order is not trusted)."""
        self._in_step = False
        index: dict[tuple[str, ...], list[list[object]]] = defaultdict(list)
        for number, record in enumerate(parser.records(), start=1):
            decoded = parser.decode(record) if number not in self._taken else ""
            if not isinstance(decoded, str):
                index[self._fingerprint(decoded, ours=True)].append(decoded)
        self._by_fingerprint = index
