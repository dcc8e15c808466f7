"""Loads `CadreFacts` for one or many cadres in ONE set-based query (whatever the number of
cadres), as the service knew them at `known_at`.

Each record comes back as a JSON row `(kind, owner, data)` from the latest version of every
versioned table, read straight from the tables (no ORM entities): this is the hot path of every
check and of 10,000-item batches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

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

Row = dict[str, Any]


def _latest(table: str, where: str) -> str:
    """Latest version of each record of `table` as known at :known_at, matching `where`."""
    return (
        f"SELECT t.* FROM {table} t WHERE {where} AND t.recorded_at <= :known_at "
        f"AND NOT EXISTS (SELECT 1 FROM {table} n WHERE n.id = t.id AND n.version > t.version "
        "AND n.recorded_at <= :known_at)"
    )


_CADRE_TABLES = {
    "statuses": "cadre_status_events",
    "assessments": "assessments",
    "cases": "accountability_cases",
    "commendations": "commendations",
    "contributions": "contributions",
    "investigations": "cadre_investigations",
}


def _json(kind: str) -> str:
    # Numbers with a scale travel as text so that no digit is lost to a float.
    if kind == "assessments":
        return "to_jsonb(t) || jsonb_build_object('score', CAST(t.score AS text))"
    return "to_jsonb(t)"


_FACTS_SQL = text(
    f"""
WITH ids AS (SELECT unnest(CAST(:ids AS uuid[])) AS id),
people AS (
    SELECT c.id, c.birth_date, v.name
    FROM cadres c JOIN ids ON ids.id = c.id
    JOIN ({_latest("cadre_versions", "t.id IN (SELECT id FROM ids)")}) v ON v.id = c.id
    WHERE c.created_at <= :known_at
),
posts AS ({_latest("posts", "t.cadre_id IN (SELECT id FROM people)")}),
units AS (SELECT DISTINCT org_unit_id AS id FROM posts)
SELECT 'person' AS kind, p.id AS owner, CAST(to_jsonb(p) AS text) AS data FROM people p
UNION ALL
SELECT 'posts', p.cadre_id, CAST(to_jsonb(p) || jsonb_build_object('unit', to_jsonb(u)) AS text)
FROM posts p JOIN org_units u ON u.id = p.org_unit_id
{
        "".join(
            f"UNION ALL SELECT '{kind}', t.cadre_id, CAST({_json(kind)} AS text) FROM "
            f"({_latest(table, 't.cadre_id IN (SELECT id FROM people)')}) t "
            for kind, table in _CADRE_TABLES.items()
        )
    }
UNION ALL
SELECT 'accidents', t.org_unit_id,
       CAST(to_jsonb(t) || jsonb_build_object('direct_loss_cny', CAST(t.direct_loss_cny AS text))
            AS text)
FROM ({_latest("accidents", "t.org_unit_id IN (SELECT id FROM units)")}) t
UNION ALL
SELECT 'unit_assessments', t.org_unit_id,
       CAST(to_jsonb(t) || jsonb_build_object('score', CAST(t.score AS text)) AS text)
