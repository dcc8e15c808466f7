"""The two fixed floors the benchmark measures the service against: one raw ASGI app (no
framework, no ORM, nothing imported from the service) on asyncpg, with two routes.

- POST /read — the API key's hash looked up in `api_clients`, then one hand-written statement
  reading what a check of the cadre needs: the cadre, the current versions of its posts (with
  their units), for the units of those posts the accidents and unit safety-work assessments
  within the tenure windows, and the cadre's own assessments, accountability cases,
  commendations, contributions, investigations and status events. Answers a few counts.
- POST /write — the same reading, then one statement (its own transaction, one commit per
  check) storing one row in `vetting_decisions` with a small decision document and one row in
  `audit_events` (whose insert trigger queues it in `audit_queue`, as for the service's own).

No answer is cached between requests, nothing is batched across requests: each request is one
key lookup, one read and (for /write) one write on a pooled connection. Its body is the
service's check body, `{"cadre_id": …, "purpose": …}`.

    FLOOR_DSN=postgresql://user@host:5432/db python bench/floors.py --port 8101 --workers 2
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import multiprocessing
import os
import signal
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
import uvicorn

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

AUTH_SQL = "SELECT id, name, revoked_at FROM api_clients WHERE key_hash = $1"


def _current(table: str, columns: str, where: str) -> str:
    """The current version (highest, recorded by $2) of each record of `table` matching `where`,
    revoked ones left out."""
    return (
        f"SELECT * FROM (SELECT DISTINCT ON (r.id) r.id, r.change, {columns} FROM {table} r "
        f"WHERE {where} AND r.recorded_at <= $2 ORDER BY r.id, r.version DESC) cur "
        "WHERE cur.change <> 'revoked'"
    )


def _own(table: str, columns: str) -> str:
    return _current(table, columns, "r.cadre_id = $1")


_CADRE = _current("cadre_versions", "r.name, r.gender", "r.id = $1")
_POSTS = _own(
    "posts",
    "r.org_unit_id, r.title, r.position, r.safety_role, r.team_rank, r.start_date, r.end_date",
)
_UNIT_ACCIDENTS = _current(
    "accidents",
    "r.org_unit_id, r.occurred_at, r.level, r.deaths, r.serious_injuries, "
    "CAST(r.direct_loss_cny AS text) AS direct_loss_cny, r.investigation_status, "
    "r.concluded_on, r.reported_late",
    "r.org_unit_id IN (SELECT org_unit_id FROM tenure)",
)
_UNIT_ASSESSMENTS = _current(
    "assessments",
    "r.org_unit_id, r.year, r.grade",
    "r.org_unit_id IN (SELECT org_unit_id FROM tenure) AND r.kind = 'safety_work'",
)
# The cadre's own records, by the key they are answered under.
_OWN = {
    "assessments": _own("assessments", "r.kind, r.year, r.grade, CAST(r.score AS text) AS score"),
    "cases": _own(
        "accountability_cases",
        "r.circumstance, r.status, r.opened_on, r.decision_date, r.methods, r.party_sanction, "
        "r.admin_sanction, r.leniency, r.criminal_penalty, r.accident_id",
    ),
    "commendations": _own("commendations", "r.kind, r.basis, r.year, r.awarded_on"),
    "contributions": _own("contributions", "r.area, r.year, r.achieved_on"),
    "investigations": _own("cadre_investigations", "r.conducted_on, r.purpose, r.result"),
    "statuses": _own("cadre_status_events", "r.status, r.effective_date"),
}
_OWN_FIELDS = "".join(
    f",\n    '{key}', (SELECT json_agg(x) FROM ({sql}) x)" for key, sql in _OWN.items()
)

# $1 the cadre, $2 the time the records are known at. One row, one JSON text column. An
# accident or unit assessment counts when it falls within one of the cadre's posts there.
READ_SQL = f"""
WITH cadre AS ({_CADRE}),
tenure AS (
    SELECT p.*, u.kind AS unit_kind, u.level AS unit_level, u.is_key_soe
    FROM ({_POSTS}) p JOIN org_units u ON u.id = p.org_unit_id
),
unit_accidents AS (
    SELECT a.* FROM ({_UNIT_ACCIDENTS}) a
    WHERE EXISTS (
        SELECT 1 FROM tenure t WHERE t.org_unit_id = a.org_unit_id
        AND a.occurred_at >= t.start_date
        AND (t.end_date IS NULL OR a.occurred_at < t.end_date + 1)
    )
),
unit_assessments AS (
    SELECT s.* FROM ({_UNIT_ASSESSMENTS}) s
    WHERE EXISTS (
        SELECT 1 FROM tenure t WHERE t.org_unit_id = s.org_unit_id
        AND s.year BETWEEN extract(year FROM t.start_date)
        AND extract(year FROM coalesce(t.end_date, CAST($2 AS date)))
    )
)
SELECT CAST(json_build_object(
    'cadre', (SELECT row_to_json(c) FROM cadre c),
    'posts', (SELECT json_agg(t) FROM tenure t),
    'accidents', (SELECT json_agg(a) FROM unit_accidents a),
    'unit_assessments', (SELECT json_agg(s) FROM unit_assessments s){_OWN_FIELDS}
) AS text)
"""

# One statement, so one transaction and one commit: the decision and its audit event.
WRITE_SQL = """
WITH decision AS (
    INSERT INTO vetting_decisions (id, cadre_id, purpose, as_of, known_at, evaluated_at, outcome,
        rulebook_sha256, facts_sha256, decision, requested_by, request_id)
    VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $7, CAST($8 AS json), $9, $10)
)
INSERT INTO audit_events (id, occurred_at, actor_client_id, actor_name, action, target_kind,
    target_id, request_id, client_ip, summary, entry, mac)
