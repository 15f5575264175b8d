"""Verifying confirmations: every scan of a QR code, in the chat or on the web.

Each verification reads the confirmation by serial on kept connections of its own
(storage.hotpath), so verifications never queue behind the bot's writes, and is counted in
memory; :meth:`VerificationService.flush_counts` writes the counts, one write per busy serial
instead of one per scan. The web server calls it every few seconds (bot.web), so a crash
loses only a few seconds' counts; closing the service writes what is left.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy.ext.asyncio import AsyncEngine

from domain import signing
from domain.digits import parse_id
from domain.verification import Record, Result, Verdict, judge
from storage.confirmations import KeyRing
from storage.hotpath import HotPath


class VerificationService:
    """The verdict on a token or an in-chat reference, and the per-serial counts."""

    def __init__(self, keys: KeyRing, engine: AsyncEngine) -> None:
        self.keys = keys
        self._hot = HotPath(engine)
        self._records = self._hot.prepare(self._hot.statements.confirmation_record)
        self._count_of = self._hot.prepare(self._hot.statements.verification_count_of)
        self._counts: Counter[int] = Counter()
        self._writing = asyncio.Lock()
        # The counts are written on a kept connection of their own: a flush (a batch on a
        # worker thread, on SQLite) never holds up the verifications' reads.
        self._count_writer = HotPath(engine, size=1)
        self._add_counts = self._count_writer.prepare(
            self._count_writer.statements.verification_count_add
        )

    async def record(self, serial: int) -> Record | None:
        """What the store knows of a serial (the hot path of every verification: one indexed
        query on a kept connection, see storage.hotpath)."""
        values = await self._hot.read_values(self._records, serial=serial)
        return None if values is None else Record(*values)

    async def verify(self, token: str, *, count: bool = True) -> Result:
        """The verdict on a token, counting the check for the security unit."""
        keys = await self.keys.public_keys()
        decoded: signing.Decoded | None
        try:
            decoded = signing.decode_token(token)
        except signing.MalformedToken:
            decoded = None
        record = await self.record(decoded[0].serial) if decoded is not None else None
        result = judge(token, keys, record, decoded)
        if count and result.serial is not None and record is not None:
            self._counts[result.serial] += 1  # written by flush_counts
        return result

    async def verify_reference(self, reference: str) -> tuple[Result, str | None]:
        """The verdict on a short in-chat reference (``v_<serial>_<tail>``) and its token."""
        parts = reference.split("_")
        serial = parse_id(parts[1]) if len(parts) == 3 and parts[0] == "v" else None
        if serial is None:
            return Result(Verdict.INVALID, reason="malformed"), None
        record = await self.record(serial)
        if record is None or not record.token.upper().endswith(parts[2].upper()):
            return Result(Verdict.INVALID, reason="unknown_reference"), None
        return await self.verify(record.token), record.token

    async def flush_counts(self) -> None:
        """Write the verification counts gathered so far (one statement, run per serial).

        If the write fails, the counts are kept for the next call and the error is raised.
        """
        async with self._writing:  # a write under way is finished first (verify_count)
            counts, self._counts = self._counts, Counter()
            if not counts:
                return
            try:
                # Driver-level, not a session: SQLAlchemy's executemany took 4 us of the
                # event loop's time per serial, the driver's own one microsecond.
                async with self._count_writer.transaction() as transaction:
                    await transaction.execute_many(
                        self._add_counts, ({"s": s, "n": n} for s, n in counts.items())
                    )
            except BaseException:
                self._counts.update(counts)  # kept for the next flush
                raise

    async def close(self) -> None:
        """Write the counts gathered so far and give back the kept connections."""
        await self.flush_counts()
        await self._count_writer.close()
        await self._hot.close()

    async def verify_count(self, serial: int) -> int:
        """How often a confirmation was checked."""
        await self.flush_counts()
        row = await self._hot.read(self._count_of, serial=serial)
        return int(row["count"]) if row is not None else 0
