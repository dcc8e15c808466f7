"""Fuzz the API with schemathesis against its own OpenAPI document (CI runs this).

Starts a throwaway embedded PostgreSQL (or uses TEST_DATABASE_URL's server), loads the demo
data set, serves the app on a free loopback port with an admin key, and runs every operation with
generated and boundary inputs, twice: with an admin key, and with a narrow key bound to one
county (江阳区) that holds every scope but admin and pii:read. Fails on any 5xx or any response
that breaks the documented schema. Each pass is bounded by --max-time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import embedded  # noqa: E402
from app.runtime import migrate  # noqa: E402
from tests.dbutil import create_database, drop_database  # noqa: E402

SECRET = "fuzz-secret-key-0123456789-abcdefghijklmnop"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


NARROW_UNIT = "江阳区人民政府"


async def _keys(url: str) -> dict[str, str]:
    """Load the demo data set (so that listings, dossiers and the rest answer with real
    records, checked against their schemas) and make the two keys: admin and county."""
    from sqlalchemy import select

    from app import demo, handlers
    from app.auth.scopes import Scope
    from app.auth.service import create_client
    from app.config import Settings
    from app.context import system_context
    from app.db import create_engine, create_sessionmaker
    from app.models import OrgUnit
    from app.security.pii import PiiCipher
    from app.uow import unit_of_work

    handlers.install()
    settings = Settings(database_url=url, secret_key=SECRET)
    engine = create_engine(url, settings)
    async with unit_of_work(create_sessionmaker(engine, settings)) as session:
        await demo.load(session, PiiCipher.from_secret(SECRET))
        admin = await create_client(session, system_context("fuzz"), "fuzz", [Scope.ADMIN])
        county = (
            await session.execute(select(OrgUnit.id).where(OrgUnit.name == NARROW_UNIT))
        ).scalar_one()
        narrow = [s for s in Scope if s not in (Scope.ADMIN, Scope.PII_READ)]
        bound = await create_client(session, system_context("fuzz"), "fuzz-county", narrow, county)
    await engine.dispose()
    return {"admin": admin.key, "county": bound.key}


def _wait(base: str) -> None:
    for _ in range(100):
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the app did not become ready")


def _run(url: str, max_time: int, workers: int) -> int:
    keys = asyncio.run(_keys(url))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "VETTING_SECRET_KEY": SECRET,
        "VETTING_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "app.main:create_app_from_env",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait(base)
        status = 0
        for name, key in keys.items():
            print(f"== schemathesis with the {name} key ==", flush=True)
            status |= _schemathesis(base, key, max_time, workers)
        return status
    finally:
        server.terminate()
        server.wait(timeout=20)


def _schemathesis(base: str, key: str, max_time: int, workers: int) -> int:
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        str(ROOT / "openapi" / "openapi.json"),
        "--url",
        base,
        "-H",
        f"Authorization: Bearer {key}",
        "--checks",
        "not_a_server_error,response_schema_conformance,"
        "content_type_conformance,status_code_conformance",
        "--max-time",
        str(max_time),
        "--workers",
        str(workers),
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        "25",
        "--suppress-health-check",
        "all",
        "--seed",
        "20181127",
    ]
    return subprocess.call(command, cwd=ROOT)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-time", type=int, default=240)
    # One worker: with two threads, Hypothesis's lambda descriptions call ast.parse concurrently,
    # which on CPython 3.11 can fail with "SystemError: AST constructor recursion depth mismatch"
    # inside schemathesis (a runtime error of the tool, not a finding about the API).
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    configured = os.environ.get("TEST_DATABASE_URL")
    server = None
    if configured:
        server_url = configured
    else:
        folder = Path(tempfile.mkdtemp(prefix="vetting-fuzz-"))
        server = embedded.start(folder / "pg", delete_on_exit=True)
        server_url = server.url("postgres")
    url = create_database(server_url, prefix="vetting_fuzz")
    try:
        migrate(url)
        return _run(url, args.max_time, args.workers)
    finally:
        drop_database(server_url, url)
        if server is not None:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
