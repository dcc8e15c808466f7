"""Wire schemas for vetting checks, batches, decisions, replay, eligibility and rulebooks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from app.cadres.schemas import ValidIdNumber
from app.domain.enums import Effect, Outcome, Purpose, SafetyRole, SeedSystem
from app.errors import Problem
from app.schemas import AwareDatetime, InputModel, IsoDate

MAX_BATCH = 10_000


class CheckRequest(InputModel):
    """One question: can this cadre be used for this purpose on this day?"""

    cadre_id: UUID | None = Field(default=None, description="The cadre (or give id_number).")
    id_number: ValidIdNumber | None = Field(default=None, description="Or the ID number.")
    purpose: Purpose
    as_of: IsoDate | None = Field(default=None, description="Valid time; default today.")
    known_at: AwareDatetime | None = Field(
        default=None, description="Decide on the record as known at this time; default now."
    )
    target_org_unit_id: UUID | None = Field(
        default=None,
        description="The post's org unit; required for soe_head_appointment (a key SOE).",
    )
    rulebook: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="Rulebook id; default the service's default rulebook."
    )

    @model_validator(mode="after")
    def one_candidate(self) -> Self:
        if (self.cadre_id is None) == (self.id_number is None):
            raise PydanticCustomError(
                "check",
                "{field}: {message}",
                {"field": "cadre_id", "message": "give exactly one of cadre_id or id_number"},
            )
        return self


BatchKey = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")]


class BatchRequest(InputModel):
    items: dict[BatchKey, CheckRequest] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description=f"Up to {MAX_BATCH} checks, keyed by the caller's own identifiers.",
    )


class PostRefOut(BaseModel):
    post_id: UUID
    org_unit_id: UUID
    org_unit_name: str
    title: str
    safety_role: SafetyRole


class EvidenceOut(BaseModel):
    record_kind: str | None = Field(description="e.g. accountability_case, assessment, accident.")
    record_id: UUID | None
    post: PostRefOut | None = Field(description="The post the cadre held then.")


class Bilingual(BaseModel):
    zh: str
    en: str


class FindingOut(BaseModel):
    rule_id: str = Field(examples=["veto.one_vote"])
    effect: Effect
    system: SeedSystem = Field(description="Which of the seed's systems the rule enforces.")
    basis: str = Field(description="Legal basis (Chinese citation).")
    blocks_from: date | None
    blocks_until: date | None = Field(description="Last blocked day; null = open-ended.")
    in_force: bool = Field(description="The period covers as_of; only these decide the outcome.")
    evidence: EvidenceOut
    message: Bilingual
    labels: dict[str, str] = Field(description="Chinese labels of effect and system.")


class RulebookRefOut(BaseModel):
    id: str
    version: str
    sha256: str


class Decision(BaseModel):
    decision_id: UUID
    cadre_id: UUID
    purpose: Purpose
    as_of: date
    known_at: datetime
    evaluated_at: datetime
    outcome: Outcome
    eligible_from: date | None = Field(
        description="Earliest day every time-limited block has ended; null if a block is "
        "permanent or the outcome is pending."
    )
    findings: list[FindingOut]
    rulebook: RulebookRefOut
    facts_sha256: str
    target_org_unit_id: UUID | None = None
    labels: dict[str, str] = Field(description="Chinese labels of purpose and outcome.")


class BatchResult(BaseModel):
    batch_id: UUID
    results: dict[str, Decision | Problem] = Field(
        description="By the caller's key: a decision, or a problem for that item alone."
    )
    summary: dict[str, int] = Field(description="Counts by outcome, and of problems.")


class ReplayRequest(InputModel):
    rulebook: Literal["stored", "current"] = Field(
        default="stored",
        description="Replay with the rulebook text the decision used, or with today's version.",
    )


class Difference(BaseModel):
    path: str
    before: Any = None
    after: Any = None


class ReplayResult(BaseModel):
    decision_id: UUID
    identical: bool
    differences: list[Difference]
    stored_rulebook: RulebookRefOut
    replayed_with: RulebookRefOut
    current_rulebook: RulebookRefOut | None = Field(
        description="Today's version of the same rulebook id, if it still ships."
    )
    rulebook_changed: bool = Field(
        description="The rulebook has a newer text than the one the decision used."
    )


class EligibilityEntry(BaseModel):
    outcome: Outcome
    eligible_from: date | None
    decision_id: UUID
    findings: int = Field(description="How many findings the decision carries.")


class Eligibility(BaseModel):
    cadre_id: UUID
    as_of: date
    known_at: datetime
    purposes: dict[Purpose, EligibilityEntry]
    not_evaluated: dict[Purpose, str] = Field(
        default_factory=dict, description="Purposes that need more input, and why."
    )


class RulebookSummary(BaseModel):
    id: str
    version: str
    title: str
    jurisdiction: str
    effective_from: date
    effective_until: date | None
    sha256: str
    default: bool
    rules: int


class MonthsChangeOut(BaseModel):
    effective_from: date = Field(description="Periods that start counting on or after this day.")
    months: int
    basis: str = Field(description="The citation (a key of the rulebook's citations).")


class PeriodOut(BaseModel):
    kind: str
    months: int | None = Field(
        default=None, description="The length; before the first change when there are changes."
    )
    years_after: int | None = None
    changes: list[MonthsChangeOut] | None = Field(
        default=None,
        description="Later lengths, each with its date and citation: a period takes the length "
        "in force on the day it starts counting (a change never alters a running period).",
    )


class BlockOut(BaseModel):
    purposes: list[Purpose]
    period: PeriodOut


class RuleOut(BaseModel):
    rule_id: str
    title: Bilingual
    effect: Effect
    effect_zh: str
    system: SeedSystem
    system_zh: str
    basis: str
    citations: list[str]
    blocks: list[BlockOut]
    message_templates: Bilingual


class RulebookDetail(BaseModel):
    id: str
    version: str
    title: str
    jurisdiction: str
    effective_from: date
    effective_until: date | None
    sha256: str
    period_basis: str
    citations: dict[str, str]
    settings: dict[str, Any]
    rules: list[RuleOut]
