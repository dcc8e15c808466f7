"""Bad input gets a 4xx problem naming the field, and nothing is written."""

from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.domain.idnumber import check_character
from app.models import Accident, AuditEvent, Cadre, Post
from tests.factories import Api, id_number

World = dict[str, Any]


async def count(engine: AsyncEngine, model: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)) or 0)


def wrong_check_digit() -> str:
    good = id_number()
    return good[:17] + ("0" if good[17] != "0" else "1")


CASES = [
    (
        "/v1/cadres",
        lambda w: {"id_number": wrong_check_digit(), "name": "王五"},
        422,
        "body.id_number",
        Cadre,
    ),
    (
        "/v1/cadres",
        lambda w: {"id_number": "51050219800230123X", "name": "王五"},
        422,
        "body.id_number",
        Cadre,
    ),
    (
        "/v1/cadres",
        lambda w: {"id_number": "99050219800101123X", "name": "王五"},
        422,
        "body.id_number",
        Cadre,
    ),
    (
        "/v1/cadres",
        lambda w: {"id_number": id_number(), "name": "王五", "birth_date": "1990-01-01"},
        422,
        "body.birth_date",
        Cadre,
    ),
    (
        "/v1/cadres",
        lambda w: {"id_number": id_number(male=True), "name": "王五", "gender": "female"},
        422,
        "body.gender",
        Cadre,
    ),
    (
        "/v1/posts",
        lambda w: {
            "cadre_id": w["cadre"]["id"],
            "org_unit_id": w["county"]["id"],
            "title": "区长",
            "position": "principal",
            "safety_role": "first_responsible",
            "start_date": "2020-01-01",
            "end_date": "2019-12-31",
        },
        422,
        "body.end_date",
        Post,
    ),
    (
        "/v1/accidents",
        lambda w: {
            "org_unit_id": w["county"]["id"],
            "occurred_at": "2021-01-01T08:00:00+08:00",
            "industry": "gas",
            "deaths": -1,
            "serious_injuries": 0,
            "direct_loss_cny": "0",
        },
        422,
        "body.deaths",
        Accident,
    ),
    (
        "/v1/accidents",
        lambda w: {
            "org_unit_id": w["county"]["id"],
            "occurred_at": "2021-01-01T08:00:00+08:00",
            "industry": "volcano",
            "deaths": 0,
            "serious_injuries": 0,
            "direct_loss_cny": "0",
        },
        422,
        "body.industry",
        Accident,
    ),
    (
        "/v1/accidents",
        lambda w: {
            "org_unit_id": "00000000-0000-0000-0000-000000000001",
            "occurred_at": "2021-01-01T08:00:00+08:00",
            "industry": "gas",
            "deaths": 0,
            "serious_injuries": 0,
            "direct_loss_cny": "0",
        },
        404,
        "body.org_unit_id",
        Accident,
    ),
    (
        "/v1/accidents",
        lambda w: {
            "org_unit_id": w["county"]["id"],
            "occurred_at": "2021-01-01T08:00:00",
            "industry": "gas",
            "deaths": 0,
            "serious_injuries": 0,
            "direct_loss_cny": "0",
        },
        422,
        "body.occurred_at",
        Accident,
    ),
    (
        "/v1/accidents",
        lambda w: {
            "org_unit_id": w["county"]["id"],
            "occurred_at": "2021-01-01T08:00:00+08:00",
            "industry": "gas",
            "deaths": 0,
            "serious_injuries": 0,
            "direct_loss_cny": "0",
            "reporting_failures": ["late"],
        },
        422,
        "body.reporting_failures",
        Accident,
    ),
    (
        "/v1/accidents",
        lambda w: {
            "org_unit_id": w["county"]["id"],
            "occurred_at": "2021-01-01T08:00:00+08:00",
            "industry": "gas",
            "deaths": 0,
            "serious_injuries": 0,
            "direct_loss_cny": "0",
            "colour": "red",
        },
        422,
        "body.colour",
        Accident,
    ),
]


@pytest.mark.parametrize(("path", "body", "status", "field", "model"), CASES)
async def test_bad_input_names_the_field_and_writes_nothing(
    api: Api,
    world: World,
    engine: AsyncEngine,
    path: str,
    body: Any,
    status: int,
    field: str,
    model: Any,
) -> None:
    before = (await count(engine, model), await count(engine, AuditEvent))
    response = await api.http.post(path, json=body(world), headers=api.headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert (await count(engine, model), await count(engine, AuditEvent)) == before


CASE_RULES = [
    ({"status": "decided", "decision_date": None}, "body.decision_date"),
    ({"decision_date": "2020-05-01"}, "body.decision_date"),
    ({"methods": []}, "body.methods"),
    ({"methods": ["sanction"]}, "body.methods"),
    ({"methods": ["sanction"], "party_sanction": "probation"}, "body.party_probation_months"),
    ({"methods": ["suspension"]}, "body.suspension_months"),
    ({"leniency": "exempted"}, "body.methods"),
    ({"status": "under_investigation", "decision_date": None, "authority": None}, "body.status"),
    ({"status": "revoked"}, "body.status"),
    ({"criminal_penalty_completed_on": "2022-01-01"}, "body.criminal_penalty_completed_on"),
    ({"accident_id": "00000000-0000-0000-0000-000000000009"}, "body.accident_id"),
]


@pytest.mark.parametrize(("change", "field"), CASE_RULES)
async def test_accountability_case_rules(
    api: Api, world: World, change: dict[str, Any], field: str
) -> None:
    body = {
        "cadre_id": world["cadre"]["id"],
        "circumstance": "accident_responsibility",
        "status": "decided",
        "opened_on": "2020-06-01",
        "decision_date": "2020-09-01",
        "authority": "泸州市纪委监委",
        "methods": ["admonishment"],
        **change,
    }
    response = await api.http.post("/v1/accountability-cases", json=body, headers=api.headers)
    assert response.status_code in (404, 422), response.text
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_duplicate_id_number_is_a_conflict(api: Api) -> None:
    number = id_number()
    first = await api.post("/v1/cadres", {"id_number": number, "name": "赵六"})
    problem = await api.post("/v1/cadres", {"id_number": number, "name": "赵六"}, status=409)
    assert problem["cadre_id"] == first["id"]
    assert problem["errors"][0]["field"] == "body.id_number"


async def test_a_lowercase_x_check_character_is_accepted(api: Api) -> None:
    for seq in range(100, 999):
        first17 = f"51050219800101{seq:03d}"
        if check_character(first17) == "X":
            break
    created = await api.post("/v1/cadres", {"id_number": first17 + "x", "name": "钱七"})
    assert created["id_number"] == first17 + "X"  # admin holds pii:read


async def test_raw_sql_cannot_delete_or_update_record_versions(
    world: World, engine: AsyncEngine, superuser_engine: AsyncEngine
) -> None:
    """Even as the owner or a superuser: the triggers stand behind the privileges (the
    service's own role may not even try: test_privileges.py)."""
    for statement in (
        "DELETE FROM accidents",
        "UPDATE accidents SET deaths = 0",
        "DELETE FROM cadres",
        "UPDATE audit_events SET action = 'x'",
        "TRUNCATE accountability_cases",
    ):
        async with superuser_engine.connect() as conn:
            with pytest.raises(Exception, match="append-only"):
                await conn.execute(text(statement))
    assert await count(engine, Accident) == 1
