"""Every statement the fast executor runs, in one place, each named for what it does.

These are the statements of the services on the hot path (:mod:`storage.hotpath`): drafts,
filing, redrawing uploads, the inbox, the outbox and verification. They are SQLAlchemy Core,
built once per dialect (:func:`for_dialect`) and compiled once by the executor;
``python -m bot statements`` prints each one's SQL for SQLite and for PostgreSQL. The other
services speak the ORM through sessions and keep their queries beside their use cases.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterator
from dataclasses import fields
from typing import Any, cast

from sqlalchemy import (
    Delete,
    Executable,
    Insert,
    Select,
    Table,
    Update,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.dialects.sqlite import pysqlite
from sqlalchemy.sql.dml import ReturningDelete

from domain.verification import Record
from storage import models
from storage.db import upsert_insert
from storage.views import DraftView

DIALECTS = ("sqlite", "postgresql")

_DRAFTS = cast(Table, models.Draft.__table__)
_REMEMBERED = cast(Table, models.RememberedAnswers.__table__)
_REQUESTS = cast(Table, models.Request.__table__)
_ATTACHMENTS = cast(Table, models.Attachment.__table__)
_OUTBOX = cast(Table, models.Outbox.__table__)
_INBOX = cast(Table, models.InboxUpdate.__table__)
_CONFIRMATIONS = cast(Table, models.Confirmation.__table__)
_COUNTS = cast(Table, models.VerificationCount.__table__)

# The draft's columns as DraftView holds them.
DRAFT_COLUMNS = tuple(f.name for f in fields(DraftView))
# Every column a filing writes (all but the generated id): absent answers are written as NULL,
# as the ORM would leave them.
REQUEST_VALUES = tuple(c.key for c in _REQUESTS.columns if not c.primary_key)
ATTACHMENT_VALUES = tuple(c.key for c in _ATTACHMENTS.columns if not c.primary_key)
OUTBOX_COLUMNS = (
    "kind",
    "chat_id",
    "payload",
    "dedupe_key",
    "created_at",
    "next_attempt_at",
    "attempts",
)
INBOX_COLUMNS = ("update_id", "payload", "received_at", "claimed_at", "attempts")


def _binds(*names: str) -> dict[str, Any]:
    return {name: bindparam(name) for name in names}


def _draft_save() -> Update:
    # A new statement each time: SQLAlchemy (2.1) keeps an UPDATE's memoized columns when
    # .where()/.returning() copy it, so deriving one statement from another would give the
    # copy the original's (empty) RETURNING columns.
    return (
        update(_DRAFTS)
        .where(_DRAFTS.c.id == bindparam("draft_id"))
        .values(_binds("answers", "step", "last_message_id", "updated_at"))
    )


def _outbox_by_id(**values: Any) -> Update:
    """``UPDATE outbox SET … WHERE id = :item_id``, a new statement each call."""
    return update(_OUTBOX).where(_OUTBOX.c.id == bindparam("item_id")).values(**values)


def _outbox_pending() -> tuple[Any, Any]:
    return _OUTBOX.c.sent_at.is_(None), _OUTBOX.c.failed_at.is_(None)


class Statements:
    """The hot path's statements for one dialect (``sqlite`` or ``postgresql``)."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self._due: dict[tuple[tuple[str, ...] | None, tuple[str, ...]], Select[Any]] = {}

        # Drafts: the conversation's state, one per user.
        self.draft_of_user: Select[Any] = select(*(_DRAFTS.c[n] for n in DRAFT_COLUMNS)).where(
            _DRAFTS.c.user_id == bindparam("user_id")
        )
        self.draft_of_user_locked: Select[Any] = self.draft_of_user.with_for_update()
        # A user has at most one draft: the INSERT names the row only if it made it.
        self.draft_start: Insert = (
            upsert_insert(dialect, _DRAFTS)
            .values(_binds(*DRAFT_COLUMNS, "created_at"))
            .on_conflict_do_nothing(index_elements=[_DRAFTS.c.user_id])
            .returning(_DRAFTS.c.id)
        )
        self.draft_save: Update = _draft_save()
        # An answer given on the draft as the caller saw it: applies only if the draft still
        # waits on that step and was not written since.
        self.draft_save_if_unchanged: Update = (
            _draft_save()
            .where(
                _DRAFTS.c.step == bindparam("seen_step"),
                _DRAFTS.c.updated_at == bindparam("seen_at"),
            )
            .returning(_DRAFTS.c.id)
        )
        self.draft_move: Update = (
            update(_DRAFTS)
            .where(_DRAFTS.c.id == bindparam("draft_id"))
            .values(_binds("step", "updated_at"))
        )
        self.draft_drop: Delete = delete(_DRAFTS).where(_DRAFTS.c.id == bindparam("draft_id"))
        # Only drafts really removed here lose their files; one filed or touched at this very
        # moment (by another instance, say) keeps them.
        self.drafts_expire: ReturningDelete[Any] = (
            delete(_DRAFTS)
            .where(_DRAFTS.c.updated_at < bindparam("older_than"))
            .returning(*(_DRAFTS.c[n] for n in DRAFT_COLUMNS))
        )
        self.remembered_answers: Select[Any] = select(_REMEMBERED.c.answers).where(
            _REMEMBERED.c.chat_id == bindparam("chat_id"),
            _REMEMBERED.c.kind == bindparam("kind"),
        )

        # Filing: the request (nothing when its tracking code is taken), its attachments,
        # the draft gone, the answers a chat's next request reuses (and the outbox rows).
        self.request_file: Insert = (
            upsert_insert(dialect, _REQUESTS)
            .values(_binds(*REQUEST_VALUES))
            .on_conflict_do_nothing(index_elements=[_REQUESTS.c.tracking_code])
            .returning(_REQUESTS.c.id)
        )
        self.attachment_add: Insert = (
            insert(_ATTACHMENTS).values(_binds(*ATTACHMENT_VALUES)).returning(_ATTACHMENTS.c.id)
        )
        remember = upsert_insert(dialect, _REMEMBERED).values(
            _binds("chat_id", "kind", "answers", "updated_at")
        )
        self.answers_remember: Insert = remember.on_conflict_do_update(
            index_elements=[_REMEMBERED.c.chat_id, _REMEMBERED.c.kind],
            set_={
                "answers": remember.excluded.answers,
                "updated_at": remember.excluded.updated_at,
            },
        )

        # The request filed from a draft (a second «confirm» of it), and its attachments.
        self.request_of_draft: Select[Any] = select(_REQUESTS).where(
            _REQUESTS.c.source_draft == bindparam("draft_id"),
            _REQUESTS.c.applicant_user_id == bindparam("user_id"),
        )
        self.attachments_of_request: Select[Any] = (
            select(_ATTACHMENTS)
            .where(_ATTACHMENTS.c.request_id == bindparam("request_id"))
            .order_by(_ATTACHMENTS.c.id)
        )

        # The staff card a request was announced with. The first card recorded stays; a later
        # one (an instance that stalled past its claim and sent the card again) is not.
        self.request_card_record: Update = (
            update(_REQUESTS)
            .where(
                _REQUESTS.c.id == bindparam("request_id"),
                _REQUESTS.c.admin_message_id.is_(None),
            )
            .values(admin_message_id=bindparam("message_id"), updated_at=bindparam("now"))
            .returning(_REQUESTS.c.id)
        )

        # The inbox. RETURNING names the row only if this statement inserted it: of two
        # instances given the same update at once (webhooks), exactly one handles it.
        self.inbox_record: Insert = (
            upsert_insert(dialect, _INBOX)
            .values(_binds(*INBOX_COLUMNS))
            .on_conflict_do_nothing()
            .returning(_INBOX.c.update_id)
        )

        self.inbox_highest: Select[Any] = select(func.max(_INBOX.c.update_id).label("highest"))
        self.inbox_contains: Select[Any] = select(_INBOX.c.update_id).where(
            _INBOX.c.update_id == bindparam("update_id")
        )
        # Updates received but not handled, whose last claim is older than ``claimed_before``.
        unprocessed = (
            select(_INBOX.c.update_id, _INBOX.c.payload, _INBOX.c.attempts)
            .where(
                _INBOX.c.processed_at.is_(None),
                or_(
                    _INBOX.c.claimed_at.is_(None),
                    _INBOX.c.claimed_at <= bindparam("claimed_before"),
                ),
            )
            .order_by(_INBOX.c.update_id)
            .limit(bindparam("limit"))
        )
        self.inbox_unprocessed: Select[Any] = (
            unprocessed.with_for_update(skip_locked=True)
            if dialect == "postgresql"
            else unprocessed
        )
        self.inbox_claim: Update = (
            update(_INBOX)
            .where(_INBOX.c.update_id == bindparam("update_id"))
            .values(claimed_at=bindparam("now"))
        )
        self.inbox_update_locked: Select[Any] = (
            select(_INBOX.c.payload, _INBOX.c.attempts, _INBOX.c.processed_at)
            .where(_INBOX.c.update_id == bindparam("update_id"))
            .with_for_update()
        )
        self.inbox_charge: Update = (
            update(_INBOX)
            .where(_INBOX.c.update_id == bindparam("update_id"))
            .values(_binds("attempts", "claimed_at", "processed_at"))
        )
        self.inbox_mark_processed: Update = (
            update(_INBOX)
            .where(_INBOX.c.update_id == bindparam("update_id"))
            .values(processed_at=bindparam("at"))
        )
        self.inbox_purge: Delete = delete(_INBOX).where(
            _INBOX.c.processed_at.is_not(None), _INBOX.c.received_at < bindparam("older_than")
        )

        # The outbox. A repeated dedupe key is ignored; RETURNING names a row only if made.
        self.outbox_enqueue: Insert = (
            upsert_insert(dialect, _OUTBOX)
            .values(_binds(*OUTBOX_COLUMNS))
            .on_conflict_do_nothing()
            .returning(_OUTBOX.c.id)
        )
        self.outbox_claim = _outbox_by_id(
            attempts=bindparam("attempts"), next_attempt_at=bindparam("due")
        )
        self.outbox_sent = _outbox_by_id(sent_at=bindparam("at"), last_error=None)
        self.outbox_retry_later = _outbox_by_id(
            next_attempt_at=bindparam("due"), last_error=bindparam("error")
        )
        self.outbox_failed = _outbox_by_id(
            failed_at=bindparam("at"), last_error=bindparam("error")
        )
        self.outbox_progress = _outbox_by_id(payload=bindparam("payload"))
        self.outbox_give_up_on_chat: Update = (
            update(_OUTBOX)
            .where(_OUTBOX.c.chat_id == bindparam("chat_id"), *_outbox_pending())
            .values(failed_at=bindparam("at"), last_error=bindparam("error"))
        )
        self.outbox_given_up: Select[Any] = select(
            _OUTBOX.c.kind, _OUTBOX.c.chat_id, _OUTBOX.c.attempts, _OUTBOX.c.last_error
        ).where(_OUTBOX.c.failed_at.is_not(None))
        self.outbox_next_due: Select[Any] = select(
            func.min(_OUTBOX.c.next_attempt_at).label("earliest")
        ).where(*_outbox_pending())
        self.outbox_pending: Select[Any] = select(func.count().label("pending")).where(
            *_outbox_pending()
        )

        # Verification: a confirmation by serial, and the counts added up.
        self.confirmation_record: Select[Any] = select(
            *(_CONFIRMATIONS.c[f.name] for f in fields(Record))
        ).where(_CONFIRMATIONS.c.serial == bindparam("serial"))
        self.verification_count_of: Select[Any] = select(_COUNTS.c.count).where(
            _COUNTS.c.serial == bindparam("serial")
        )
        # Add ``n`` to serial ``s``'s count, making its row if it has none.
        add = upsert_insert(dialect, _COUNTS).values(serial=bindparam("s"), count=bindparam("n"))
        self.verification_count_add: Insert = add.on_conflict_do_update(
            index_elements=[_COUNTS.c.serial],
            set_={"count": _COUNTS.c.count + add.excluded.count},
        )

    def outbox_due(
        self, kinds: Collection[str] | None = None, other_than: Collection[str] = ()
    ) -> Select[Any]:
        """Due outbox rows, oldest first, locked for claiming: of ``kinds`` only when given,
        and none of ``other_than`` (a delivery lane's kinds, written into the statement)."""
        key = (tuple(sorted(kinds)) if kinds is not None else None, tuple(sorted(other_than)))
        kept = self._due.get(key)
        if kept is not None:
            return kept
        statement: Select[Any] = (
            select(
                _OUTBOX.c.id,
                _OUTBOX.c.kind,
                _OUTBOX.c.chat_id,
                _OUTBOX.c.payload,
                _OUTBOX.c.attempts,
            )
            .where(*_outbox_pending(), _OUTBOX.c.next_attempt_at <= bindparam("now"))
            .order_by(_OUTBOX.c.id)
            .limit(bindparam("limit"))
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE
        )
        if key[0] is not None:
            statement = statement.where(_OUTBOX.c.kind.in_([literal(str(k)) for k in key[0]]))
        if key[1]:
            statement = statement.where(_OUTBOX.c.kind.not_in([literal(str(k)) for k in key[1]]))
        self._due[key] = statement
        return statement

    def named(
        self, lanes: Collection[tuple[str, Collection[str] | None, Collection[str]]] = ()
    ) -> Iterator[tuple[str, Executable]]:
        """Every statement with its name; ``outbox_due`` once for any kind and once for
        each of ``lanes`` (name, kinds, other than)."""
        for name, value in vars(self).items():
            if not name.startswith("_") and isinstance(value, Executable):
                yield name, value
        yield "outbox_due", self.outbox_due()
        for lane, kinds, other_than in lanes:
            yield f"outbox_due[{lane}]", self.outbox_due(kinds, other_than)


@functools.cache
def for_dialect(dialect: str) -> Statements:
    """The statements for ``dialect`` (built once per process)."""
    return Statements("postgresql" if dialect == "postgresql" else "sqlite")


def compiled_sql(statement: Executable, dialect: str) -> str:
    """``statement``'s SQL as SQLAlchemy compiles it for ``dialect``'s driver (asyncpg, or
    sqlite3), as the executor sends it."""
    target = cast(Any, asyncpg).dialect() if dialect == "postgresql" else pysqlite.dialect()
    return str(cast(Any, statement).compile(dialect=target))
