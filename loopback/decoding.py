"""Request decoding: the three body encodings the Bot API accepts (JSON, urlencoded form and
multipart/form-data with ``attach://`` references), and parameters typed by their names.

Form-encoded requests carry every value as a string (PTB JSON-encodes non-strings), so the
server converts by parameter name, like the real Bot API converts by its schema. Parameters
not listed stay strings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from loopback.limits import JSON, PARSE_MODE_UNSUPPORTED, WRONG_FILE_ID, ApiError

_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "reply_parameters",
        "link_preview_options",
        "media",
        "allowed_updates",
        "commands",
        "scope",
        "menu_button",
        "message_ids",
        "results",
        "permissions",
        "rights",
        "reaction",
        "suggested_post_parameters",
    }
)
_INT_PARAMS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "message_thread_id",
        "reply_to_message_id",
        "offset",
        "limit",
        "user_id",
        "cache_time",
        "max_connections",
        "width",
        "height",
        "duration",
        "length",
        "until_date",
        "direct_messages_topic_id",
        "video_start_timestamp",
    }
)
_FLOAT_PARAMS = frozenset(
    {"timeout", "latitude", "longitude", "horizontal_accuracy", "live_period", "heading"}
)
_BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "allow_paid_broadcast",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "has_spoiler",
        "show_caption_above_media",
        "disable_content_type_detection",
        "supports_streaming",
        "only_if_banned",
        "revoke_messages",
        "remove_caption",
        "for_channels",
    }
)


@dataclass(eq=False)
class Upload:
    """A file part of a multipart request, as it appears in recorded call params."""

    part_name: str
    file_name: str | None
    mime_type: str | None
    data: bytes = field(repr=False)
    file_id: str | None = None  # set once the server stored the file

    @property
    def size(self) -> int:
        """Size of the uploaded bytes."""
        return len(self.data)


async def read_params(request: web.Request) -> JSON:
    """A request's parameters: its query, then its JSON, urlencoded or multipart body."""
    raw: JSON = dict(request.query)
    if not request.can_read_body:
        return raw
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON request body") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: JSON request body must be an object")
        raw.update(body)
    elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                raw[key] = Upload(key, value.filename, value.content_type, value.file.read())
            elif isinstance(value, bytes):
                raw[key] = value.decode("utf-8")
            else:
                raw[key] = value
    return raw


def _coerce(key: str, value: Any) -> Any:
    if isinstance(value, Upload):
        return value
    if key in _JSON_PARAMS and isinstance(value, str):
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from None
    if key in _INT_PARAMS:
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value
    if key in _FLOAT_PARAMS and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise ApiError(400, f"Bad Request: wrong parameter {key}") from None
        return int(number) if number.is_integer() else number
    if key in _BOOL_PARAMS and isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return value


def _resolve_attachments(value: Any, uploads: dict[str, Upload], used: set[str]) -> Any:
    """Replace ``attach://name`` strings (at any depth) by the uploaded part ``name``."""
    if isinstance(value, str) and value.startswith("attach://"):
        name = value.removeprefix("attach://")
        if name not in uploads:
            raise ApiError(400, WRONG_FILE_ID)
        used.add(name)
        return uploads[name]
    if isinstance(value, dict):
        return {k: _resolve_attachments(v, uploads, used) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_attachments(v, uploads, used) for v in value]
    return value


def normalize_params(raw: JSON) -> JSON:
    """Type the raw request parameters and resolve ``attach://`` references."""
    params = {key: _coerce(key, value) for key, value in raw.items()}
    uploads = {key: value for key, value in params.items() if isinstance(value, Upload)}
    used: set[str] = set()
    resolved = {
        key: value if isinstance(value, Upload) else _resolve_attachments(value, uploads, used)
        for key, value in params.items()
    }
    # Parts that were only referenced through attach:// are not parameters of their own.
    return {key: value for key, value in resolved.items() if key not in used}


def refuse_parse_mode(params: JSON) -> None:
    """Refuse a parse mode asked for by a call or by one of its album items (see
    :data:`loopback.limits.PARSE_MODE_UNSUPPORTED`)."""
    media = params.get("media")
    items = media if isinstance(media, list) else []
    if any(isinstance(part, dict) and part.get("parse_mode") for part in [params, *items]):
        raise ApiError(400, PARSE_MODE_UNSUPPORTED)


def require(params: JSON, key: str) -> Any:
    """The value of a parameter the method cannot do without."""
    value = params.get(key)
    if value is None or value == "":
        raise ApiError(400, f"Bad Request: {key} is empty")
    return value


def uploads_in(params: JSON) -> list[Upload]:
    """Every Upload inside recorded call params (including media group items)."""
    found: list[Upload] = []

    def walk(value: Any) -> None:
        if isinstance(value, Upload):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(params)
    return found
