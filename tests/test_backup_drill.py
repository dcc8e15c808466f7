"""The backup drill, on loopback with the project's own PostgreSQL binaries: a primary whose
WAL streams synchronously into a directory, a base backup, writes and a check through the API,
then four writers under way, a target taken while they write and the primary killed hard while
they still do, and a point-in-time restore: every write acknowledged before the target is
there, none begun after it is, none is there in part, and the audit log verifies."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import subprocess
import time
from dataclasses import dataclass, field
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
from tests.factories import Api, id_number

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


@dataclass
class _Load:
    """Writes under way: each cadre's request start and acknowledgement times."""

    started: dict[str, datetime] = field(default_factory=dict)  # by name
    acknowledged: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # name: id, at


async def _load_until_killed(
    settings: Settings, primary: embedded.EmbeddedServer, load: _Load
) -> datetime:
    """Four writers creating cadres without pause; the target is taken while they write, and
    the primary is killed hard while they still write. Returns the target."""
    app = create_app(settings)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            api = Api(http, await make_client(app, "drill-2", ["admin"]))

            async def writer(n: int) -> None:
                for i in itertools.count():
                    name = f"负载{n}-{i}"
                    load.started[name] = clock.now()
                    body = {"id_number": id_number(), "name": name}
                    response = await http.post("/v1/cadres", json=body, headers=api.headers)
                    if response.status_code != 201:
                        return  # the primary is gone
                    load.acknowledged[name] = (response.json()["id"], clock.now())

            writers = [asyncio.create_task(writer(n)) for n in range(4)]
            await asyncio.sleep(0.6)
            target = clock.now()
            await asyncio.sleep(0.6)
            await asyncio.to_thread(embedded.kill, primary)  # mid-load: no shutdown checkpoint
            await asyncio.wait_for(asyncio.gather(*writers, return_exceptions=True), 60)
            return target
    finally:
        with contextlib.suppress(Exception):  # the database is gone
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
        load = _Load()
        target = asyncio.run(_load_until_killed(settings, primary, load))
        acknowledged_before = [c for c, at in load.acknowledged.values() if at < target]
        after_names = [name for name, at in load.started.items() if at > target]
        after = [load.acknowledged[n][0] for n in after_names if n in load.acknowledged]
        assert acknowledged_before and after, "writes on both sides of the target"
        receiver.terminate()
        receiver.wait(10)

        run_as = embedded.EMBEDDED_USER if os.geteuid() == 0 else None
        prepared = prepare_restore(backups, wal_dir, target, tmp_path / "restored", run_as=run_as)
        assert prepared.base.path == base.path
        restored = embedded.start(prepared.pgdata, delete_on_exit=True)
        embedded.wait_promoted(restored)
        database = make_url(roles.service).database
        found = restored.psql(f'\\c "{database}"\nSELECT id FROM cadres;')
        for cadre in [*before["cadres"], *acknowledged_before]:
            assert cadre in found, "a write acknowledged before the target is missing"
        for cadre in after:
            assert cadre not in found, "a write after the target came back"
        # None half-present: each restored cadre has its version and its audit event.
        whole = restored.psql(
            f'\\c "{database}"\n'
            "SELECT count(*) FROM cadres c WHERE NOT EXISTS (SELECT 1 FROM cadre_versions v "
            "WHERE v.id = c.id) OR NOT EXISTS (SELECT 1 FROM audit_events e "
            "WHERE e.target_id = c.id::text);"
        )
        assert " 0\n" in whole, whole
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
        acknowledged = [c for c, _ in load.acknowledged.values()]
        assert all(cadre in everything for cadre in [*before["cadres"], *acknowledged])
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
