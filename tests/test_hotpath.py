"""The hot path (storage/hotpath.py): statements every update runs, on kept driver connections.

What comes back must be what SQLAlchemy itself returns; a unit of work is all or nothing; an
error inside it keeps the connection usable; a connection the database closed is replaced
without the caller noticing; on SQLite, a hot writer and a session writer take turns.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping
from typing import cast

import pytest
from sqlalchemy import Table, bindparam, delete, insert, select, update

from domain.tracking import new_tracking_code
from loopback import STORED_ANSWERS, jpeg, pdf
from storage import models
from storage.errors import DraftNotFound, StaleStep
from storage.hotpath import HotPath
from storage.store import Store
from tests.driver import complete_draft, cut_connections, file_directly

_DRAFTS = cast(Table, models.Draft.__table__)
_ROW = select(_DRAFTS.c.id, _DRAFTS.c.answers, _DRAFTS.c.updated_at, _DRAFTS.c.step).where(
    _DRAFTS.c.user_id == bindparam("user_id")
)
_ADD = insert(_DRAFTS).values(
    {name: bindparam(name) for name in ("id", "user_id", "chat_id", "kind", "step", "answers")}
    | {"created_at": bindparam("at"), "updated_at": bindparam("at")}
)
_STEP = update(_DRAFTS).where(_DRAFTS.c.user_id == bindparam("user_id")).values(step="moved")


class Boom(Exception):
    pass


async def _add(hot: HotPath, user_id: int, answers: Mapping[str, object]) -> None:
    async with hot.transaction() as tx:
        await tx.execute(
            hot.prepare(_ADD),
            id=f"d-{user_id}",
            user_id=user_id,
            chat_id=user_id,
            kind="duplicate",
            step="full_name",
            answers=answers,
            at=models.utcnow(),
        )


async def test_values_come_back_as_sqlalchemy_returns_them(store: Store) -> None:
    hot = store.hot
    answers = {"full_name": "مریم احمدی", "photo": {"size": 3, "sha256": "ab"}, "n": None}
    await _add(hot, 7, answers)
    row = await hot.read(hot.prepare(_ROW), user_id=7)
    async with store.sessions() as session:
        expected = (await session.execute(_ROW, {"user_id": 7})).one()
    assert row is not None
    assert row == expected._asdict()
    assert row["answers"] == answers
    assert row["updated_at"].tzinfo is not None
    assert abs(row["updated_at"] - models.utcnow()) < dt.timedelta(minutes=1)
    assert await hot.read(hot.prepare(_ROW), user_id=8) is None
    # The same values, as a list in the statement's column order.
    values = await hot.read_values(hot.prepare(_ROW), user_id=7)
    assert values == list(expected)
    assert await hot.read_values(hot.prepare(_ROW), user_id=8) is None


def test_a_confirmation_row_fills_the_record_field_by_field() -> None:
    # ConfirmationService.record builds Record(*values): the query's columns must be the
    # record's fields, in order.
    from dataclasses import fields

    from domain.verification import Record
    from storage.statements import for_dialect

    record = for_dialect("sqlite").confirmation_record
    columns = [column.key for column in record.selected_columns]
    assert columns == [field.name for field in fields(Record)]


async def test_a_unit_of_work_is_all_or_nothing(store: Store) -> None:
    hot = store.hot
    await _add(hot, 1, {})
    with pytest.raises(Boom):
        async with hot.transaction() as tx:
            assert await tx.execute(hot.prepare(_STEP), user_id=1) == 1
            await tx.execute(
                hot.prepare(_ADD),
                id="d-2",
                user_id=2,
                chat_id=2,
                kind="duplicate",
                step="full_name",
                answers={},
                at=models.utcnow(),
            )
            raise Boom
    row = await hot.read(hot.prepare(_ROW), user_id=1)
    assert row is not None and row["step"] == "full_name"
    assert await hot.read(hot.prepare(_ROW), user_id=2) is None
    # The error was the caller's: the same connection serves the next unit of work.
    kept = list(hot._idle)
    async with hot.transaction() as tx:
        await tx.execute(hot.prepare(_STEP), user_id=1)
    assert hot._idle == kept
    row = await hot.read(hot.prepare(_ROW), user_id=1)
    assert row is not None and row["step"] == "moved"
    async with store.sessions() as session:
        assert await session.scalar(select(_DRAFTS.c.step).where(_DRAFTS.c.user_id == 1)) == (
            "moved"
        )


async def test_a_failed_statement_rolls_back_and_the_next_unit_runs(store: Store) -> None:
    hot = store.hot
    await _add(hot, 1, {"a": 1})
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await _add(hot, 1, {"a": 2})
    await _add(hot, 3, {"a": 3})
    row = await hot.read(hot.prepare(_ROW), user_id=1)
    assert row is not None and row["answers"] == {"a": 1}
    assert await hot.read(hot.prepare(_ROW), user_id=3) is not None


async def test_a_connection_closed_by_the_database_is_replaced(store: Store) -> None:
    hot = store.hot
    await _add(hot, 1, {})
    await cut_connections(store, hot)
    # A write first (it begins on the dead connection, and takes a new one), then a read.
    async with hot.transaction() as tx:
        assert await tx.execute(hot.prepare(_STEP), user_id=1) == 1
    row = await hot.read(hot.prepare(_ROW), user_id=1)
    assert row is not None and row["step"] == "moved"


async def test_hot_and_session_writers_take_turns(store: Store) -> None:
    """Many units of work at once, half on the hot path and half on sessions: all land."""
    hot = store.hot

    async def by_session(user_id: int) -> None:
        async with store.sessions.begin() as session:
            await session.execute(
                _ADD,
                {
                    "id": f"d-{user_id}",
                    "user_id": user_id,
                    "chat_id": user_id,
                    "kind": "duplicate",
                    "step": "full_name",
                    "answers": {},
                    "at": models.utcnow(),
                },
            )

    await asyncio.gather(
        *(_add(hot, i, {"i": i}) if i % 2 else by_session(i) for i in range(1, 61))
    )
    async with store.sessions() as session:
        count = len((await session.execute(select(_DRAFTS.c.id))).all())
    assert count == 60
    rows = await asyncio.gather(*(hot.read(hot.prepare(_ROW), user_id=i) for i in range(1, 61)))
    assert all(row is not None for row in rows)


async def test_closed_hot_path_refuses_work(store: Store) -> None:
    hot = HotPath(store.engine)
    await _add(hot, 1, {})
    await hot.close()
    with pytest.raises(RuntimeError):
        await hot.read(hot.prepare(_ROW), user_id=1)


# --- drafts.start: one INSERT that does nothing when the user has a draft -----------------------


async def test_starting_twice_at_once_makes_one_draft(store: Store) -> None:
    drafts = store.drafts
    started = await asyncio.gather(*(drafts.start(5, 5, "duplicate") for _ in range(6)))
    assert [created for _, created in started].count(True) == 1
    assert len({draft.id for draft, _ in started}) == 1
    assert await drafts.get(5) == started[0][0]


async def test_starting_again_resumes_the_draft_with_its_answers(store: Store) -> None:
    drafts = store.drafts
    seen, created = await drafts.start(5, 5, "duplicate")
    assert created
    moved = await drafts.answer(5, seen.step, seen.step, "مریم احمدی", 10, seen=seen)
    again, created = await drafts.start(5, 5, "inquiry")
    assert not created
    assert again == moved and again.kind == "duplicate"


async def test_starting_while_the_draft_is_being_filed_waits_and_starts_afresh(
    store: Store,
) -> None:
    """A filing locks the draft, files it and deletes it; a «start» meanwhile must not hand
    back the draft about to vanish."""
    hot, drafts = store.hot, store.drafts
    old, _ = await drafts.start(7, 7, "duplicate")
    lock = hot.prepare(
        select(_DRAFTS.c.id).where(_DRAFTS.c.user_id == bindparam("user_id")).with_for_update()
    )
    drop = hot.prepare(delete(_DRAFTS).where(_DRAFTS.c.user_id == bindparam("user_id")))
    async with hot.transaction() as tx:  # as DraftService.submit does
        assert await tx.first(lock, user_id=7) is not None
        starting = asyncio.create_task(drafts.start(7, 7, "duplicate"))
        await asyncio.sleep(0.2)
        await tx.execute(drop, user_id=7)
    new, created = await starting
    assert created and new.id != old.id
    assert await drafts.get(7) == new


# --- drafts.submit: filing in one unit of work on the hot path ---------------------------------


async def test_a_tracking_code_already_taken_is_drawn_again(store: Store) -> None:
    first = await file_directly(store, 1, pdf(), jpeg(300, 400))
    draft = await complete_draft(store, 2, pdf(), jpeg(300, 400))
    codes = iter([first.tracking_code, "ABCDEFGH"])
    result = await store.filing.submit(2, draft.id, lambda: next(codes))
    assert result.created
    assert result.request.tracking_code == "ABCDEFGH"
    # Nothing of the refused attempt stayed: one request each, the draft gone, and the
    # second request's attachments, announcement and notice written once.
    assert await store.drafts.get(2) is None
    mine = await store.requests.list_for_user(2)
    assert [r.tracking_code for r in mine] == ["ABCDEFGH"]
    assert len(result.request.attachments) == 2
    again = await store.requests.get(result.request.id)
    assert again.attachments == result.request.attachments
    assert again.national_code == STORED_ANSWERS["national_code"]
    assert await store.outbox.pending() == 4  # two announcements, two notices


async def test_confirming_twice_at_once_files_one_request(store: Store) -> None:
    draft = await complete_draft(store, 3, pdf(), jpeg(300, 400))
    results = await asyncio.gather(
        *(store.filing.submit(3, draft.id, new_tracking_code) for _ in range(4))
    )
    assert [r.created for r in results].count(True) == 1
    assert len({r.request.id for r in results}) == 1
    assert len(await store.requests.list_for_user(3)) == 1
    assert await store.outbox.pending() == 2


async def test_confirming_a_draft_that_is_not_there_is_refused(store: Store) -> None:
    with pytest.raises(DraftNotFound):
        await store.filing.submit(4, "no-such-draft", new_tracking_code)


# --- drafts.answer: one compare-and-set UPDATE when the caller saw the draft --------------------


async def test_an_answer_on_the_draft_as_seen_is_taken(store: Store) -> None:
    drafts = store.drafts
    seen, _ = await drafts.start(5, 5, "duplicate")
    moved = await drafts.answer(5, seen.step, seen.step, "مریم احمدی", 10, seen=seen)
    assert moved.step != seen.step
    assert await drafts.get(5) == moved
    assert moved.answers[seen.step] == "مریم احمدی"
    assert moved.last_message_id == 10


async def test_an_answer_on_a_draft_that_moved_meanwhile_is_refused(store: Store) -> None:
    drafts = store.drafts
    seen, _ = await drafts.start(5, 5, "duplicate")
    now = await drafts.answer(5, seen.step, seen.step, "اول", 10)  # another message, first
    with pytest.raises(StaleStep):
        await drafts.answer(5, seen.step, seen.step, "دوم", 11, seen=seen)
    assert await drafts.get(5) == now
    assert now.answers[seen.step] == "اول"


async def test_the_same_message_is_not_taken_twice(store: Store) -> None:
    drafts = store.drafts
    seen, _ = await drafts.start(5, 5, "duplicate")
    moved = await drafts.answer(5, seen.step, seen.step, "مریم احمدی", 10, seen=seen)
    back = await drafts.go_to(5, seen.step)
    with pytest.raises(StaleStep):
        await drafts.answer(5, back.step, back.step, "دوباره", 10, seen=back)
    with pytest.raises(StaleStep):
        await drafts.answer(5, back.step, back.step, "دوباره", 9)
    again = await drafts.get(5)
    assert again is not None and again.answers == moved.answers


async def test_a_draft_touched_but_on_the_same_step_takes_the_answer(store: Store) -> None:
    """``seen`` is out of date (the draft was written since) but still waits on the step: the
    compare-and-set misses, and the locking way takes the answer."""
    drafts = store.drafts
    seen, _ = await drafts.start(5, 5, "duplicate")
    touched = await drafts.go_to(5, seen.step)
    assert touched.updated_at != seen.updated_at
    moved = await drafts.answer(5, seen.step, seen.step, "مریم احمدی", 10, seen=seen)
    assert moved.step != seen.step
    assert await drafts.get(5) == moved


async def test_an_answer_to_a_dropped_draft_is_refused(store: Store) -> None:
    drafts = store.drafts
    seen, _ = await drafts.start(5, 5, "duplicate")
    assert await drafts.discard(5)
    with pytest.raises(DraftNotFound):
        await drafts.answer(5, seen.step, seen.step, "مریم احمدی", 10, seen=seen)
    assert await drafts.get(5) is None


async def test_an_out_of_date_view_never_drops_answers_given_since(store: Store) -> None:
    """Back on the same step with answers given since ``seen`` was read: the answer is
    added to the draft as it is now, not to the stale copy."""
    drafts = store.drafts
    seen, _ = await drafts.start(5, 5, "duplicate")
    first = await drafts.answer(5, seen.step, seen.step, "مریم احمدی", 10)
    second = await drafts.answer(5, first.step, first.step, "حسین", 11)
    await drafts.go_to(5, seen.step)
    final = await drafts.answer(5, seen.step, seen.step, "زهرا احمدی", 12, seen=seen)
    assert final.answers[seen.step] == "زهرا احمدی"
    assert final.answers[first.step] == "حسین"
    assert await drafts.get(5) == final
    assert second.step != first.step
