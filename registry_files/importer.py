"""The import driver: :class:`RegistryImport` reads one registry file, by the reader its
suffix names, into :class:`~domain.registry.RegistryRow` values.

Everything streams: a file is read row by row and each row is cleaned and checked
(:func:`domain.registry.make_row`) as it is reached; what was skipped or lost goes to the
:class:`~registry_files.report.ImportReport` and the import goes on.
"""

from __future__ import annotations

import codecs
import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path

from domain.jalali import current_jalali_year
from domain.registry import RegistryRow, RowRejected, make_row
from registry_files.access import (
    ACCESS_READERS,
    ACCESS_SUFFIXES,
    DEFAULT_JET3_CHARSET,
    UNREADABLE_KINDS,
    AccessError,
    AccessReader,
    AccessTable,
    Unreadable,
    looks_garbled,
    open_access_table,
)
from registry_files.csv_reader import CSV_SUFFIXES, read_csv
from registry_files.excel import EXCEL_SUFFIXES, read_excel
from registry_files.mapping import ImportMapping, resolve_columns
from registry_files.report import (
    DEFAULT_KEPT_REASONS,
    ColumnLoss,
    ImportReport,
    RegistryImportError,
)

# A row's values, or the reason an Access record could not be decoded.
Rows = Iterator[tuple[int, Sequence[object] | str]]
_NAME_FIELDS = ("full_name", "first_name", "last_name")


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
            return read_csv(self.path, self.mapping, self.report)
        if suffix in EXCEL_SUFFIXES:
            mapping = self.mapping
            if self.table != mapping.table:
                mapping = dataclasses.replace(mapping, table=self.table)
            return read_excel(self.path, mapping, self.report)
        if suffix in ACCESS_SUFFIXES:
            try:
                table = open_access_table(
                    self.path, self.table, self.access_reader, self.jet3_charset, self.report.notes
                )
            except AccessError as exc:
                raise RegistryImportError(str(exc), exc.kind) from None
            self._access = table
            self.report.reader, self.report.table = table.reader, table.name
            self.report.charset = table.charset
            return table.rows
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
        columns, report.ignored = resolve_columns(self.path, names, mapping, unreadable)
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
