"""Logging: UTC timestamps, no secrets, no personal data."""

from __future__ import annotations

import logging
import re
import time

_NATIONAL_CODE = re.compile(r"(?<!\d)(\d)\d{6}(\d{3})(?!\d)")
_MOBILE = re.compile(r"(?<!\d)09\d{5}(\d{4})(?!\d)")


class RedactingFilter(logging.Filter):
    """Masks the bot token, national codes and mobile numbers in every record."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redact(text)
        return True

    def redact(self, text: str) -> str:
        """``text`` with secrets and personal numbers masked."""
        for secret in self._secrets:
            text = text.replace(secret, "<token>")
            _, _, rest = secret.partition(":")
            if rest:
                text = text.replace(rest, "<token>")
        text = _NATIONAL_CODE.sub(r"\1******\2", text)
        return _MOBILE.sub(r"09*****\1", text)


def setup_logging(level: str, secrets: list[str]) -> None:
    """Configure the root logger once for the process."""
    formatter = logging.Formatter(
        "%(asctime)sZ %(levelname)s %(name)s: %(message)s", datefmt="%Y-%m-%dT%H:%M:%S"
    )
    formatter.converter = time.gmtime
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL, and Bot API URLs carry the token; alembic's plugin set-up
    # says seven lines at every start.
    for noisy in (
        "httpx",
        "httpcore",
        "apscheduler",
        "aiosqlite",
        "asyncio",
        "alembic.runtime.plugins",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
