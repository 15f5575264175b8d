"""Chat texts assembled from data: the summary before filing, status lines, the staff card."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain import texts
from domain.digits import to_persian_digits
from domain.forms import FORMS, Form
from domain.jalali import format_datetime
from domain.tracking import format_tracking_code


def summary_text(form: Form, answers: Mapping[str, Any]) -> str:
    """Every answer given, for the applicant to check before filing."""
    lines = [texts.SUMMARY_TITLE, ""]
    for field in form.fields:
        lines.append(
            texts.CARD_LINE.format(label=field.label, value=field.display(answers.get(field.key)))
        )
    lines += ["", texts.SUMMARY_FOOTER]
    return "\n".join(lines)


def tracking_code(code: str) -> str:
    """A tracking code as people read it."""
    return format_tracking_code(code)


def status_label(status: str) -> str:
    """A request status in Persian."""
    return texts.STATUS_LABELS.get(status, status)


def kind_label(kind: str) -> str:
    """A request kind in Persian."""
    return texts.KIND_LABELS.get(kind, kind)


def status_line(code: str, kind: str, status: str, created_at: Any) -> str:
    """One line of the applicant's request list."""
    return texts.STATUS_LINE.format(
        code=tracking_code(code),
        kind=kind_label(kind),
        date=format_datetime(created_at),
        status=status_label(status),
    )


def status_detail(code: str, kind: str, status: str, created_at: Any, updated_at: Any) -> str:
    """One request, in detail, for its applicant."""
    return texts.STATUS_DETAIL.format(
        code=tracking_code(code),
        kind=kind_label(kind),
        date=format_datetime(created_at),
        status=status_label(status),
        updated=format_datetime(updated_at),
    )


def request_card(
    *, kind: str, code: str, status: str, created_at: Any, values: Mapping[str, Any]
) -> str:
    """The staff card announcing a request: its data, code and status."""
    form = FORMS[kind]
    lines = [texts.CARD_TITLE.format(kind=kind_label(kind)), ""]
    for field in form.fields:
        if field.attachment_kind:
            continue
        lines.append(
            texts.CARD_LINE.format(label=field.label, value=field.display(values.get(field.key)))
        )
    lines += [
        "",
        texts.CARD_CODE.format(code=tracking_code(code)),
        texts.CARD_STATUS.format(status=status_label(status)),
        texts.CARD_FILED_AT.format(date=format_datetime(created_at)),
    ]
    return "\n".join(lines)


def persian_number(value: int | float | str) -> str:
    """A number in Persian digits."""
    return to_persian_digits(str(value))
