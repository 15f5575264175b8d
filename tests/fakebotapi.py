"""A loopback Telegram Bot API server for end-to-end tests.

The bot under test talks to :class:`FakeBotApi` through python-telegram-bot's ``Bot`` and its
request layer exactly as it would talk to ``api.telegram.org`` (over the bot's aiohttp transport,
a PTB ``BaseRequest``; tests/test_fakebotapi.py also drives it through PTB's default
``HTTPXRequest``); nothing inside PTB is mocked. The test drives the conversation
from the user's side (``send_text``, ``press``, ``send_photo`` ...) and observes what the bot did
(``calls``, ``sent``, ``next_message``, ``wait_for`` ...).

The server understands the three body encodings the Bot API accepts (JSON, urlencoded form and
multipart/form-data with ``attach://`` references), answers with complete objects that PTB can
deserialise, and reproduces the Bot API errors a bot has to cope with (blocked users, flood
control, "message is not modified", wrong file identifiers, entity parsing errors, ...).

Updates go through a single delivery point, :meth:`FakeBotApi._deliver`, which queues them for
``getUpdates``; a webhook mode can later replace it by POSTing them to the bot's webhook URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import inspect
import io
import itertools
import json
import math
import mimetypes
import re
import time
import traceback
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from aiohttp import web
from PIL import Image

if TYPE_CHECKING:
    from telegram import Bot
    from telegram.ext import ApplicationBuilder

JSON = dict[str, Any]
Handler = Callable[[JSON], Any]

# --- Bot API limits and error texts ---------------------------------------------------------

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
MAX_UPLOAD_SIZE = 50 * 1024 * 1024
_DOWNLOAD_PIECE = 64 * 1024

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
WRONG_FILE_ID = "Bad Request: wrong file identifier/HTTP URL specified"
BLOCKED = "Forbidden: bot was blocked by the user"
CHAT_NOT_FOUND = "Bad Request: chat not found"
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected error",
    401: "Unauthorized",
    403: BLOCKED,
    404: "Not Found",
    409: POLL_CONFLICT,
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

# --- Parameter typing -------------------------------------------------------------------------
# Form-encoded requests carry every value as a string (PTB JSON-encodes non-strings), so the
# server converts by parameter name, like the real Bot API converts by its schema. Parameters
# not listed stay strings.

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

_INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# Message fields that carry content (copied by copyMessage / forwardMessage).
_CONTENT_KEYS = (
    "text",
    "entities",
    "link_preview_options",
    "photo",
    "document",
    "video",
    "voice",
    "audio",
    "animation",
    "sticker",
    "video_note",
    "contact",
    "location",
    "venue",
    "caption",
    "caption_entities",
    "has_media_spoiler",
)
_MEDIA_KEYS = ("photo", "document", "video", "voice", "audio", "animation", "video_note")

# kind -> (file_path folder, default extension, default MIME type)
_KINDS = {
    "photo": ("photos", ".jpg", "image/jpeg"),
    "document": ("documents", "", "application/octet-stream"),
    "video": ("videos", ".mp4", "video/mp4"),
    "voice": ("voice", ".oga", "audio/ogg"),
    "audio": ("music", ".mp3", "audio/mpeg"),
    "animation": ("animations", ".mp4", "video/mp4"),
    "sticker": ("stickers", ".webp", "image/webp"),
    "video_note": ("video_notes", ".mp4", "video/mp4"),
}
_PHOTO_THUMBNAIL_LIMITS = (90, 320, 800)

_BOT_ADMIN_RIGHTS: JSON = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
    "can_manage_topics": False,
}


# --- Public records -------------------------------------------------------------------------


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional ResponseParameters."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(f"{status} {description}")
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSON:
        """The JSON body Telegram answers with for this error."""
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class Call(NamedTuple):
    """One Bot API request the bot made: canonical method name and decoded parameters."""

    method: str
    params: JSON


class Failure(NamedTuple):
    """A recorded call that was answered with an error."""

    call: Call
    status: int
    description: str


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


@dataclass(eq=False)
class StoredFile:
    """A file known to the server, registered by a test or uploaded by the bot."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes = field(repr=False)
    file_size: int
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    duration: int | None = None
    photo_set: list[str] | None = None  # file ids of every PhotoSize of the same photo
    uploaded_by_bot: bool = False
    size_reported: bool = True  # False: getFile and the message leave file_size out
    content_length: bool = True  # False: downloads come chunked, their length unsaid
    bytes_served: int = 0  # what downloads sent before the client stopped reading


@dataclass
class _FailRule:
    method: str
    status: int
    description: str
    parameters: JSON | None
    remaining: int
    chat_id: int | str | None


@dataclass
class _DelayRule:
    method: str
    seconds: float
    remaining: int
    chat_id: int | None = None


# --- Small helpers ----------------------------------------------------------------------------


