"""The public results' wire form (考核公开): names, posts and grades, never ID numbers."""

from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from app.domain.enums import AssessmentKind, AssessmentSubject


class PublicResult(BaseModel):
    year: int
    subject: AssessmentSubject
    kind: AssessmentKind
    kind_label: str
    grade: str
    grade_label: str
    score: str | None = None
    org_unit: str = Field(description="The unit assessed, or where the cadre served.")
    cadre_name: str | None = None
    post: str | None = Field(default=None, description="The cadre's post that year.")
    published_on: date = Field(description="The day the result was published (local date).")


class PublicResults(BaseModel):
    year: int | None
    org_unit_id: UUID | None
    subject: AssessmentSubject | None = None
    results: list[PublicResult] = Field(description="This page of the results.")
    total: int = Field(description="Results matching the filters, on every page.")
    limit: int
    offset: int
    next_offset: int | None = Field(description="The offset of the next page; null on the last.")
    years: list[int] = Field(description="Every year with published results (for navigation).")
    publisher: str = Field(description="The publishing body.")
    published_on: date | None = Field(description="The latest publication day among these.")
    objection_days: int = Field(description="The 公示期 in days from publication.")
    objections_until: date | None = Field(
        description="The last day objections are received for the latest publication."
    )
    contact: str | None = Field(description="Where objections go.")
