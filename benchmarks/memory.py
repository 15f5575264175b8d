"""Memory: the real bot process (``python -m bot``) holding thousands of open drafts.

The bot runs as operators run it, in a subprocess configured by environment variables, talking
to a loopback Bot API server in this process. Once it polls, its peak RSS (VmHWM) is read idle
with no drafts: the baseline. Then thousands of drafts half-way through the duplicate form
(name, father's name and national code answered) are written into its database with one bulk
INSERT, and every one of those users sends the bot the next answer (the birth date); the bot
loads the draft, validates, commits and asks the next question. VmHWM is read again after the
last reply, and the database must then hold every draft at the following step.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
import uuid
from pathlib import Path

from benchmarks.common import (
    REPO_ROOT,
    Context,
    Figure,
    Target,
    national_code,
    settings_values,
    sqlite_insert_sql,
    sqlite_value,
    status_kib,
)
from benchmarks.fakeapi import BenchApi, next_reply
from domain import texts
from domain.forms import DUPLICATE_FORM
from loopback import environment_for
from storage import models

TARGET_MB = 300.0
IN_FLIGHT = 200
FIRST_USER = 300_000


def _environment(api: BenchApi, data_dir: Path) -> dict[str, str]:
    settings = settings_values(api.base_url, api.base_file_url, data_dir)
    return environment_for(settings, PYTHONPATH=str(REPO_ROOT))


def _draft_answers() -> dict[str, object]:
    """The first three answers, as the form engine stores them."""
    typed = {"full_name": "مریم احمدی", "father_name": "حسین"}
    answers: dict[str, object] = {}
    for key, text in typed.items():
        field = DUPLICATE_FORM.field(key)
        assert field is not None and field.parse is not None
        answers[key] = field.parse(text)
    return answers


def _insert_drafts(db_path: Path, users: list[int]) -> None:
    columns = ("id", "user_id", "chat_id", "kind", "step", "answers", "created_at", "updated_at")
    sql = sqlite_insert_sql(models.Draft, columns)
    now = sqlite_value(models.Draft, "created_at", models.utcnow())
    base = _draft_answers()
    rows = []
    for uid in users:
        answers = sqlite_value(
            models.Draft, "answers", {**base, "national_code": national_code(uid)}
        )
        rows.append((str(uuid.uuid4()), uid, uid, "duplicate", "birth_date", answers, now, now))
    connection = sqlite3.connect(db_path, timeout=30, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(sql, rows)
        connection.execute("COMMIT")
    finally:
        connection.close()


def _drafts_at(db_path: Path, step: str) -> int:
    connection = sqlite3.connect(db_path, timeout=30)
    try:
        row = connection.execute("SELECT count(*) FROM drafts WHERE step = ?", (step,)).fetchone()
    finally:
        connection.close()
    return int(row[0])


async def _touch(api: BenchApi, uid: int, slots: asyncio.Semaphore) -> bool:
    async with slots:
        queue = api.listen(uid)
        api.send_text(uid, "۱۳۷۰/۰۵/۰۳")
        reply = await next_reply(queue)
        api.forget(uid)
        return texts.PROMPT_MOBILE[:20] in str(reply.get("text"))


async def run(ctx: Context) -> list[Figure]:
    drafts = ctx.sizes.memory_drafts
    data_dir = ctx.workdir / "memory" / "data"
    data_dir.mkdir(parents=True)
    log_path = ctx.workdir / "memory" / "bot.log"
    api = BenchApi()
    await api.start()
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=data_dir.parent,
            env=_environment(api, data_dir),
            stdout=log,
            stderr=log,
        )
    try:
        await api.wait_for(lambda c: c.method == "getUpdates", timeout=120)
        await asyncio.sleep(ctx.sizes.memory_idle_s)
        idle_kib = status_kib(process.pid, "VmHWM")
        ctx.log(f"  idle, no drafts: peak RSS {idle_kib / 1024:.0f} MB")

        users = list(range(FIRST_USER, FIRST_USER + drafts))
        for uid in users:
            api.user(uid, first_name="کاربر")
        db_path = data_dir / "bot.sqlite3"
        await asyncio.to_thread(_insert_drafts, db_path, users)
        slots = asyncio.Semaphore(IN_FLIGHT)
        started = asyncio.get_running_loop().time()
        outcomes = await asyncio.gather(*(_touch(api, uid, slots) for uid in users))
        seconds = asyncio.get_running_loop().time() - started
        api.trim()
        await asyncio.sleep(1.0)
        peak_kib = status_kib(process.pid, "VmHWM")
        rss_kib = status_kib(process.pid, "VmRSS")
        moved = await asyncio.to_thread(_drafts_at, db_path, "mobile")
        wrong = outcomes.count(False) + (drafts - moved)
        ctx.log(
            f"  {drafts:,} drafts touched in {seconds:.1f} s ({drafts / seconds:.0f}/s): peak RSS "
            f"{peak_kib / 1024:.0f} MB, RSS now {rss_kib / 1024:.0f} MB; {moved:,} drafts moved on"
        )
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 60)
            except TimeoutError:
                process.kill()
                await process.wait()
        await api.stop()
    return [
        Figure(
            benchmark="memory",
            name=f"memory peak RSS, {drafts:,} open drafts",
            unit="MB",
            ours=peak_kib / 1024,
            baseline=idle_kib / 1024,
            baseline_label="same process idle, 0 drafts",
            target=Target("max", TARGET_MB),
            note=f"VmHWM of `python -m bot`; RSS after the run {rss_kib / 1024:.0f} MB; "
            f"{drafts / seconds:.0f} drafts touched a second",
        ),
        Figure(
            benchmark="memory",
            name="memory drafts not moved on",
            unit="",
            ours=float(wrong),
            target=Target("max", 0),
        ),
    ]
