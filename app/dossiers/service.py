"""The cadre's lifetime file (终身追责) as it stood on `as_of`, as known at `known_at`: career,
assessments, accidents in units they led while they led them, accountability, commendations,
investigations, and the inspections and overdue supervision items of the units they led."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from app.cadres import service as cadres
from app.cadres.schemas import Cadre
from app.context import Context
from app.domain.enums import (
    CadreStatus,
    CaseStatus,
    ChangeKind,
    OrgUnitKind,
    OrgUnitLevel,
    SafetyRole,
)
from app.errors import NotFound
from app.models import Inspection, SupervisionItem
from app.records import repository
from app.records.kinds.accidents import AccidentRead
from app.records.kinds.accountability import CaseRead
from app.records.kinds.assessments import AssessmentRead
from app.records.kinds.cadre_records import (
    CommendationRead,
    ContributionRead,
    InvestigationRead,
    StatusEventRead,
)
from app.records.kinds.posts import PostRead
from app.records.kinds.unit_records import InspectionRead, SupervisionItemRead, is_overdue
from app.schemas import ReadModel
from app.security.pii import PiiCipher
from app.vetting.duty_lists import RulebookDuties, Tenure
from app.vetting.facts_loader import FactsLoader, RecordSet, accident_fact
from app.vetting.rulebooks import of_session
from app.vetting.rules.facts import CadreFacts, PostFact
from app.vetting.schemas import DutySegment


class OrgUnitBrief(ReadModel):
    id: UUID
    name: str
    kind: OrgUnitKind
    level: OrgUnitLevel


class PostHeld(ReadModel):
    post_id: UUID
    org_unit_id: UUID
    title: str
    safety_role: SafetyRole


class CareerEntry(PostRead):
    org_unit: OrgUnitBrief
    duties: list[DutySegment] = Field(
        default_factory=list,
        description="The safety duties the post carried (职责清单), as the rules in force then "
        "defined them: the tenure cut where those rules changed.",
    )


class AccidentEntry(AccidentRead):
    post_held: PostHeld = Field(description="The cadre's post in that unit on the day.")


class InspectionEntry(InspectionRead):
    post_held: PostHeld


class SupervisionEntry(SupervisionItemRead):
    post_held: PostHeld


class UnitAssessmentEntry(AssessmentRead):
    post_held: PostHeld


class CaseEntry(CaseRead):
    status_on_as_of: CaseStatus = Field(
        description="The case as it stood on as_of: a case decided later was still under "
        "investigation then."
    )


class Dossier(BaseModel):
    cadre: Cadre
    as_of: date
    known_at: datetime
    status_on_as_of: CadreStatus
    status_events: list[StatusEventRead]
    career: list[CareerEntry]
    assessments: list[AssessmentRead]
    unit_assessments: list[UnitAssessmentEntry] = Field(
        description="Safety-work assessments of units the cadre held a post in, for those years."
    )
    accidents: list[AccidentEntry]
    accountability_cases: list[CaseEntry]
    commendations: list[CommendationRead]
    contributions: list[ContributionRead]
    investigations: list[InvestigationRead]
    inspections: list[InspectionEntry]
    overdue_supervision_items: list[SupervisionEntry]


def _live(row: Any) -> bool:
    change = row["change"] if isinstance(row, dict) else row.change
    return bool(change != ChangeKind.REVOKED)


def _held(post: PostFact) -> PostHeld:
    return PostHeld(
        post_id=post.id,
        org_unit_id=post.org_unit.id,
        title=post.title,
        safety_role=post.safety_role,
    )


def _own(records: RecordSet, cadre_id: UUID, kind: str) -> list[dict[str, Any]]:
    return [r for r in records.rows(kind, cadre_id) if _live(r)]


def _career(records: RecordSet, cadre_id: UUID, as_of: date) -> list[CareerEntry]:
    entries = [
        CareerEntry.model_validate({**row, "org_unit": OrgUnitBrief.model_validate(row["unit"])})
        for row in _own(records, cadre_id, "posts")
        if date.fromisoformat(row["start_date"]) <= as_of
    ]
    return sorted(entries, key=lambda e: (e.start_date, str(e.id)))


async def with_duties(
    session: AsyncSession, career: list[CareerEntry], as_of: date
) -> list[CareerEntry]:
    """Each post of `career` with the duties it carried up to `as_of` (segments)."""
    books = of_session(session)
    if books is None or not career:  # pragma: no cover - the app always binds its registry
        return career
    tenures = [
        Tenure(
            e.id,
            e.org_unit_id,
            e.org_unit.kind,
            e.safety_role,
            e.start_date,
            e.end_date if e.end_date is not None and e.end_date <= as_of else None,
        )
        for e in career
    ]
    found = await RulebookDuties(books).tenures(session, tenures, as_of)
    return [
        e.model_copy(update={"duties": [DutySegment.model_validate(s) for s in found[e.id]]})
        for e in career
    ]


def _columns(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.computed is None}


def _units(facts: CadreFacts) -> list[UUID]:
    return sorted({p.org_unit.id for p in facts.posts if not p.revoked}, key=str)


def _accidents(
    loader: FactsLoader, records: RecordSet, facts: CadreFacts, as_of: date
) -> list[AccidentEntry]:
    entries = []
    for unit_id in _units(facts):
        for row in records.rows("accidents", unit_id):
            fact = accident_fact(row, loader.zone)
            post = facts.post_on(fact.occurred_on, unit_id)
            if _live(row) and post is not None and fact.occurred_on <= as_of:
                entries.append(AccidentEntry.model_validate({**row, "post_held": _held(post)}))
    return sorted(entries, key=lambda e: e.occurred_at)


def _unit_assessments(
    records: RecordSet, facts: CadreFacts, as_of: date
) -> list[UnitAssessmentEntry]:
    entries = []
    for unit_id in _units(facts):
        for row in records.rows("unit_assessments", unit_id):
            post = _post_in_year(facts, unit_id, row["year"])
            if _live(row) and post is not None and row["year"] <= as_of.year:
                entry = {**row, "post_held": _held(post)}
                entries.append(UnitAssessmentEntry.model_validate(entry))
    return sorted(entries, key=lambda e: (e.year, str(e.org_unit_id)))


def _post_in_year(facts: CadreFacts, unit_id: UUID, year: int) -> PostFact | None:
    held = [
        p
        for p in facts.posts
        if not p.revoked
        and p.org_unit.id == unit_id
        and p.start_date <= date(year, 12, 31)
        and (p.end_date is None or p.end_date >= date(year, 1, 1))
    ]
    return held[0] if held else None


async def _unit_items(
    session: AsyncSession, facts: CadreFacts, as_of: date, known_at: datetime
) -> tuple[list[InspectionEntry], list[SupervisionEntry]]:
    units = list({p.org_unit.id for p in facts.posts})
    if not units:
        return [], []
    inspections = await session.execute(
        repository.latest(Inspection, known_at).where(Inspection.org_unit_id.in_(units))
    )
    items = await session.execute(
        repository.latest(SupervisionItem, known_at).where(SupervisionItem.org_unit_id.in_(units))
    )
    found = []
    for row in inspections.scalars():
        post = facts.post_on(row.inspected_on, row.org_unit_id)
        if _live(row) and post is not None and row.inspected_on <= as_of:
            found.append(
                InspectionEntry.model_validate({**_columns(row), "post_held": _held(post)})
            )
    overdue = []
    for row in items.scalars():
        post = facts.post_on(row.due_on, row.org_unit_id)
        if _live(row) and post is not None and is_overdue(row.due_on, row.completed_on, as_of):
            overdue.append(
                SupervisionEntry.model_validate({**_columns(row), "post_held": _held(post)})
            )
    return sorted(found, key=lambda e: e.inspected_on), sorted(overdue, key=lambda e: e.due_on)


def _case_status_on(row: dict[str, Any], as_of: date) -> CaseStatus:
    decided = row["decision_date"]
    if row["status"] == CaseStatus.DECIDED and decided and date.fromisoformat(decided) > as_of:
        return CaseStatus.UNDER_INVESTIGATION
    return CaseStatus(row["status"])


def _dated(records: RecordSet, cadre_id: UUID, kind: str, field: str, as_of: date) -> list[Any]:
    return [r for r in _own(records, cadre_id, kind) if date.fromisoformat(r[field]) <= as_of]


async def build(
    session: AsyncSession,
    ctx: Context,
    cadre_id: UUID,
    as_of: date,
    known_at: datetime,
    cipher: PiiCipher,
    timezone: str,
) -> Dossier:
    cadre = await cadres.get(session, ctx, cadre_id, cipher, as_of, known_at)
    loader = FactsLoader(session, timezone)
    records = await loader.fetch([cadre_id], known_at, whole_rows=True)
    if cadre_id not in records.people:
        raise NotFound(f"Cadre {cadre_id} was not yet recorded at {known_at.isoformat()}.")
    facts = loader.facts(records, cadre_id)
    inspections, overdue = await _unit_items(session, facts, as_of, known_at)
    assessments = [
        r
        for r in _own(records, cadre_id, "assessments")
        if r["year"] <= as_of.year and r["subject"] == "cadre"
    ]

    def dated(kind: str, field: str, schema: Any) -> list[Any]:
        return [schema.model_validate(r) for r in _dated(records, cadre_id, kind, field, as_of)]

    return Dossier(
        cadre=cadre,
        as_of=as_of,
        known_at=known_at,
        status_on_as_of=facts.status_on(as_of),
        status_events=dated("statuses", "effective_date", StatusEventRead),
        career=await with_duties(session, _career(records, cadre_id, as_of), as_of),
        assessments=[
            AssessmentRead.model_validate(r)
            for r in sorted(assessments, key=lambda r: (r["year"], r["kind"]))
        ],
        unit_assessments=_unit_assessments(records, facts, as_of),
        accidents=_accidents(loader, records, facts, as_of),
        accountability_cases=[
            CaseEntry.model_validate({**r, "status_on_as_of": _case_status_on(r, as_of)})
            for r in _dated(records, cadre_id, "cases", "opened_on", as_of)
        ],
        commendations=dated("commendations", "awarded_on", CommendationRead),
        contributions=dated("contributions", "achieved_on", ContributionRead),
        investigations=dated("investigations", "conducted_on", InvestigationRead),
        inspections=inspections,
        overdue_supervision_items=overdue,
    )