VALUES ($11, $5, $9, $12, 'vetting_decision.created', 'vetting_decision', CAST($1 AS text), $10,
    '127.0.0.1', CAST($13 AS jsonb), $14, $15)
"""

# The floor's own rulebook text and facts snapshot, referenced by every decision it stores.
FLOOR_SHA = hashlib.sha256(b"bench floor: no rules").hexdigest()
SETUP_SQL = (
    "INSERT INTO rulebook_texts (sha256, rulebook_id, version, content) "
    "VALUES ($1, 'bench-floor', '1', 'no rules') ON CONFLICT DO NOTHING",
    "INSERT INTO facts_snapshots (sha256, facts) VALUES ($1, '{}') ON CONFLICT DO NOTHING",
)
MAC_KEY = hashlib.sha256(b"bench floor mac key").digest()


class Unauthorized(Exception):
    pass


class Floors:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.pool: asyncpg.Pool | None = None

    async def startup(self) -> None:
        # Pool size as the service's (VETTING_DB_POOL_SIZE) and the records' time zone.
        size = int(os.environ.get("FLOOR_POOL_SIZE", "10"))
        self.pool = await asyncpg.create_pool(
            self.dsn,
            min_size=size,
            max_size=size,
            server_settings={"application_name": "bench-floor", "TimeZone": "Asia/Shanghai"},
        )
        async with self.pool.acquire() as conn:
            for statement in SETUP_SQL:
                await conn.execute(statement, FLOOR_SHA)

    async def read(self, conn: asyncpg.Connection, key: str, body: dict[str, Any]) -> Any:
        client = await conn.fetchrow(AUTH_SQL, hashlib.sha256(key.encode()).hexdigest())
        if client is None or client["revoked_at"] is not None:
            raise Unauthorized
        cadre_id = uuid.UUID(body["cadre_id"])
        now = datetime.now(UTC)
        records = orjson.loads(await conn.fetchval(READ_SQL, cadre_id, now))
        counts = {kind: len(rows or ()) for kind, rows in records.items() if kind != "cadre"}
        return client, cadre_id, now, records, counts

    async def answer_read(self, conn: asyncpg.Connection, key: str, body: dict[str, Any]) -> Any:
        _, cadre_id, _, records, counts = await self.read(conn, key, body)
        return 200, {"cadre_id": str(cadre_id), "known": records["cadre"] is not None, **counts}

    async def answer_write(self, conn: asyncpg.Connection, key: str, body: dict[str, Any]) -> Any:
        client, cadre_id, now, _, counts = await self.read(conn, key, body)
        decision_id, event_id = uuid.uuid4(), uuid.uuid4()
        outcome = "ineligible" if counts["cases"] else "eligible"
        decision = {
            "decision_id": str(decision_id),
            "cadre_id": str(cadre_id),
            "purpose": body["purpose"],
            "as_of": now.date().isoformat(),
            "known_at": now.isoformat(),
            "outcome": outcome,
            "records": counts,
            "rulebook": {"id": "bench-floor", "version": "1", "sha256": FLOOR_SHA},
        }
        summary = {"cadre_id": str(cadre_id), "purpose": body["purpose"], "outcome": outcome}
        entry = orjson.dumps(
            {
                "id": str(event_id),
                "occurred_at": now.isoformat(),
                "actor_client_id": str(client["id"]),
                "action": "vetting_decision.created",
                "target_id": str(decision_id),
                "summary": summary,
            },
            option=orjson.OPT_SORT_KEYS,
        )
        await conn.execute(
            WRITE_SQL,
            decision_id,
            cadre_id,
            body["purpose"],
            now.date(),
            now,
            outcome,
            FLOOR_SHA,
            orjson.dumps(decision).decode(),
            client["id"],
            None,
            event_id,
            client["name"],
            orjson.dumps(summary).decode(),
            entry,
            hmac.new(MAC_KEY, entry, hashlib.sha256).digest(),
        )
        return 201, decision

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
            return
        routes = {"/read": self.answer_read, "/write": self.answer_write}
        route = routes.get(scope["path"]) if scope["method"] == "POST" else None
        if route is None:
            await respond(send, 200 if scope["path"] == "/" else 404, {})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = dict(scope["headers"])
        key = headers.get(b"authorization", b"").decode().removeprefix("Bearer ")
        assert self.pool is not None
        try:
            async with self.pool.acquire() as conn:
                status, out = await route(conn, key, orjson.loads(body))
        except Unauthorized:
            status, out = 401, {"title": "Unauthorized"}
        await respond(send, status, out)

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.pool is not None:
                    await self.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def respond(send: Send, status: int, body: Any) -> None:
    out = orjson.dumps(body)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(out))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": out})


def _worker(host: str, port: int, dsn: str) -> None:
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    config = uvicorn.Config(
        Floors(dsn), http="httptools", log_level="warning", access_log=False, lifespan="on"
    )
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    dsn = os.environ["FLOOR_DSN"]
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_worker, args=(args.host, args.port, dsn)) for _ in range(args.workers)
    ]
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
