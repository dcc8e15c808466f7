"""Statistics for the annual assessment, computed by SQL aggregates."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.access import Authorized
from app.auth import jurisdiction
from app.auth.scopes import Scope
from app.context import Context
from app.deps import SettingsDep
from app.domain.enums import CaseStatus, ChangeKind
from app.errors import Unprocessable, problem_responses
from app.models import (
    Accident,
    AccountabilityCase,
    DutyPerformance,
    OrgUnit,
    Post,
    VettingDecision,
)
from app.records.repository import latest
from app.schemas import AwareDatetime
from app.uow import ReadSessionDep

router = APIRouter(prefix="/v1/stats", tags=["statistics"])
Reader = Annotated[Context, Authorized(Scope.RECORDS_READ)]
ERRORS = problem_responses(401, 403, 404, 422, 503)
Year = Annotated[int, Query(ge=1949, le=2100)]
Under = Annotated[UUID | None, Query(description="Only this org unit's subtree.")]


class Count(BaseModel):
    key: str
    count: int


class UnitCount(BaseModel):
    org_unit_id: UUID
    name: str
    count: int


class AccountabilityStats(BaseModel):
    year: int
    under: UUID | None
    cases: int
    by_circumstance: list[Count]
    by_method: list[Count]
    by_org_unit: list[UnitCount]
    by_duty: list[Count] = Field(
        description="Duties named as not performed (履职不到位), by duty code: one per case."
    )
    unlocated: int = Field(
        description="Cases (in `cases`, not in `by_org_unit`) whose cadre held no recorded post "
        "on the decision date; only without `under`, which needs the unit."
    )


class PerformanceCounts(BaseModel):
    performed: int
    partly: int
    not_performed: int


class DutyPerformanceCount(PerformanceCounts):
    duty_code: str
    list_id: str
    citation_zh: str


class UnitPerformanceCount(PerformanceCounts):
    org_unit_id: UUID
    name: str


class DutyPerformanceStats(BaseModel):
    year: int
    under: UUID | None
    records: int = Field(description="Duty-performance records (履职评定) of the year.")
    cadres: int
    by_duty: list[DutyPerformanceCount] = Field(
        description="Per duty: how many assessments found it performed, partly, not."
    )
    by_org_unit: list[UnitPerformanceCount] = Field(
        description="Per org unit of the post assessed: the same counts over all its duties."
    )


class LevelStats(BaseModel):
    level: str
    accidents: int
    deaths: int
    serious_injuries: int
    direct_loss_cny: str


class AccidentStats(BaseModel):
    year: int
    under: UUID | None
    total: LevelStats
    by_level: list[LevelStats]


class PurposeStats(BaseModel):
    purpose: str
    eligible: int
    ineligible: int
    pending: int
    total: int


class VettingStats(BaseModel):
    from_: datetime | None
    to: datetime | None
    by_purpose: list[PurposeStats]


async def _scope_under(session: AsyncSession, ctx: Context, under: UUID | None) -> UUID | None:
    """The subtree to count: the one asked for (inside the jurisdiction), else the client's."""
    if under is not None:
        await jurisdiction.ensure_org_unit(session, ctx.principal, under, field="query.under")
        return under
    return ctx.principal.org_unit_id


def _units_under(root: UUID | None) -> Any:
    """The org units counted: the subtree of `root`, or every unit."""
    units = select(OrgUnit.id, OrgUnit.name)
    if root is not None:
        units = units.where(OrgUnit.path.contains([root]))
    return units.subquery()


def _located_cases(year: int) -> Any:
    """Decided, unrevoked cases of `year` with the org unit of the post held then."""
    cases = (
        latest(AccountabilityCase)
        .where(
            AccountabilityCase.status == CaseStatus.DECIDED,
            func.extract("year", AccountabilityCase.decision_date) == year,
        )
        .subquery()
    )
    posts = latest(Post).where(Post.change != ChangeKind.REVOKED).subquery()
    held = (
        select(posts.c.org_unit_id)
        .where(
            or_(
                posts.c.id == cases.c.post_id,
                and_(
                    cases.c.post_id.is_(None),
                    posts.c.cadre_id == cases.c.cadre_id,
                    posts.c.start_date <= cases.c.decision_date,
                    or_(posts.c.end_date.is_(None), posts.c.end_date >= cases.c.decision_date),
                ),
            ),
        )
        .order_by(
            case((posts.c.id == cases.c.post_id, 0), else_=1),
            case(
                (posts.c.safety_role == "first_responsible", 0),
                (posts.c.safety_role == "soe_principal", 1),
                (posts.c.safety_role == "safety_lead", 2),
                else_=3,
            ),
        )
        .limit(1)
        .scalar_subquery()
    )
    return select(
        cases.c.id,
        cases.c.circumstance,
        cases.c.methods,
        cases.c.breached_duties,
        held.label("org_unit_id"),
    ).subquery()


