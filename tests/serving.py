"""The app served by a real server process on a free loopback port, for tests that need real
HTTP (a generated client, the server's own handling of proxy headers)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from app.config import Settings

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def served(settings: Settings, command: Callable[[int], list[str]], probe: str) -> Iterator[str]:
    """Start `command(port)` with the suite's database and secret, wait until `probe` answers
    200 (bounded), yield the base URL, and stop the process."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url or "",
        "VETTING_SECRET_KEY": settings.secret_key or "",
        "VETTING_LOG_LEVEL": "WARNING",
        "VETTING_FALLBACK_RULEBOOK": settings.fallback_rulebook,
    }
    proc = subprocess.Popen(command(port), cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}{probe}", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def uvicorn_command(port: int) -> list[str]:
    return [
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
    ]
