"""Tampering with the audit log as the database superuser, after an auditor has kept a signed
checkpoint: every attempt is found by the external auditor (`vetting audit verify`, run here
in-process against the app) and by the service's own verification wherever it can see it, and
both name the first bad index."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app import clock
from app.audit import entries, merkle
from app.audit.auditor import Report, audit
from app.config import Settings
from tests.audit.logging import sign
from tests.factories import Api

EVENTS = 8


@pytest.fixture
async def auditor(api: Api, app: FastAPI, settings: Settings, tmp_path: Path) -> Any:
    """A log of EVENTS events, checkpointed and audited once (clean); returns a function that
    runs the auditor again."""
    for i in range(EVENTS - 1):  # the admin key's creation is the first event
        await api.post("/v1/org-units", {"name": f"单位{i}", "kind": "government", "level": "city"})
    await sign(api)
    state = tmp_path / "auditor.json"
    sealer = entries.Sealer.from_secret(settings.secret_key or "")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)

    async def run() -> Report:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=api.headers
        ) as http:
            return await audit(http, state, sealer=sealer)

    first = await run()
    assert first.ok and first.size == EVENTS, first.lines()
    return run


@pytest.fixture
async def su(superuser_engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A superuser's connection with every trigger off (session_replication_role)."""
    async with superuser_engine.begin() as conn:
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
        yield conn


async def _logged(su: AsyncConnection) -> list[dict[str, Any]]:
    rows = await su.execute(
        text(
            "SELECT l.idx, e.id, e.entry, e.summary::text AS summary, e.occurred_at "
            "FROM audit_log l JOIN audit_events e ON e.id = l.event_id ORDER BY l.idx"
        )
    )
    return [dict(r._mapping) for r in rows]


async def _rewrite(su: AsyncConnection, event_id: Any, **changes: Any) -> bytes:
    """Change an event's columns and re-make its entry and leaf to match, as an insider who
    knows the format would (only the MAC key is out of reach)."""
    row = (
        await su.execute(text("SELECT * FROM audit_events WHERE id = :id"), {"id": event_id})
    ).one()
    event = {name: getattr(row, name) for name in entries.FIELDS}
    event.update(changes)
    entry = entries.canonical(event)
    await su.execute(
        text(
            "UPDATE audit_events SET summary = CAST(:summary AS jsonb), occurred_at = :at, "
            "entry = :entry WHERE id = :id"
        ),
        {
            "summary": orjson.dumps(event["summary"]).decode(),
            "at": event["occurred_at"],
            "entry": entry,
            "id": event_id,
        },
    )
    await su.execute(
        text("UPDATE audit_log SET leaf_hash = :leaf WHERE event_id = :id"),
        {"leaf": merkle.leaf_hash(entry), "id": event_id},
    )
    return entry


async def _service_report(api: Api) -> dict[str, Any]:
    report: dict[str, Any] = await api.get("/v1/audit-events/verify")
    return report


def _found_at(report: Report, index: int | None) -> None:
    assert not report.ok, report.lines()
    assert report.problem is not None
    if index is not None:
        assert report.problem.index == index, report.lines()


async def test_an_edited_event_is_found(api: Api, auditor: Any, su: AsyncConnection) -> None:
    victim = (await _logged(su))[3]
    await _rewrite(su, victim["id"], summary={"after": {"name": "伪造"}})
    await su.commit()
    _found_at(await auditor(), 3)
    service = await _service_report(api)
    assert service["intact"] is False and service["first_problem"]["index"] == 3


async def test_an_edit_of_the_columns_alone_is_found_and_not_shown(
    api: Api, auditor: Any, su: AsyncConnection
) -> None:
    victim = (await _logged(su))[2]
    await su.execute(
        text("UPDATE audit_events SET actor_name = '伪造者' WHERE id = :id"), {"id": victim["id"]}
    )
    await su.commit()
    service = await _service_report(api)
    assert service["first_problem"]["index"] == 2
    assert "columns" in service["first_problem"]["reason"]
    listed = (await api.get("/v1/audit-events", limit=100))["items"]
    assert "伪造者" not in {e["actor_name"] for e in listed}  # the log's entry wins
    assert (await auditor()).ok  # the entries themselves are untouched


async def test_a_deleted_event_is_found(api: Api, auditor: Any, su: AsyncConnection) -> None:
    victim = (await _logged(su))[4]
    await su.execute(text("DELETE FROM audit_log WHERE event_id = :id"), {"id": victim["id"]})
    await su.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": victim["id"]})
    await su.commit()
    _found_at(await auditor(), 4)
    assert (await _service_report(api))["first_problem"]["index"] == 4


async def test_an_event_inserted_mid_log_is_found(
    api: Api, auditor: Any, su: AsyncConnection
) -> None:
    template = (await _logged(su))[2]
    forged_id = "00000000-0000-4000-8000-000000000001"
    event = entries.parse(template["entry"])
    event.update(id=forged_id, summary={"after": {"name": "插入"}})
    entry = entries.canonical(event)
    await su.execute(text("UPDATE audit_log SET idx = -idx - 1 WHERE idx >= 2"))
    await su.execute(text("UPDATE audit_log SET idx = -idx WHERE idx < 0"))
    await su.execute(
        text(
            "INSERT INTO audit_events (id, occurred_at, actor_name, action, target_kind, summary, "
            "entry, mac) VALUES (:id, now(), 'x', 'org_unit.created', 'org_unit', '{}', :e, :m)"
        ),
        {"id": forged_id, "e": entry, "m": b"\0" * 32},
    )
    await su.execute(
        text("INSERT INTO audit_log (idx, event_id, leaf_hash) VALUES (2, :id, :leaf)"),
        {"id": forged_id, "leaf": merkle.leaf_hash(entry)},
    )
    await su.commit()
    _found_at(await auditor(), 2)
    assert (await _service_report(api))["first_problem"]["index"] == 2


