"""SOE-head bars (安全生产法第九十四条; 事故条例第四十条) and the work-safety commendation basis."""

from __future__ import annotations

import pytest

from app.domain.enums import (
    AccidentLevel,
    AdminSanction,
    AssessmentKind,
    CadreGrade,
    Effect,
    Industry,
    Leniency,
    Method,
    Outcome,
    Purpose,
)
from app.vetting.rules.facts import CadreFacts
from tests.vetting.rules import (
    accident,
    assessment,
    cadre,
    case,
    contribution,
    d,
    deciding,
    only,
    rule_ids,
    soe,
    vet,
)

SOE = Purpose.SOE_HEAD_APPOINTMENT
CHEMICALS = soe(Industry.HAZARDOUS_CHEMICALS)


def soe_cadre(*records: object, target: object = CHEMICALS) -> CadreFacts:
    return cadre(*records, target=target)  # type: ignore[arg-type]


def test_soe_head_appointment_without_a_target_is_refused() -> None:
    with pytest.raises(ValueError, match="target"):
        vet(cadre(), SOE)


def test_a_clean_record_is_eligible_to_head_an_soe() -> None:
    assert vet(soe_cadre(), SOE).outcome is Outcome.ELIGIBLE


@pytest.mark.parametrize(("as_of", "in_force"), [("2029-06-30", True), ("2029-07-01", False)])
def test_a_criminal_penalty_bars_for_five_years_after_it_was_served(
    as_of: str, in_force: bool
) -> None:
    convicted = case("2022-01-10", criminal=True, served="2024-06-30")
    finding = only(vet(soe_cadre(convicted), SOE, as_of=as_of), "soe_bar.criminal_penalty")
    assert (finding.blocks_from, finding.blocks_until) == (d("2022-01-10"), d("2029-06-30"))
    assert finding.in_force is in_force
    assert finding.effect is Effect.VETO


def test_a_criminal_penalty_without_its_completion_date_holds() -> None:
    convicted = case("2022-01-10", criminal=True)
    decision = vet(soe_cadre(convicted), SOE, as_of="2030-01-01")
    finding = only(decision, "hold.criminal_penalty_completion_missing")
    assert "刑罚执行完毕日期" in finding.message.zh
    assert decision.outcome is Outcome.PENDING


@pytest.mark.parametrize(("as_of", "in_force"), [("2029-03-15", True), ("2029-03-16", False)])
def test_dismissal_bars_for_five_years_from_the_sanction(as_of: str, in_force: bool) -> None:
    dismissed = case("2024-03-15", admin=AdminSanction.DISMISSAL)
    finding = only(vet(soe_cadre(dismissed), SOE, as_of=as_of), "soe_bar.dismissal")
    assert (finding.blocks_until, finding.in_force) == (d("2029-03-15"), in_force)


def test_a_dismissed_cadre_is_free_to_head_an_soe_the_day_after_five_years() -> None:
    dismissed = case("2024-03-15", admin=AdminSanction.DISMISSAL)
    assert vet(soe_cadre(dismissed), SOE, as_of="2029-03-16").outcome is Outcome.ELIGIBLE


@pytest.mark.parametrize("level", [AccidentLevel.MAJOR, AccidentLevel.PARTICULARLY_SERIOUS])
def test_a_major_accident_bars_for_life_in_its_industry(level: AccidentLevel) -> None:
    major = accident(level=level, occurred="2019-05-01", concluded="2019-09-01")
    responsible = case("2019-12-01", accident_id=major.id)
    decision = vet(soe_cadre(major, responsible), SOE, as_of="2030-06-01")
    finding = only(decision, "soe_bar.major_accident")
    assert (finding.blocks_until, finding.in_force) == (None, True)
    assert decision.outcome is Outcome.INELIGIBLE and decision.eligible_from is None
    assert "终身" in finding.message.zh


def test_a_major_accident_in_another_industry_is_only_noted() -> None:
    major = accident(
        level=AccidentLevel.MAJOR,
        industry=Industry.COAL_MINING,
        occurred="2019-05-01",
        concluded="2019-09-01",
    )
    responsible = case("2019-12-01", accident_id=major.id)
    decision = vet(soe_cadre(major, responsible), SOE, as_of="2030-06-01")
    note = only(decision, "note.soe_bar.major_accident_other_industry")
    assert "煤矿" in note.message.zh and "危险化学品" in note.message.zh
    assert decision.outcome is Outcome.ELIGIBLE


