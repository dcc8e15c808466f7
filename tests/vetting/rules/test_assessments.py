"""Assessments, unit safety-work assessments and cadre investigations."""

from __future__ import annotations

import pytest

from app.domain.enums import (
    AssessmentKind,
    CadreGrade,
    Effect,
    InvestigationResult,
    Outcome,
    Purpose,
    SafetyRole,
    UnitGrade,
)
from tests.vetting.rules import (
    HOME,
    assessment,
    cadre,
    d,
    deciding,
    investigation,
    only,
    org,
    post,
    rule_ids,
    unit_assessment,
    vet,
)

P = Purpose
PREVIOUS = range(2010, 2024)  # annual assessments up to 2023; 2024 is given by each test


@pytest.mark.parametrize(
    ("grade", "purpose", "rule_id"),
    [
        (CadreGrade.BASICALLY_COMPETENT, P.PROMOTION, "assessment.annual_basically_competent"),
        (CadreGrade.BASICALLY_COMPETENT, P.IMPORTANT_USE, "assessment.annual_basically_competent"),
        (CadreGrade.INCOMPETENT, P.PROMOTION, "assessment.annual_incompetent"),
        (CadreGrade.INCOMPETENT, P.IMPORTANT_USE, "assessment.annual_incompetent"),
        (CadreGrade.INCOMPETENT, P.COMMENDATION, "assessment.annual_incompetent"),
        (CadreGrade.INCOMPETENT, P.SAFETY_COMMENDATION, "assessment.annual_incompetent"),
    ],
)
def test_a_weak_previous_year_grade_blocks_for_the_rest_of_the_year(
    grade: CadreGrade, purpose: Purpose, rule_id: str
) -> None:
    facts = cadre(assessment(2024, grade), annual_years=PREVIOUS)
    decision = vet(facts, purpose, as_of="2025-04-01")
    finding = only(decision, rule_id)
    assert (finding.blocks_from, finding.blocks_until) == (d("2025-01-01"), d("2025-12-31"))
    assert finding.in_force and decision.outcome is Outcome.INELIGIBLE
    assert "2024年度考核" in finding.message.zh


@pytest.mark.parametrize(
    ("grade", "purpose"),
    [
        (CadreGrade.BASICALLY_COMPETENT, P.COMMENDATION),
        (CadreGrade.BASICALLY_COMPETENT, P.APPOINTMENT),
        (CadreGrade.COMPETENT, P.PROMOTION),
        (CadreGrade.EXCELLENT, P.PROMOTION),
        (CadreGrade.INCOMPETENT, P.APPOINTMENT),
    ],
)
def test_other_grades_and_purposes_are_not_blocked_by_the_annual_grade(
    grade: CadreGrade, purpose: Purpose
) -> None:
    facts = cadre(assessment(2024, grade), annual_years=PREVIOUS)
    assert vet(facts, purpose, as_of="2025-04-01").outcome is Outcome.ELIGIBLE


def test_a_weak_grade_two_years_back_no_longer_counts() -> None:
    facts = cadre(assessment(2023, CadreGrade.INCOMPETENT), annual_years=range(2024, 2026))
    assert vet(facts, as_of="2025-04-01").outcome is Outcome.ELIGIBLE


def test_a_basically_competent_year_lets_the_cadre_through_on_new_years_day() -> None:
    facts = cadre(assessment(2024, CadreGrade.BASICALLY_COMPETENT), annual_years=PREVIOUS)
    assert vet(facts, as_of="2025-12-31").eligible_from == d("2026-01-01")


def test_a_revoked_weak_grade_leaves_the_previous_year_missing() -> None:
    facts = cadre(assessment(2024, CadreGrade.INCOMPETENT, revoked=True), annual_years=PREVIOUS)
    assert deciding(vet(facts, as_of="2025-04-01")) == ["hold.annual_assessment_missing"]


@pytest.mark.parametrize(
    ("purpose", "pending"),
    [
        (P.PROMOTION, True),
        (P.IMPORTANT_USE, True),
        (P.APPOINTMENT, True),
        (P.COMMENDATION, False),
    ],
)
def test_a_missing_previous_year_assessment_holds_candidacy(
    purpose: Purpose, pending: bool
) -> None:
    decision = vet(cadre(annual_years=PREVIOUS), purpose, as_of="2025-04-01")
    assert (decision.outcome is Outcome.PENDING) is pending


def test_the_missing_assessment_hold_names_the_missing_record() -> None:
    finding = only(
        vet(cadre(annual_years=PREVIOUS), as_of="2026-03-01"), "hold.annual_assessment_missing"
    )
    assert "未能核实2025年度考核结果：记录中无此项" in finding.message.zh
    assert "annual assessment for 2025 is not on record" in finding.message.en
    # A statement of what could not be verified, fit for a letter: no instruction to record it.
    assert "补录" not in finding.message.zh and "record it" not in finding.message.en
    assert (finding.effect, finding.evidence.record_id) == (Effect.HOLD, None)


