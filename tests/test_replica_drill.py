"""The replica drill, on loopback with the project's own PostgreSQL binaries: a primary and a
streaming replica made from it (`make_replica`), the service reading from the replica. Reads are
served by the replica; a check read there is never later than what it has replayed; a client
sent its own write's consistency token reads that write even while the replica is held back; a
replica held back past the limit, or killed, is taken out of rotation and reads go to the
primary; /readyz and /metrics say so; and with the primary lost, the replica goes on serving
reads."""

from __future__ import annotations

import asyncio
import contextlib
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from app import clock, embedded
from app.auth.service import forget_cached_keys
from app.backup import make_replica
from app.config import Settings
from app.main import create_app
from app.replicas import PRIMARY, TOKEN_HEADER, ReadRouter, parse_lsn
from tests.conftest import make_client
from tests.dbutil import create_service_database
from tests.factories import id_number

SECRET = "drill-secret-key-0123456789abcdef0123"
SLOT = "drill_replica"


def _replayed_at(replica: embedded.EmbeddedServer) -> datetime:
    out = replica.psql("SELECT pg_last_xact_replay_timestamp()::text;")
    value = out.splitlines()[2].strip()
    return datetime.fromisoformat(value)


async def _until(condition: Any, what: str, seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


class Drill:
    def __init__(self, http: httpx.AsyncClient, key: str, reads: ReadRouter) -> None:
        self.http = http
        self.auth = {"Authorization": f"Bearer {key}"}
        self.reads = reads

    def served(self, by: str) -> int:
        return sum(n for (name, _), n in self.reads.sessions.items() if name == by)

    async def write(self, path: str, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
        response = await self.http.post(path, json=body, headers=self.auth)
        assert response.status_code == 201, response.text
        token = response.headers.get(TOKEN_HEADER)
        assert token is not None, "a write answers with a consistency token"
        parse_lsn(token)
        return response.json(), token

    async def get(self, path: str, token: str | None = None) -> httpx.Response:
        headers = {**self.auth, **({TOKEN_HEADER: token} if token else {})}
        return await self.http.get(path, headers=headers)

    async def check(self, cadre_id: str, token: str | None = None) -> httpx.Response:
        headers = {**self.auth, **({TOKEN_HEADER: token} if token else {})}
        body = {"cadre_id": cadre_id, "purpose": "promotion"}
        return await self.http.post("/v1/vetting/checks", json=body, headers=headers)


async def _drill(
    settings: Settings, primary: embedded.EmbeddedServer, replica: embedded.EmbeddedServer
) -> None:
    app = create_app(settings)
    reads: ReadRouter = app.state.reads
    monitor = asyncio.create_task(reads.run_forever())
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            drill = Drill(http, await make_client(app, "drill", ["admin"]), reads)
            name = reads.replicas[0].name
            unit, _ = await drill.write(
                "/v1/org-units",
                {
                    "name": "泸州市",
                    "kind": "government",
                    "level": "city",
                    "division_code": "510500",
                },
            )
            cadre, token = await drill.write("/v1/cadres", {"id_number": id_number(), "name": "甲"})
            post = {
                "cadre_id": cadre["id"],
                "org_unit_id": unit["id"],
                "title": "市长",
                "position": "principal",
                "safety_role": "first_responsible",
                "team_rank": 1,
                "start_date": "2020-01-01",
            }
            _, token = await drill.write("/v1/posts", post)
            await _until(lambda: reads.replicas[0].health.in_rotation, "the replica serves")

            # Read-your-writes on the replica: the token's write is there.
            before = drill.served(name)
            response = await drill.get(f"/v1/cadres/{cadre['id']}/dossier", token)
            assert response.status_code == 200, response.text
            assert len(response.json()["career"]) == 1
            assert drill.served(name) == before + 1, "the dossier was read on the replica"

            # A check reads its facts on the replica; its known_at is never later than the
            # replica's last replayed commit.
            response = await drill.check(cadre["id"], token)
            assert response.status_code == 201, response.text
            assert TOKEN_HEADER in response.headers, "a check stores a decision: a write"
            known_at = datetime.fromisoformat(response.json()["known_at"])
            assert known_at <= _replayed_at(replica)
            assert drill.served(name) == before + 2

            # The replica held back: a write's own token still reads it (from the primary,
            # after waiting for the replica); without the token, the replica answers what it
            # has, honestly.
            replica.psql("SELECT pg_wal_replay_pause();")
            held_at = _replayed_at(replica)
            late, late_token = await drill.write(
                "/v1/cadres", {"id_number": id_number(), "name": "乙"}
            )
            primary_reads = drill.served(PRIMARY)
            response = await drill.get(f"/v1/cadres/{late['id']}", late_token)
            assert response.status_code == 200, "read-your-writes"
            assert drill.served(PRIMARY) == primary_reads + 1
            response = await drill.check(late["id"], late_token)
            assert response.status_code == 201, response.text
            assert drill.served(PRIMARY) == primary_reads + 2
            response = await drill.get(f"/v1/cadres/{late['id']}")
            assert response.status_code == 404, "the replica does not have it yet"
            response = await drill.check(late["id"])
            assert response.status_code == 404, response.text
            answered = response.json()["detail"].split("as known at ")[1].rstrip(").")
            assert datetime.fromisoformat(answered) <= held_at
            # A known_at the replica has replayed is answered by it; a later one, by the
            # primary.
            served, primary_reads = drill.served(name), drill.served(PRIMARY)
            dossier = f"/v1/cadres/{late['id']}/dossier"
            response = await drill.http.get(
                f"/v1/cadres/{cadre['id']}/dossier",
                params={"known_at": known_at.isoformat()},
                headers=drill.auth,
            )
            assert response.status_code == 200 and drill.served(name) == served + 1
            now = clock.now().isoformat()
            response = await drill.http.get(dossier, params={"known_at": now}, headers=drill.auth)
            assert response.status_code == 200, "the primary knows it"
            assert drill.served(PRIMARY) == primary_reads + 1

            # Past the lag limit: out of rotation, the primary serves (the write is read).
            reads.max_lag_seconds = 0.3
            await _until(lambda: not reads.replicas[0].health.in_rotation, "it is out")
            assert "lagging" in str(reads.replicas[0].health.reason)
            response = await drill.get(f"/v1/cadres/{late['id']}")
            assert response.status_code == 200
            ready = (await http.get("/readyz")).json()
            assert ready["status"] == "ready"
            assert ready["replicas"][0]["in_rotation"] is False
            assert ready["replicas"][0]["lag_bytes"] > 0
            metrics = (await http.get("/metrics")).text
            assert f'db_replica_in_rotation{{replica="{name}"}} 0.0' in metrics
            assert "db_replica_lag_seconds" in metrics

            # Caught up again: back in rotation.
            reads.max_lag_seconds = 30.0
            replica.psql("SELECT pg_wal_replay_resume();")
            await _until(lambda: reads.replicas[0].health.in_rotation, "it is back")
            served = drill.served(name)
            response = await drill.get(f"/v1/cadres/{late['id']}")
            assert response.status_code == 200 and drill.served(name) == served + 1
            metrics = (await http.get("/metrics")).text
            assert f'db_replica_in_rotation{{replica="{name}"}} 1.0' in metrics

            # The replica killed: reads and checks go on, from the primary.
            embedded.kill(replica)
            for _ in range(3):
                response = await drill.get(f"/v1/cadres/{late['id']}")
                assert response.status_code == 200, response.text
            response = await drill.check(late["id"])
            assert response.status_code == 201, response.text
            await _until(lambda: not reads.replicas[0].health.in_rotation, "it is out")
            assert "unreachable" in str(reads.replicas[0].health.reason)
            ready = (await http.get("/readyz")).json()
            assert ready["status"] == "ready" and ready["replicas"][0]["in_rotation"] is False

            # Started again, it catches up and comes back; then the primary is lost: reads go
            # on from the replica, which keeps its standing (nothing is committed meanwhile), and
            # API keys are checked there.
            embedded.restart(replica)
            await _until(lambda: reads.replicas[0].health.in_rotation, "it is back", 60)
            forget_cached_keys()  # (keys are remembered a few seconds: check it on the replica)
            embedded.kill(primary)
            await asyncio.sleep(5 * settings.replica_poll_seconds)  # polls without a primary
            assert reads.replicas[0].health.in_rotation
            served = drill.served(name)
            response = await drill.get(f"/v1/cadres/{late['id']}")
            assert response.status_code == 200 and drill.served(name) == served + 1
    finally:
        monitor.cancel()
        await app.state.reads.dispose()
        await app.state.engine.dispose()


def test_reads_go_to_a_replica_honest_about_time_with_read_your_writes(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)  # the server's own user reads the replica's directory through it
    primary = embedded.start(tmp_path / "primary", delete_on_exit=True)
    replica: embedded.EmbeddedServer | None = None
    try:
        superuser = primary.url("postgres")
        roles = create_service_database(superuser, prefix="vetting_replica")
        run_as = embedded.EMBEDDED_USER if os.geteuid() == 0 else None
        make_replica(superuser, tmp_path / "replica", slot=SLOT, run_as=run_as)
        replica = embedded.start(tmp_path / "replica", delete_on_exit=True)
        on_replica = make_url(roles.service).update_query_dict({"host": replica.socket_dir})
        settings = Settings(
            database_url=roles.service,
            database_replica_urls=[on_replica.render_as_string(hide_password=False)],
            replica_poll_seconds=0.05,
            replica_wait_ms=300,
            replica_max_lag_seconds=30.0,
            data_dir=tmp_path / "data",
            secret_key=SECRET,
        )
        asyncio.run(_drill(settings, primary, replica))
    finally:
        if replica is not None:
            with contextlib.suppress(Exception):  # killed in the drill: nothing to stop
                replica.stop()
        with contextlib.suppress(Exception):  # killed in the drill: nothing to stop
            primary.stop()
