"""Posts: a cadre's career, one tenure at a time (cadre × org unit × title × safety role)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import Context
from app.domain.enums import PositionKind, SafetyRole
from app.models import Post
from app.records import references
from app.records.filters import CadreFilters
from app.records.kind import RecordKind, Values
from app.schemas import InputModel, IsoDate, RecordMeta, ShortText


def end_not_before_start(value: date | None, info: ValidationInfo) -> date | None:
    start = info.data.get("start_date")
    if value is not None and start is not None and value < start:
        raise ValueError(f"must not be before start_date {start.isoformat()}")
    return value


class PostCreate(InputModel):
    cadre_id: UUID
    org_unit_id: UUID
    title: ShortText = Field(examples=["县委书记"])
    position: PositionKind = Field(description="Principal, executive deputy, deputy or member.")
    safety_role: SafetyRole
    team_rank: Annotated[int, Field(ge=1, le=99)] | None = Field(
        default=None, description="Rank within the leading team (1 = first-ranked)."
    )
    start_date: IsoDate
    end_date: IsoDate | None = Field(default=None, description="Last day held; empty while held.")

    _end = field_validator("end_date")(end_not_before_start)


class PostRead(RecordMeta):
    cadre_id: UUID
    org_unit_id: UUID
    title: str
    position: PositionKind
    safety_role: SafetyRole
    team_rank: int | None
    start_date: date
    end_date: date | None


class PostFilters(CadreFilters):
    org_unit_id: UUID | None = None
    under: UUID | None = Field(default=None, description="Posts in this org unit's subtree.")
    safety_role: SafetyRole | None = None
    position: PositionKind | None = None
    held_on: date | None = Field(default=None, description="Posts held on this day.")


def _held_on(model: Any, day: date) -> Any:
    return (model.start_date <= day) & or_(model.end_date.is_(None), model.end_date >= day)


async def prepare_post(session: AsyncSession, ctx: Context, values: Values) -> Values:
    await references.cadre(session, ctx.principal, values["cadre_id"])
    await references.org_unit(session, ctx.principal, values["org_unit_id"])
    return values


POSTS = RecordKind(
    name="post",
    plural="posts",
    title="Post",
    title_zh="任职经历",
    model=Post,
    create=PostCreate,
    read=PostRead,
    filters=PostFilters,
    identity=("cadre_id",),
    order_by=("-start_date",),
    prepare=prepare_post,
    custom_filters={"held_on": _held_on},
)
