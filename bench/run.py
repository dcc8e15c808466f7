"""The vetting benchmark: the service's single check against two fixed raw floors, the 10,000-item
batch, and the bytes stored per decision, all on one generated database.

    .venv/bin/python bench/run.py                        # 100,000 cadres, embedded PostgreSQL
    .venv/bin/python bench/run.py --cadres 1000000       # 1M (bench/out/pg-1m)
    .venv/bin/python bench/run.py --server-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres

The data (generated once with COPY: see bench/generate.py) lives in a database of its own per
size, `vetting_bench_100k`, `vetting_bench_1m`, …, on an embedded server in bench/out/pg-<size>
or on the server of `--server-url` (a superuser's URL), so that sizes coexist; later runs reuse
it. The service runs as the service role, the floors as the owner of the tables.

Measured, one after the other with the same load (the light client of bench/load.py,
`--connections` keep-alive connections, a warm-up and then `--seconds` each) and the same
number of server processes (`--workers`, one SO_REUSEPORT socket each):
- the read floor and the write floor (bench/floors.py: raw ASGI + asyncpg, written without the
  service's code), then the service's POST /v1/vetting/checks;
- for each: requests/s, p50 and p99 latency, CPU per request of the server's process tree
  (and, beside it, of its database backends);
- the 10,000-item POST /v1/vetting/batches, `--batches` times, to the last byte of the answer;
- the bytes stored per decision (pg_column_size of the decision row, its audit event and log
  leaf, and its facts snapshot counted whole), median over the measured checks; and the growth
  on disk of those tables during the checks (a snapshot shared by decisions on the same facts
  stored once, indexes included), per decision; the same median for a batch's decisions.
The targets are printed beside the figures, not asserted. The figures are also written to
bench/out/results-<size>.json; a run at 1M compares its throughput with the 100k one's.
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
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import embedded  # noqa: E402
from app.runtime import migrate, prepare_database  # noqa: E402
from bench import load, measure  # noqa: E402
from bench.floors import FLOOR_SHA  # noqa: E402
from bench.generate import SECRET, asyncpg_dsn, generate  # noqa: E402

OUT = ROOT / "bench" / "out"
PURPOSES = ["promotion", "important_use", "commendation", "appointment"]
RECORD_TABLES = (
    "cadre_versions",
    "posts",
    "assessments",
    "accidents",
    "accountability_cases",
    "commendations",
    "cadre_investigations",
    "contributions",
    "cadre_status_events",
)


def size_label(cadres: int) -> str:
    if cadres % 1_000_000 == 0:
        return f"{cadres // 1_000_000}m"
    return f"{cadres // 1000}k" if cadres % 1000 == 0 else str(cadres)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, attempts: int = 150) -> None:
    for _ in range(attempts):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


async def prepare(url: str, cadres: int) -> tuple[list[str], int]:
    """Generate the data if the database is empty; the cadre ids and the number of records."""
    conn = await asyncpg.connect(**asyncpg_dsn(url))
    try:
        have = await conn.fetchval("SELECT count(*) FROM cadres")
        if have and have != cadres:
            raise SystemExit(
                f"the database holds {have:,} cadres, not {cadres:,}: use another database "
                f"(--database) or --cadres {have}"
            )
        if not have:
            print(f"generating {cadres:,} cadres and their records with COPY …", flush=True)
            started = time.perf_counter()
            await generate(url, cadres, verbose=True)
            print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
        ids = [str(r[0]) for r in await conn.fetch("SELECT id FROM cadres")]
        counts = " + ".join(f"(SELECT count(*) FROM {t})" for t in RECORD_TABLES)
        records = int(await conn.fetchval(f"SELECT {counts}"))
    finally:
        await conn.close()
    return ids, records


async def _key(url: str) -> str:
    """A new admin API key, issued through the service's own code (so that its creation is in
    the audit log, as the service checks)."""
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


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class Measured:
    name: str
    requests: int
    errors: int
    seconds: float
    throughput: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float  # server process tree, per request
    db_cpu_ms: float | None  # database backends, per request

    def line(self) -> str:
        db = f" (+ db {self.db_cpu_ms:.2f})" if self.db_cpu_ms is not None else ""
        errors = f"  {self.errors} ERRORS" if self.errors else ""
        return (
            f"{self.name:<15} {self.throughput:6.0f} req/s  p50 {self.p50_ms:5.1f} ms  "
            f"p99 {self.p99_ms:5.1f} ms  cpu {self.cpu_ms:.2f} ms/req{db}  "
            f"[{self.requests:,} in {self.seconds:.1f} s]{errors}"
        )


@dataclass
class Load:
    ids: list[str]
    key: str
    connections: int
    seconds: float
    warmup: float
    requests: int


async def _drive(port: int, path: str, expect: int, spec: Load, seconds: float) -> Any:
    def make(rng: random.Random) -> bytes:
        body = orjson.dumps({"cadre_id": rng.choice(spec.ids), "purpose": rng.choice(PURPOSES)})
        return load.post_request("127.0.0.1", port, path, body, spec.key)

    return await load.run("127.0.0.1", port, make, spec.connections, spec.requests, seconds, expect)


async def measure_one(
    name: str,
    proc: subprocess.Popen[bytes],
    port: int,
    path: str,
    expect: int,
    spec: Load,
    db: Any,
    settle: Callable[[], Awaitable[None]] | None = None,
) -> Measured:
    """A warm-up, `settle` (if given), then the measured run, with the CPU of the server and of
    its database backends."""
    await _drive(port, path, expect, spec, spec.warmup)
    if settle is not None:
        await settle()
    cpu0, db0 = measure.tree_cpu(proc.pid), await measure.backends_cpu(db)
    result = await _drive(port, path, expect, spec, spec.seconds)
    cpu1, db1 = measure.tree_cpu(proc.pid), await measure.backends_cpu(db)
    n = max(result.requests, 1)
    app_cpu = measure.spent(cpu0, cpu1) or 0.0
    db_cpu = measure.spent(db0, db1)
    if result.errors:
        print(f"  {name}: statuses {result.statuses}", flush=True)
    return Measured(
        name,
        result.requests,
        result.errors,
        result.seconds,
        result.throughput,
        result.percentile(50),
        result.percentile(99),
        app_cpu * 1000 / n,
        db_cpu * 1000 / n if db_cpu is not None else None,
    )


async def drained(db: Any, limit: float = 120) -> None:
    """Wait until the audit queue is empty (the service's sequencer logs what the floors and
    earlier runs queued), so that the measured run does not pay for a backlog."""
    for _ in range(int(limit / 0.2)):
        if not await db.fetchval("SELECT count(*) FROM audit_queue"):
            return
        await asyncio.sleep(0.2)


async def floors_phase(owner_url: str, spec: Load, workers: int, label: str) -> list[Measured]:
    port = free_port()
    dsn = make_url(owner_url).set(drivername="postgresql").render_as_string(hide_password=False)
    proc = start(
        [sys.executable, "bench/floors.py", "--port", str(port), "--workers", str(workers)],
        {"FLOOR_DSN": dsn, "FLOOR_POOL_SIZE": "10"},
        OUT / f"floors-{label}.log",
    )
    db = await asyncpg.connect(**asyncpg_dsn(owner_url))
    try:
        await asyncio.to_thread(wait_ready, f"http://127.0.0.1:{port}/")
        read = await measure_one("read floor", proc, port, "/read", 200, spec, db)
        print(read.line(), flush=True)
        write = await measure_one("write floor", proc, port, "/write", 201, spec, db)
        print(write.line(), flush=True)
        return [read, write]
    finally:
        await db.close()
        stop(proc)


@dataclass
class ServiceFigures:
    check: Measured
    batches: list[float]
    stored: measure.Stored | None
    stored_batch: measure.Stored | None
    disk_per_decision: float | None


async def service_phase(
    owner_url: str, service_url: str, spec: Load, args: argparse.Namespace, label: str
) -> ServiceFigures:
    port = free_port()
    env = {"DATABASE_URL": service_url, "VETTING_SECRET_KEY": SECRET, "VETTING_DB_POOL_SIZE": "10"}
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    proc = start([*command, "--workers", str(args.workers)], env, OUT / f"service-{label}.log")
    db = await asyncpg.connect(**asyncpg_dsn(owner_url))
    try:
        await asyncio.to_thread(wait_ready, f"http://127.0.0.1:{port}/healthz")
        await drained(db)
        before: dict[str, Any] = {}

        async def settle() -> None:  # after the warm-up: what the measured checks add
            await drained(db)
            before.update(since=await db.fetchval("SELECT now()"))
            before.update(disk=await measure.relation_bytes(db))

        path = "/v1/vetting/checks"
        check = await measure_one("service check", proc, port, path, 201, spec, db, settle)
        print(check.line(), flush=True)
        await drained(db)
        since = before["since"]
        stored = await measure.stored_per_decision(db, since, FLOOR_SHA)
        disk = await measure.relation_bytes(db) - before["disk"]
        disk_per = disk / stored.decisions if stored else None
        batches, batch_id = await batch_times(port, spec, args.batches, args.batch_size)
        await drained(db)
        stored_batch = await measure.stored_per_decision(db, since, FLOOR_SHA, batch_id)
        return ServiceFigures(check, batches, stored, stored_batch, disk_per)
    finally:
        await db.close()
        stop(proc)


async def batch_times(port: int, spec: Load, rounds: int, size: int) -> tuple[list[float], Any]:
    """Seconds of each batch, from sending to the last byte of the answer; the last batch id."""
    rng = random.Random(7)
    times, batch_id = [], None
    headers = {"Authorization": f"Bearer {spec.key}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(timeout=300) as http:
        for _ in range(rounds):
            items = {
                f"k{i}": {"cadre_id": cid, "purpose": rng.choice(PURPOSES)}
                for i, cid in enumerate(rng.choices(spec.ids, k=size))
            }
            body = orjson.dumps({"items": items})
            url = f"http://127.0.0.1:{port}/v1/vetting/batches"
            started = time.perf_counter()
            async with http.stream("POST", url, content=body, headers=headers) as response:
                content = await response.aread()
            times.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"batch failed: {response.status_code} {content[:500]!r}")
            answer = orjson.loads(content)
            assert len(answer["results"]) == size
            batch_id = answer["batch_id"]
    return times, batch_id


def _target(value: float, op: str, limit: float, unit: str = "", note: str = "") -> str:
    met = value >= limit if op == "≥" else value <= limit
    return f"(target {op} {limit:g}{unit}{note})  {'met' if met else 'NOT met'}"


def report(
    floors: list[Measured], figures: ServiceFigures, cadres: int, label: str, batch_size: int
) -> dict[str, Any]:
    read, write = floors
    check = figures.check
    large = cadres >= 1_000_000
    at = " at 100k" if large else ""
    print()
    print(f"== {cadres:,} cadres ==")
    for measured in (read, write, check):
        print(measured.line())
    to_read, to_write = check.throughput / read.throughput, check.throughput / write.throughput
    print(f"ratio service/read   {to_read:5.2f}  {_target(to_read, '≥', 0.6, note=at)}")
    print(f"ratio service/write  {to_write:5.2f}  {_target(to_write, '≥', 1.5, note=at)}")
    print(f"service p99          {check.p99_ms:5.1f} ms  {_target(check.p99_ms, '≤', 50, ' ms')}")
    out: dict[str, Any] = {
        "cadres": cadres,
        "measured": [asdict(m) for m in (read, write, check)],
        "ratio_read": to_read,
        "ratio_write": to_write,
    }
    baseline = OUT / "results-100k.json"
    if large and baseline.exists():
        before = orjson.loads(baseline.read_bytes())["measured"][2]["throughput"]
        ratio = check.throughput / before
        print(
            f"service {label}/100k    {ratio:5.2f}  ({check.throughput:.0f} vs {before:.0f} req/s)"
            f"  {_target(ratio, '≥', 0.8)}"
        )
        out["ratio_to_100k"] = ratio
    median = statistics.median(figures.batches)
    runs = ", ".join(f"{t:.3f}" for t in figures.batches)
    target = _target(median, "≤", 1.5 if large else 1.0, " s")
    print(f"batch {batch_size:,} items  median {median:.3f} s  ({runs})  {target}")
    out["batch_seconds"] = figures.batches
    out.update(report_stored(figures))
    return out


def report_stored(figures: ServiceFigures) -> dict[str, Any]:
    out: dict[str, Any] = {}
    stored = figures.stored
    if stored is not None:
        target = _target(stored.median, "≤", 2048, " B")
        print(f"stored per decision  median {stored.median:,.0f} B  {target}")
        print(f"  check: {stored.breakdown()}; {stored.decisions:,} decisions")
        out["stored_bytes"] = asdict(stored)
    if figures.disk_per_decision is not None:
        per = figures.disk_per_decision
        print(f"  on disk (shared snapshots once, indexes included): {per:,.0f} B per check")
        out["disk_bytes_per_decision"] = figures.disk_per_decision
    if figures.stored_batch is not None:
        b = figures.stored_batch
        print(f"  batch: median {b.median:,.0f} B per decision ({b.breakdown()})")
        out["stored_bytes_batch"] = asdict(b)
    return out


def databases(args: argparse.Namespace, label: str) -> tuple[str, str, Any]:
    """(owner URL, service URL, embedded server or None) of the size's database."""
    if args.database_url:
        return args.database_url, args.database_url, None
    server = None
    superuser = args.server_url
    if not superuser:
        server = embedded.start(OUT / f"pg-{label}")
        superuser = server.url("postgres")
    owner, service = prepare_database(superuser, args.database or f"vetting_bench_{label}")
    return owner, service, server


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cadres", type=int, default=100_000)
    parser.add_argument("--server-url", help="a superuser's URL of the PostgreSQL server to use")
    parser.add_argument("--database", help="the database's name (default vetting_bench_<size>)")
    parser.add_argument("--database-url", help="use this database as is, as owner and service")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20, help="of each measured run")
    parser.add_argument("--warmup", type=float, default=3, help="seconds before each run")
    parser.add_argument("--requests", type=int, default=10**9, help="at most, per run")
    parser.add_argument("--workers", type=int, default=2, help="server processes of each")
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=10_000)
    args = parser.parse_args()
    label = size_label(args.cadres)
    OUT.mkdir(parents=True, exist_ok=True)
    owner_url, service_url, server = databases(args, label)
    try:
        migrate(owner_url, service_url=service_url, secret_key=SECRET)
        ids, records = asyncio.run(prepare(owner_url, args.cadres))
        key = asyncio.run(_key(service_url))
        print(
            f"data: {len(ids):,} cadres, {records:,} records ({make_url(owner_url).database}); "
            f"load: {args.connections} connections, {args.warmup:g} s warm-up + "
            f"{args.seconds:g} s each, {args.workers} server processes each; "
            f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        spec = Load(ids, key, args.connections, args.seconds, args.warmup, args.requests)
        floors = asyncio.run(floors_phase(owner_url, spec, args.workers, label))
        figures = asyncio.run(service_phase(owner_url, service_url, spec, args, label))
        results = report(floors, figures, args.cadres, label, args.batch_size)
        results["at"] = datetime.now().astimezone().isoformat()
        (OUT / f"results-{label}.json").write_bytes(
            orjson.dumps(results, option=orjson.OPT_INDENT_2)
        )
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
