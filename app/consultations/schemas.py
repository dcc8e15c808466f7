"""Wire schemas for consultations and issued opinions."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Self
from uuid import UUID

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from app.cadres.schemas import ValidIdNumber
from app.consultations.workflow import Action, State
from app.domain.enums import Purpose
from app.domain.labels import labeled
from app.dossiers.service import Dossier
from app.schemas import InputModel, IsoDate, ReadModel
from app.vetting.schemas import Decision

Reason = Annotated[str, Field(min_length=2, max_length=2000)]


@labeled({"no_objection": "无异议", "objection": "有异议", "defer": "暂缓"})
class Recommendation(StrEnum):
    NO_OBJECTION = "no_objection"
    OBJECTION = "objection"
    DEFER = "defer"


@labeled({"html": "网页（HTML）", "pdf": "PDF 文件"})
class DocumentFormat(StrEnum):
    """The forms an issued opinion letter is served in."""

    HTML = "html"
    PDF = "pdf"


class ConsultationRequest(InputModel):
    cadre_id: UUID | None = Field(default=None, description="The candidate (or id_number).")
    id_number: ValidIdNumber | None = None
    proposed_org_unit_id: UUID = Field(description="Where the post is (a key SOE, or any unit).")
    proposed_title: Annotated[str, Field(min_length=1, max_length=200)] = Field(examples=["董事长"])
    requesting_unit: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        examples=["中共泸州市委组织部"], description="The organisation department or SASAC."
    )
    requesting_org_unit_id: UUID | None = None
    letter_reference: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None, examples=["泸委组函〔2026〕8号"]
    )
    reply_by: IsoDate | None = Field(default=None, description="When the reply is due.")
    as_of: IsoDate | None = Field(
        default=None, description="The day the appointment is considered for; default today."
    )
    purpose: Purpose | None = Field(
        default=None,
        description="The vetting purpose; default soe_head_appointment for a key SOE, else "
        "appointment.",
    )

    @model_validator(mode="after")
    def one_candidate(self) -> Self:
        if (self.cadre_id is None) == (self.id_number is None):
            raise PydanticCustomError(
                "consultation",
                "{field}: {message}",
                {"field": "cadre_id", "message": "give exactly one of cadre_id or id_number"},
            )
        return self


class IssueRequest(InputModel):
    issuing_org_unit_id: UUID = Field(description="The safety department issuing the opinion.")
    recommendation: Recommendation | None = Field(
        default=None, description="Omit to keep the draft; a different one needs a reason."
    )
    override_reason: Reason | None = None
    conclusion: Annotated[str, Field(min_length=1, max_length=2000)] | None = Field(
        default=None, description="Words added to the conclusion."
    )
    copies_to: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=20, description="抄送机关."
    )
    validity_days: int | None = Field(default=None, ge=1, le=730)


class ReasonRequest(InputModel):
    reason: Reason


class CloseRequest(InputModel):
    appointed_on: IsoDate = Field(description="The day the candidate was appointed.")
    note: Annotated[str, Field(max_length=2000)] | None = None


class DraftReason(BaseModel):
    rule_id: str
    effect: str
    basis: str
    message_zh: str
    message_en: str
    blocks_until: date | None


class Draft(ReadModel):
    recommendation: Recommendation
    reasons: list[DraftReason]
    decision_id: UUID
    drafted_at: datetime
    outdated: bool = Field(
        description="A record about the candidate changed after the draft: redraft first."
    )


class Opinion(ReadModel):
    recommendation: Recommendation
    override_reason: str | None
    document_number: str
    issuing_org_unit_id: UUID
    issued_at: datetime
    valid_until: date
    content_sha256: str


class Consultation(ReadModel):
    id: UUID
    state: State
    cadre_id: UUID
    candidate_name: str | None
    proposed_org_unit_id: UUID
    proposed_title: str
    purpose: str
    requesting_unit: str
    requesting_org_unit_id: UUID | None
    letter_reference: str | None
    reply_by: date | None
    overdue: bool = Field(description="Past reply_by and not yet issued.")
    requested_at: datetime
    draft: Draft | None
    opinion: Opinion | None
    state_reason: str | None
    state_changed_at: datetime
    superseded_by: UUID | None
    supersedes: UUID | None


class ConsultationPage(BaseModel):
    items: list[Consultation]
    total: int
    limit: int
    offset: int


class ConsultationFilters(InputModel):
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=1_000_000)
    state: State | None = None
    cadre_id: UUID | None = None
    requesting_unit: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    due_before: date | None = Field(default=None, description="reply_by on or before this day.")
    overdue: bool | None = Field(default=None, description="Past reply_by and not issued.")


class Transition(ReadModel):
    seq: int
    action: Action
    from_state: State | None
    to_state: State
    reason: str | None
    at: datetime
    by_client: UUID | None


class ConsultationDossier(BaseModel):
    dossier: Dossier
    decision: Decision


class Verification(BaseModel):
    genuine: bool
    valid_now: bool = Field(description="Genuine, issued, not revoked, stale or past validity.")
    state: State | None = None
    document_number: str | None = None
    issuing_unit: str | None = None
    issued_on: date | None = None
    valid_until: date | None = None
    recommendation: Recommendation | None = None
    content_sha256: str | None = None
    detail: str
