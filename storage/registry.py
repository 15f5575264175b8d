"""The records registry: bulk import (insert or update by natural key) and matching requests.

Importing streams: rows are pulled from the iterable a batch at a time (in a worker thread, so
reading and parsing a file does not stall the event loop), each batch is written by one
``INSERT … ON CONFLICT (record_key) DO UPDATE`` in its own transaction, and nothing but the
current batch is held in memory. A record is only rewritten (and its ``imported_at`` moved)
when one of its values changed, so importing the same file again changes nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.deadlines import Classification
from domain.registry import Comparison, RegistryRow, compare, suggest_classification
from domain.text import normalize_code, normalize_name, normalize_national_code
from storage import models

DEFAULT_BATCH = 5000
# Keys looked up per query: well under SQLite's and asyncpg's limits on bound parameters.
_LOOKUP_CHUNK = 2000
# Columns an import writes (besides record_key and imported_at).
_DATA_COLUMNS = (
    "national_code",
    "first_name",
    "last_name",
    "full_name",
    "father_name",
    "trade",
    "standard_code",
    "certificate_number",
    "exam_date",
    "centre",
    "province",
    "source",
    "format",
    "name_key",
    "father_key",
    "trade_key",
)


@dataclass
class ImportCounts:
    """What an import did. ``received`` rows = inserted + updated + unchanged + duplicates."""

    received: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    # Rows whose natural key repeated an earlier row of the same batch: the later one won.
    duplicates: int = 0
    batches: int = 0


class MatchRule(enum.StrEnum):
    """Which search found the records, strictest first."""

    CERTIFICATE_AND_NATIONAL_CODE = "certificate_and_national_code"
    NATIONAL_CODE = "national_code"
    NAME_FATHER_TRADE = "name_father_trade"


@dataclass(frozen=True)
class RegistryEntry:
    """A stored registry record."""

    id: int
    record_key: str
    national_code: str | None
    first_name: str | None
    last_name: str | None
    full_name: str | None
    father_name: str | None
    trade: str | None
    standard_code: str | None
    certificate_number: str | None
    exam_date: str | None
    centre: str | None
    province: str | None
    source: str | None
    format: str | None
    imported_at: dt.datetime

    def fields(self) -> dict[str, str | None]:
        """The record's values by registry field name (what :func:`compare` reads)."""
        return {
            "national_code": self.national_code,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "full_name": self.full_name,
            "father_name": self.father_name,
            "trade": self.trade,
            "standard_code": self.standard_code,
            "certificate_number": self.certificate_number,
            "exam_date": self.exam_date,
            "centre": self.centre,
            "province": self.province,
            "source": self.source,
            "format": self.format,
        }


@dataclass(frozen=True)
class RecordMatch:
    """A record found for a request, with the field-by-field comparison."""

    record: RegistryEntry
    comparisons: list[Comparison]
    suggested: Classification | None

    @property
    def matched(self) -> int:
        """How many compared fields agree."""
        return sum(c.outcome == "match" for c in self.comparisons)

    @property
    def differing(self) -> int:
        """How many compared fields disagree."""
        return sum(c.outcome == "differs" for c in self.comparisons)


@dataclass(frozen=True)
class MatchResult:
    """The outcome of a search: the rule that found records (None: nothing found) and the
    records, best first (most agreeing fields, then fewest differing)."""

    rule: MatchRule | None
    matches: list[RecordMatch] = field(default_factory=list)

    @property
    def found(self) -> bool:
        """Whether any record was found."""
        return bool(self.matches)


def _entry(row: models.RegistryRecord) -> RegistryEntry:
    return RegistryEntry(
        id=row.id,
        record_key=row.record_key,
        national_code=row.national_code,
        first_name=row.first_name,
        last_name=row.last_name,
        full_name=row.full_name,
        father_name=row.father_name,
        trade=row.trade,
        standard_code=row.standard_code,
        certificate_number=row.certificate_number,
        exam_date=row.exam_date,
        centre=row.centre,
        province=row.province,
        source=row.source,
        format=row.format,
        imported_at=row.imported_at,
    )


def _prepare(rows: Iterator[RegistryRow], n: int) -> list[dict[str, Any]]:
    """The column values of the next ``n`` rows (run in a worker thread)."""
    return [row.values() for row in itertools.islice(rows, n)]


