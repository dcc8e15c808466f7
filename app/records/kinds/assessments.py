"""Assessments: of a cadre (annual, safety-duty, target, performance, term) or of an org unit's
safety work. One per subject, kind and year; corrections are amendments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Self
from uuid import UUID

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import Context
from app.domain.enums import (
    CADRE_ASSESSMENT_KINDS,
    AssessmentKind,
    AssessmentSubject,
    CadreGrade,
    UnitGrade,
)
from app.models import Assessment
from app.records import references
from app.records.filters import ListFilters
from app.records.kind import RecordKind, Values
from app.records.kinds.duty_performance import check_reference
from app.schemas import InputModel, IsoDate, RecordMeta, Year

Score = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]


def _field_error(field: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(
        "assessment", "{field}: {message}", {"field": field, "message": message}
    )


class AssessmentCreate(InputModel):
    subject: AssessmentSubject
    cadre_id: UUID | None = Field(default=None, description="For subject `cadre`.")
    org_unit_id: UUID | None = Field(default=None, description="For subject `org_unit`.")
    kind: AssessmentKind
    year: Year
    grade: CadreGrade | UnitGrade = Field(
        description="Cadre: excellent/competent/basically_competent/incompetent; "
        "org unit: excellent/good/pass/fail."
    )
    score: Score | None = Field(default=None, description="0–100, for org-unit assessments.")
    assessed_on: IsoDate | None = None
    published: bool = Field(default=False, description="Published under 考核公开制度.")
    notes: Annotated[str, Field(max_length=20000)] | None = None
    duty_performance_id: UUID | None = Field(
        default=None,
        description="For a cadre: the duty-performance record (履职评定) the grade relied on.",
    )

    @model_validator(mode="after")
    def subject_matches(self) -> Self:
        if self.subject is AssessmentSubject.CADRE:
            self._check_cadre()
        else:
            self._check_unit()
        return self

    def _check_cadre(self) -> None:
        if self.cadre_id is None or self.org_unit_id is not None:
            raise _field_error("cadre_id", "a cadre assessment names cadre_id and no org_unit_id")
        if self.kind not in CADRE_ASSESSMENT_KINDS:
            raise _field_error("kind", f"{self.kind.value} is not a kind of cadre assessment")
        try:
            self.grade = CadreGrade(self.grade.value)
        except ValueError:
            raise _field_error("grade", f"{self.grade.value} is not a cadre grade") from None

    def _check_unit(self) -> None:
        if self.org_unit_id is None or self.cadre_id is not None:
            raise _field_error("org_unit_id", "an org-unit assessment names org_unit_id only")
        if self.kind is not AssessmentKind.SAFETY_WORK:
            raise _field_error("kind", "an org unit's assessment is of kind safety_work")
        try:
            self.grade = UnitGrade(self.grade.value)
        except ValueError:
            raise _field_error("grade", f"{self.grade.value} is not an org-unit grade") from None


class AssessmentRead(RecordMeta):
    subject: AssessmentSubject
    cadre_id: UUID | None
    org_unit_id: UUID | None
    kind: AssessmentKind
    year: int
    grade: CadreGrade | UnitGrade
    score: Decimal | None
    assessed_on: date | None
    published: bool
    notes: str | None
    duty_performance_id: UUID | None


class AssessmentFilters(ListFilters):
    subject: AssessmentSubject | None = None
    cadre_id: UUID | None = None
    org_unit_id: UUID | None = None
    under: UUID | None = Field(default=None, description="Org-unit assessments in this subtree.")
    kind: AssessmentKind | None = None
    year: Year | None = None
    year_from: Year | None = None
    year_to: Year | None = None
    published: bool | None = None


async def prepare_assessment(session: AsyncSession, ctx: Context, values: Values) -> Values:
    if values["cadre_id"] is not None:
        await references.cadre(session, ctx.principal, values["cadre_id"])
    if values["org_unit_id"] is not None:
        await references.org_unit(session, ctx.principal, values["org_unit_id"])
    await check_reference(session, ctx, values)
    return assessment_columns(values)


def assessment_columns(values: Values) -> Values:
    """Validated input → column values (the grade of either scale as its code)."""
    return {**values, "grade": values["grade"].value}


ASSESSMENTS = RecordKind(
    name="assessment",
    plural="assessments",
    title="Assessment",
    title_zh="考核结果",
    model=Assessment,
    create=AssessmentCreate,
    read=AssessmentRead,
    filters=AssessmentFilters,
    identity=("subject", "cadre_id", "org_unit_id", "kind", "year"),
    order_by=("-year", "kind"),
    prepare=prepare_assessment,
)
