"""The trace: every rule the engine knows, fired or why not, with the facts and parameters it
read (pure: the same inputs as the decision)."""

from __future__ import annotations

from typing import Any

import pytest

from app.domain.enums import Circumstance, Method, Purpose, UnitGrade
from app.vetting.rulebooks import Rulebooks
from app.vetting.rules.rule_ids import ALL_RULE_IDS
from app.vetting.rules.rulebook import default_rulebook
from app.vetting.rules.trace import REASONS, reads_of, trace
from tests.vetting.rules import cadre, case, d, org, soe, unit_assessment, vet

BOOKS = Rulebooks.shipped()


def traced(facts: Any, purpose: Purpose, as_of: str, rulebook: Any = None) -> dict[str, Any]:
    book = rulebook or default_rulebook()
    return trace(facts, purpose, book, vet(facts, purpose, as_of, book))


def by_rule(t: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["rule_id"]: r for r in t["rules"]}


NOTIFIED = case(
    "2024-03-15", circumstance=Circumstance.DUTIES_NOT_PERFORMED, methods=(Method.NOTIFICATION,)
)


def test_every_rule_the_engine_knows_is_listed_once_with_zh_and_en() -> None:
    t = traced(cadre(NOTIFIED), Purpose.PROMOTION, "2024-06-01")
    assert sorted(r["rule_id"] for r in t["rules"]) == sorted(ALL_RULE_IDS)
    for rule in t["rules"]:
        assert rule["reason"]["zh"] and rule["reason"]["en"]
        assert rule["condition"]["zh"] and rule["condition"]["en"]
        assert rule["status"] in REASONS
        assert rule["fired"] is (rule["status"] == "fired")
    assert t["fired"] == sum(1 for r in t["rules"] if r["fired"])


def test_why_each_rule_did_or_did_not_fire_for_a_luzhou_notification() -> None:
    facts = cadre(NOTIFIED)
    decision = vet(facts, Purpose.PROMOTION, "2024-06-01")
    rules = by_rule(trace(facts, Purpose.PROMOTION, default_rulebook(), decision))
    assert rules["veto.one_vote"]["status"] == "fired"
    assert [decision.findings[i].rule_id for i in rules["veto.one_vote"]["findings"]] == [
        "veto.one_vote"
    ]
    assert rules["veto.one_vote"]["facts_read"] == [
        {"record_kind": "accountability_case", "record_id": str(NOTIFIED.id)}
    ]
    assert rules["influence.notification"]["status"] == "switched_off"  # 0 months for promotion
    assert rules["influence.admonishment"]["status"] == "conditions_not_met"
    assert rules["assessment.unit_safety_work_fail"]["status"] == "not_for_purpose"
    assert rules["soe_bar.dismissal"]["status"] == "not_for_purpose"
    assert rules["hold.accident_under_investigation"]["status"] == "no_records"
    assert rules["hold.accident_under_investigation"]["facts_read"] == [
        {"record_kind": "post", "record_id": str(facts.posts[0].id)}
    ]


def test_a_rule_a_rulebook_lacks_is_not_in_rulebook() -> None:
    national = BOOKS.current("cn-national-2018")
    rules = by_rule(traced(cadre(NOTIFIED), Purpose.PROMOTION, "2024-06-01", national))
    assert rules["influence.notification"]["status"] == "not_in_rulebook"
    assert rules["influence.notification"]["effect"] is None
    assert rules["influence.notification"]["facts_read"] == []
    # The central Art. 20 vetoes accident responsibility only: the case does not meet it.
    assert rules["veto.one_vote"]["status"] == "conditions_not_met"
    veto_settings = [
        p for p in rules["veto.one_vote"]["parameters"] if p["name"].startswith("settings")
    ]
    assert veto_settings == [
        {
            "name": "settings.veto_circumstances",
            "value": ["accident_responsibility"],
            "effective_from": "2018-04-08",
            "stated_in": "cn-national-2018",
            "basis": national.rule("veto.one_vote").basis,  # type: ignore[union-attr]
        }
    ]


def test_before_the_rules_took_effect_no_rule_is_applied_and_the_trace_says_so() -> None:
    rules = by_rule(
        traced(
            cadre(NOTIFIED),
            Purpose.PROMOTION,
            "2017-06-01",
            BOOKS.governing("cn-sichuan-luzhou-2018", d("2017-06-01")),
        )
    )
    assert rules["hold.rules_not_in_force"]["status"] == "fired"
    others = {r["status"] for k, r in rules.items() if k != "hold.rules_not_in_force"}
    assert others == {"rules_not_in_force"}


def test_each_parameter_names_the_layer_that_stated_it_and_its_date() -> None:
    facts = cadre(case("2024-03-15", methods=(Method.ADMONISHMENT,)))
    rules = by_rule(traced(facts, Purpose.PROMOTION, "2024-06-01"))
    [admonishment] = rules["influence.admonishment"]["parameters"]
    assert (admonishment["stated_in"], admonishment["effective_from"]) == (
        "cn-national-2018",
        "2018-04-08",
    )
    assert admonishment["value"] == {"kind": "months", "months": 6}
    veto = rules["veto.one_vote"]["parameters"][0]
    assert (veto["stated_in"], veto["effective_from"], veto["value"]) == (
        "cn-sichuan-luzhou-2018",
        "2018-11-01",
        {"kind": "months", "months": 12},
    )


def test_unit_history_is_read_for_the_unit_rule() -> None:
    unit = org()
    facts = cadre(unit_assessment(unit, 2023, UnitGrade.FAIL))
    rules = by_rule(traced(facts, Purpose.COMMENDATION, "2024-06-01"))
    assert rules["assessment.unit_safety_work_fail"]["status"] in {"fired", "conditions_not_met"}
    kinds = {r["record_kind"] for r in rules["assessment.unit_safety_work_fail"]["facts_read"]}
    assert "unit_assessment" in kinds


@pytest.mark.parametrize("rule_id", sorted(ALL_RULE_IDS))
def test_every_rule_states_its_condition(rule_id: str) -> None:
    reads = reads_of(rule_id)
    assert reads.zh.endswith("。") and reads.en.endswith(".")


def test_an_soe_purpose_applies_the_soe_bars() -> None:
    rules = by_rule(traced(cadre(target=soe()), Purpose.SOE_HEAD_APPOINTMENT, "2024-06-01"))
    assert rules["soe_bar.dismissal"]["status"] == "no_records"  # no case on record
    assert rules["commendation.basis_missing"]["status"] == "not_for_purpose"
