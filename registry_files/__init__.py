"""Reading registry files (CSV, Excel, MS Access) into :class:`~domain.registry.RegistryRow`.

Nothing here touches the database: ``storage.registry.RegistryService.upsert`` writes the rows
a :class:`RegistryImport` gives. A bad row is skipped and the import goes on; the
:class:`ImportReport` says what was read, skipped or lost.

* :mod:`registry_files.mapping`: mapping files (TOML or JSON) and guessing columns by header;
* :mod:`registry_files.csv_reader`: CSV (``.csv``, ``.txt``, ``.tsv``);
* :mod:`registry_files.excel`: Excel (``.xlsx``, ``.xlsm``);
* :mod:`registry_files.access`: MS Access (``.mdb``, ``.accdb``), through mdbtools or
  access-parser;
* :mod:`registry_files.importer`: :class:`RegistryImport`, which picks the reader by suffix;
* :mod:`registry_files.report`: the report, and :class:`RegistryImportError` for a file that
  cannot be imported at all.
"""

from registry_files.access import AccessReader
from registry_files.importer import RegistryImport
from registry_files.mapping import ImportMapping, load_mapping
from registry_files.report import ColumnLoss, ImportReport, RegistryImportError, SkippedRow

__all__ = [
    "AccessReader",
    "ColumnLoss",
    "ImportMapping",
    "ImportReport",
    "RegistryImport",
    "RegistryImportError",
    "SkippedRow",
    "load_mapping",
]
