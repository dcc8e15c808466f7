"""Org-unit records: inspections (巡查) and supervision items (督查督办)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import Field, ValidationInfo, computed_field, field_validator, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.context import Context
from app.domain.enums import UnitGrade
from app.models import Inspection, SupervisionItem
from app.records import references
from app.records.filters import UnitFilters
from app.records.kind import RecordKind, Values
from app.schemas import InputModel, IsoDate, LongText, RecordMeta, ShortText


async def prepare_unit_record(session: AsyncSession, ctx: Context, values: Values) -> Values:
    await references.org_unit(session, ctx.principal, values["org_unit_id"])
    return values


# --- inspections -----------------------------------------------------------------------------


class InspectionCreate(InputModel):
    org_unit_id: UUID = Field(description="The org unit inspected.")
    inspected_on: IsoDate
    inspecting_body: ShortText | None = Field(default=None, examples=["泸州市安全生产委员会"])
    findings: LongText
    rating: UnitGrade


class InspectionRead(RecordMeta):
    org_unit_id: UUID
    inspected_on: date
    inspecting_body: str | None
    findings: str
    rating: UnitGrade


class InspectionFilters(UnitFilters):
    rating: UnitGrade | None = None
    inspected_on_from: date | None = None
    inspected_on_to: date | None = None


INSPECTIONS = RecordKind(
    name="inspection",
    plural="inspections",
    title="Inspection",
    title_zh="安全生产巡查",
    model=Inspection,
    create=InspectionCreate,
    read=InspectionRead,
    filters=InspectionFilters,
    identity=("org_unit_id",),
    order_by=("-inspected_on",),
    prepare=prepare_unit_record,
)

# --- supervision items -----------------------------------------------------------------------


def _not_before_assigned(value: date | None, info: ValidationInfo) -> date | None:
    assigned = info.data.get("assigned_on")
    if value is not None and assigned is not None and value < assigned:
        raise ValueError(f"must not be before assigned_on {assigned.isoformat()}")
    return value


class SupervisionItemCreate(InputModel):
    org_unit_id: UUID = Field(description="The org unit the task is assigned to.")
    task: LongText
    assigned_on: IsoDate
    due_on: IsoDate
    completed_on: IsoDate | None = None
    outcome: Annotated[str, Field(max_length=20000)] | None = None

    _due = field_validator("due_on", "completed_on")(_not_before_assigned)

    @model_validator(mode="after")
    def outcome_needs_completion(self) -> Self:
        if self.outcome is not None and self.completed_on is None:
            raise PydanticCustomError(
                "item",
                "{field}: {message}",
                {"field": "completed_on", "message": "an outcome needs a completion date"},
            )
        return self


class SupervisionItemRead(RecordMeta):
    org_unit_id: UUID
    task: str
    assigned_on: date
    due_on: date
    completed_on: date | None
    outcome: str | None

    @computed_field(description="Past its due date and not completed (today), or completed late.")
    def overdue(self) -> bool:
        return is_overdue(self.due_on, self.completed_on, clock.today())


def is_overdue(due_on: date, completed_on: date | None, on: date) -> bool:
    """Late as seen on the day `on`: completed by then but after its due date, or still open
    then and past it. (The `overdue_on` filter asks only the second: open past due that day.)"""
    if completed_on is not None and completed_on <= on:
        return completed_on > due_on
    return on > due_on


class SupervisionFilters(UnitFilters):
    overdue_on: date | None = Field(
        default=None, description="Items open past their due date on this day."
    )
    due_on_from: date | None = None
    due_on_to: date | None = None


def _overdue_on(model: Any, day: date) -> Any:
    return and_(model.due_on < day, or_(model.completed_on.is_(None), model.completed_on > day))


SUPERVISION_ITEMS = RecordKind(
    name="supervision_item",
    plural="supervision-items",
    title="Supervision item",
    title_zh="督查督办事项",
    model=SupervisionItem,
    create=SupervisionItemCreate,
    read=SupervisionItemRead,
    filters=SupervisionFilters,
    identity=("org_unit_id",),
    order_by=("-due_on",),
    prepare=prepare_unit_record,
    custom_filters={"overdue_on": _overdue_on},
)