async def test_a_forged_event_through_the_normal_trigger_path_is_found(
    api: Api, auditor: Any, superuser_engine: AsyncEngine
) -> None:
    """With every trigger on: the queue trigger takes the forgery and the sequencer logs it,
    but it carries no MAC the service made."""
    template = {
        "id": "00000000-0000-4000-8000-000000000002",
        "occurred_at": clock.now(),
        "actor_client_id": None,
        "actor_name": "system",
        "action": "api_client.created",
        "target_kind": "api_client",
        "target_id": None,
        "request_id": None,
        "client_ip": None,
        "summary": {"scopes": ["admin"]},
    }
    entry = entries.canonical(template)
    async with superuser_engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO audit_events (id, occurred_at, actor_name, action, target_kind, "
                "summary, entry, mac) VALUES (:id, :at, 'system', 'api_client.created', "
                "'api_client', '{\"scopes\": [\"admin\"]}', :e, :m)"
            ),
            {"id": template["id"], "at": template["occurred_at"], "e": entry, "m": b"\1" * 32},
        )
    before_sequencing = await _service_report(api)
    assert before_sequencing["intact"] is False and before_sequencing["pending"] == 1
    report = await auditor()  # asks for a fresh checkpoint: the forgery is logged at EVENTS
    _found_at(report, EVENTS)
    assert report.problem is not None and "MAC" in report.problem.reason
    assert (await _service_report(api))["first_problem"]["index"] == EVENTS


async def test_reordered_events_are_found(api: Api, auditor: Any, su: AsyncConnection) -> None:
    await su.execute(text("UPDATE audit_log SET idx = -1 WHERE idx = 1"))
    await su.execute(text("UPDATE audit_log SET idx = 1 WHERE idx = 5"))
    await su.execute(text("UPDATE audit_log SET idx = 5 WHERE idx = -1"))
    await su.commit()
    _found_at(await auditor(), 1)
    service = await _service_report(api)
    assert service["intact"] is False
    assert "checkpoint" in service["first_problem"]["reason"]


async def test_a_truncated_tail_is_found(api: Api, auditor: Any, su: AsyncConnection) -> None:
    tail = [r["id"] for r in (await _logged(su))[-3:]]
    await su.execute(text("DELETE FROM audit_log WHERE event_id = ANY(:ids)"), {"ids": tail})
    await su.execute(text("DELETE FROM audit_events WHERE id = ANY(:ids)"), {"ids": tail})
    await su.execute(text("DELETE FROM audit_tree_heads WHERE size > :n"), {"n": EVENTS - 3})
    leaves = (await su.execute(text("SELECT leaf_hash FROM audit_log ORDER BY idx"))).scalars()
    compact = merkle.CompactRange.from_leaves(bytes(leaf) for leaf in leaves)
    await su.execute(
        text(
            "INSERT INTO audit_tree_heads (size, root, compact_range) "
            "SELECT :n, :root, :nodes WHERE NOT EXISTS "
            "(SELECT 1 FROM audit_tree_heads WHERE size = :n)"
        ),
        {"n": EVENTS - 3, "root": compact.root(), "nodes": [d for _, d in compact.nodes]},
    )
    await su.commit()
    report = await auditor()
    _found_at(report, None)
    assert report.problem is not None and "shrank" in report.problem.reason
    service = await _service_report(api)
    assert service["intact"] is False and service["first_problem"]["index"] == EVENTS - 3


async def test_deleting_everything_is_found(auditor: Any, su: AsyncConnection) -> None:
    await su.execute(
        text("TRUNCATE audit_checkpoints, audit_tree_heads, audit_log, audit_queue, audit_events")
    )
    await su.commit()
    report = await auditor()
    _found_at(report, 0)
    assert report.problem is not None and "shrank" in report.problem.reason


async def test_a_consistent_rewrite_of_the_whole_log_is_found(
    api: Api, auditor: Any, su: AsyncConnection
) -> None:
    """Events rewritten, the tree and checkpoints deleted and the log rebuilt by the service's
    own sequencer, which then signs the forged tree: only what was kept outside tells."""
    logged = await _logged(su)
    await _rewrite(su, logged[1]["id"], summary={"after": {"name": "改写"}})
    await su.execute(text("TRUNCATE audit_checkpoints, audit_tree_heads, audit_log"))
    await su.execute(
        text("INSERT INTO audit_queue (event_id) SELECT id FROM audit_events ORDER BY occurred_at")
    )
    await su.commit()
    _found_at(await auditor(), 1)
    service = await _service_report(api)
    assert service["intact"] is False and service["first_problem"]["index"] == 1  # its MAC


async def test_a_changed_timestamp_is_found(api: Api, auditor: Any, su: AsyncConnection) -> None:
    victim = (await _logged(su))[5]
    await _rewrite(su, victim["id"], occurred_at=victim["occurred_at"].replace(year=2020))
    await su.commit()
    _found_at(await auditor(), 5)
    assert (await _service_report(api))["first_problem"]["index"] == 5
