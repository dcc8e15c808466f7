"""Accountability cases (问责): one of the five circumstances, one or more of the eight methods,
sanction grades, leniency (including 尽职免责), referral and criminal penalty."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import Context
from app.domain.enums import (
    AdminSanction,
    CaseStatus,
    Circumstance,
    Leniency,
    Method,
    PartySanction,
)
from app.errors import Unprocessable
from app.models import Accident, AccountabilityCase, Post
from app.records import references
from app.records.filters import CadreFilters
from app.records.kind import RecordKind, Values
from app.schemas import InputModel, IsoDate, RecordMeta, ShortText


def _error(field: str, message: str) -> PydanticCustomError:
    return PydanticCustomError("case", "{field}: {message}", {"field": field, "message": message})


class CaseCreate(InputModel):
    cadre_id: UUID
    circumstance: Circumstance
    accident_id: UUID | None = Field(default=None, description="The accident it concerns.")
    post_id: UUID | None = Field(
        default=None, description="The post the decision names; derived from dates when empty."
    )
    status: Literal[CaseStatus.UNDER_INVESTIGATION, CaseStatus.DECIDED] = Field(
        description="under_investigation or decided (revocation is its own operation)."
    )
    opened_on: IsoDate = Field(description="When the accountability procedure began.")
    decision_date: IsoDate | None = None
    authority: ShortText | None = Field(default=None, examples=["中共泸州市纪律检查委员会"])
    document_number: Annotated[str, Field(max_length=100)] | None = None
    methods: list[Method] = Field(default_factory=list)
    party_sanction: PartySanction | None = None
    party_probation_months: Literal[12, 24] | None = None
    admin_sanction: AdminSanction | None = None
    suspension_months: Annotated[int, Field(ge=1, le=24, strict=True)] | None = None
    leniency: Leniency | None = None
    referred_to_supervisory_commission: bool = False
    criminal_penalty: bool = False
    criminal_penalty_completed_on: IsoDate | None = None
    summary: Annotated[str, Field(max_length=20000)] | None = None

    @model_validator(mode="after")
    def consistent(self) -> Self:
        self._check_decision()
        self._check_methods()
        self._check_sanctions()
        if self.criminal_penalty_completed_on is not None and not self.criminal_penalty:
            raise _error("criminal_penalty_completed_on", "needs criminal_penalty true")
        return self

    def _check_decision(self) -> None:
        decided = self.status == CaseStatus.DECIDED
        if decided and (self.decision_date is None or self.authority is None):
            raise _error("decision_date", "a decided case needs decision_date and authority")
        if not decided and (self.decision_date is not None or self.methods):
            raise _error("status", "a case under investigation has no decision_date or methods")
        if self.decision_date is not None and self.decision_date < self.opened_on:
            raise _error("decision_date", "must not be before opened_on")

    def _check_methods(self) -> None:
        if len(set(self.methods)) != len(self.methods):
            raise _error("methods", "lists a method twice")
        exempted = self.leniency is Leniency.EXEMPTED
        if exempted and self.methods:
            raise _error("methods", "an exempted cadre (尽职免责) is not held accountable")
        if self.status == CaseStatus.DECIDED and not exempted and not self.methods:
            raise _error("methods", "a decided case needs at least one method")
        suspended = Method.SUSPENSION in self.methods
        if suspended != (self.suspension_months is not None):
            raise _error("suspension_months", "is required exactly when suspension is a method")

    def _check_sanctions(self) -> None:
        sanctioned = self.party_sanction is not None or self.admin_sanction is not None
        if (Method.SANCTION in self.methods) != sanctioned:
            raise _error("methods", "sanction needs a party_sanction or admin_sanction, and back")
        probation = self.party_sanction is PartySanction.PROBATION
        if probation != (self.party_probation_months is not None):
            raise _error("party_probation_months", "is required exactly for probation (12 or 24)")


class CaseRead(RecordMeta):
    cadre_id: UUID
    circumstance: Circumstance
    accident_id: UUID | None
    post_id: UUID | None
    status: CaseStatus
    opened_on: date
    decision_date: date | None
    authority: str | None
    document_number: str | None
    methods: list[Method]
    party_sanction: PartySanction | None
    party_probation_months: int | None
    admin_sanction: AdminSanction | None
    suspension_months: int | None
    leniency: Leniency | None
    referred_to_supervisory_commission: bool
    criminal_penalty: bool
    criminal_penalty_completed_on: date | None
    summary: str | None


class CaseFilters(CadreFilters):
    circumstance: Circumstance | None = None
    status: CaseStatus | None = None
    accident_id: UUID | None = None
    methods_contains: Method | None = Field(default=None, description="Cases using this method.")
    decision_date_from: date | None = None
    decision_date_to: date | None = None


async def prepare_case(session: AsyncSession, ctx: Context, values: Values) -> Values:
    await references.cadre(session, ctx.principal, values["cadre_id"])
    if values["accident_id"] is not None:
        await references.live_record(
            session, ctx.principal, Accident, values["accident_id"], "accident_id", "accident"
        )
    if values["post_id"] is not None:
        post = await references.live_record(
            session, ctx.principal, Post, values["post_id"], "post_id", "post"
        )
        if post.cadre_id != values["cadre_id"]:
            raise Unprocessable(
                "The post named belongs to another cadre.",
                errors=[("body.post_id", "not a post of this cadre")],
            )
    return case_columns(values)


def case_columns(values: Values) -> Values:
    """Validated input → column values."""
    return {**values, "methods": [m.value for m in values["methods"]]}


ACCOUNTABILITY_CASES = RecordKind(
    name="accountability_case",
    plural="accountability-cases",
    title="Accountability case",
    title_zh="问责",
    model=AccountabilityCase,
    create=CaseCreate,
    read=CaseRead,
    filters=CaseFilters,
    identity=("cadre_id",),
    order_by=("-opened_on",),
    prepare=prepare_case,
    on_revoke={"status": CaseStatus.REVOKED},
)
