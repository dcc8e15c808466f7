"""Smaller cadre records: status events, commendations, contributions, cadre investigations."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, Field
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import Context
from app.domain.enums import (
    CONTRIBUTION_AREAS,
    CadreStatus,
    CommendationBasis,
    CommendationKind,
    InvestigationResult,
    Purpose,
)
from app.models import (
    CadreInvestigation,
    CadreStatusEvent,
    Commendation,
    Contribution,
)
from app.records import references
from app.records.filters import CadreFilters
from app.records.kind import RecordKind, Values
from app.records.kinds.duty_performance import check_reference
from app.schemas import InputModel, IsoDate, LongText, RecordMeta, ShortText, Year

Note = Annotated[str, Field(max_length=20000)]


async def prepare_cadre_record(session: AsyncSession, ctx: Context, values: Values) -> Values:
    await references.cadre(session, ctx.principal, values["cadre_id"])
    return values


# --- status events ---------------------------------------------------------------------------


class StatusEventCreate(InputModel):
    cadre_id: UUID
    status: CadreStatus = Field(description="retired, left, or serving (a return to service).")
    effective_date: IsoDate
    note: Note | None = None


class StatusEventRead(RecordMeta):
    cadre_id: UUID
    status: CadreStatus
    effective_date: date
    note: str | None


class StatusEventFilters(CadreFilters):
    status: CadreStatus | None = None


CADRE_STATUS_EVENTS = RecordKind(
    name="cadre_status_event",
    plural="cadre-status-events",
    title="Cadre status event",
    title_zh="干部状态变动",
    model=CadreStatusEvent,
    create=StatusEventCreate,
    read=StatusEventRead,
    filters=StatusEventFilters,
    identity=("cadre_id",),
    order_by=("-effective_date",),
    prepare=prepare_cadre_record,
)

# --- commendations ---------------------------------------------------------------------------


class CommendationCreate(InputModel):
    cadre_id: UUID
    kind: CommendationKind
    basis: CommendationBasis = Field(
        description="A contribution area of the seed, or an excellent safety assessment."
    )
    year: Year = Field(description="The year the commendation honours.")
    awarded_on: IsoDate
    authority: ShortText | None = None
    document_number: Annotated[str, Field(max_length=100)] | None = None
    description: Note | None = None


class CommendationRead(RecordMeta):
    cadre_id: UUID
    kind: CommendationKind
    basis: CommendationBasis
    year: int
    awarded_on: date
    authority: str | None
    document_number: str | None
    description: str | None


class CommendationFilters(CadreFilters):
    kind: CommendationKind | None = None
    basis: CommendationBasis | None = None
    year: Year | None = None


COMMENDATIONS = RecordKind(
    name="commendation",
    plural="commendations",
    title="Commendation",
    title_zh="表彰奖励",
    model=Commendation,
    create=CommendationCreate,
    read=CommendationRead,
    filters=CommendationFilters,
    identity=("cadre_id",),
    order_by=("-awarded_on",),
    prepare=prepare_cadre_record,
)

# --- contributions ---------------------------------------------------------------------------


def _contribution_area(value: CommendationBasis) -> CommendationBasis:
    if value not in CONTRIBUTION_AREAS:
        raise ValueError("must be one of the seven contribution areas")
    return value


class ContributionCreate(InputModel):
    cadre_id: UUID
    area: Annotated[CommendationBasis, AfterValidator(_contribution_area)]
    year: Year
    achieved_on: IsoDate
    description: LongText


class ContributionRead(RecordMeta):
    cadre_id: UUID
    area: CommendationBasis
    year: int
    achieved_on: date
    description: str


class ContributionFilters(CadreFilters):
    area: CommendationBasis | None = None
    year: Year | None = None


CONTRIBUTIONS = RecordKind(
    name="contribution",
    plural="contributions",
    title="Safety contribution",
    title_zh="安全生产显著成绩和贡献",
    model=Contribution,
    create=ContributionCreate,
    read=ContributionRead,
    filters=ContributionFilters,
    identity=("cadre_id",),
    order_by=("-achieved_on",),
    prepare=prepare_cadre_record,
)

# --- cadre investigations (干部考察) ----------------------------------------------------------


class InvestigationCreate(InputModel):
    cadre_id: UUID
    conducted_on: IsoDate
    purpose: Purpose | None = Field(
        default=None, description="What the candidate was proposed for."
    )
    result: InvestigationResult = Field(description="Safety-duty performance: pass or fail.")
    notes: Note | None = None
    duty_performance_id: UUID | None = Field(
        default=None, description="The duty-performance record (履职评定) it relied on."
    )


async def prepare_investigation(session: AsyncSession, ctx: Context, values: Values) -> Values:
    await references.cadre(session, ctx.principal, values["cadre_id"])
    await check_reference(session, ctx, values)
    return values


class InvestigationRead(RecordMeta):
    cadre_id: UUID
    conducted_on: date
    purpose: Purpose | None
    result: InvestigationResult
    notes: str | None
    duty_performance_id: UUID | None


class InvestigationFilters(CadreFilters):
    result: InvestigationResult | None = None


CADRE_INVESTIGATIONS = RecordKind(
    name="cadre_investigation",
    plural="cadre-investigations",
    title="Cadre investigation",
    title_zh="干部考察",
    model=CadreInvestigation,
    create=InvestigationCreate,
    read=InvestigationRead,
    filters=InvestigationFilters,
    identity=("cadre_id",),
    order_by=("-conducted_on",),
    prepare=prepare_investigation,
)
