"""Keyboards built from the text catalogue and form descriptions."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from domain import texts
from domain.forms import Field, Form, InputKind
from handlers import callbacks
from handlers.callbacks import STAFF_BUTTONS, Action


def main_menu() -> ReplyKeyboardMarkup:
    """The menu shown outside a conversation."""
    return ReplyKeyboardMarkup(
        [[texts.MENU_DUPLICATE], [texts.MENU_INQUIRY], [texts.MENU_STATUS, texts.MENU_HELP]],
        resize_keyboard=True,
        is_persistent=True,
    )


def for_field(field: Field) -> ReplyKeyboardMarkup:
    """The reply keyboard that goes with a field's question."""
    rows: list[list[KeyboardButton]] = []
    if field.kind is InputKind.MOBILE:
        rows.append([KeyboardButton(texts.BUTTON_SHARE_CONTACT, request_contact=True)])
    elif field.kind is InputKind.CHOICE:
        rows.extend([KeyboardButton(c.label)] for c in field.choices)
    elif field.optional:
        rows.append([KeyboardButton(texts.BUTTON_DONT_KNOW)])
    rows.append([KeyboardButton(texts.BUTTON_CANCEL)])
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True)


def summary(form: Form, draft_id: str) -> InlineKeyboardMarkup:
    """Confirm, or correct any one field."""
    rows = [
        [
            InlineKeyboardButton(
                texts.BUTTON_SUBMIT, callback_data=callbacks.build(Action.SUBMIT, draft_id)
            )
        ]
    ]
    edit_buttons = [
        InlineKeyboardButton(
            texts.BUTTON_EDIT.format(label=f.label),
            callback_data=callbacks.build(Action.EDIT, f.key),
        )
        for f in form.fields
    ]
    rows.extend(edit_buttons[i : i + 2] for i in range(0, len(edit_buttons), 2))
    rows.append(
        [
            InlineKeyboardButton(
                texts.BUTTON_CANCEL, callback_data=callbacks.build(Action.CANCEL_ASK, draft_id)
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


def cancel_confirm(draft_id: str) -> InlineKeyboardMarkup:
    """Ask before throwing a draft away."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.BUTTON_CANCEL_YES,
                    callback_data=callbacks.build(Action.CANCEL_YES, draft_id),
                ),
                InlineKeyboardButton(
                    texts.BUTTON_CANCEL_NO,
                    callback_data=callbacks.build(Action.CANCEL_NO, draft_id),
                ),
            ]
        ]
    )


def staff_card(request_id: int, acts: Sequence[str]) -> InlineKeyboardMarkup | None:
    """The buttons for the actions allowed on a request now (none when it is closed)."""
    buttons = [
        InlineKeyboardButton(
            texts.ACT_BUTTONS[act], callback_data=callbacks.build(STAFF_BUTTONS[act], request_id)
        )
        for act in acts
        if act in STAFF_BUTTONS
    ]
    if not buttons:
        return None
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def withdraw(request_id: int, *, confirm: bool = False) -> InlineKeyboardMarkup:
    """Offer (or confirm) withdrawing one's own open request."""
    if confirm:
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        texts.BUTTON_WITHDRAW_YES,
                        callback_data=callbacks.build(Action.WITHDRAW_YES, request_id),
                    )
                ]
            ]
        )
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.BUTTON_WITHDRAW,
                    callback_data=callbacks.build(Action.WITHDRAW_ASK, request_id),
                )
            ]
        ]
    )
