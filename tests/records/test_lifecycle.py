"""Every record kind is created, read, listed, amended and revoked over HTTP, and its history
shows each version."""

from collections.abc import Callable
from typing import Any

import pytest

from tests.factories import Api

World = dict[str, Any]


def _ids(world: World) -> tuple[str, str, str]:
    return world["cadre"]["id"], world["county"]["id"], world["accident"]["id"]


# kind path -> (create body, amendment changes, list filter)
KINDS: dict[str, Callable[[World], tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]] = {
    "posts": lambda w: (
        {
            "cadre_id": _ids(w)[0],
            "org_unit_id": _ids(w)[1],
            "title": "副区长",
            "position": "deputy",
            "safety_role": "safety_lead",
            "team_rank": 2,
            "start_date": "2010-01-01",
            "end_date": "2012-12-31",
        },
        {"title": "常务副区长", "position": "executive_deputy"},
        {"cadre_id": _ids(w)[0]},
    ),
    "cadre-status-events": lambda w: (
        {"cadre_id": _ids(w)[0], "status": "retired", "effective_date": "2024-03-01"},
        {"effective_date": "2024-04-01"},
        {"cadre_id": _ids(w)[0]},
    ),
    "assessments": lambda w: (
        {
            "subject": "cadre",
            "cadre_id": _ids(w)[0],
            "kind": "annual",
            "year": 2023,
            "grade": "competent",
        },
        {"grade": "excellent"},
        {"cadre_id": _ids(w)[0], "year": 2023},
    ),
    "accidents": lambda w: (
        {
            "org_unit_id": _ids(w)[1],
            "occurred_at": "2021-07-01T09:00:00+08:00",
            "industry": "road_transport",
            "deaths": 2,
            "serious_injuries": 3,
            "direct_loss_cny": "1200000.50",
        },
        {"deaths": 4},
        {"org_unit_id": _ids(w)[1], "industry": "road_transport"},
    ),
    "accountability-cases": lambda w: (
        {
            "cadre_id": _ids(w)[0],
            "circumstance": "reporting_failure",
            "accident_id": _ids(w)[2],
            "status": "under_investigation",
            "opened_on": "2021-08-01",
        },
        {
            "status": "decided",
            "decision_date": "2021-10-10",
            "authority": "泸州市纪委监委",
            "methods": ["sanction"],
            "admin_sanction": "demerit",
        },
        {"cadre_id": _ids(w)[0], "circumstance": "reporting_failure"},
    ),
    "commendations": lambda w: (
        {
            "cadre_id": _ids(w)[0],
            "kind": "commendation",
            "basis": "organising_rescue",
            "year": 2019,
            "awarded_on": "2020-02-01",
        },
        {"kind": "merit_third"},
        {"cadre_id": _ids(w)[0], "year": 2019},
    ),
    "contributions": lambda w: (
        {
            "cadre_id": _ids(w)[0],
            "area": "rectifying_major_hazards",
            "year": 2022,
            "achieved_on": "2022-06-30",
            "description": "整治重大事故隐患12处",
        },
        {"description": "整治重大事故隐患15处"},
        {"cadre_id": _ids(w)[0], "year": 2022},
    ),
    "cadre-investigations": lambda w: (
        {
            "cadre_id": _ids(w)[0],
            "conducted_on": "2023-05-01",
            "purpose": "promotion",
            "result": "pass",
        },
        {"result": "fail", "notes": "安全生产责任落实不到位"},
        {"cadre_id": _ids(w)[0]},
    ),
    "inspections": lambda w: (
        {
            "org_unit_id": _ids(w)[1],
            "inspected_on": "2022-04-10",
            "findings": "责任清单未更新",
            "rating": "pass",
        },
        {"rating": "fail"},
        {"org_unit_id": _ids(w)[1]},
    ),
    "supervision-items": lambda w: (
        {
            "org_unit_id": _ids(w)[1],
            "task": "整改道路交通安全隐患",
            "assigned_on": "2022-01-10",
            "due_on": "2022-03-31",
        },
        {"completed_on": "2022-03-20", "outcome": "已整改"},
        {"org_unit_id": _ids(w)[1]},
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
async def test_record_lifecycle_keeps_every_version(api: Api, world: World, kind: str) -> None:
    body, changes, filters = KINDS[kind](world)
    created = await api.post(f"/v1/{kind}", body)
    assert (created["version"], created["change"], created["revoked"]) == (1, "created", False)

    fetched = await api.get(f"/v1/{kind}/{created['id']}")
    assert fetched == created

    listed = await api.get(f"/v1/{kind}", **filters)
    assert created["id"] in [item["id"] for item in listed["items"]]

    amended = await api.post(
        f"/v1/{kind}/{created['id']}/amendments",
        {"reason": "更正录入错误", "expected_version": 1, "changes": changes},
        status=200,
    )
    assert amended["version"] == 2 and amended["change"] == "amended"
    assert amended["change_reason"] == "更正录入错误"
    for field, value in changes.items():
        assert str(amended[field]) == str(value) or amended[field] == value

    revoked = await api.post(
        f"/v1/{kind}/{created['id']}/revocation", {"reason": "重复录入"}, status=200
    )
    assert revoked["version"] == 3 and revoked["revoked"] is True

    history = await api.get(f"/v1/{kind}/{created['id']}/history")
    assert [v["change"] for v in history] == ["created", "amended", "revoked"]
    assert history[0] == created

    listed_after = await api.get(f"/v1/{kind}", **filters)
    assert created["id"] not in [item["id"] for item in listed_after["items"]]
    with_revoked = await api.get(f"/v1/{kind}", include_revoked="true", **filters)
    assert created["id"] in [item["id"] for item in with_revoked["items"]]


@pytest.mark.parametrize("kind", ["accidents", "inspections"])
async def test_a_revoked_record_cannot_be_amended_or_revoked_again(
    api: Api, world: World, kind: str
) -> None:
    body, changes, _ = KINDS[kind](world)
    created = await api.post(f"/v1/{kind}", body)
    await api.post(f"/v1/{kind}/{created['id']}/revocation", {"reason": "录入错误"}, status=200)
    problem = await api.post(
        f"/v1/{kind}/{created['id']}/amendments", {"reason": "再改", "changes": changes}, status=409
    )
    assert problem["current_state"] == "revoked"
    await api.post(f"/v1/{kind}/{created['id']}/revocation", {"reason": "again"}, status=409)


async def test_a_stale_expected_version_is_a_conflict(api: Api, world: World) -> None:
    accident = world["accident"]
    await api.post(
        f"/v1/accidents/{accident['id']}/amendments",
        {"reason": "核实伤亡", "changes": {"serious_injuries": 1}},
        status=200,
    )
    problem = await api.post(
        f"/v1/accidents/{accident['id']}/amendments",
        {"reason": "核实伤亡", "expected_version": 1, "changes": {"deaths": 2}},
        status=409,
    )
    assert problem["errors"][0]["field"] == "expected_version"


async def test_identity_fields_cannot_be_amended(api: Api, world: World) -> None:
    problem = await api.post(
        f"/v1/accidents/{world['accident']['id']}/amendments",
        {"reason": "换单位", "changes": {"org_unit_id": world["city"]["id"]}},
        status=422,
    )
    assert problem["errors"][0]["field"] == "body.changes.org_unit_id"


async def test_an_empty_amendment_is_refused(api: Api, world: World) -> None:
    problem = await api.post(
        f"/v1/accidents/{world['accident']['id']}/amendments",
        {"reason": "无变化", "changes": {}},
        status=422,
    )
    assert problem["errors"][0]["field"] == "body.changes"


async def test_an_amendment_is_revalidated_as_a_whole(api: Api, world: World) -> None:
    problem = await api.post(
        f"/v1/posts/{world['post']['id']}/amendments",
        {"reason": "任期", "changes": {"end_date": "2015-06-01"}},
        status=422,
    )
    assert problem["errors"][0]["field"] == "body.changes.end_date"


async def test_one_assessment_per_subject_kind_and_year(api: Api, world: World) -> None:
    body = {
        "subject": "cadre",
        "cadre_id": world["cadre"]["id"],
        "kind": "annual",
        "year": 2022,
        "grade": "competent",
    }
    await api.post("/v1/assessments", body)
    problem = await api.post("/v1/assessments", {**body, "grade": "excellent"}, status=409)
    assert "amendment" in problem["detail"]


async def test_unknown_record_is_404(api: Api) -> None:
    await api.get("/v1/accidents/00000000-0000-0000-0000-000000000000", expect=404)
