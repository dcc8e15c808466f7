"""The audit log: a failed write leaves no event; events carry actor, request and IP; the hash
chain verifies and tampering is found (every write appends one event: test_coverage.py)."""

import asyncio
import itertools
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.audit.calls import events_for, write
from tests.factories import Api


async def test_a_failed_write_leaves_no_event(api: Api) -> None:
    request_id = uuid.uuid4().hex
    response = await api.http.post(
        "/v1/cadres",
        json={"id_number": "110105194912310021", "name": "甲"},
        headers={**api.headers, "X-Request-ID": request_id},
    )
    assert response.status_code == 422
    assert await events_for(api, request_id) == []


async def test_events_carry_actor_request_and_ip(api: Api) -> None:
    _unit, events = await write(
        api,
        "POST",
        "/v1/org-units",
        {"name": "泸县人民政府", "kind": "government", "level": "county"},
    )
    event = events[0]
    assert event["actor_name"] == "test-admin"
    assert event["actor_client_id"] is not None
    assert event["client_ip"] == "127.0.0.1"
    assert event["summary"]["after"]["name"] == "泸县人民政府"


async def test_the_chain_verifies_and_concurrent_writers_keep_one_chain(api: Api) -> None:
    async def make(i: int) -> None:
        await api.post("/v1/org-units", {"name": f"单位{i}", "kind": "government", "level": "city"})

    await asyncio.gather(*(make(i) for i in range(20)))
    report = await api.get("/v1/audit-events/verify")
    assert report["intact"] is True
    assert report["events"] >= 20
    events = (await api.get("/v1/audit-events", limit=500))["items"]
    ordered = sorted(events, key=lambda e: e["seq"])
    for previous, current in itertools.pairwise(ordered):
        assert current["prev_hash"] == previous["hash"]


async def _tamper(engine: AsyncEngine, table: str, statement: str, **params: Any) -> None:
    trigger = f"{table}_append_only"
    async with engine.begin() as conn:
        await conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
        await conn.execute(text(statement), params)
        await conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))


async def _three_events(api: Api) -> list[dict[str, Any]]:
    for i in range(3):
        await api.post("/v1/org-units", {"name": f"单位{i}", "kind": "government", "level": "city"})
    page = await api.get("/v1/audit-events", action="org_unit.created")
    return sorted(page["items"], key=lambda e: e["seq"])


async def test_tampering_with_an_event_is_found_and_named(api: Api, engine: AsyncEngine) -> None:
    victim = (await _three_events(api))[1]
    forged = '{"after": {"name": "伪造"}}'
    await _tamper(
        engine,
        "audit_events",
        "UPDATE audit_events SET summary = CAST(:s AS jsonb) WHERE id = :id",
        s=forged,
        id=victim["id"],
    )
    report = await api.get("/v1/audit-events/verify")
    assert report["intact"] is False
    assert report["first_break"]["event_id"] == victim["id"]
    assert report["first_break"]["seq"] == victim["seq"]
    assert "altered" in report["first_break"]["reason"]


async def test_removing_a_link_breaks_the_chain_at_the_next(api: Api, engine: AsyncEngine) -> None:
    events = await _three_events(api)
    await _tamper(
        engine, "audit_chain", "DELETE FROM audit_chain WHERE seq = :seq", seq=events[1]["seq"]
    )
    report = await api.get("/v1/audit-events/verify")
    assert report["first_break"]["event_id"] == events[2]["id"]
    assert "missing" in report["first_break"]["reason"]


async def test_an_event_slipped_in_behind_the_chain_is_found(api: Api, engine: AsyncEngine) -> None:
    await _three_events(api)
    stray = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_chain"))
        await conn.execute(
            text(
                "INSERT INTO audit_events (id, actor_name, action, target_kind, summary) "
                "VALUES (:id, 'x', 'cadre.created', 'cadre', '{}')"
            ),
            {"id": stray},
        )
        await conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_chain"))
    report = await api.get("/v1/audit-events/verify")
    assert report["first_break"] == {
        "seq": None,
        "event_id": str(stray),
        "reason": report["first_break"]["reason"],
    }
    assert "no link" in report["first_break"]["reason"]


async def test_the_chain_numbers_are_gapless_and_ordered_by_commit(api: Api) -> None:
    events = await _three_events(api)
    first = events[0]["seq"]
    assert [e["seq"] for e in events] == [first, first + 1, first + 2]
    everything = sorted((await api.get("/v1/audit-events"))["items"], key=lambda e: e["seq"])
    assert everything[0]["seq"] == 1
    assert everything[0]["prev_hash"] == "0" * 64
