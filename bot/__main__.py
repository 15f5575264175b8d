"""Command line: ``python -m bot [run|migrate|export]``. Running the bot is the default."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence

from bot.logs import setup_logging
from bot.settings import Settings, SettingsError, StorageSettings, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="TVTO skill-assessment office bot (Telegram/Bale). "
        "Settings come from the environment or a .env file; see README.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="run the bot (the default)")
    commands.add_parser("migrate", help="bring the database schema up to date")
    export = commands.add_parser("export", help="write every request to stdout")
    export.add_argument(
        "--format", choices=("jsonl", "csv"), default="jsonl", help="output format (jsonl)"
    )
    audit = commands.add_parser("audit", help="print a request's history from the audit trail")
    audit.add_argument("code", help="the tracking code")
    return parser


async def _run(settings: Settings) -> None:
    from bot.app import BotRuntime

    runtime = BotRuntime(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start()
    try:
        await stop.wait()
    finally:
        await runtime.stop()


async def _migrate(settings: StorageSettings) -> None:
    from storage.store import Store

    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    store = Store.open(settings.effective_database_url, settings.files_dir)
    try:
        await store.migrate()
    finally:
        await store.close()


async def _export(settings: StorageSettings, fmt: str) -> int:
    from rendering import export
    from storage.store import Store

    store = Store.open(settings.effective_database_url, settings.files_dir)
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
    from storage.store import Store

    code = parse_tracking_code(code_text)
    if code is None:
        print(f"error: {code_text!r} is not a tracking code", file=sys.stderr)
        return 2
    store = Store.open(settings.effective_database_url, settings.files_dir)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        if command == "run":
            settings = load_settings(Settings)
            setup_logging(settings.log_level, [settings.bot_token.get_secret_value()])
            asyncio.run(_run(settings))
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
