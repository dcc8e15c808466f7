"""One-vote veto and influence periods: every measure's last blocked day and first free day."""

from __future__ import annotations

from typing import Any

import pytest

from app.domain.enums import (
    AdminSanction,
    AssessmentKind,
    CadreGrade,
    Method,
    Outcome,
    PartySanction,
    Purpose,
)
from app.vetting.rules.periods import day_after
from tests.vetting.rules import assessment, cadre, case, d, only, vet

P = Purpose
DECIDED = "2024-03-15"

# (rule id, case fields, purpose, last blocked day)
PERIODS: list[tuple[str, dict[str, Any], Purpose, str]] = [
    ("veto.one_vote", {}, P.PROMOTION, "2025-03-15"),
    ("veto.one_vote", {}, P.IMPORTANT_USE, "2025-03-15"),
    ("veto.one_vote", {}, P.APPOINTMENT, "2025-03-15"),
    ("veto.one_vote", {}, P.COMMENDATION, "2024-12-31"),
    ("veto.one_vote", {}, P.SAFETY_COMMENDATION, "2024-12-31"),
    ("influence.admonishment", {"methods": (Method.ADMONISHMENT,)}, P.PROMOTION, "2024-09-15"),
    ("influence.admonishment", {"methods": (Method.ADMONISHMENT,)}, P.IMPORTANT_USE, "2024-09-15"),
    ("influence.admonishment", {"methods": (Method.ADMONISHMENT,)}, P.COMMENDATION, "2024-12-31"),
    (
        "influence.admonishment",
        {"methods": (Method.ADMONISHMENT,)},
        P.SAFETY_COMMENDATION,
        "2024-12-31",
    ),
    ("influence.notification", {"methods": (Method.NOTIFICATION,)}, P.COMMENDATION, "2024-12-31"),
    (
        "influence.post_adjustment",
        {"methods": (Method.POST_ADJUSTMENT,)},
        P.PROMOTION,
        "2025-03-15",
    ),
    (
        "influence.post_adjustment",
        {"methods": (Method.POST_ADJUSTMENT,)},
        P.IMPORTANT_USE,
        "2025-03-15",
    ),
    ("influence.removal", {"methods": (Method.REMOVAL,)}, P.APPOINTMENT, "2025-03-15"),
    ("influence.removal", {"methods": (Method.REMOVAL,)}, P.PROMOTION, "2026-03-15"),
    ("influence.removal", {"methods": (Method.REMOVAL,)}, P.IMPORTANT_USE, "2026-03-15"),
    (
        "influence.ordered_resignation",
        {"methods": (Method.ORDERED_RESIGNATION,)},
        P.APPOINTMENT,
        "2025-03-15",
    ),
    (
        "influence.ordered_resignation",
        {"methods": (Method.ORDERED_RESIGNATION,)},
        P.PROMOTION,
        "2026-03-15",
    ),
    ("influence.demotion", {"methods": (Method.DEMOTION,)}, P.PROMOTION, "2025-03-15"),
    ("influence.demotion", {"methods": (Method.DEMOTION,)}, P.IMPORTANT_USE, "2025-03-15"),
    (
        "influence.party_sanction.warning",
        {"party": PartySanction.WARNING},
        P.PROMOTION,
        "2025-03-15",
    ),
    (
        "influence.party_sanction.serious_warning",
        {"party": PartySanction.SERIOUS_WARNING},
        P.PROMOTION,
        "2025-09-15",
    ),
    (
        "influence.party_sanction.removal_from_party_posts",
        {"party": PartySanction.REMOVAL_FROM_PARTY_POSTS},
        P.PROMOTION,
        "2026-03-15",
    ),
    (
        "influence.party_sanction.probation",
        {"party": PartySanction.PROBATION, "probation": 12},
        P.PROMOTION,
        "2027-03-15",
    ),
    (
        "influence.party_sanction.probation",
        {"party": PartySanction.PROBATION, "probation": 24},
        P.PROMOTION,
        "2028-03-15",
    ),
    (
        "influence.party_sanction.probation",
        {"party": PartySanction.PROBATION, "probation": 24},
        P.IMPORTANT_USE,
        "2028-03-15",
    ),
    (
        "influence.admin_sanction.warning",
        {"admin": AdminSanction.WARNING},
        P.PROMOTION,
        "2024-09-15",
    ),
    (
        "influence.admin_sanction.demerit",
        {"admin": AdminSanction.DEMERIT},
        P.PROMOTION,
        "2025-03-15",
    ),
    (
        "influence.admin_sanction.major_demerit",
        {"admin": AdminSanction.MAJOR_DEMERIT},
        P.PROMOTION,
        "2025-09-15",
    ),
    (
        "influence.admin_sanction.demotion",
        {"admin": AdminSanction.DEMOTION},
        P.PROMOTION,
        "2026-03-15",
    ),
    (
        "influence.admin_sanction.dismissal",
        {"admin": AdminSanction.DISMISSAL},
        P.PROMOTION,
        "2026-03-15",
    ),
    (
        "influence.admin_sanction.dismissal",
        {"admin": AdminSanction.DISMISSAL},
        P.IMPORTANT_USE,
        "2026-03-15",
    ),
]