def _u16(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of MessageEntity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _entity_error(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {message}")


def _now() -> int:
    return int(time.time())


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error_response(error: ApiError) -> web.Response:
    return web.json_response(error.payload(), status=error.status, dumps=_dumps)


_dumps = functools.partial(json.dumps, ensure_ascii=False)


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Pixel size of an image, or None if Pillow cannot read it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                return int(width), int(height)
        except Exception:
            return None


def _thumbnail(data: bytes, limit: int) -> tuple[bytes, int, int] | None:
    """A JPEG thumbnail that fits in limit x limit, or None if the image cannot be decoded."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > 40_000_000:
                    return None
                image.draft("RGB", (limit, limit))
                small = image.convert("RGB")
            small.thumbnail((limit, limit))
            buffer = io.BytesIO()
            small.save(buffer, "JPEG", quality=80)
            return buffer.getvalue(), small.width, small.height
        except Exception:
            return None


# --- Formatting: HTML / MarkdownV2 / Markdown -> plain text + entities ---------------------

_HTML_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{0,31});")
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ATTR = re.compile(r"""([a-zA-Z][\w-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


def _decode_html_entity(body: str) -> str | None:
    try:
        if body[:2] in ("#x", "#X"):
            return chr(int(body[2:], 16))
        if body.startswith("#"):
            return chr(int(body[1:]))
    except (ValueError, OverflowError):
        return None
    return _HTML_NAMED.get(body)


def _unescape_html(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        decoded = _decode_html_entity(match.group(1))
        return match.group(0) if decoded is None else decoded

    return _HTML_ENTITY.sub(replace, text)


def _mention_user(url: str) -> JSON | None:
    match = re.fullmatch(r"tg://user\?id=(\d+)", url)
    if match is None:
        return None
    return {"id": int(match.group(1)), "is_bot": False, "first_name": "User"}


def parse_html(text: str) -> tuple[str, list[JSON]]:
    """Telegram's HTML parse mode: returns the plain text and its entities (UTF-16 offsets)."""
    out: list[str] = []
    pos = 0
    stack: list[tuple[str, JSON | None]] = []
    entities: list[JSON] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            offset = _byte_offset(text, i)
            end = text.find(">", i)
            if end == -1:
                raise _entity_error(f"Unclosed start tag at byte offset {offset}")
            inner = text[i + 1 : end]
            i = end + 1
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not stack:
                    raise _entity_error(f'Unexpected end tag "{name}" at byte offset {offset}')
                tag, entity = stack.pop()
                if name != tag:
                    raise _entity_error(
                        f'Unmatched end tag at byte offset {offset}, expected "</{tag}>", '
                        f'found "</{name}>"'
                    )
                if entity is not None:
                    entity["length"] = pos - entity["offset"]
                    if entity["length"] > 0:
                        entities.append(entity)
                continue
            match = re.match(r"[a-zA-Z][a-zA-Z0-9-]*", inner)
            name = match.group(0).lower() if match else ""
            if name not in _HTML_TAGS:
                raise _entity_error(f'Unsupported start tag "{name}" at byte offset {offset}')
            attrs: dict[str, str] = {}
            for attr in _HTML_ATTR.finditer(inner, len(name)):
                value = next((g for g in attr.groups()[1:] if g is not None), "")
                attrs[attr.group(1).lower()] = _unescape_html(value)
            stack.append((name, _html_entity(name, attrs, stack, offset, pos)))
        elif char == "&":
            match = _HTML_ENTITY.match(text, i)
            decoded = _decode_html_entity(match.group(1)) if match else None
            if match is not None and decoded is not None:
                out.append(decoded)
                pos += _u16(decoded)
                i = match.end()
            else:
                out.append("&")
                pos += 1
                i += 1
        else:
            out.append(char)
            pos += _u16(char)
            i += 1
    if stack:
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _html_entity(
    name: str, attrs: dict[str, str], stack: list[tuple[str, JSON | None]], offset: int, pos: int
) -> JSON | None:
    entity: JSON = {"type": _HTML_TAGS[name], "offset": pos, "length": 0}
    if name == "a":
        href = attrs.get("href", "")
        if not href:
            return None
        user = _mention_user(href)
        if user is not None:
            entity.update(type="text_mention", user=user)
        else:
            entity["url"] = href
    elif name == "span" and attrs.get("class") != "tg-spoiler":
        raise _entity_error(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    elif name == "code" and stack and stack[-1][0] == "pre":
        pre = stack[-1][1]
        css = attrs.get("class", "")
        if pre is not None and css.startswith("language-") and "language" not in pre:
            pre["language"] = css.removeprefix("language-")
        return None
    elif name == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    return entity


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD_MARKERS = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}
_MD_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
}


def _find_unescaped(text: str, token: str, start: int) -> int:
    j = start
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text.startswith(token, j):
            return j
        j += 1
    return -1


def _drop_escapes(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


def parse_markdown_v2(text: str) -> tuple[str, list[JSON]]:
    """Telegram's MarkdownV2 parse mode, including its reserved-character errors."""
    out: list[str] = []
    pos = 0
    entities: list[JSON] = []
    stack: list[tuple[str, JSON, int]] = []
    quote: JSON | None = None
    line_start = True
    i = 0

    def emit(chunk: str) -> None:
        nonlocal pos
        out.append(chunk)
        pos += _u16(chunk)

    def close(entity: JSON) -> None:
        entity["length"] = pos - entity["offset"]
        if entity["length"] > 0:
            entities.append(entity)

    while i < len(text):
        char = text[i]
        offset = _byte_offset(text, i)
        if line_start and char == ">":
            if quote is None:
                quote = {"type": "blockquote", "offset": pos, "length": 0}
            line_start = False
            i += 1
            continue
        line_start = False
        if char == "\\":
            if i + 1 < len(text) and 0 < ord(text[i + 1]) < 127:
                emit(text[i + 1])
                i += 2
                continue
            raise _entity_error(
                "Character '\\' is reserved and must be escaped with the preceding '\\'"
            )
        if char == "\n":
            if quote is not None and not text.startswith(">", i + 1):
                close(quote)
                quote = None
            emit("\n")
            line_start = True
            i += 1
            continue
        if char == "`":
            if text.startswith("```", i):
                end = _find_unescaped(text, "```", i + 3)
                if end == -1:
                    raise _entity_error(f"Can't find end of Pre entity at byte offset {offset}")
                body = text[i + 3 : end]
                language = None
                if "\n" in body:
                    first, rest = body.split("\n", 1)
                    if re.fullmatch(r"[\w+#.-]*", first):
                        language, body = first or None, rest
                entity: JSON = {"type": "pre", "offset": pos, "length": 0}
                if language:
                    entity["language"] = language
                emit(_drop_escapes(body))
                close(entity)
                i = end + 3
                continue
            end = _find_unescaped(text, "`", i + 1)
            if end == -1:
                raise _entity_error(f"Can't find end of Code entity at byte offset {offset}")
            entity = {"type": "code", "offset": pos, "length": 0}
            emit(_drop_escapes(text[i + 1 : end]))
            close(entity)
            i = end + 1
            continue
        if char == "[":
            stack.append(("[", {"type": "text_link", "offset": pos, "length": 0}, offset))
            i += 1
            continue
        if char == "]" and stack and stack[-1][0] == "[" and text.startswith("(", i + 1):
            end = _find_unescaped(text, ")", i + 2)
            if end == -1:
                raise _entity_error(f"Can't find end of a URL at byte offset {offset}")
            url = _drop_escapes(text[i + 2 : end])
            _, entity, _ = stack.pop()
            user = _mention_user(url)
            if user is not None:
                entity.update(type="text_mention", user=user)
            elif url.startswith("tg://emoji?id="):
                entity.update(type="custom_emoji", custom_emoji_id=url.split("=", 1)[1])
            else:
                entity["url"] = url
            close(entity)
            i = end + 1
            continue
        marker = None
        if char == "*":
            marker = "*"
        elif char == "_":
            marker = "__" if text.startswith("__", i) else "_"
        elif char == "~":
            marker = "~"
        elif char == "|" and text.startswith("||", i):
            marker = "||"
        if marker is not None:
            if any(open_marker == marker for open_marker, _, _ in stack):
                top_marker, top, top_offset = stack[-1]
                if top_marker != marker:
                    name = _MD_NAMES.get(top["type"], top["type"])
                    raise _entity_error(
                        f"Can't find end of {name} entity at byte offset {top_offset}"
                    )
                stack.pop()
                close(top)
            else:
                entity = {"type": _MD_MARKERS[marker], "offset": pos, "length": 0}
                stack.append((marker, entity, offset))
            i += len(marker)
            continue
        if char in _MDV2_RESERVED:
            raise _entity_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        emit(char)
        i += 1
    if quote is not None:
        close(quote)
    if stack:
        _, entity, offset = stack[-1]
        name = _MD_NAMES.get(entity["type"], entity["type"])
        raise _entity_error(f"Can't find end of {name} entity at byte offset {offset}")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def parse_markdown(text: str) -> tuple[str, list[JSON]]:
    """Telegram's legacy Markdown parse mode (no nesting, ``\\`` escapes _ * ` [)."""
    out: list[str] = []
    pos = 0
    entities: list[JSON] = []
    i = 0

    def emit(chunk: str) -> None:
        nonlocal pos
        out.append(chunk)
        pos += _u16(chunk)

    def add(entity: JSON, body: str) -> None:
        entity["offset"] = pos
        emit(body)
        entity["length"] = pos - entity["offset"]
        if entity["length"] > 0:
            entities.append(entity)

    while i < len(text):
        char = text[i]
        offset = _byte_offset(text, i)
        unclosed = _entity_error(f"Can't find end of the entity starting at byte offset {offset}")
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "_*`[":
            emit(text[i + 1])
            i += 2
        elif char in "*_":
            end = text.find(char, i + 1)
            if end == -1:
                raise unclosed
            add({"type": "bold" if char == "*" else "italic"}, text[i + 1 : end])
            i = end + 1
        elif text.startswith("```", i):
            end = text.find("```", i + 3)
            if end == -1:
                raise unclosed
            body = text[i + 3 : end]
            entity: JSON = {"type": "pre"}
            if "\n" in body:
                first, rest = body.split("\n", 1)
                if re.fullmatch(r"[\w+#.-]+", first):
                    entity["language"], body = first, rest
            add(entity, body)
            i = end + 3
        elif char == "`":
            end = text.find("`", i + 1)
            if end == -1:
                raise unclosed
            add({"type": "code"}, text[i + 1 : end])
            i = end + 1
        elif char == "[":
            close_bracket = text.find("]", i + 1)
            if close_bracket == -1 or not text.startswith("(", close_bracket + 1):
                raise unclosed
            close_paren = text.find(")", close_bracket + 2)
            if close_paren == -1:
                raise unclosed
            url = text[close_bracket + 2 : close_paren]
            user = _mention_user(url)
            link: JSON = (
                {"type": "text_mention", "user": user}
                if user
                else {"type": "text_link", "url": url}
            )
            add(link, text[i + 1 : close_bracket])
            i = close_paren + 1
        else:
            emit(char)
            i += 1
    for entity in entities:  # keep the documented key order: type, offset, length, extras
        extras = {k: v for k, v in entity.items() if k not in ("type", "offset", "length")}
        base = {"type": entity["type"], "offset": entity["offset"], "length": entity["length"]}
        entity.clear()
        entity.update(base, **extras)
    return "".join(out), entities


def format_text(
    text: str, parse_mode: str | None, entities: list[JSON] | None
) -> tuple[str, list[JSON] | None]:
    """Apply explicit entities or a parse mode the way the Bot API does."""
    if entities:
        if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
            raise ApiError(400, "Bad Request: can't parse entities JSON object")
        return text, entities
    mode = (parse_mode or "").lower()
    if not mode:
        return text, None
    if mode == "html":
        plain, found = parse_html(text)
    elif mode == "markdownv2":
        plain, found = parse_markdown_v2(text)
    elif mode == "markdown":
        plain, found = parse_markdown(text)
    else:
        raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r}")
    return plain, found or None


# --- Request decoding ---------------------------------------------------------------------------


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


def _require(params: JSON, key: str) -> Any:
    value = params.get(key)
    if value is None or value == "":
        raise ApiError(400, f"Bad Request: {key} is empty")
    return value


def _buttons(markup: JSON | None) -> list[JSON]:
    if not markup:
        return []
    rows = markup.get("inline_keyboard") or []
    return [button for row in rows for button in row]


# --- The server -------------------------------------------------------------------------------


class FakeBotApi:
    """A loopback Telegram Bot API server that records what the bot does and feeds it updates."""

    # The dialect it speaks: BOT_PLATFORM for a bot that talks to it (tests/fakebale.py).
    platform = "telegram"
    # Telegram's group ids are negative; Bale's are not (tests/fakebale.py).
    positive_group_ids = False

    # Photos get real thumbnails (Pillow), the sizes Telegram lists; for photos the bot
    # uploads the benchmarks list the sizes without making them (see benchmarks/fakeapi.py).
    thumbnail_bot_uploads = True

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        bot_username: str = "tvto_test_bot",
        bot_id: int | None = None,
        bot_first_name: str = "TVTO Test Bot",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        prefix = token.split(":", 1)[0]
        self.token = token
        self.bot_id = bot_id if bot_id is not None else int(prefix) if prefix.isdigit() else 1
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.host = host
        self.port = port  # 0: a free one; a restart after stop() binds the same one again

        # What the bot did.
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.callback_answers: list[JSON] = []
        self.internal_errors: list[str] = []
        self.uploads: list[StoredFile] = []
        self.deleted: list[tuple[int, int]] = []
        self.updates: list[JSON] = []  # every update ever fed, in order
        self.webhook_url: str | None = None
        self.webhook_params: JSON = {}
        # Where webhook updates really go: by default the URL the bot set; a test may put a
        # list of instances here, as a reverse proxy in front of several bots would.
        self.webhook_targets: list[str] | None = None
        self.webhook_deliveries: list[tuple[str, int, int]] = []  # (target, update_id, status)
        self._pusher: asyncio.Task[None] | None = None
        self._push_wakeup = asyncio.Event()
        self._in_flight: set[int] = set()
        self.menu_buttons: dict[int | None, JSON] = {}

        self.files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._ids = itertools.count(1)
        self._commands: dict[tuple[str, str], list[JSON]] = {}

        self._users: dict[int, JSON] = {}
        self._chats: dict[int, JSON] = {}
        self._members: dict[int, dict[int, str]] = {}
        self._bot_status: dict[int, str] = {}
        self._blocked: set[int] = set()
        self._messages: dict[int, dict[int, JSON]] = {}
        self._last_message_id: dict[int, int] = {}
        self._sent_log: dict[int, list[JSON]] = {}
        self._sent_cursor: dict[int, int] = {}
        self._edit_log: dict[int, list[JSON]] = {}
        self._edit_cursor: dict[int, int] = {}
        self._reply_keyboards: dict[int, JSON | None] = {}
        self._callback_queries: dict[str, bool] = {}

        self._pending: list[JSON] = []
        self._next_update_id = 1
        self._delivered_up_to = 0
        self._poll_generation = 0

        self._fail_rules: list[_FailRule] = []
        self._delay_rules: list[_DelayRule] = []
        self._group_limit: int | None = None
        self._group_window = 60.0
        self._group_sends: dict[int, deque[float]] = {}

        self._changed = asyncio.Event()
        self._stopping = False
        self._runner: web.AppRunner | None = None

        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendPhoto": functools.partial(self._send_media, "photo"),
            "sendDocument": functools.partial(self._send_media, "document"),
            "sendVideo": functools.partial(self._send_media, "video"),
            "sendVoice": functools.partial(self._send_media, "voice"),
            "sendAudio": functools.partial(self._send_media, "audio"),
            "sendAnimation": functools.partial(self._send_media, "animation"),
            "sendSticker": functools.partial(self._send_media, "sticker"),
            "sendVideoNote": functools.partial(self._send_media, "video_note"),
            "sendMediaGroup": self._send_media_group,
            "sendLocation": self._send_location,
            "sendContact": self._send_contact,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "setMyDescription": self._true,
            "setMyShortDescription": self._true,
            "setMyName": self._true,
            "setMyDefaultAdministratorRights": self._true,
            "setMessageReaction": self._true,
            "pinChatMessage": self._true,
            "unpinChatMessage": self._true,
            "unpinAllChatMessages": self._true,
            "sendChatAction": self._send_chat_action,
            "leaveChat": self._leave_chat,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatMemberCount": self._get_chat_member_count,
            "getFile": self._get_file,
        }
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in handlers.items()
        }

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Bind 127.0.0.1 on ``port`` (a free one if 0) and start serving."""
        app = web.Application(client_max_size=MAX_UPLOAD_SIZE + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        self._stopping = False
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop serving (ends pending long polls); raises if the server itself hit a bug."""
        self._stopping = True
        self._notify()
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
            self._pusher = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.internal_errors:
            raise AssertionError("FakeBotApi internal errors:\n" + "\n".join(self.internal_errors))

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """Bot API base URL for PTB (PTB appends the token)."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """File download base URL for PTB (PTB appends the token)."""
        return f"http://{self.host}:{self.port}/file/bot"

    def make_bot(self, **kwargs: Any) -> Bot:
        """A ``telegram.Bot`` wired to this server (use it with ``async with``)."""
        from telegram import Bot

        return Bot(self.token, base_url=self.base_url, base_file_url=self.base_file_url, **kwargs)

    def application_builder(self) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
        """A PTB ``ApplicationBuilder`` with token and both base URLs pointing at this server."""
        from telegram.ext import ApplicationBuilder

        return (
            ApplicationBuilder()
            .token(self.token)
            .base_url(self.base_url)
            .base_file_url(self.base_file_url)
        )

    @property
    def bot_user(self) -> JSON:
        """The bot's User object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # --- test side: users and chats ---------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> JSON:
        """Register (or update) a user and their private chat (chat id == user id)."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user: JSON = self._users.get(user_id) or {
            "id": user_id,
            "is_bot": False,
            "first_name": f"User{user_id}",
        }
        if first_name is not None:
            user["first_name"] = first_name
        if last_name is not None:
            user["last_name"] = last_name
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        self._users[user_id] = user
        chat: JSON = {"id": user_id, "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if key in user:
                chat[key] = user[key]
        self._chats[user_id] = chat
        return copy.deepcopy(user)

    def group(
        self,
        chat_id: int,
        title: str | None = None,
        *,
        username: str | None = None,
        chat_type: str = "supergroup",
    ) -> JSON:
        """Register (or update) a group chat; the bot is an administrator there by default."""
        if chat_id >= 0 and not self.positive_group_ids:
            raise ValueError("group chat ids are negative")
        chat: JSON = self._chats.get(chat_id) or {
            "id": chat_id,
            "type": chat_type,
            "title": f"Group {chat_id}",
        }
        if title is not None:
            chat["title"] = title
        if username is not None:
            chat["username"] = username
        self._chats[chat_id] = chat
        self._bot_status.setdefault(chat_id, "administrator")
        self._members.setdefault(chat_id, {})
        return copy.deepcopy(chat)

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """Set what getChatMember answers for a user in a group (member, administrator, ...)."""
        self._ensure_user(user_id)
        self._chat_for(chat_id)
        self._members.setdefault(chat_id, {})[user_id] = status

    def block(self, user_id: int, *, notify: bool = True) -> None:
        """The user blocks the bot: later sends to their chat get 403 (and a my_chat_member)."""
        user = self._ensure_user(user_id)
        self._blocked.add(user_id)
        if notify:
            self._deliver_chat_member(self._chats[user_id], user, "member", "kicked")

    def unblock(self, user_id: int, *, notify: bool = True) -> None:
        """The user unblocks the bot."""
        user = self._ensure_user(user_id)
        self._blocked.discard(user_id)
        if notify:
            self._deliver_chat_member(self._chats[user_id], user, "kicked", "member")

    # --- test side: feeding updates ----------------------------------------------------------

    def send_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        reply_to_message_id: int | None = None,
        from_user: int | JSON | None = None,
        *,
        entities: list[JSON] | None = None,
    ) -> JSON:
        """The user sends a text message (chat_id defaults to their private chat)."""
        content: JSON = {"text": text}
        if entities:
            content["entities"] = entities
        return self._user_post(user_id, content, chat_id, reply_to_message_id, from_user)

    def send_command(
        self,
        user_id: int,
        command: str,
        args: str | None = None,
        chat_id: int | None = None,
        *,
        mention_bot: bool = False,
    ) -> JSON:
        """The user sends ``/command [args]`` with a bot_command entity."""
        if not command.startswith("/"):
            command = "/" + command
        if mention_bot:
            command = f"{command}@{self.bot_username}"
        text = f"{command} {args}" if args else command
        entity = {"type": "bot_command", "offset": 0, "length": _u16(command)}
        return self.send_text(user_id, text, chat_id, entities=[entity])

    def send_photo(
        self,
        user_id: int,
        data: bytes,
        caption: str | None = None,
        sizes: bool = True,
        *,
        file_size: int | None = None,
        chat_id: int | None = None,
        media_group_id: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> JSON:
        """The user sends a photo; message.photo lists thumbnails then the full size last."""
        dims = _image_size(data) or (1280, 960)
        stored = self._store_photo(data, dims[0], dims[1], sizes=sizes, file_size=file_size)
        content: JSON = {"photo": self._photo_sizes(stored)}
        return self._user_media(
            user_id, content, caption, chat_id, media_group_id, reply_to_message_id
        )

    def send_document(
        self,
        user_id: int,
        data: bytes,
        file_name: str = "letter.pdf",
        mime_type: str = "application/pdf",
        file_size: int | None = None,
        *,
        caption: str | None = None,
        chat_id: int | None = None,
        media_group_id: str | None = None,
        reply_to_message_id: int | None = None,
        size_reported: bool = True,
        content_length: bool = True,
    ) -> JSON:
        """The user sends a file as a document. ``file_size`` is the size the server reports
        (``size_reported=False``: none), whatever ``data`` is; ``content_length=False``: its
        download does not say its length either."""
        stored = self._store_file(
            "document", data, file_name=file_name, mime_type=mime_type, file_size=file_size
        )
        stored.size_reported, stored.content_length = size_reported, content_length
        return self._user_media(
            user_id,
            self._media_content(stored),
            caption,
            chat_id,
            media_group_id,
            reply_to_message_id,
        )

    def send_contact(
        self,
        user_id: int,
        phone_number: str = "+989121234567",
        contact_user_id: int | None = None,
        *,
        omit_user_id: bool = False,
        first_name: str | None = None,
        chat_id: int | None = None,
    ) -> JSON:
        """The user shares a contact; by default their own (as a request_contact button does)."""
        sender = self._ensure_user(user_id)
        contact: JSON = {
            "phone_number": phone_number,
            "first_name": first_name or sender["first_name"],
        }
        if first_name is None and "last_name" in sender:
            contact["last_name"] = sender["last_name"]
        if not omit_user_id:
            contact["user_id"] = contact_user_id if contact_user_id is not None else user_id
        return self._user_post(user_id, {"contact": contact}, chat_id)

    def send_sticker(self, user_id: int, *, chat_id: int | None = None) -> JSON:
        """The user sends a sticker."""
        stored = self._store_file("sticker", b"RIFF\x00\x00\x00\x00WEBP", width=512, height=512)
        content = self._media_content(stored)
        content["sticker"]["emoji"] = "👍"
        return self._user_post(user_id, content, chat_id)

    def send_voice(
        self, user_id: int, data: bytes = b"OggS\x00fake", *, chat_id: int | None = None
    ) -> JSON:
        """The user sends a voice message."""
        stored = self._store_file("voice", data, duration=3)
        return self._user_post(user_id, self._media_content(stored), chat_id)

    def send_video(
        self,
        user_id: int,
        data: bytes = b"\x00\x00\x00\x18ftypmp42",
        *,
        chat_id: int | None = None,
    ) -> JSON:
        """The user sends a video."""
        stored = self._store_file(
            "video", data, file_name="video.mp4", width=640, height=480, duration=5
        )
        return self._user_post(user_id, self._media_content(stored), chat_id)

    def send_location(
        self, user_id: int, latitude: float, longitude: float, *, chat_id: int | None = None
    ) -> JSON:
        """The user sends a location."""
        location = {"latitude": latitude, "longitude": longitude}
        return self._user_post(user_id, {"location": location}, chat_id)

    def send_message_content(
        self, user_id: int, content: JSON, chat_id: int | None = None
    ) -> JSON:
        """The user sends a message with arbitrary content fields (escape hatch)."""
        return self._user_post(user_id, copy.deepcopy(content), chat_id)

    def press(
        self,
        user_id: int,
        message: JSON,
        callback_data: str,
        chat_id: int | None = None,
        *,
        check: bool = True,
    ) -> JSON:
        """The user presses an inline button of a bot message; returns the CallbackQuery."""
        cid = chat_id if chat_id is not None else message["chat"]["id"]
        current = self._messages.get(cid, {}).get(message["message_id"])
        if current is None:
            if check:
                raise AssertionError(
                    f"message {message['message_id']} in chat {cid} does not exist (deleted?)"
                )
            current = message
        if check:
            data = [b.get("callback_data") for b in _buttons(current.get("reply_markup"))]
            if callback_data not in data:
                raise AssertionError(
                    f"message {current['message_id']} has no button with callback_data "
                    f"{callback_data!r}; its buttons carry {data!r}"
                )
        query_id = str(4_000_000_000_000 + next(self._ids))
        query: JSON = {
            "id": query_id,
            "from": copy.deepcopy(self._ensure_user(user_id)),
            "message": copy.deepcopy(current),
            "chat_instance": str((cid * 2_654_435_761) % 10**18),
            "data": callback_data,
        }
        self._callback_queries[query_id] = False
        self._deliver({"callback_query": query})
        return copy.deepcopy(query)

    def add_member(self, chat_id: int, user_id: int) -> JSON:
        """A user joins a group: a message with new_chat_members."""
        user = self._ensure_user(user_id)
        self._chat_for(chat_id)
        self._members.setdefault(chat_id, {})[user_id] = "member"
        return self._user_post(user_id, {"new_chat_members": [copy.deepcopy(user)]}, chat_id)

    def bot_added_to_group(
        self,
        chat_id: int,
        title: str | None = None,
        by_user_id: int | None = None,
        *,
        status: str = "administrator",
    ) -> JSON:
        """Someone adds the bot to a group: a my_chat_member update plus new_chat_members."""
        chat = self.group(chat_id, title)
        by = self._ensure_user(by_user_id if by_user_id is not None else 1)
        self._bot_status[chat_id] = status
        self._deliver_chat_member(chat, by, "left", status)
        return self._user_post(by["id"], {"new_chat_members": [self.bot_user]}, chat_id)

    def feed_update(self, update: JSON) -> JSON:
        """Queue an arbitrary update (update_id is assigned); returns it."""
        return self._deliver(copy.deepcopy(update))

    # --- test side: files ---------------------------------------------------------------------

    def register_file(
        self,
        data: bytes,
        *,
        kind: str = "document",
        file_name: str | None = None,
        mime_type: str | None = None,
        file_size: int | None = None,
    ) -> str:
        """Make bytes known to the server (as if a user had sent them); returns the file_id."""
        if kind == "photo":
            dims = _image_size(data) or (1280, 960)
            return self._store_photo(data, dims[0], dims[1], file_size=file_size).file_id
        stored = self._store_file(
            kind, data, file_name=file_name, mime_type=mime_type, file_size=file_size
        )
        return stored.file_id

    def file_bytes(self, file_id: str) -> bytes:
        """The bytes of a file registered by a test or uploaded by the bot."""
        if file_id not in self.files:
            raise KeyError(f"unknown file_id {file_id!r}")
        return self.files[file_id].data

    # --- test side: error injection and limits --------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 400,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
        chat_id: int | str | None = None,
        *,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` (optionally to one chat) fail."""
        if status == 429 and retry_after is None:
            retry_after = 1
        parameters: JSON = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        if description is None:
            template = _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
            description = template.format(retry_after=retry_after)
        self._fail_rules.append(
            _FailRule(method.lower(), status, description, parameters or None, count, chat_id)
        )

    def clear_failures(self) -> None:
        """Forget every failure still armed by :meth:`fail_next`."""
        self._fail_rules.clear()

    def delay_next(
        self, method: str, seconds: float, count: int = 1, chat_id: int | None = None
    ) -> None:
        """Carry out (and answer) the next ``count`` calls of ``method`` (to ``chat_id``, if
        given) only after ``seconds``: for timeouts, and for a sender that stalls."""
        self._delay_rules.append(_DelayRule(method.lower(), seconds, count, chat_id))

    def enforce_group_limit(
        self, per_minute: int | None = 20, *, window_seconds: float = 60.0
    ) -> None:
        """Answer 429 once a group gets over ``per_minute`` messages per window (None: off)."""
        self._group_limit = per_minute
        self._group_window = window_seconds
        self._group_sends.clear()

    # --- test side: observing -------------------------------------------------------------

    def sent(self, chat_id: int) -> list[JSON]:
        """The bot's messages in a chat, in their current state (after edits and deletes)."""
        messages = self._messages.get(chat_id, {}).values()
        return [copy.deepcopy(m) for m in messages if m["from"]["id"] == self.bot_id]

    def history(self, chat_id: int) -> list[JSON]:
        """Every existing message in a chat (the users' and the bot's), oldest first."""
        return [copy.deepcopy(m) for m in self._messages.get(chat_id, {}).values()]

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """The current state of one message, or None if it does not exist (any more)."""
        found = self._messages.get(chat_id, {}).get(message_id)
        return copy.deepcopy(found) if found is not None else None

    def reply_keyboard(self, chat_id: int) -> JSON | None:
        """The reply keyboard the user currently sees in a chat (None after remove_keyboard)."""
        return copy.deepcopy(self._reply_keyboards.get(chat_id))

    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by a getUpdates offset."""
        return copy.deepcopy(self._pending)

    @property
    def commands(self) -> list[JSON]:
        """The command list set for the default scope and language."""
        return self.commands_for()

    def commands_for(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The command list set for a scope and language."""
        return copy.deepcopy(self._commands.get(self._commands_key(scope, language_code), []))

    def calls_of(self, method: str) -> list[JSON]:
        """Params of every recorded call of a method, in order."""
        return [call.params for call in self.calls if call.method.lower() == method.lower()]

    async def next_message(self, chat_id: int, timeout: float = 10.0) -> JSON:
        """The next bot message to a chat not yet returned by next_message (as it was sent)."""
        log = self._sent_log.setdefault(chat_id, [])
        cursor = self._sent_cursor.get(chat_id, 0)
        await self._wait_until(
            lambda: len(log) > cursor, timeout, f"the bot to send a message to chat {chat_id}"
        )
        self._sent_cursor[chat_id] = cursor + 1
        return copy.deepcopy(log[cursor])

    async def next_edit(self, chat_id: int, timeout: float = 10.0) -> JSON:
        """The next message edit in a chat not yet returned by next_edit (state after it)."""
        log = self._edit_log.setdefault(chat_id, [])
        cursor = self._edit_cursor.get(chat_id, 0)
        await self._wait_until(
            lambda: len(log) > cursor, timeout, f"the bot to edit a message in chat {chat_id}"
        )
        self._edit_cursor[chat_id] = cursor + 1
        return copy.deepcopy(log[cursor])

    async def expect_no_message(self, chat_id: int, wait: float = 0.3) -> None:
        """Assert the bot sends nothing (more) to a chat within ``wait`` seconds."""
        await asyncio.sleep(wait)
        cursor = self._sent_cursor.get(chat_id, 0)
        extra = self._sent_log.get(chat_id, [])[cursor:]
        if extra:
            texts = [m.get("text", m.get("caption")) for m in extra]
            raise AssertionError(f"unexpected bot messages to chat {chat_id}: {texts!r}")

    async def wait_for(
        self,
        predicate: Callable[[Call], bool],
        timeout: float = 10.0,
        *,
        since: int = 0,
    ) -> Call:
        """The first recorded call (from index ``since``) matching ``predicate``; waits for it."""

        def find() -> Call | None:
            return next((c for c in self.calls[since:] if predicate(c)), None)

        found: Call = await self._wait_until(find, timeout, "a matching Bot API call")
        return found

    async def wait_callback_answer(self, query: JSON | str, timeout: float = 10.0) -> JSON:
        """The answerCallbackQuery params for a query (dict from press() or its id)."""
        query_id = query if isinstance(query, str) else query["id"]

        def find() -> JSON | None:
            return next(
                (a for a in self.callback_answers if str(a["callback_query_id"]) == query_id),
                None,
            )

        found: JSON = await self._wait_until(
            find, timeout, f"an answer to callback query {query_id}"
        )
        return found

    async def wait_delivered(self, timeout: float = 10.0) -> None:
        """Wait until the bot has fetched every update fed so far."""
        await self._wait_until(
            lambda: self._delivered_up_to >= self._next_update_id - 1,
            timeout,
            "the bot to fetch all updates",
        )

    def describe_recent(self, count: int = 15) -> str:
        """Recent calls (and errors) as text, for assertion messages."""
        failed = {id(f.call): f for f in self.failures}
        lines = [f"Last {min(count, len(self.calls))} of {len(self.calls)} Bot API calls:"]
        for call in self.calls[-count:]:
            params = " ".join(f"{k}={_short(v)}" for k, v in call.params.items())
            line = f"  {call.method} {params}"
            failure = failed.get(id(call))
            if failure is not None:
                line += f"  -> {failure.status} {failure.description}"
            lines.append(line)
        if self.internal_errors:
            lines.append("FakeBotApi internal errors:")
            lines.extend(self.internal_errors)
        return "\n".join(lines)

    # --- waiting machinery ------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_until(self, condition: Callable[[], Any], timeout: float, what: str) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = self._changed
            result = condition()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}.\n{self.describe_recent()}"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    # --- update delivery ----------------------------------------------------------------------

    def _deliver(self, update: JSON) -> JSON:
        """Single delivery point: queue for getUpdates (a webhook mode would POST it instead)."""
        update = {"update_id": self._next_update_id, **update}
        self._next_update_id += 1
        self._pending.append(update)
        self.updates.append(update)
        self._notify()
        self._push_wakeup.set()
        return copy.deepcopy(update)

    def _deliver_chat_member(self, chat: JSON, by: JSON, old: str, new: str) -> None:
        bot = self.bot_user
        self._deliver(
            {
                "my_chat_member": {
                    "chat": copy.deepcopy(chat),
                    "from": copy.deepcopy(by),
                    "date": _now(),
                    "old_chat_member": self._member_object(bot, old),
                    "new_chat_member": self._member_object(bot, new),
                }
            }
        )

    # --- internals: users, chats, messages ---------------------------------------------------

    def _ensure_user(self, user_id: int) -> JSON:
        if user_id not in self._users:
            self.user(user_id)
        return self._users[user_id]

    def _chat_for(self, chat_id: int) -> JSON:
        if chat_id not in self._chats:
            if chat_id > 0:
                self._ensure_user(chat_id)
            else:
                self.group(chat_id)
        return self._chats[chat_id]

    def _find_chat(self, chat_id: Any) -> JSON | None:
        if isinstance(chat_id, int):
            return self._chats.get(chat_id)
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            name = chat_id[1:].lower()
            return next(
                (c for c in self._chats.values() if c.get("username", "").lower() == name), None
            )
        return None

    def _member_object(self, user: JSON, status: str) -> JSON:
        member: JSON = {"status": status, "user": copy.deepcopy(user)}
        if status == "administrator":
            member.update(_BOT_ADMIN_RIGHTS)
        elif status == "creator":
            member["is_anonymous"] = False
        elif status == "kicked":
            member["until_date"] = 0
        elif status not in ("member", "left"):
            raise ValueError(f"unsupported member status {status!r}")
        return member

    def _new_message(
        self, chat: JSON, sender: JSON, content: JSON, reply_to: JSON | None = None
    ) -> JSON:
        cid = chat["id"]
        message_id = self._last_message_id.get(cid, 0) + 1
        self._last_message_id[cid] = message_id
        message: JSON = {
            "message_id": message_id,
            "from": copy.deepcopy(sender),
            "chat": copy.deepcopy(chat),
            "date": _now(),
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(content)
        self._messages.setdefault(cid, {})[message_id] = message
        return message

    def _reply_snapshot(self, chat_id: int, message_id: int) -> JSON | None:
        target = self._messages.get(chat_id, {}).get(message_id)
        if target is None:
            return None
        snapshot = copy.deepcopy(target)
        snapshot.pop("reply_to_message", None)
        return snapshot

    def _user_post(
        self,
        user_id: int,
        content: JSON,
        chat_id: int | None = None,
        reply_to_message_id: int | None = None,
        from_user: int | JSON | None = None,
    ) -> JSON:
        if isinstance(from_user, dict):
            sender = from_user
        else:
            sender = self._ensure_user(from_user if from_user is not None else user_id)
        chat = self._chat_for(chat_id if chat_id is not None else sender["id"])
        if chat["type"] == "private" and chat["id"] != sender["id"]:
            raise ValueError(f"user {sender['id']} cannot post in the private chat {chat['id']}")
        if chat["type"] != "private":
            self._members.setdefault(chat["id"], {}).setdefault(sender["id"], "member")
        reply_to = None
        if reply_to_message_id is not None:
            reply_to = self._reply_snapshot(chat["id"], reply_to_message_id)
            if reply_to is None:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat['id']}")
        message = self._new_message(chat, sender, content, reply_to)
        self._deliver({"message": copy.deepcopy(message)})
        return copy.deepcopy(message)

    def _user_media(
        self,
        user_id: int,
        content: JSON,
        caption: str | None,
        chat_id: int | None,
        media_group_id: str | None,
        reply_to_message_id: int | None,
    ) -> JSON:
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        if caption:
            content["caption"] = caption
        return self._user_post(user_id, content, chat_id, reply_to_message_id)

    # --- internals: files ----------------------------------------------------------------------

    def _store_file(
        self,
        kind: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        file_size: int | None = None,
        width: int | None = None,
        height: int | None = None,
        duration: int | None = None,
        uploaded_by_bot: bool = False,
    ) -> StoredFile:
        if kind not in _KINDS:
            raise ValueError(f"unknown file kind {kind!r}")
        folder, extension, default_mime = _KINDS[kind]
        number = next(self._ids)
        if file_name and "." in file_name and kind in ("document", "audio", "video", "animation"):
            extension = "." + file_name.rsplit(".", 1)[1].lower()
        if mime_type is None and file_name:
            mime_type = mimetypes.guess_type(file_name, strict=False)[0]
        stored = StoredFile(
            file_id=f"fake-{kind}-{number}",
            file_unique_id=f"uniq{number}",
            kind=kind,
            data=data,
            file_size=file_size if file_size is not None else len(data),
            file_path=f"{folder}/file_{number}{extension}",
            file_name=file_name,
            mime_type=mime_type or default_mime,
            width=width,
            height=height,
            duration=duration,
            uploaded_by_bot=uploaded_by_bot,
        )
        self.files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _store_photo(
        self,
        data: bytes,
        width: int,
        height: int,
        *,
        sizes: bool = True,
        file_size: int | None = None,
        uploaded_by_bot: bool = False,
    ) -> StoredFile:
        """Store a photo with its thumbnails; returns the full-size entry."""
        photo_set: list[str] = []
        if sizes:
            for limit in _PHOTO_THUMBNAIL_LIMITS:
                if max(width, height) <= limit:
                    break
                thumb = (
                    _thumbnail(data, limit)
                    if self.thumbnail_bot_uploads or not uploaded_by_bot
                    else None
                )
                if thumb is None:
                    scale = limit / max(width, height)
                    thumb = (data, max(1, round(width * scale)), max(1, round(height * scale)))
                small = self._store_file(
                    "photo",
                    thumb[0],
                    width=thumb[1],
                    height=thumb[2],
                    uploaded_by_bot=uploaded_by_bot,
                )
                small.photo_set = photo_set
                photo_set.append(small.file_id)
        full = self._store_file(
            "photo",
            data,
            file_size=file_size,
            width=width,
            height=height,
            uploaded_by_bot=uploaded_by_bot,
        )
        full.photo_set = photo_set
        photo_set.append(full.file_id)
        return full

    def _photo_sizes(self, stored: StoredFile) -> list[JSON]:
        ids = stored.photo_set or [stored.file_id]
        return [
            {
                "file_id": f.file_id,
                "file_unique_id": f.file_unique_id,
                "width": f.width or 0,
                "height": f.height or 0,
                "file_size": f.file_size,
            }
            for f in (self.files[i] for i in ids)
        ]

    def _media_content(self, stored: StoredFile) -> JSON:
        if stored.kind == "photo":
            return {"photo": self._photo_sizes(stored)}
        obj: JSON = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        kind = stored.kind
        if kind in ("video", "animation"):
            obj.update(width=stored.width or 640, height=stored.height or 480)
        if kind == "sticker":
            obj.update(
                width=stored.width or 512,
                height=stored.height or 512,
                is_animated=False,
                is_video=False,
                type="regular",
            )
        if kind == "video_note":
            obj["length"] = stored.width or 240
        if kind in ("video", "animation", "voice", "audio", "video_note"):
            obj["duration"] = stored.duration or 1
        if kind in ("document", "video", "animation", "audio") and stored.file_name:
            obj["file_name"] = stored.file_name
        if kind not in ("sticker", "video_note"):
            obj["mime_type"] = stored.mime_type
        if stored.size_reported:
            obj["file_size"] = stored.file_size
        return {kind: obj}

    def _store_upload(self, upload: Upload, kind: str) -> StoredFile:
        if upload.file_id is not None:
            return self.files[upload.file_id]
        if kind == "photo":
            dims = _image_size(upload.data)
            if dims is None:
                raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
            width, height = dims
            if width + height > 10_000 or max(width, height) > 20 * max(1, min(width, height)):
                raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
            stored = self._store_photo(upload.data, width, height, uploaded_by_bot=True)
        else:
            dims = _image_size(upload.data) if kind == "sticker" else None
            mime = upload.mime_type
            if mime in (None, "", "application/octet-stream") and upload.file_name:
                mime = mimetypes.guess_type(upload.file_name, strict=False)[0] or mime
            stored = self._store_file(
                kind,
                upload.data,
                file_name=upload.file_name,
                mime_type=mime or None,
                width=dims[0] if dims else None,
                height=dims[1] if dims else None,
                uploaded_by_bot=True,
            )
        upload.file_id = stored.file_id
        self.uploads.append(stored)
        return stored

    def _resolve_file(self, value: Any, kind: str) -> StoredFile:
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        if isinstance(value, Upload):
            return self._store_upload(value, kind)
        if not isinstance(value, str):
            raise ApiError(400, WRONG_FILE_ID)
        stored = self.files.get(value)
        if stored is None:
            raise ApiError(400, WRONG_FILE_ID)
        if stored.kind != kind:
            raise ApiError(400, "Bad Request: type of file mismatch")
        return stored

    # --- internals: validation -------------------------------------------------------------

    def _target_chat(self, params: JSON, key: str = "chat_id") -> JSON:
        chat = self._find_chat(_require(params, key))
        if chat is None:
            raise ApiError(400, CHAT_NOT_FOUND)
        return chat

    def _check_can_send(self, chat: JSON, count: int = 1) -> None:
        cid = chat["id"]
        if chat["type"] == "private":
            if cid in self._blocked:
                raise ApiError(403, BLOCKED)
        else:
            kind = "supergroup" if chat["type"] == "supergroup" else "group"
            status = self._bot_status.get(cid)
            if status == "left":
                raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
            if status == "kicked":
                raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        self._check_group_limit(cid, count)

    def _is_group(self, chat_id: int) -> bool:
        chat = self._chats.get(chat_id)
        return chat is not None and chat["type"] != "private"

    def _check_group_limit(self, chat_id: int, count: int) -> None:
        if self._group_limit is None or not self._is_group(chat_id):
            return
        now = time.monotonic()
        sends = self._group_sends.setdefault(chat_id, deque())
        while sends and sends[0] <= now - self._group_window:
            sends.popleft()
        free = self._group_limit - len(sends)
        if count <= free:
            return
        if count > self._group_limit:
            wait = self._group_window
        else:
            wait = sends[count - free - 1] + self._group_window - now
        retry_after = max(1, math.ceil(wait))
        raise ApiError(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )

    def _record_group_send(self, chat_id: int) -> None:
        if self._group_limit is not None and self._is_group(chat_id):
            self._group_sends.setdefault(chat_id, deque()).append(time.monotonic())

    def _validated_markup(self, params: JSON, *, inline_only: bool = False) -> JSON | None:
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise ApiError(400, "Bad Request: can't parse inline keyboard markup")
            for button in (b for row in rows for b in row):
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise ApiError(400, "Bad Request: can't parse inline keyboard button")
                if not any(action in button for action in _INLINE_BUTTON_ACTIONS):
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: Text buttons are "
                        "unallowed in the inline keyboard",
                    )
                if "callback_data" in button:
                    size = len(str(button["callback_data"]).encode("utf-8"))
                    if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if "url" in button and not re.match(r"(https?|tg)://\S+$", str(button["url"])):
                    raise ApiError(
                        400,
                        f"Bad Request: inline keyboard button URL '{button['url']}' is invalid: "
                        "Wrong HTTP URL",
                    )
            return markup
        if inline_only:
            raise ApiError(400, "Bad Request: can't parse inline keyboard markup")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise ApiError(400, "Bad Request: can't parse keyboard markup")
            return markup
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return markup
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")

    def _reply_target(self, chat: JSON, params: JSON) -> JSON | None:
        reply_parameters = params.get("reply_parameters")
        allow = bool(params.get("allow_sending_without_reply"))
        message_id = params.get("reply_to_message_id")
        if isinstance(reply_parameters, dict):
            message_id = reply_parameters.get("message_id")
            allow = allow or bool(reply_parameters.get("allow_sending_without_reply"))
        if message_id is None:
            return None
        snapshot = self._reply_snapshot(chat["id"], int(message_id))
        if snapshot is None and not allow:
            raise ApiError(400, "Bad Request: message to be replied not found")
        return snapshot

    def _caption(self, params: JSON) -> JSON:
        caption = params.get("caption")
        if caption is None or caption == "":
            return {}
        text, entities = format_text(
            str(caption), params.get("parse_mode"), params.get("caption_entities")
        )
        if len(text) > MAX_CAPTION_LENGTH:
            raise ApiError(400, "Bad Request: message caption is too long")
        content: JSON = {"caption": text} if text else {}
        if entities:
            content["caption_entities"] = entities
        if params.get("show_caption_above_media"):
            content["show_caption_above_media"] = True
        return content

    def _emit_bot_message(
        self, chat: JSON, content: JSON, reply_to: JSON | None, markup: JSON | None
    ) -> JSON:
        cid = chat["id"]
        if markup is not None:
            if "inline_keyboard" in markup:
                content["reply_markup"] = markup
            elif "keyboard" in markup:
                self._reply_keyboards[cid] = markup
            elif markup.get("remove_keyboard"):
                self._reply_keyboards[cid] = None
        message = self._new_message(chat, self.bot_user, content, reply_to)
        self._sent_log.setdefault(cid, []).append(copy.deepcopy(message))
        self._record_group_send(cid)
        self._notify()
        return copy.deepcopy(message)

    def _bot_message(self, chat_id: int, message_id: Any) -> JSON:
        message = self._messages.get(chat_id, {}).get(message_id)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    # --- HTTP layer -------------------------------------------------------------------------

    async def _read_params(self, request: web.Request) -> JSON:
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

    async def _handle_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        entry = self._methods.get(request.match_info["method"].lower())
        if entry is None:
            return _error_response(ApiError(404, "Not Found"))
        name, handler = entry
        try:
            params = normalize_params(await self._read_params(request))
        except ApiError as error:
            return _error_response(error)
        call = Call(name, params)
        self.calls.append(call)
        self._notify()
        try:
            await self._apply_delay(name, params)
            self._inject_failure(name, params)
            result = handler(params)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as error:
            self.failures.append(Failure(call, error.status, error.description))
            self._notify()
            return _error_response(error)
        except Exception:
            self.internal_errors.append(f"{name} {params!r}:\n{traceback.format_exc()}")
            self._notify()
            return _error_response(ApiError(500, "Internal Server Error: FakeBotApi bug"))
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        stored = self._files_by_path.get(request.match_info["file_path"])
        if stored is None:
            return _error_response(ApiError(404, "Not Found"))
        response = web.StreamResponse()
        response.content_type = stored.mime_type or "application/octet-stream"
        if stored.content_length:
            response.content_length = len(stored.data)
        await response.prepare(request)
        # A piece at a time, each handed to the connection before the next: bytes_served
        # counts what went out before a client that stopped reading hung up.
        with contextlib.suppress(ConnectionError):
            for start in range(0, len(stored.data), _DOWNLOAD_PIECE):
                await response.write(stored.data[start : start + _DOWNLOAD_PIECE])
                stored.bytes_served += min(_DOWNLOAD_PIECE, len(stored.data) - start)
            await response.write_eof()
        return response

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        return _error_response(ApiError(404, "Not Found"))

    async def _apply_delay(self, method: str, params: JSON) -> None:
        for rule in self._delay_rules:
            if rule.chat_id is not None and str(params.get("chat_id")) != str(rule.chat_id):
                continue
            if rule.method == method.lower() and rule.remaining > 0:
                rule.remaining -= 1
                await asyncio.sleep(rule.seconds)
                return

    def _inject_failure(self, method: str, params: JSON) -> None:
        for rule in self._fail_rules:
            if rule.method != method.lower() or rule.remaining <= 0:
                continue
            if rule.chat_id is not None and str(params.get("chat_id")) != str(rule.chat_id):
                continue
            rule.remaining -= 1
            raise ApiError(rule.status, rule.description, rule.parameters)

    # --- Bot API methods ----------------------------------------------------------------------

    def _true(self, params: JSON) -> bool:
        return True

    def _get_me(self, params: JSON) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _set_webhook(self, params: JSON) -> bool:
        self.webhook_url = str(_require(params, "url"))
        self.webhook_params = {k: v for k, v in params.items() if not isinstance(v, Upload)}
        if params.get("drop_pending_updates"):
            self._pending.clear()
        if self._pusher is None:
            self._pusher = asyncio.create_task(self._push_loop(), name="fake-webhook-pusher")
        self._push_wakeup.set()
        return True

    async def _push_loop(self) -> None:
        """Deliver pending updates to the webhook like Telegram: POST, retry until 200."""
        import aiohttp

        turn = 0
        limit = asyncio.Semaphore(int(self.webhook_params.get("max_connections") or 40))
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:

            async def push(update: JSON) -> None:
                nonlocal turn
                async with limit:
                    targets = self.webhook_targets or [self.webhook_url or ""]
                    target = targets[turn % len(targets)]
                    turn += 1
                    headers = {}
                    secret = self.webhook_params.get("secret_token")
                    if secret:
                        headers["X-Telegram-Bot-Api-Secret-Token"] = str(secret)
                    status = 0
                    try:
                        async with http.post(target, json=update, headers=headers) as response:
                            status = response.status
                    except (aiohttp.ClientError, TimeoutError):
                        status = 0
                    self.webhook_deliveries.append((target, update["update_id"], status))
                    if status == 200:
                        self._pending = [
                            u for u in self._pending if u["update_id"] != update["update_id"]
                        ]
                        self._notify()
                    else:
                        await asyncio.sleep(0.2)  # Telegram retries later, maybe elsewhere
                    self._in_flight.discard(update["update_id"])
                    self._push_wakeup.set()

            tasks: set[asyncio.Task[None]] = set()
            while not self._stopping:
                await self._push_wakeup.wait()
                self._push_wakeup.clear()
                if not self.webhook_url:
                    continue
                for update in list(self._pending):
                    if update["update_id"] in self._in_flight:
                        continue
                    self._in_flight.add(update["update_id"])
                    task = asyncio.create_task(push(copy.deepcopy(update)))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)

    def _delete_webhook(self, params: JSON) -> bool:
        self.webhook_url = None
        self.webhook_params = {}
        if params.get("drop_pending_updates"):
            self._pending.clear()
            self._notify()
        return True

    def _get_webhook_info(self, params: JSON) -> JSON:
        return {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    def _confirm(self, offset: Any) -> None:
        if not isinstance(offset, int) or offset == 0:
            return
        before = len(self._pending)
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        else:
            self._pending = self._pending[offset:]
        if len(self._pending) != before:
            self._notify()

    async def _get_updates(self, params: JSON) -> list[JSON]:
        if self.webhook_url:
            raise ApiError(409, WEBHOOK_CONFLICT)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an older long poll still waiting is terminated with 409
        self._confirm(params.get("offset"))
        limit = params.get("limit")
        limit = min(max(limit, 1), 100) if isinstance(limit, int) and limit > 0 else 100
        timeout = params.get("timeout")
        timeout = float(timeout) if isinstance(timeout, int | float) else 0.0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0.0)
        while True:
            changed = self._changed
            if self._pending or self._stopping:
                break
            if generation != self._poll_generation:
                raise ApiError(409, POLL_CONFLICT)
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)
        batch = copy.deepcopy(self._pending[:limit])
        if batch:
            self._delivered_up_to = max(self._delivered_up_to, batch[-1]["update_id"])
            self._notify()
        return batch

    def _send_message(self, params: JSON) -> JSON:
        chat = self._target_chat(params)
        self._check_can_send(chat)
        raw = params.get("text")
        if raw is None or not str(raw).strip():
            raise ApiError(400, "Bad Request: message text is empty")
        text, entities = format_text(str(raw), params.get("parse_mode"), params.get("entities"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        markup = self._validated_markup(params)
        reply_to = self._reply_target(chat, params)
        content: JSON = {"text": text}
        if entities:
            content["entities"] = entities
        if isinstance(params.get("link_preview_options"), dict):
            content["link_preview_options"] = params["link_preview_options"]
        return self._emit_bot_message(chat, content, reply_to, markup)

    def _send_media(self, kind: str, params: JSON) -> JSON:
        chat = self._target_chat(params)
        self._check_can_send(chat)
        caption = self._caption(params)
        markup = self._validated_markup(params)
        reply_to = self._reply_target(chat, params)
        content = self._media_content(self._resolve_file(params.get(kind), kind))
        content.update(caption)
        if params.get("has_spoiler"):
            content["has_media_spoiler"] = True
        return self._emit_bot_message(chat, content, reply_to, markup)

    def _send_media_group(self, params: JSON) -> list[JSON]:
        chat = self._target_chat(params)
        media = params.get("media")
        if not isinstance(media, list) or not media:
            raise ApiError(400, "Bad Request: media is empty")
        if not 2 <= len(media) <= 10:
            # Telegram's exact wording for this case is not documented.
            raise ApiError(400, "Bad Request: wrong number of messages in the media group")
        self._check_can_send(chat, len(media))
        reply_to = self._reply_target(chat, params)
        contents: list[JSON] = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") not in (
                "photo",
                "video",
                "document",
                "audio",
            ):
                raise ApiError(400, "Bad Request: can't parse InputMedia: unsupported type")
            content = self._media_content(self._resolve_file(item.get("media"), item["type"]))
            content.update(self._caption(item))
            if item.get("has_spoiler"):
                content["has_media_spoiler"] = True
            contents.append(content)
        group_id = str(13_000_000_000_000_000 + next(self._ids))
        messages = []
        for content in contents:
            content["media_group_id"] = group_id
            messages.append(self._emit_bot_message(chat, content, reply_to, None))
        return messages

    def _send_location(self, params: JSON) -> JSON:
        chat = self._target_chat(params)
        self._check_can_send(chat)
        location = {
            "latitude": float(_require(params, "latitude")),
            "longitude": float(_require(params, "longitude")),
        }
        markup = self._validated_markup(params)
        reply_to = self._reply_target(chat, params)
        return self._emit_bot_message(chat, {"location": location}, reply_to, markup)

    def _send_contact(self, params: JSON) -> JSON:
        chat = self._target_chat(params)
        self._check_can_send(chat)
        contact = {
            "phone_number": str(_require(params, "phone_number")),
            "first_name": str(_require(params, "first_name")),
        }
        if params.get("last_name"):
            contact["last_name"] = str(params["last_name"])
        markup = self._validated_markup(params)
        reply_to = self._reply_target(chat, params)
        return self._emit_bot_message(chat, {"contact": contact}, reply_to, markup)

    def _source_message(self, params: JSON, not_found: str) -> JSON:
        source_chat = self._target_chat(params, "from_chat_id")
        message_id = _require(params, "message_id")
        source = self._messages.get(source_chat["id"], {}).get(message_id)
        if source is None:
            raise ApiError(400, f"Bad Request: {not_found}")
        return source

    def _copy_message(self, params: JSON) -> JSON:
        chat = self._target_chat(params)
        source = self._source_message(params, "message to copy not found")
        self._check_can_send(chat)
        content = {k: copy.deepcopy(source[k]) for k in _CONTENT_KEYS if k in source}
        if not content:
            raise ApiError(400, "Bad Request: message can't be copied")
        has_media = any(k in content for k in _MEDIA_KEYS)
        if has_media and ("caption" in params or params.get("remove_caption")):
            content.pop("caption", None)
            content.pop("caption_entities", None)
            if not params.get("remove_caption"):
                content.update(self._caption(params))
        markup = self._validated_markup(params)
        reply_to = self._reply_target(chat, params)
        message = self._emit_bot_message(chat, content, reply_to, markup)
        return {"message_id": message["message_id"]}

    def _forward_message(self, params: JSON) -> JSON:
        chat = self._target_chat(params)
        source = self._source_message(params, "message to forward not found")
        self._check_can_send(chat)
        content = {k: copy.deepcopy(source[k]) for k in _CONTENT_KEYS if k in source}
        if not content:
            raise ApiError(400, "Bad Request: message can't be forwarded")
        origin = source.get("forward_origin") or {
            "type": "user",
            "sender_user": copy.deepcopy(source["from"]),
            "date": source["date"],
        }
        return self._emit_bot_message(chat, {"forward_origin": origin, **content}, None, None)

    def _apply_edit(self, message: JSON, new: JSON) -> JSON:
        old = {key: message.get(key) for key in new}
        if old == new:
            raise ApiError(400, NOT_MODIFIED)
        for key, value in new.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        message["edit_date"] = _now()
        cid = message["chat"]["id"]
        self._edit_log.setdefault(cid, []).append(copy.deepcopy(message))
        self._notify()
        return copy.deepcopy(message)

    def _edit_target(self, params: JSON) -> JSON:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self._target_chat(params)
        return self._bot_message(chat["id"], _require(params, "message_id"))

    def _edit_message_text(self, params: JSON) -> JSON:
        message = self._edit_target(params)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        raw = params.get("text")
        if raw is None or not str(raw).strip():
            raise ApiError(400, "Bad Request: text must be non-empty")
        text, entities = format_text(str(raw), params.get("parse_mode"), params.get("entities"))
        if len(text) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        markup = self._validated_markup(params, inline_only=True)
        return self._apply_edit(
            message, {"text": text, "entities": entities or None, "reply_markup": markup}
        )

    def _edit_message_caption(self, params: JSON) -> JSON:
        message = self._edit_target(params)
        if not any(key in message for key in _MEDIA_KEYS):
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption = self._caption(params)
        markup = self._validated_markup(params, inline_only=True)
        return self._apply_edit(
            message,
            {
                "caption": caption.get("caption"),
                "caption_entities": caption.get("caption_entities"),
                "reply_markup": markup,
            },
        )

    def _edit_message_reply_markup(self, params: JSON) -> JSON:
        message = self._edit_target(params)
        markup = self._validated_markup(params, inline_only=True)
        return self._apply_edit(message, {"reply_markup": markup})

    def _delete_one(self, chat_id: int, message_id: Any) -> bool:
        message = self._messages.get(chat_id, {}).pop(message_id, None)
        if message is None:
            return False
        self.deleted.append((chat_id, int(message_id)))
        return True

    def _delete_message(self, params: JSON) -> bool:
        chat = self._target_chat(params)
        if not self._delete_one(chat["id"], _require(params, "message_id")):
            raise ApiError(400, "Bad Request: message to delete not found")
        self._notify()
        return True

    def _delete_messages(self, params: JSON) -> bool:
        chat = self._target_chat(params)
        ids = _require(params, "message_ids")
        if not isinstance(ids, list):
            raise ApiError(400, "Bad Request: can't parse message_ids JSON array")
        for message_id in ids:
            self._delete_one(chat["id"], message_id)
        self._notify()
        return True

    def _answer_callback_query(self, params: JSON) -> bool:
        query_id = str(_require(params, "callback_query_id"))
        if self._callback_queries.get(query_id, True):
            raise ApiError(400, QUERY_TOO_OLD)
        text = params.get("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = True
        self.callback_answers.append(dict(params))
        self._notify()
        return True

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope = scope if isinstance(scope, dict) else {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON array")
        clean = []
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand")
            name = str(command.get("command", "")).removeprefix("/")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            description = str(command.get("description", ""))
            if not 1 <= len(description.strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": description})
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        if clean:
            self._commands[key] = clean
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, params: JSON) -> list[JSON]:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        return copy.deepcopy(self._commands.get(key, []))

    def _delete_my_commands(self, params: JSON) -> bool:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        self._commands.pop(key, None)
        return True

    def _set_chat_menu_button(self, params: JSON) -> bool:
        chat_id = params.get("chat_id")
        if chat_id is not None and self._find_chat(chat_id) is None:
            raise ApiError(400, CHAT_NOT_FOUND)
        button = params.get("menu_button") or {"type": "default"}
        self.menu_buttons[chat_id if isinstance(chat_id, int) else None] = button
        return True

    def _get_chat_menu_button(self, params: JSON) -> JSON:
        chat_id = params.get("chat_id")
        key = chat_id if isinstance(chat_id, int) else None
        button = self.menu_buttons.get(key) or self.menu_buttons.get(None)
        return copy.deepcopy(button) if button else {"type": "default"}

    def _send_chat_action(self, params: JSON) -> bool:
        chat = self._target_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        if chat["type"] == "private" and chat["id"] in self._blocked:
            raise ApiError(403, BLOCKED)
        return True

    def _leave_chat(self, params: JSON) -> bool:
        chat = self._target_chat(params)
        if chat["type"] == "private":
            raise ApiError(
                400, "Bad Request: chat member status can't be changed in private chats"
            )
        old = self._bot_status.get(chat["id"], "member")
        if old in ("left", "kicked"):
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat['type']} chat")
        self._bot_status[chat["id"]] = "left"
        self._deliver_chat_member(chat, self.bot_user, old, "left")
        return True

    def _get_chat(self, params: JSON) -> JSON:
        chat = copy.deepcopy(self._target_chat(params))
        chat.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return chat

    def _get_chat_member(self, params: JSON) -> JSON:
        chat = self._target_chat(params)
        user_id = _require(params, "user_id")
        if user_id == self.bot_id:
            status = self._bot_status.get(chat["id"], "administrator")
            if chat["type"] == "private":
                status = "member"
            return self._member_object(self.bot_user, status)
        user = self._users.get(user_id) if isinstance(user_id, int) else None
        if user is None:
            raise ApiError(400, "Bad Request: user not found")
        if chat["type"] == "private":
            status = "member" if chat["id"] == user_id else "left"
        else:
            status = self._members.get(chat["id"], {}).get(user_id, "left")
        return self._member_object(user, status)

    def _get_chat_member_count(self, params: JSON) -> int:
        chat = self._target_chat(params)
        if chat["type"] == "private":
            return 2
        members = self._members.get(chat["id"], {}).values()
        joined = sum(1 for s in members if s in ("member", "administrator", "creator"))
        bot_in = self._bot_status.get(chat["id"]) not in ("left", "kicked")
        return joined + int(bot_in)

    def _get_file(self, params: JSON) -> JSON:
        file_id = str(_require(params, "file_id"))
        stored = self.files.get(file_id)
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if stored.file_size > MAX_DOWNLOAD_SIZE:
            raise ApiError(400, "Bad Request: file is too big")
        found: JSON = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.size_reported:
            found["file_size"] = stored.file_size
        return {**found, "file_path": stored.file_path}


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


__all__ = [
    "ApiError",
    "Call",
    "Failure",
    "FakeBotApi",
    "StoredFile",
    "Upload",
    "format_text",
    "normalize_params",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "uploads_in",
]
