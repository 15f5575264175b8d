"""The playground's office: who is who, the settings the real bot runs with, the loopback
world kept in DATA_DIR, and the order things start and stop in."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from pathlib import Path

from bot.app import BotRuntime
from bot.playground.site import Site, is_loopback
from bot.settings import Settings, load_settings
from domain import texts
from loopback import FakeBaleApi, FakeBotApi, keeping

log = logging.getLogger(__name__)

# Not a secret: this token only ever opens the loopback server in this process.
TOKEN = "1000001:PLAYGROUND-LOOPBACK-ONLY"
BOT_USERNAME = "tvto_playground_bot"
HOLDER_ID = 5_000_001
REVIEWER_ID = 7_000_001
SIGNER_ID = 7_000_002
# Telegram's group ids are negative, Bale's positive (loopback/bale.py).
STAFF_CHAT = {"telegram": -1_001_000_000_001, "bale": 1_000_000_001}
SECURITY_CHAT = {"telegram": -1_001_000_000_002, "bale": 1_000_000_002}
WORLD_DIR = "loopback"
# How long after a change the world is written down (a burst of changes is written once).
SAVE_DELAY = 0.3
# The records of the bot's calls are dropped when they grow past this many.
RECORDS_KEPT = 5_000


class Playground:
    """The real bot, a loopback Bot API server and the playground page, in one process.

    ``data_dir`` holds everything (the bot's database, documents and signing key, and the
    loopback world), so a restart shows the same chats; ``port`` 0 takes any free one.
    """

    def __init__(
        self,
        *,
        data_dir: Path,
        host: str = "127.0.0.1",
        port: int = 8080,
        platform: str = "telegram",
        office_name: str | None = None,
        signer_title: str | None = None,
        log_level: str = "INFO",
    ) -> None:
        if platform not in STAFF_CHAT:
            raise ValueError(f"unknown platform {platform!r}")
        self.data_dir = data_dir
        self.host = host
        self.port = port
        self.platform = platform
        self.office_name = office_name or texts.DEFAULT_OFFICE_NAME
        self.signer_title = signer_title or texts.DEFAULT_SIGNER_TITLE
        self.log_level = log_level
        self.holder_id = HOLDER_ID
        self.reviewer_id = REVIEWER_ID
        self.signer_id = SIGNER_ID
        self.staff_chat_id = STAFF_CHAT[platform]
        self.security_chat_id = SECURITY_CHAT[platform]
        api_class = FakeBaleApi if platform == "bale" else FakeBotApi
        self.api: FakeBotApi = api_class(
            TOKEN, bot_username=BOT_USERNAME, bot_first_name=texts.PLAYGROUND_BOT_NAME
        )
        self.runtime: BotRuntime | None = None
        self.site: Site | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._saver: asyncio.Task[None] | None = None

    @property
    def world_dir(self) -> Path:
        """Where the loopback world is kept."""
        return self.data_dir / WORLD_DIR

    @property
    def url(self) -> str:
        """The page's address."""
        return f"http://{_url_host(self.host)}:{self.port}/"

    @property
    def verify_base_url(self) -> str:
        """What the QR codes hold: this server's verify pages (upper case: QR's dense mode)."""
        return f"HTTP://{_url_host(self.host).upper()}:{self.port}/V"

    def people(self) -> dict[int, str]:
        """The seeded people: user id → name."""
        return {
            self.holder_id: texts.PLAYGROUND_HOLDER_NAME,
            self.reviewer_id: texts.PLAYGROUND_REVIEWER_NAME,
            self.signer_id: texts.PLAYGROUND_SIGNER_NAME,
        }

    def _seed(self) -> None:
        """A new world: the holder, the two staff, their group and the security unit's; the
        holder has pressed «start», as a person opening the bot for the first time does."""
        for user_id, name in self.people().items():
            self.api.user(user_id, first_name=name, language_code="fa")
        self.api.group(self.staff_chat_id, texts.PLAYGROUND_STAFF_GROUP)
        self.api.group(self.security_chat_id, texts.PLAYGROUND_SECURITY_GROUP)
        for staff in (self.reviewer_id, self.signer_id):
            self.api.set_member_status(self.staff_chat_id, staff, "member")
        self.api.set_member_status(self.security_chat_id, self.signer_id, "member")
        self.api.send_command(self.holder_id, "/start")

    def settings(self) -> Settings:
        """The real bot's settings: its Bot API is the loopback server."""
        return load_settings(
            Settings,
            bot_token=TOKEN,
            bot_platform=self.platform,
            bot_api_url=self.api.base_url,
            bot_file_url=self.api.base_file_url,
            bot_proxy_url=None,
            bot_mode="polling",
            data_dir=self.data_dir,
            database_url=None,
            files_url=None,
            signing_key_path=None,
            admin_chat_id=self.staff_chat_id,
            security_chat_id=self.security_chat_id,
            staff=f"{self.reviewer_id}:reviewer,{self.signer_id}:signer",
            single_step_approval=False,
            verify_base_url=self.verify_base_url,
            verify_host=self.host,
            verify_port=self.port,
            office_name=self.office_name,
            signer_title=self.signer_title,
            log_level=self.log_level,
            poll_timeout=25,
            outbox_poll_seconds=1.0,
        )

    async def start(self) -> None:
        """Start the loopback server, the real bot and the page."""
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not keeping.load(self.api, self.world_dir):
            self._seed()
        await self.api.start()
        if self.port == 0:
            self.port = _free_port(self.host)
        if not is_loopback(self.host):
            log.warning(
                "the playground listens on %s: anyone who reaches it can act as staff; "
                "keep VERIFY_HOST at 127.0.0.1 for a playground",
                self.host,
            )
        runtime = BotRuntime(self.settings())
        self.site = Site(self, runtime.web.app)
        try:
            await runtime.start()
            # The signer signs under an official name and title, as every signer must.
            await runtime.store.staff.seed_official(
                self.signer_id, name=texts.PLAYGROUND_SIGNER_OFFICIAL_NAME, title=self.signer_title
            )
        except BaseException:
            await runtime.stop()
            await self._stop_api()
            raise
        self.runtime = runtime
        self._watcher = asyncio.create_task(self._watch(), name="playground-watch")
        log.info("playground ready: open %s in a browser", self.url)

    async def stop(self) -> None:
        """Stop the page, the bot and the server; the world is written down last."""
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        if self.site is not None:
            self.site.close()
        if self.runtime is not None:
            await self.runtime.stop()
            self.runtime = None
        if self._saver is not None:
            self._saver.cancel()
            self._saver = None
        self._save()
        await self._stop_api()

    async def _stop_api(self) -> None:
        try:
            await self.api.stop()
        except AssertionError as exc:  # the loopback server's own bugs, recorded
            log.error("the loopback Bot API hit a bug: %s", exc)

    async def _watch(self) -> None:
        """Tell the page what changed, and write the world down soon after."""
        assert self.site is not None
        while True:
            changed = self.api.next_change()
            if self.site.publish():
                self._save_soon()
            if len(self.api.calls) > RECORDS_KEPT:
                self.site.forget_answers()
                self.api.forget_records()
            await changed.wait()

    def _save_soon(self) -> None:
        if self._saver is None or self._saver.done():
            self._saver = asyncio.create_task(self._save_later(), name="playground-save")

    async def _save_later(self) -> None:
        await asyncio.sleep(SAVE_DELAY)
        self._save()

    def _save(self) -> None:
        try:
            keeping.save(self.api, self.world_dir)
        except OSError as exc:
            log.error("could not keep the playground's chats in %s: %s", self.world_dir, exc)


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0", "::"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _free_port(host: str) -> int:
    """A port free now on ``host``: the QR codes must name it before the server binds."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
