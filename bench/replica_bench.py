"""Replica lag under the bench load: the service on a primary and a streaming replica, driven
with single checks (each reads its facts on the replica and stores its decision on the
primary) and, in the same run, dossier reads sent with the consistency token of a write just
made (read-your-writes).

    .venv/bin/python bench/replica_bench.py                 # 100,000 cadres
    .venv/bin/python bench/replica_bench.py --cadres 10000 --seconds 10

A fresh embedded primary (in a temporary folder) is migrated and filled with bench/generate.py's
data set; a replica is made from it (`app.backup.make_replica`, i.e. `pg_basebackup -R`) and
started on the same binaries. `vetting serve` runs with DATABASE_REPLICA_URLS naming it. While
the load runs, the primary's `pg_stat_replication` is sampled every 100 ms: the WAL bytes the
replica has not replayed (primary insert position − replay position) and PostgreSQL's own
`replay_lag`. Printed: the load's figures, lag p50 / p99 / max, and where reads were served
(from the service's `db_read_sessions_total`). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import embedded  # noqa: E402
from app.backup import make_replica  # noqa: E402
from bench.generate import SECRET, asyncpg_dsn, fresh_database  # noqa: E402
from bench.run import Load, _drive, _key, free_port, start, stop, wait_ready  # noqa: E402

SLOT = "bench_replica"
_SAMPLE = (
    "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), replay_lsn)::bigint, "
    "EXTRACT(EPOCH FROM replay_lag)::float8 FROM pg_stat_replication"
)


def _percentiles(values: list[float]) -> str:
    if not values:
        return "no samples"
    ordered = sorted(values)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]

    return f"p50 {at(50):.4g}  p99 {at(99):.4g}  max {ordered[-1]:.4g}"


async def _sample(superuser: str, until: float) -> tuple[list[float], list[float]]:
    """(A superuser: pg_stat_replication shows other roles only its positions.)"""
    conn = await asyncpg.connect(**asyncpg_dsn(superuser))
    lag_bytes: list[float] = []
    lag_seconds: list[float] = []
    try:
        while time.monotonic() < until:
            row = await conn.fetchrow(_SAMPLE)
            if row is not None:
                lag_bytes.append(float(row[0] or 0))
                lag_seconds.append(float(row[1] or 0.0))  # NULL: nothing left to replay
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    return lag_bytes, lag_seconds


async def _read_your_writes(port: int, key: str, ids: list[str], until: float) -> dict[str, int]:
    """Write (a new org unit), then read a dossier with the write's token, in a loop."""
    seen = {"writes": 0, "reads": 0, "missing_token": 0, "failed": 0}
    rng = random.Random(11)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        n = 0
        while time.monotonic() < until:
            n += 1
            body = {"name": f"读写单位{n}", "kind": "government_department", "level": "county"}
            written = await http.post("/v1/org-units", json=body, headers=headers)
            seen["writes"] += 1
            token = written.headers.get("Consistency-Token")
            if token is None:
                seen["missing_token"] += 1
                continue
            unit = written.json()["id"]
            read = await http.get(
                f"/v1/org-units/{unit}", headers={**headers, "Consistency-Token": token}
            )
            seen["reads"] += 1
            if read.status_code != 200:
                seen["failed"] += 1
            dossier = f"/v1/cadres/{rng.choice(ids)}/dossier"
            await http.get(dossier, headers={**headers, "Consistency-Token": token})
    return seen


def _served(metrics: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in metrics.splitlines():
        if line.startswith("db_read_sessions_total{"):
            labels, _, value = line.rpartition(" ")
            out[labels.removeprefix("db_read_sessions_total")] = float(value)
    return out


async def _run(
    args: argparse.Namespace, superuser: str, owner: str, service: str, replica_url: str
) -> None:
    conn = await asyncpg.connect(**asyncpg_dsn(owner))
    ids = [str(r[0]) for r in await conn.fetch("SELECT id FROM cadres")]
    await conn.close()
    key = await _key(service)
    port = free_port()
    env = {
        "DATABASE_URL": service,
        "DATABASE_REPLICA_URLS": replica_url,
        "VETTING_SECRET_KEY": SECRET,
        "VETTING_DB_POOL_SIZE": "10",
    }
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    log = Path(tempfile.gettempdir()) / "vetting-replica-bench-service.log"
    proc = start([*command, "--workers", str(args.workers)], env, log)
    try:
        await asyncio.to_thread(wait_ready, f"http://127.0.0.1:{port}/healthz")
        spec = Load(ids, key, args.connections, args.seconds, 3.0, 10**9)
        await _drive(port, "/v1/vetting/checks", 201, spec, spec.warmup)
        until = time.monotonic() + args.seconds
        sampled, checked, ryw = await asyncio.gather(
            _sample(superuser, until),
            _drive(port, "/v1/vetting/checks", 201, spec, args.seconds),
            _read_your_writes(port, key, ids, until),
        )
        lag_bytes, lag_seconds = sampled
        print(checked.line(f"checks ({args.connections} conns)"))
        print(
            f"read-your-writes: {ryw['writes']} writes, {ryw['reads']} reads with their token, "
            f"{ryw['failed']} not found, {ryw['missing_token']} writes without a token"
        )
        print(f"replica lag, WAL bytes not replayed: {_percentiles(lag_bytes)}")
        print(f"replica lag, replay_lag seconds:     {_percentiles(lag_seconds)}")
        if lag_seconds:
            print(f"  mean {statistics.mean(lag_seconds):.4g} s over {len(lag_seconds)} samples")
        async with httpx.AsyncClient(timeout=10) as http:
            metrics = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
            ready = (await http.get(f"http://127.0.0.1:{port}/readyz")).json()
        print("read sessions (the answering process):", _served(metrics))
        print("replica in /readyz:", ready.get("replicas"))
    finally:
        stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cadres", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="vetting-replica-bench-"))
    root.chmod(0o755)
    primary = embedded.start(root / "primary", delete_on_exit=True)
    replica = None
    superuser = primary.url("postgres")
    try:
        owner, service = fresh_database(superuser, args.cadres)
        started = time.perf_counter()
        run_as = embedded.EMBEDDED_USER if os.geteuid() == 0 else None
        make_replica(superuser, root / "replica", slot=SLOT, run_as=run_as)
        replica = embedded.start(root / "replica", delete_on_exit=True)
        print(f"replica made and started in {time.perf_counter() - started:.1f} s")
        on_replica = make_url(service).update_query_dict({"host": replica.socket_dir})
        replica_url = on_replica.render_as_string(hide_password=False)
        asyncio.run(_run(args, superuser, owner, service, replica_url))
    finally:
        if replica is not None:
            replica.stop()
        primary.psql(f"SELECT pg_drop_replication_slot('{SLOT}');")
        primary.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
