"""Where Bale's Bot API differs from Telegram's, translated in one place: the transport.

Bale imitates Telegram's Bot API but not everywhere (README's "Bale" section lists each
difference and where it is known from). The rest of the bot speaks Telegram's Bot API and
python-telegram-bot's exceptions only: the Bale dialect rewrites what goes out so that Bale
understands it, and rewrites Bale's error replies into the status and wording Telegram would
have used, so that one exception vocabulary (RetryAfter, Forbidden, BadRequest, InvalidToken)
means the same on both platforms. The Telegram dialect changes nothing.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import orjson

log = logging.getLogger(__name__)

# Bale's rate-limit replies name no waiting time; this is how long to wait before trying again.
BALE_RATE_LIMIT_RETRY_SECONDS = 3
# Bale's wording of a rate limit, whatever the HTTP status it comes with (400 or 429):
# "bot limit exceed" (python-bale-bot's and Balethon's error tables), "local_rate_limited"
# (Bale's own gateway), and Telegram's "Too Many Requests".
_RATE_LIMIT_WORDS = ("bot limit exceed", "local_rate_limited", "too many requests")
# Bale's wording of a chat the bot cannot reach (400 or 404): "no such group or user".
_UNKNOWN_CHAT_WORDS = ("no such group or user", "chat not found", "user not found")
# A refusal Bale words as its own ("permission_denied": the user blocked the bot, or the bot
# may not post in the group), read as Telegram's 403.
_DENIED_WORDS = ("permission_denied",)
# A wrong token: "Bad Request: Token not found" (400), read as Telegram's 401.
_BAD_TOKEN_WORDS = ("token not found",)
# Parameters the Bale dialect rewrites or drops.
_BALE_REWRITES = frozenset({"reply_parameters", "reply_markup", "allowed_updates"})


class Dialect:
    """Telegram's Bot API as python-telegram-bot speaks it: nothing to translate."""

    name = "telegram"

    def outgoing(self, method: str, parameters: dict[str, Any]) -> dict[str, Any]:
        """The parameters of a JSON request as the platform must receive them."""
        return parameters

    def outgoing_form(self, method: str, fields: dict[str, str]) -> dict[str, str]:
        """The same for a multipart request, whose non-file values are JSON strings."""
        return fields

    def incoming(self, method: str, status: int, body: bytes) -> tuple[int, bytes]:
        """The platform's answer as Telegram would have given it."""
        return status, body

    def incoming_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """An update (polled or posted to the webhook) as Telegram would have sent it."""
        return update


