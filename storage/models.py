"""SQLAlchemy 2 typed models. The schema stays dialect-neutral (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every dialect (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    """The current time, in UTC."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base with constraint naming that migrations can rely on."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class Request(Base):
    """A filed request: a duplicate confirmation now, an inquiry later."""

    __tablename__ = "requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    applicant_chat_id: Mapped[int] = mapped_column(BigInteger)
    applicant_user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    # The draft it was filed from: a double tap on confirm finds the request already filed.
    source_draft: Mapped[str] = mapped_column(String(36), unique=True)

    full_name: Mapped[str] = mapped_column(String(120))
    father_name: Mapped[str | None] = mapped_column(String(120))
    national_code: Mapped[str] = mapped_column(String(10), index=True)
    birth_date: Mapped[str | None] = mapped_column(String(10))
    mobile: Mapped[str | None] = mapped_column(String(11))
    trade: Mapped[str | None] = mapped_column(String(200))
    certificate_number: Mapped[str | None] = mapped_column(String(40))
    certificate_year: Mapped[int | None] = mapped_column(Integer)
    training_centre: Mapped[str | None] = mapped_column(String(200))
    certificate_format: Mapped[str | None] = mapped_column(String(20))
    # Fields that only some kinds of request have (an inquiry's organisation, say).
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)

    admin_message_id: Mapped[int | None] = mapped_column(BigInteger)

    # The staff workflow (domain.workflow): classification, deadline and who decided.
    classification: Mapped[str | None] = mapped_column(String(20))
    due_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    recommended_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    decision_note: Mapped[str | None] = mapped_column(Text)

    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="request", lazy="raise", order_by="Attachment.id"
    )


class Attachment(Base):
    """A document kept for a request: stored file plus Telegram's ids for resending."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    stored_path: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    mime_type: Mapped[str] = mapped_column(String(100))
    file_id: Mapped[str | None] = mapped_column(String(255))
    file_unique_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    request: Mapped[Request] = relationship(back_populates="attachments", lazy="raise")

    __table_args__ = (Index("ix_attachments_request", "request_id"),)


class Draft(Base):
    """A conversation in progress: the step it waits on and every answer given so far."""

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))
    step: Mapped[str] = mapped_column(String(40))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The last message taken as an answer: an update handled again after a crash is not
    # mistaken for the answer to the next question.
    last_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class Outbox(Base):
    """A message owed to someone, written in the same transaction as the change it reports."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[dt.datetime | None] = mapped_column()
    failed_at: Mapped[dt.datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_outbox_due", "sent_at", "failed_at", "next_attempt_at"),)


class InboxUpdate(Base):
    """An update as received, kept until handled, so a crash never loses one."""

    __tablename__ = "inbox"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any]] = mapped_column()
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Which moment an instance took it on; after a lease another instance may adopt it.
    claimed_at: Mapped[dt.datetime | None] = mapped_column()
    processed_at: Mapped[dt.datetime | None] = mapped_column(index=True)


class StaffRole(Base):
    """One role of one staff member; a person may hold several. Their official name and title
    (what documents they sign print) are kept alike on each of their roles."""

    __tablename__ = "staff_roles"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(120))
    title: Mapped[str | None] = mapped_column(String(200))
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Append-only: who did what to which request, when, from which status to which, and why."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("requests.id", ondelete="RESTRICT"), index=True
    )
    actor_id: Mapped[int] = mapped_column(BigInteger)
    actor_name: Mapped[str | None] = mapped_column(String(120))
    # The official title the actor had at that moment (printed on what a signing act issues).
    actor_title: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20))  # done | denied | refused
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StaffPrompt(Base):
    """A prompt the bot put to a staff member (for a reason, a note, a question or a scan),
    open until they answer it, cancel it, or are prompted again."""

    __tablename__ = "staff_prompts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(40))
    staff_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column()

    __table_args__ = (Index("ix_staff_prompts_message", "chat_id", "message_id", unique=True),)


class SigningKeyRecord(Base):
    """A published verification key; the private half stays in a file, never here."""

    __tablename__ = "signing_keys"

    key_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    public_key: Mapped[str] = mapped_column(String(64))  # hex
    valid_from: Mapped[dt.datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column()


class Confirmation(Base):
    """An issued confirmation: what was signed, and whether it still stands."""

    __tablename__ = "confirmations"

    serial: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="RESTRICT"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    key_id: Mapped[int] = mapped_column(Integer)
    token: Mapped[str] = mapped_column(String(200), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="current")
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by: Mapped[int | None] = mapped_column(BigInteger)
    superseded_by: Mapped[int | None] = mapped_column(Integer)
    superseded_at: Mapped[dt.datetime | None] = mapped_column()
    # Which certificate this confirms: a later duplicate for the same one supersedes this.
    certificate_key: Mapped[str] = mapped_column(String(120), index=True)
    holder_name: Mapped[str] = mapped_column(String(120))
    trade: Mapped[str | None] = mapped_column(String(200))
    certificate_number: Mapped[str | None] = mapped_column(String(40))
    office: Mapped[str] = mapped_column(String(200))
    signer_name: Mapped[str | None] = mapped_column(String(120))
    pdf_path: Mapped[str | None] = mapped_column(String(255))
    png_path: Mapped[str | None] = mapped_column(String(255))


class VerificationCount(Base):
    """How often a confirmation was checked, for the security unit.

    A narrow table of its own: counting a scan rewrites a row of a few bytes, not a whole
    confirmation row (writing the counts of a busy minute into the wide confirmations table
    copied a database page per scanned confirmation). A confirmation never checked has no row.
    """

    __tablename__ = "verification_counts"

    serial: Mapped[int] = mapped_column(
        ForeignKey("confirmations.serial", ondelete="CASCADE"), primary_key=True
    )
    count: Mapped[int] = mapped_column(Integer)


class RegistryRecord(Base):
    """A known certificate, imported from the registry books, the exam software or a centre.

    ``record_key`` is the natural key the importer derives (so importing again updates rows
    instead of adding them); the ``*_key`` columns hold normalised forms for matching.
    """

    __tablename__ = "registry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_key: Mapped[str] = mapped_column(String(200), unique=True)
    national_code: Mapped[str | None] = mapped_column(String(10), index=True)
    first_name: Mapped[str | None] = mapped_column(String(120))
    last_name: Mapped[str | None] = mapped_column(String(120))
    full_name: Mapped[str | None] = mapped_column(String(200))
    father_name: Mapped[str | None] = mapped_column(String(120))
    trade: Mapped[str | None] = mapped_column(String(200))
    standard_code: Mapped[str | None] = mapped_column(String(60))
    certificate_number: Mapped[str | None] = mapped_column(String(60), index=True)
    exam_date: Mapped[str | None] = mapped_column(String(10))  # Jalali YYYY/MM/DD
    centre: Mapped[str | None] = mapped_column(String(200))
    province: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(String(200))
    format: Mapped[str | None] = mapped_column(String(20))  # old_books | old_centre | mechanized
    name_key: Mapped[str | None] = mapped_column(String(200))
    father_key: Mapped[str | None] = mapped_column(String(120))
    trade_key: Mapped[str | None] = mapped_column(String(200))
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_registry_names", "name_key", "father_key", "trade_key"),)


class RememberedAnswers(Base):
    """Answers a chat gave last time that the next request of that kind reuses."""

    __tablename__ = "remembered_answers"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
