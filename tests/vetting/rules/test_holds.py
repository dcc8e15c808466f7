"""Holds: what makes a decision pending (investigations, suspensions, open accidents)."""

from __future__ import annotations

import pytest

from app.domain.enums import (
    AccidentLevel,
    CaseStatus,
    InvestigationStatus,
    Method,
    Outcome,
    PartySanction,
    Purpose,
    SafetyRole,
)
from tests.vetting.rules import HOME, accident, cadre, case, d, deciding, only, org, post, vet

ALL_PURPOSES = [p for p in Purpose if p is not Purpose.SOE_HEAD_APPOINTMENT]


@pytest.mark.parametrize("purpose", ALL_PURPOSES)
def test_a_case_under_investigation_makes_every_purpose_pending(purpose: Purpose) -> None:
    decision = vet(cadre(case(None, opened="2024-11-01")), purpose, as_of="2025-01-15")
    assert "hold.case_under_investigation" in deciding(decision)
    if purpose is not Purpose.SAFETY_COMMENDATION:  # that one also needs a basis
        assert decision.outcome is Outcome.PENDING
        assert decision.eligible_from is None


def test_the_investigation_hold_runs_from_the_day_the_case_was_opened() -> None:
    finding = only(vet(cadre(case(None, opened="2024-11-01"))), "hold.case_under_investigation")
    assert (finding.blocks_from, finding.blocks_until) == (d("2024-11-01"), None)


def test_a_case_decided_after_the_vetting_date_counts_as_under_investigation() -> None:
    decision = vet(cadre(case("2025-02-01", opened="2024-11-01")), as_of="2025-01-15")
    assert deciding(decision) == ["hold.case_under_investigation"]
    assert decision.outcome is Outcome.PENDING


def test_a_case_decided_on_the_vetting_date_counts_as_decided() -> None:
    decision = vet(cadre(case("2025-01-15", opened="2024-11-01")), as_of="2025-01-15")
    assert deciding(decision) == ["veto.one_vote"]


def test_a_case_opened_after_the_vetting_date_does_not_exist_yet() -> None:
    decision = vet(cadre(case("2025-03-01", opened="2025-02-01")), as_of="2025-01-15")
    assert decision.findings == ()
    assert decision.outcome is Outcome.ELIGIBLE


def test_a_case_marked_decided_without_a_date_is_treated_as_still_open() -> None:
    undated = case(None, status=CaseStatus.DECIDED, opened="2024-10-01")
    assert deciding(vet(cadre(undated))) == ["hold.case_under_investigation"]


def test_the_investigation_message_names_the_opening_date_and_circumstance() -> None:
    finding = only(vet(cadre(case(None, opened="2024-11-01"))), "hold.case_under_investigation")
    assert "2024年11月1日" in finding.message.zh
    assert "履职不到位" in finding.message.zh
    assert "2024-11-01" in finding.message.en


# --- suspension (停职检查) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "in_force"),
    [("2024-05-01", True), ("2024-09-15", True), ("2024-09-16", False), ("2025-06-01", False)],
)
def test_a_suspension_holds_while_it_runs(as_of: str, in_force: bool) -> None:
    suspended = case("2024-03-15", methods=(Method.SUSPENSION,), suspension=6)
    finding = only(vet(cadre(suspended), as_of=as_of), "hold.suspension")
    assert (finding.blocks_until, finding.in_force) == (d("2024-09-15"), in_force)


def test_a_running_suspension_alone_makes_an_appointment_pending() -> None:
    suspended = case("2024-03-15", methods=(Method.SUSPENSION,), suspension=6)
    decision = vet(cadre(suspended), Purpose.COMMENDATION, as_of="2025-01-15")
    assert decision.outcome is Outcome.ELIGIBLE  # suspension ended, veto year over
    during = vet(cadre(suspended), Purpose.APPOINTMENT, as_of="2024-05-01")
    assert "hold.suspension" in deciding(during)


def test_a_suspension_without_a_duration_asks_for_it() -> None:
    suspended = case("2024-03-15", methods=(Method.SUSPENSION,), suspension=None)
    finding = only(vet(cadre(suspended), as_of="2026-01-01"), "hold.suspension_duration_missing")
    assert finding.in_force
    assert "停职期限" in finding.message.zh
    assert "duration" in finding.message.en
    assert vet(cadre(suspended), as_of="2026-01-01").outcome is Outcome.PENDING


