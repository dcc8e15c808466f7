"""Accountability cases (问责): one of the five circumstances, one or more of the eight methods,
sanction grades, leniency (including 尽职免责), referral and criminal penalty."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.context import Context
from app.domain.enums import (
    AdminSanction,
    CaseStatus,
    Circumstance,
    DutyWording,
    Leniency,
    Method,
    PartySanction,
)
from app.errors import Unprocessable
from app.models import Accident, AccountabilityCase, Post
from app.records import duty_catalogue, references
from app.records.filters import CadreFilters
from app.records.kind import RecordKind, Values, default_to_input
from app.schemas import InputModel, IsoDate, RecordMeta, ShortText


def _error(field: str, message: str) -> PydanticCustomError:
    return PydanticCustomError("case", "{field}: {message}", {"field": field, "message": message})


class DutyBreachIn(InputModel):
    duty_code: Annotated[str, Field(min_length=1, max_length=60, examples=["central.5.2"])] = Field(
        description="A duty code of the post's duty list (GET /v1/rulebooks/{id}/duties)."
    )
    post_id: UUID | None = Field(
        default=None, description="The post that carried the duty; default: the case's post_id."
    )


class DutyBreachRead(BaseModel):
    post_id: UUID
    duty_code: str
    list_id: str
    item: int
    citation_zh: str = Field(description="The article and item, e.g. 《…》第五条第（二）项.")
    text_zh: str
    text_en: str
    wording: DutyWording
    rulebook_id: str
    rulebook_version: str


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
    breached_duties: Annotated[list[DutyBreachIn], Field(max_length=50)] = Field(
        default_factory=list,
        description="The duties not performed (履职不到位), each of a post of this cadre: the "
        "finding and the opinion letter cite their article and item. Checked against the duty "
        "list the post carried on the accident's day or, without an accident, on opened_on.",
    )

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
    breached_duties: list[DutyBreachRead]


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
    accident = None
    if values["accident_id"] is not None:
        accident = await references.live_record(
            session, ctx.principal, Accident, values["accident_id"], "accident_id", "accident"
        )
    case_post = None
    if values["post_id"] is not None:
        case_post = await _own_post(session, ctx, values, values["post_id"], "post_id")
    columns = {**case_columns(values), "breached_duties": []}
    named = values.get("breached_duties") or []
    if named:
        posts: list[tuple[Post, str]] = []
        for n, entry in enumerate(named):
            post_id = entry.get("post_id") or values["post_id"]
            if post_id is None:
                raise Unprocessable(
                    "A duty named needs the post that carried it.",
                    errors=[
                        (f"body.breached_duties[{n}].post_id", "needed: the case has no post_id")
                    ],
                )
            post = (
                case_post
                if case_post is not None and post_id == case_post.id
                else (
                    await _own_post(session, ctx, values, post_id, f"breached_duties[{n}].post_id")
                )
            )
            posts.append((post, entry["duty_code"]))
        day = (
            clock.local_date(accident.occurred_at) if accident is not None else values["opened_on"]
        )
        columns["breached_duties"] = await duty_catalogue.check_duties(
            session, posts, day, "body.breached_duties"
        )
    return columns


async def _own_post(
    session: AsyncSession, ctx: Context, values: Values, post_id: UUID, field: str
) -> Post:
    post: Post = await references.live_record(session, ctx.principal, Post, post_id, field, "post")
    if post.cadre_id != values["cadre_id"]:
        raise Unprocessable(
            "The post named belongs to another cadre.",
            errors=[(f"body.{field}", "not a post of this cadre")],
        )
    return post


def case_columns(values: Values) -> Values:
    """Validated input → column values (named duties: see prepare_case)."""
    return {**values, "methods": [m.value for m in values["methods"]]}


def case_input(row: Any) -> Values:
    """A stored case as create input (for amendments): its duties by code and post."""
    values = default_to_input(ACCOUNTABILITY_CASES, row)
    values["breached_duties"] = [
        {"duty_code": d["duty_code"], "post_id": d["post_id"]} for d in row.breached_duties or []
    ]
    return values


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
    to_input=case_input,
    on_revoke={"status": CaseStatus.REVOKED},
)
