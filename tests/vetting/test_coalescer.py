"""Concurrent single checks run in groups (one facts query, one write, one commit per group), yet
each keeps its own decision, audit event, request id and problems; one failing check does not
fail its group; waiting checks hold no pooled connection."""

import asyncio
import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.auth.service import forget_cached_keys
from app.config import Settings
from app.db import Driver
from app.main import create_app
from app.vetting.coalescer import CheckCoalescer
from tests.conftest import make_client
from tests.factories import Api

UNKNOWN = "00000000-0000-0000-0000-0000000000aa"


async def _fire(api: Api, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    async def one(i: int, body: dict[str, Any]) -> httpx.Response:
        headers = {**api.headers, "X-Request-ID": f"grouped-{i}"}
        return await api.http.post("/v1/vetting/checks", json=body, headers=headers)

    return list(await asyncio.gather(*(one(i, b) for i, b in enumerate(bodies))))


async def test_concurrent_checks_are_grouped_yet_keep_their_own_records(
    api: Api, app: FastAPI, session: AsyncSession
) -> None:
    people = [await api.cadre(f"并发{i}") for i in range(12)]
    bodies: list[dict[str, Any]] = [
        {"cadre_id": people[i % 12]["id"], "purpose": ["promotion", "commendation"][i % 2]}
        for i in range(27)
    ]
    bodies[5] = bodies[17] = bodies[26] = {"cadre_id": UNKNOWN, "purpose": "promotion"}
    checks: CheckCoalescer = app.state.checks
    groups_before, checks_before = checks.groups, checks.checks

    responses = await _fire(api, bodies)

    assert checks.checks - checks_before == 27
    assert checks.groups - groups_before < 27, "concurrent checks should share groups"
    for i, response in enumerate(responses):
        assert response.headers["x-request-id"] == f"grouped-{i}"
        if bodies[i]["cadre_id"] == UNKNOWN:
            assert response.status_code == 404, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["errors"][0]["field"] == "body.cadre_id"
            continue
        assert response.status_code == 201, response.text
        decision = response.json()
        assert decision["cadre_id"] == bodies[i]["cadre_id"]
        assert decision["purpose"] == bodies[i]["purpose"]
        stored = await api.get(f"/v1/vetting/decisions/{decision['decision_id']}")
        assert stored == decision
    rows = await session.execute(
        text(
            "SELECT d.request_id, e.request_id, e.action FROM vetting_decisions d "
            "JOIN audit_events e ON e.target_id = CAST(d.id AS text) "
            "WHERE d.request_id LIKE 'grouped-%'"
        )
    )
    pairs = rows.all()
    assert len(pairs) == 24  # one event per stored decision, with that check's request id
    assert all(d == e and action == "vetting_decision.created" for d, e, action in pairs)
    assert (await api.get("/v1/audit-events/verify"))["intact"] is True


async def test_a_check_failing_in_the_database_does_not_fail_its_group(
    api: Api, app: FastAPI, superuser_engine: AsyncEngine
) -> None:
    people = [await api.cadre(f"同组{i}") for i in range(8)]
    doomed = people[3]["id"]
    poison = f"""
        CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.cadre_id = '{doomed}' THEN RAISE EXCEPTION 'poisoned check'; END IF;
            RETURN NEW;
        END $$
    """
    trigger = (
        "CREATE TRIGGER test_poison BEFORE INSERT ON vetting_decisions "
        "FOR EACH ROW EXECUTE FUNCTION test_poison()"
    )
    async with superuser_engine.begin() as conn:
        await conn.exec_driver_sql(poison)
        await conn.exec_driver_sql(trigger)
    checks: CheckCoalescer = app.state.checks
    isolated = checks.isolated
    try:
        bodies = [{"cadre_id": p["id"], "purpose": "promotion"} for p in people] * 2
        responses = await _fire(api, bodies)
    finally:
        async with superuser_engine.begin() as conn:
            await conn.exec_driver_sql("DROP TRIGGER test_poison ON vetting_decisions")
            await conn.exec_driver_sql("DROP FUNCTION test_poison()")
    assert checks.isolated > isolated, "the doomed checks should have failed inside a group"
    for body, response in zip(bodies, responses, strict=True):
        if body["cadre_id"] == doomed:
            assert response.status_code == 500
            assert response.headers["content-type"] == "application/problem+json"
            assert "poisoned" not in response.text  # no internals leak
        else:
            assert response.status_code == 201, response.text
    assert (await api.get("/v1/audit-events/verify"))["intact"] is True
    events = await api.get("/v1/audit-events", action="vetting_decision.created", limit=100)
    assert len(events["items"]) == 14  # the two doomed checks left no event behind


async def test_waiting_checks_hold_no_pooled_connection(
    database_url: str, settings: Settings
) -> None:
    """With one pooled connection and the key cache cold, many concurrent checks all finish:
    authentication gives its connection back before the check waits for its group."""
    tight = settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0})
    app = create_app(tight)
    try:
        key = await make_client(app, "tight", ["admin"])
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            api = Api(http, key)
            cadre = await api.cadre("独池")
            forget_cached_keys()
            bodies = [{"cadre_id": cadre["id"], "purpose": "appointment"}] * 20
            responses = await asyncio.wait_for(_fire(api, bodies), timeout=30)
        assert [r.status_code for r in responses] == [201] * 20
    finally:
        await app.state.engine.dispose()


