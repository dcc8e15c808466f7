"""The lifetime dossier: every post, as of a day, as known at a time."""

import asyncio
from typing import Any

from app import clock
from tests.factories import Api


async def _career(api: Api) -> dict[str, Any]:
    city = await api.org_unit("泸州市人民政府")
    naxi = await api.org_unit("纳溪区人民政府", level="county", parent_id=city["id"])
    gulin = await api.org_unit("古蔺县人民政府", level="county", parent_id=city["id"])
    dept = await api.org_unit(
        "泸州市住房和城乡建设局", kind="government_department", parent_id=city["id"]
    )
    cadre = await api.cadre("周强")
    first = await api.post_held(
        cadre["id"],
        naxi["id"],
        start="2008-01-01",
        title="副区长",
        position="deputy",
        safety_role="safety_lead",
    )
    moved = await api.post(
        f"/v1/posts/{first['id']}/transfer",
        {
            "end_date": "2013-06-30",
            "reason": "调任",
            "new_post": {
                "org_unit_id": gulin["id"],
                "title": "县长",
                "position": "principal",
                "safety_role": "first_responsible",
                "team_rank": 1,
                "start_date": "2013-07-01",
            },
        },
        status=200,
    )
    second = moved["opened"]
    moved = await api.post(
        f"/v1/posts/{second['id']}/transfer",
        {
            "end_date": "2019-12-31",
            "reason": "调任",
            "new_post": {
                "org_unit_id": dept["id"],
                "title": "局长",
                "position": "principal",
                "safety_role": "first_responsible",
                "start_date": "2020-01-01",
            },
        },
        status=200,
    )
    third = moved["opened"]
    await api.post(
        f"/v1/posts/{third['id']}/amendments",
        {"reason": "退休", "changes": {"end_date": "2024-06-30"}},
        status=200,
    )
    await api.post(
        "/v1/cadre-status-events",
        {"cadre_id": cadre["id"], "status": "retired", "effective_date": "2024-07-01"},
    )
    # One accident in each unit while the cadre led it, one in Naxi after they left.
    a1 = await api.accident(naxi["id"], occurred_at="2010-03-01T09:00:00+08:00")
    a2 = await api.accident(gulin["id"], occurred_at="2016-08-08T23:30:00+08:00", deaths=4)
    a3 = await api.accident(dept["id"], occurred_at="2022-01-05T14:00:00+08:00")
    await api.accident(naxi["id"], occurred_at="2015-01-01T09:00:00+08:00")
    case = await api.case(
        cadre["id"], accident_id=a2["id"], opened_on="2016-09-01", decision_date="2016-12-01"
    )
    return {
        "cadre": cadre,
        "posts": [first, second, third],
        "accidents": [a1, a2, a3],
        "case": case,
        "units": [naxi, gulin, dept],
    }


async def test_dossier_of_a_retired_cadre_shows_all_three_posts(api: Api) -> None:
    world = await _career(api)
    dossier = await api.get(f"/v1/cadres/{world['cadre']['id']}/dossier", as_of="2025-01-01")
    assert dossier["status_on_as_of"] == "retired"
    assert [p["org_unit"]["name"] for p in dossier["career"]] == [
        "纳溪区人民政府",
        "古蔺县人民政府",
        "泸州市住房和城乡建设局",
    ]
    assert [a["id"] for a in dossier["accidents"]] == [a["id"] for a in world["accidents"]]
    held = [a["post_held"]["post_id"] for a in dossier["accidents"]]
    assert held == [p["id"] for p in world["posts"]]
    assert [c["id"] for c in dossier["accountability_cases"]] == [world["case"]["id"]]


async def test_dossier_as_of_an_earlier_day_shows_only_what_stood_then(api: Api) -> None:
    world = await _career(api)
    dossier = await api.get(f"/v1/cadres/{world['cadre']['id']}/dossier", as_of="2014-01-01")
    assert dossier["status_on_as_of"] == "serving"
    assert len(dossier["career"]) == 2
    assert [a["id"] for a in dossier["accidents"]] == [world["accidents"][0]["id"]]
    assert dossier["accountability_cases"] == []


async def test_known_at_before_an_amendment_shows_the_old_version(api: Api) -> None:
    world = await _career(api)
    case = world["case"]
    await asyncio.sleep(0.01)
    before = clock.now().isoformat()
    await asyncio.sleep(0.01)
    await api.post(
        f"/v1/accountability-cases/{case['id']}/amendments",
        {"reason": "复核后加重", "changes": {"methods": ["removal"]}},
        status=200,
    )
    path = f"/v1/cadres/{world['cadre']['id']}/dossier"
    now = await api.get(path)
    then = await api.get(path, known_at=before)
    assert now["accountability_cases"][0]["methods"] == ["removal"]
    assert then["accountability_cases"][0]["methods"] == ["admonishment"]
    assert then["accountability_cases"][0]["version"] == 1
    old = await api.get(f"/v1/accountability-cases/{case['id']}", known_at=before)
    assert old["version"] == 1


async def test_known_at_before_a_record_existed_leaves_it_out(api: Api) -> None:
    world = await _career(api)
    cadre = world["cadre"]
    await asyncio.sleep(0.01)
    before = clock.now().isoformat()
    await asyncio.sleep(0.01)
    await api.case(
        cadre["id"],
        circumstance="duties_not_performed",
        opened_on="2021-01-01",
        decision_date="2021-02-01",
    )
    then = await api.get(f"/v1/cadres/{cadre['id']}/dossier", known_at=before)
    now = await api.get(f"/v1/cadres/{cadre['id']}/dossier")
    assert len(then["accountability_cases"]) == 1
    assert len(now["accountability_cases"]) == 2