@router.get(
    "/accountability",
    response_model=AccountabilityStats,
    responses=ERRORS,
    operation_id="stats_accountability",
)
async def stats_accountability(
    session: ReadSessionDep, ctx: Reader, year: Year, under: Under = None
) -> AccountabilityStats:
    """Accountability decided in `year`: counts by circumstance, by method and by the org unit
    where the cadre served when decided."""
    root = await _scope_under(session, ctx, under)
    located = _located_cases(year)
    units_q = _units_under(root)
    if root is None:  # every case, located or not
        base = select(located).subquery()
    else:
        base = select(located).join(units_q, units_q.c.id == located.c.org_unit_id).subquery()
    total, unlocated = (
        await session.execute(
            select(func.count(), func.count().filter(base.c.org_unit_id.is_(None))).select_from(
                base
            )
        )
    ).one()
    by_circumstance = await session.execute(
        select(base.c.circumstance, func.count())
        .group_by(base.c.circumstance)
        .order_by(func.count().desc(), base.c.circumstance)
    )
    method = func.unnest(base.c.methods).table_valued("method").render_derived()
    by_method = await session.execute(
        select(method.c.method, func.count())
        .select_from(base)
        .join(method, literal(True))
        .group_by(method.c.method)
        .order_by(func.count().desc(), method.c.method)
    )
    by_unit = await session.execute(
        select(units_q.c.id, units_q.c.name, func.count())
        .join(base, base.c.org_unit_id == units_q.c.id)
        .group_by(units_q.c.id, units_q.c.name)
        .order_by(func.count().desc(), units_q.c.name)
    )
    duty = func.jsonb_array_elements(base.c.breached_duties).table_valued("value").render_derived()
    code = duty.c.value.op("->>")("duty_code")
    by_duty = await session.execute(
        select(code, func.count(func.distinct(base.c.id)))
        .select_from(base)
        .join(duty, literal(True))
        .group_by(code)
        .order_by(func.count(func.distinct(base.c.id)).desc(), code)
    )
    return AccountabilityStats(
        year=year,
        under=root,
        cases=int(total or 0),
        by_circumstance=[Count(key=k, count=c) for k, c in by_circumstance],
        by_method=[Count(key=k, count=c) for k, c in by_method],
        by_org_unit=[UnitCount(org_unit_id=i, name=n, count=c) for i, n, c in by_unit],
        by_duty=[Count(key=k, count=c) for k, c in by_duty],
        unlocated=int(unlocated or 0),
    )


def _performance_counts(performance: Any) -> list[Any]:
    return [
        func.count().filter(performance == value).label(value)
        for value in ("performed", "partly", "not_performed")
    ]