def test_a_probation_without_its_length_asks_for_it() -> None:
    probation = case("2024-03-15", party=PartySanction.PROBATION, probation=None)
    decision = vet(cadre(probation), as_of="2026-01-01")
    assert deciding(decision) == ["hold.party_probation_duration_missing"]
    assert decision.outcome is Outcome.PENDING


# --- accidents under investigation -------------------------------------------------------------

RESPONSIBLE = [SafetyRole.FIRST_RESPONSIBLE, SafetyRole.SOE_PRINCIPAL, SafetyRole.SAFETY_LEAD]
NOT_RESPONSIBLE = [SafetyRole.TEAM_MEMBER, SafetyRole.ASSISTING_SAFETY_LEAD]


@pytest.mark.parametrize("role", RESPONSIBLE)
def test_an_open_larger_accident_where_the_cadre_answers_for_safety_holds(role: SafetyRole) -> None:
    decision = vet(cadre(post(role=role), accident()))
    assert deciding(decision) == ["hold.accident_under_investigation"]
    assert decision.outcome is Outcome.PENDING


@pytest.mark.parametrize("role", NOT_RESPONSIBLE)
def test_an_open_accident_does_not_hold_an_ordinary_team_member(role: SafetyRole) -> None:
    decision = vet(cadre(post(role=role), accident()))
    assert decision.outcome is Outcome.ELIGIBLE


@pytest.mark.parametrize(
    ("level", "holds"),
    [
        (AccidentLevel.GENERAL, False),
        (AccidentLevel.LARGER, True),
        (AccidentLevel.MAJOR, True),
        (AccidentLevel.PARTICULARLY_SERIOUS, True),
    ],
)
def test_only_larger_accidents_and_worse_hold_the_decision(
    level: AccidentLevel, holds: bool
) -> None:
    decision = vet(cadre(accident(level=level)))
    assert (decision.outcome is Outcome.PENDING) is holds


@pytest.mark.parametrize(
    ("status", "concluded", "holds"),
    [
        (InvestigationStatus.OPEN, None, True),
        (InvestigationStatus.CONCLUDED, "2024-12-01", False),
        (InvestigationStatus.CONCLUDED, "2025-01-15", False),
        (InvestigationStatus.CONCLUDED, "2025-01-16", True),
        (InvestigationStatus.CONCLUDED, None, False),
    ],
)
def test_an_accident_investigation_holds_until_the_day_it_concludes(
    status: InvestigationStatus, concluded: str | None, holds: bool
) -> None:
    decision = vet(cadre(accident(status=status, concluded=concluded)), as_of="2025-01-15")
    assert (decision.outcome is Outcome.PENDING) is holds


def test_an_accident_after_the_vetting_date_is_ignored() -> None:
    assert vet(cadre(accident(occurred="2025-02-01")), as_of="2025-01-15").findings == ()


def test_an_accident_before_the_cadre_took_the_post_does_not_hold() -> None:
    decision = vet(cadre(post(start="2024-06-01"), accident(occurred="2024-01-10")))
    assert decision.outcome is Outcome.ELIGIBLE


def test_an_accident_in_a_unit_the_cadre_led_years_ago_still_holds() -> None:
    old_unit = org("江阳区人民政府")
    old = post(old_unit, start="2016-01-01", end="2020-12-31", title="江阳区区长")
    now = post(start="2021-01-01", role=SafetyRole.TEAM_MEMBER, title="市发改委副主任")
    decision = vet(cadre(old, now, accident(old_unit, occurred="2020-06-01")))
    finding = only(decision, "hold.accident_under_investigation")
    assert finding.evidence.post is not None
    assert finding.evidence.post.title == "江阳区区长"
    assert "江阳区人民政府" in finding.message.zh


def test_the_accident_hold_message_names_level_industry_and_role() -> None:
    finding = only(vet(cadre(accident())), "hold.accident_under_investigation")
    assert "较大事故" in finding.message.zh
    assert "危险化学品" in finding.message.zh
    assert "主要负责人" in finding.message.zh
    assert "larger" in finding.message.en
    assert finding.evidence.record_kind == "accident"
    assert finding.evidence.post is not None
    assert finding.evidence.post.org_unit_id == HOME.id
