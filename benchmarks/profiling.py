"""Summaries of a pyinstrument session: time by library, and the hottest functions of ours.

pyinstrument (``async_mode="disabled"``) samples the main thread's real stack, so a suspended
coroutine is not on it: a function's inclusive time is the time the event loop spent running
it (and what it called synchronously), not the time it spent awaiting.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from benchmarks.common import REPO_ROOT

OUR_PACKAGES = ("bot", "handlers", "storage", "rendering", "domain")
IDLE = {"epoll.poll", "select", "poll", "EpollSelector.select"}
_LIBRARIES = (
    ("telegram", "python-telegram-bot"),
    ("httpx", "httpx/httpcore"),
    ("httpcore", "httpx/httpcore"),
    ("anyio", "httpx/httpcore"),
    ("h11", "httpx/httpcore"),
    ("sqlalchemy", "SQLAlchemy"),
    ("aiosqlite", "aiosqlite"),
    ("asyncpg", "asyncpg"),
    ("alembic", "alembic"),
    ("PIL", "Pillow"),
    ("pypdfium2", "pypdfium2"),
    ("asyncio", "asyncio"),
    ("json", "json"),
    ("aiohttp", "aiohttp"),
)


def _package(path: str | None) -> str | None:
    """Our package or a known library the file belongs to; None for builtins and the rest."""
    if not path:
        return None
    root = str(REPO_ROOT) + "/"
    if path.startswith(root) and "/.venv/" not in path:
        first = path[len(root) :].split("/", 1)[0]
        return f"ours: {first}/" if first in OUR_PACKAGES else f"{first}/"
    for needle, name in _LIBRARIES:
        if f"/{needle}/" in path:
            return name
    return None


def _owner(frame: Any) -> str:
    """Where a frame's time belongs: its package, or that of the nearest caller that has one
    (a C builtin such as socket.send counts for the library that called it)."""
    while frame is not None:
        package = _package(frame.file_path)
        if package is not None:
            return package
        frame = frame.parent
    return "other"


def _is_ours(path: str | None) -> bool:
    return (_package(path) or "").startswith("ours")


def _where(frame: Any) -> str:
    path = str(frame.file_path or "")
    root = str(REPO_ROOT) + "/"
    short = path[len(root) :] if path.startswith(root) else path
    return f"{short}:{frame.line_no} {frame.function}"


def _synthetic(frame: Any) -> bool:
    return bool(frame.is_synthetic) or frame.function == "[self]"


def _self_time(frame: Any) -> float:
    """Time sampled in the frame itself (pyinstrument keeps it in a "[self]" child)."""
    real = sum(float(c.time) for c in frame.children if not _synthetic(c))
    return float(frame.time) - real


def _walk(frame: Any) -> Iterator[Any]:
    """Every real (non-synthetic) frame."""
    if not _synthetic(frame):
        yield frame
        for child in frame.children:
            yield from _walk(child)


def summarize(session: Any, top: int = 25) -> str:
    root = session.root_frame(trim_stem=False)
    if root is None:
        return "no samples\n"
    total = float(root.time)
    idle = sum(
        _self_time(f) for f in _walk(root) if f.function in IDLE or f.function.endswith(".poll")
    )
    busy = max(total - idle, 1e-9)
    by_library: dict[str, float] = defaultdict(float)
    for frame in _walk(root):
        if frame.function in IDLE or frame.function.endswith(".poll"):
            continue
        by_library[_owner(frame)] += _self_time(frame)

    inclusive: dict[str, float] = defaultdict(float)
    own: dict[str, float] = defaultdict(float)

    def visit(frame: Any, active: frozenset[str]) -> None:
        if _synthetic(frame):
            return
        if _is_ours(frame.file_path):
            key = _where(frame)
            own[key] += _self_time(frame)
            if key not in active:
                inclusive[key] += float(frame.time)
                active = active | {key}
        for child in frame.children:
            visit(child, active)

    visit(root, frozenset())

    # Each sample goes to the innermost of our functions on its stack: the time a function
    # spends in libraries (SQLAlchemy, httpx, PTB...) on its own behalf.
    innermost: dict[str, float] = defaultdict(float)

    def under_ours(frame: Any) -> float:
        """Time of ``frame``'s subtree that lies under one of our functions (and files it)."""
        if _synthetic(frame):
            return 0.0
        below = sum(under_ours(child) for child in frame.children)
        if _is_ours(frame.file_path):
            innermost[_where(frame)] += float(frame.time) - below
            return float(frame.time)
        return below

    under_ours(root)
    lines = [
        f"sampled {total:.2f} s of the bot's main thread: idle (waiting in epoll) {idle:.2f} s, "
        f"busy {busy:.2f} s",
        "",
        "busy time by library (self time; a builtin counts for the library calling it):",
    ]
    for name, seconds in sorted(by_library.items(), key=lambda kv: -kv[1]):
        if seconds / busy >= 0.005:
            lines.append(f"  {seconds:7.2f} s  {seconds / busy:5.1%}  {name}")
    lines += ["", f"our functions by inclusive busy time (top {top}):"]
    for key, seconds in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"  {seconds:7.2f} s  {seconds / busy:5.1%}  {key}")
    lines += [
        "",
        f"our innermost functions (top {top}): time in the libraries they call directly, "
        "not through another of our functions:",
    ]
    for key, seconds in sorted(innermost.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"  {seconds:7.2f} s  {seconds / busy:5.1%}  {key}")
    lines += ["", f"our functions by self time (top {top // 2}):"]
    for key, seconds in sorted(own.items(), key=lambda kv: -kv[1])[: top // 2]:
        lines.append(f"  {seconds:7.3f} s  {seconds / busy:5.1%}  {key}")
    return "\n".join(lines) + "\n"