async def test_driver_statements_commit_and_roll_back_with_the_session(
    app: FastAPI, session: AsyncSession
) -> None:
    kept, dropped = uuid.uuid4().hex * 2, uuid.uuid4().hex * 2
    insert = "INSERT INTO facts_snapshots (sha256, facts) VALUES ($1, CAST('{}' AS json))"
    await (await Driver.of(session)).execute(insert, dropped)
    await session.rollback()
    await (await Driver.of(session)).execute(insert, kept)
    await session.commit()
    found = await session.execute(
        text("SELECT sha256 FROM facts_snapshots WHERE sha256 IN (:a, :b)"),
        {"a": kept, "b": dropped},
    )
    assert found.scalars().all() == [kept]


async def test_a_big_batch_is_stored_in_chunks_in_one_transaction(
    api: Api, app: FastAPI, monkeypatch: Any, superuser_engine: AsyncEngine
) -> None:
    from app.vetting import service

    monkeypatch.setattr(service, "STORE_EVERY", 4)
    monkeypatch.setattr(service, "YIELD_EVERY", 3)
    people = [await api.cadre(f"分块{i}") for i in range(10)]
    items = {f"k{i}": {"cadre_id": p["id"], "purpose": "promotion"} for i, p in enumerate(people)}
    batch = await api.post("/v1/vetting/batches", {"items": items}, status=200)
    for result in batch["results"].values():
        stored = await api.get(f"/v1/vetting/decisions/{result['decision_id']}")
        assert stored == result
    events = await api.get("/v1/audit-events", target_id=batch["batch_id"])
    assert [e["summary"]["items"] for e in events["items"]] == [10]

    doomed = people[6]["id"]  # in the second chunk: the first is already sent when it fails
    async with superuser_engine.begin() as conn:
        await conn.exec_driver_sql(
            "CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.cadre_id = '{doomed}' THEN RAISE EXCEPTION 'poisoned'; END IF; "
            "RETURN NEW; END $$"
        )
        await conn.exec_driver_sql(
            "CREATE TRIGGER test_poison BEFORE INSERT ON vetting_decisions "
            "FOR EACH ROW EXECUTE FUNCTION test_poison()"
        )
    try:
        failed = await api.http.post(
            "/v1/vetting/batches", json={"items": items}, headers=api.headers
        )
    finally:
        async with superuser_engine.begin() as conn:
            await conn.exec_driver_sql("DROP TRIGGER test_poison ON vetting_decisions")
            await conn.exec_driver_sql("DROP FUNCTION test_poison()")
    assert failed.status_code == 500
    request_id = failed.headers["x-request-id"]
    async with app.state.engine.connect() as conn:
        left = await conn.exec_driver_sql(
            f"SELECT count(*) FROM vetting_decisions WHERE request_id = '{request_id}'"
        )
        assert left.scalar() == 0  # all or nothing
    assert (await api.get("/v1/audit-events/verify"))["intact"] is True
