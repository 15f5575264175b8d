"""Plain data objects that storage hands out instead of ORM rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from domain.forms import REQUEST_COLUMNS
from storage import models


@dataclass(frozen=True)
class DraftView:
    """A conversation in progress."""

    id: str
    user_id: int
    chat_id: int
    kind: str
    step: str
    answers: dict[str, Any]
    updated_at: dt.datetime
    last_message_id: int | None = None

    def saved(self) -> dict[str, Any]:
        """What saving this draft writes (storage.statements' ``draft_save``)."""
        return {
            "draft_id": self.id,
            "answers": self.answers,
            "step": self.step,
            "last_message_id": self.last_message_id,
            "updated_at": self.updated_at,
        }

    def already_answered(self, message_id: int) -> bool:
        """Whether ``message_id`` was already taken as an answer (a re-delivered update)."""
        return self.last_message_id is not None and message_id <= self.last_message_id


@dataclass(frozen=True)
class StoredDocument:
    """A document in the file store, with what Telegram calls it."""

    stored_path: str
    sha256: str
    size: int
    mime_type: str
    file_id: str | None
    file_unique_id: str | None


@dataclass(frozen=True)
class AttachmentView(StoredDocument):
    """One stored document of a request."""

    id: int
    kind: str


@dataclass(frozen=True)
class RequestView:
    """A filed request with its documents."""

    id: int
    tracking_code: str
    kind: str
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime
    applicant_chat_id: int
    applicant_user_id: int
    full_name: str
    father_name: str | None
    national_code: str
    birth_date: str | None
    mobile: str | None
    trade: str | None
    certificate_number: str | None
    certificate_year: int | None
    training_centre: str | None
    certificate_format: str | None
    details: dict[str, Any]
    admin_message_id: int | None
    classification: str | None = None
    due_at: dt.datetime | None = None
    recommended_by: int | None = None
    decided_by: int | None = None
    decided_at: dt.datetime | None = None
    decision_note: str | None = None
    attachments: tuple[AttachmentView, ...] = field(default=())

    def record(self) -> dict[str, Any]:
        """The request as a flat, JSON-able record (for the export)."""
        record: dict[str, Any] = {
            name: getattr(self, name)
            for name in (
                "tracking_code",
                "kind",
                "status",
                "applicant_chat_id",
                "applicant_user_id",
                *REQUEST_COLUMNS,
                "classification",
                "decision_note",
                "details",
            )
        }
        for name in ("created_at", "updated_at", "due_at", "decided_at"):
            moment = getattr(self, name)
            record[name] = moment.isoformat() if moment else None
        record["attachments"] = [
            {
                "kind": a.kind,
                "stored_path": a.stored_path,
                "sha256": a.sha256,
                "size": a.size,
                "mime_type": a.mime_type,
                "file_id": a.file_id,
            }
            for a in self.attachments
        ]
        return record

    def answers(self) -> dict[str, Any]:
        """The form answers, keyed like the form's fields."""
        values: dict[str, Any] = {name: getattr(self, name) for name in REQUEST_COLUMNS}
        values.update(self.details)
        return values


@dataclass(frozen=True)
class StoredUpload(StoredDocument):
    """A cleaned upload, written to the file store, ready to become a draft answer."""

    # Kept as sent for now: how it is still to be redrawn (a key of storage.redraw's redrawers).
    pending: str | None = None

    def as_answer(self) -> dict[str, Any]:
        """The JSON form kept in the draft's answers."""
        answer: dict[str, Any] = {
            "stored_path": self.stored_path,
            "sha256": self.sha256,
            "size": self.size,
            "mime_type": self.mime_type,
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
        }
        if self.pending is not None:
            answer["pending"] = self.pending
        return answer


@dataclass(frozen=True)
class SubmitResult:
    """The outcome of confirming a draft.

    ``notice``: the applicant's "request received" message (with the tracking code), queued
    in the outbox already claimed for the caller to send at once, when asked for.
    """

    request: RequestView
    created: bool
    notice: OutboxItem | None = None


@dataclass(frozen=True)
class OutboxItem:
    """One claimed message to deliver."""

    id: int
    kind: str
    chat_id: int
    payload: dict[str, Any]
    attempts: int


Row = models.Draft | models.Attachment | models.Request | Mapping[str, Any]


_NAMES: dict[type[Any], tuple[str, ...]] = {}


def _names(view: type[Any]) -> tuple[str, ...]:
    names = _NAMES.get(view)
    if names is None:
        names = _NAMES[view] = tuple(f.name for f in fields(view))
    return names


def _columns(view: type[Any], row: Row, *skip: str) -> dict[str, Any]:
    """``row``'s values of ``view``'s fields, whether an ORM object or a mapping (a Core row)."""
    names = [name for name in _names(view) if name not in skip]
    if isinstance(row, Mapping):
        return {name: row[name] for name in names}
    return {name: getattr(row, name) for name in names}


def draft_view(row: models.Draft | Mapping[str, Any]) -> DraftView:
    """Copy a draft row into a plain object."""
    values = _columns(DraftView, row)
    return DraftView(**{**values, "answers": dict(values["answers"] or {})})


def attachment_view(row: models.Attachment | Mapping[str, Any]) -> AttachmentView:
    """Copy an attachment row into a plain object."""
    return AttachmentView(**_columns(AttachmentView, row))


def request_view(
    row: models.Request | Mapping[str, Any],
    attachments: Iterable[models.Attachment | Mapping[str, Any]] = (),
) -> RequestView:
    """Copy a request row (and, if given, its attachments) into a plain object."""
    values = _columns(RequestView, row, "attachments")
    return RequestView(
        **{**values, "details": dict(values["details"] or {})},
        attachments=tuple(attachment_view(a) for a in attachments),
    )
