"""An HTTP load generator in its own process: K connections, each GET after GET, for a while.

Used by the verify benchmark so that the client does not share the server's event loop (nor,
on two cores, its core).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

import aiohttp

WARMUP_SECONDS = 0.5


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu: float = 0.0

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class LoadSpec:
    base_url: str
    paths: list[str]
    connections: int
    seconds: float
    headers: dict[str, str] = field(default_factory=dict)


async def _generate(spec: LoadSpec) -> LoadResult:
    result = LoadResult()
    connector = aiohttp.TCPConnector(limit=spec.connections, force_close=False)
    rng = random.Random(7)
    async with aiohttp.ClientSession(
        spec.base_url, connector=connector, headers=spec.headers
    ) as session:
        loop = asyncio.get_running_loop()
        warm_until = loop.time() + WARMUP_SECONDS
        measure_until = warm_until + spec.seconds

        async def worker() -> None:
            while True:
                path = spec.paths[rng.randrange(len(spec.paths))]
                started = loop.time()
                if started >= measure_until:
                    return
                try:
                    async with session.get(path) as response:
                        await response.read()
                        status = response.status
                except aiohttp.ClientError:
                    status = 0
                ended = loop.time()
                if started < warm_until or ended > measure_until:
                    continue
                result.requests += 1
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if status != 200:
                    result.errors += 1
                result.latencies.append(ended - started)

        cpu0 = time.process_time()
        await asyncio.gather(*(worker() for _ in range(spec.connections)))
        result.client_cpu = (time.process_time() - cpu0) / (WARMUP_SECONDS + spec.seconds)
    result.seconds = spec.seconds
    return result


def _child(spec: LoadSpec, conn: Connection) -> None:
    conn.send(asyncio.run(_generate(spec)))
    conn.close()


async def run_load(spec: LoadSpec) -> LoadResult:
    """Run the load in a fresh process and wait (without blocking the loop) for its result."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(spec, child), name="bench-loadgen", daemon=True)
    process.start()
    child.close()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + spec.seconds + 120
    while not parent.poll():
        if not process.is_alive() and not parent.poll():
            raise RuntimeError(f"load generator exited with code {process.exitcode}")
        if loop.time() > deadline:
            process.kill()
            raise TimeoutError("load generator did not finish")
        await asyncio.sleep(0.02)
    result: LoadResult = parent.recv()
    await asyncio.to_thread(process.join, 10)
    return result
