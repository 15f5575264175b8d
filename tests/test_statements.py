"""``python -m bot statements`` lists every statement the hot path runs (storage/statements.py)."""

from __future__ import annotations

import asyncio
import contextlib
import io
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.delivery import LANES
from domain.tracking import new_tracking_code
from loopback import jpeg, pdf
from storage import hotpath
from storage.store import Store
from tests.driver import complete_draft


def _printed() -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["statements"]) == 0
    return out.getvalue()


def test_every_statement_is_printed_for_both_databases() -> None:
    printed = _printed()
    names = [line[3:] for line in printed.splitlines() if line.startswith("-- ")]
    listed = [n for n in names if n not in ("sqlite", "postgresql")]
    assert len(listed) == len(set(listed)) >= 20
    assert names.count("sqlite") == names.count("postgresql") == len(listed)
    assert "-- draft_save_if_unchanged\n-- sqlite\nUPDATE drafts SET" in printed
    assert "$1::" in printed and "?" in printed  # asyncpg's placeholders, and sqlite3's


async def test_the_services_prepare_only_statements_it_prints(
    database_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every statement compiled for the hot path while a request is filed and delivered is
    one of those printed."""
    prepared: list[str] = []
    original = hotpath.HotStatement.__init__

    def recording(self: hotpath.HotStatement, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        prepared.append(self.sql)

    monkeypatch.setattr(hotpath.HotStatement, "__init__", recording)
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    store = Store.open(database_url, data_dir / "files")
    try:
        await store.migrate()
        await store.inbox.record([(1, {"update_id": 1})])
        draft = await complete_draft(store, 5, pdf(), jpeg())
        filed = await store.filing.submit(5, draft.id, new_tracking_code)
        for lane in LANES:
            await store.outbox.claim_due(kinds=lane.kinds, other_than=lane.other_than)
        await store.outbox.claim_due()
        await store.outbox.record_card(filed.request.id, -100, 7)
        await store.outbox.record_card(filed.request.id, -100, 8)
        await store.verification.record(1)
        await store.verification.verify_count(1)
    finally:
        await store.close()
    dialect = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    printed = _printed()
    assert prepared
    for sql in prepared:
        assert f"-- {dialect}\n{sql};" in printed, sql
