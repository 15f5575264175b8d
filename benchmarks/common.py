"""What every benchmark shares: figures and targets, sizes, statistics, settings, helpers."""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Table, insert
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import make_url

from bot.settings import Settings
from loopback import settings_for
from storage import models

TOKEN = "123456:BENCH-TOKEN-abcdefghijklmnop"
BOT_ID = 123456
ADMIN_CHAT_ID = -1001000
REPO_ROOT = Path(__file__).resolve().parent.parent

TargetKind = Literal["ratio_min", "max", "min"]


@dataclass(frozen=True)
class Target:
    """What a figure must reach: a ratio to its baseline, or an absolute bound."""

    kind: TargetKind
    value: float

    def describe(self, unit: str) -> str:
        if self.kind == "ratio_min":
            return f">= {self.value:g}x baseline"
        if self.kind == "max":
            return f"<= {self.value:g} {unit}".rstrip()
        return f">= {self.value:g} {unit}".rstrip()

    def check(self, ours: float, baseline: float | None) -> bool:
        if self.kind == "ratio_min":
            return baseline is not None and baseline > 0 and ours / baseline >= self.value
        if self.kind == "max":
            return ours <= self.value
        return ours >= self.value


@dataclass
class Figure:
    """One measured figure: ours (median over rounds) beside its baseline (same run)."""

    benchmark: str
    name: str
    unit: str
    ours: float
    baseline: float | None = None
    baseline_label: str = ""
    target: Target | None = None
    rounds: list[float] = field(default_factory=list)
    baseline_rounds: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.ours / self.baseline

    @property
    def passed(self) -> bool | None:
        """None when the figure has no target."""
        if self.target is None:
            return None
        return self.target.check(self.ours, self.baseline)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = self.ratio
        data["passed"] = self.passed
        data["target"] = (
            None
            if self.target is None
            else {**asdict(self.target), "text": self.target.describe(self.unit)}
        )
        return data


@dataclass(frozen=True)
class Sizes:
    """How big each benchmark is: the full run, or ``--quick`` for a smoke run."""

    # (simulated users at once, rounds, requests each user files one after another in a round)
    pipeline: tuple[tuple[int, int, int], ...]
    verify_confirmations: int
    verify_sign_budget_s: float
    verify_seconds: float
    verify_rounds: int
    verify_connections: int
    render_rounds: int
    registry_rows: int
    registry_lookups: int
    registry_rounds: int
    memory_drafts: int
    memory_idle_s: float
    burst: int
    burst_window_s: float


FULL = Sizes(
    pipeline=((1, 5, 5), (50, 3, 1), (500, 1, 1)),
    verify_confirmations=1_000_000,
    verify_sign_budget_s=30.0,
    verify_seconds=4.0,
    verify_rounds=3,
    verify_connections=10,
    render_rounds=15,
    registry_rows=1_000_000,
    registry_lookups=300,
    registry_rounds=3,
    memory_drafts=10_000,
    memory_idle_s=2.0,
    burst=1_000,
    burst_window_s=0.25,
)

QUICK = Sizes(
    pipeline=((1, 1, 3), (20, 1, 1)),
    verify_confirmations=10_000,
    verify_sign_budget_s=5.0,
    verify_seconds=1.0,
    verify_rounds=1,
    verify_connections=10,
    render_rounds=3,
    registry_rows=20_000,
    registry_lookups=50,
    registry_rounds=1,
    memory_drafts=1_000,
    memory_idle_s=0.5,
    burst=100,
    burst_window_s=0.2,
)


@dataclass
class Context:
    """What a benchmark is given: sizes, where to work, the database to use, a logger."""

    sizes: Sizes
    quick: bool
    workdir: Path
    database_url: str | None = None
    profile_dir: Path | None = None
    log: Callable[[str], None] = print


# --- statistics ------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else math.nan


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 1000 samples is the 990th smallest)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


class Stopwatch:
    """Elapsed wall time (perf_counter) and this process's CPU time."""

    def __init__(self) -> None:
        self.wall0 = time.perf_counter()
        self.cpu0 = time.process_time()

    @property
    def wall(self) -> float:
        return time.perf_counter() - self.wall0

    @property
    def cpu(self) -> float:
        return time.process_time() - self.cpu0


# --- processes -------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process (all its threads), from /proc."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def status_kib(pid: int, key: str) -> int:
    """A ``kB`` value of /proc/<pid>/status, e.g. VmHWM (peak RSS) or VmRSS."""
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


# --- test data -------------------------------------------------------------------------------


def national_code(n: int) -> str:
    """A valid Iranian national code built from ``n`` (distinct for distinct n < 10**9)."""
    body = f"{(n * 7919 + 1_000_003) % 10**9:09d}"
    if len(set(body)) == 1:
        body = body[:-1] + str((int(body[-1]) + 1) % 10)
    rest = sum(int(d) * (10 - i) for i, d in enumerate(body)) % 11
    return body + str(rest if rest < 2 else 11 - rest)


# --- the bot's settings ----------------------------------------------------------------------


def settings_values(api_url: str, file_url: str, data_dir: Path) -> dict[str, Any]:
    """The settings, by field name, of a bot that talks to a benchmark's loopback server and
    logs warnings only."""
    return settings_for(
        api_url, file_url, data_dir, token=TOKEN, admin_chat_id=ADMIN_CHAT_ID, log_level="WARNING"
    )


def bot_settings(api_url: str, file_url: str, data_dir: Path, **overrides: Any) -> Settings:
    """Settings of a bot that talks to a benchmark's loopback server (:func:`settings_values`)."""
    values = {**settings_values(api_url, file_url, data_dir), **overrides}
    return Settings(_env_file=None, **values)


# --- bulk SQLite inserts --------------------------------------------------------------------

_SQLITE = sqlite.dialect()


def sqlite_insert_sql(model: type[models.Base], columns: Sequence[str]) -> str:
    """``INSERT INTO <model's table> (columns) VALUES (?, …)`` compiled by SQLAlchemy."""
    table = model.__table__
    assert isinstance(table, Table)
    return str(insert(table).compile(dialect=_SQLITE, column_keys=list(columns)))


def sqlite_value(model: type[models.Base], column: str, value: object) -> object:
    """``value`` as SQLAlchemy would store it in that column on SQLite (dates, JSON)."""
    table = model.__table__
    assert isinstance(table, Table)
    processor = table.c[column].type.bind_processor(_SQLITE)
    return processor(value) if processor else value


# --- PostgreSQL --------------------------------------------------------------------------------


def describe_database(url: str | None) -> str:
    if not url:
        return "sqlite"
    return make_url(url).get_backend_name()
