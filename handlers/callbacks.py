"""Callback data: an action name and one argument, built and parsed only here.

Nothing else in a button is trusted: handlers read the rest from the database.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class Action(enum.StrEnum):
    """Every button action the bot knows."""

    SUBMIT = "sub"  # arg: draft id
    EDIT = "edt"  # arg: field key
    CANCEL_ASK = "cxa"  # arg: draft id
    CANCEL_YES = "cxy"  # arg: draft id
    CANCEL_NO = "cxn"  # arg: draft id


_ACTIONS = {a.value: a for a in Action}
_ARG = re.compile(r"[A-Za-z0-9_\-]{0,58}")
PATTERN = re.compile(r"^(?:" + "|".join(re.escape(a.value) for a in Action) + r"):")


@dataclass(frozen=True)
class CallbackData:
    """A parsed button press."""

    action: Action
    arg: str

    def encode(self) -> str:
        """The string sent as callback_data (at most 64 bytes)."""
        if not _ARG.fullmatch(self.arg):
            raise ValueError("callback argument out of shape")
        return f"{self.action.value}:{self.arg}"


def build(action: Action, arg: str | int = "") -> str:
    """callback_data for ``action`` with ``arg``."""
    return CallbackData(action, str(arg)).encode()


def parse(data: str | None) -> CallbackData | None:
    """The press, or None for anything this bot did not make (forged or stale data)."""
    if not data or len(data.encode()) > 64 or ":" not in data:
        return None
    name, arg = data.split(":", 1)
    action = _ACTIONS.get(name)
    if action is None or not _ARG.fullmatch(arg):
        return None
    return CallbackData(action, arg)
