"""Command line for the records registry: ``python -m bot registry import|count|find``.

``import FILE [--mapping M] [--table T] [--dry-run]`` reads a CSV, Excel or MS Access file (see
``registry_files`` for formats and mapping files) and inserts or updates its records;
``--dry-run`` only reads and checks the file, without opening the database. The report names
every column of the file as read, not read, or lossy (in Persian, for the staff member running
it); a file that cannot be imported is refused with one line saying what to do. ``count``
prints how many records the registry holds; ``find`` shows what a request would be matched
with.
"""

from __future__ import annotations

import argparse
import codecs
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.settings import StorageSettings
from domain import texts

if TYPE_CHECKING:
    from registry_files import ImportReport, RegistryImport
    from storage.registry import ImportCounts, MatchResult, RegistryService

ACCESS_READER_CHOICES = ("auto", "mdb-export", "access-parser")
DEFAULT_SHOWN_REASONS = 20


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``registry`` command and its actions to the program's sub-commands."""
    registry = subparsers.add_parser(
        "registry", help="import registry books (CSV, Excel, Access) and count or search them"
    )
    actions = registry.add_subparsers(dest="registry_action", metavar="ACTION", required=True)
    imp = actions.add_parser("import", help="insert or update the records of a file")
    imp.add_argument("file", type=Path, help="a .csv, .xlsx, .mdb or .accdb file")
    imp.add_argument("--mapping", type=Path, help="a TOML or JSON file mapping columns to fields")
    imp.add_argument("--table", help="the Access table or Excel sheet (default: the only one)")
    imp.add_argument(
        "--dry-run", action="store_true", help="read and check the file; write nothing"
    )
    imp.add_argument(
        "--reader",
        choices=ACCESS_READER_CHOICES,
        default="auto",
        help="Access reader: mdb-export when installed, else access-parser (auto)",
    )
    imp.add_argument(
        "--jet3-charset",
        type=_code_page,
        help="code page of Access 97 text (default: the mapping's, else cp1256)",
    )
    imp.add_argument("--batch", type=int, default=5000, help="rows per transaction (5000)")
    imp.add_argument(
        "--show",
        type=int,
        default=DEFAULT_SHOWN_REASONS,
        help=f"how many skipped rows to list ({DEFAULT_SHOWN_REASONS})",
    )
    actions.add_parser("count", help="how many records the registry holds")
    find = actions.add_parser("find", help="the records a request would be matched with")
    find.add_argument("--national-code")
    find.add_argument("--certificate", help="certificate number")
    find.add_argument("--name", help="full name")
    find.add_argument("--father", help="father's name")
    find.add_argument("--trade")
    find.add_argument("--year", help="certificate year")
    find.add_argument("--centre")


async def run(args: argparse.Namespace, settings: StorageSettings) -> int:
    """Carry out ``registry ACTION``; returns the process exit code."""
    from registry_files import RegistryImportError
    from storage.registry import RegistryService

    action: str = args.registry_action
    # The importer reports records access-parser cannot decode as skipped rows itself.
    logging.getLogger("access_parser").setLevel(logging.CRITICAL)
    if action == "import" and args.batch < 1:
        print("error: --batch must be at least 1", file=sys.stderr)
        return 2
    try:
        if action == "import" and args.dry_run:
            return _dry_run(args)
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        store = settings.open_store()
        try:
            await store.migrate()
            service = RegistryService(store.sessions)
            if action == "import":
                return await _import(args, service)
            if action == "count":
                print(await service.count())
                return 0
            result = await service.match(
                args.national_code,
                args.certificate,
                args.name,
                args.father,
                args.trade,
                certificate_year=args.year,
                centre=args.centre,
            )
            _print_match(result, sys.stdout)
            return 0 if result.found else 1
        finally:
            await store.close()
    except RegistryImportError as exc:
        advice = texts.REGISTRY_IMPORT_REFUSALS.get(exc.kind or "")
        print(f"error: {advice} — {exc}" if advice else f"error: {exc}", file=sys.stderr)
        return 1


def _code_page(name: str) -> str:
    try:
        codecs.lookup(name)
    except LookupError:
        raise argparse.ArgumentTypeError(f"unknown code page {name!r}") from None
    return name


def _open_source(args: argparse.Namespace) -> RegistryImport:
    from registry_files import RegistryImport, load_mapping

    mapping = load_mapping(args.mapping) if args.mapping else None
    return RegistryImport(
        args.file,
        mapping,
        table=args.table,
        access_reader=args.reader,
        jet3_charset=args.jet3_charset,
    )


