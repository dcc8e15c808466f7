"""Duty performance (履职评定) as a record: checked against the post's duty list, kept with the
duty as then stated, amended and revoked like every record, referenced by an investigation,
counted per duty and per unit in the year's statistics (counted here by hand)."""

import asyncio
from typing import Any

import pytest

from app import clock
from tests.factories import Api


@pytest.fixture
async def county(api: Api) -> dict[str, Any]:
    luzhou = await api.org_unit("泸州市人民政府", division_code="510500")
    gulin = await api.org_unit("古蔺县人民政府", level="county", parent_id=luzhou["id"])
    xuyong = await api.org_unit("叙永县人民政府", level="county", parent_id=luzhou["id"])
    lead = await api.cadre("分管")
    deputy = await api.cadre("副县长")
    head = await api.cadre("县长")
    posts = {
        "lead": await api.post_held(
            lead["id"],
            gulin["id"],
            start="2020-01-01",
            safety_role="safety_lead",
            position="executive_deputy",
            title="常务副县长",
            team_rank=2,
        ),
        "deputy": await api.post_held(
            deputy["id"],
            gulin["id"],
            start="2021-03-01",
            safety_role="team_member",
            position="deputy",
            title="副县长",
            team_rank=3,
        ),
        "head": await api.post_held(head["id"], xuyong["id"], start="2019-01-01"),
    }
    return {
        "gulin": gulin,
        "xuyong": xuyong,
        "lead": lead,
        "deputy": deputy,
        "head": head,
        "posts": posts,
    }


def body(
    cadre: dict[str, Any], post: dict[str, Any], *entries: tuple[str, str], **extra: Any
) -> dict[str, Any]:
    return {
        "cadre_id": cadre["id"],
        "post_id": post["id"],
        "year": 2025,
        "assessed_on": "2026-01-20",
        "authority": "中共泸州市委组织部",
        "entries": [
            {"duty_code": code, "performance": performance, "evidence": [f"泸委组〔2026〕{n}号"]}
            for n, (code, performance) in enumerate(entries, 1)
        ],
        **extra,
    }


async def test_a_performance_record_keeps_each_duty_as_the_post_carried_it(
    api: Api, county: dict[str, Any]
) -> None:
    lead, post = county["lead"], county["posts"]["lead"]
    created = await api.post(
        "/v1/duty-performances",
        body(lead, post, ("central.8.1", "performed"), ("central.8.2", "partly")),
    )
    first = created["entries"][0]
    assert first["citation_zh"] == "《地方党政领导干部安全生产责任制规定》第八条第（一）项"
    assert (first["performance"], first["evidence"]) == ("performed", ["泸委组〔2026〕1号"])
    assert (first["list_id"], first["rulebook_id"]) == (
        "government_safety_lead",
        "cn-sichuan-luzhou-2018",
    )
    await asyncio.sleep(0.01)
    before = clock.now().isoformat()
    await asyncio.sleep(0.01)
    amended = await api.post(
        f"/v1/duty-performances/{created['id']}/amendments",
        {
            "reason": "复核",
            "changes": {
                "entries": [
                    {"duty_code": "central.8.1", "performance": "performed"},
                    {"duty_code": "central.8.2", "performance": "not_performed"},
                ]
            },
        },
        status=200,
    )
    assert [e["performance"] for e in amended["entries"]] == ["performed", "not_performed"]
    old = await api.get(f"/v1/duty-performances/{created['id']}", known_at=before)
    assert [e["performance"] for e in old["entries"]] == ["performed", "partly"]

    investigation = await api.post(
        "/v1/cadre-investigations",
        {
            "cadre_id": lead["id"],
            "conducted_on": "2026-02-01",
            "result": "fail",
            "duty_performance_id": created["id"],
        },
    )
    assert investigation["duty_performance_id"] == created["id"]
    problem = await api.post(
        "/v1/cadre-investigations",
        {
            "cadre_id": county["head"]["id"],
            "conducted_on": "2026-02-01",
            "result": "pass",
            "duty_performance_id": created["id"],
        },
        status=422,
    )
    assert problem["errors"][0]["field"] == "body.duty_performance_id"


