"""BOT_PROXY_URL: the bot reaches the Bot API, and downloads files, through a real proxy.

The proxy is pproxy (http, socks5 and http over TLS) in a child process on loopback, with a
user and password, logging every tunnel it opens.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import ipaddress
import logging
import re
import socket
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.app import BotRuntime, StartAbandoned
from bot.settings import Settings, SettingsError, load_settings
from domain import texts
from loopback import FakeBotApi
from rendering.qr import make_qr
from tests.conftest import bot_settings
from tests.driver import Applicant

PASSWORD = "s3cret-Pass"  # never in a log line


def free_port() -> int:
    """A loopback port nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Proxy:
    """pproxy in a child process: ``listen`` is its listening URI without host and port."""

    def __init__(self, listen: str, *, port: int | None = None, cert: Path | None = None) -> None:
        self.listen = listen
        self.port = port or free_port()
        self.cert = cert
        self.lines: list[str] = []
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        args = ["-l", f"{self.listen}://127.0.0.1:{self.port}#tester:{PASSWORD}"]
        args += ["-v", "--auth", "0"]  # every connection authenticates, not once per address
        if self.cert is not None:
            args += ["--ssl", f"{self.cert},{self.cert.with_suffix('.key')}"]
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-u",
            "-m",
            "pproxy",
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read(self._process))
        try:
            await until(lambda: any("Serving on" in line for line in self.lines), 10, "pproxy")
        except BaseException:
            await self.stop()
            raise

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        async for line in process.stdout:
            self.lines.append(line.decode(errors="replace").strip())

    async def stop(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            await self._process.wait()
        if self._reader is not None:
            await self._reader
        self._process = self._reader = None

    def tunnels(self, protocol: str, to_port: int) -> list[str]:
        """The tunnels it opened with ``protocol`` to 127.0.0.1:``to_port``."""
        pattern = re.compile(rf"^{protocol} 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:{to_port}$")
        return [line for line in self.lines if pattern.match(line)]


async def until(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Wait until ``condition()`` holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def self_signed(directory: Path) -> Path:
    """A certificate for 127.0.0.1 (``proxy.pem``) and its key (``proxy.key``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "loopback proxy")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = directory / "proxy.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    path.with_suffix(".key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def qr_photo(text: str) -> bytes:
    """A photo of a QR code holding ``text``."""
    buffer = io.BytesIO()
    make_qr(text, box_size=8).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def problems(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Warnings and errors logged."""
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def attempts(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The failed attempts to reach the Bot API at start."""
    return [r for r in problems(caplog) if r.getMessage().startswith("Bot API unreachable")]


@pytest.mark.parametrize(
    ("scheme", "listen", "tunnel"),
    [
        ("http", "http+socks5", "http"),
        ("socks5", "http+socks5", "socks5"),
        ("socks5h", "http+socks5", "socks5"),
        ("https", "http+ssl", "http"),  # TLS to the proxy itself
    ],
)
async def test_the_bot_answers_and_downloads_photos_only_through_the_proxy(
    api: FakeBotApi,
    data_dir: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    scheme: str,
    listen: str,
    tunnel: str,
) -> None:
    caplog.set_level(logging.INFO)
    cert = None
    if scheme == "https":
        cert = self_signed(tmp_path)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the bot trusts this proxy
    proxy = Proxy(listen, cert=cert)
    await proxy.start()
    url = f"{scheme}://tester:{PASSWORD}@127.0.0.1:{proxy.port}"
    runtime = BotRuntime(bot_settings(api, data_dir, bot_proxy_url=url))
    applicant = Applicant(api, user_id=7001, first_name="نرگس")
    welcome = texts.WELCOME.format(name=applicant.first_name)
    try:
        await runtime.start()
        assert (await applicant.command("start"))["text"] == welcome
        # A photo outside any form is scanned for a confirmation's QR code: the answer says
        # what the code holds, so the photo's bytes were downloaded.
        answer = await applicant.send_photo(qr_photo("HTTPS://EXAMPLE.ORG/SOMETHING-ELSE"))
        assert answer["text"] == texts.VERIFY_NOT_OURS
        assert api.calls_of("getFile")
        # One pool for getUpdates, one for everything else: both through the proxy.
        assert len(proxy.tunnels(tunnel, api.port)) >= 2, proxy.lines
        await runtime.intake.drain()  # the handler has read the answer to its reply

        # There is no way around the proxy: without it the bot hears nothing ...
        await proxy.stop()
        api.send_command(applicant.user_id, "/start")
        await until(
            lambda: any("getUpdates failed" in r.getMessage() for r in problems(caplog)),
            10,
            "getUpdates to fail",
        )
        await api.expect_no_message(applicant.user_id, wait=0.5)
        # ... and it hears again once the proxy is back.
        await proxy.start()
        assert (await applicant.reply(timeout=20))["text"] == welcome
    finally:
        await runtime.stop()
        await proxy.stop()

    logged = [r.getMessage() for r in caplog.records]
    assert not any(PASSWORD in line or "tester" in line for line in logged)
    assert f"bot started (telegram, polling, through {scheme}://127.0.0.1:{proxy.port})" in logged
    assert not [r for r in caplog.records if r.exc_info], "a network failure logged a traceback"


@pytest.mark.parametrize(
    ("scheme", "problem", "says"),
    [
        ("http", "wrong password", "ProxyError: 407 Proxy Authentication Required"),
        ("socks5", "nothing listening", "Couldn't connect to proxy 127.0.0.1:"),
    ],
)
async def test_a_wrong_proxy_is_one_clear_line_per_attempt(
    api: FakeBotApi,
    data_dir: Path,
    caplog: pytest.LogCaptureFixture,
    scheme: str,
    problem: str,
    says: str,
) -> None:
    proxy = Proxy("http+socks5")
    password = PASSWORD
    if problem == "wrong password":
        await proxy.start()
        password = "not-the-Password"
    url = f"{scheme}://tester:{password}@127.0.0.1:{proxy.port}"
    runtime = BotRuntime(bot_settings(api, data_dir, bot_proxy_url=url))
    starting = asyncio.create_task(runtime.start())
    try:
        await until(lambda: len(attempts(caplog)) >= 2, 10, "two failed attempts")
        runtime.abandon_start()
        with pytest.raises(StartAbandoned):
            await asyncio.wait_for(starting, 10)
    finally:
        await runtime.stop()
        await proxy.stop()

    assert not api.calls, "nothing reached the Bot API"
    lines = [r.getMessage() for r in attempts(caplog)]
    for line, wait in zip(lines, ("1", "2"), strict=False):
        assert line.startswith(
            f"Bot API unreachable through {scheme}://127.0.0.1:{proxy.port} (getMe: NetworkError"
        ), line
        assert says in line and line.endswith(f"; retrying in {wait} s"), line
    assert not any(password in line or "\n" in line for line in lines)
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://tester:s3cret-Pass@127.0.0.1:21",
        "socks4://tester:s3cret-Pass@127.0.0.1:1080",
        "socks5://tester:s3cret-Pass@127.0.0.1",  # no port
        "http://tester:s3cret-Pass@127.0.0.1:port",
        "http://tester:s3cret-Pass@:3128",  # no host
        "tester:s3cret-Pass@127.0.0.1:1080",  # no scheme
        "http://tester:s3cret-Pass@127.0.0.1:3128/path",
    ],
)
def test_a_wrong_proxy_url_is_named_in_one_line_without_its_password(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "1:x")
    monkeypatch.setenv("ADMIN_CHAT_ID", "-1")
    monkeypatch.setenv("BOT_PROXY_URL", url)
    with pytest.raises(SettingsError) as raised:
        load_settings(Settings, _env_file=None)
    message = str(raised.value)
    assert message.startswith("setting BOT_PROXY_URL ") and "socks5h://" in message
    assert PASSWORD not in message and "\n" not in message


def test_a_proxy_url_keeps_its_credentials_out_of_sight(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "1:x")
    monkeypatch.setenv("ADMIN_CHAT_ID", "-1")
    monkeypatch.setenv("BOT_PROXY_URL", f"SOCKS5H://tester:{PASSWORD}%40@127.0.0.1:1080/")
    settings = load_settings(Settings, _env_file=None)
    assert settings.proxy_url == f"socks5h://tester:{PASSWORD}%40@127.0.0.1:1080"
    assert settings.proxy_label == "socks5h://127.0.0.1:1080"
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings.model_dump())
    monkeypatch.setenv("BOT_PROXY_URL", "")
    assert load_settings(Settings, _env_file=None).proxy_url is None
