"""Embedded PostgreSQL for development and tests, started from the `pgserver` wheel.

pgserver ships the server binaries; as root it runs them as a `pgserver` system user, needs
`XDG_RUNTIME_DIR` to point at a 0700 directory, and stops the server when the process that
started it exits. Connections go through its Unix socket.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

log = logging.getLogger(__name__)
# As root, pgserver runs the server as this system user (files it reads must be its own).
EMBEDDED_USER = "pgserver"


class EmbeddedUnavailable(RuntimeError):
    """The `pgserver` package is not installed (install the `embedded` extra)."""


@dataclass
class EmbeddedServer:
    handle: Any
    socket_dir: str

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={quote(self.socket_dir, safe='/')}"

    def psql(self, sql: str) -> str:
        return str(self.handle.psql(sql))

    def pid(self) -> int | None:
        pid = self.handle.get_pid()
        return int(pid) if pid is not None else None

    def stop(self) -> None:
        self.handle.cleanup()


def _ensure_runtime_dir() -> None:
    current = os.environ.get("XDG_RUNTIME_DIR")
    if current and Path(current).is_dir():
        return
    runtime = Path(tempfile.gettempdir()) / f"vetting-runtime-{os.getuid()}"
    runtime.mkdir(mode=0o700, exist_ok=True)
    runtime.chmod(0o700)
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def _forget_dead_handles(pgdata: Path) -> None:
    """pgserver stops the server when the last process holding a handle exits, counting holders
    in a file; a holder that was killed never removes itself, so the server would never stop.
    Drop the pids of processes that no longer exist."""
    import json

    import psutil

    registry = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(registry.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        registry.write_text(json.dumps(alive))


def start(pgdata: Path, *, delete_on_exit: bool = False) -> EmbeddedServer:
    """Start (or attach to) the embedded server whose data folder is `pgdata`."""
    _ensure_runtime_dir()
    try:
        import pgserver
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise EmbeddedUnavailable(
            "DATABASE_URL is not set and the embedded database is not installed; "
            "install the project with the 'embedded' extra or set DATABASE_URL"
        ) from exc
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(pgdata)
    try:
        handle = pgserver.get_server(  # type: ignore[attr-defined]
            pgdata, cleanup_mode="delete" if delete_on_exit else "stop"
        )
    except Exception:
        # pgserver keeps the handle of a server that failed to start and would hand it back,
        # unstarted, to the next call: forget it, so that a retry starts the server afresh.
        from pgserver.postgres_server import PostgresServer

        PostgresServer._instances.pop(pgdata.expanduser().resolve(), None)
        raise
    socket_dir = str(handle.get_postmaster_info().socket_dir)
    log.info("embedded PostgreSQL ready", extra={"pgdata": str(pgdata)})
    return EmbeddedServer(handle=handle, socket_dir=socket_dir)


def ensure_database(server: EmbeddedServer, name: str) -> str:
    """Create database `name` if it does not exist; return its SQLAlchemy URL."""
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{name}";')
    return server.url(name)


def kill(server: EmbeddedServer) -> None:
    """Kill the server's processes outright (SIGKILL), as a crash would. For fault tests."""
    import psutil

    pid = server.pid()
    if pid is None:
        return
    try:
        root = psutil.Process(pid)
        procs = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        return
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):  # it may have exited meanwhile
            proc.kill()
    psutil.wait_procs(procs, timeout=10)


def restart(server: EmbeddedServer) -> None:
    """Start the server again on the same data folder after it died."""
    server.handle.ensure_postgres_running()


def wait_promoted(server: EmbeddedServer, timeout: float = 300.0) -> None:
    """Wait until a server started on a restored directory has replayed to its target and
    promoted (left recovery); raise TimeoutError if it has not within `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # not yet accepting connections
            if " f\n" in server.psql("SELECT pg_is_in_recovery();"):
                return
        time.sleep(0.2)
    raise TimeoutError("the restored server did not finish its recovery in time")