def _dry_run(args: argparse.Namespace) -> int:
    source = _open_source(args)
    for _ in source:
        pass
    _print_report(source.report, None, args.show, sys.stdout)
    print("dry run: nothing was written")
    return 0


async def _import(args: argparse.Namespace, service: RegistryService) -> int:
    source = _open_source(args)
    started = time.monotonic()
    show_progress = sys.stderr.isatty()

    def progress(counts: ImportCounts) -> None:
        if show_progress:
            rate = counts.received / max(time.monotonic() - started, 1e-9)
            print(
                f"\r{source.report.rows_read:,} rows read, {counts.received:,} written "
                f"({rate:,.0f}/s)",
                end="",
                file=sys.stderr,
                flush=True,
            )

    counts = await service.upsert(source, batch=args.batch, on_batch=progress)
    if show_progress:
        print(file=sys.stderr)
    elapsed = time.monotonic() - started
    _print_report(source.report, counts, args.show, sys.stdout)
    print(f"took {elapsed:.1f} s; the registry now holds {await service.count():,} records")
    return 0


def _print_report(
    report: ImportReport, counts: ImportCounts | None, show: int, out: TextIO
) -> None:
    where = f"  table: {report.table}" if report.table else ""
    print(f"file: {report.path}{where}  reader: {report.reader}", file=out)
    for line in _column_lines(report):
        print(line, file=out)
    line = f"read: {report.rows_read}"
    if counts is None:
        line += f"  valid: {report.rows_valid}"
    else:
        line += (
            f"  inserted: {counts.inserted}  updated: {counts.updated}"
            f"  unchanged: {counts.unchanged}"
        )
        if counts.duplicates:
            line += f"  repeated in the file: {counts.duplicates}"
    line += f"  skipped: {report.skipped}"
    print(line, file=out)
    if report.skipped:
        kinds = ", ".join(f"{kind} {n}" for kind, n in report.skipped_by_kind.most_common())
        print(f"skipped by reason: {kinds}", file=out)
        shown = report.skipped_rows[: max(show, 0)]
        if shown:
            print(f"first {len(shown)} skipped row(s):", file=out)
            for skipped in shown:
                print(f"  row {skipped.row}: {skipped.reason}", file=out)
    for note in report.notes:
        print(f"note: {note}", file=out)


def _column_lines(report: ImportReport) -> list[str]:
    """The report's Persian lines on the file's columns: read, not read, and lost values."""
    separator = texts.REGISTRY_IMPORT_LIST_SEPARATOR
    lines = []
    if report.charset is not None:
        lines.append(texts.REGISTRY_IMPORT_JET3_CHARSET.format(charset=report.charset))
    if report.columns:
        read = [
            texts.REGISTRY_IMPORT_COLUMN_READ.format(field=f, column=c)
            for f, c in report.columns.items()
        ]
        lines.append(texts.REGISTRY_IMPORT_COLUMNS_READ.format(columns=separator.join(read)))
    if report.ignored:
        ignored = []
        for column, why in report.ignored.items():
            said = texts.REGISTRY_IMPORT_IGNORED_WHY.get(why, why)
            ignored.append(
                texts.REGISTRY_IMPORT_COLUMN_IGNORED_WHY.format(column=column, why=said)
                if said
                else texts.REGISTRY_IMPORT_COLUMN_IGNORED.format(column=column)
            )
        lines.append(texts.REGISTRY_IMPORT_COLUMNS_IGNORED.format(columns=separator.join(ignored)))
    for loss in report.losses.values():
        what = texts.REGISTRY_IMPORT_LOSSES[loss.kind].format(
            count=loss.count,
            row=loss.first_row,
            reason=loss.first_reason,
            charset=report.charset,
        )
        lines.append(
            texts.REGISTRY_IMPORT_COLUMN_LOST.format(
                column=loss.column, field=loss.field, what=what
            )
        )
    return lines


def _print_match(result: MatchResult, out: TextIO) -> None:
    if not result.found:
        print("no record found", file=out)
        return
    print(f"found by {result.rule}: {len(result.matches)} record(s)", file=out)
    for match in result.matches:
        record = match.record
        suggested = match.suggested.value if match.suggested else "-"
        print(
            f"\n#{record.id} {record.full_name}  source: {record.source or '-'}"
            f"  suggested: {suggested}",
            file=out,
        )
        for c in match.comparisons:
            print(
                f"  {c.field:<18} {c.outcome:<8} given: {c.given or '-'}"
                f"  registry: {c.registry or '-'}",
                file=out,
            )
