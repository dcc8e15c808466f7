"""A light HTTP/1.1 load generator on raw asyncio streams (keep-alive, one request in flight per
connection), so that the client steals as little CPU as possible from the servers under test on
the same two cores. A run is bounded by a number of requests and by time; a request that takes
longer than TIMEOUT seconds counts as an error and ends its connection."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

TIMEOUT = 30.0  # seconds


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]

    def line(self, name: str) -> str:
        return (
            f"{name:<28} {self.throughput:8.0f} req/s   p50 {self.percentile(50):6.2f} ms   "
            f"p99 {self.percentile(99):6.2f} ms   mean {statistics.mean(self.latencies_ms):6.2f} ms"
            f"   ({self.requests} requests, {self.errors} errors, {self.seconds:.1f} s)"
        )


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> tuple[int, bytes]:
    writer.write(raw)
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return status, body


def post_request(host: str, port: int, path: str, body: bytes, key: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def run(
    host: str,
    port: int,
    make_request: Callable[[random.Random], bytes],
    connections: int,
    total: int,
    max_seconds: float,
    expect: int,
) -> LoadResult:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    remaining = total
    deadline = time.perf_counter() + max_seconds

    async def client(seed: int) -> None:
        nonlocal remaining, errors
        rng = random.Random(seed)
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while remaining > 0 and time.perf_counter() < deadline:
                remaining -= 1
                raw = make_request(rng)
                started = time.perf_counter()
                try:
                    status, _ = await asyncio.wait_for(_request(reader, writer, raw), TIMEOUT)
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                    errors += 1
                    return
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
                if status != expect:
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(connections)))
    elapsed = time.perf_counter() - started
    return LoadResult(len(latencies), errors, elapsed, latencies, statuses)
