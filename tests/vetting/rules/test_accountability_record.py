"""The one-vote veto's reach: every circumstance, leniency, revocation and lifetime liability."""

from __future__ import annotations

import pytest

from app.domain.enums import (
    CadreStatus,
    CaseStatus,
    Circumstance,
    Effect,
    Leniency,
    Method,
    Outcome,
    PartySanction,
    Purpose,
    SafetyRole,
    SeedSystem,
)
from tests.vetting.rules import (
    accident,
    cadre,
    case,
    d,
    deciding,
    only,
    org,
    post,
    rule_ids,
    status,
    vet,
)

CIRCUMSTANCE_NAMES = [
    (Circumstance.DUTIES_NOT_PERFORMED, "履职不到位", "failing to perform work-safety duties"),
    (Circumstance.OBSTRUCTION, "阻挠、干涉安全生产执法或事故调查", "obstructing"),
    (Circumstance.REPORTING_FAILURE, "迟报、漏报、谎报或者瞒报", "concealed accident report"),
    (Circumstance.ACCIDENT_RESPONSIBILITY, "对生产安全事故负有领导责任", "for an accident"),
    (Circumstance.OTHER, "其他应当问责的情形", "other circumstances"),
]


@pytest.mark.parametrize(("circumstance", "zh_name", "en_name"), CIRCUMSTANCE_NAMES)
def test_any_decided_case_vetoes_and_the_veto_names_its_circumstance(
    circumstance: Circumstance, zh_name: str, en_name: str
) -> None:
    decision = vet(cadre(case("2024-03-15", circumstance=circumstance)), as_of="2024-06-01")
    veto = only(decision, "veto.one_vote")
    assert decision.outcome is Outcome.INELIGIBLE
    assert (veto.effect, veto.system) == (Effect.VETO, SeedSystem.ONE_VOTE_VETO)
    assert zh_name in veto.message.zh
    assert en_name in veto.message.en


def test_the_veto_cites_article_20_and_the_luzhou_measures() -> None:
    veto = only(vet(cadre(case("2024-03-15")), as_of="2024-06-01"), "veto.one_vote")
    assert veto.basis == (
        "《地方党政领导干部安全生产责任制规定》第二十条；《泸州市党政领导干部安全生产责任制实施办法》"
    )


def test_a_revoked_case_is_ignored_and_the_cadre_is_eligible() -> None:
    revoked = case("2024-03-15", status=CaseStatus.REVOKED, methods=(Method.REMOVAL,))
    decision = vet(cadre(revoked), as_of="2024-06-01")
    assert decision.outcome is Outcome.ELIGIBLE
    assert rule_ids(decision) == ["note.revoked_case_ignored"]


# --- leniency (第二十一条至第二十三条) ---------------------------------------------------------


def test_a_due_diligence_exemption_leaves_only_a_note() -> None:
    exempted = case(
        "2024-03-15",
        leniency=Leniency.EXEMPTED,
        methods=(Method.ADMONISHMENT,),
        circumstance=Circumstance.ACCIDENT_RESPONSIBILITY,
    )
    decision = vet(cadre(exempted), as_of="2024-06-01")
    assert decision.outcome is Outcome.ELIGIBLE
    note = only(decision, "note.leniency.exempted")
    assert (note.effect, note.system) == (Effect.NOTE, SeedSystem.DUE_DILIGENCE_EXEMPTION)
    assert "第二十三条" in note.basis
    assert rule_ids(decision) == ["note.leniency.exempted"]


@pytest.mark.parametrize("leniency", [Leniency.LIGHTER, Leniency.MITIGATED])
def test_lighter_or_mitigated_accountability_keeps_the_periods(leniency: Leniency) -> None:
    lighter = case("2024-03-15", leniency=leniency, party=PartySanction.SERIOUS_WARNING)
    decision = vet(cadre(lighter), as_of="2025-06-01")
    assert deciding(decision) == ["influence.party_sanction.serious_warning"]
    note = only(decision, f"note.leniency.{leniency.value}")
    assert "第二十二条" in note.basis
    assert "仍然适用" in note.message.zh


def test_aggravated_accountability_is_noted_alongside_the_veto() -> None:
    aggravated = case("2024-03-15", leniency=Leniency.AGGRAVATED)
    decision = vet(cadre(aggravated), as_of="2024-06-01")
    assert deciding(decision) == ["veto.one_vote"]
    assert "第二十一条" in only(decision, "note.leniency.aggravated").basis