def _row_id(row: tuple[str, dict[str, Any], Purpose, str]) -> str:
    return f"{row[0]}-{row[2].value}-{'-'.join(str(v) for v in row[1].values())}"


@pytest.mark.parametrize(
    ("rule_id", "fields", "purpose", "last"), PERIODS, ids=map(_row_id, PERIODS)
)
def test_the_measure_still_blocks_on_its_last_day(
    rule_id: str, fields: dict[str, Any], purpose: Purpose, last: str
) -> None:
    decision = vet(cadre(case(DECIDED, **fields)), purpose, as_of=last)
    finding = only(decision, rule_id)
    assert (finding.blocks_from, finding.blocks_until, finding.in_force) == (
        d(DECIDED),
        d(last),
        True,
    )
    assert decision.outcome is Outcome.INELIGIBLE


@pytest.mark.parametrize(
    ("rule_id", "fields", "purpose", "last"), PERIODS, ids=map(_row_id, PERIODS)
)
def test_the_measure_is_spent_on_the_first_free_day(
    rule_id: str, fields: dict[str, Any], purpose: Purpose, last: str
) -> None:
    first_free = day_after(d(last)).isoformat()
    decision = vet(cadre(case(DECIDED, **fields)), purpose, as_of=first_free)
    finding = only(decision, rule_id)
    assert finding.in_force is False  # kept as explanation of the lifetime record


# (case fields, purpose, eligible_from) — the latest of the veto and the measure decides.
ELIGIBLE_FROM: list[tuple[dict[str, Any], Purpose, str]] = [
    ({}, P.PROMOTION, "2025-03-16"),
    ({}, P.APPOINTMENT, "2025-03-16"),
    ({}, P.COMMENDATION, "2025-01-01"),
    ({"methods": (Method.ADMONISHMENT,)}, P.PROMOTION, "2025-03-16"),
    ({"methods": (Method.REMOVAL,)}, P.PROMOTION, "2026-03-16"),
    ({"methods": (Method.REMOVAL,)}, P.APPOINTMENT, "2025-03-16"),
    ({"methods": (Method.ORDERED_RESIGNATION,)}, P.IMPORTANT_USE, "2026-03-16"),
    ({"party": PartySanction.SERIOUS_WARNING}, P.PROMOTION, "2025-09-16"),
    ({"party": PartySanction.PROBATION, "probation": 12}, P.PROMOTION, "2027-03-16"),
    ({"party": PartySanction.PROBATION, "probation": 24}, P.PROMOTION, "2028-03-16"),
    ({"admin": AdminSanction.MAJOR_DEMERIT}, P.PROMOTION, "2025-09-16"),
    ({"admin": AdminSanction.DEMOTION}, P.IMPORTANT_USE, "2026-03-16"),
    ({"admin": AdminSanction.WARNING}, P.PROMOTION, "2025-03-16"),
]


@pytest.mark.parametrize(("fields", "purpose", "eligible_from"), ELIGIBLE_FROM)
def test_eligible_from_is_the_day_after_the_latest_end(
    fields: dict[str, Any], purpose: Purpose, eligible_from: str
) -> None:
    decision = vet(cadre(case(DECIDED, **fields)), purpose, as_of="2024-06-01")
    assert decision.eligible_from == d(eligible_from)


@pytest.mark.parametrize(("fields", "purpose", "eligible_from"), ELIGIBLE_FROM)
def test_the_cadre_is_eligible_on_the_promised_day(
    fields: dict[str, Any], purpose: Purpose, eligible_from: str
) -> None:
    decision = vet(cadre(case(DECIDED, **fields)), purpose, as_of=eligible_from)
    assert decision.outcome is Outcome.ELIGIBLE
    assert decision.eligible_from == d(eligible_from)


@pytest.mark.parametrize(
    ("fields", "purpose"),
    [
        ({"party": PartySanction.EXPULSION}, P.PROMOTION),
        ({"party": PartySanction.EXPULSION}, P.IMPORTANT_USE),
        ({"party": PartySanction.EXPULSION}, P.APPOINTMENT),
        ({"admin": AdminSanction.EXPULSION}, P.PROMOTION),
        ({"admin": AdminSanction.EXPULSION}, P.APPOINTMENT),
    ],
)
def test_expulsion_blocks_for_ever_so_no_eligible_from(
    fields: dict[str, Any], purpose: Purpose
) -> None:
    decision = vet(cadre(case(DECIDED, **fields)), purpose, as_of="2040-01-01")
    assert decision.outcome is Outcome.INELIGIBLE
    assert decision.eligible_from is None
    expulsion = next(f for f in decision.findings if f.rule_id.endswith(".expulsion"))
    assert (expulsion.blocks_until, expulsion.in_force) == (None, True)


