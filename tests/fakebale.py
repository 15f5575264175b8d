"""Bale's dialect of the loopback Bot API server.

Bale (tapi.bale.ai) imitates Telegram's Bot API, but not everywhere, and documents little of
where it differs. :class:`FakeBaleApi` is :class:`tests.fakebotapi.FakeBotApi` with Bale's
differences, each one a switch in :class:`BaleRules` with a comment that names where it is
known from. Where the sources do not say what Bale does, the rule models every variant (a
switch with several values) and the tests run the bot against each.

Sources (read from their published source code):
- Balethon (github.com/Balethon/Balethon), the most complete Python client for Bale;
- python-bale-bot (github.com/python-bale-bot/python-bale-bot);
- Bale.Net (github.com/MrAliSalehi/Bale.Net), a C# client;
- Bale's own samples (github.com/balemessenger/bale-bot-samples).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

from tests.fakebotapi import JSON, ApiError, FakeBotApi

Refusal = Literal["ignored", "refused"]
ForceReplyMode = Literal["dropped", "refused"]


@dataclass
class BaleRules:
    """Bale's differences from Telegram's Bot API; each can be switched off on its own."""

    # No Bale client sends or knows `reply_parameters` (Balethon's send_message and
    # python-bale-bot's send_message take `reply_to_message_id` only): a message threads
    # under another only with `reply_to_message_id`. Whether Bale ignores the unknown field
    # or refuses the call is not documented: both are modelled.
    reply_parameters: Refusal | None = "ignored"
    # No Bale client has a ForceReply markup (Balethon's and python-bale-bot's markups are
    # inline and reply keyboards only): Bale shows no force-reply box. Whether the markup is
    # dropped (the person's next message is then a plain message, not a reply) or refused
    # with 400 is not documented: both are modelled.
    force_reply: ForceReplyMode | None = "dropped"
    # No `my_chat_member` / `chat_member` updates (neither client parses them), and groups
    # are of type "group" (Bale has no supergroups; its chat types are private, group and
    # channel).
    chat_member_updates: bool = False
    group_type: str = "group"
    # Methods Bale does not have (absent from every client's method list): refused with
    # Bale's 404 for an unknown method.
    unsupported_methods: frozenset[str] = frozenset(
        {"setmycommands", "deletemycommands", "setchatmenubutton", "getmycommands"}
    )
    # editMessageReplyMarkup: present in Balethon, absent from python-bale-bot; whether Bale
    # really applies it is unknown, so it can be refused.
    edit_reply_markup_refused: bool = False
    # Bale's wording of a rate limit: "bot limit exceed" (python-bale-bot's errors) or
    # "local_rate_limited" (Bale's gateway), with no `retry_after`, and with status 400 or 429.
    rate_limit_description: str = "bot limit exceed"
    rate_limit_status: int = 400
    # An unknown chat: "no such group or user" (python-bale-bot's and Balethon's error
    # tables), status 400 or 404 (a 404 that is not an invalid token).
    unknown_chat_description: str = "no such group or user"
    unknown_chat_status: int = 400
    # A shared contact may come without `user_id` (Balethon's Contact has it optional and
    # Bale's clients do not always fill it).
    contact_without_user_id: bool = True
    # setWebhook takes the URL only (every client sends `url` and nothing else): no secret
    # header is ever sent with an update; the secret lives in the URL's path.
    webhook_url_only: bool = True
    # getUpdates may hand back updates already confirmed when a poller starts without an
    # offset (Balethon keeps its own last update id for this reason): the last this many.
    redeliver_at_start: int = 20

    def variant(self, **changes: Any) -> BaleRules:
        """A copy with some rules changed."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        values.update(changes)
        return BaleRules(**values)


@dataclass
class _Replay:
    confirmed: list[JSON] = field(default_factory=list)


