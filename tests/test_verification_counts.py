"""Verification counts, for the security unit: every page view counted once, on each database."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot import web
from storage import models
from storage.store import Store
from tests.test_verify_web import issue_confirmation, running


async def test_counts_are_gathered_and_written_per_confirmation(store: Store) -> None:
    first = await issue_confirmation(store, 7101)
    second = await issue_confirmation(store, 7102)
    service = store.verification
    for _ in range(3):
        await service.verify(first.token)
    await service.verify(second.token.lower())
    await service.verify(second.token, count=False)  # a HEAD, a holder check: not counted
    assert await service.verify_count(first.serial) == 3
    assert await service.verify_count(second.serial) == 1
    # Written counts are added to, not replaced.
    await service.verify(first.token)
    await service.flush_counts()
    assert await service.verify_count(first.serial) == 4


async def test_counts_are_written_without_waiting_for_more_scans(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    confirmation = await issue_confirmation(store, 7103)
    service = store.verification
    monkeypatch.setattr(web, "COUNT_FLUSH", 0.05)
    async with running(store):  # the web server writes the counts as it runs
        for _ in range(5):
            await service.verify(confirmation.token)
        await _written(store, confirmation.serial, 5)


async def test_counts_a_failed_write_left_are_written_later(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    confirmation = await issue_confirmation(store, 7104)
    service = store.verification
    monkeypatch.setattr(web, "COUNT_FLUSH", 0.05)
    writer = service._count_writer
    real = writer.transaction
    failures = [ConnectionResetError("the database went away")]

    def flaky() -> Any:
        if failures:
            raise failures.pop()
        return real()

    monkeypatch.setattr(writer, "transaction", flaky)
    async with running(store):
        for _ in range(3):
            await service.verify(confirmation.token)
        await _written(store, confirmation.serial, 3)
    assert not failures
    assert "verification counts not written yet (ConnectionResetError)" in caplog.text


async def _written(store: Store, serial: int, expected: int) -> None:
    """Wait (without flushing) until the background writer has written ``expected``."""
    for _ in range(200):
        async with store.sessions() as session:
            row = await session.get(models.VerificationCount, serial)
        if row is not None and row.count == expected:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"count of {serial} not written: {row and row.count}")
