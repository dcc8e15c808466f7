"""Statistics against hand-counted fixtures, including subtree filtering."""

from typing import Any

import pytest

from tests.factories import Api


@pytest.fixture
async def fixture(api: Api) -> dict[str, Any]:
    city = await api.org_unit("泸州市人民政府")
    a = await api.org_unit("江阳区人民政府", level="county", parent_id=city["id"])
    b = await api.org_unit("古蔺县人民政府", level="county", parent_id=city["id"])
    elsewhere = await api.org_unit("宜宾市人民政府")
    people = []
    for unit in (a, a, b, elsewhere):
        cadre = await api.cadre()
        await api.post_held(cadre["id"], unit["id"], start="2015-01-01")
        people.append(cadre)
    # 2024 cases: A: 2 (accident + reporting), B: 1, elsewhere: 1; one 2023 case; one revoked.
    await api.case(
        people[0]["id"],
        decision_date="2024-03-01",
        opened_on="2024-01-01",
        methods=["admonishment", "sanction"],
        admin_sanction="demerit",
    )
    await api.case(
        people[1]["id"],
        decision_date="2024-05-01",
        opened_on="2024-01-01",
        circumstance="reporting_failure",
        methods=["notification"],
    )
    await api.case(
        people[2]["id"],
        decision_date="2024-06-01",
        opened_on="2024-01-01",
        methods=["admonishment"],
    )
    await api.case(
        people[3]["id"], decision_date="2024-07-01", opened_on="2024-01-01", methods=["removal"]
    )
    await api.case(people[0]["id"], decision_date="2023-07-01", opened_on="2023-01-01")
    # 2024, a cadre with no recorded post: counted in the whole total, in no unit.
    postless = await api.cadre()
    await api.case(postless["id"], decision_date="2024-09-01", opened_on="2024-01-01")
    revoked = await api.case(people[2]["id"], decision_date="2024-08-01", opened_on="2024-01-01")
    await api.post(
        f"/v1/accountability-cases/{revoked['id']}/revocation", {"reason": "撤销"}, status=200
    )
    # 2024 accidents: A: general (1 death), larger (3 deaths); B: general; elsewhere: major.
    await api.accident(
        a["id"],
        occurred_at="2024-02-01T10:00:00+08:00",
        deaths=1,
        serious_injuries=2,
        direct_loss_cny="100000",
    )
    await api.accident(
        a["id"],
        occurred_at="2024-03-01T10:00:00+08:00",
        deaths=3,
        serious_injuries=0,
        direct_loss_cny="2000000.50",
    )
    await api.accident(
        b["id"],
        occurred_at="2024-12-31T23:30:00+08:00",
        deaths=0,
        serious_injuries=1,
        direct_loss_cny="50000",
    )
    await api.accident(elsewhere["id"], occurred_at="2024-04-01T10:00:00+08:00", deaths=12)
    await api.accident(a["id"], occurred_at="2025-01-01T00:30:00+08:00", deaths=1)
    return {"city": city, "a": a, "b": b}


async def test_accountability_counts_by_circumstance_method_and_unit(
    api: Api, fixture: dict[str, Any]
) -> None:
    everything = await api.get("/v1/stats/accountability", year=2024)
    assert everything["cases"] == 5 and everything["unlocated"] == 1
    assert sum(u["count"] for u in everything["by_org_unit"]) == 4
    assert {c["key"]: c["count"] for c in everything["by_circumstance"]} == {
        "accident_responsibility": 4,
        "reporting_failure": 1,
    }
    scoped = await api.get("/v1/stats/accountability", year=2024, under=fixture["city"]["id"])
    assert scoped["cases"] == 3 and scoped["unlocated"] == 0
    assert {c["key"]: c["count"] for c in scoped["by_circumstance"]} == {
        "accident_responsibility": 2,
        "reporting_failure": 1,
    }
    assert {c["key"]: c["count"] for c in scoped["by_method"]} == {
        "admonishment": 2,
        "sanction": 1,
        "notification": 1,
    }
    assert {u["name"]: u["count"] for u in scoped["by_org_unit"]} == {
        "江阳区人民政府": 2,
        "古蔺县人民政府": 1,
    }
    county = await api.get("/v1/stats/accountability", year=2024, under=fixture["b"]["id"])
    assert county["cases"] == 1


async def test_accident_counts_and_casualties_by_level(api: Api, fixture: dict[str, Any]) -> None:
    scoped = await api.get("/v1/stats/accidents", year=2024, under=fixture["city"]["id"])
    assert scoped["total"] == {
        "level": "all",
        "accidents": 3,
        "deaths": 4,
        "serious_injuries": 3,
        "direct_loss_cny": "2150000.50",
    }
    levels = {lv["level"]: (lv["accidents"], lv["deaths"]) for lv in scoped["by_level"]}
    assert levels == {"general": (2, 1), "larger": (1, 3)}
    everything = await api.get("/v1/stats/accidents", year=2024)
    assert everything["total"]["accidents"] == 4
    assert (await api.get("/v1/stats/accidents", year=2025))["total"]["accidents"] == 1


async def test_vetting_outcomes_by_purpose(api: Api, fixture: dict[str, Any]) -> None:
    cadres = (await api.get("/v1/cadres"))["items"]
    for cadre in cadres[:2]:
        for purpose in ("promotion", "commendation"):
            await api.post(
                "/v1/vetting/checks",
                {"cadre_id": cadre["id"], "purpose": purpose, "as_of": "2024-09-01"},
            )
    stats = await api.get("/v1/stats/vetting")
    by = {p["purpose"]: p for p in stats["by_purpose"]}
    assert set(by) == {"promotion", "commendation"}
    assert by["promotion"]["total"] == 2
    # Hand-counted: both cadres had a decided case in 2024 (one-vote veto for both purposes).
    assert (by["promotion"]["ineligible"], by["commendation"]["ineligible"]) == (2, 2)
    assert (
        by["commendation"]["ineligible"]
        + by["commendation"]["eligible"]
        + by["commendation"]["pending"]
        == 2
    )
    assert (await api.get("/v1/stats/vetting", **{"from": "2099-01-01T00:00:00Z"}))[
        "by_purpose"
    ] == []
    assert (await api.get("/v1/stats/vetting", to="2000-01-01T00:00:00Z"))["by_purpose"] == []
    window = await api.get(
        "/v1/stats/vetting", **{"from": "2000-01-01T00:00:00Z", "to": "2099-01-01T00:00:00Z"}
    )
    assert sum(p["total"] for p in window["by_purpose"]) == 4
