"""Reading CSV registry files (``.csv``, ``.txt``, ``.tsv``) as rows of values.

The encoding is UTF-8 with or without a byte-order mark, UTF-16 with one (Excel's "Unicode
text"), otherwise Windows-1256, the code page Persian Excel exports use (the whole file is
checked for valid UTF-8 first, without holding it in memory). The delimiter (comma, semicolon,
tab or bar) is the one the header line uses most. Row numbers count CSV records, the header
being row ``header_row`` (1), as a spreadsheet numbers them.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

from registry_files.mapping import ImportMapping
from registry_files.report import ImportReport, RegistryImportError

CSV_SUFFIXES = (".csv", ".txt", ".tsv")


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


def read_csv(
    path: Path, mapping: ImportMapping, report: ImportReport
) -> Iterator[tuple[int, Sequence[object]]]:
    """The file's records as (row number, values), the header among them, read with the
    mapping's encoding and delimiter, else the ones detected.

    Raises:
        RegistryImportError: (while iterating) the text is not in its encoding, or broken CSV.
    """
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
