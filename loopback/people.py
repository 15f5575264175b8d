"""The people who talk to the bot, as a test plays them: they send text, commands, photos,
documents and contacts, press buttons, block the bot and join groups; and what they see of
the bot's answers (``sent``, ``next_message``, ``wait_for`` ...).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import Callable
from typing import Any

from loopback.limits import JSON
from loopback.world import Call, World, image_size


def _u16(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of MessageEntity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _buttons(markup: JSON | None) -> list[JSON]:
    if not markup:
        return []
    rows = markup.get("inline_keyboard") or []
    return [button for row in rows for button in row]


class People(World):
    """What people do (the bot's updates) and what they see of the bot."""

    # --- what people do ----------------------------------------------------------------------

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
        dims = image_size(data) or (1280, 960)
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
            dims = image_size(data) or (1280, 960)
            return self._store_photo(data, dims[0], dims[1], file_size=file_size).file_id
        stored = self._store_file(
            kind, data, file_name=file_name, mime_type=mime_type, file_size=file_size
        )
        return stored.file_id

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

    # --- what they see -----------------------------------------------------------------------

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

    def file_bytes(self, file_id: str) -> bytes:
        """The bytes of a file registered by a test or uploaded by the bot."""
        if file_id not in self.files:
            raise KeyError(f"unknown file_id {file_id!r}")
        return self.files[file_id].data

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
