"""Backup and point-in-time restore with PostgreSQL's own tools: a base backup
(`pg_basebackup`, tar, compressed, with the WAL to make it consistent) and the WAL streamed
continuously to a directory (`pg_receivewal` on a replication slot, so no segment is recycled
before it is received). With the primary's `synchronous_standby_names` naming the receiver
(`WAL_APPLICATION`), a commit is acknowledged only once its WAL is in that directory: a lost
disk loses no acknowledged record.

A restore takes the latest base backup finished before the target time, lays it out as a new
data directory, and has PostgreSQL replay the WAL from the directory up to that time and then
promote (`recovery_target_time`, `recovery_target_action = promote`). Every transaction
committed before the target is there; none after it is, in part or in whole.

Why our own thin wrapper: the tools are PostgreSQL's; what is ours is where they put things,
choosing the base backup for a time, and the few files a restored directory must not keep.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from app import clock

WAL_APPLICATION = "vetting_wal"  # the receiver's application_name (synchronous_standby_names)
WAL_SLOT = "vetting_wal"
MANIFEST = "vetting-backup.json"
# Files of a running server that a base backup may carry and a restored directory must not.
RUNTIME_FILES = ("postmaster.pid", "postmaster.opts", "log", ".handle_pids.json")


class BackupError(RuntimeError):
    """A backup or restore that cannot proceed; the message says why and what to do."""


def tools_dir() -> Path:
    """Where pg_basebackup and friends are: the embedded server's binaries if installed (the
    same major version as the server the suite and `make run` use), else the PATH's."""
    try:
        import pgserver

        bundled = Path(pgserver.__file__).parent / "pginstall" / "bin"
        if (bundled / "pg_basebackup").exists():
            return bundled
    except ImportError:  # pragma: no cover - depends on the installed extras
        pass
    found = shutil.which("pg_basebackup")
    if found is None:
        raise BackupError("pg_basebackup not found: install the PostgreSQL client tools")
    return Path(found).parent


def conninfo(url: str, application_name: str | None = None) -> str:
    """A libpq connection string from a SQLAlchemy URL (as the PostgreSQL tools take it)."""
    parsed = make_url(url)
    parts = {
        "host": parsed.query.get("host") or parsed.host,
        "port": parsed.port,
        "user": parsed.username,
        "password": parsed.password,
        "dbname": parsed.database,
        "application_name": application_name,
    }

    def quoted(value: object) -> str:
        text = str(value[0] if isinstance(value, tuple) else value)
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    return " ".join(f"{k}={quoted(v)}" for k, v in parts.items() if v not in (None, ""))


def _run(args: Sequence[str]) -> str:
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip() or done.stdout}")
    return done.stdout


@dataclass(frozen=True)
class BaseBackup:
    path: Path
    started_at: datetime
    finished_at: datetime

    @classmethod
    def read(cls, path: Path) -> BaseBackup:
        data = json.loads((path / MANIFEST).read_text())
        return cls(
            path,
            datetime.fromisoformat(data["started_at"]),
            datetime.fromisoformat(data["finished_at"]),
        )


def base_backup(url: str, directory: Path) -> BaseBackup:
    """A base backup of the server behind `url` (a role with REPLICATION) under `directory`,
    in a folder of its own named by its start time."""
    started = clock.now().astimezone(UTC)
    target = directory / f"base-{started.strftime('%Y%m%dT%H%M%S%fZ')}"
    directory.mkdir(parents=True, exist_ok=True)
    tool = tools_dir() / "pg_basebackup"
    label = f"vetting {started.isoformat()}"
    options = ["-Ft", "-z", "-X", "stream", "-c", "fast", "-l", label, "--no-password"]
    _run([str(tool), "-d", conninfo(url), "-D", str(target), *options])
    finished = clock.now().astimezone(UTC)
    manifest = {"started_at": started.isoformat(), "finished_at": finished.isoformat()}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return BaseBackup(target, started, finished)


def base_backups(directory: Path) -> list[BaseBackup]:
    folders = sorted(directory.glob("base-*"))
    found = [BaseBackup.read(p) for p in folders if (p / MANIFEST).exists()]
    return sorted(found, key=lambda b: b.finished_at)


def receive_wal_command(url: str, wal_dir: Path, *, synchronous: bool = True) -> list[str]:
    """The `pg_receivewal` command that streams the server's WAL into `wal_dir` on the slot
    `WAL_SLOT` (created if missing), flushing each write at once when `synchronous`."""
    wal_dir.mkdir(parents=True, exist_ok=True)
    tool = tools_dir() / "pg_receivewal"
    info = conninfo(url, WAL_APPLICATION)
    # Create the slot first (a separate run: --create-slot does not stream).
    _run(
        [
            str(tool),
            "-d",
            info,
            "--slot",
            WAL_SLOT,
            "--create-slot",
            "--if-not-exists",
            "--no-password",
        ]
    )
    command = [str(tool), "-d", info, "-D", str(wal_dir), "--slot", WAL_SLOT, "--no-password"]
    return [*command, "--synchronous"] if synchronous else command