async def test_duties_not_of_the_post_or_a_year_not_held_are_refused(
    api: Api, county: dict[str, Any]
) -> None:
    deputy, post = county["deputy"], county["posts"]["deputy"]
    problem = await api.post(
        "/v1/duty-performances",
        body(
            deputy,
            post,
            ("central.9.1", "performed"),
            ("central.8.2", "performed"),
            ("x.1", "partly"),
        ),
        status=422,
    )
    fields = [e["field"] for e in problem["errors"]]
    assert fields == ["body.entries[1].duty_code", "body.entries[2].duty_code"]
    problem = await api.post(
        "/v1/duty-performances",
        body(deputy, post, ("central.9.1", "performed"), year=2020),
        status=422,
    )
    assert problem["errors"][0]["field"] == "body.year"
    problem = await api.post(
        "/v1/duty-performances",
        body(county["lead"], post, ("central.9.1", "performed")),
        status=422,
    )
    assert problem["errors"][0]["field"] == "body.post_id"
    problem = await api.post("/v1/duty-performances", body(deputy, post), status=422)
    assert "entries" in problem["errors"][0]["field"]


async def test_the_year_s_statistics_count_performance_by_duty_and_by_unit(
    api: Api, county: dict[str, Any]
) -> None:
    posts = county["posts"]
    await api.post(
        "/v1/duty-performances",
        body(
            county["lead"], posts["lead"], ("central.8.1", "performed"), ("central.8.2", "partly")
        ),
    )
    await api.post(
        "/v1/duty-performances",
        body(
            county["deputy"],
            posts["deputy"],
            ("central.9.1", "not_performed"),
            ("central.9.2", "performed"),
        ),
    )
    await api.post(
        "/v1/duty-performances",
        body(
            county["head"],
            posts["head"],
            ("central.6.1", "performed"),
            ("central.6.4", "not_performed"),
            ("central.6.6", "partly"),
        ),
    )
    revoked = await api.post(
        "/v1/duty-performances",
        body(county["head"], posts["head"], ("central.6.1", "not_performed")),
    )
    await api.post(f"/v1/duty-performances/{revoked['id']}/revocation", {"reason": "重复录入"}, 200)
    other_year = body(county["head"], posts["head"], ("central.6.1", "partly"), year=2024)
    await api.post("/v1/duty-performances", other_year)

    stats = await api.get("/v1/stats/duty-performance", year=2025)
    assert (stats["records"], stats["cadres"]) == (3, 3)
    by_duty = {
        d["duty_code"]: (d["performed"], d["partly"], d["not_performed"]) for d in stats["by_duty"]
    }
    assert by_duty == {
        "central.6.1": (1, 0, 0),
        "central.6.4": (0, 0, 1),
        "central.6.6": (0, 1, 0),
        "central.8.1": (1, 0, 0),
        "central.8.2": (0, 1, 0),
        "central.9.1": (0, 0, 1),
        "central.9.2": (1, 0, 0),
    }
    by_unit = {
        u["name"]: (u["performed"], u["partly"], u["not_performed"]) for u in stats["by_org_unit"]
    }
    assert by_unit == {"古蔺县人民政府": (2, 1, 1), "叙永县人民政府": (1, 1, 1)}
    gulin = await api.get("/v1/stats/duty-performance", year=2025, under=county["gulin"]["id"])
    assert gulin["records"] == 2
    assert [u["name"] for u in gulin["by_org_unit"]] == ["古蔺县人民政府"]


async def test_an_assessment_may_rest_on_a_performance_record_of_the_same_cadre(
    api: Api, county: dict[str, Any]
) -> None:
    lead = county["lead"]
    record = await api.post(
        "/v1/duty-performances",
        body(lead, county["posts"]["lead"], ("central.8.1", "performed")),
    )
    grade = {"subject": "cadre", "kind": "safety_duty", "year": 2025, "grade": "excellent"}
    assessment = await api.post(
        "/v1/assessments", {**grade, "cadre_id": lead["id"], "duty_performance_id": record["id"]}
    )
    assert assessment["duty_performance_id"] == record["id"]
    problem = await api.post(
        "/v1/assessments",
        {**grade, "cadre_id": county["head"]["id"], "duty_performance_id": record["id"]},
        status=422,
    )
    assert problem["errors"][0]["field"] == "body.duty_performance_id"
