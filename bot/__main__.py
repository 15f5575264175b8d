"""Command line: ``python -m bot [run|migrate|export|…]``. Running the bot is the default."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import registry_cli
from bot.logs import setup_logging
from bot.settings import (
    PlaygroundSettings,
    Settings,
    SettingsError,
    StorageSettings,
    VerifySettings,
    load_settings,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="TVTO skill-assessment office bot (Telegram/Bale). "
        "Settings come from the environment or a .env file; see README.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "run", help="run the bot (the default); with no BOT_TOKEN, the local playground"
    )
    commands.add_parser(
        "playground",
        help="the whole office on this machine, in a browser, with no messenger (no token)",
    )
    commands.add_parser("migrate", help="bring the database schema up to date")
    commands.add_parser(
        "doctor", help="check the settings, the Bot API, the groups, the database, the key"
    )
    commands.add_parser(
        "serve-verify", help="serve only the public verification pages (no bot; no token needed)"
    )
    export = commands.add_parser("export", help="write every request to stdout")
    export.add_argument(
        "--format", choices=("jsonl", "csv"), default="jsonl", help="output format (jsonl)"
    )
    audit = commands.add_parser("audit", help="print a request's history from the audit trail")
    audit.add_argument("code", help="the tracking code")
    verify = commands.add_parser(
        "verify", help="check a confirmation offline: a token, a PNG/JPEG of it, or its PDF"
    )
    verify.add_argument("what", help="the token, the verify URL, or a path to an image or PDF")
    verify.add_argument(
        "--keys", help="published keys (JSON from /keys); default DATA_DIR/public-keys.json"
    )
    verify.add_argument(
        "--no-store", action="store_true", help="do not ask the store whether it knows it"
    )
    registry_cli.add_parser(commands)
    keys = commands.add_parser("keys", help="list, rotate or withdraw signing keys")
    keys.add_argument("action", choices=("list", "rotate", "withdraw"))
    keys.add_argument("key_id", nargs="?", type=int, help="with withdraw: the key id")
    commands.add_parser(
        "statements", help="print the SQL of every statement on the hot path, for both databases"
    )
    return parser


async def _run(settings: Settings) -> int:
    from telegram.error import InvalidToken, TelegramError

    from bot.app import BotRuntime, StartAbandoned

    runtime = BotRuntime(settings)
    stop = asyncio.Event()

    def on_signal() -> None:
        stop.set()
        runtime.abandon_start()  # if it is still waiting for an unreachable Bot API

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    try:
        await runtime.start()
        await stop.wait()
    except StartAbandoned:
        pass
    except InvalidToken:  # its message holds the token
        print("error: the Bot API rejected BOT_TOKEN (InvalidToken)", file=sys.stderr)
        return 2
    except TelegramError as exc:
        message = exc.message.replace(settings.bot_token.get_secret_value(), "<token>")
        print(f"error: the Bot API refused to start the bot: {message}", file=sys.stderr)
        return 2
    finally:
        await runtime.stop()
    return 0


def _stop_on_signals() -> asyncio.Event:
    """An event set on SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _playground(settings: PlaygroundSettings) -> int:
    from bot.playground import Playground

    playground = Playground(
        data_dir=settings.playground_dir,
        host=settings.verify_host,
        port=settings.verify_port,
        platform=settings.bot_platform,
        office_name=settings.office_name,
        signer_title=settings.signer_title,
        log_level=settings.log_level,
    )
    stop = _stop_on_signals()
    try:
        await playground.start()
    except OSError as exc:
        print(
            f"error: the playground cannot listen on {settings.verify_host}:"
            f"{settings.verify_port} ({exc.strerror or exc}): set VERIFY_PORT to a free port",
            file=sys.stderr,
        )
        return 2
    print(
        f"playground: no BOT_TOKEN is set, so the bot runs against a Bot API on this machine.\n"
        f"playground: open {playground.url} in a browser (data in {settings.playground_dir});"
        " Ctrl+C stops it.\n"
        "playground: to go live on Bale or Telegram, set BOT_TOKEN, ADMIN_CHAT_ID and STAFF"
        " (README: Going live).",
        file=sys.stderr,
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        await playground.stop()
    return 0


async def _serve_verify(settings: VerifySettings) -> None:
    from bot.web import RateLimits, VerifyServer

    store = settings.open_store()
    await store.migrate()
    server = VerifyServer(
        store.verification,
        office_name=settings.office_name,
        limits=RateLimits(
            verify_per_minute=settings.verify_per_minute,
            check_per_minute=settings.verify_check_per_minute,
        ),
        trust_proxy=settings.verify_trust_proxy,
        header_timeout=settings.verify_header_timeout,
        body_timeout=settings.verify_body_timeout,
    )
    stop = _stop_on_signals()
    await server.start(settings.verify_host, settings.verify_port)
    print(f"serving verification on {settings.verify_host}:{server.port}", file=sys.stderr)
    try:
        await stop.wait()
    finally:
        await server.stop()
        await store.close()


async def _migrate(settings: StorageSettings) -> None:
    store = settings.open_store()
    try:
        await store.migrate()
    finally:
        await store.close()


async def _export(settings: StorageSettings, fmt: str) -> int:
    from rendering import export

    store = settings.open_store()
    count = 0
    try:
        await store.migrate()
        sys.stdout.write(export.header(fmt))
        async for request in store.requests.iterate_all():
            sys.stdout.write(export.line(request.record(), fmt))
            count += 1
    finally:
        await store.close()
    return count


async def _audit(settings: StorageSettings, code_text: str) -> int:
    from domain.tracking import format_tracking_code, parse_tracking_code

    code = parse_tracking_code(code_text)
    if code is None:
        print(f"error: {code_text!r} is not a tracking code", file=sys.stderr)
        return 2
    store = settings.open_store()
    try:
        await store.migrate()
        request = await store.workflow.find_by_code(code)
        if request is None:
            print(f"error: no request {format_tracking_code(code)}", file=sys.stderr)
            return 1
        print(f"{format_tracking_code(code)}  {request.kind}  status={request.status}")
        for entry in await store.audit.history(request.id):
            change = f"{entry.from_status or '-'} -> {entry.to_status or '-'}"
            who = f"{entry.actor_id}" + (f" ({entry.actor_name})" if entry.actor_name else "")
            reason = f"  reason: {entry.reason}" if entry.reason else ""
            print(
                f"{entry.at.isoformat(timespec='seconds')}  {entry.action:<22} "
                f"{entry.outcome:<7} {change:<32} by {who}{reason}"
            )
        return 0
    finally:
        await store.close()


def _scan(what: str) -> list[str]:
    """The texts to look for a confirmation in: ``what`` itself, or the QR codes in a file."""
    from pathlib import Path

    from domain.uploads import UploadRejected, clean_document
    from rendering.scan import qr_texts

    path = Path(what)
    if len(what) < 4096 and path.is_file():
        try:
            clean = clean_document(path.read_bytes(), None, path.name)
        except UploadRejected:
            return []
        return qr_texts(clean.data)
    return [what]


async def _verify(
    settings: StorageSettings, what: str, keys_file: str | None, ask_store: bool
) -> int:
    import json
    import re

    from domain.signing import MalformedToken, PublicKeyInfo, decode_token
    from domain.verification import Record, judge

    path = Path(keys_file) if keys_file else settings.public_keys_file
    try:
        document = json.loads(path.read_text())
        keys = {k.key_id: k for k in map(PublicKeyInfo.from_dict, document["keys"])}
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: cannot read published keys from {path}: {exc}", file=sys.stderr)
        return 2
    texts_found = _scan(what)
    token = next(
        (
            m.group(1)
            for t in texts_found
            if (m := re.search(r"([A-Z2-7]{130})(?![A-Z2-7])", t.strip(), re.IGNORECASE))
        ),
        None,
    )
    reference = next(
        (
            m.group(1)
            for t in texts_found
            if (m := re.search(r"(v_\d+_[A-Z2-7]{12})(?![A-Z2-7])", t, re.IGNORECASE))
        ),
        None,
    )
    store_path = settings.data_dir / "bot.sqlite3"
    has_store = ask_store and bool(settings.database_url or store_path.exists())
    record: Record | None = None
    if has_store and (token or reference):
        store = settings.open_store()
        try:
            if token is not None:
                try:
                    serial = decode_token(token)[0].serial
                except MalformedToken:
                    serial = None
            else:
                assert reference is not None
                serial = int(reference.split("_")[1])
            record = await store.verification.record(serial) if serial is not None else None
        finally:
            await store.close()
        if (
            token is None
            and record is not None
            and record.token.upper().endswith(
                reference.split("_")[2].upper() if reference else "-"
            )
        ):
            token = record.token
    if token is None:
        if reference is not None and not has_store:
            print(
                "error: this QR holds the bot's link, not a signed token: it can only be "
                "checked against the store (set DATA_DIR or DATABASE_URL)",
                file=sys.stderr,
            )
            return 2
        print("verdict: invalid_signature (no confirmation token found)")
        return 1
    offline = judge(token, keys, None)
    detail = f" ({offline.reason})" if not offline.signature_valid else ""
    print(f"signature: {'valid' if offline.signature_valid else 'INVALID'}{detail}")
    result = offline
    if has_store and offline.signature_valid:
        result = judge(token, keys, record)
        print(f"store: {'knows it' if record is not None else 'does not know it'}")
    else:
        print("store: not asked")
    print(f"verdict: {result.verdict.value}")
    for key, value in result.public().items():
        if value is not None and key not in ("verdict", "signature_valid", "reason"):
            print(f"{key}: {value}")
    return 0 if result.verdict.value == "genuine" else 1


async def _keys(settings: StorageSettings, action: str, key_id: int | None) -> int:

    store = settings.open_store()
    try:
        await store.migrate()
        if action == "rotate":
            key = await store.keys.rotate()
            print(f"now signing with key {key.key_id}")
        elif action == "withdraw":
            if key_id is None:
                print("error: withdraw needs a key id", file=sys.stderr)
                return 2
            if not await store.keys.withdraw(key_id):
                print(f"error: no key {key_id} to withdraw", file=sys.stderr)
                return 1
            print(f"key {key_id} withdrawn")
        else:
            await store.keys.current()
        for info in sorted((await store.keys.public_keys()).values(), key=lambda k: k.key_id):
            state = f"withdrawn {info.withdrawn_at.isoformat()}" if info.withdrawn_at else "valid"
            since = info.valid_from.isoformat()
            print(f"{info.key_id}  {info.public_key_bytes.hex()}  from {since}  {state}")
        return 0
    finally:
        await store.close()


def _statements() -> None:
    from bot.delivery import LANES
    from storage import statements

    lanes = [(lane.name, lane.kinds, lane.other_than) for lane in LANES]
    named = {d: dict(statements.for_dialect(d).named(lanes)) for d in statements.DIALECTS}
    for name in named[statements.DIALECTS[0]]:
        print(f"-- {name}")
        for dialect in statements.DIALECTS:
            sql = statements.compiled_sql(named[dialect][name], dialect)
            print(f"-- {dialect}\n{sql};")
        print()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        if command in ("run", "playground"):
            probe = load_settings(PlaygroundSettings)
            if command == "playground" and probe.token_configured:
                print(
                    "error: BOT_TOKEN is set: the playground never runs with a real bot's "
                    "token; unset BOT_TOKEN (or run without it) to try the playground",
                    file=sys.stderr,
                )
                return 2
            if not probe.token_configured:
                setup_logging(probe.log_level, [])
                return asyncio.run(_playground(probe))
            settings = load_settings(Settings)
            setup_logging(settings.log_level, [settings.bot_token.get_secret_value()])
            return asyncio.run(_run(settings))
        if command == "doctor":
            from bot import doctor

            doctor_settings = load_settings(Settings)
            setup_logging("ERROR", [doctor_settings.bot_token.get_secret_value()])
            return asyncio.run(doctor.main(doctor_settings))
        if command == "serve-verify":
            verify_settings = load_settings(VerifySettings)
            setup_logging(verify_settings.log_level, [])
            asyncio.run(_serve_verify(verify_settings))
            return 0
        if command == "statements":
            _statements()
            return 0
        storage_settings = load_settings(StorageSettings)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    setup_logging("WARNING", [])
    if command == "migrate":
        asyncio.run(_migrate(storage_settings))
        print("database is up to date", file=sys.stderr)
    elif command == "export":
        count = asyncio.run(_export(storage_settings, args.format))
        print(f"exported {count} request(s)", file=sys.stderr)
    elif command == "audit":
        return asyncio.run(_audit(storage_settings, args.code))
    elif command == "verify":
        return asyncio.run(_verify(storage_settings, args.what, args.keys, not args.no_store))
    elif command == "registry":
        return asyncio.run(registry_cli.run(args, storage_settings))
    elif command == "keys":
        return asyncio.run(_keys(storage_settings, args.action, args.key_id))
    return 0


if __name__ == "__main__":
    sys.exit(main())
