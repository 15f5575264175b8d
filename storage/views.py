"""Plain data objects that storage hands out instead of ORM rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
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

    def already_answered(self, message_id: int) -> bool:
        """Whether ``message_id`` was already taken as an answer (a re-delivered update)."""
        return self.last_message_id is not None and message_id <= self.last_message_id


@dataclass(frozen=True)
class AttachmentView:
    """One stored document of a request."""

    id: int
    kind: str
    stored_path: str
    sha256: str
    size: int
    mime_type: str
    file_id: str | None
    file_unique_id: str | None


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


def draft_view(row: models.Draft) -> DraftView:
    """Copy a draft row into a plain object."""
    return DraftView(
        id=row.id,
        user_id=row.user_id,
        chat_id=row.chat_id,
        kind=row.kind,
        step=row.step,
        answers=dict(row.answers or {}),
        updated_at=row.updated_at,
        last_message_id=row.last_message_id,
    )


def attachment_view(row: models.Attachment) -> AttachmentView:
    """Copy an attachment row into a plain object."""
    return AttachmentView(
        id=row.id,
        kind=row.kind,
        stored_path=row.stored_path,
        sha256=row.sha256,
        size=row.size,
        mime_type=row.mime_type,
        file_id=row.file_id,
        file_unique_id=row.file_unique_id,
    )


def request_view(
    row: models.Request, attachments: list[models.Attachment] | None = None
) -> RequestView:
    """Copy a request row (and, if given, its attachments) into a plain object."""
    return RequestView(
        id=row.id,
        tracking_code=row.tracking_code,
        kind=row.kind,
        status=row.status,
        created_at=row.created_at,
        updated_at=row.updated_at,
        applicant_chat_id=row.applicant_chat_id,
        applicant_user_id=row.applicant_user_id,
        full_name=row.full_name,
        father_name=row.father_name,
        national_code=row.national_code,
        birth_date=row.birth_date,
        mobile=row.mobile,
        trade=row.trade,
        certificate_number=row.certificate_number,
        certificate_year=row.certificate_year,
        training_centre=row.training_centre,
        certificate_format=row.certificate_format,
        details=dict(row.details or {}),
        admin_message_id=row.admin_message_id,
        classification=row.classification,
        due_at=row.due_at,
        recommended_by=row.recommended_by,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_note=row.decision_note,
        attachments=tuple(attachment_view(a) for a in attachments or ()),
    )