@pytest.mark.parametrize(
    ("rule_id", "fields", "last"),
    [
        ("veto.one_vote", {}, "2025-02-28"),
        ("influence.admonishment", {"methods": (Method.ADMONISHMENT,)}, "2024-08-29"),
        ("influence.party_sanction.warning", {"party": PartySanction.WARNING}, "2025-02-28"),
        ("influence.admin_sanction.demotion", {"admin": AdminSanction.DEMOTION}, "2026-02-28"),
    ],
)
def test_a_leap_day_decision_ends_on_the_last_day_of_february(
    rule_id: str, fields: dict[str, Any], last: str
) -> None:
    decision = vet(cadre(case("2024-02-29", **fields)), as_of=last)
    assert only(decision, rule_id).blocks_until == d(last)
    after = vet(cadre(case("2024-02-29", **fields)), as_of=day_after(d(last)).isoformat())
    assert only(after, rule_id).in_force is False


def test_a_leap_day_veto_frees_the_cadre_on_the_first_of_march() -> None:
    facts = cadre(case("2024-02-29"))
    assert vet(facts, as_of="2025-02-28").outcome is Outcome.INELIGIBLE
    assert vet(facts, as_of="2025-03-01").outcome is Outcome.ELIGIBLE


@pytest.mark.parametrize("purpose", [P.COMMENDATION, P.SAFETY_COMMENDATION])
def test_the_calendar_year_commendation_ban_lifts_on_new_years_day(purpose: Purpose) -> None:
    basis = assessment(2024, CadreGrade.EXCELLENT, AssessmentKind.SAFETY_DUTY)
    facts = cadre(case("2024-11-20", methods=(Method.ADMONISHMENT,)), basis)
    dec31 = vet(facts, purpose, as_of="2024-12-31")
    assert dec31.outcome is Outcome.INELIGIBLE
    assert dec31.eligible_from == d("2025-01-01")
    assert vet(facts, purpose, as_of="2025-01-01").outcome is Outcome.ELIGIBLE


def test_notification_blocks_no_promotion_by_default() -> None:
    decision = vet(cadre(case(DECIDED, methods=(Method.NOTIFICATION,))), as_of="2024-06-01")
    assert "influence.notification" not in [f.rule_id for f in decision.findings]


@pytest.mark.parametrize(
    ("rule_id", "fields", "purpose"),
    [
        ("influence.admonishment", {"methods": (Method.ADMONISHMENT,)}, P.APPOINTMENT),
        ("influence.post_adjustment", {"methods": (Method.POST_ADJUSTMENT,)}, P.COMMENDATION),
        ("influence.demotion", {"methods": (Method.DEMOTION,)}, P.APPOINTMENT),
        ("influence.party_sanction.warning", {"party": PartySanction.WARNING}, P.APPOINTMENT),
        ("influence.admin_sanction.demerit", {"admin": AdminSanction.DEMERIT}, P.COMMENDATION),
    ],
)
def test_a_measure_says_nothing_about_purposes_it_does_not_block(
    rule_id: str, fields: dict[str, Any], purpose: Purpose
) -> None:
    decision = vet(cadre(case(DECIDED, **fields)), purpose, as_of="2024-06-01")
    assert rule_id not in [f.rule_id for f in decision.findings]


def test_overlapping_sanctions_are_each_reported_and_the_latest_end_decides() -> None:
    overlapping = case(
        DECIDED,
        methods=(Method.ADMONISHMENT, Method.REMOVAL, Method.SANCTION),
        party=PartySanction.SERIOUS_WARNING,
        admin=AdminSanction.DEMERIT,
    )
    later = case("2024-09-01", methods=(Method.POST_ADJUSTMENT,))
    decision = vet(cadre(overlapping, later), as_of="2024-10-01")
    ends = {(f.rule_id, f.evidence.record_id): f.blocks_until for f in decision.findings}
    assert ends == {
        ("veto.one_vote", overlapping.id): d("2025-03-15"),
        ("veto.one_vote", later.id): d("2025-09-01"),
        ("influence.admonishment", overlapping.id): d("2024-09-15"),
        ("influence.removal", overlapping.id): d("2026-03-15"),
        ("influence.party_sanction.serious_warning", overlapping.id): d("2025-09-15"),
        ("influence.admin_sanction.demerit", overlapping.id): d("2025-03-15"),
        ("influence.post_adjustment", later.id): d("2025-09-01"),
    }
    assert decision.eligible_from == d("2026-03-16")


def test_an_expired_admonishment_is_listed_after_the_findings_in_force() -> None:
    decision = vet(cadre(case(DECIDED, methods=(Method.ADMONISHMENT,))), as_of="2024-10-01")
    assert [(f.rule_id, f.in_force) for f in decision.findings] == [
        ("veto.one_vote", True),
        ("influence.admonishment", False),
    ]
