"""The operators' and auditors' view: every request with its files, as JSON lines or CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator
from typing import Any, TextIO

from storage.views import RequestView

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
    "details",
    "attachments",
)


def request_record(request: RequestView) -> dict[str, Any]:
    """One request as a flat, JSON-able record."""
    record: dict[str, Any] = {name: getattr(request, name) for name in FIELDS[:-2]}
    record["created_at"] = request.created_at.isoformat()
    record["updated_at"] = request.updated_at.isoformat()
    record["details"] = request.details
    record["attachments"] = [
        {
            "kind": a.kind,
            "stored_path": a.stored_path,
            "sha256": a.sha256,
            "size": a.size,
            "mime_type": a.mime_type,
            "file_id": a.file_id,
        }
        for a in request.attachments
    ]
    return record


async def write_export(requests: AsyncIterator[RequestView], out: TextIO, fmt: str) -> int:
    """Write every request to ``out`` as ``jsonl`` or ``csv``; returns how many."""
    count = 0
    writer: csv.DictWriter[str] | None = None
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=FIELDS)
        writer.writeheader()
    async for request in requests:
        record = request_record(request)
        if writer is None:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            record["details"] = json.dumps(record["details"], ensure_ascii=False)
            record["attachments"] = "; ".join(
                f"{a['kind']}:{a['stored_path']}:sha256={a['sha256']}"
                for a in record["attachments"]
            )
            writer.writerow(record)
        count += 1
    return count
