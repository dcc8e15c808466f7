"""Rules-engine tests (no database) and the small factories they share.

The factories build frozen facts with sensible defaults: a serving cadre who has been first
responsible person of a county government since 2015 and has a `competent` annual assessment
for every year, so a test adds only the records its rule is about.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

from app.domain.enums import (
    AccidentLevel,
    AdminSanction,
    AssessmentKind,
    CadreGrade,
    CadreStatus,
    CaseStatus,
    Circumstance,
    CommendationBasis,
    Industry,
    InvestigationResult,
    InvestigationStatus,
    Leniency,
    Method,
    OrgUnitKind,
    OrgUnitLevel,
    PartySanction,
    PositionKind,
    Purpose,
    SafetyRole,
    UnitGrade,
)
from app.vetting.rules import Decision, Finding, evaluate
from app.vetting.rules.facts import (
    AccidentFact,
    AssessmentFact,
    CadreFacts,
    CadreInvestigationFact,
    CaseFact,
    ContributionFact,
    OrgUnitRef,
    PostFact,
    StatusEventFact,
    TargetPost,
    UnitAssessmentFact,
)
from app.vetting.rules.rulebook import Rulebook, default_rulebook

_ids = itertools.count(1)

_CST = timezone(timedelta(hours=8))


def new_id() -> UUID:
    return UUID(int=next(_ids))


def d(text: str) -> date:
    return date.fromisoformat(text)


def org(
    name: str = "纳溪区人民政府",
    kind: OrgUnitKind = OrgUnitKind.GOVERNMENT,
    industry: Industry | None = None,
    key_soe: bool = False,
) -> OrgUnitRef:
    return OrgUnitRef(new_id(), name, kind, OrgUnitLevel.COUNTY, key_soe, industry)


def soe(industry: Industry = Industry.HAZARDOUS_CHEMICALS) -> OrgUnitRef:
    return org("泸州市化工集团", OrgUnitKind.STATE_OWNED_ENTERPRISE, industry, key_soe=True)


HOME = org()


def post(
    unit: OrgUnitRef = HOME,
    role: SafetyRole = SafetyRole.FIRST_RESPONSIBLE,
    start: str = "2015-01-01",
    end: str | None = None,
    title: str = "区长",
) -> PostFact:
    return PostFact(
        id=new_id(),
        org_unit=unit,
        title=title,
        position=PositionKind.PRINCIPAL,
        safety_role=role,
        team_rank=1,
        start_date=d(start),
        end_date=None if end is None else d(end),
    )


def case(
    decided: str | None = "2024-03-15",
    *,
    opened: str = "2023-12-01",
    circumstance: Circumstance = Circumstance.DUTIES_NOT_PERFORMED,
    status: CaseStatus | None = None,
    methods: tuple[Method, ...] = (),
    party: PartySanction | None = None,
    probation: int | None = None,
    admin: AdminSanction | None = None,
    suspension: int | None = None,
    leniency: Leniency | None = None,
    criminal: bool = False,
    served: str | None = None,
    accident_id: UUID | None = None,
    post_id: UUID | None = None,
) -> CaseFact:
    if status is None:
        status = CaseStatus.UNDER_INVESTIGATION if decided is None else CaseStatus.DECIDED
    return CaseFact(
        id=new_id(),
        circumstance=circumstance,
        status=status,
        opened_on=d(opened),
        decision_date=None if decided is None else d(decided),
        methods=methods,
        party_sanction=party,
        party_probation_months=probation,
        admin_sanction=admin,
        suspension_months=suspension,
        leniency=leniency,
        criminal_penalty=criminal,
        criminal_penalty_completed_on=None if served is None else d(served),
        accident_id=accident_id,
        post_id=post_id,
    )


def accident(
    unit: OrgUnitRef = HOME,
    occurred: str = "2024-01-10",
    level: AccidentLevel = AccidentLevel.LARGER,
    industry: Industry = Industry.HAZARDOUS_CHEMICALS,
    status: InvestigationStatus | None = None,
    concluded: str | None = None,
) -> AccidentFact:
    """An accident; its investigation is open unless a conclusion date is given."""
    if status is None:
        status = InvestigationStatus.OPEN if concluded is None else InvestigationStatus.CONCLUDED
    occurred_on = d(occurred)
    return AccidentFact(
        id=new_id(),
        org_unit_id=unit.id,
        occurred_at=datetime(occurred_on.year, occurred_on.month, occurred_on.day, 8, tzinfo=_CST),
        occurred_on=occurred_on,
        industry=industry,
        level=level,
        deaths=3,
        serious_injuries=0,
        direct_loss_cny=Decimal(0),
        investigation_status=status,
        concluded_on=None if concluded is None else d(concluded),
    )


def assessment(
    year: int,
    grade: CadreGrade = CadreGrade.COMPETENT,
    kind: AssessmentKind = AssessmentKind.ANNUAL,
    revoked: bool = False,
) -> AssessmentFact:
    return AssessmentFact(new_id(), kind, year, grade, revoked)


def unit_assessment(unit: OrgUnitRef, year: int, grade: UnitGrade) -> UnitAssessmentFact:
    return UnitAssessmentFact(new_id(), unit.id, year, grade)


def investigation(conducted: str, result: InvestigationResult) -> CadreInvestigationFact:
    return CadreInvestigationFact(new_id(), d(conducted), Purpose.PROMOTION, result)


def contribution(year: int, revoked: bool = False) -> ContributionFact:
    return ContributionFact(
        new_id(), CommendationBasis.PREVENTING_ACCIDENTS, year, date(year, 6, 1), revoked
    )


def status(value: CadreStatus, effective: str) -> StatusEventFact:
    return StatusEventFact(new_id(), value, d(effective))


_SLOTS: dict[type, str] = {
    CaseFact: "cases",
    AccidentFact: "accidents",
    AssessmentFact: "assessments",
    UnitAssessmentFact: "unit_assessments",
    CadreInvestigationFact: "investigations",
    ContributionFact: "contributions",
    StatusEventFact: "statuses",
    PostFact: "posts",
}


def cadre(
    *records: Any,
    annual_years: range | tuple[int, ...] = range(2010, 2031),
    target: OrgUnitRef | None = None,
    default_post: bool = True,
) -> CadreFacts:
    """A cadre with the given records; posts given replace the default post."""
    slots: dict[str, list[Any]] = {name: [] for name in _SLOTS.values()}
    for record in records:
        slots[_SLOTS[type(record)]].append(record)
    if not slots["posts"] and default_post:
        slots["posts"].append(post())
    annual_done = {a.year for a in slots["assessments"] if a.kind is AssessmentKind.ANNUAL}
    slots["assessments"] += [assessment(y) for y in annual_years if y not in annual_done]
    return CadreFacts(
        cadre_id=UUID(int=0xCADE),
        name="张某某",
        birth_date=date(1970, 5, 1),
        known_at=datetime(2026, 11, 1, tzinfo=UTC),
        target=None if target is None else TargetPost(target, "董事长"),
        **{name: tuple(values) for name, values in slots.items()},
    )


def vet(
    facts: CadreFacts,
    purpose: Purpose = Purpose.PROMOTION,
    as_of: str = "2025-01-15",
    rulebook: Rulebook | None = None,
) -> Decision:
    return evaluate(facts, purpose, d(as_of), rulebook or default_rulebook())


def only(decision: Decision, rule_id: str) -> Finding:
    """The single finding of `rule_id` (fails loudly if there are none or several)."""
    found = [f for f in decision.findings if f.rule_id == rule_id]
    assert len(found) == 1, f"{rule_id}: {[f.rule_id for f in decision.findings]}"
    return found[0]


def rule_ids(decision: Decision, *, in_force: bool | None = None) -> list[str]:
    return [f.rule_id for f in decision.findings if in_force is None or f.in_force is in_force]


def deciding(decision: Decision) -> list[str]:
    """Rule ids of the findings that decide the outcome (in force, not notes)."""
    return [f.rule_id for f in decision.findings if f.decides]