def test_a_safety_duty_assessment_does_not_stand_in_for_the_annual_one() -> None:
    other_kind = assessment(2024, CadreGrade.EXCELLENT, AssessmentKind.SAFETY_DUTY)
    decision = vet(cadre(other_kind, annual_years=PREVIOUS), as_of="2025-04-01")
    assert deciding(decision) == ["hold.annual_assessment_missing"]


# --- the unit's safety-work assessment ---------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "blocked"),
    [
        (SafetyRole.FIRST_RESPONSIBLE, True),
        (SafetyRole.SOE_PRINCIPAL, True),
        (SafetyRole.SAFETY_LEAD, True),
        (SafetyRole.ASSISTING_SAFETY_LEAD, False),
        (SafetyRole.TEAM_MEMBER, False),
    ],
)
def test_a_failed_unit_costs_its_responsible_leaders_their_commendation(
    role: SafetyRole, blocked: bool
) -> None:
    facts = cadre(post(role=role), unit_assessment(HOME, 2024, UnitGrade.FAIL))
    decision = vet(facts, P.COMMENDATION, as_of="2025-03-01")
    assert (decision.outcome is Outcome.INELIGIBLE) is blocked


@pytest.mark.parametrize(
    ("as_of", "in_force"),
    [
        ("2024-01-01", True),
        ("2025-12-31", True),
        ("2026-01-01", False),
    ],
)
def test_a_failed_year_blocks_from_its_first_day_through_the_award_year(
    as_of: str, in_force: bool
) -> None:
    facts = cadre(unit_assessment(HOME, 2024, UnitGrade.FAIL))
    finding = only(vet(facts, P.COMMENDATION, as_of=as_of), "assessment.unit_safety_work_fail")
    assert (finding.blocks_from, finding.blocks_until) == (d("2024-01-01"), d("2025-12-31"))
    assert finding.in_force is in_force


@pytest.mark.parametrize("grade", [UnitGrade.EXCELLENT, UnitGrade.GOOD, UnitGrade.PASS])
def test_a_unit_that_passed_blocks_nothing(grade: UnitGrade) -> None:
    facts = cadre(unit_assessment(HOME, 2024, grade))
    assert vet(facts, P.COMMENDATION, as_of="2025-03-01").findings == ()


def test_a_failed_year_before_the_cadre_arrived_does_not_count() -> None:
    facts = cadre(post(start="2025-01-01"), unit_assessment(HOME, 2024, UnitGrade.FAIL))
    assert vet(facts, P.COMMENDATION, as_of="2025-03-01").findings == ()


def test_a_leader_who_left_during_the_failed_year_is_still_blocked() -> None:
    old = post(start="2020-01-01", end="2024-02-29")
    new = post(org("市交通运输局"), start="2024-03-01", role=SafetyRole.TEAM_MEMBER)
    facts = cadre(old, new, unit_assessment(HOME, 2024, UnitGrade.FAIL))
    finding = only(
        vet(facts, P.COMMENDATION, as_of="2025-03-01"), "assessment.unit_safety_work_fail"
    )
    assert finding.evidence.post is not None and finding.evidence.post.post_id == old.id
    assert HOME.name in finding.message.zh


def test_a_failed_unit_does_not_block_promotion() -> None:
    facts = cadre(unit_assessment(HOME, 2024, UnitGrade.FAIL))
    assert "assessment.unit_safety_work_fail" not in rule_ids(vet(facts, as_of="2025-03-01"))


# --- cadre investigation (干部考察) ------------------------------------------------------------


@pytest.mark.parametrize("purpose", [P.PROMOTION, P.IMPORTANT_USE, P.COMMENDATION])
@pytest.mark.parametrize(("as_of", "in_force"), [("2025-05-10", True), ("2025-05-11", False)])
def test_a_failed_investigation_blocks_for_twelve_months(
    purpose: Purpose, as_of: str, in_force: bool
) -> None:
    facts = cadre(investigation("2024-05-10", InvestigationResult.FAIL))
    finding = only(vet(facts, purpose, as_of=as_of), "investigation.failed")
    assert (finding.blocks_until, finding.in_force) == (d("2025-05-10"), in_force)


def test_a_failed_investigation_does_not_block_an_appointment_at_the_same_level() -> None:
    facts = cadre(investigation("2024-05-10", InvestigationResult.FAIL))
    assert vet(facts, P.APPOINTMENT, as_of="2024-06-01").outcome is Outcome.ELIGIBLE


def test_a_passed_investigation_blocks_nothing() -> None:
    facts = cadre(investigation("2024-05-10", InvestigationResult.PASS))
    assert vet(facts, as_of="2024-06-01").findings == ()


def test_an_investigation_after_the_vetting_date_is_ignored() -> None:
    facts = cadre(investigation("2024-07-01", InvestigationResult.FAIL))
    assert vet(facts, as_of="2024-06-01").findings == ()