FROM ({_latest("assessments", "t.org_unit_id IN (SELECT id FROM units)")}) t
WHERE t.kind = 'safety_work'
"""
)


@dataclass
class RecordSet:
    """The rows behind the facts of some cadres (kept for the dossier, which shows them)."""

    known_at: datetime
    people: dict[UUID, Row]
    by_owner: dict[str, dict[UUID, list[Row]]]

    def rows(self, kind: str, owner: UUID) -> list[Row]:
        return self.by_owner.get(kind, {}).get(owner, [])


def _uuid(value: str | None) -> UUID | None:
    return UUID(value) if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _revoked(row: Row) -> bool:
    return bool(row["change"] == "revoked")


def org_unit_ref(unit: Row) -> OrgUnitRef:
    return OrgUnitRef(
        id=UUID(unit["id"]),
        name=unit["name"],
        kind=OrgUnitKind(unit["kind"]),
        level=OrgUnitLevel(unit["level"]),
        is_key_soe=bool(unit["is_key_soe"]),
        industry=Industry(unit["industry"]) if unit["industry"] else None,
    )


def _post(row: Row) -> PostFact:
    return PostFact(
        id=UUID(row["id"]),
        org_unit=org_unit_ref(row["unit"]),
        title=row["title"],
        position=PositionKind(row["position"]),
        safety_role=SafetyRole(row["safety_role"]),
        team_rank=row["team_rank"],
        start_date=date.fromisoformat(row["start_date"]),
        end_date=_date(row["end_date"]),
        revoked=_revoked(row),
    )


def _case(row: Row) -> CaseFact:
    return CaseFact(
        id=UUID(row["id"]),
        circumstance=Circumstance(row["circumstance"]),
        status=CaseStatus(row["status"]),
        opened_on=date.fromisoformat(row["opened_on"]),
        decision_date=_date(row["decision_date"]),
        authority=row["authority"],
        document_number=row["document_number"],
        methods=tuple(Method(m) for m in row["methods"]),
        party_sanction=PartySanction(row["party_sanction"]) if row["party_sanction"] else None,
        party_probation_months=row["party_probation_months"],
        admin_sanction=AdminSanction(row["admin_sanction"]) if row["admin_sanction"] else None,
        suspension_months=row["suspension_months"],
        leniency=Leniency(row["leniency"]) if row["leniency"] else None,
        criminal_penalty=row["criminal_penalty"],
        criminal_penalty_completed_on=_date(row["criminal_penalty_completed_on"]),
        referred_to_supervisory_commission=row["referred_to_supervisory_commission"],
        accident_id=_uuid(row["accident_id"]),
        post_id=_uuid(row["post_id"]),
    )


def accident_fact(row: Row, zone: ZoneInfo) -> AccidentFact:
    occurred = datetime.fromisoformat(row["occurred_at"])
    late = (ReportingFailure.LATE,) if row["reported_late"] else ()
    return AccidentFact(
        id=UUID(row["id"]),
        org_unit_id=UUID(row["org_unit_id"]),
        occurred_at=occurred,
        occurred_on=occurred.astimezone(zone).date(),
        industry=Industry(row["industry"]),
        level=AccidentLevel(row["level"]),
        deaths=row["deaths"],
        serious_injuries=row["serious_injuries"],
        direct_loss_cny=Decimal(str(row["direct_loss_cny"])),
        investigation_status=InvestigationStatus(row["investigation_status"]),
        concluded_on=_date(row["concluded_on"]),
        reporting_failures=late + tuple(ReportingFailure(f) for f in row["reporting_failures"]),
        revoked=_revoked(row),
    )


def _status(r: Row) -> StatusEventFact:
    return StatusEventFact(
        UUID(r["id"]),
        CadreStatus(r["status"]),
        date.fromisoformat(r["effective_date"]),
        _revoked(r),
    )


def _assessment(r: Row) -> AssessmentFact:
    return AssessmentFact(
        UUID(r["id"]), AssessmentKind(r["kind"]), r["year"], CadreGrade(r["grade"]), _revoked(r)
    )


def _unit_assessment(r: Row) -> UnitAssessmentFact:
    score = Decimal(str(r["score"])) if r["score"] is not None else None
    return UnitAssessmentFact(
        UUID(r["id"]), UUID(r["org_unit_id"]), r["year"], UnitGrade(r["grade"]), score, _revoked(r)
    )


def _commendation(r: Row) -> CommendationFact:
    return CommendationFact(
        UUID(r["id"]),
        CommendationKind(r["kind"]),
        CommendationBasis(r["basis"]),
        r["year"],
        date.fromisoformat(r["awarded_on"]),
        _revoked(r),
    )


def _contribution(r: Row) -> ContributionFact:
    return ContributionFact(
        UUID(r["id"]),
        CommendationBasis(r["area"]),
        r["year"],
        date.fromisoformat(r["achieved_on"]),
        _revoked(r),
    )


def _investigation(r: Row) -> CadreInvestigationFact:
    return CadreInvestigationFact(
        UUID(r["id"]),
        date.fromisoformat(r["conducted_on"]),
        Purpose(r["purpose"]) if r["purpose"] else None,
        InvestigationResult(r["result"]),
        _revoked(r),
    )


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
        ids = [str(i) for i in dict.fromkeys(cadre_ids)]
        result = await self.session.execute(_FACTS_SQL, {"ids": ids, "known_at": known_at})
        by_owner: dict[str, dict[UUID, list[Row]]] = defaultdict(lambda: defaultdict(list))
        people: dict[UUID, Row] = {}
        loads = orjson.loads
        owners: dict[Any, UUID] = {}  # asyncpg's UUID type, as plain uuid.UUID
        for kind, raw_owner, data in result:
            owner = owners.get(raw_owner)
            if owner is None:
                owner = owners[raw_owner] = UUID(bytes=raw_owner.bytes)
            row = loads(data)
            if kind == "person":
                people[owner] = row
            else:
                by_owner[kind][owner].append(row)
        return RecordSet(known_at=known_at, people=people, by_owner=by_owner)

    def facts(
        self, records: RecordSet, cadre_id: UUID, targets: dict[UUID, TargetPost] | None = None
    ) -> CadreFacts:
        person = records.people[cadre_id]
        posts = tuple(
            sorted(
                (_post(r) for r in records.rows("posts", cadre_id)),
                key=lambda p: (p.start_date, str(p.id)),
            )
        )
        units = sorted({p.org_unit.id for p in posts}, key=str)
        own = records.rows
        return CadreFacts(
            cadre_id=cadre_id,
            name=person["name"],
            birth_date=date.fromisoformat(person["birth_date"]),
            known_at=records.known_at,
            statuses=tuple(_status(r) for r in own("statuses", cadre_id)),
            posts=posts,
            assessments=tuple(
                _assessment(r) for r in own("assessments", cadre_id) if r["subject"] == "cadre"
            ),
            unit_assessments=tuple(
                _unit_assessment(r) for u in units for r in own("unit_assessments", u)
            ),
            accidents=tuple(
                accident_fact(r, self.zone) for u in units for r in own("accidents", u)
            ),
            cases=tuple(_case(r) for r in own("cases", cadre_id)),
            commendations=tuple(_commendation(r) for r in own("commendations", cadre_id)),
            contributions=tuple(_contribution(r) for r in own("contributions", cadre_id)),
            investigations=tuple(_investigation(r) for r in own("investigations", cadre_id)),
            target=(targets or {}).get(cadre_id),
        )
