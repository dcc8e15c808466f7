"""Compact decisions: a check stores its decision body in compact form, its facts as the
cadre's own part plus references to its units' facts parts (each stored once), and an audit
event whose digest covers the stored decision; all of it reads back exactly and replays, and
what does not rebuild is reported as altered."""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import UUID

import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from app import clock
from app.domain import compact
from app.uow import unit_of_work
from app.vetting import repository
from app.vetting.facts_loader import _BY_PART, FactsLoader, store_parts
from app.vetting.rules.snapshot import facts_snapshot
from tests.factories import Api


async def _unit_with_history(api: Api) -> dict[str, str]:
    unit = await api.org_unit("纳溪区人民政府", level="county")
    for at in ("2017-03-01T10:00:00+08:00", "2019-09-09T09:00:00Z", "2012-01-01T10:00:00+08:00"):
        await api.accident(unit["id"], occurred_at=at)
    return unit


async def _check(api: Api, cadre_id: str) -> dict[str, object]:
    return await api.post(
        "/v1/vetting/checks", {"cadre_id": cadre_id, "purpose": "promotion"}, status=201
    )


async def test_a_check_is_stored_compact_and_reads_back_exactly(
    api: Api, app: FastAPI, superuser_engine: AsyncEngine
) -> None:
    unit = await _unit_with_history(api)
    first, second = await api.cadre("纳溪甲"), await api.cadre("纳溪乙")
    await api.post_held(first["id"], unit["id"], start="2016-01-01")
    await api.post_held(second["id"], unit["id"], start="2010-01-01", end_date="2015-12-31")
    one = await _check(api, first["id"])
    two = await _check(api, second["id"])

    async with superuser_engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT decision, decision_compact, facts_sha256 FROM vetting_decisions "
                    "WHERE id = :id"
                ),
                {"id": one["decision_id"]},
            )
        ).one()
        snapshots = (
            await conn.execute(
                text("SELECT sha256, facts, compact, parts FROM facts_snapshots ORDER BY sha256")
            )
        ).all()
        parts = (await conn.execute(text("SELECT sha256, content FROM facts_parts"))).all()
        event = (
            await conn.execute(
                text("SELECT summary FROM audit_events WHERE target_id = :id"),
                {"id": one["decision_id"]},
            )
        ).scalar_one()

    # The decision: no JSON column, the compact body is the answer, byte for byte.
    assert row.decision is None
    stored_body = compact.unpack(row.decision_compact)
    assert orjson.loads(stored_body) == one
    assert event == {
        "purpose": "promotion",
        "outcome": one["outcome"],
        "decision_sha256": hashlib.sha256(stored_body).hexdigest(),
    }
    assert await api.get(f"/v1/vetting/decisions/{one['decision_id']}") == one

    # The facts: both cadres' snapshots split, naming the one part of their unit's history.
    assert {s.sha256 for s in snapshots} == {one["facts_sha256"], two["facts_sha256"]}
    assert len(parts) == 1
    part = compact.unpack(parts[0].content)
    assert hashlib.sha256(part).hexdigest() == parts[0].sha256
    assert len(orjson.loads(part)["accidents"]) == 3
    for snapshot in snapshots:
        assert snapshot.facts is None and snapshot.parts == [parts[0].sha256]
        own = orjson.loads(compact.unpack(snapshot.compact))
        assert "name" in own and own["parts"] == [parts[0].sha256]
        assert all(len(run) == 3 for run in own["accidents"])

    # Read back whole: the canonical snapshot of the facts as loaded, and its digest.
    async with unit_of_work(app.state.sessionmaker) as session:
        for decision, accidents in ((one, 2), (two, 1)):
            whole = await repository.snapshot(session, str(decision["facts_sha256"]))
            cadre_id = UUID(str(decision["cadre_id"]))
            known_at = datetime.fromisoformat(str(decision["known_at"]))
            facts = (await FactsLoader(session).load([cadre_id], known_at))[cadre_id]
            assert whole is not None and whole.encode() == facts_snapshot(facts)
            assert len(facts.accidents) == accidents
    for decision in (one, two):
        replayed = await api.post(
            f"/v1/vetting/decisions/{decision['decision_id']}/replay", {}, status=200
        )
        assert replayed["identical"] is True


async def test_a_snapshot_may_not_name_a_part_that_is_not_stored(app: FastAPI, api: Api) -> None:
    with pytest.raises(IntegrityError, match="names a facts part that is not stored"):
        async with unit_of_work(app.state.sessionmaker) as session:
            await session.execute(
                text(
                    "INSERT INTO facts_snapshots (sha256, compact, parts) "
                    "VALUES (:sha, :compact, ARRAY[:part])"
                ),
                {"sha": "0" * 64, "compact": compact.pack(b"{}"), "part": "f" * 64},
            )


async def test_an_altered_part_or_snapshot_is_reported_not_replayed(
    api: Api, superuser_engine: AsyncEngine
) -> None:
    unit = await _unit_with_history(api)
    cadre = await api.cadre("纳溪丙")
    await api.post_held(cadre["id"], unit["id"], start="2016-01-01")
    decision = await _check(api, cadre["id"])
    async with superuser_engine.begin() as conn:
        await conn.execute(text("SET LOCAL session_replication_role = replica"))  # no triggers
        content = (await conn.execute(text("SELECT content FROM facts_parts"))).scalar_one()
        altered = compact.pack(compact.unpack(content).replace(b'"deaths":', b'"deaths":9'))
        await conn.execute(text("UPDATE facts_parts SET content = :c"), {"c": altered})
    problem = await api.post(
        f"/v1/vetting/decisions/{decision['decision_id']}/replay", {}, status=409
    )
    assert "has been altered" in problem["detail"] and "已被改动" in problem["detail_zh"]


async def test_a_part_whose_insert_rolled_back_is_sent_again(app: FastAPI, api: Api) -> None:
    unit = await _unit_with_history(api)
    cadre = await api.cadre("纳溪丁")
    await api.post_held(cadre["id"], unit["id"], start="2016-01-01")
    cadre_id = UUID(cadre["id"])
    async with unit_of_work(app.state.sessionmaker) as session:
        records = await FactsLoader(session).fetch([cadre_id], clock.now())
    history = next(iter(records.histories.values()))
    assert _BY_PART[history.sha256] is history and not history.stored

    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned):
        async with unit_of_work(app.state.sessionmaker) as session:
            await store_parts(session, [(history.sha256,)])
            raise Abandoned
    assert not history.stored and history.part  # rolled back: still to be stored

    decision = await _check(api, cadre["id"])  # stores it (the trigger would refuse otherwise)
    assert history.stored and history.part == b""  # committed: its bytes are let go
    replayed = await api.post(
        f"/v1/vetting/decisions/{decision['decision_id']}/replay", {}, status=200
    )
    assert replayed["identical"] is True
    async with unit_of_work(app.state.sessionmaker) as session:
        await store_parts(session, [(history.sha256,)])  # known stored: nothing sent
        assert not session.info.get("facts_parts_pending")
