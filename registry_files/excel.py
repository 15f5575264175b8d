"""Reading Excel registry files (``.xlsx``, ``.xlsm``) as rows of values, through openpyxl in
read-only mode.

The sheet is the mapping's table name or the first sheet; row numbers are the sheet's. Old
``.xls`` files must be saved as ``.xlsx`` or CSV first.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from registry_files.mapping import ImportMapping
from registry_files.report import ImportReport, RegistryImportError

EXCEL_SUFFIXES = (".xlsx", ".xlsm")


def read_excel(
    path: Path, mapping: ImportMapping, report: ImportReport
) -> Iterator[tuple[int, Sequence[object]]]:
    """The sheet's rows as (row number, values), the header among them.

    Raises:
        RegistryImportError: (while iterating) not a workbook, or no such sheet.
    """
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