@dataclass(frozen=True)
class PreparedRestore:
    pgdata: Path
    base: BaseBackup
    target: datetime


def _chown_tree(root: Path, user: str) -> None:
    import pwd

    entry = pwd.getpwnam(user)
    for folder, _dirs, files in os.walk(root):
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        for name in files:
            os.chown(os.path.join(folder, name), entry.pw_uid, entry.pw_gid)


def _must_be_empty(pgdata: Path, what: str) -> None:
    if pgdata.exists() and any(pgdata.iterdir()):
        raise BackupError(f"{pgdata} is not empty: {what} into a new directory")


def _drop_runtime_files(pgdata: Path) -> None:
    """The files of the running server a copy of its directory carries (its pid, its log, its
    socket's lock) and a server starting on the copy must not find."""
    for name in RUNTIME_FILES:
        (pgdata / name).unlink(missing_ok=True)
    for lock in pgdata.glob(".s.PGSQL.*"):
        lock.unlink()


def make_replica(
    url: str, pgdata: Path, *, slot: str | None = None, run_as: str | None = None
) -> Path:
    """A new data directory `pgdata` for a streaming replica of the server behind `url` (a role
    with REPLICATION): `pg_basebackup -R` copies it and writes `standby.signal` and
    `primary_conninfo`, so a server started on it follows the primary, read-only, and serves
    reads (hot standby). `slot`: a replication slot created for it, so that the primary keeps
    the WAL the replica has not received yet (drop it with the replica)."""
    _must_be_empty(pgdata, "make a replica")
    options = ["-R", "-X", "stream", "-c", "fast", "--no-password"]
    if slot is not None:
        options += ["-C", "-S", slot]
    _run([str(tools_dir() / "pg_basebackup"), "-d", conninfo(url), "-D", str(pgdata), *options])
    _drop_runtime_files(pgdata)
    pgdata.chmod(0o700)
    if run_as is not None:
        _chown_tree(pgdata, run_as)
    return pgdata


def _extract(archive: Path, into: Path) -> None:
    """Unpack a tar the backup wrote (members kept inside `into`: the 'tar' filter)."""
    with tarfile.open(archive) as tar:
        try:
            tar.extractall(into, filter="tar")
        except TypeError:  # pragma: no cover - Python before 3.11.4 has no filters
            tar.extractall(into)


def prepare_restore(
    backups: Path, wal_dir: Path, target: datetime, pgdata: Path, run_as: str | None = None
) -> PreparedRestore:
    """A new data directory `pgdata` that, when a server starts on it, replays to `target`
    and promotes. `run_as`: the system user the server runs as (files are handed to it)."""
    if target.tzinfo is None:
        raise BackupError("the target time needs a UTC offset (e.g. 2026-12-03T14:00:00+08:00)")
    usable = [b for b in base_backups(backups) if b.finished_at <= target]
    if not usable:
        raise BackupError(f"no base backup in {backups} finished before {target.isoformat()}")
    base = usable[-1]
    _must_be_empty(pgdata, "restore")
    pgdata.mkdir(parents=True, exist_ok=True)
    _extract(base.path / "base.tar.gz", pgdata)
    _extract(base.path / "pg_wal.tar.gz", pgdata / "pg_wal")
    _drop_runtime_files(pgdata)
    # The segment being written when the server stopped is kept as .partial: replay it too.
    source = str(wal_dir.resolve())
    restore_command = f'cp "{source}/%f" "%p" 2>/dev/null || cp "{source}/%f.partial" "%p"'
    settings = {
        "restore_command": restore_command,
        "recovery_target_time": target.isoformat(),
        "recovery_target_action": "promote",
        # The restored server has no synchronous receiver yet: commits must not wait for one.
        "synchronous_standby_names": "",
        # No connections before the promotion: a server that accepted them mid-replay could
        # look started and then stop (a target past the WAL's end), which a starter waiting
        # for it to be ready would wait on for ever.
        "hot_standby": "off",
    }
    with (pgdata / "postgresql.auto.conf").open("a") as conf:
        conf.write("\n# vetting restore\n")
        for key, value in settings.items():
            conf.write(f"{key} = '{value.replace(chr(39), chr(39) * 2)}'\n")
    (pgdata / "recovery.signal").touch()
    pgdata.chmod(0o700)
    if run_as is not None:
        _chown_tree(pgdata, run_as)
        _chown_tree(wal_dir, run_as)
    return PreparedRestore(pgdata, base, target)


ENDED_EARLY = "recovery ended before configured recovery target was reached"


def ended_before_target(pgdata: Path) -> bool:
    """Whether a server started on `pgdata` stopped because the WAL ends before the target
    (nothing was committed after it: the restore is then to the end of the WAL)."""
    log = pgdata / "log"
    return log.exists() and ENDED_EARLY in log.read_text(errors="replace")


def recover_to_end(pgdata: Path) -> None:
    """Drop the target time: replay all the WAL there is (every commit is before the target)."""
    conf = pgdata / "postgresql.auto.conf"
    kept = [
        line
        for line in conf.read_text().splitlines()
        if not line.startswith("recovery_target_time")
    ]
    conf.write_text("\n".join(kept) + "\n")
