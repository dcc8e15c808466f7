from typing import Any

from tests.factories import Api


async def test_subtree_query_and_filters(api: Api) -> None:
    city = await api.org_unit("泸州市人民政府", division_code="510500")
    county = await api.org_unit("泸县人民政府", level="county", parent_id=city["id"])
    town = await api.org_unit("福集镇", kind="township", level="township", parent_id=county["id"])
    other = await api.org_unit("宜宾市人民政府")
    assert town["path"] == [city["id"], county["id"], town["id"]]

    subtree = await api.get("/v1/org-units", under=city["id"])
    assert [u["id"] for u in subtree["items"]] == [city["id"], county["id"], town["id"]]
    assert other["id"] not in [u["id"] for u in subtree["items"]]
    assert [u["id"] for u in (await api.get("/v1/org-units", parent_id=city["id"]))["items"]] == [
        county["id"]
    ]
    townships = await api.get("/v1/org-units", level="township")
    assert [u["id"] for u in townships["items"]] == [town["id"]]
    assert town["labels"]["kind"] == "乡镇"


async def test_a_child_cannot_rank_above_its_parent(api: Api) -> None:
    county = await api.org_unit("合江县人民政府", level="county")
    problem = await api.post(
        "/v1/org-units",
        {"name": "x", "kind": "government", "level": "city", "parent_id": county["id"]},
        status=422,
    )
    assert problem["errors"][0]["field"] == "body.level"


async def test_key_soe_flag_needs_an_enterprise(api: Api) -> None:
    problem = await api.post(
        "/v1/org-units",
        {"name": "x", "kind": "government", "level": "city", "is_key_soe": True},
        status=422,
    )
    assert problem["errors"][0]["field"] == "body.is_key_soe"
    soe = await api.org_unit(
        "泸州老窖集团有限责任公司",
        kind="state_owned_enterprise",
        is_key_soe=True,
        industry="liquor_and_food",
    )
    assert soe["is_key_soe"] is True


async def test_updates_are_audited_with_before_and_after(api: Api) -> None:
    unit = await api.org_unit("泸州市安监局", kind="government_department")
    response = await api.http.patch(
        f"/v1/org-units/{unit['id']}",
        json={"name": "泸州市应急管理局", "reason": "机构改革更名"},
        headers=api.headers,
    )
    assert response.status_code == 200 and response.json()["name"] == "泸州市应急管理局"
    events = await api.get("/v1/audit-events", target_id=unit["id"], action="org_unit.updated")
    assert events["items"][0]["summary"]["changes"]["name"] == ["泸州市安监局", "泸州市应急管理局"]
    assert events["items"][0]["summary"]["reason"] == "机构改革更名"


async def test_a_correction_keeps_the_old_version_with_who_when_and_why(api: Api) -> None:
    soe = await api.org_unit(
        "泸州市兴泸投资集团有限公司", kind="state_owned_enterprise", industry="gas"
    )
    assert soe["version"] == 1
    path = f"/v1/org-units/{soe['id']}"
    no_reason = await api.http.patch(path, json={"is_key_soe": True}, headers=api.headers)
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "body.reason"
    changed = await api.http.patch(
        path, json={"is_key_soe": True, "reason": "列入市属重点国有企业名单"}, headers=api.headers
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    history = await api.get(f"{path}/history")
    assert [(v["version"], v["change"], v["is_key_soe"]) for v in history] == [
        (1, "created", False),
        (2, "amended", True),
    ]
    assert history[1]["change_reason"] == "列入市属重点国有企业名单"
    assert history[1]["recorded_by"] is not None and history[1]["request_id"]
    assert history[0]["recorded_at"] <= history[1]["recorded_at"]


async def test_org_unit_versions_refuse_update_and_delete(api: Api, superuser_engine: Any) -> None:
    """Even as the owner or a superuser (the service's role may not try: test_privileges.py)."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    unit = await api.org_unit("泸州市人民政府")
    for statement in (
        "UPDATE org_unit_versions SET name = 'x' WHERE org_unit_id = :id",
        "DELETE FROM org_unit_versions WHERE org_unit_id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with superuser_engine.begin() as conn:
                await conn.execute(text(statement), {"id": unit["id"]})


async def test_bad_division_code_and_unknown_parent(api: Api) -> None:
    problem = await api.post(
        "/v1/org-units",
        {"name": "x", "kind": "government", "level": "city", "division_code": "51050"},
        status=422,
    )
    assert problem["errors"][0]["field"] == "body.division_code"
    problem = await api.post(
        "/v1/org-units",
        {
            "name": "x",
            "kind": "government",
            "level": "city",
            "parent_id": "00000000-0000-0000-0000-000000000000",
        },
        status=404,
    )
    assert problem["errors"][0]["field"] == "body.parent_id"
