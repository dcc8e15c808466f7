"""The raw-asyncpg baseline: a bare ASGI endpoint doing the same lookups as a vetting check for
one cadre (the API key, then the facts query the service runs), with nothing else — no
framework, no ORM, no rules, no writes. The benchmark compares the service against it.

    DATABASE_URL=… python bench/baseline.py --port 8101 --workers 2
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import signal
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import uvicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.vetting.facts_sql import FACTS_SQL  # noqa: E402
from bench.generate import asyncpg_dsn  # noqa: E402

AUTH_SQL = "SELECT id, scopes, org_unit_id, revoked_at FROM api_clients WHERE key_hash = $1"


class Baseline:
    def __init__(self) -> None:
        self.pool: asyncpg.Pool | None = None

    async def startup(self) -> None:
        # Same server settings and pool size as the service's engine (app/db.py).
        self.pool = await asyncpg.create_pool(
            **asyncpg_dsn(os.environ["DATABASE_URL"]),
            min_size=10,
            max_size=10,
            server_settings={"plan_cache_mode": "force_generic_plan"},
        )

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await self.startup()
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = dict(scope["headers"])
        key = headers.get(b"authorization", b"").decode().removeprefix("Bearer ")
        payload = orjson.loads(body)
        assert self.pool is not None
        async with self.pool.acquire() as conn:
            client = await conn.fetchrow(AUTH_SQL, hashlib.sha256(key.encode()).hexdigest())
            rows = await conn.fetch(FACTS_SQL, [payload["cadre_id"]], datetime.now(UTC))
        status = 200 if client is not None else 401
        out = orjson.dumps({"records": len(rows)})
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(out)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": out})


def _worker(host: str, port: int) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    config = uvicorn.Config(Baseline(), log_level="warning", access_log=False, lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(args.host, args.port)) for _ in range(args.workers)]
    for proc in procs:
        proc.start()

    def stop(*_: object) -> None:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for proc in procs:
        proc.join()


if __name__ == "__main__":
    main()
