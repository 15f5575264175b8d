"""The loopback Bot API server, with a cheap way for many users to await replies.

``FakeBotApi.next_message`` wakes every waiter on every change, which is fine for a test with
one user and quadratic with 500 waiting at once; here each private chat gets its own queue of
the bot's messages, filled as they are sent.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from benchmarks.common import ADMIN_CHAT_ID, BOT_ID, TOKEN
from loopback import JSON, ApiError, FakeBotApi

REPLY_TIMEOUT = 120.0


class BenchApi(FakeBotApi):
    """FakeBotApi plus per-chat message queues (:meth:`listen`)."""

    # Telegram makes the thumbnails of a photo the bot uploads on its own machines; here that
    # would be about 9 ms of Pillow per staff photo on the one event loop that also plays
    # every simulated user, delaying the next update of whoever waits. The sizes are listed
    # all the same (scaled dimensions, the full image's bytes). Photos users send still get
    # real thumbnails, for both bots alike.
    thumbnail_bot_uploads = False

    def __init__(self) -> None:
        super().__init__(token=TOKEN, bot_username="tvto_bench_bot", bot_id=BOT_ID)
        self._queues: dict[int, asyncio.Queue[JSON]] = {}
        self._sent_counts: dict[int, int] = {}
        self._exact_retry_after = False

    async def start(self) -> None:
        await super().start()
        self.group(ADMIN_CHAT_ID, title="staff")

    def listen(self, chat_id: int) -> asyncio.Queue[JSON]:
        """The queue that receives every bot message to ``chat_id`` from now on."""
        queue = self._queues.get(chat_id)
        if queue is None:
            queue = self._queues[chat_id] = asyncio.Queue()
        return queue

    def forget(self, chat_id: int) -> None:
        self._queues.pop(chat_id, None)

    def _emit_bot_message(
        self, chat: JSON, content: JSON, reply_to: JSON | None, markup: JSON | None
    ) -> JSON:
        message = super()._emit_bot_message(chat, content, reply_to, markup)
        self._sent_counts[chat["id"]] = self._sent_counts.get(chat["id"], 0) + 1
        queue = self._queues.get(chat["id"])
        if queue is not None:
            queue.put_nowait(message)
        return message

    def exact_retry_after(self, enabled: bool = True) -> None:
        """Answer a crossed group limit with the exact wait (fractional seconds) as
        retry_after instead of rounding it up to whole seconds: with the window scaled down
        from a minute to a fraction of a second, a whole second would be many windows."""
        self._exact_retry_after = enabled

    def _check_group_limit(self, chat_id: int, count: int) -> None:
        try:
            super()._check_group_limit(chat_id, count)
        except ApiError as error:
            if not self._exact_retry_after or error.status != 429:
                raise
            sends = self._group_sends.get(chat_id)
            limit = self._group_limit or 0
            if sends and 0 < count <= limit:
                free = limit - len(sends)
                wait = sends[count - free - 1] + self._group_window - time.monotonic()
            else:
                wait = self._group_window
            retry_after = max(0.001, round(wait, 3))
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            ) from None

    def sent_count(self, chat_id: int) -> int:
        """How many messages the bot has sent to ``chat_id``."""
        return self._sent_counts.get(chat_id, 0)

    def trim(self) -> None:
        """Drop the call log and update history (they only grow; the benchmarks never read
        them back)."""
        self.calls.clear()
        self.updates.clear()


async def next_reply(queue: asyncio.Queue[JSON], timeout: float = REPLY_TIMEOUT) -> JSON:
    return await asyncio.wait_for(queue.get(), timeout)


def button_data(message: JSON, label: str) -> str:
    """The callback data of the inline button whose text contains ``label``."""
    markup: Any = message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            if label in button.get("text", "") and button.get("callback_data"):
                return str(button["callback_data"])
    raise LookupError(f"no button {label!r}")