async def test_dossier_lists_inspections_and_overdue_items_of_units_led(api: Api) -> None:
    world = await _career(api)
    gulin = world["units"][1]
    await api.post(
        "/v1/inspections",
        {
            "org_unit_id": gulin["id"],
            "inspected_on": "2017-04-01",
            "findings": "隐患排查不彻底",
            "rating": "fail",
        },
    )
    await api.post(
        "/v1/inspections",
        {
            "org_unit_id": gulin["id"],
            "inspected_on": "2021-04-01",
            "findings": "继任者任内",
            "rating": "pass",
        },
    )
    await api.post(
        "/v1/supervision-items",
        {
            "org_unit_id": gulin["id"],
            "task": "整改",
            "assigned_on": "2018-01-01",
            "due_on": "2018-03-01",
        },
    )
    # Completed on time: never overdue; due after the cadre left: not theirs; open and due
    # while they served: overdue once the day has passed.
    for task, due_on, completed_on in (
        ("按期完成", "2018-06-30", "2018-06-20"),
        ("尚未到期", "2019-06-30", None),
        ("离任后到期", "2020-06-30", None),
    ):
        await api.post(
            "/v1/supervision-items",
            {
                "org_unit_id": gulin["id"],
                "task": task,
                "assigned_on": "2018-01-01",
                "due_on": due_on,
                **({"completed_on": completed_on} if completed_on else {}),
            },
        )
    dossier = await api.get(f"/v1/cadres/{world['cadre']['id']}/dossier")
    assert [i["findings"] for i in dossier["inspections"]] == ["隐患排查不彻底"]
    assert [i["task"] for i in dossier["overdue_supervision_items"]] == ["整改", "尚未到期"]
    assert dossier["overdue_supervision_items"][0]["overdue"] is True
    earlier = await api.get(f"/v1/cadres/{world['cadre']['id']}/dossier", as_of="2019-03-01")
    assert [i["task"] for i in earlier["overdue_supervision_items"]] == ["整改"]
    # The listing's overdue_on filter: open past due on that day.
    on_day = await api.get("/v1/supervision-items", overdue_on="2019-07-15")
    assert sorted(i["task"] for i in on_day["items"]) == ["尚未到期", "整改"]
    assert (await api.get("/v1/supervision-items", overdue_on="2018-02-01"))["total"] == 0

    consultation = await api.post(
        "/v1/consultations",
        {
            "cadre_id": world["cadre"]["id"],
            "proposed_org_unit_id": world["units"][0]["id"],
            "proposed_title": "副市长",
            "requesting_unit": "中共泸州市委组织部",
        },
    )
    compiled = await api.get(f"/v1/consultations/{consultation['id']}/dossier")
    assert [i["findings"] for i in compiled["dossier"]["inspections"]] == ["隐患排查不彻底"]
    overdue = compiled["dossier"]["overdue_supervision_items"]
    assert [i["task"] for i in overdue] == ["整改", "尚未到期"]


async def test_the_dossier_header_is_the_cadre_as_known_then_with_the_status_of_that_day(
    api: Api,
) -> None:
    world = await _career(api)
    cadre = world["cadre"]
    await asyncio.sleep(0.01)
    before = clock.now().isoformat()
    await asyncio.sleep(0.01)
    await api.post(
        f"/v1/cadres/{cadre['id']}/amendments",
        {"reason": "更正姓名用字", "changes": {"name": "李明远"}},
        status=200,
    )
    path = f"/v1/cadres/{cadre['id']}/dossier"
    now = await api.get(path)
    then = await api.get(path, known_at=before)
    assert now["cadre"]["name"] == "李明远"
    assert then["cadre"]["name"] == cadre["name"] != "李明远"
    early = await api.get(path, as_of="2014-01-01")
    assert early["cadre"]["status"] == early["status_on_as_of"] == "serving"
    assert now["cadre"]["status"] == now["status_on_as_of"]


async def test_a_case_decided_after_as_of_stood_under_investigation_then(api: Api) -> None:
    world = await _career(api)  # the case: opened 2016-09-01, decided 2016-12-01
    path = f"/v1/cadres/{world['cadre']['id']}/dossier"
    during = (await api.get(path, as_of="2016-10-15"))["accountability_cases"]
    assert [(c["status"], c["status_on_as_of"]) for c in during] == [
        ("decided", "under_investigation")
    ]
    after = (await api.get(path, as_of="2016-12-01"))["accountability_cases"]
    assert [c["status_on_as_of"] for c in after] == ["decided"]
    assert (await api.get(path, as_of="2016-08-31"))["accountability_cases"] == []


async def test_the_career_shows_each_unit_as_it_was_known_then(api: Api) -> None:
    world = await _career(api)
    gulin = world["units"][1]
    await asyncio.sleep(0.01)
    before = clock.now().isoformat()
    await asyncio.sleep(0.01)
    response = await api.http.patch(
        f"/v1/org-units/{gulin['id']}",
        json={"name": "古蔺县人民政府（更名）", "reason": "单位更名"},
        headers=api.headers,
    )
    assert response.status_code == 200
    path = f"/v1/cadres/{world['cadre']['id']}/dossier"

    def names(dossier: dict[str, Any]) -> set[str]:
        return {entry["org_unit"]["name"] for entry in dossier["career"]}

    assert "古蔺县人民政府（更名）" in names(await api.get(path))
    then = names(await api.get(path, known_at=before))
    assert "古蔺县人民政府" in then and "古蔺县人民政府（更名）" not in then
