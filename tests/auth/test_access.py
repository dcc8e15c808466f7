"""Keys, scopes and jurisdictions: each rule allowed and refused."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import make_client
from tests.factories import Api, id_number


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


async def test_a_missing_key_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/cadres")
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_an_unknown_key_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/cadres", headers={"Authorization": "Bearer cvk_nope_nope"})
    assert_problem(response, 401)


async def test_a_revoked_key_stops_working(api: Api, app: FastAPI) -> None:
    from uuid import UUID

    from app.auth.service import revoke_client
    from app.context import system_context
    from app.models import ApiClient
    from app.uow import unit_of_work

    key = await make_client(app, "temp", ["records:read"])
    reader = Api(api.http, key)
    await reader.get("/v1/org-units")
    async with unit_of_work(app.state.sessionmaker) as db:
        from sqlalchemy import select

        client_id: UUID = (
            await db.execute(select(ApiClient.id).where(ApiClient.name == "temp"))
        ).scalar_one()
        await revoke_client(db, system_context("tests"), client_id)
    assert_problem(await api.http.get("/v1/org-units", headers=reader.headers), 401)


# (method, path, body builder, scope that allows it)
def _requests(world: dict[str, Any]) -> list[tuple[str, str, dict[str, Any] | None, str]]:
    cadre, unit = world["cadre"]["id"], world["unit"]["id"]
    return [
        ("GET", "/v1/org-units", None, "records:read"),
        ("GET", f"/v1/cadres/{cadre}", None, "records:read"),
        ("GET", f"/v1/cadres/{cadre}/dossier", None, "records:read"),
        ("GET", "/v1/accidents", None, "records:read"),
        ("POST", "/v1/cadres", {"id_number": id_number(), "name": "甲"}, "records:write"),
        (
            "POST",
            "/v1/org-units",
            {"name": "新局", "kind": "government_department", "level": "city", "parent_id": unit},
            "records:write",
        ),
        (
            "POST",
            "/v1/inspections",
            {"org_unit_id": unit, "inspected_on": "2024-01-01", "findings": "x", "rating": "pass"},
            "records:write",
        ),
        ("GET", "/v1/audit-events", None, "audit:read"),
        ("GET", "/v1/audit-events/verify", None, "audit:read"),
        (
            "POST",
            "/v1/vetting/checks",
            {"cadre_id": cadre, "purpose": "promotion"},
            "vetting:check",
        ),
        ("GET", f"/v1/cadres/{cadre}/eligibility", None, "vetting:check"),
        (
            "POST",
            "/v1/consultations",
            {
                "cadre_id": cadre,
                "proposed_org_unit_id": unit,
                "proposed_title": "副市长",
                "requesting_unit": "组织部",
            },
            "consultations:request",
        ),
        ("GET", "/v1/webhooks", None, "admin"),
    ]


@pytest.fixture
async def world(api: Api) -> dict[str, Any]:
    unit = await api.org_unit()
    cadre = await api.cadre()
    await api.post_held(cadre["id"], unit["id"])
    return {"unit": unit, "cadre": cadre}


async def test_each_scope_allows_its_operations_and_nothing_else(
    api: Api, app: FastAPI, world: dict[str, Any]
) -> None:
    scopes = [
        "records:read",
        "records:write",
        "audit:read",
        "vetting:check",
        "consultations:request",
        "consultations:issue",
        "pii:read",
    ]
    keys = {scope: await make_client(app, scope, [scope]) for scope in scopes}
    for method, path, body, needed in _requests(world):
        for scope, key in keys.items():
            headers = {"Authorization": f"Bearer {key}"}
            response = await api.http.request(method, path, json=body, headers=headers)
            if scope == needed:
                assert response.status_code < 300, (method, path, scope, response.text)
            else:
                problem = assert_problem(response, 403)
                assert problem["required_scopes"] == [needed]


async def test_issuing_needs_the_issue_scope_and_reading_takes_either(
    api: Api, app: FastAPI, world: dict[str, Any]
) -> None:
    requester = Api(api.http, await make_client(app, "org-dept", ["consultations:request"]))
    issuer = Api(api.http, await make_client(app, "safety-dept", ["consultations:issue"]))
    consultation = await requester.post(
        "/v1/consultations",
        {
            "cadre_id": world["cadre"]["id"],
            "proposed_org_unit_id": world["unit"]["id"],
            "proposed_title": "副市长",
            "requesting_unit": "组织部",
        },
    )
    for who in (requester, issuer):
        await who.get(f"/v1/consultations/{consultation['id']}")
    body = {"issuing_org_unit_id": world["unit"]["id"]}
    await requester.post(f"/v1/consultations/{consultation['id']}/issue", body, status=403)
    problem = await issuer.post(
        f"/v1/consultations/{consultation['id']}/issue", body, status=422
    )  # allowed, but the unit has no document prefix
    assert problem["errors"][0]["field"] == "body.issuing_org_unit_id"
    outsider = Api(api.http, await make_client(app, "auditor", ["audit:read"]))
    await outsider.get(f"/v1/consultations/{consultation['id']}", expect=403)


async def test_a_vetting_check_crosses_jurisdictions(
    api: Api, app: FastAPI, world: dict[str, Any]
) -> None:
    other = await api.org_unit("宜宾市人民政府")
    checker = Api(
        api.http,
        await make_client(app, "elsewhere", ["vetting:check", "records:read"], other["id"]),
    )
    decision = await checker.post(
        "/v1/vetting/checks", {"cadre_id": world["cadre"]["id"], "purpose": "promotion"}
    )
    assert decision["cadre_id"] == world["cadre"]["id"]
    # Outside its jurisdiction the cadre's file looks like no cadre at all.
    await checker.get(f"/v1/cadres/{world['cadre']['id']}", expect=404)


@pytest.fixture
async def two_counties(api: Api) -> dict[str, Any]:
    city = await api.org_unit("泸州市人民政府")
    jiangyang = await api.org_unit("江阳区人民政府", level="county", parent_id=city["id"])
    naxi = await api.org_unit("纳溪区人民政府", level="county", parent_id=city["id"])
    inside = await api.cadre("江阳干部")
    outside = await api.cadre("纳溪干部")
    await api.post_held(inside["id"], jiangyang["id"])
    await api.post_held(outside["id"], naxi["id"])
    await api.accident(jiangyang["id"])
    await api.accident(naxi["id"])
    return {"city": city, "in": jiangyang, "out": naxi, "inside": inside, "outside": outside}


async def test_a_jurisdiction_bound_client_writes_only_in_its_subtree(
    api: Api, app: FastAPI, two_counties: dict[str, Any]
) -> None:
    w = two_counties
    key = await make_client(app, "江阳区", ["records:read", "records:write"], w["in"]["id"])
    local = Api(api.http, key)
    await local.accident(w["in"]["id"])
    response = await api.http.post(
        "/v1/accidents",
        headers=local.headers,
        json={
            "org_unit_id": w["out"]["id"],
            "occurred_at": "2021-01-01T08:00:00+08:00",
            "industry": "gas",
            "deaths": 0,
            "serious_injuries": 0,
            "direct_loss_cny": "0",
        },
    )
    assert assert_problem(response, 404)["errors"][0]["field"] == "body.org_unit_id"
    await local.case(w["inside"]["id"])
    response = await api.http.post(
        "/v1/accountability-cases",
        headers=local.headers,
        json={
            "cadre_id": w["outside"]["id"],
            "circumstance": "other",
            "status": "under_investigation",
            "opened_on": "2024-01-01",
        },
    )
    assert_problem(response, 404)
    response = await api.http.post(
        "/v1/org-units",
        headers=local.headers,
        json={"name": "x", "kind": "government", "level": "city"},
    )
    assert_problem(response, 403)


async def test_a_jurisdiction_bound_client_lists_only_its_subtree(
    api: Api, app: FastAPI, two_counties: dict[str, Any]
) -> None:
    w = two_counties
    local = Api(api.http, await make_client(app, "江阳区", ["records:read"], w["in"]["id"]))
    accidents = await local.get("/v1/accidents")
    assert {a["org_unit_id"] for a in accidents["items"]} == {w["in"]["id"]}
    cadres = await local.get("/v1/cadres")
    assert [c["id"] for c in cadres["items"]] == [w["inside"]["id"]]
    units = await local.get("/v1/org-units")
    assert [u["id"] for u in units["items"]] == [w["in"]["id"]]
    await local.get(f"/v1/cadres/{w['outside']['id']}", expect=404)
    all_accidents = await api.get("/v1/accidents")
    assert all_accidents["total"] == 2


async def test_a_jurisdiction_bound_client_sees_and_requests_consultations_only_in_its_subtree(
    api: Api, app: FastAPI, two_counties: dict[str, Any]
) -> None:
    w = two_counties

    def body(unit: dict[str, Any]) -> dict[str, Any]:
        return {
            "cadre_id": w["inside"]["id"],
            "proposed_org_unit_id": unit["id"],
            "proposed_title": "副区长",
            "requesting_unit": "中共泸州市委组织部",
        }

    here = await api.post("/v1/consultations", body(w["in"]))
    there = await api.post("/v1/consultations", body(w["out"]))
    key = await make_client(app, "江阳区组织部", ["consultations:request"], w["in"]["id"])
    local = Api(api.http, key)
    listed = await local.get("/v1/consultations")
    assert [c["id"] for c in listed["items"]] == [here["id"]] and listed["total"] == 1
    await local.get(f"/v1/consultations/{here['id']}")
    refused = assert_problem(
        await api.http.get(f"/v1/consultations/{there['id']}", headers=local.headers), 404
    )
    assert refused["detail"] == f"No consultation {there['id']}."
    response = await api.http.post("/v1/consultations", headers=local.headers, json=body(w["out"]))
    assert assert_problem(response, 404)["errors"][0]["field"] == "body.proposed_org_unit_id"
    assert (await api.get("/v1/consultations"))["total"] == 2  # nothing written
