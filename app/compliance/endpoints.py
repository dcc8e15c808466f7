"""Responsibility structure (分工): each unit's team on a day, checked against the seed."""

from collections import defaultdict
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.access import Authorized
from app.auth import jurisdiction
from app.auth.scopes import Scope
from app.compliance.rules import StructureFinding, TeamMember, Unit, check_team
from app.context import Context
from app.deps import SettingsDep
from app.domain.enums import ChangeKind, OrgUnitKind, OrgUnitLevel, PositionKind, SafetyRole
from app.errors import NotFound, problem_responses
from app.models import CadreVersion, OrgUnit, Post
from app.records.repository import latest
from app.schemas import IsoDate, ReadModel
from app.uow import ReadSessionDep

router = APIRouter(tags=["compliance"])
Reader = Annotated[Context, Authorized(Scope.RECORDS_READ)]


class Member(ReadModel):
    post_id: UUID
    cadre_id: UUID
    cadre_name: str
    title: str
    position: PositionKind
    safety_role: SafetyRole
    team_rank: int | None


class Finding(BaseModel):
    rule_id: str
    message: dict[str, str]
    basis: str
    post_ids: list[UUID]


class UnitStructure(ReadModel):
    org_unit_id: UUID
    name: str
    kind: OrgUnitKind
    level: OrgUnitLevel
    as_of: date
    team: list[Member]
    findings: list[Finding]
    compliant: bool


class StructureReport(BaseModel):
    under: UUID
    as_of: date
    units: list[UnitStructure] = Field(description="Every unit of the subtree with a team.")
    units_with_findings: int


async def _teams(session: AsyncSession, unit_ids: list[UUID], day: date) -> dict[UUID, list[Any]]:
    posts = (
        latest(Post)
        .where(
            Post.org_unit_id.in_(unit_ids),
            Post.change != ChangeKind.REVOKED,
            Post.start_date <= day,
            or_(Post.end_date.is_(None), Post.end_date >= day),
        )
        .subquery()
    )
    names = latest(CadreVersion).subquery()
    query = (
        select(posts, names.c.name.label("cadre_name"))
        .join(names, names.c.id == posts.c.cadre_id)
        .order_by(posts.c.team_rank.nulls_last(), posts.c.start_date)
    )
    teams: dict[UUID, list[Any]] = defaultdict(list)
    for row in await session.execute(query):
        teams[row.org_unit_id].append(row)
    return teams


def _structure(unit: OrgUnit, rows: list[Any], day: date) -> UnitStructure:
    team = [
        TeamMember(
            r.id,
            r.cadre_id,
            r.cadre_name,
            r.title,
            PositionKind(r.position),
            SafetyRole(r.safety_role),
            r.team_rank,
        )
        for r in rows
    ]
    subject = Unit(unit.id, unit.name, OrgUnitKind(unit.kind), OrgUnitLevel(unit.level))
    findings = check_team(subject, team)
    return UnitStructure(
        org_unit_id=unit.id,
        name=unit.name,
        kind=unit.kind,
        level=unit.level,
        as_of=day,
        team=[Member.model_validate(m, from_attributes=True) for m in team],
        findings=[_finding(f) for f in findings],
        compliant=not findings,
    )


def _finding(f: StructureFinding) -> Finding:
    return Finding(
        rule_id=f.rule_id,
        message={"zh": f.message_zh, "en": f.message_en},
        basis=f.basis,
        post_ids=list(f.post_ids),
    )


AsOf = Annotated[IsoDate | None, Query(description="Default today.")]


@router.get(
    "/v1/org-units/{org_unit_id}/safety-responsibility",
    response_model=UnitStructure,
    responses=problem_responses(401, 403, 404, 422, 503),
    operation_id="get_safety_responsibility",
    tags=["org-units"],
)
async def get_safety_responsibility(
    org_unit_id: UUID,
    session: ReadSessionDep,
    ctx: Reader,
    settings: SettingsDep,
    as_of: AsOf = None,
) -> UnitStructure:
    """The team's safety roles on `as_of`, and where they depart from the seed's division of
    responsibility."""
    unit = await session.get(OrgUnit, org_unit_id)
    if unit is None:
        raise NotFound(f"No org unit {org_unit_id}.")
    await jurisdiction.ensure_org_unit(session, ctx.principal, org_unit_id, field=None)
    day = as_of or clock.today()
    teams = await _teams(session, [unit.id], day)
    return _structure(unit, teams.get(unit.id, []), day)


@router.get(
    "/v1/compliance/safety-responsibility",
    response_model=StructureReport,
    responses=problem_responses(401, 403, 404, 422, 503),
    operation_id="get_safety_responsibility_report",
)
async def get_safety_responsibility_report(
    session: ReadSessionDep,
    ctx: Reader,
    settings: SettingsDep,
    under: Annotated[UUID, Query(description="The root of the subtree.")],
    as_of: AsOf = None,
    only_findings: Annotated[bool, Query(description="Only units with findings.")] = False,
) -> StructureReport:
    """The same check for every unit of a subtree that has a team on `as_of`."""
    if await session.get(OrgUnit, under) is None:
        raise NotFound(f"No org unit {under}.")
    await jurisdiction.ensure_org_unit(session, ctx.principal, under, field=None)
    day = as_of or clock.today()
    units = (
        (
            await session.execute(
                select(OrgUnit)
                .where(OrgUnit.path.contains([under]))
                .order_by(func.cardinality(OrgUnit.path), OrgUnit.name)
            )
        )
        .scalars()
        .all()
    )
    teams = await _teams(session, [u.id for u in units], day)
    report = [_structure(u, teams[u.id], day) for u in units if u.id in teams]
    if only_findings:
        report = [r for r in report if r.findings]
    return StructureReport(
        under=under,
        as_of=day,
        units=report,
        units_with_findings=sum(1 for r in report if r.findings),
    )