class BaleDialect(Dialect):
    """Bale's Bot API (tapi.bale.ai)."""

    name = "bale"

    def outgoing(self, method: str, parameters: dict[str, Any]) -> dict[str, Any]:
        """Thread replies with ``reply_to_message_id``, and send no force-reply markup.

        python-telegram-bot 22 turns every ``reply_to_message_id`` into ``reply_parameters``,
        which no Bale client library knows; Bale has no force-reply either (the staff and
        applicant prompts work without it, see handlers/staff.py).
        """
        if not _BALE_REWRITES.intersection(parameters):
            return parameters
        rewritten = dict(parameters)
        # No Bale client sends allowed_updates (Bale has no chat_member updates to choose).
        rewritten.pop("allowed_updates", None)
        reply = rewritten.pop("reply_parameters", None)
        if isinstance(reply, dict) and "message_id" in reply:
            rewritten["reply_to_message_id"] = reply["message_id"]
            if reply.get("allow_sending_without_reply"):
                rewritten["allow_sending_without_reply"] = True
        if _is_force_reply(rewritten.get("reply_markup")):
            del rewritten["reply_markup"]
        return rewritten

    def outgoing_form(self, method: str, fields: dict[str, str]) -> dict[str, str]:
        """:meth:`outgoing` for a multipart request's JSON-encoded fields."""
        if not _BALE_REWRITES.intersection(fields):
            return fields
        decoded: dict[str, Any] = dict(fields)
        for name in ("reply_parameters", "reply_markup"):
            if name in decoded:
                decoded[name] = _loads(fields[name])
        rewritten = self.outgoing(method, decoded)
        return {
            name: value if isinstance(value, str) else json.dumps(value)
            for name, value in rewritten.items()
        }

    def incoming(self, method: str, status: int, body: bytes) -> tuple[int, bytes]:
        """Bale's error replies in Telegram's terms.

        - A rate limit in Bale's wording, with any status, becomes a 429 with ``retry_after``
          (python-telegram-bot's RetryAfter): retried after a wait, never dropped as a 400.
        - "No such group or user" and "permission_denied" become a 403 (Forbidden):
          undeliverable, not retried, and never read as an invalid token (python-telegram-bot
          reads every 404 as one).
        - "Token not found" (a 400) becomes a 401: the token is wrong (InvalidToken).
        - Any other 404 is a refusal (a method Bale does not have), except for getMe, where it
          still means that the token is wrong.
        """
        if 200 <= status <= 299:
            return status, body
        try:
            reply = orjson.loads(body)
        except orjson.JSONDecodeError:
            return status, body
        if not isinstance(reply, dict):
            return status, body
        description = str(reply.get("description") or "")
        words = description.lower()
        given = reply.get("parameters")
        parameters: dict[str, Any] = given if isinstance(given, dict) else {}
        if any(word in words for word in _RATE_LIMIT_WORDS):
            retry_after = parameters.get("retry_after") or BALE_RATE_LIMIT_RETRY_SECONDS
            return 429, _reply(
                429, f"Too Many Requests: {description}", {"retry_after": retry_after}
            )
        if any(word in words for word in _UNKNOWN_CHAT_WORDS + _DENIED_WORDS):
            return 403, _reply(403, f"Forbidden: {description}")
        if any(word in words for word in _BAD_TOKEN_WORDS):
            return 401, _reply(401, f"Unauthorized: {description}")
        if status == 404 and method.lower() != "getme":
            return 400, _reply(400, f"Bad Request: {description or 'not found'}")
        return status, body

    def incoming_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Fill in what python-telegram-bot needs and Bale may leave out.

        - A command with no ``bot_command`` entity (Bale's clients read commands from the
          text, not from entities; whether Bale sends the entity is not documented): the
          entity is added, so that CommandHandler sees ``/start``.
        - A button press without ``chat_instance`` (absent from some Bale clients' models),
          a file without ``file_unique_id``: given a stand-in, so that the update can be read
          at all rather than dropped.
        """
        message = update.get("message") or update.get("edited_message")
        if isinstance(message, dict):
            _add_command_entity(message)
            _fill_file_ids(message)
        query = update.get("callback_query")
        if isinstance(query, dict):
            query.setdefault("chat_instance", "")
            if isinstance(query.get("message"), dict):
                _fill_file_ids(query["message"])
        return update


TELEGRAM = Dialect()
BALE = BaleDialect()
DIALECTS = {"telegram": TELEGRAM, "bale": BALE}


def _is_force_reply(markup: Any) -> bool:
    return isinstance(markup, dict) and bool(markup.get("force_reply"))


def _loads(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _reply(status: int, description: str, parameters: dict[str, Any] | None = None) -> bytes:
    reply: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        reply["parameters"] = parameters
    return orjson.dumps(reply)


# A command as Telegram marks it: "/" and up to 32 letters, digits or "_", then "@bot" maybe.
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?(?=\s|$)")
_FILE_KEYS = ("document", "video", "voice", "audio", "animation", "sticker", "video_note")


def _add_command_entity(message: dict[str, Any]) -> None:
    text = message.get("text")
    if not isinstance(text, str) or not text.startswith("/"):
        return
    entities = message.get("entities")
    if isinstance(entities, list) and any(
        isinstance(e, dict) and e.get("offset") == 0 for e in entities
    ):
        return
    match = _COMMAND.match(text)
    if match is None:
        return
    entity = {
        "type": "bot_command",
        "offset": 0,
        "length": len(match.group().encode("utf-16-le")) // 2,
    }
    message["entities"] = [entity, *(entities if isinstance(entities, list) else [])]


def _fill_file_ids(message: dict[str, Any]) -> None:
    files = [message.get(key) for key in _FILE_KEYS]
    photo = message.get("photo")
    if isinstance(photo, list):
        files += photo
    for item in files:
        if isinstance(item, dict) and "file_id" in item:
            item.setdefault("file_unique_id", str(item["file_id"]))