def test_a_note_never_changes_the_outcome() -> None:
    decision = vet(cadre(case("2020-03-15", leniency=Leniency.LIGHTER)), as_of="2024-06-01")
    assert decision.outcome is Outcome.ELIGIBLE
    assert decision.eligible_from == d("2024-06-01")


# --- lifetime accountability (终身追责) --------------------------------------------------------


@pytest.mark.parametrize("gone", [CadreStatus.RETIRED, CadreStatus.LEFT])
def test_a_retired_or_departed_cadre_is_still_vetoed_and_noted(gone: CadreStatus) -> None:
    facts = cadre(case("2024-03-15"), status(gone, "2024-05-01"))
    decision = vet(facts, as_of="2024-06-01")
    assert deciding(decision) == ["veto.one_vote"]
    note = only(decision, "note.lifetime_accountability")
    assert note.system is SeedSystem.LIFETIME_ACCOUNTABILITY
    assert "第二十四条" in note.basis
    assert note.evidence.record_id == facts.statuses[0].id


def test_a_serving_cadre_gets_no_lifetime_note() -> None:
    facts = cadre(status(CadreStatus.RETIRED, "2025-05-01"))
    assert "note.lifetime_accountability" not in rule_ids(vet(facts, as_of="2024-06-01"))


def test_the_evidence_names_the_post_held_when_the_accident_happened_two_posts_ago() -> None:
    first_unit, second_unit, third_unit = (
        org("合江县人民政府"),
        org("泸县人民政府"),
        org("市应急局"),
    )
    posts = (
        post(first_unit, start="2014-01-01", end="2017-12-31", title="合江县县长"),
        post(second_unit, start="2018-01-01", end="2021-12-31", title="泸县县长"),
        post(third_unit, role=SafetyRole.TEAM_MEMBER, start="2022-01-01", title="副局长"),
    )
    old_accident = accident(first_unit, occurred="2017-08-01")
    facts = cadre(*posts, old_accident, case("2024-03-15", accident_id=old_accident.id))
    veto = only(vet(facts, as_of="2024-06-01"), "veto.one_vote")
    assert veto.evidence.post is not None
    assert (veto.evidence.post.title, veto.evidence.post.org_unit_name) == (
        "合江县县长",
        "合江县人民政府",
    )


def test_the_evidence_prefers_the_post_named_in_the_decision() -> None:
    named = post(org("叙永县人民政府"), start="2010-01-01", end="2012-12-31", title="叙永县副县长")
    facts = cadre(named, post(), case("2024-03-15", post_id=named.id))
    veto = only(vet(facts, as_of="2024-06-01"), "veto.one_vote")
    assert veto.evidence.post is not None and veto.evidence.post.post_id == named.id


def test_without_post_or_accident_the_evidence_names_the_post_held_on_the_decision_date() -> None:
    early = post(org("古蔺县人民政府"), start="2015-01-01", end="2023-12-31", title="古蔺县县长")
    late = post(org("市住建局"), start="2024-01-01", title="局长")
    veto = only(vet(cadre(early, late, case("2024-03-15")), as_of="2024-06-01"), "veto.one_vote")
    assert veto.evidence.post is not None and veto.evidence.post.title == "局长"


def test_an_open_case_names_the_post_held_when_it_was_opened() -> None:
    early = post(org("古蔺县人民政府"), start="2015-01-01", end="2023-12-31", title="古蔺县县长")
    late = post(org("市住建局"), start="2024-01-01", title="局长")
    facts = cadre(early, late, case(None, opened="2023-11-01"))
    hold = only(vet(facts, as_of="2024-06-01"), "hold.case_under_investigation")
    assert hold.evidence.post is not None and hold.evidence.post.title == "古蔺县县长"


@pytest.mark.parametrize("purpose", [Purpose.PROMOTION, Purpose.COMMENDATION])
def test_a_veto_and_a_hold_together_make_the_cadre_ineligible(purpose: Purpose) -> None:
    facts = cadre(case("2024-03-15"), case(None, opened="2024-05-01"))
    decision = vet(facts, purpose, as_of="2024-06-01")
    assert decision.outcome is Outcome.INELIGIBLE
    assert sorted(deciding(decision)) == ["hold.case_under_investigation", "veto.one_vote"]
