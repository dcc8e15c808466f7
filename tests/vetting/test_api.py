"""Vetting over HTTP: checks, the decision log, eligibility, rulebooks (batches and replay have
their own modules)."""

from typing import Any

import pytest

from tests.factories import Api
from tests.vetting.world import World, check


async def test_a_clean_cadre_is_eligible_today(api: Api, world: World) -> None:
    decision = await check(
        api, cadre_id=world["clean"]["id"], purpose="promotion", as_of="2026-03-01"
    )
    assert decision["outcome"] == "eligible"
    assert decision["eligible_from"] == "2026-03-01"
    assert decision["labels"] == {"purpose": "提拔（晋升职务职级）", "outcome": "符合条件"}
    assert decision["rulebook"]["id"] == "cn-sichuan-luzhou-2018"
    assert len(decision["facts_sha256"]) == 64


async def test_a_decided_case_vetoes_promotion_for_twelve_months(api: Api, world: World) -> None:
    await api.case(
        world["cadre"]["id"],
        opened_on="2025-01-10",
        decision_date="2025-03-15",
        methods=["admonishment"],
    )
    decision = await check(api, id_number=world["number"], purpose="promotion", as_of="2025-06-01")
    assert decision["outcome"] == "ineligible"
    assert decision["eligible_from"] == "2026-03-16"
    veto = next(f for f in decision["findings"] if f["rule_id"] == "veto.one_vote")
    assert veto["effect"] == "veto" and veto["blocks_until"] == "2026-03-15"
    assert "对生产安全事故负有领导责任" in veto["message"]["zh"]
    assert veto["evidence"]["post"]["org_unit_name"] == "古蔺县人民政府"
    assert veto["labels"]["effect"] == "一票否决"
    stored = await api.get(f"/v1/vetting/decisions/{decision['decision_id']}")
    assert stored == decision


async def test_a_check_is_audited(api: Api, world: World) -> None:
    decision = await check(api, cadre_id=world["clean"]["id"], purpose="commendation")
    events = await api.get("/v1/audit-events", target_id=decision["decision_id"])
    assert [e["action"] for e in events["items"]] == ["vetting_decision.created"]
    assert events["items"][0]["summary"]["outcome"] == "eligible"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"purpose": "promotion"}, 422, "body.cadre_id"),
        (
            {"purpose": "promotion", "cadre_id": "00000000-0000-0000-0000-000000000001"},
            404,
            "body.cadre_id",
        ),
        ({"purpose": "soe_head_appointment", "cadre": True}, 422, "body.target_org_unit_id"),
        (
            {"purpose": "soe_head_appointment", "cadre": True, "target": "county"},
            422,
            "body.target_org_unit_id",
        ),
        ({"purpose": "promotion", "cadre": True, "rulebook": "cn-nowhere"}, 404, "body.rulebook"),
        (
            {"purpose": "promotion", "cadre": True, "known_at": "2999-01-01T00:00:00+08:00"},
            422,
            "body.known_at",
        ),
        ({"purpose": "promotion", "id_number": "510502197506151230"}, 422, "body.id_number"),
    ],
)
async def test_bad_checks_are_clear_problems(
    api: Api, world: World, body: dict[str, Any], status: int, field: str
) -> None:
    body = dict(body)
    if body.pop("cadre", False):
        body["cadre_id"] = world["cadre"]["id"]
    if "target" in body:
        body["target_org_unit_id"] = world[body.pop("target")]["id"]
    problem = await check(api, status=status, **body)
    assert field in [e["field"] for e in problem["errors"]]


async def test_soe_head_appointment_after_dismissal_is_barred_for_five_years(
    api: Api, world: World
) -> None:
    await api.case(
        world["cadre"]["id"],
        opened_on="2022-01-10",
        decision_date="2022-05-20",
        methods=["sanction"],
        admin_sanction="dismissal",
    )
    decision = await check(
        api,
        cadre_id=world["cadre"]["id"],
        purpose="soe_head_appointment",
        target_org_unit_id=world["soe"]["id"],
        as_of="2025-06-01",
    )
    assert decision["outcome"] == "ineligible"
    assert decision["target_org_unit_id"] == world["soe"]["id"]
    bar = next(f for f in decision["findings"] if f["rule_id"] == "soe_bar.dismissal")
    assert bar["blocks_until"] == "2027-05-20"


async def test_eligibility_answers_every_purpose(api: Api, world: World) -> None:
    await api.case(
        world["cadre"]["id"],
        opened_on="2025-01-10",
        decision_date="2025-03-15",
        methods=["notification"],
    )
    answer = await api.get(
        f"/v1/cadres/{world['cadre']['id']}/eligibility",
        as_of="2025-06-01",
        target_org_unit_id=world["soe"]["id"],
    )
    purposes = answer["purposes"]
    assert set(purposes) == {
        "promotion",
        "important_use",
        "commendation",
        "safety_commendation",
        "appointment",
        "soe_head_appointment",
    }
    assert purposes["commendation"]["outcome"] == "ineligible"
    assert answer["not_evaluated"] == {}
    without = await api.get(f"/v1/cadres/{world['cadre']['id']}/eligibility")
    assert "soe_head_appointment" in without["not_evaluated"]


async def test_rulebooks_are_published_without_a_key(api: Api) -> None:
    listed = (await api.http.get("/v1/rulebooks")).json()
    assert [r["id"] for r in listed] == [
        "cn-national-2018",
        "cn-sichuan-2018",
        "cn-sichuan-luzhou-2018",
    ]
    assert [r["default"] for r in listed] == [False, False, True]  # the suite's fallback
    detail = (await api.http.get("/v1/rulebooks/cn-sichuan-luzhou-2018")).json()
    veto = next(r for r in detail["rules"] if r["rule_id"] == "veto.one_vote")
    assert "第二十条" in veto["basis"]
    assert veto["blocks"][0]["period"] == {
        "kind": "months",
        "months": 12,
        "years_after": None,
        "changes": None,
    }
    assert (await api.http.get("/v1/rulebooks/nope")).status_code == 404
