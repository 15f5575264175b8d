"""A bot (ours or the echo baseline) in its own process, steered through a pipe.

The parent runs the loopback Bot API server and the simulated users; the bot gets a core of its
own, so the figures are the bot's and not the load generator's. Commands over the pipe:
``"profile-start"``, ``"profile-stop"`` (pyinstrument, written under the given directory),
``"outbox"`` (messages still owed; ours only) and ``"stop"``.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

from benchmarks.common import bot_settings

BotKind = Literal["ours", "echo"]
START_TIMEOUT = 120.0
STOP_TIMEOUT = 120.0


@dataclass(frozen=True)
class BotSpec:
    kind: BotKind
    api_url: str
    file_url: str
    data_dir: str
    database_url: str | None
    concurrent_updates: int
    profile_dir: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)


class _ErrorCounter(logging.Handler):
    """Counts ERROR records (and keeps the first few) so the parent can report them."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.samples: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if len(self.samples) < 5:
            self.samples.append(f"{record.name}: {record.getMessage()}"[:300])


def _child(spec: BotSpec, conn: Connection) -> None:
    logging.basicConfig(
        level=logging.WARNING, format="[bot %(process)d] %(levelname)s %(message)s"
    )
    counter = _ErrorCounter()
    logging.getLogger().addHandler(counter)
    asyncio.run(_serve(spec, conn, counter))


async def _serve(spec: BotSpec, conn: Connection, counter: _ErrorCounter) -> None:
    stop: Callable[[], Awaitable[None]]
    pending: Callable[[], Awaitable[int]] | None = None
    if spec.kind == "ours":
        from bot.app import BotRuntime

        overrides = dict(spec.overrides)
        overrides.setdefault("max_concurrent_updates", spec.concurrent_updates)
        if spec.database_url:
            overrides["database_url"] = spec.database_url
        runtime = BotRuntime(
            bot_settings(spec.api_url, spec.file_url, Path(spec.data_dir), **overrides)
        )
        await runtime.start()
        stop = runtime.stop
        pending = runtime.store.outbox.pending
    else:
        from benchmarks.echo_bot import EchoBot

        echo = EchoBot(spec.api_url, spec.file_url, spec.concurrent_updates)
        await echo.start()
        stop = echo.stop

    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[str] = asyncio.Queue()
    loop.add_reader(conn.fileno(), lambda: inbox.put_nowait(conn.recv()))
    conn.send(("ready", os.getpid()))
    profiler: Any = None
    while True:
        command = await inbox.get()
        if command == "stop":
            break
        if command == "profile-start":
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.001, async_mode="disabled")
            profiler.start()
            conn.send(("ok", None))
        elif command == "profile-stop" and profiler is not None:
            profiler.stop()
            conn.send(("ok", _write_profile(profiler, spec)))
        elif command == "outbox":
            conn.send(("ok", await pending() if pending is not None else 0))
        else:
            conn.send(("error", f"unknown command {command!r}"))
    loop.remove_reader(conn.fileno())
    await stop()
    conn.send(("stopped", {"errors": counter.count, "samples": counter.samples}))


def _write_profile(profiler: Any, spec: BotSpec) -> str:
    from pyinstrument.renderers import ConsoleRenderer

    assert spec.profile_dir is not None
    folder = Path(spec.profile_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"profile-pipeline-{spec.kind}"
    session = profiler.last_session
    session.save(str(stem.with_suffix(".pyisession")))
    (stem.with_suffix(".html")).write_text(profiler.output_html())
    tree = ConsoleRenderer(unicode=False, color=False, show_all=False).render(session)
    (stem.with_suffix(".txt")).write_text(tree)
    from benchmarks.profiling import summarize

    summary = folder / f"profile-pipeline-{spec.kind}-summary.txt"
    summary.write_text(summarize(session))
    return str(summary)


class BotProcess:
    """The parent's handle on a bot process."""

    def __init__(self, spec: BotSpec) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child_conn = context.Pipe()
        self.spec = spec
        self.process = context.Process(
            target=_child, args=(spec, child_conn), name=f"bench-bot-{spec.kind}", daemon=True
        )
        self.pid = 0

    async def start(self) -> None:
        self.process.start()
        tag, pid = await self._receive(START_TIMEOUT)
        if tag != "ready":
            raise RuntimeError(f"bot process did not start: {tag} {pid}")
        self.pid = int(pid)

    async def request(self, command: str, timeout: float = 60.0) -> Any:
        self._conn.send(command)
        tag, value = await self._receive(timeout)
        if tag != "ok":
            raise RuntimeError(f"bot process answered {tag}: {value}")
        return value

    async def stop(self) -> dict[str, Any]:
        """Stop the bot; returns what its log counted (ERROR records)."""
        if not self.process.is_alive():
            return {"errors": 1, "samples": ["bot process died"]}
        self._conn.send("stop")
        tag, value = await self._receive(STOP_TIMEOUT)
        await asyncio.to_thread(self.process.join, 10)
        if self.process.is_alive():
            self.process.kill()
        return dict(value) if tag == "stopped" else {"errors": 1, "samples": [str(value)]}

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()

    async def _receive(self, timeout: float) -> tuple[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._conn.poll():
            if not self.process.is_alive() and not self._conn.poll():
                raise RuntimeError(f"bot process exited with code {self.process.exitcode}")
            if loop.time() > deadline:
                raise TimeoutError("bot process did not answer")
            await asyncio.sleep(0.02)
        tag, value = self._conn.recv()
        return str(tag), value
