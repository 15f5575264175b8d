"""What reading a registry file found (:class:`ImportReport`), and the error refusing a file.

A bad row is counted and described (row number and reason) and the import goes on; an
unreadable value in a field a record does without keeps the row with that field empty,
counted under its column. Every source column is named as read, ignored (and why) or lossy
(:class:`ColumnLoss`): nothing is dropped or stored wrong unsaid.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_KEPT_REASONS = 100


class RegistryImportError(Exception):
    """The file as a whole cannot be imported (unreadable, no such table, no name column, a
    bad mapping file); the message says why, for the person running the import, and ``kind``
    (when not None) names the trouble for a translated explanation of what to do (see
    ``domain.texts.REGISTRY_IMPORT_REFUSALS``)."""

    def __init__(self, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind


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
