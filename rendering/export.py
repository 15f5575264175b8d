"""The operators' and auditors' view of requests: JSON lines or CSV, written row by row."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from typing import Any

FIELDS = (
    "tracking_code",
    "kind",
    "status",
    "created_at",
    "updated_at",
    "applicant_chat_id",
    "applicant_user_id",
    "full_name",
    "father_name",
    "national_code",
    "birth_date",
    "mobile",
    "trade",
    "certificate_number",
    "certificate_year",
    "training_centre",
    "certificate_format",
    "classification",
    "due_at",
    "decided_at",
    "decision_note",
    "details",
    "attachments",
)
FORMATS = ("jsonl", "csv")


def header(fmt: str) -> str:
    """What comes before the first record (the CSV header row)."""
    return _csv_line(dict(zip(FIELDS, FIELDS, strict=True))) if fmt == "csv" else ""


def line(record: Mapping[str, Any], fmt: str) -> str:
    """One record as a JSON line or a CSV row."""
    if fmt == "jsonl":
        return json.dumps({k: record.get(k) for k in FIELDS}, ensure_ascii=False) + "\n"
    flat = {k: record.get(k) for k in FIELDS}
    flat["details"] = json.dumps(record.get("details") or {}, ensure_ascii=False)
    flat["attachments"] = "; ".join(
        f"{a['kind']}:{a['stored_path']}:sha256={a['sha256']}"
        for a in record.get("attachments") or []
    )
    return _csv_line(flat)


def lines(records: Iterator[Mapping[str, Any]], fmt: str) -> Iterator[str]:
    """The whole export, chunk by chunk."""
    yield header(fmt)
    for record in records:
        yield line(record, fmt)


def _csv_line(row: Mapping[str, Any]) -> str:
    buffer = io.StringIO()
    csv.DictWriter(buffer, fieldnames=FIELDS).writerow({k: _cell(v) for k, v in row.items()})
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (what applicants typed)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