class FakeBaleApi(FakeBotApi):
    """The loopback Bot API server speaking Bale's dialect (:class:`BaleRules`)."""

    platform = "bale"
    # Bale's group ids are positive numbers of ten digits or more, without Telegram's "-100"
    # (seen in every Bale client's examples and in bots' configuration).
    positive_group_ids = True

    def __init__(self, token: str = "123456:TEST-TOKEN", *, rules: BaleRules | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(token, **kwargs)
        self.rules = rules or BaleRules()
        self._replay = _Replay()
        for name in self.rules.unsupported_methods:
            canonical, _ = self._methods[name]
            self._methods[name] = (canonical, self._unsupported)

    # --- chats ------------------------------------------------------------------------------

    def group(
        self,
        chat_id: int,
        title: str | None = None,
        *,
        username: str | None = None,
        chat_type: str | None = None,
    ) -> JSON:
        """A Bale group: of type "group" unless the rules say otherwise."""
        return super().group(
            chat_id, title, username=username, chat_type=chat_type or self.rules.group_type
        )

    def _deliver_chat_member(self, chat: JSON, by: JSON, old: str, new: str) -> None:
        if self.rules.chat_member_updates:
            super()._deliver_chat_member(chat, by, old, new)

    def send_contact(
        self,
        user_id: int,
        phone_number: str = "+989121234567",
        contact_user_id: int | None = None,
        *,
        omit_user_id: bool | None = None,
        first_name: str | None = None,
        chat_id: int | None = None,
    ) -> JSON:
        """A shared contact, without ``user_id`` when the rules say so."""
        if omit_user_id is None:
            omit_user_id = self.rules.contact_without_user_id and contact_user_id is None
        return super().send_contact(
            user_id, phone_number, contact_user_id, omit_user_id=omit_user_id,
            first_name=first_name, chat_id=chat_id,
        )  # fmt: skip

    # --- what the bot sends -------------------------------------------------------------------

    def _reply_target(self, chat: JSON, params: JSON) -> JSON | None:
        if "reply_parameters" in params:
            if self.rules.reply_parameters == "refused":
                raise ApiError(400, "Bad Request: unknown field reply_parameters")
            if self.rules.reply_parameters == "ignored":
                params = {k: v for k, v in params.items() if k != "reply_parameters"}
        return super()._reply_target(chat, params)

    def _validated_markup(self, params: JSON, *, inline_only: bool = False) -> JSON | None:
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("force_reply"):
            if self.rules.force_reply == "refused":
                raise ApiError(400, "Bad Request: invalid reply_markup")
            if self.rules.force_reply == "dropped":
                return None
        return super()._validated_markup(params, inline_only=inline_only)

    def _edit_message_reply_markup(self, params: JSON) -> JSON:
        if self.rules.edit_reply_markup_refused:
            raise ApiError(400, "Bad Request: method not supported")
        return super()._edit_message_reply_markup(params)

    def _target_chat(self, params: JSON, key: str = "chat_id") -> JSON:
        try:
            return super()._target_chat(params, key)
        except ApiError as error:
            if error.status != 400:
                raise
            raise ApiError(
                self.rules.unknown_chat_status, self.rules.unknown_chat_description
            ) from None

    def _check_group_limit(self, chat_id: int, count: int) -> None:
        try:
            super()._check_group_limit(chat_id, count)
        except ApiError as error:
            if error.status != 429:
                raise
            raise ApiError(
                self.rules.rate_limit_status, self.rules.rate_limit_description
            ) from None

    def _unsupported(self, params: JSON) -> Any:
        raise ApiError(404, "Not Found")

    # --- webhooks and polling ---------------------------------------------------------------

    def _set_webhook(self, params: JSON) -> bool:
        if self.rules.webhook_url_only:
            params = {"url": params.get("url")}
        return super()._set_webhook(params)

    def _confirm(self, offset: Any) -> None:
        before = {u["update_id"] for u in self._pending}
        super()._confirm(offset)
        after = {u["update_id"] for u in self._pending}
        self._replay.confirmed += [u for u in self.updates if u["update_id"] in before - after]

    async def _get_updates(self, params: JSON) -> list[JSON]:
        count = self.rules.redeliver_at_start
        if count and params.get("offset") is None and self._replay.confirmed:
            replay = copy.deepcopy(self._replay.confirmed[-count:])
            return replay + await super()._get_updates({**params, "timeout": 0})
        return await super()._get_updates(params)