@router.get(
    "/duty-performance",
    response_model=DutyPerformanceStats,
    responses=ERRORS,
    operation_id="stats_duty_performance",
)
async def stats_duty_performance(
    session: ReadSessionDep, ctx: Reader, year: Year, under: Under = None
) -> DutyPerformanceStats:
    """Duty performance (履职评定) of `year`: per duty and per org unit of the post assessed,
    how many duties were found performed, partly performed, not performed."""
    root = await _scope_under(session, ctx, under)
    records = (
        latest(DutyPerformance)
        .where(DutyPerformance.change != ChangeKind.REVOKED, DutyPerformance.year == year)
        .subquery()
    )
    posts = latest(Post).subquery()
    units_q = _units_under(root)
    base = (
        select(
            records.c.id,
            records.c.cadre_id,
            records.c.entries,
            units_q.c.id.label("unit_id"),
            units_q.c.name.label("unit_name"),
        )
        .join(posts, posts.c.id == records.c.post_id)
        .join(units_q, units_q.c.id == posts.c.org_unit_id)
        .subquery()
    )
    entry = func.jsonb_array_elements(base.c.entries).table_valued("value").render_derived()
    performance = entry.c.value.op("->>")("performance")
    count, cadres = (
        await session.execute(
            select(func.count(), func.count(func.distinct(base.c.cadre_id))).select_from(base)
        )
    ).one()
    code = entry.c.value.op("->>")("duty_code")
    list_id = entry.c.value.op("->>")("list_id")
    citation = entry.c.value.op("->>")("citation_zh")
    by_duty = await session.execute(
        select(code, func.min(list_id), func.min(citation), *_performance_counts(performance))
        .select_from(base)
        .join(entry, literal(True))
        .group_by(code)
        .order_by(code)
    )
    by_unit = await session.execute(
        select(base.c.unit_id, base.c.unit_name, *_performance_counts(performance))
        .select_from(base)
        .join(entry, literal(True))
        .group_by(base.c.unit_id, base.c.unit_name)
        .order_by(base.c.unit_name, base.c.unit_id)
    )
    return DutyPerformanceStats(
        year=year,
        under=root,
        records=int(count or 0),
        cadres=int(cadres or 0),
        by_duty=[
            DutyPerformanceCount(
                duty_code=c, list_id=lst, citation_zh=cit, performed=p, partly=q, not_performed=n
            )
            for c, lst, cit, p, q, n in by_duty
        ],
        by_org_unit=[
            UnitPerformanceCount(org_unit_id=i, name=nm, performed=p, partly=q, not_performed=n)
            for i, nm, p, q, n in by_unit
        ],
    )


@router.get(
    "/accidents", response_model=AccidentStats, responses=ERRORS, operation_id="stats_accidents"
)
async def stats_accidents(
    session: ReadSessionDep, ctx: Reader, settings: SettingsDep, year: Year, under: Under = None
) -> AccidentStats:
    """Accidents that happened in `year` (local time): counts and casualties by level."""
    root = await _scope_under(session, ctx, under)
    local_year = func.extract("year", func.timezone(settings.timezone, Accident.occurred_at))
    accidents = latest(Accident).where(Accident.change != ChangeKind.REVOKED, local_year == year)
    if root is not None:
        accidents = accidents.where(Accident.org_unit_id.in_(jurisdiction.units_under(root)))
    rows = accidents.subquery()
    measures = (
        func.count(),
        func.coalesce(func.sum(rows.c.deaths), 0),
        func.coalesce(func.sum(rows.c.serious_injuries), 0),
        func.coalesce(func.sum(rows.c.direct_loss_cny), 0),
    )
    by_level = await session.execute(
        select(rows.c.level, *measures).group_by(rows.c.level).order_by(rows.c.level)
    )
    total = (await session.execute(select(*measures))).one()
    return AccidentStats(
        year=year,
        under=root,
        total=_level("all", total),
        by_level=[_level(r[0], r[1:]) for r in by_level],
    )


def _level(level: str, values: Any) -> LevelStats:
    count, deaths, injuries, loss = values
    return LevelStats(
        level=level,
        accidents=count,
        deaths=deaths,
        serious_injuries=injuries,
        direct_loss_cny=format(loss, "f"),
    )


@router.get("/vetting", response_model=VettingStats, responses=ERRORS, operation_id="stats_vetting")
async def stats_vetting(
    session: ReadSessionDep,
    ctx: Reader,
    from_: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    to: Annotated[AwareDatetime | None, Query()] = None,
) -> VettingStats:
    """Vetting decisions taken in the period, by purpose and outcome."""
    if from_ and to and from_ > to:
        raise Unprocessable("from is after to.", errors=[("query.from", "after to")])
    counts = [
        func.count().filter(VettingDecision.outcome == o)
        for o in ("eligible", "ineligible", "pending")
    ]
    query = (
        select(VettingDecision.purpose, *counts, func.count())
        .group_by(VettingDecision.purpose)
        .order_by(VettingDecision.purpose)
    )
    if (visible := jurisdiction.cadre_visible(ctx.principal, VettingDecision.cadre_id)) is not None:
        query = query.where(visible)
    if from_:
        query = query.where(VettingDecision.evaluated_at >= from_)
    if to:
        query = query.where(VettingDecision.evaluated_at <= to)
    rows = await session.execute(query)
    return VettingStats(
        from_=from_,
        to=to,
        by_purpose=[
            PurposeStats(purpose=r[0], eligible=r[1], ineligible=r[2], pending=r[3], total=r[4])
            for r in rows
        ],
    )
