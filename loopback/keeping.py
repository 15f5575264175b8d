"""Keeping the world on disk: what a person would see again after the server restarts.

The tests' server forgets everything when it stops; the playground's (bot/playground) must
not: its chats are what a visitor has done. :func:`save` writes the people, chats, messages,
reply keyboards, force-reply prompts, updates not yet confirmed by the bot, and files to a
directory (one JSON state file, replaced atomically, and one file per stored file, written
once); :func:`load` puts them back into a fresh :class:`~loopback.world.World`. The records
of what the bot did (calls, answers, logs the tests read) are not kept.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from loopback.limits import JSON
from loopback.world import StoredFile, World

STATE_FILE = "world.json"
FILES_DIR = "files"
_VERSION = 1
# StoredFile's fields that are kept (its bytes are kept beside, in FILES_DIR).
_FILE_FIELDS = tuple(f.name for f in fields(StoredFile) if f.name not in ("data", "bytes_served"))


def _by_chat(mapping: dict[int, Any]) -> dict[str, Any]:
    return {str(key): value for key, value in mapping.items()}


def _from_chat(mapping: dict[str, Any]) -> dict[int, Any]:
    return {int(key): value for key, value in mapping.items()}


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def save(world: World, directory: Path) -> None:
    """Write ``world`` to ``directory`` (made, mode 0700, if missing)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    files = directory / FILES_DIR
    files.mkdir(mode=0o700, exist_ok=True)
    for stored in world.files.values():
        path = files / stored.file_id
        if not path.exists():
            _write_atomically(path, stored.data)
    # The next number the world would hand out: taking it leaves a gap, nothing more.
    next_id = next(world._ids)
    world._ids = itertools.count(next_id + 1)
    state: JSON = {
        "version": _VERSION,
        "next_id": next_id,
        "next_update_id": world._next_update_id,
        "users": _by_chat(world._users),
        "chats": _by_chat(world._chats),
        "members": {str(chat): _by_chat(members) for chat, members in world._members.items()},
        "bot_status": _by_chat(world._bot_status),
        "blocked": sorted(world._blocked),
        "messages": {
            str(chat): list(messages.values()) for chat, messages in world._messages.items()
        },
        "last_message_id": _by_chat(world._last_message_id),
        "reply_keyboards": _by_chat(world._reply_keyboards),
        "force_replies": {str(chat): sorted(ids) for chat, ids in world.force_replies.items()},
        "pending": world._pending,
        "files": [
            {name: value for name, value in asdict(stored).items() if name in _FILE_FIELDS}
            for stored in world.files.values()
        ],
    }
    _write_atomically(
        directory / STATE_FILE, json.dumps(state, ensure_ascii=False).encode("utf-8")
    )


def load(world: World, directory: Path) -> bool:
    """Put what :func:`save` wrote in ``directory`` into the fresh ``world``; False if there
    is nothing (or nothing readable) there."""
    try:
        state = json.loads((directory / STATE_FILE).read_bytes())
    except (OSError, ValueError):
        return False
    if not isinstance(state, dict) or state.get("version") != _VERSION:
        return False
    for entry in state["files"]:
        with contextlib.suppress(OSError):
            data = (directory / FILES_DIR / entry["file_id"]).read_bytes()
            stored = StoredFile(data=data, **entry)
            world.files[stored.file_id] = stored
            world._files_by_path[stored.file_path] = stored
    world._ids = itertools.count(int(state["next_id"]))
    world._next_update_id = int(state["next_update_id"])
    world._users = _from_chat(state["users"])
    world._chats = _from_chat(state["chats"])
    world._members = {int(chat): _from_chat(members) for chat, members in state["members"].items()}
    world._bot_status = _from_chat(state["bot_status"])
    world._blocked = {int(user) for user in state["blocked"]}
    world._messages = {
        int(chat): {int(m["message_id"]): m for m in messages}
        for chat, messages in state["messages"].items()
    }
    world._last_message_id = _from_chat(state["last_message_id"])
    world._reply_keyboards = _from_chat(state["reply_keyboards"])
    world.force_replies = {int(chat): set(ids) for chat, ids in state["force_replies"].items()}
    world._pending = list(state["pending"])
    return True
