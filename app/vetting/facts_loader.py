"""Loads `CadreFacts` for one or many cadres with set-based Core queries (one query per table,
whatever the number of cadres), as the service knew them at `known_at`. Plain rows, no ORM
entities: this is the hot path of every check."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.domain.enums import (
    AccidentLevel,
    AdminSanction,
    AssessmentKind,
    AssessmentSubject,
    CadreGrade,
    CadreStatus,
    CaseStatus,
    ChangeKind,
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
from app.models import (
    Accident,
    AccountabilityCase,
    Assessment,
    Cadre,
    CadreInvestigation,
    CadreStatusEvent,
    CadreVersion,
    Commendation,
    Contribution,
    OrgUnit,
    Post,
)
from app.records.repository import latest
from app.vetting.rules.facts import (
    AccidentFact,
    AssessmentFact,
    CadreFacts,
    CadreInvestigationFact,
    CaseFact,
    CommendationFact,
    ContributionFact,
    OrgUnitRef,
    PostFact,
    StatusEventFact,
    TargetPost,
    UnitAssessmentFact,
)

Rows = Sequence[Any]


def _for_cadres(model: Any, cadre_ids: Sequence[UUID], known_at: datetime | None) -> Select[Any]:
    return latest(model, known_at).where(model.cadre_id.in_(cadre_ids))


def _revoked(row: Any) -> bool:
    return bool(row.change == ChangeKind.REVOKED)


def org_unit_ref(unit: Any) -> OrgUnitRef:
    return OrgUnitRef(
        id=unit.id,
        name=unit.name,
        kind=OrgUnitKind(unit.kind),
        level=OrgUnitLevel(unit.level),
        is_key_soe=bool(unit.is_key_soe),
        industry=Industry(unit.industry) if unit.industry else None,
    )


async def _rows(session: AsyncSession, query: Select[Any]) -> Rows:
    rows: Rows = (await session.execute(query)).scalars().all()
    return rows


async def _posts(session: AsyncSession, ids: Sequence[UUID], known_at: datetime | None) -> Rows:
    post = aliased(Post, latest(Post, known_at).where(Post.cadre_id.in_(ids)).subquery())
    query = select(post, OrgUnit).join(OrgUnit, OrgUnit.id == post.org_unit_id)
    return (await session.execute(query)).all()


def _post_fact(post: Any, unit: Any) -> PostFact:
    return PostFact(
        id=post.id,
        org_unit=org_unit_ref(unit),
        title=post.title,
        position=PositionKind(post.position),
        safety_role=SafetyRole(post.safety_role),
        team_rank=post.team_rank,
        start_date=post.start_date,
        end_date=post.end_date,
        revoked=_revoked(post),
    )


def _case_fact(row: Any) -> CaseFact:
    return CaseFact(
        id=row.id,
        circumstance=Circumstance(row.circumstance),
        status=CaseStatus(row.status),
        opened_on=row.opened_on,
        decision_date=row.decision_date,
        authority=row.authority,
        document_number=row.document_number,
        methods=tuple(Method(m) for m in row.methods),
        party_sanction=PartySanction(row.party_sanction) if row.party_sanction else None,
        party_probation_months=row.party_probation_months,
        admin_sanction=AdminSanction(row.admin_sanction) if row.admin_sanction else None,
        suspension_months=row.suspension_months,
        leniency=Leniency(row.leniency) if row.leniency else None,
        criminal_penalty=row.criminal_penalty,
        criminal_penalty_completed_on=row.criminal_penalty_completed_on,
        referred_to_supervisory_commission=row.referred_to_supervisory_commission,
        accident_id=row.accident_id,
        post_id=row.post_id,
    )


def accident_fact(row: Any, zone: ZoneInfo) -> AccidentFact:
    late = (ReportingFailure.LATE,) if row.reported_late else ()
    return AccidentFact(
        id=row.id,
        org_unit_id=row.org_unit_id,
        occurred_at=row.occurred_at,
        occurred_on=row.occurred_at.astimezone(zone).date(),
        industry=Industry(row.industry),
        level=AccidentLevel(row.level),
        deaths=row.deaths,
        serious_injuries=row.serious_injuries,
        direct_loss_cny=Decimal(row.direct_loss_cny),
        investigation_status=InvestigationStatus(row.investigation_status),
        concluded_on=row.concluded_on,
        reporting_failures=late + tuple(ReportingFailure(f) for f in row.reporting_failures),
        revoked=_revoked(row),
    )


def _group(rows: Iterable[Any], key: str = "cadre_id") -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


@dataclass
class RecordSet:
    """The rows behind the facts of some cadres (kept for the dossier, which shows them)."""

    known_at: datetime
    people: dict[UUID, Any]
    posts: Rows  # (post row, org unit row)
    cadre_records: dict[str, dict[Any, list[Any]]]
    unit_records: dict[str, dict[Any, list[Any]]]

    def posts_of(self, cadre_id: UUID) -> list[tuple[Any, Any]]:
        return [(p, u) for p, u in self.posts if p.cadre_id == cadre_id]


class FactsLoader:
    def __init__(self, session: AsyncSession, timezone: str = "Asia/Shanghai") -> None:
        self.session = session
        self.zone = ZoneInfo(timezone)

    async def load(
        self,
        cadre_ids: Sequence[UUID],
        known_at: datetime,
        targets: dict[UUID, TargetPost] | None = None,
    ) -> dict[UUID, CadreFacts]:
        records = await self.fetch(cadre_ids, known_at)
        return {cid: self.facts(records, cid, targets) for cid in records.people}

    async def fetch(self, cadre_ids: Sequence[UUID], known_at: datetime) -> RecordSet:
        ids = list(dict.fromkeys(cadre_ids))
        people = await self._people(ids, known_at)
        ids = list(people)
        posts = await _posts(self.session, ids, known_at) if ids else []
        unit_ids = list({unit.id for _post, unit in posts})
        return RecordSet(
            known_at=known_at,
            people=people,
            posts=posts,
            cadre_records=await self._cadre_records(ids, known_at) if ids else {},
            unit_records=await self._unit_records(unit_ids, known_at) if unit_ids else {},
        )

    async def _people(self, ids: Sequence[UUID], known_at: datetime) -> dict[UUID, Any]:
        details = latest(CadreVersion, known_at).where(CadreVersion.id.in_(ids)).subquery()
        query = (
            select(Cadre.id, Cadre.birth_date, details.c.name)
            .join(details, details.c.id == Cadre.id)
            .where(Cadre.created_at <= known_at)
        )
        return {row.id: row for row in (await self.session.execute(query)).all()}

    async def _cadre_records(self, ids: Sequence[UUID], known_at: datetime) -> dict[str, Any]:
        return {
            name: _group(await _rows(self.session, _for_cadres(model, ids, known_at)))
            for name, model in CADRE_TABLES.items()
        }

    async def _unit_records(self, unit_ids: Sequence[UUID], known_at: datetime) -> dict[str, Any]:
        accidents = latest(Accident, known_at).where(Accident.org_unit_id.in_(unit_ids))
        assessments = latest(Assessment, known_at).where(
            Assessment.org_unit_id.in_(unit_ids), Assessment.kind == AssessmentKind.SAFETY_WORK
        )
        return {
            "accidents": _group(await _rows(self.session, accidents), "org_unit_id"),
            "unit_assessments": _group(await _rows(self.session, assessments), "org_unit_id"),
        }

    def facts(
        self, records: RecordSet, cadre_id: UUID, targets: dict[UUID, TargetPost] | None = None
    ) -> CadreFacts:
        person = records.people[cadre_id]
        mine = tuple(_post_fact(p, u) for p, u in records.posts_of(cadre_id))
        units = sorted({p.org_unit.id for p in mine}, key=str)
        own = {name: rows.get(cadre_id, []) for name, rows in records.cadre_records.items()}
        unit = records.unit_records
        return CadreFacts(
            cadre_id=cadre_id,
            name=person.name,
            birth_date=person.birth_date,
            known_at=records.known_at,
            statuses=tuple(_status(r) for r in own.get("statuses", ())),
            posts=tuple(sorted(mine, key=lambda p: (p.start_date, str(p.id)))),
            assessments=tuple(
                _assessment(r)
                for r in own.get("assessments", ())
                if r.subject == AssessmentSubject.CADRE
            ),
            unit_assessments=tuple(
                _unit_assessment(r)
                for u in units
                for r in unit.get("unit_assessments", {}).get(u, ())
            ),
            accidents=tuple(
                accident_fact(r, self.zone)
                for u in units
                for r in unit.get("accidents", {}).get(u, ())
            ),
            cases=tuple(_case_fact(r) for r in own.get("cases", ())),
            commendations=tuple(_commendation(r) for r in own.get("commendations", ())),
            contributions=tuple(_contribution(r) for r in own.get("contributions", ())),
            investigations=tuple(_investigation(r) for r in own.get("investigations", ())),
            target=(targets or {}).get(cadre_id),
        )


CADRE_TABLES: dict[str, Any] = {
    "statuses": CadreStatusEvent,
    "assessments": Assessment,
    "cases": AccountabilityCase,
    "commendations": Commendation,
    "contributions": Contribution,
    "investigations": CadreInvestigation,
}


def _status(r: Any) -> StatusEventFact:
    return StatusEventFact(r.id, CadreStatus(r.status), r.effective_date, _revoked(r))


def _assessment(r: Any) -> AssessmentFact:
    return AssessmentFact(r.id, AssessmentKind(r.kind), r.year, CadreGrade(r.grade), _revoked(r))


def _unit_assessment(r: Any) -> UnitAssessmentFact:
    score = Decimal(r.score) if r.score is not None else None
    return UnitAssessmentFact(r.id, r.org_unit_id, r.year, UnitGrade(r.grade), score, _revoked(r))


def _commendation(r: Any) -> CommendationFact:
    return CommendationFact(
        r.id,
        CommendationKind(r.kind),
        CommendationBasis(r.basis),
        r.year,
        r.awarded_on,
        _revoked(r),
    )


def _contribution(r: Any) -> ContributionFact:
    return ContributionFact(r.id, CommendationBasis(r.area), r.year, r.achieved_on, _revoked(r))


def _investigation(r: Any) -> CadreInvestigationFact:
    purpose = Purpose(r.purpose) if r.purpose else None
    return CadreInvestigationFact(
        r.id, r.conducted_on, purpose, InvestigationResult(r.result), _revoked(r)
    )
