"""Bot pipeline: N simulated users each file a whole duplicate request through the bot.

The loopback Bot API server and the users run in this process; the bot runs in a process of
its own (:mod:`benchmarks.botproc`). Each user, all at once, sends the menu choice, ten text
answers, the court letter (PDF), the 3x4 photo and taps «confirm» on the summary: 14 updates,
each sent only after the bot answered the previous one. Reply latency is the time from feeding
an update to the bot's next message to that user. At N = 1 a round is five requests filed one
after another (a new user each time): one request takes a tenth of a second, and a round of one
was at the mercy of a single stall of the machine.

Baseline: a bare python-telegram-bot echo bot (:mod:`benchmarks.echo_bot`) given the same 14
updates per user on the same server with the same concurrency; it answers each with one
message. Rounds of ours and of the echo bot alternate, so both see the same machine noise.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.botproc import BotKind, BotProcess, BotSpec
from benchmarks.common import (
    ADMIN_CHAT_ID,
    Context,
    Figure,
    Target,
    cpu_seconds,
    describe_database,
    median,
    national_code,
    percentile,
)
from benchmarks.fakeapi import BenchApi, button_data, next_reply
from domain import texts
from loopback import JSON, fresh_postgres, jpeg, pdf

UPDATES_PER_CONVERSATION = 14
CONCURRENT_UPDATES = 64  # MAX_CONCURRENT_UPDATES' default
ANNOUNCE_MESSAGES = 3  # staff card + court letter + photo
ANNOUNCE_TIMEOUT = 300.0
TARGET_RATIO = 0.5
PROFILE_USERS = 50
_SUBMITTED_HEAD = texts.SUBMITTED.split("{code}")[0][:12]


def _answers(user_id: int) -> list[str]:
    """Good answers to the ten text questions, in the order the bot asks."""
    return [
        "مریم احمدی",
        "حسین",
        national_code(user_id),
        "۱۳۷۰/۰۵/۰۳",
        "09121234567",
        "برق‌کار ساختمان",
        str(10_000_000 + user_id % 89_999_999),
        "1385",
        "مرکز شماره ۱ اهواز",
        texts.FORMAT_OLD,
    ]


class ConversationFailed(Exception):
    pass


@dataclass
class RoundResult:
    conversations: int
    wall: float
    latencies: list[float]
    errors: list[str]
    bot_cpu: float
    server_cpu: float

    @property
    def conversations_per_s(self) -> float:
        return self.conversations / self.wall

    @property
    def updates_per_s(self) -> float:
        return self.conversations * UPDATES_PER_CONVERSATION / self.wall


@dataclass
class _Files:
    letter: bytes = field(default_factory=pdf)
    photo: bytes = field(default_factory=lambda: jpeg(600, 800))


class Side:
    """One bot process (ours or echo) with its own loopback server."""

    def __init__(
        self,
        kind: BotKind,
        workdir: Path,
        database_url: str | None,
        files: _Files,
        profile_dir: Path | None = None,
    ) -> None:
        self.kind = kind
        self.workdir = workdir
        self.database_url = database_url
        self.files = files
        self.profile_dir = profile_dir
        self.api = BenchApi()
        self.bot: BotProcess | None = None
        self._next_user = 100_000
        self.conversations = 0

    async def start(self) -> None:
        await self.api.start()
        data_dir = self.workdir / f"data-{self.kind}"
        shutil.rmtree(data_dir, ignore_errors=True)
        spec = BotSpec(
            kind=self.kind,
            api_url=self.api.base_url,
            file_url=self.api.base_file_url,
            data_dir=str(data_dir),
            database_url=self.database_url,
            concurrent_updates=CONCURRENT_UPDATES,
            profile_dir=str(self.profile_dir) if self.profile_dir else None,
        )
        self.bot = BotProcess(spec)
        await self.bot.start()
        await self.run_round(1)  # warm up: first-use imports, caches, connections

    async def stop(self) -> dict[str, object]:
        report: dict[str, object] = {}
        if self.bot is not None:
            report = await self.bot.stop()
        await self.api.stop()
        return report

    def kill(self) -> None:
        if self.bot is not None:
            self.bot.kill()

    async def run_round(self, users: int, in_a_row: int = 1) -> RoundResult:
        """``users`` simulated users at once, each filing ``in_a_row`` requests one after
        another (a new user each time)."""
        assert self.bot is not None
        ids = list(range(self._next_user, self._next_user + users * in_a_row))
        self._next_user += len(ids)
        latencies: list[float] = []
        errors: list[str] = []
        conversation = self._ours if self.kind == "ours" else self._echo

        async def one_after_another(chain: list[int]) -> None:
            for uid in chain:
                await conversation(uid, latencies)

        bot_cpu0, server_cpu0 = cpu_seconds(self.bot.pid), time.process_time()
        started = time.perf_counter()
        outcomes = await asyncio.gather(
            *(one_after_another(ids[i::users]) for i in range(users)), return_exceptions=True
        )
        wall = time.perf_counter() - started
        bot_cpu = cpu_seconds(self.bot.pid) - bot_cpu0
        server_cpu = time.process_time() - server_cpu0
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                errors.append(f"{type(outcome).__name__}: {outcome}"[:300])
        for uid in ids:
            self.api.forget(uid)
        self.conversations += len(ids)
        if self.kind == "ours":
            errors += await self._await_announcements()
        self.api.trim()
        return RoundResult(len(ids), wall, latencies, errors, bot_cpu, server_cpu)

    async def _await_announcements(self) -> list[str]:
        """Wait (untimed) until the staff chat got every card and document, outbox empty."""
        assert self.bot is not None
        expected = ANNOUNCE_MESSAGES * self.conversations
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ANNOUNCE_TIMEOUT
        while loop.time() < deadline:
            if (
                self.api.sent_count(ADMIN_CHAT_ID) >= expected
                and await self.bot.request("outbox") == 0
            ):
                return []
            await asyncio.sleep(0.05)
        got = self.api.sent_count(ADMIN_CHAT_ID)
        return [f"staff chat got {got} of {expected} announcement messages"]

    async def _step(
        self,
        queue: asyncio.Queue[JSON],
        feed: Callable[[], object],
        replies: int,
        latencies: list[float],
    ) -> list[JSON]:
        started = time.perf_counter()
        feed()
        messages = [await next_reply(queue)]
        latencies.append(time.perf_counter() - started)
        for _ in range(replies - 1):
            messages.append(await next_reply(queue))
        return messages

    async def _ours(self, uid: int, latencies: list[float]) -> None:
        api, queue = self.api, self.api.listen(uid)
        api.user(uid, first_name="کاربر")
        await self._step(queue, lambda: api.send_text(uid, texts.MENU_DUPLICATE), 1, latencies)
        for answer in _answers(uid):
            await self._step(queue, lambda a=answer: api.send_text(uid, a), 1, latencies)  # type: ignore[misc]
        accepted = await self._step(
            queue,
            lambda: api.send_document(uid, self.files.letter, "court-letter.pdf"),
            1,
            latencies,
        )
        if not str(accepted[0].get("text")).startswith("✅"):
            raise ConversationFailed(f"letter refused: {accepted[0].get('text')!r}")
        accepted = await self._step(
            queue, lambda: api.send_photo(uid, self.files.photo), 1, latencies
        )
        summary = accepted[0]
        if texts.SUMMARY_TITLE not in str(summary.get("text")):
            raise ConversationFailed(f"no summary: {summary.get('text')!r}")
        submit = button_data(summary, texts.BUTTON_SUBMIT)
        filed = await self._step(queue, lambda: api.press(uid, summary, submit), 1, latencies)
        # The outbox's "request received" notice may overtake the handler's own answer.
        for _ in range(2):
            if _SUBMITTED_HEAD in str(filed[-1].get("text")):
                return
            filed.append(await next_reply(queue))
        raise ConversationFailed(f"not filed: {[m.get('text') for m in filed]!r}")

    async def _echo(self, uid: int, latencies: list[float]) -> None:
        api, queue = self.api, self.api.listen(uid)
        api.user(uid, first_name="کاربر")
        await self._step(queue, lambda: api.send_text(uid, texts.MENU_DUPLICATE), 1, latencies)
        for answer in _answers(uid):
            await self._step(queue, lambda a=answer: api.send_text(uid, a), 1, latencies)  # type: ignore[misc]
        await self._step(
            queue,
            lambda: api.send_document(uid, self.files.letter, "court-letter.pdf"),
            1,
            latencies,
        )
        photo = await self._step(
            queue, lambda: api.send_photo(uid, self.files.photo), 1, latencies
        )
        if not photo[0].get("photo"):
            raise ConversationFailed("the echo bot did not send the photo back")
        await self._step(
            queue, lambda: api.press(uid, photo[0], "submit", check=False), 1, latencies
        )


@contextlib.asynccontextmanager
async def _sides(
    ctx: Context, database_url: str | None, files: _Files, label: str
) -> AsyncIterator[tuple[Side, Side]]:
    workdir = ctx.workdir / f"pipeline-{label}"
    profile_dir = ctx.profile_dir / label if ctx.profile_dir else None
    ours = Side("ours", workdir, database_url, files, profile_dir)
    echo = Side("echo", workdir, None, files)
    try:
        await asyncio.gather(ours.start(), echo.start())
        yield ours, echo
    except BaseException:
        ours.kill()
        echo.kill()
        raise
    for side in (ours, echo):
        report = await side.stop()
        if report.get("errors"):
            ctx.log(
                f"  {side.kind} bot logged {report['errors']} error(s): {report.get('samples')}"
            )


async def _measure(ctx: Context, database_url: str | None, files: _Files) -> list[Figure]:
    label = describe_database(database_url)
    figures: list[Figure] = []
    async with _sides(ctx, database_url, files, label) as (ours, echo):
        for users, rounds, in_a_row in ctx.sizes.pipeline:
            results: dict[str, list[RoundResult]] = {"ours": [], "echo": []}
            for _ in range(rounds):
                for side in (ours, echo):
                    result = await side.run_round(users, in_a_row)
                    results[side.kind].append(result)
                    ctx.log(
                        f"  {label} N={users} {side.kind}: {result.updates_per_s:7.1f} updates/s, "
                        f"p50 {percentile(result.latencies, 50) * 1e3:6.1f} ms, "
                        f"p99 {percentile(result.latencies, 99) * 1e3:7.1f} ms, "
                        f"bot CPU {result.bot_cpu / result.wall:4.0%}, "
                        f"server CPU {result.server_cpu / result.wall:4.0%}"
                        + (f", {len(result.errors)} error(s)" if result.errors else "")
                    )
                    for error in result.errors[:3]:
                        ctx.log(f"    error: {error}")
            figures += _figures(label, users, results["ours"], results["echo"])
        if ctx.profile_dir is not None:
            await _profile(ctx, ours, PROFILE_USERS if not ctx.quick else 1)
    return figures


async def _profile(ctx: Context, ours: Side, users: int) -> None:
    assert ours.bot is not None
    ctx.log(f"  profiling one extra round of ours at N={users} (not counted)")
    await ours.bot.request("profile-start")
    # One user's conversation is short: profile several in a row for enough samples.
    await ours.run_round(users, 10 if users == 1 else 1)
    path = await ours.bot.request("profile-stop", timeout=300)
    ctx.log(f"  profile written: {path}")


def _figures(
    label: str, users: int, ours: list[RoundResult], echo: list[RoundResult]
) -> list[Figure]:
    prefix = f"pipeline[{label}] N={users}"
    errors = sum(len(r.errors) for r in ours) + sum(len(r.errors) for r in echo)
    cpu = (
        f"{len(ours)} round(s) of {users} users x {ours[0].conversations // users} "
        f"request(s) one after another x {UPDATES_PER_CONVERSATION} updates; "
        f"bot CPU {median([r.bot_cpu / r.wall for r in ours]):.0%} (echo "
        f"{median([r.bot_cpu / r.wall for r in echo]):.0%}), server+users CPU "
        f"{median([r.server_cpu / r.wall for r in ours]):.0%} (echo "
        f"{median([r.server_cpu / r.wall for r in echo]):.0%})"
    )

    def figure(
        name: str, unit: str, of: Callable[[RoundResult], float], **extra: object
    ) -> Figure:
        ours_rounds, echo_rounds = [of(r) for r in ours], [of(r) for r in echo]
        return Figure(
            benchmark="pipeline",
            name=f"{prefix} {name}",
            unit=unit,
            ours=median(ours_rounds),
            baseline=median(echo_rounds),
            baseline_label="PTB echo bot",
            rounds=ours_rounds,
            baseline_rounds=echo_rounds,
            **extra,  # type: ignore[arg-type]
        )

    failed = Figure(
        benchmark="pipeline",
        name=f"{prefix} failed conversations",
        unit="",
        ours=float(errors),
        target=Target("max", 0),
        note="conversations that did not end filed (or echoed), plus announcements missing",
    )
    return [
        figure(
            "updates/s",
            "/s",
            lambda r: r.updates_per_s,
            target=Target("ratio_min", TARGET_RATIO),
            note=cpu,
        ),
        figure("conversations/s", "/s", lambda r: r.conversations_per_s),
        figure("reply p50", "ms", lambda r: percentile(r.latencies, 50) * 1e3),
        figure("reply p99", "ms", lambda r: percentile(r.latencies, 99) * 1e3),
        failed,
    ]


async def run(ctx: Context) -> list[Figure]:
    files = _Files()
    figures = await _measure(ctx, None, files)
    if ctx.database_url:
        async with fresh_postgres(ctx.database_url, "bench_") as url:
            figures += await _measure(ctx, url, files)
    return figures
