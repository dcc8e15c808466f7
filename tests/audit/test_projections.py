"""What the service answers about legally meaningful state comes from the audit log, not from
columns an insider can edit: an opinion's verification, and whether an API key is valid and
what it may do. Tampering here is done as the database superuser."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth.service import forget_cached_keys, list_clients, revoke_client
from app.context import system_context
from app.uow import unit_of_work
from tests.conftest import make_client
from tests.consultations.world import build_world, issue, request
from tests.factories import Api


async def _as_superuser(engine: AsyncEngine, statement: str, **params: Any) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
        await conn.execute(text(statement), params)


async def test_editing_a_consultations_columns_does_not_change_what_verify_answers(
    api: Api, superuser_engine: AsyncEngine
) -> None:
    world = await build_world(api)
    issued = await issue(api, world, await request(api, world))
    number = issued["opinion"]["document_number"]
    before = await api.get("/v1/opinions/verify", number=number)
    assert before["genuine"] and before["recommendation"] == issued["opinion"]["recommendation"]
    await api.post(
        f"/v1/consultations/{issued['id']}/revoke", {"reason": "任职前复核发现新情况"}, status=200
    )
    revoked = await api.get("/v1/opinions/verify", number=number)
    assert (revoked["genuine"], revoked["valid_now"], revoked["state"]) == (True, False, "revoked")
    flipped = "no_objection" if before["recommendation"] != "no_objection" else "objection"
    await _as_superuser(
        superuser_engine,
        "UPDATE consultations SET recommendation = :r, state = 'issued', "
        "valid_until = '2099-12-31', content_sha256 = :h WHERE id = :id",
        r=flipped,
        h="0" * 64,
        id=issued["id"],
    )
    after = await api.get("/v1/opinions/verify", number=number)
    assert after == revoked
    by_hash = await api.get("/v1/opinions/verify", sha256=issued["opinion"]["content_sha256"])
    assert by_hash["genuine"] and by_hash["state"] == "revoked"
    assert not (await api.get("/v1/opinions/verify", sha256="0" * 64))["genuine"]
    # A number moved onto the row is not one the log knows for it.
    await _as_superuser(
        superuser_engine,
        "UPDATE consultations SET document_number = '泸应急意〔2099〕1号' WHERE id = :id",
        id=issued["id"],
    )
    assert not (await api.get("/v1/opinions/verify", number="泸应急意〔2099〕1号"))["genuine"]


async def test_a_key_changed_behind_the_services_back_does_not_authenticate(
    api: Api, app: FastAPI, superuser_engine: AsyncEngine
) -> None:
    reader = await make_client(app, "reader", ["records:read"])
    headers = {"Authorization": f"Bearer {reader}"}
    assert (await api.http.get("/v1/cadres", headers=headers)).status_code == 200
    assert (await api.http.get("/v1/audit-events", headers=headers)).status_code == 403
    await _as_superuser(
        superuser_engine,
        "UPDATE api_clients SET scopes = ARRAY['admin'] WHERE name = 'reader'",
    )
    forget_cached_keys()
    assert (await api.http.get("/v1/audit-events", headers=headers)).status_code == 401
    assert (await api.http.get("/v1/cadres", headers=headers)).status_code == 401


async def test_an_unrevoked_key_stays_revoked(
    api: Api, app: FastAPI, superuser_engine: AsyncEngine
) -> None:
    key = await make_client(app, "leaver", ["records:read"])
    headers = {"Authorization": f"Bearer {key}"}
    async with unit_of_work(app.state.sessionmaker) as session:
        client = next(c for c in await list_clients(session) if c.name == "leaver")
        await revoke_client(session, system_context("tests"), client.id)
    assert (await api.http.get("/v1/cadres", headers=headers)).status_code == 401
    await _as_superuser(
        superuser_engine, "UPDATE api_clients SET revoked_at = NULL WHERE id = :id", id=client.id
    )
    forget_cached_keys()
    assert (await api.http.get("/v1/cadres", headers=headers)).status_code == 401