def test_a_larger_accident_raises_no_lifetime_bar() -> None:
    larger = accident(level=AccidentLevel.LARGER, concluded="2019-09-01", occurred="2019-05-01")
    responsible = case("2019-12-01", accident_id=larger.id)
    decision = vet(soe_cadre(larger, responsible), SOE, as_of="2030-06-01")
    assert rule_ids(decision) == ["veto.one_vote"]  # long spent
    assert decision.outcome is Outcome.ELIGIBLE


def test_an_exempted_case_raises_no_lifetime_bar() -> None:
    major = accident(level=AccidentLevel.MAJOR, occurred="2019-05-01", concluded="2019-09-01")
    exempted = case("2019-12-01", accident_id=major.id, leniency=Leniency.EXEMPTED)
    decision = vet(soe_cadre(major, exempted), SOE, as_of="2030-06-01")
    assert decision.outcome is Outcome.ELIGIBLE


@pytest.mark.parametrize(
    ("record", "rule_id"),
    [
        (case("2024-03-15", admin=AdminSanction.DISMISSAL), "soe_bar.dismissal"),
        (case("2022-01-10", criminal=True, served="2024-06-30"), "soe_bar.criminal_penalty"),
    ],
)
def test_soe_bars_do_not_apply_to_an_ordinary_appointment(record: object, rule_id: str) -> None:
    decision = vet(soe_cadre(record), Purpose.APPOINTMENT, as_of="2026-01-01")
    assert rule_id not in rule_ids(decision)


@pytest.mark.parametrize(
    "method",
    [Method.REMOVAL, Method.ORDERED_RESIGNATION],
)
def test_soe_head_appointment_inherits_every_appointment_block(method: Method) -> None:
    removed = case("2024-03-15", methods=(method,))
    decision = vet(soe_cadre(removed), SOE, as_of="2024-06-01")
    assert sorted(deciding(decision)) == ["influence." + method.value, "veto.one_vote"]


# --- safety_commendation basis ---------------------------------------------------------------

SAFETY = Purpose.SAFETY_COMMENDATION


@pytest.mark.parametrize("year", [2024, 2025])
def test_an_excellent_safety_duty_assessment_is_a_basis(year: int) -> None:
    basis = assessment(year, CadreGrade.EXCELLENT, AssessmentKind.SAFETY_DUTY)
    decision = vet(cadre(basis), SAFETY, as_of="2025-06-01")
    assert decision.outcome is Outcome.ELIGIBLE
    note = only(decision, "note.commendation.basis")
    assert note.evidence.record_id == basis.id
    assert "安全生产责任考核优秀" in note.message.zh


def test_a_recorded_contribution_is_a_basis() -> None:
    decision = vet(cadre(contribution(2025)), SAFETY, as_of="2025-07-01")
    assert decision.outcome is Outcome.ELIGIBLE
    assert "预防生产安全事故" in only(decision, "note.commendation.basis").message.zh


@pytest.mark.parametrize(
    "record",
    [
        assessment(2023, CadreGrade.EXCELLENT, AssessmentKind.SAFETY_DUTY),
        assessment(2025, CadreGrade.COMPETENT, AssessmentKind.SAFETY_DUTY),
        assessment(2025, CadreGrade.EXCELLENT, AssessmentKind.ANNUAL),
        assessment(2025, CadreGrade.EXCELLENT, AssessmentKind.SAFETY_DUTY, revoked=True),
        contribution(2025, revoked=True),
        contribution(2023),
    ],
    ids=["too-old", "not-excellent", "wrong-kind", "revoked-assessment", "revoked", "old"],
)
def test_without_a_qualifying_basis_a_safety_commendation_is_blocked(record: object) -> None:
    decision = vet(cadre(record), SAFETY, as_of="2025-06-01")
    finding = only(decision, "commendation.basis_missing")
    assert (finding.blocks_from, finding.blocks_until) == (d("2025-06-01"), None)
    assert decision.outcome is Outcome.INELIGIBLE
    assert decision.eligible_from is None  # a basis must first be recorded


def test_a_contribution_later_in_the_year_is_not_yet_a_basis() -> None:
    decision = vet(cadre(contribution(2025)), SAFETY, as_of="2025-05-31")
    assert "commendation.basis_missing" in deciding(decision)


def test_an_ordinary_commendation_needs_no_basis() -> None:
    decision = vet(cadre(), Purpose.COMMENDATION, as_of="2025-06-01")
    assert decision.findings == ()
    assert decision.outcome is Outcome.ELIGIBLE


def test_the_basis_missing_message_names_the_years_searched() -> None:
    finding = only(vet(cadre(), SAFETY, as_of="2025-06-01"), "commendation.basis_missing")
    assert "2024至2025年度" in finding.message.zh
    assert "2024–2025" in finding.message.en
