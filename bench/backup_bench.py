"""Backup and point-in-time restore of the bench database: how long a base backup and a restore
take, and how large the backup is.

    .venv/bin/python bench/backup_bench.py                 # 100,000 cadres
    .venv/bin/python bench/backup_bench.py --cadres 10000

A fresh embedded primary (in a temporary folder) is migrated and filled with bench/generate.py's
data set. Its WAL streams into a directory (`vetting backup wal`), then it is timed:
- the base backup (`app.backup.base_backup`), and its size on disk;
- writes after it (one more transaction), then a restore to now: laying out the directory
  (`prepare_restore`), starting the server, WAL replay to the target and promotion, and the
  audit-log verification of the restored database (`verify_restored`).
Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import clock, embedded
from app.backup import WAL_APPLICATION, base_backup, prepare_restore, receive_wal_command
from app.cli_backup import start_restored, verify_restored
from app.config import Settings
from bench.generate import fresh_database


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cadres", type=int, default=100_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="vetting-backup-bench-"))
    root.chmod(0o755)
    primary = embedded.start(root / "primary", delete_on_exit=True)
    superuser = primary.url("postgres")
    receiver = None
    restored = None
    try:
        _, service = fresh_database(superuser, args.cadres)
        primary.psql(f"ALTER SYSTEM SET synchronous_standby_names = '{WAL_APPLICATION}';")
        primary.psql("SELECT pg_reload_conf();")
        receiver = subprocess.Popen(receive_wal_command(superuser, root / "wal"))
        database_size = primary.psql("SELECT pg_database_size('vetting_bench');").split()[2]
        started = time.perf_counter()
        made = base_backup(superuser, root / "backups")
        backup_s = time.perf_counter() - started
        after = "CREATE TABLE after_backup (n int); INSERT INTO after_backup VALUES (1);"
        primary.psql(f"\\c vetting_bench\n{after}")
        target = clock.now()
        time.sleep(0.5)
        embedded.kill(primary)
        receiver.terminate()
        receiver.wait(10)
        started = time.perf_counter()
        run_as = embedded.EMBEDDED_USER if os.geteuid() == 0 else None
        prepared = prepare_restore(
            root / "backups", root / "wal", target, root / "restored", run_as
        )
        laid_out = time.perf_counter() - started
        restored, note = start_restored(prepared)
        if note:
            print(f"restore: {note}")
        replayed = time.perf_counter() - started
        settings = Settings(database_url=service, data_dir=root / "data", secret_key="b" * 40)
        report = asyncio.run(verify_restored(restored.url("vetting_bench"), settings))
        total = time.perf_counter() - started
        kept = "1" in restored.psql("\\c vetting_bench\nSELECT n FROM after_backup;")
        backup_mb = _size(made.path) / 1e6
        print(
            f"database: {int(database_size) / 1e6:.0f} MB; base backup: {backup_mb:.0f} MB "
            f"compressed in {backup_s:.1f} s"
        )
        print(
            f"restore: laid out in {laid_out:.1f} s, replayed and promoted at {replayed:.1f} s, "
            f"audit log verified at {total:.1f} s ({report.events} events, ok={report.ok}); "
            f"the write after the backup {'is there' if kept else 'IS MISSING'}"
        )
    finally:
        if receiver is not None and receiver.poll() is None:
            receiver.kill()
        if restored is not None:
            restored.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
