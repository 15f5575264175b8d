"""``python -m benchmarks [--quick] [--only NAME…] [--json PATH] [--database-url URL]``.

Runs the benchmarks, prints a table of medians (ours, baseline, ratio, target, pass/fail) and
writes the same figures as JSON. Exits 1 when a target is missed, 2 when a benchmark failed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from importlib import import_module
from pathlib import Path
from typing import Any

from benchmarks.common import FULL, QUICK, REPO_ROOT, Context, Figure

BENCHMARKS: dict[str, str] = {
    "rendering": "benchmarks.rendering",
    "pipeline": "benchmarks.pipeline",
    "verify": "benchmarks.verify",
    "registry": "benchmarks.registry",
    "memory": "benchmarks.memory",
    "load": "benchmarks.load_safety",
}
DEFAULT_JSON = REPO_ROOT / "benchmarks" / "results" / "latest.json"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmarks of the bot; each figure beside a baseline measured in the "
        "same run. Prints medians and writes them as JSON; exits non-zero when a target is "
        "missed.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes for a smoke run (under a minute)"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=list(BENCHMARKS),
        metavar="NAME",
        help=f"run only these: {', '.join(BENCHMARKS)}",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        help="where to write the figures (default benchmarks/results/latest.json)",
    )
    parser.add_argument(
        "--database-url",
        help="also run the pipeline on this PostgreSQL server, e.g. "
        "postgresql+asyncpg://postgres@127.0.0.1:5432/test (a fresh database bench_<random> "
        "is created beside it and dropped after)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile one extra pipeline round of our bot with pyinstrument "
        "(written next to the JSON file)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the working directory (databases, files)"
    )
    return parser


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1 or magnitude == 0:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _table(figures: list[Figure]) -> str:
    header = ("benchmark", "ours", "baseline", "ratio", "target", "result")
    rows: list[tuple[str, ...]] = []
    for f in figures:
        unit = "" if not f.unit else f.unit if f.unit.startswith("/") else f" {f.unit}"
        ratio = "-" if f.ratio is None else f"{f.ratio:.2f}x"
        result = {None: "", True: "pass", False: "FAIL"}[f.passed]
        rows.append(
            (
                f.name,
                _fmt(f.ours) + unit,
                "-" if f.baseline is None else _fmt(f.baseline) + unit,
                ratio,
                "" if f.target is None else f.target.describe(f.unit),
                result,
            )
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return out.stdout.strip() or None


def _log(message: str) -> None:
    print(message, flush=True)


async def _run(
    args: argparse.Namespace, ctx: Context, loads: dict[str, list[float]]
) -> tuple[list[Figure], dict[str, str]]:
    figures: list[Figure] = []
    failures: dict[str, str] = {}
    for name in args.only or list(BENCHMARKS):
        module = import_module(BENCHMARKS[name])
        runner: Callable[[Context], Awaitable[list[Figure]]] = module.run
        started = time.perf_counter()
        before = os.getloadavg()[0]
        _log(f"== {name} (load average {before:.1f} on {os.cpu_count()} CPUs)")
        try:
            got = await runner(ctx)
        except Exception:
            failures[name] = traceback.format_exc()
            _log(f"!! {name} failed:\n{failures[name]}")
            continue
        figures += got
        loads[name] = [round(before, 2), round(os.getloadavg()[0], 2)]
        _log(f"== {name} done in {time.perf_counter() - started:.1f} s")
    return figures, failures


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    sizes = QUICK if args.quick else FULL
    workdir = Path(tempfile.mkdtemp(prefix="tvto-bench-"))
    json_path: Path = args.json
    profile_dir = json_path.parent if args.profile else None
    ctx = Context(
        sizes=sizes,
        quick=args.quick,
        workdir=workdir,
        database_url=args.database_url,
        profile_dir=profile_dir,
        log=_log,
    )
    started = time.perf_counter()
    loads: dict[str, list[float]] = {}
    try:
        figures, failures = asyncio.run(_run(args, ctx, loads))
    finally:
        if args.keep:
            _log(f"working directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    elapsed = time.perf_counter() - started

    print()
    print(_table(figures))
    missed = [f for f in figures if f.passed is False]
    document: dict[str, Any] = {
        "meta": {
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "quick": args.quick,
            "only": args.only,
            "database_url": bool(args.database_url),
            "commit": _git_commit(),
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPU(s)",
            "seconds": round(elapsed, 1),
            # 1-minute load average before and after each benchmark: other work on the
            # machine shows up here (every figure has its baseline from the same run).
            "load_average": loads,
        },
        "figures": [f.to_dict() for f in figures],
        "missed": [f.name for f in missed],
        "failed_benchmarks": failures,
    }
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print(f"\n{len(figures)} figures in {elapsed:.0f} s; written to {json_path}")
    notes = [f for f in figures if f.note]
    if notes:
        print("\nnotes:")
        for f in notes:
            print(f"  {f.name}: {f.note}")
    if missed:
        print("\ntargets missed:")
        for f in missed:
            assert f.target is not None
            print(f"  {f.name}: {_fmt(f.ours)} {f.unit} (target {f.target.describe(f.unit)})")
    if failures:
        print(f"\nbenchmarks that failed to run: {', '.join(failures)}", file=sys.stderr)
        return 2
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
