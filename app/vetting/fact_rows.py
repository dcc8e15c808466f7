"""Facts from the JSON rows of the facts query: one small function per kind, fast on the hot
path (plain dictionary lookups for enums, UUIDs without re-parsing), and the canonical order
of every collection (so the same facts give the same snapshot and digest)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from operator import attrgetter
from typing import Any, TypeVar
from uuid import UUID, SafeUUID
from zoneinfo import ZoneInfo

from app.domain.enums import (
    AccidentLevel,
    AdminSanction,
    AssessmentKind,
    CadreGrade,
    CadreStatus,
    CaseStatus,
    Circumstance,
    CommendationBasis,
    CommendationKind,
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
    ReportingFailure,
    SafetyRole,
    UnitGrade,
)
from app.vetting.rules.facts import (
    AccidentFact,
    AssessmentFact,
    CadreInvestigationFact,
    CaseFact,
    CommendationFact,
    ContributionFact,
    DutyBreachFact,
    OrgUnitRef,
    PostFact,
    StatusEventFact,
    UnitAssessmentFact,
)

Row = dict[str, Any]


E = TypeVar("E", bound=Enum)


def _members(enum: type[E]) -> Callable[[str], E]:
    """`enum(value)` for values read from the database (already checked there), as a plain
    dictionary lookup: Enum's own call is most of the cost of building a batch's facts."""
    return enum._value2member_map_.__getitem__  # type: ignore[return-value]


_AccidentLevel = _members(AccidentLevel)
_AdminSanction = _members(AdminSanction)
_AssessmentKind = _members(AssessmentKind)
_CadreGrade = _members(CadreGrade)
_CadreStatus = _members(CadreStatus)
_CaseStatus = _members(CaseStatus)
_Circumstance = _members(Circumstance)
_CommendationBasis = _members(CommendationBasis)
_CommendationKind = _members(CommendationKind)
_Industry = _members(Industry)
_InvestigationResult = _members(InvestigationResult)
_InvestigationStatus = _members(InvestigationStatus)
_Leniency = _members(Leniency)
_Method = _members(Method)
_OrgUnitKind = _members(OrgUnitKind)
_OrgUnitLevel = _members(OrgUnitLevel)
_PartySanction = _members(PartySanction)
_PositionKind = _members(PositionKind)
_Purpose = _members(Purpose)
_ReportingFailure = _members(ReportingFailure)
_SafetyRole = _members(SafetyRole)
_UnitGrade = _members(UnitGrade)


def accident_order(accident: AccidentFact) -> tuple[datetime, int]:
    return accident.occurred_at, accident.id.int


def ordered(facts: Iterable[Any], by: str) -> tuple[Any, ...]:
    """Facts in the canonical order: by the attribute `by`, then by id."""
    items = list(facts)
    if len(items) < 2:
        return tuple(items)
    return tuple(sorted(items, key=_KEYS[by]))


# (value, id): ids compare by their integer, so the order is the ids' text order too.
_KEYS = {
    by: attrgetter(by, "id")
    for by in ("start_date", "opened_on", "effective_date", "year", "conducted_on")
}


_new = object.__new__
_set = object.__setattr__
_UNKNOWN_SAFETY = SafeUUID.unknown


def fast_uuid(text: str) -> UUID:
    """A UUID from PostgreSQL's canonical text, without `uuid.UUID.__init__`'s parsing (which
    is most of the cost of building facts for a 10,000-cadre batch). Not cached: a cache of
    every id seen keeps hundreds of thousands of objects alive that every full garbage
    collection then walks (pauses of 100+ ms under load)."""
    value = _new(UUID)
    _set(value, "int", int(text.replace("-", ""), 16))
    _set(value, "is_safe", _UNKNOWN_SAFETY)
    return value  # type: ignore[no-any-return]


def _uuid(value: str | None) -> UUID | None:
    return fast_uuid(value) if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _revoked(row: Row) -> bool:
    return bool(row["change"] == "revoked")


def org_unit_ref(unit: Row) -> OrgUnitRef:
    return OrgUnitRef(
        id=fast_uuid(unit["id"]),
        name=unit["name"],
        kind=_OrgUnitKind(unit["kind"]),
        level=_OrgUnitLevel(unit["level"]),
        is_key_soe=bool(unit["is_key_soe"]),
        industry=_Industry(unit["industry"]) if unit["industry"] else None,
    )


def post_fact(row: Row) -> PostFact:
    return PostFact(
        id=fast_uuid(row["id"]),
        org_unit=org_unit_ref(row["unit"]),
        title=row["title"],
        position=_PositionKind(row["position"]),
        safety_role=_SafetyRole(row["safety_role"]),
        team_rank=row["team_rank"],
        start_date=date.fromisoformat(row["start_date"]),
        end_date=_date(row["end_date"]),
        revoked=_revoked(row),
    )


def case_fact(row: Row) -> CaseFact:
    return CaseFact(
        id=fast_uuid(row["id"]),
        circumstance=_Circumstance(row["circumstance"]),
        status=_CaseStatus(row["status"]),
        opened_on=date.fromisoformat(row["opened_on"]),
        decision_date=_date(row["decision_date"]),
        authority=row["authority"],
        document_number=row["document_number"],
        methods=tuple(_Method(m) for m in row["methods"]),
        party_sanction=_PartySanction(row["party_sanction"]) if row["party_sanction"] else None,
        party_probation_months=row["party_probation_months"],
        admin_sanction=_AdminSanction(row["admin_sanction"]) if row["admin_sanction"] else None,
        suspension_months=row["suspension_months"],
        leniency=_Leniency(row["leniency"]) if row["leniency"] else None,
        criminal_penalty=row["criminal_penalty"],
        criminal_penalty_completed_on=_date(row["criminal_penalty_completed_on"]),
        referred_to_supervisory_commission=row["referred_to_supervisory_commission"],
        accident_id=_uuid(row["accident_id"]),
        post_id=_uuid(row["post_id"]),
        duties=_duty_breaches(row.get("breached_duties")),
    )


def _duty_breaches(entries: list[dict[str, Any]] | None) -> tuple[DutyBreachFact, ...]:
    return tuple(
        DutyBreachFact(
            post_id=fast_uuid(e["post_id"]),
            duty_code=e["duty_code"],
            item=e["item"],
            citation_zh=e["citation_zh"],
            text_zh=e["text_zh"],
            text_en=e["text_en"],
            wording=e["wording"],
        )
        for e in entries or ()
    )


def accident_fact(row: Row, zone: ZoneInfo) -> AccidentFact:
    occurred = datetime.fromisoformat(row["occurred_at"])
    late = (ReportingFailure.LATE,) if row["reported_late"] else ()
    return AccidentFact(
        id=fast_uuid(row["id"]),
        org_unit_id=fast_uuid(row["org_unit_id"]),
        occurred_at=occurred,
        occurred_on=occurred.astimezone(zone).date(),
        industry=_Industry(row["industry"]),
        level=_AccidentLevel(row["level"]),
        deaths=row["deaths"],
        serious_injuries=row["serious_injuries"],
        direct_loss_cny=Decimal(str(row["direct_loss_cny"])),
        investigation_status=_InvestigationStatus(row["investigation_status"]),
        concluded_on=_date(row["concluded_on"]),
        reporting_failures=late + tuple(_ReportingFailure(f) for f in row["reporting_failures"]),
        revoked=_revoked(row),
    )


def status_fact(r: Row) -> StatusEventFact:
    return StatusEventFact(
        fast_uuid(r["id"]),
        _CadreStatus(r["status"]),
        date.fromisoformat(r["effective_date"]),
        _revoked(r),
    )


def assessment_fact(r: Row) -> AssessmentFact:
    return AssessmentFact(
        fast_uuid(r["id"]),
        _AssessmentKind(r["kind"]),
        r["year"],
        _CadreGrade(r["grade"]),
        _revoked(r),
    )


def unit_assessment_fact(r: Row) -> UnitAssessmentFact:
    score = Decimal(str(r["score"])) if r["score"] is not None else None
    return UnitAssessmentFact(
        fast_uuid(r["id"]),
        fast_uuid(r["org_unit_id"]),
        r["year"],
        _UnitGrade(r["grade"]),
        score,
        _revoked(r),
    )


def commendation_fact(r: Row) -> CommendationFact:
    return CommendationFact(
        fast_uuid(r["id"]),
        _CommendationKind(r["kind"]),
        _CommendationBasis(r["basis"]),
        r["year"],
        date.fromisoformat(r["awarded_on"]),
        _revoked(r),
    )


def contribution_fact(r: Row) -> ContributionFact:
    return ContributionFact(
        fast_uuid(r["id"]),
        _CommendationBasis(r["area"]),
        r["year"],
        date.fromisoformat(r["achieved_on"]),
        _revoked(r),
    )


def investigation_fact(r: Row) -> CadreInvestigationFact:
    return CadreInvestigationFact(
        fast_uuid(r["id"]),
        date.fromisoformat(r["conducted_on"]),
        _Purpose(r["purpose"]) if r["purpose"] else None,
        _InvestigationResult(r["result"]),
        _revoked(r),
    )
