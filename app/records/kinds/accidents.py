"""Accidents: where, when, how bad. The level is derived from the numbers (事故条例 Art. 3) and
a late report (迟报) from the times; other reporting failures come from the investigation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Self
from uuid import UUID

from pydantic import Field, computed_field, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import Context
from app.domain.accidents import accident_level, is_late_report
from app.domain.enums import AccidentLevel, Industry, InvestigationStatus, ReportingFailure
from app.models import Accident
from app.records import references
from app.records.filters import UnitFilters
from app.records.kind import RecordKind, Values
from app.schemas import AwareDatetime, InputModel, IsoDate, RecordMeta

Count = Annotated[int, Field(ge=0, le=100_000, strict=True)]
Money = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2)]


def _error(field: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(
        "accident", "{field}: {message}", {"field": field, "message": message}
    )


class AccidentCreate(InputModel):
    org_unit_id: UUID = Field(description="The org unit where it happened.")
    occurred_at: AwareDatetime
    industry: Industry
    deaths: Count
    serious_injuries: Count
    direct_loss_cny: Money = Field(description="Direct economic loss in yuan.")
    reported_at: AwareDatetime | None = Field(
        default=None, description="When the safety department was told (late if > 1 hour)."
    )
    reporting_failures: list[ReportingFailure] = Field(
        default_factory=list,
        description="Found by the investigation: omitted, false, concealed. `late` is derived.",
    )
    investigation_status: InvestigationStatus = InvestigationStatus.OPEN
    concluded_on: IsoDate | None = None
    description: Annotated[str, Field(max_length=20000)] | None = None

    @model_validator(mode="after")
    def consistent(self) -> Self:
        if ReportingFailure.LATE in self.reporting_failures:
            raise _error("reporting_failures", "late is derived from reported_at; do not send it")
        if len(set(self.reporting_failures)) != len(self.reporting_failures):
            raise _error("reporting_failures", "lists a failure twice")
        if self.reported_at is not None and self.reported_at < self.occurred_at:
            raise _error("reported_at", "must not be before occurred_at")
        concluded = self.investigation_status is InvestigationStatus.CONCLUDED
        if concluded != (self.concluded_on is not None):
            raise _error("concluded_on", "is required exactly when the investigation is concluded")
        if self.concluded_on is not None and self.concluded_on < self.occurred_at.date():
            raise _error("concluded_on", "must not be before the accident")
        return self


class AccidentRead(RecordMeta):
    org_unit_id: UUID
    occurred_at: datetime
    industry: Industry
    deaths: int
    serious_injuries: int
    direct_loss_cny: Decimal
    level: AccidentLevel = Field(description="Derived from deaths, injuries and loss.")
    reported_at: datetime | None
    reported_late: bool = Field(description="Reported more than one hour after it happened.")
    investigation_status: InvestigationStatus
    concluded_on: date | None
    description: str | None
    found_failures: list[ReportingFailure] = Field(
        validation_alias="reporting_failures", exclude=True
    )

    @computed_field(description="Late (derived) plus the failures the investigation found.")
    def reporting_failures(self) -> list[ReportingFailure]:
        late = [ReportingFailure.LATE] if self.reported_late else []
        return late + list(self.found_failures)


class AccidentFilters(UnitFilters):
    level: AccidentLevel | None = None
    industry: Industry | None = None
    investigation_status: InvestigationStatus | None = None
    occurred_at_from: AwareDatetime | None = None
    occurred_at_to: AwareDatetime | None = None


async def prepare_accident(session: AsyncSession, ctx: Context, values: Values) -> Values:
    await references.org_unit(session, ctx.principal, values["org_unit_id"])
    return {
        **values,
        "level": accident_level(
            values["deaths"], values["serious_injuries"], values["direct_loss_cny"]
        ),
        "reported_late": is_late_report(values["occurred_at"], values["reported_at"]),
        "reporting_failures": [f.value for f in values["reporting_failures"]],
    }


ACCIDENTS = RecordKind(
    name="accident",
    plural="accidents",
    title="Accident",
    title_zh="生产安全事故",
    model=Accident,
    create=AccidentCreate,
    read=AccidentRead,
    filters=AccidentFilters,
    identity=("org_unit_id",),
    order_by=("-occurred_at",),
    prepare=prepare_accident,
)
