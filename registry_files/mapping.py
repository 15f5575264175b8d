"""How a registry file's columns become registry fields: a mapping file, or guessing by header.

Mapping files are TOML (``.toml``) or JSON (``.json``) with the same structure; every section
is optional::

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
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast, get_args

from domain.registry import IMPORT_FIELDS, DateCalendar, DateOrder
from domain.text import normalize_name
from registry_files.report import RegistryImportError

# Header names recognised without a mapping file, by registry field.
HEADERS: dict[str, tuple[str, ...]] = {
    "national_code": (
        "national_code",
        "national code",
        "national id",
        "nationalcode",
        "nid",
        "code melli",
        "کد ملی",
        "کدملی",
        "شماره ملی",
        "شمارهٔ ملی",
    ),
    "first_name": ("first_name", "first name", "firstname", "given name", "نام"),
    "last_name": (
        "last_name",
        "last name",
        "lastname",
        "surname",
        "family name",
        "family",
        "نام خانوادگی",
        "فامیلی",
        "نام فامیل",
    ),
    "full_name": (
        "full_name",
        "full name",
        "fullname",
        "name",
        "نام و نام خانوادگی",
        "نام کامل",
        "نام و نام خانوادگی دارنده",
    ),
    "father_name": (
        "father_name",
        "father name",
        "fathers name",
        "father's name",
        "father",
        "نام پدر",
    ),
    "trade": (
        "trade",
        "occupation",
        "skill",
        "حرفه",
        "رشته",
        "نام حرفه",
        "عنوان حرفه",
        "رشته مهارتی",
        "نام رشته",
        "عنوان استاندارد",
        "حرفه / رشته",
        "رشته / حرفه",
        "عنوان حرفه / رشته",
    ),
    "standard_code": (
        "standard_code",
        "standard code",
        "standard",
        "کد استاندارد",
        "کد حرفه",
    ),
    "certificate_number": (
        "certificate_number",
        "certificate number",
        "certificate no",
        "certificate",
        "cert_no",
        "cert no",
        "شماره گواهینامه",
        "شماره گواهی نامه",
        "شمارهٔ گواهینامه",
        "شماره گواهی",
        "شماره مدرک",
    ),
    "exam_date": (
        "exam_date",
        "exam date",
        "تاریخ آزمون",
        "تاریخ امتحان",
        "تاریخ برگزاری آزمون",
    ),
    "exam_year": ("exam_year", "exam year", "سال آزمون", "سال امتحان"),
    "centre": (
        "centre",
        "center",
        "training_centre",
        "training centre",
        "training center",
        "مرکز",
        "آموزشگاه",
        "مرکز آموزشی",
        "مرکز آموزش",
        "نام مرکز",
        "نام آموزشگاه",
    ),
    "province": ("province", "استان"),
    "source": ("source", "منبع"),
    "format": ("format", "فرمت", "نوع گواهینامه", "فرمت گواهینامه"),
}
# Headers read for a field only when no column of HEADERS gives it (the issue date of a
# certificate stands in for its exam date).
FALLBACK_HEADERS: dict[str, tuple[str, ...]] = {
    "exam_date": (
        "issue_date",
        "issue date",
        "date of issue",
        "تاریخ صدور",
        "تاریخ صدور گواهینامه",
        "تاریخ صدور مدرک",
    ),
    "exam_year": ("issue_year", "issue year", "سال صدور"),
}


def _header_key(name: str) -> str:
    return normalize_name(name)


_HEADER_FIELDS = {_header_key(alias): f for f, aliases in HEADERS.items() for alias in aliases}
_FALLBACK_FIELDS = {
    _header_key(alias): f for f, aliases in FALLBACK_HEADERS.items() for alias in aliases
}


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
        table = _section(
            document, "table", {"name", "header_row", "encoding", "delimiter", "jet3_charset"}
        )
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


def resolve_columns(
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
