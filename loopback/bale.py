"""Bale's dialect of the loopback Bot API server.

Bale (tapi.bale.ai) imitates Telegram's Bot API, but not everywhere, and documents little of
where it differs. :class:`FakeBaleApi` is :class:`loopback.FakeBotApi` with Bale's
differences, each one a switch in :class:`BaleRules` with a comment that names where it is
known from. Where the sources do not say what Bale does, the rule models every variant (a
switch with several values) and the tests run the bot against each.

Sources (their published source code; paths are of those repositories):
- Balethon (Balethon/Balethon), the most complete Python client for Bale;
- python-bale-bot (python-bale-bot/python-bale-bot), whose bale/_error.py lists Bale's errors;
- BaleBotNet (RavaqeMehr/BaleBotNet) and Bale.Net (MrAliSalehi/Bale.Net, whose tests run
  against the live API), C# clients;
- Bale's own samples (balemessenger/bale-bot-samples), python-telegram-bot 11 on tapi.bale.ai.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Literal

from loopback.limits import JSON, ApiError
from loopback.server import FakeBotApi

Refusal = Literal["ignored", "refused"]
ForceReplyMode = Literal["dropped", "refused"]


@dataclass
class BaleRules:
    """Bale's differences from Telegram's Bot API; each can be switched off on its own."""

    # No Bale client sends or knows `reply_parameters` (Balethon's
    # client/messages/send_message.py and python-bale-bot's bale/_bot.py send_message take
    # `reply_to_message_id` only): a message threads
    # under another only with `reply_to_message_id`. Whether Bale ignores the unknown field
    # or refuses the call is not documented: both are modelled.
    reply_parameters: Refusal | None = "ignored"
    # No Bale client has a ForceReply markup (Balethon's objects/reply_markup.py and
    # BaleBotNet's Types/IReplyMarkup.cs know inline and reply keyboards and their removal):
    # Bale shows no force-reply box. Whether the markup is dropped (the person's next message
    # is then a plain message, not a reply) or refused with 400 is not documented: both are
    # modelled.
    force_reply: ForceReplyMode | None = "dropped"
    # No `my_chat_member` / `chat_member` updates (no client's Update parses them: Balethon's
    # objects/update.py, python-bale-bot's bale/_update.py), and groups are of type "group"
    # (Balethon's enums/chat_type.py: private, group and channel).
    chat_member_updates: bool = False
    group_type: str = "group"
    # Methods Bale does not have (absent from every client's method list): refused with
    # Bale's 404 for an unknown method.
    unsupported_methods: frozenset[str] = frozenset(
        {"setmycommands", "deletemycommands", "setchatmenubutton", "getmycommands"}
    )
    # editMessageReplyMarkup: a "new api method" in BaleBotNet and Balethon only since
    # November 2025, absent from python-bale-bot and Bale.Net: it can be refused.
    edit_reply_markup_refused: bool = False
    # Bale's wording of a rate limit: "bot limit exceed" or "local_rate_limited"
    # (python-bale-bot's bale/_error.py), with no `retry_after`, and with status 400 (its 2022
    # code received both with 400) or 429 (Balethon's network/httpconnection.py).
    rate_limit_description: str = "bot limit exceed"
    rate_limit_status: int = 400
    # An unknown chat: "no such group or user" (python-bale-bot's bale/_error.py), status 400
    # or 404 (Balethon's getChat raises a 404 for it): a 404 that is not an invalid token.
    unknown_chat_description: str = "no such group or user"
    unknown_chat_status: int = 400
    # A shared contact may come without `user_id` (optional in Balethon's
    # objects/contact.py, python-bale-bot's attachments/_contact.py and BaleBotNet's
    # Types/Contact.cs).
    contact_without_user_id: bool = True
    # setWebhook takes the URL only (Balethon's client/updates/set_webhook.py and every other
    # client send `url` alone; none knows X-Telegram-Bot-Api-Secret-Token): no secret header
    # comes with an update, so the secret lives in the URL's path.
    webhook_url_only: bool = True
    # getUpdates may hand back updates already confirmed when a poller starts without an
    # offset (Balethon skips ids it has seen, commit "Fixed repeated updates"; Bale.Net keeps
    # a cache of update ids): the last this many.
    redeliver_at_start: int = 20

    # Bale's clients read commands from the text, not from entities (Balethon's command
    # condition splits the text; python-bale-bot's too): whether Bale marks `/start` with a
    # bot_command entity is not documented, so updates can come without it.
    command_entities: bool = True
    # Some Bale clients' models have no CallbackQuery.chat_instance (BaleBotNet) and no
    # file_unique_id (Balethon, Bale.Net); Telegram always sends both.
    chat_instance: bool = True
    file_unique_ids: bool = True

    def variant(self, **changes: Any) -> BaleRules:
        """A copy with some rules changed."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        values.update(changes)
        return BaleRules(**values)


class FakeBaleApi(FakeBotApi):
    """The loopback Bot API server speaking Bale's dialect (:class:`BaleRules`)."""

    platform = "bale"
    # Bale's group ids are positive numbers of ten digits or more, without Telegram's "-100"
    # (seen in every Bale client's examples and in bots' configuration).
    positive_group_ids = True

    def __init__(
        self, token: str = "123456:TEST-TOKEN", *, rules: BaleRules | None = None, **kwargs: Any
    ) -> None:
        super().__init__(token, **kwargs)
        self.rules = rules or BaleRules()
        self._confirmed: list[JSON] = []  # what getUpdates may hand back again
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

    def _deliver(self, update: JSON) -> JSON:
        """Updates as Bale may send them: without what the rules say it leaves out."""
        rules = self.rules
        message = update.get("message")
        if isinstance(message, dict):
            if not rules.command_entities and message.get("entities"):
                kept = [e for e in message["entities"] if e.get("type") != "bot_command"]
                message = {k: v for k, v in message.items() if k != "entities"}
                if kept:
                    message["entities"] = kept
            if not rules.file_unique_ids:
                message = _without_unique_ids(message)
            update = {**update, "message": message}
        query = update.get("callback_query")
        if isinstance(query, dict) and not rules.chat_instance:
            update = {
                **update,
                "callback_query": {k: v for k, v in query.items() if k != "chat_instance"},
            }
        return super()._deliver(update)

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
            user_id,
            phone_number,
            contact_user_id,
            omit_user_id=omit_user_id,
            first_name=first_name,
            chat_id=chat_id,
        )

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
        self._confirmed += [u for u in self.updates if u["update_id"] in before - after]

    async def _get_updates(self, params: JSON) -> list[JSON]:
        count = self.rules.redeliver_at_start
        if count and params.get("offset") is None and self._confirmed:
            replay = copy.deepcopy(self._confirmed[-count:])
            return replay + await super()._get_updates({**params, "timeout": 0})
        return await super()._get_updates(params)


def _without_unique_ids(message: JSON) -> JSON:
    message = copy.deepcopy(message)
    for key in ("photo", "document", "video", "voice", "audio", "animation", "sticker"):
        value = message.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                item.pop("file_unique_id", None)
    return message
