"""Over HTTP: the rulebook of the decision's place and day — the target post's org unit, else the
client's jurisdiction, else the deployment's fallback — and `resolved_by` saying which."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import make_client
from tests.factories import Api
from tests.vetting.world import check

LUZHOU = "cn-sichuan-luzhou-2018"


@pytest.fixture
async def places(api: Api) -> dict[str, Any]:
    sichuan = await api.org_unit("四川省人民政府", level="province", division_code="510000")
    luzhou = await api.org_unit("泸州市人民政府", parent_id=sichuan["id"], division_code="510500")
    district = await api.org_unit("江阳区人民政府", level="county", parent_id=luzhou["id"])
    chengdu = await api.org_unit("成都市人民政府", parent_id=sichuan["id"], division_code="510100")
    beijing = await api.org_unit("北京市人民政府", level="province", division_code="110000")
    cadre = await api.cadre("李通报")
    await api.post_held(cadre["id"], district["id"], start="2019-01-01")
    for year in range(2015, 2026):
        assessment = {"subject": "cadre", "cadre_id": cadre["id"], "kind": "annual"}
        await api.post("/v1/assessments", {**assessment, "year": year, "grade": "competent"})
    # A 通报 for duties not performed (履职不到位), decided 2024-03-15.
    await api.case(
        cadre["id"],
        circumstance="duties_not_performed",
        opened_on="2024-01-10",
        decision_date="2024-03-15",
        methods=["notification"],
    )
    return {
        "cadre": cadre,
        "sichuan": sichuan,
        "luzhou": luzhou,
        "district": district,
        "chengdu": chengdu,
        "beijing": beijing,
    }


@pytest.mark.parametrize(
    ("target", "rulebook", "outcome", "eligible_from", "unit", "code"),
    [
        ("district", LUZHOU, "ineligible", "2025-03-16", "luzhou", "510500"),
        ("chengdu", "cn-sichuan-2018", "eligible", "2024-06-01", "chengdu", "510100"),
        ("beijing", LUZHOU, "ineligible", "2025-03-16", None, None),  # no rulebook: fallback
    ],
)
async def test_a_notification_vetoes_for_a_luzhou_post_and_not_elsewhere(
    api: Api,
    places: dict[str, Any],
    target: str,
    rulebook: str,
    outcome: str,
    eligible_from: str,
    unit: str | None,
    code: str | None,
) -> None:
    decision = await check(
        api,
        cadre_id=places["cadre"]["id"],
        purpose="promotion",
        as_of="2024-06-01",
        target_org_unit_id=places[target]["id"],
    )
    assert (decision["outcome"], decision["eligible_from"]) == (outcome, eligible_from)
    assert decision["rulebook"]["id"] == rulebook
    how = decision["rulebook"]["resolved_by"]
    # The suite's deployment falls back on Luzhou's rulebook (tests/conftest.py).
    assert how["basis"] == ("target_org_unit" if unit else "fallback")
    assert how["org_unit_id"] == (places[unit]["id"] if unit else None)
    assert how["division_code"] == code
    assert how["message_zh"] and how["message_en"]
    layers = [layer["id"] for layer in decision["rulebook"]["layers"]]
    assert layers[0] == "cn-national-2018" and layers[-1] == rulebook
    stored = await api.get(f"/v1/vetting/decisions/{decision['decision_id']}")
    assert stored["rulebook"] == decision["rulebook"]
    replayed = await api.post(f"/v1/vetting/decisions/{decision['decision_id']}/replay", {}, 200)
    assert replayed["identical"] is True
    assert replayed["stored_rulebook"]["sha256"] == decision["rulebook"]["sha256"]


async def test_before_luzhous_measures_a_luzhou_post_gets_sichuans_rules(
    api: Api, places: dict[str, Any]
) -> None:
    await api.case(
        places["cadre"]["id"],
        circumstance="duties_not_performed",
        opened_on="2018-09-01",
        decision_date="2018-09-20",
        methods=["notification"],
    )
    body = {"cadre_id": places["cadre"]["id"], "target_org_unit_id": places["district"]["id"]}
    before = await check(api, purpose="promotion", as_of="2018-10-31", **body)
    after = await check(api, purpose="promotion", as_of="2018-11-01", **body)
    assert (before["rulebook"]["id"], before["outcome"]) == ("cn-sichuan-2018", "eligible")
    assert before["rulebook"]["resolved_by"]["rulebook_id"] == LUZHOU
    assert (after["rulebook"]["id"], after["outcome"]) == (LUZHOU, "ineligible")
    ancient = await check(api, purpose="promotion", as_of="2017-06-01", **body)
    assert ancient["rulebook"]["id"] == "cn-national-2018"
    assert ancient["outcome"] == "pending"
    assert "hold.rules_not_in_force" in [f["rule_id"] for f in ancient["findings"]]


async def test_without_a_target_the_clients_jurisdiction_governs(
    app: FastAPI, client: httpx.AsyncClient, places: dict[str, Any]
) -> None:
    body = {"cadre_id": places["cadre"]["id"], "purpose": "promotion", "as_of": "2024-06-01"}
    key = await make_client(app, "四川省委组织部", ["vetting:check"], places["sichuan"]["id"])
    decision = await check(Api(client, key), **body)
    how = decision["rulebook"]["resolved_by"]
    assert (how["basis"], how["division_code"]) == ("client_jurisdiction", "510000")
    assert how["org_unit_id"] == places["sichuan"]["id"]
    assert (decision["rulebook"]["id"], decision["outcome"]) == ("cn-sichuan-2018", "eligible")


async def test_a_rulebook_asked_for_by_id_applies_and_says_so(
    api: Api, places: dict[str, Any]
) -> None:
    decision = await check(
        api,
        cadre_id=places["cadre"]["id"],
        purpose="promotion",
        as_of="2024-06-01",
        target_org_unit_id=places["district"]["id"],
        rulebook="cn-national-2018",
    )
    assert decision["rulebook"]["resolved_by"]["basis"] == "requested"
    assert (decision["rulebook"]["id"], decision["outcome"]) == ("cn-national-2018", "eligible")
    assert "layers" not in decision["rulebook"]  # one text, no stack


async def test_the_rulebook_list_shows_every_layer_and_a_day_s_rules(api: Api) -> None:
    listed = await api.get("/v1/rulebooks")
    assert [(r["id"], r["extends"], r["division_code"]) for r in listed] == [
        ("cn-national-2018", None, None),
        ("cn-sichuan-2018", "cn-national-2018", "510000"),
        (LUZHOU, "cn-sichuan-2018", "510500"),
    ]
    assert [r["default"] for r in listed] == [False, False, True]
    assert all(len(r["versions"]) == 1 for r in listed)
    day = await api.get(f"/v1/rulebooks/{LUZHOU}", as_of="2018-09-01")
    assert (day["id"], day["effective_from"]) == ("cn-sichuan-2018", "2018-08-08")
    assert [layer["id"] for layer in day["layers"]] == ["cn-national-2018", "cn-sichuan-2018"]