class RegistryService:
    """Importing known certificates and finding the ones a request speaks of."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def upsert(
        self,
        rows: Iterable[RegistryRow],
        batch: int = DEFAULT_BATCH,
        *,
        on_batch: Callable[[ImportCounts], None] | None = None,
    ) -> ImportCounts:
        """Insert new records and update changed ones, keyed by their natural key.

        ``rows`` is consumed lazily, ``batch`` rows at a time, each batch in one transaction:
        a failure keeps the batches already written. ``on_batch`` is called with the running
        counts after each batch (for progress output).
        """
        if batch < 1:
            raise ValueError("batch must be at least 1")
        counts = ImportCounts()
        iterator = iter(rows)
        # The next batch is read and prepared while the current one is written.
        pending = asyncio.ensure_future(asyncio.to_thread(_prepare, iterator, batch))
        try:
            while chunk := await pending:
                pending = asyncio.ensure_future(asyncio.to_thread(_prepare, iterator, batch))
                await self._write(chunk, counts)
                if on_batch is not None:
                    on_batch(counts)
        finally:
            # Never leave a thread reading the rows behind (nor its error unretrieved).
            if not pending.done():
                await asyncio.wait({pending})
            if not pending.cancelled():
                pending.exception()
        await self._analyze()
        return counts

    async def _write(self, chunk: Sequence[dict[str, Any]], counts: ImportCounts) -> None:
        now = models.utcnow()
        by_key: dict[str, dict[str, Any]] = {}
        for values in chunk:
            values["imported_at"] = now
            by_key[values["record_key"]] = values
        counts.received += len(chunk)
        counts.duplicates += len(chunk) - len(by_key)
        table = cast(Table, models.RegistryRecord.__table__)
        async with self._sessions.begin() as session:
            connection = await session.connection()
            if connection.dialect.name == "postgresql":
                # Plan each lookup for the table as it is now: a plan cached while the table
                # was nearly empty (a sequential scan) would stay in use as it grows to a
                # million rows (measured: over a second per lookup, the import never ending).
                await connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
            keys = list(by_key)
            existing: set[str] = set()
            for start in range(0, len(keys), _LOOKUP_CHUNK):
                part = keys[start : start + _LOOKUP_CHUNK]
                existing.update(
                    await session.scalars(
                        select(models.RegistryRecord.record_key).where(
                            models.RegistryRecord.record_key.in_(part)
                        )
                    )
                )
            dialect = connection.dialect.name
            if dialect == "sqlite":
                stmt: Any = sqlite.insert(table)
            elif dialect == "postgresql":
                stmt = postgresql.insert(table)
            else:  # pragma: no cover - the store supports these two
                raise NotImplementedError(f"registry upsert on {dialect}")
            excluded = stmt.excluded
            changed_condition: ColumnElement[bool] = or_(
                *(table.c[name].is_distinct_from(excluded[name]) for name in _DATA_COLUMNS)
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=[table.c.record_key],
                set_={name: excluded[name] for name in (*_DATA_COLUMNS, "imported_at")},
                where=changed_condition,
            ).returning(table.c.record_key)
            written = set((await connection.execute(stmt, list(by_key.values()))).scalars())
        counts.batches += 1
        counts.inserted += len(written - existing)
        counts.updated += len(written & existing)
        counts.unchanged += len(existing - written)

    async def _analyze(self) -> None:
        """Refresh the planner's statistics after a load (PostgreSQL; SQLite plans by its
        indexes alone): lookups are then planned for the table's real size even where
        autovacuum is off or has not come round yet."""
        async with self._sessions.begin() as session:
            connection = await session.connection()
            if connection.dialect.name == "postgresql":
                await connection.exec_driver_sql("ANALYZE registry")

    async def count(self) -> int:
        """How many records the registry holds."""
        async with self._sessions() as session:
            total = await session.scalar(select(func.count()).select_from(models.RegistryRecord))
            return int(total or 0)

    async def match(
        self,
        national_code: str | None = None,
        certificate_number: str | None = None,
        full_name: str | None = None,
        father_name: str | None = None,
        trade: str | None = None,
        *,
        certificate_year: int | str | None = None,
        centre: str | None = None,
        limit: int = 20,
    ) -> MatchResult:
        """Find the registry records of a request, trying in order:

        1. certificate number and national code, both exactly (after normalisation);
        2. the national code alone;
        3. name, father's name and trade, all three by their normalised keys.

        The first rule that finds anything decides; at most ``limit`` records are returned,
        each compared with the request (``certificate_year`` and ``centre`` only feed the
        comparisons).
        """
        request_fields: dict[str, str | int | None] = {
            "national_code": national_code,
            "certificate_number": certificate_number,
            "full_name": full_name,
            "father_name": father_name,
            "trade": trade,
            "certificate_year": certificate_year,
            "training_centre": centre,
        }
        nc = normalize_national_code(national_code) if national_code else ""
        cn = normalize_code(certificate_number) if certificate_number else ""
        name = normalize_name(full_name) if full_name else ""
        father = normalize_name(father_name) if father_name else ""
        trade_key = normalize_name(trade) if trade else ""
        record = models.RegistryRecord
        searches: list[tuple[MatchRule, Select[models.RegistryRecord]]] = []
        if nc and cn:
            searches.append(
                (
                    MatchRule.CERTIFICATE_AND_NATIONAL_CODE,
                    select(record).where(
                        record.national_code == nc, record.certificate_number == cn
                    ),
                )
            )
        if nc:
            searches.append(
                (MatchRule.NATIONAL_CODE, select(record).where(record.national_code == nc))
            )
        if name and father and trade_key:
            searches.append(
                (
                    MatchRule.NAME_FATHER_TRADE,
                    select(record).where(
                        record.name_key == name,
                        record.father_key == father,
                        record.trade_key == trade_key,
                    ),
                )
            )
        async with self._sessions() as session:
            for rule, query in searches:
                rows = (await session.scalars(query.order_by(record.id).limit(limit))).all()
                if rows:
                    found = []
                    for row in rows:
                        entry = _entry(row)
                        fields = entry.fields()
                        found.append(
                            RecordMatch(
                                entry,
                                compare(request_fields, dict(fields)),
                                suggest_classification(fields),
                            )
                        )
                    found.sort(key=lambda m: (-m.matched, m.differing, m.record.id))
                    return MatchResult(rule, found)
        return MatchResult(None, [])
