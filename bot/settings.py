"""Typed settings, read from the environment and an optional ``.env`` file.

Every setting is listed in README's table. A missing or wrong value stops the bot with one line
that names the setting (see :func:`load_settings`).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain import texts
from domain.deadlines import WorkCalendar, parse_holidays
from domain.workflow import Role

if TYPE_CHECKING:
    from bot.issuance import Letterhead
    from storage.store import Store

PLATFORM_URLS: dict[str, tuple[str, str]] = {
    "telegram": ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot"),
    "bale": ("https://tapi.bale.ai/bot", "https://tapi.bale.ai/file/bot"),
}


# BOT_PROXY_URL's schemes: https is TLS to the proxy; socks5 and socks5h both have the proxy
# resolve the API's host name.
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")

T = TypeVar("T", bound="StorageSettings")


class SettingsError(Exception):
    """A setting is missing or wrong; the message names it and never echoes secrets."""


class StorageSettings(BaseSettings):
    """Where the data lives: enough for ``migrate`` and ``export``, which need no token."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    data_dir: Path = Path("data")
    database_url: str | None = None
    files_url: str | None = None
    signing_key_path: Path | None = None

    @property
    def effective_database_url(self) -> str:
        """DATABASE_URL, or an SQLite file in DATA_DIR."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'bot.sqlite3').resolve()}"

    @property
    def files_dir(self) -> Path:
        """The local documents directory (when FILES_URL is not an object store)."""
        return self.data_dir / "files"

    @property
    def effective_files_url(self) -> str:
        """FILES_URL, or DATA_DIR/files."""
        return self.files_url or str(self.files_dir)

    def open_store(self, **options: Any) -> Store:
        """The store these settings describe (database, documents, signing keys).

        DATA_DIR is made first (mode 0700): every command may be the first on a fresh clone.
        """
        from storage.store import Store

        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        return Store.open(
            self.effective_database_url,
            self.effective_files_url,
            signing_key_path=self.key_path,
            public_keys_file=self.public_keys_file,
            **options,
        )

    @property
    def key_path(self) -> Path:
        """The private signing key file."""
        return self.signing_key_path or self.data_dir / "signing-key.pem"

    @property
    def public_keys_file(self) -> Path:
        """Where the published keys are copied for offline verification."""
        return self.data_dir / "public-keys.json"


class VerifySettings(StorageSettings):
    """The public verification server: enough for ``serve-verify``, which needs no token."""

    verify_host: str = "127.0.0.1"
    verify_port: int = Field(default=8080, ge=0, le=65535)
    verify_trust_proxy: bool = False
    verify_per_minute: int = Field(default=60, ge=1)
    verify_check_per_minute: int = Field(default=10, ge=1)
    verify_header_timeout: float = Field(default=20.0, gt=0)
    verify_body_timeout: float = Field(default=20.0, gt=0)
    office_name: str = texts.DEFAULT_OFFICE_NAME
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class PlaygroundSettings(VerifySettings):
    """What decides whether the playground runs, and what it takes from the settings: with
    no BOT_TOKEN, ``python -m bot`` runs the local playground (bot.playground) instead of a
    real bot; the playground keeps its data in DATA_DIR/playground."""

    bot_token: SecretStr | None = None
    bot_platform: Literal["telegram", "bale"] = "telegram"
    signer_title: str = texts.DEFAULT_SIGNER_TITLE

    @property
    def token_configured(self) -> bool:
        """A BOT_TOKEN is set (an empty one is not)."""
        return self.bot_token is not None and bool(self.bot_token.get_secret_value().strip())

    @property
    def playground_dir(self) -> Path:
        """The playground's own data directory: never the real bot's data."""
        return self.data_dir / "playground"


class Settings(VerifySettings):
    """All settings of one bot process."""

    bot_token: SecretStr = Field(description="Bot token from BotFather (or Bale's bot father).")
    bot_platform: Literal["telegram", "bale"] = "telegram"
    bot_api_url: str | None = None
    bot_file_url: str | None = None
    # A secret: its user:password must never be logged (see proxy_label).
    bot_proxy_url: SecretStr | None = None
    admin_chat_id: int
    draft_ttl_days: float = Field(default=7.0, gt=0)
    bot_mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    outbox_poll_seconds: float = Field(default=2.0, gt=0)
    max_concurrent_updates: int = Field(default=64, ge=1, le=1024)
    claim_lease_seconds: float = Field(default=60.0, gt=0)
    security_chat_id: int | None = None
    staff: str = ""
    single_step_approval: bool = False
    holidays: str = ""
    digest_time: dt.time = dt.time(8, 0)
    verify_base_url: str | None = None
    signer_title: str = texts.DEFAULT_SIGNER_TITLE
    # The letterhead and the foot of every document.
    parent_body: str = texts.DEFAULT_PARENT_BODY
    logo_path: Path | None = None
    office_address: str | None = None
    office_phone: str | None = None
    office_postcode: str | None = None
    poll_timeout: int = Field(default=30, ge=0, le=120)
    group_messages_per_minute: int = Field(default=20, ge=1)
    group_rate_period_seconds: float = Field(default=60.0, gt=0)
    overall_messages_per_second: int = Field(default=30, ge=1)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if not token or ":" not in token or any(c.isspace() for c in token):
            raise ValueError("must look like 123456:ABC… (the token BotFather gave)")
        return SecretStr(token)

    @field_validator("staff")
    @classmethod
    def _staff_shape(cls, value: str) -> str:
        parse_staff(value)
        return value

    @field_validator("holidays")
    @classmethod
    def _holidays_shape(cls, value: str) -> str:
        parse_holidays(value)
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        secret = value.get_secret_value()
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", secret):
            raise ValueError("must be 16-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_complete(self) -> Settings:
        if self.bot_mode == "webhook":
            if not self.webhook_url:
                raise ValueError("WEBHOOK_URL is required when BOT_MODE=webhook")
            if self.webhook_secret is None:
                raise ValueError("WEBHOOK_SECRET is required when BOT_MODE=webhook")
        return self

    @property
    def webhook_path(self) -> str:
        """The path the webhook is served on: WEBHOOK_URL's path (it should end in a secret)."""
        return urlsplit(self.webhook_url or "").path or "/webhook"

    @field_validator("verify_base_url")
    @classmethod
    def _verify_url_shape(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.lower().startswith(("http://", "https://")):
            raise ValueError(
                "must be an http:// or https:// URL, e.g. HTTPS://VERIFY.EXAMPLE.IR/V"
            )
        return value.rstrip("/")

    @field_validator("bot_api_url", "bot_file_url")
    @classmethod
    def _url_shape(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("bot_proxy_url")
    @classmethod
    def _proxy_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        parts = urlsplit(value.get_secret_value().strip())
        try:
            port = parts.port
        except ValueError:
            port = None
        if (
            parts.scheme.lower() not in PROXY_SCHEMES
            or not parts.hostname
            or port is None
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
        ):
            # Never the value itself: it may hold a password.
            raise ValueError(
                "must be SCHEME://[USER:PASSWORD@]HOST:PORT with SCHEME one of "
                f"{', '.join(PROXY_SCHEMES)}, e.g. socks5h://127.0.0.1:1080"
            )
        return SecretStr(parts._replace(path="").geturl())

    @property
    def proxy_url(self) -> str | None:
        """BOT_PROXY_URL, credentials included, for the transport only."""
        return None if self.bot_proxy_url is None else self.bot_proxy_url.get_secret_value()

    @property
    def proxy_label(self) -> str | None:
        """BOT_PROXY_URL without its credentials, for logs: ``socks5h://127.0.0.1:1080``."""
        if self.proxy_url is None:
            return None
        parts = urlsplit(self.proxy_url)
        return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"

    @property
    def api_url(self) -> str:
        """The Bot API base URL, the token appended by python-telegram-bot."""
        return self.bot_api_url or PLATFORM_URLS[self.bot_platform][0]

    @property
    def file_url(self) -> str:
        """The file download base URL, the token appended by python-telegram-bot."""
        return self.bot_file_url or PLATFORM_URLS[self.bot_platform][1]

    @field_validator("logo_path")
    @classmethod
    def _logo_shape(cls, value: Path | None) -> Path | None:
        if value is None or not str(value).strip():
            return None
        from rendering.logo import load_logo

        try:
            load_logo(value.read_bytes())
        except OSError as exc:
            raise ValueError(f"cannot be read ({exc.strerror or exc})") from None
        except ValueError as exc:
            raise ValueError(f"is not a usable logo: {exc}") from None
        return value

    @property
    def letterhead(self) -> Letterhead:
        """PARENT_BODY, LOGO_PATH and OFFICE_ADDRESS/PHONE/POSTCODE, for the documents."""
        from bot.issuance import Letterhead

        return Letterhead(
            parent_body=self.parent_body.strip() or None,
            logo=self.logo_path.read_bytes() if self.logo_path is not None else None,
            address=self.office_address or None,
            phone=self.office_phone or None,
            postcode=self.office_postcode or None,
        )

    @property
    def staff_roles(self) -> dict[int, frozenset[Role]]:
        """STAFF as user id → roles."""
        return parse_staff(self.staff)

    @property
    def calendar(self) -> WorkCalendar:
        """The office's working days: Friday off, and HOLIDAYS."""
        return WorkCalendar(parse_holidays(self.holidays))

    @property
    def allowed_groups(self) -> frozenset[int]:
        """The groups the bot stays in."""
        groups = {self.admin_chat_id}
        if self.security_chat_id is not None:
            groups.add(self.security_chat_id)
        return frozenset(groups)

    @property
    def claim_lease(self) -> dt.timedelta:
        """How long a claim on an update or outbox message holds before others take it."""
        return dt.timedelta(seconds=self.claim_lease_seconds)

    @property
    def draft_ttl(self) -> dt.timedelta:
        """How long an untouched draft is kept."""
        return dt.timedelta(days=self.draft_ttl_days)


def parse_staff(value: str) -> dict[int, frozenset[Role]]:
    """``"111:admin+reviewer, 222:signer"`` → {111: {admin, reviewer}, 222: {signer}}."""
    staff: dict[int, frozenset[Role]] = {}
    for entry in value.replace(";", ",").split(","):
        entry = entry.strip()
        if not entry:
            continue
        user, _, roles = entry.partition(":")
        if not user.strip().lstrip("-").isdigit() or not roles:
            raise ValueError(f"entry {entry!r} must look like 123456:reviewer+signer")
        try:
            parsed = frozenset(Role(r.strip().lower()) for r in roles.split("+"))
        except ValueError:
            raise ValueError(
                f"entry {entry!r}: roles are {', '.join(r.value for r in Role)}"
            ) from None
        staff[int(user)] = staff.get(int(user), frozenset()) | parsed
    return staff


def load_settings(cls: type[T], **overrides: object) -> T:
    """Read and validate settings, turning pydantic's report into one line per bad setting."""
    try:
        return cls(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            reason = "is missing" if error["type"] == "missing" else str(error["msg"])
            reason = reason.removeprefix("Value error, ")  # our validators' own words
            if not error["loc"]:  # a rule across settings; its message names them
                lines.append(reason)
                continue
            lines.append(f"setting {str(error['loc'][0]).upper()} {reason}")
        raise SettingsError("; ".join(lines)) from None
