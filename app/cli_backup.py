"""`vetting backup base|wal|replica` and `vetting restore`: base backups, continuous WAL to a
directory, a new streaming replica, and point-in-time restore verified against the audit log
(app.backup for the mechanics)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from app.audit import log
from app.backup import (
    WAL_APPLICATION,
    BackupError,
    PreparedRestore,
    base_backup,
    ended_before_target,
    make_replica,
    prepare_restore,
    receive_wal_command,
    recover_to_end,
)
from app.config import Settings, get_settings
from app.db import SEALER, create_engine, create_sessionmaker
from app.embedded import EMBEDDED_USER, EmbeddedServer, start, wait_promoted


@dataclass(frozen=True)
class RestoreReport:
    ok: bool
    events: int
    last_event: dict[str, Any] | None
    checkpoint_size: int | None
    problem: str | None

    def lines(self) -> list[str]:
        last = self.last_event
        out = [
            f"audit log: {'verified' if self.ok else 'FAILED'} — {self.events} events",
            "last event: "
            + (f"{last['id']} {last['action']} at {last['occurred_at']}" if last else "none"),
            f"latest checkpoint: size {self.checkpoint_size}"
            if self.checkpoint_size is not None
            else "latest checkpoint: none kept",
        ]
        return [*out, f"problem: {self.problem}"] if self.problem else out


async def verify_restored(url: str, settings: Settings) -> RestoreReport:
    """The restored database's audit log walked and checked against every kept checkpoint
    (the latest included), and the last event it holds."""
    engine = create_engine(url, settings)
    try:
        async with create_sessionmaker(engine, settings)() as session:
            result = await log.verify(session, session.info[SEALER], log.log_signer(settings))
            row = (
                await session.execute(
                    text(
                        "SELECT id, action, occurred_at FROM audit_events "
                        "ORDER BY occurred_at DESC, id DESC LIMIT 1"
                    )
                )
            ).first()
            count = await session.scalar(text("SELECT count(*) FROM audit_events"))
    finally:
        await engine.dispose()
    last = None if row is None else {"id": row[0], "action": row[1], "occurred_at": row[2]}
    point = result.checkpoint
    size = None if point is None else point.size
    problem = None if result.problem is None else result.problem.reason
    return RestoreReport(result.problem is None, int(count or 0), last, size, problem)


def start_restored(prepared: PreparedRestore) -> tuple[EmbeddedServer, str | None]:
    """Start the embedded binaries on a restored directory and wait for the replay and the
    promotion. If the WAL ends before the target (nothing committed after it), PostgreSQL
    refuses to stop short of the target: replay it all instead, and say so."""
    note = None
    try:
        server = start(prepared.pgdata)
    except Exception:
        if not ended_before_target(prepared.pgdata):
            raise
        recover_to_end(prepared.pgdata)
        server = start(prepared.pgdata)
        note = "the WAL ends before the target: restored to its end (every commit there is)"
    wait_promoted(server)
    return server, note


def _url(args: argparse.Namespace) -> str:
    """The server to back up: --url, else DATABASE_OWNER_URL / DATABASE_URL, else the embedded
    server of `make run` (attached to, or started, on its data folder), as its superuser."""
    settings = get_settings()
    url = args.url or settings.database_owner_url or settings.database_url
    if url:
        return str(url)
    return start(settings.data_dir / "pg").url("postgres")


def cmd_backup_base(args: argparse.Namespace) -> int:
    try:
        made = base_backup(_url(args), Path(args.dir))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"base backup: {made.path} (from {made.started_at} to {made.finished_at})")
    return 0


def cmd_backup_wal(args: argparse.Namespace) -> int:
    try:
        command = receive_wal_command(_url(args), Path(args.dir), synchronous=not args.no_sync)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"streaming WAL to {args.dir}; for no loss of an acknowledged commit set on the primary "
        f"synchronous_standby_names = '{WAL_APPLICATION}'",
        flush=True,
    )
    process = subprocess.Popen(command)
    signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return process.wait()


def _run_as(args: argparse.Namespace) -> str | None:
    """The system user a directory is handed to: the embedded server's own, when `--start`
    runs it as root (pgserver then runs the server as that user)."""
    return EMBEDDED_USER if args.start and os.geteuid() == 0 else None


def cmd_backup_replica(args: argparse.Namespace) -> int:
    try:
        pgdata = make_replica(_url(args), Path(args.pgdata), slot=args.slot, run_as=_run_as(args))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"replica data directory: {pgdata} (standby.signal and primary_conninfo written)")
    if not args.start:
        print("start a PostgreSQL server on it and add its URL to DATABASE_REPLICA_URLS")
        return 0
    return _serve_until_stopped(start(pgdata), args.database, "replica")


def cmd_restore(args: argparse.Namespace) -> int:
    try:
        target = datetime.fromisoformat(args.to)
        prepared = prepare_restore(
            Path(args.dir), Path(args.wal), target, Path(args.pgdata), run_as=_run_as(args)
        )
    except (BackupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"restored {prepared.base.path.name} into {prepared.pgdata}; replays to {target}")
    if not args.start:
        print("start a PostgreSQL server on it; it replays the WAL, stops at the target, promotes")
        return 0
    server, note = start_restored(prepared)
    if note:
        print(note)
    report = asyncio.run(verify_restored(server.url(args.database), get_settings()))
    print("\n".join(report.lines()))
    if not report.ok:
        return 1
    return _serve_until_stopped(server, args.database, "the restored database")


def _serve_until_stopped(server: EmbeddedServer, database: str, what: str) -> int:
    """The embedded server stops with the process that started it: run until Ctrl-C or
    SIGTERM."""
    print(f"serving {what} at {server.url(database)}; Ctrl-C stops it", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        signal.pause()
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = sub.add_parser("backup", help="base backups and continuous WAL to a directory")
    backup_sub = backup.add_subparsers(dest="backup_command", required=True)
    base = backup_sub.add_parser("base", help="take a base backup (pg_basebackup)")
    base.add_argument("--dir", required=True, help="the backups directory")
    base.add_argument("--url", default=None, help="a role with REPLICATION (default: owner URL)")
    base.set_defaults(func=cmd_backup_base)
    wal = backup_sub.add_parser("wal", help="stream the WAL into a directory (pg_receivewal)")
    wal.add_argument("--dir", required=True, help="the WAL directory")
    wal.add_argument("--url", default=None, help="a role with REPLICATION (default: owner URL)")
    wal.add_argument("--no-sync", action="store_true", help="do not flush every write at once")
    wal.set_defaults(func=cmd_backup_wal)
    replica = backup_sub.add_parser(
        "replica", help="copy the primary into a new streaming replica (pg_basebackup -R)"
    )
    replica.add_argument("--pgdata", required=True, help="a new, empty data directory")
    replica.add_argument("--url", default=None, help="a role with REPLICATION (default: owner URL)")
    replica.add_argument(
        "--slot", default=None, help="create this replication slot for it (recommended)"
    )
    replica.add_argument(
        "--start", action="store_true", help="run it with the embedded binaries until stopped"
    )
    replica.add_argument("--database", default="vetting", help="the database it serves")
    replica.set_defaults(func=cmd_backup_replica)
    restore = sub.add_parser("restore", help="point-in-time restore into a new data directory")
    restore.add_argument("--dir", required=True, help="the backups directory")
    restore.add_argument("--wal", required=True, help="the WAL directory")
    restore.add_argument("--to", required=True, help="target time, ISO 8601 with offset")
    restore.add_argument("--pgdata", required=True, help="a new, empty data directory")
    restore.add_argument(
        "--start",
        action="store_true",
        help="start it with the embedded binaries, wait for the replay, verify the audit log",
    )
    restore.add_argument("--database", default="vetting", help="the database to verify")
    restore.set_defaults(func=cmd_restore)
