"""The vetting benchmark: prints throughput and latency of single checks against a raw-asyncpg
baseline doing the same lookups, and the time of one 10,000-item batch.

    .venv/bin/python bench/run.py                      # embedded PostgreSQL in bench/out/pg
    .venv/bin/python bench/run.py --database-url postgresql+asyncpg://…/bench

The first run generates 100,000 cadres and over 1,000,000 records with COPY (about a minute);
later runs reuse them. Both servers run with 2 processes (one SO_REUSEPORT socket each) and get
the same load from the same light client on loopback, bounded by count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import embedded  # noqa: E402
from app.runtime import migrate  # noqa: E402
from bench import load  # noqa: E402
from bench.generate import SECRET, asyncpg_dsn, generate  # noqa: E402

OUT = ROOT / "bench" / "out"
PURPOSES = ["promotion", "important_use", "commendation", "appointment"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def prepare(url: str, cadres: int) -> tuple[list[str], str]:
    conn = await asyncpg.connect(**asyncpg_dsn(url))
    try:
        have = await conn.fetchval("SELECT count(*) FROM cadres")
        if have < cadres:
            if have:
                raise SystemExit(
                    f"the database holds {have} cadres, fewer than {cadres}: "
                    "use an empty database or --cadres {have}"
                )
            print(f"generating {cadres:,} cadres and their records with COPY …", flush=True)
            started = time.perf_counter()
            counts = await generate(url, cadres)
            records = sum(v for k, v in counts.items() if k not in ("org_units", "cadres"))
            print(f"  {records:,} records in {time.perf_counter() - started:.1f} s", flush=True)
        ids = [str(r[0]) for r in await conn.fetch("SELECT id FROM cadres")]
        records = await conn.fetchval(
            "SELECT (SELECT count(*) FROM cadre_versions) + (SELECT count(*) FROM posts) + "
            "(SELECT count(*) FROM assessments) + (SELECT count(*) FROM accidents) + "
            "(SELECT count(*) FROM accountability_cases) + (SELECT count(*) FROM commendations) + "
            "(SELECT count(*) FROM cadre_investigations) + (SELECT count(*) FROM contributions) + "
            "(SELECT count(*) FROM cadre_status_events)"
        )
        print(f"data: {len(ids):,} cadres, {records:,} records", flush=True)
    finally:
        await conn.close()
    return ids, await _key(url)


async def _key(url: str) -> str:
    from app import handlers
    from app.auth.scopes import Scope
    from app.auth.service import create_client
    from app.config import Settings
    from app.context import system_context
    from app.db import create_engine, create_sessionmaker
    from app.uow import unit_of_work

    handlers.install()
    settings = Settings(database_url=url, secret_key=SECRET)
    engine = create_engine(url, settings)
    async with unit_of_work(create_sessionmaker(engine, settings)) as session:
        issued = await create_client(session, system_context("bench"), "bench", [Scope.ADMIN])
    await engine.dispose()
    return issued.key


def start(command: list[str], url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "VETTING_SECRET_KEY": SECRET,
        "VETTING_DB_POOL_SIZE": "10",
    }
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def wait_ready(url: str, attempts: int = 150) -> None:
    for _ in range(attempts):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


async def drive(
    port: int,
    path: str,
    ids: list[str],
    key: str,
    args: argparse.Namespace,
    expect: int,
    total: int,
) -> load.LoadResult:
    def make(rng: random.Random) -> bytes:
        body = orjson.dumps({"cadre_id": rng.choice(ids), "purpose": rng.choice(PURPOSES)})
        return load.post_request("127.0.0.1", port, path, body, key)

    return await load.run("127.0.0.1", port, make, args.connections, total, args.seconds, expect)


def batch_times(port: int, ids: list[str], key: str, rounds: int) -> list[float]:
    rng = random.Random(7)
    times = []
    with httpx.Client(timeout=120) as http:
        for _ in range(rounds):
            items = {
                f"k{i}": {"cadre_id": cid, "purpose": rng.choice(PURPOSES)}
                for i, cid in enumerate(rng.choices(ids, k=10_000))
            }
            body = orjson.dumps({"items": items})
            started = time.perf_counter()
            response = http.post(
                f"http://127.0.0.1:{port}/v1/vetting/batches",
                content=body,
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            )
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.text[:500]
            results = response.json()["results"]
            assert len(results) == 10_000
            times.append(elapsed)
    return times


def report(base: load.LoadResult, ours: load.LoadResult, batches: list[float]) -> None:
    ratio = ours.throughput / base.throughput
    print()
    print("== single checks, same load on both ==")
    print(base.line("raw asyncpg baseline"))
    print(ours.line("service POST /vetting/checks"))
    print(
        f"throughput ratio service/baseline: {ratio:.2f}  (target ≥ 0.50: "
        f"{'met' if ratio >= 0.5 else 'NOT met'})"
    )
    print(
        f"service p99 at {len(ours.latencies_ms) and 'the'} load: {ours.percentile(99):.2f} ms  "
        f"(target < 50 ms: {'met' if ours.percentile(99) < 50 else 'NOT met'})"
    )
    print("== one 10,000-item batch, end to end ==")
    print(
        "  "
        + ", ".join(f"{t:.3f} s" for t in batches)
        + f"   best {min(batches):.3f} s, median {statistics.median(batches):.3f} s  "
        f"(target < 1 s: {'met' if min(batches) < 1 else 'NOT met'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--cadres", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--batches", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    server = None
    url = args.database_url
    if not url:
        server = embedded.start(OUT / "pg")
        url = embedded.ensure_database(server, "bench")
    migrate(url)
    ids, key = asyncio.run(prepare(url, args.cadres))
    ours_port, base_port = free_port(), free_port()
    procs = [
        start(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(ours_port), "--workers", "2"],
            url,
            OUT / "service.log",
        ),
        start(
            [sys.executable, "bench/baseline.py", "--port", str(base_port), "--workers", "2"],
            url,
            OUT / "baseline.log",
        ),
    ]
    try:
        wait_ready(f"http://127.0.0.1:{ours_port}/healthz")
        wait_ready(f"http://127.0.0.1:{base_port}/")
        print(
            f"load: {args.connections} connections, up to {args.requests:,} requests or "
            f"{args.seconds:.0f} s per server, after a warm-up",
            flush=True,
        )
        results: dict[str, load.LoadResult] = {}
        for name, port, path, expect in (
            ("baseline", base_port, "/check", 200),
            ("service", ours_port, "/v1/vetting/checks", 201),
        ):
            asyncio.run(drive(port, path, ids, key, args, expect, 2_000))
            results[name] = asyncio.run(drive(port, path, ids, key, args, expect, args.requests))
        batches = batch_times(ours_port, ids, key, args.batches)
        report(results["baseline"], results["service"], batches)
        for name, result in results.items():
            assert result.errors == 0, f"{name}: {result.errors} requests failed"
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
