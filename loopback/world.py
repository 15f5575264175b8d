"""The world the server keeps: users, chats and their members, messages, stored files, the
updates waiting for the bot, and the records of what the bot did.

:class:`World` holds all of the server's state; the Bot API methods (:mod:`loopback.methods`)
and the people (:mod:`loopback.people`) change it, and each change wakes whoever waits for one
(:meth:`World._notify`). Updates go through a single delivery point, :meth:`World._deliver`,
which queues them for ``getUpdates`` and wakes the webhook pusher.
"""

from __future__ import annotations

import asyncio
import copy
import io
import itertools
import json
import mimetypes
import time
import warnings
from collections import deque
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from PIL import Image

from loopback.limits import JSON

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


def now() -> int:
    """The time as a message's date: Unix seconds."""
    return int(time.time())


def image_size(data: bytes) -> tuple[int, int] | None:
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


class World:
    """Everything the server knows; both sides change it."""

    # Telegram's group ids are negative; Bale's are not (loopback/bale.py).
    positive_group_ids = False
    # Photos get real thumbnails (Pillow), the sizes Telegram lists; for photos the bot
    # uploads the benchmarks list the sizes without making them (see benchmarks/fakeapi.py).
    thumbnail_bot_uploads = True

    def __init__(self, token: str, bot_username: str, bot_id: int, bot_first_name: str) -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name

        # What the bot did.
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.callback_answers: list[JSON] = []
        self.internal_errors: list[str] = []
        self.uploads: list[StoredFile] = []
        self.deleted: list[tuple[int, int]] = []
        self.updates: list[JSON] = []  # every update ever fed, in order
        self.menu_buttons: dict[int | None, JSON] = {}
        self._commands: dict[tuple[str, str], list[JSON]] = {}

        # Webhook delivery (setWebhook), instead of getUpdates.
        self.webhook_url: str | None = None
        self.webhook_params: JSON = {}
        # Where webhook updates really go: by default the URL the bot set; a test may put a
        # list of instances here, as a reverse proxy in front of several bots would.
        self.webhook_targets: list[str] | None = None
        self.webhook_deliveries: list[tuple[str, int, int]] = []  # (target, update_id, status)
        self._pusher: asyncio.Task[None] | None = None
        self._push_wakeup = asyncio.Event()
        self._in_flight: set[int] = set()

        # Files people sent and the bot uploaded.
        self.files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._ids = itertools.count(1)

        # People, chats and messages.
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
        # The bot's messages sent with ForceReply, by chat: what a client opens its reply box
        # for (a Message's reply_markup holds inline keyboards only, so it is kept here).
        self.force_replies: dict[int, set[int]] = {}
        self._callback_queries: dict[str, bool] = {}

        # Updates not yet confirmed by the bot, and getUpdates' long polls.
        self._pending: list[JSON] = []
        self._next_update_id = 1
        self._delivered_up_to = 0
        self._poll_generation = 0

        # Telegram's limit of messages to a group (enforce_group_limit).
        self._group_limit: int | None = None
        self._group_window = 60.0
        self._group_sends: dict[int, deque[float]] = {}

        # Set and replaced on every change (_notify); whoever waits for one waits on it.
        self._changed = asyncio.Event()
        self._stopping = False  # stop() was called: long polls and the webhook pusher end

    @property
    def bot_user(self) -> JSON:
        """The bot's User object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        """Where a command list is kept: by its scope and language."""
        scope = scope if isinstance(scope, dict) else {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    # --- users and chats ---------------------------------------------------------------------

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

    def forget_records(self) -> None:
        """Drop the records of what the bot did (calls, answers, uploads, logs of sent and
        edited messages), which grow with every call: a long-running server (the playground)
        calls this now and then. The chats, messages and files stay."""
        for record in (
            self.calls,
            self.failures,
            self.callback_answers,
            self.uploads,
            self.deleted,
            self.updates,
            self.webhook_deliveries,
        ):
            record.clear()
        self._sent_log.clear()
        self._sent_cursor.clear()
        self._edit_log.clear()
        self._edit_cursor.clear()

    # --- changes and updates -----------------------------------------------------------------

    def next_change(self) -> asyncio.Event:
        """An event set at the next change (take it before looking, then wait on it)."""
        return self._changed

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _deliver(self, update: JSON) -> JSON:
        """The single delivery point: queued for getUpdates, or the webhook pusher (setWebhook)."""
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
                    "date": now(),
                    "old_chat_member": self._member_object(bot, old),
                    "new_chat_member": self._member_object(bot, new),
                }
            }
        )

    # --- messages ----------------------------------------------------------------------------

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
            "date": now(),
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

    # --- files -------------------------------------------------------------------------------

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
