"""The Bot API methods: each checks its parameters as Telegram does, changes the world, and
answers with complete objects that PTB can deserialise, or refuses with Telegram's error
(blocked users, flood control, "message is not modified", wrong file identifiers, ...).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import math
import mimetypes
import re
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from loopback.decoding import Upload, require
from loopback.limits import (
    BLOCKED,
    CHAT_NOT_FOUND,
    JSON,
    MAX_CALLBACK_ANSWER_LENGTH,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_DOWNLOAD_SIZE,
    MAX_TEXT_LENGTH,
    NOT_MODIFIED,
    POLL_CONFLICT,
    QUERY_TOO_OLD,
    WEBHOOK_CONFLICT,
    WRONG_FILE_ID,
    ApiError,
)
from loopback.world import StoredFile, World, image_size, now

Handler = Callable[[JSON], Any]

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


def _entities(entities: Any) -> list[JSON] | None:
    """The entities sent with a text or caption (a parse mode never gets this far)."""
    if not entities:
        return None
    if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
        raise ApiError(400, "Bad Request: can't parse entities JSON object")
    return entities


class Methods(World):
    """The Bot API methods, and the checks the sending ones share."""

    def _method_table(self) -> dict[str, Handler]:
        """Every method the server answers, by its canonical name."""
        return {
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

    # --- checks the sending methods share ----------------------------------------------------

    def _target_chat(self, params: JSON, key: str = "chat_id") -> JSON:
        chat = self._find_chat(require(params, key))
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

    def enforce_group_limit(
        self, per_minute: int | None = 20, *, window_seconds: float = 60.0
    ) -> None:
        """Answer 429 once a group gets over ``per_minute`` messages per window (None: off)."""
        self._group_limit = per_minute
        self._group_window = window_seconds
        self._group_sends.clear()

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
        text, entities = str(caption), _entities(params.get("caption_entities"))
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
        if markup is not None and markup.get("force_reply"):
            self.force_replies.setdefault(cid, set()).add(message["message_id"])
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

    # --- files the bot sends -----------------------------------------------------------------

    def _store_upload(self, upload: Upload, kind: str) -> StoredFile:
        if upload.file_id is not None:
            return self.files[upload.file_id]
        if kind == "photo":
            dims = image_size(upload.data)
            if dims is None:
                raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
            width, height = dims
            if width + height > 10_000 or max(width, height) > 20 * max(1, min(width, height)):
                raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
            stored = self._store_photo(upload.data, width, height, uploaded_by_bot=True)
        else:
            dims = image_size(upload.data) if kind == "sticker" else None
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

    # --- getMe, webhooks and getUpdates ------------------------------------------------------

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
        self.webhook_url = str(require(params, "url"))
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

    # --- sending -----------------------------------------------------------------------------

    def _send_message(self, params: JSON) -> JSON:
        chat = self._target_chat(params)
        self._check_can_send(chat)
        raw = params.get("text")
        if raw is None or not str(raw).strip():
            raise ApiError(400, "Bad Request: message text is empty")
        text, entities = str(raw), _entities(params.get("entities"))
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
            "latitude": float(require(params, "latitude")),
            "longitude": float(require(params, "longitude")),
        }
        markup = self._validated_markup(params)
        reply_to = self._reply_target(chat, params)
        return self._emit_bot_message(chat, {"location": location}, reply_to, markup)

    def _send_contact(self, params: JSON) -> JSON:
        chat = self._target_chat(params)
        self._check_can_send(chat)
        contact = {
            "phone_number": str(require(params, "phone_number")),
            "first_name": str(require(params, "first_name")),
        }
        if params.get("last_name"):
            contact["last_name"] = str(params["last_name"])
        markup = self._validated_markup(params)
        reply_to = self._reply_target(chat, params)
        return self._emit_bot_message(chat, {"contact": contact}, reply_to, markup)

    def _source_message(self, params: JSON, not_found: str) -> JSON:
        source_chat = self._target_chat(params, "from_chat_id")
        message_id = require(params, "message_id")
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

    # --- edits, deletions and callback answers -----------------------------------------------

    def _apply_edit(self, message: JSON, new: JSON) -> JSON:
        old = {key: message.get(key) for key in new}
        if old == new:
            raise ApiError(400, NOT_MODIFIED)
        for key, value in new.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        message["edit_date"] = now()
        cid = message["chat"]["id"]
        self._edit_log.setdefault(cid, []).append(copy.deepcopy(message))
        self._notify()
        return copy.deepcopy(message)

    def _edit_target(self, params: JSON) -> JSON:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self._target_chat(params)
        return self._bot_message(chat["id"], require(params, "message_id"))

    def _edit_message_text(self, params: JSON) -> JSON:
        message = self._edit_target(params)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        raw = params.get("text")
        if raw is None or not str(raw).strip():
            raise ApiError(400, "Bad Request: text must be non-empty")
        text, entities = str(raw), _entities(params.get("entities"))
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
        if not self._delete_one(chat["id"], require(params, "message_id")):
            raise ApiError(400, "Bad Request: message to delete not found")
        self._notify()
        return True

    def _delete_messages(self, params: JSON) -> bool:
        chat = self._target_chat(params)
        ids = require(params, "message_ids")
        if not isinstance(ids, list):
            raise ApiError(400, "Bad Request: can't parse message_ids JSON array")
        for message_id in ids:
            self._delete_one(chat["id"], message_id)
        self._notify()
        return True

    def _answer_callback_query(self, params: JSON) -> bool:
        query_id = str(require(params, "callback_query_id"))
        if self._callback_queries.get(query_id, True):
            raise ApiError(400, QUERY_TOO_OLD)
        text = params.get("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = True
        self.callback_answers.append(dict(params))
        self._notify()
        return True

    # --- commands, the menu button, chats and files ------------------------------------------

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
        user_id = require(params, "user_id")
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
        file_id = str(require(params, "file_id"))
        stored = self.files.get(file_id)
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if stored.file_size > MAX_DOWNLOAD_SIZE:
            raise ApiError(400, "Bad Request: file is too big")
        found: JSON = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.size_reported:
            found["file_size"] = stored.file_size
        return {**found, "file_path": stored.file_path}
