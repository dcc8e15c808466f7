"""The backup drill, on loopback with the project's own PostgreSQL binaries: a primary whose
WAL streams synchronously into a directory, a base backup, writes and a check through the API,
the primary killed hard, and a point-in-time restore: every write acknowledged before the
target is there, none after it is (in part or whole), and the audit log verifies."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from app import clock, embedded
from app.backup import (
    WAL_APPLICATION,
    BackupError,
    base_backup,
    prepare_restore,
    receive_wal_command,
)
from app.cli_backup import start_restored, verify_restored
from app.config import Settings
from app.main import create_app
from tests.conftest import make_client
from tests.dbutil import create_service_database
from tests.factories import Api

SECRET = "drill-secret-key-0123456789abcdef0123"


def _settings(url: str, data_dir: Path) -> Settings:
    return Settings(database_url=url, data_dir=data_dir, secret_key=SECRET)


def _sql(server: embedded.EmbeddedServer, sql: str) -> str:
    return server.psql(sql)


def _wait_sync(server: embedded.EmbeddedServer) -> None:
    for _ in range(100):
        state = _sql(
            server,
            "SELECT sync_state FROM pg_stat_replication "
            f"WHERE application_name = '{WAL_APPLICATION}';",
        )
        if " sync\n" in state:
            return
        time.sleep(0.1)
    raise AssertionError("the WAL receiver never became the synchronous standby")


async def _writes(settings: Settings, names: list[str]) -> dict[str, Any]:
    app = create_app(settings)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            api = Api(http, await make_client(app, "drill", ["admin"]))
            unit = await api.org_unit("泸州市人民政府", division_code="510500")
            cadres = []
            for name in names:
                cadre = await api.cadre(name)
                await api.post_held(cadre["id"], unit["id"], start="2020-01-01")
                cadres.append(cadre["id"])
            check = await api.post(
                "/v1/vetting/checks", {"cadre_id": cadres[0], "purpose": "promotion"}
            )
            return {"cadres": cadres, "decision": check["decision_id"]}
    finally:
        await app.state.engine.dispose()


async def _more_writes(settings: Settings, count: int) -> list[str]:
    app = create_app(settings)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            api = Api(http, await make_client(app, "drill-2", ["admin"]))
            return [(await api.cadre(f"迟到{n}"))["id"] for n in range(count)]
    finally:
        await app.state.engine.dispose()


def test_a_point_in_time_restore_keeps_every_acknowledged_write_before_it(
    tmp_path: Path,
) -> None:
    tmp_path.chmod(0o755)  # the server's own user reads the WAL directory through it
    primary = embedded.start(tmp_path / "primary", delete_on_exit=True)
    superuser = primary.url("postgres")
    wal_dir, backups = tmp_path / "wal", tmp_path / "backups"
    receiver = subprocess.Popen(receive_wal_command(superuser, wal_dir))
    restored: embedded.EmbeddedServer | None = None
    try:
        _sql(primary, f"ALTER SYSTEM SET synchronous_standby_names = '{WAL_APPLICATION}';")
        _sql(primary, "SELECT pg_reload_conf();")
        _wait_sync(primary)
        roles = create_service_database(superuser, prefix="vetting_drill")
        settings = _settings(roles.service, tmp_path / "data")
        base = base_backup(superuser, backups)

        before = asyncio.run(_writes(settings, ["甲", "乙", "丙"]))
        time.sleep(0.3)
        target = clock.now()
        time.sleep(0.3)
        after = asyncio.run(_more_writes(settings, 3))
        embedded.kill(primary)  # hard: no shutdown checkpoint
        receiver.terminate()
        receiver.wait(10)

        run_as = embedded.EMBEDDED_USER if os.geteuid() == 0 else None
        prepared = prepare_restore(backups, wal_dir, target, tmp_path / "restored", run_as=run_as)
        assert prepared.base.path == base.path
        restored = embedded.start(prepared.pgdata, delete_on_exit=True)
        embedded.wait_promoted(restored)
        database = make_url(roles.service).database
        found = restored.psql(f'\\c "{database}"\nSELECT id FROM cadres;')
        for cadre in before["cadres"]:
            assert cadre in found, "a write acknowledged before the target is missing"
        for cadre in after:
            assert cadre not in found, "a write after the target came back"
        decisions = restored.psql(f'\\c "{database}"\nSELECT id FROM vetting_decisions;')
        assert before["decision"] in decisions
        later = ",".join(f"'{c}'" for c in after)
        late = restored.psql(
            f'\\c "{database}"\nSELECT count(*) FROM audit_events WHERE target_id IN ({later});'
        )
        assert " 0\n" in late  # no audit event of the later writes either: none half-present
        report = asyncio.run(verify_restored(restored.url(database), settings))
        assert report.ok, report.lines()
        assert report.last_event is not None
        assert report.last_event["occurred_at"] <= target
        restored.stop()
        restored = None

        # To a moment after the last commit: PostgreSQL will not stop short of a target the WAL
        # does not reach, so the restore replays all of it — every acknowledged write is back.
        latest = prepare_restore(backups, wal_dir, clock.now(), tmp_path / "latest", run_as=run_as)
        restored, note = start_restored(latest)
        assert note is not None and "ends before the target" in note
        everything = restored.psql(f'\\c "{database}"\nSELECT id FROM cadres;')
        assert all(cadre in everything for cadre in [*before["cadres"], *after])
        assert asyncio.run(verify_restored(restored.url(database), settings)).ok
    finally:
        if receiver.poll() is None:
            receiver.kill()
        if restored is not None:
            restored.stop()
        with contextlib.suppress(Exception):  # it was killed: there may be nothing to stop
            primary.stop()


def test_a_restore_needs_a_base_backup_before_the_target_and_an_empty_directory(
    tmp_path: Path,
) -> None:
    backups = tmp_path / "backups"
    made = backups / "base-20261203T010000000000Z"
    made.mkdir(parents=True)
    (made / "vetting-backup.json").write_text(
        '{"started_at": "2026-12-03T01:00:00+00:00", "finished_at": "2026-12-03T01:05:00+00:00"}'
    )
    early = datetime.fromisoformat("2026-12-03T09:04:00+08:00")  # 01:04 UTC: still running
    with pytest.raises(BackupError, match="no base backup"):
        prepare_restore(backups, tmp_path / "wal", early, tmp_path / "new")
    with pytest.raises(BackupError, match="UTC offset"):
        naive = datetime.fromisoformat("2026-12-03T12:00:00")
        prepare_restore(backups, tmp_path / "wal", naive, tmp_path / "new")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "PG_VERSION").write_text("16\n")
    later = datetime.fromisoformat("2026-12-03T02:00:00+00:00")
    with pytest.raises(BackupError, match="not empty"):
        prepare_restore(backups, tmp_path / "wal", later, busy)
