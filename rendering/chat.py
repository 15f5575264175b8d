"""Chat texts assembled from data: the summary before filing, status lines, the staff card."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain import texts
from domain.digits import to_persian_digits
from domain.forms import FORMS, Form
from domain.jalali import format_date, format_datetime
from domain.registry import Comparison
from domain.tracking import format_tracking_code
from domain.verification import Result, Verdict, display_serial
from domain.workflow import OPEN


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


@dataclass(frozen=True)
class HistoryLine:
    """One past action, as the card shows it."""

    at: dt.datetime
    actor: str
    action: str
    reason: str | None = None


def request_card(
    *,
    kind: str,
    code: str,
    status: str,
    created_at: dt.datetime,
    values: Mapping[str, Any],
    due_at: dt.datetime | None = None,
    classification: str | None = None,
    history: Sequence[HistoryLine] = (),
    now: dt.datetime | None = None,
    registry: Sequence[str] = (),
) -> str:
    """The staff card of a request: its data, code, status, deadline and last actions."""
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
    if classification:
        label = texts.CLASSIFICATION_LABELS.get(classification, classification)
        lines.append(texts.CARD_CLASSIFICATION.format(label=label))
    if due_at is not None and status in OPEN:
        lines.append(texts.CARD_DUE.format(date=format_datetime(due_at)))
        if now is not None and now > due_at:
            lines.append(texts.CARD_OVERDUE)
    if registry:
        lines += ["", *registry]
    if history:
        lines += ["", texts.CARD_HISTORY_TITLE]
        for entry in history:
            lines.append(
                texts.CARD_HISTORY_LINE.format(
                    date=format_datetime(entry.at),
                    actor=entry.actor,
                    action=texts.ACT_LABELS.get(entry.action, entry.action),
                )
            )
            if entry.reason:
                lines.append(texts.CARD_HISTORY_REASON.format(reason=_clip(entry.reason, 200)))
    return "\n".join(lines)


def registry_lines(
    rule: str | None,
    comparisons: Sequence[Comparison],
    suggested: str | None,
    suggested_due: dt.datetime | None,
    source: str | None,
) -> list[str]:
    """What the records registry says about a request, field by field, for the staff card."""
    if rule is None:
        return [texts.REGISTRY_NOT_FOUND]
    lines = [texts.REGISTRY_RULES.get(rule, rule)]
    for comparison in comparisons:
        lines.append(
            texts.REGISTRY_COMPARISON_LINE.format(
                label=texts.REGISTRY_FIELD_LABELS.get(comparison.field, comparison.field),
                outcome=texts.REGISTRY_OUTCOMES[comparison.outcome],
                given=to_persian_digits(comparison.given or texts.REGISTRY_NO_VALUE),
                registry=to_persian_digits(comparison.registry or texts.REGISTRY_NO_VALUE),
            )
        )
    if source:
        lines.append(texts.REGISTRY_SOURCE.format(source=source))
    if suggested:
        label = texts.CLASSIFICATION_LABELS.get(suggested, suggested)
        line = texts.REGISTRY_SUGGESTED.format(label=label)
        if suggested_due is not None:
            line += " — " + texts.CARD_DUE.format(date=format_datetime(suggested_due))
        lines.append(line)
    return lines


def notification(event: str, code: str, text: str = "") -> str:
    """What the applicant is told when their request moves on."""
    return texts.NOTIFY[event].format(code=tracking_code(code), text=text)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def persian_number(value: int | float | str) -> str:
    """A number in Persian digits."""
    return to_persian_digits(str(value))


def verdict_text(result: Result) -> str:
    """A verification verdict, as the bot says it in chat: the minimum, like the web page."""
    lines = [texts.VERDICT_TITLES[result.verdict.value]]
    shown: list[tuple[str, str | None]] = [
        ("holder", result.masked_name),
        ("trade", result.trade),
        ("certificate_number", result.certificate_number),
        ("serial", display_serial(result.serial) if result.serial is not None else None),
        ("issued_on", format_date(result.issued_on) if result.issued_on else None),
        ("office", result.office),
    ]
    if result.verdict is Verdict.REVOKED:
        shown += [
            ("revoked_at", format_date(result.revoked_at) if result.revoked_at else None),
            ("revoke_reason", result.revoke_reason),
        ]
    if result.verdict is Verdict.SUPERSEDED and result.superseded_by is not None:
        shown.append(("superseded_by", display_serial(result.superseded_by)))
    if result.verdict is not Verdict.INVALID:
        for key, value in shown:
            if value:
                lines.append(
                    texts.VERDICT_LINE.format(
                        label=texts.VERDICT_LABELS[key], value=to_persian_digits(value)
                    )
                )
    return "\n".join(lines)
