"""Callback data: an action name and one argument, built and parsed only here.

Nothing else in a button is trusted: handlers read the rest from the database.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from domain import workflow
from domain.digits import parse_id


class Action(enum.StrEnum):
    """Every button action the bot knows."""

    SUBMIT = "sub"  # arg: draft id
    EDIT = "edt"  # arg: field key
    CANCEL_ASK = "cxa"  # arg: draft id
    CANCEL_YES = "cxy"  # arg: draft id
    CANCEL_NO = "cxn"  # arg: draft id
    WITHDRAW_ASK = "wda"  # arg: request id (the applicant's own)
    WITHDRAW_YES = "wdy"  # arg: request id
    # Staff actions on a request card; arg: request id.
    REVIEW = "rv"
    CLASSIFY_BOOKS = "c1"
    CLASSIFY_CENTRE = "c2"
    CLASSIFY_MECHANIZED = "c3"
    ASK = "ak"
    RECOMMEND = "rc"
    APPROVE = "ap"
    REJECT = "rj"
    FORGE = "fg"
    REVOKE = "rk"
    ASK_CENTRE = "ac"
    SIGN_CENTRE_LETTER = "sc"
    SIGN_NOT_AUTHENTIC = "sa"
    RETURN_LETTER = "rl"
    CENTRE_FOUND = "cf"
    CENTRE_NOT_FOUND = "cn"


# Which workflow act each staff button stands for: the action of the act's name.
STAFF_ACTS: dict[Action, str] = {Action[act.name]: act.value for act in workflow.STAFF_ACTS}
STAFF_BUTTONS: dict[str, Action] = {act: action for action, act in STAFF_ACTS.items()}


_ACTIONS = {a.value: a for a in Action}
_ARG = re.compile(r"[A-Za-z0-9_\-]{0,58}")


@dataclass(frozen=True)
class CallbackData:
    """A parsed button press."""

    action: Action
    arg: str

    @property
    def number(self) -> int | None:
        """The argument as an id, or None when it is not one (forged, or beyond 64 bits)."""
        return parse_id(self.arg)

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


def _pattern(actions: object) -> re.Pattern[str]:
    names = "|".join(re.escape(a.value) for a in actions)  # type: ignore[attr-defined]
    return re.compile(r"^(?:" + names + r"):")


FORM_ACTIONS = frozenset(
    {Action.SUBMIT, Action.EDIT, Action.CANCEL_ASK, Action.CANCEL_YES, Action.CANCEL_NO}
)
APPLICANT_ACTIONS = FORM_ACTIONS | {Action.WITHDRAW_ASK, Action.WITHDRAW_YES}
FORM_PATTERN = _pattern(APPLICANT_ACTIONS)
STAFF_PATTERN = _pattern(STAFF_ACTS)
