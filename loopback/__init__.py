"""A Telegram Bot API server on loopback, in Telegram's dialect and in Bale's, with the people
who talk to the bot through it; and the samples and settings the tests and the benchmarks
share.

The parts: :mod:`loopback.limits` (the Bot API's limits and error texts),
:mod:`loopback.decoding` (request bodies, typed parameters, uploads), :mod:`loopback.world`
(users, chats, messages, files: the server's state), :mod:`loopback.methods` (the Bot API
methods), :mod:`loopback.people` (what people do and see), :mod:`loopback.server`
(:class:`FakeBotApi`: HTTP, lifecycle, armed failures and delays), :mod:`loopback.bale` (Bale's
dialect), :mod:`loopback.keeping` (the world on disk, for the playground),
:mod:`loopback.samples` and :mod:`loopback.environment`.
"""

from loopback import keeping
from loopback.bale import BaleRules, FakeBaleApi
from loopback.decoding import Upload, normalize_params, uploads_in
from loopback.environment import BOT_VARIABLES, environment_for, fresh_postgres, settings_for
from loopback.limits import JSON, ApiError
from loopback.samples import STORED_ANSWERS, jpeg, pdf
from loopback.server import FakeBotApi
from loopback.world import Call, Failure, StoredFile

__all__ = [
    "BOT_VARIABLES",
    "JSON",
    "STORED_ANSWERS",
    "ApiError",
    "BaleRules",
    "Call",
    "Failure",
    "FakeBaleApi",
    "FakeBotApi",
    "StoredFile",
    "Upload",
    "environment_for",
    "fresh_postgres",
    "jpeg",
    "keeping",
    "normalize_params",
    "pdf",
    "settings_for",
    "uploads_in",
]
