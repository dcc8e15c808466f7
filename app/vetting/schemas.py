"""Wire schemas for vetting checks, batches, decisions, replay, eligibility and rulebooks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from app.cadres.schemas import ValidIdNumber
from app.domain.enums import (
    DutyWording,
    Effect,
    OrgUnitKind,
    Outcome,
    Purpose,
    SafetyRole,
    SeedSystem,
)
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
        default=None,
        description="Rulebook id, to apply that rulebook (its version in force on `as_of`). "
        "Default: the rulebook of the target post's jurisdiction, else of the client's, else "
        "the service's fallback (see `rulebook.resolved_by` in the decision).",
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


class LayerRefOut(BaseModel):
    id: str
    version: str
    sha256: str = Field(description="SHA-256 of this layer's exact TOML text.")


class ResolvedBy(BaseModel):
    """Why this rulebook governed the decision."""

    basis: Literal["requested", "target_org_unit", "client_jurisdiction", "fallback"] = Field(
        description="The rulebook asked for by id; else the target post's org unit's "
        "jurisdiction; else the requesting client's; else the deployment's fallback."
    )
    basis_zh: str
    org_unit_id: UUID | None = Field(
        description="The org unit whose division code chose the rulebook (walking up from the "
        "target post's unit or the client's)."
    )
    division_code: str | None
    rulebook_id: str = Field(
        description="The jurisdiction's rulebook; on `as_of` its version in force, or its "
        "parent's when its own was not yet in force, is `id`/`version` above."
    )
    message_zh: str
    message_en: str


class RulebookRefOut(BaseModel):
    id: str
    version: str
    sha256: str = Field(
        description="SHA-256 of the exact text applied: the layer's TOML, or for a layered "
        "rulebook the envelope of all its layers' texts (root first)."
    )
    layers: list[LayerRefOut] = Field(
        default_factory=list,
        description="For a layered rulebook, every layer applied, root (national) first.",
    )
    resolved_by: ResolvedBy | None = Field(
        default=None, description="Why this rulebook governed the decision (absent on replay)."
    )


class TraceText(BaseModel):
    zh: str
    en: str


class TraceRecord(BaseModel):
    record_kind: str
    record_id: UUID


class TraceParameter(BaseModel):
    name: str = Field(
        description="`period` (for this purpose), `period.months` (a dated "
        "change of its length) or `settings.<name>`."
    )
    value: Any
    effective_from: date = Field(
        description="Since when the value holds: the effective date of the layer that stated "
        "it, or of the dated change."
    )
    stated_in: str = Field(description="The rulebook (layer) that stated the value.")
    basis: str = Field(description="The citation of the value.")


class TraceRule(BaseModel):
    rule_id: str
    fired: bool
    status: Literal[
        "fired",
        "rules_not_in_force",
        "not_in_rulebook",
        "not_for_purpose",
        "switched_off",
        "no_records",
        "conditions_not_met",
    ]
    reason: TraceText = Field(description="Why it fired or did not.")
    condition: TraceText = Field(description="When the rule fires.")
    effect: Effect | None
    basis: str | None = Field(description="The rule's citation (none when not in the rulebook).")
    findings: list[int] = Field(description="Indexes of its findings in the decision.")
    facts_read: list[TraceRecord] = Field(
        description="The records it read, as known at the decision's known_at."
    )
    parameters: list[TraceParameter]


class TraceRulebook(BaseModel):
    id: str
    version: str
    sha256: str
    effective_from: date
    effective_until: date | None
    period_basis: str


class Trace(BaseModel):
    """Every rule the engine knows, for one decision: fired or why not, what it read."""

    format: Literal["vetting-trace/1"]
    decision_id: UUID | None = None
    purpose: Purpose
    as_of: date
    known_at: datetime
    rulebook: TraceRulebook
    fired: int
    rules: list[TraceRule]


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
    trace: Trace | None = Field(default=None, description="With `?trace=true` on a check.")


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


class TraceDifference(BaseModel):
    rule_id: str
    before: str | None = Field(description="The rule's trace status in the stored decision.")
    after: str | None = Field(description="Its status on replay.")
    parameters_changed: bool = Field(description="A period or setting it reads changed.")


class ReplayResult(BaseModel):
    decision_id: UUID
    identical: bool
    differences: list[Difference]
    trace_differences: list[TraceDifference] = Field(
        description="Rules whose trace differs (fired or why not, parameters, citation)."
    )
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


class RulebookVersionOut(BaseModel):
    version: str
    effective_from: date
    effective_until: date | None
    sha256: str = Field(description="SHA-256 of this version's exact TOML text (the layer).")


class RulebookSummary(BaseModel):
    id: str
    version: str = Field(description="The latest version.")
    title: str
    jurisdiction: str
    division_code: str | None = Field(
        description="The GB/T 2260 division whose org units it governs (none: national)."
    )
    extends: str | None = Field(description="The rulebook it is a layer over.")
    effective_from: date
    effective_until: date | None
    sha256: str = Field(description="SHA-256 of the latest version over its parents' latest.")
    default: bool = Field(description="The deployment's fallback rulebook.")
    rules: int
    versions: list[RulebookVersionOut] = Field(description="Every version, oldest first.")


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
    division_code: str | None
    extends: str | None
    layers: list[LayerRefOut]
    period_basis: str
    citations: dict[str, str]
    settings: dict[str, Any]
    rules: list[RuleOut]


# --- duty lists (职责清单) -----------------------------------------------------------------------


class DutyText(BaseModel):
    zh: str
    en: str = Field(description="An English gist, not a translation.")


class DutyOut(BaseModel):
    code: str = Field(description="Stable code, e.g. central.5.2 (central 规定 Art. 5 item 2).")
    item: int = Field(description="The item's number in the article; 0 = the article as a whole.")
    item_zh: str | None = Field(description="（二） — the item as the text numbers it.")
    text: DutyText
    wording: DutyWording = Field(
        description="verbatim: the article's wording; gist: our summary of the item."
    )


class DutyReferenceOut(BaseModel):
    unit_kind: OrgUnitKind
    follows: list[OrgUnitKind]
    basis: str


class StatedIn(BaseModel):
    layer: str = Field(description="The rulebook layer (id) that stated it.")
    effective_from: date = Field(description="That layer's effective date.")


class DutyListOut(BaseModel):
    list_id: str
    title: DutyText
    basis: str = Field(description="The article that lists the duties.")
    citation: str = Field(description="The citation key of `basis` in the rulebook.")
    unit_kinds: list[OrgUnitKind]
    roles: list[SafetyRole]
    duties: list[DutyOut]
    stated_in: StatedIn | None = Field(
        default=None, description="The layer that last stated this list (none: a single text)."
    )


class CarriedListOut(DutyListOut):
    by_reference: DutyReferenceOut | None = Field(
        description="Set when the post's kind of unit follows another kind's lists (参照执行)."
    )


class RulebookOfDay(BaseModel):
    id: str
    version: str


class DutySegment(BaseModel):
    """A stretch of a tenure under one version of the rules, and the duty lists it gave."""

    start: date = Field(description="First day of the stretch.")
    until: date | None = Field(description="Last day (inclusive); null: the post is still held.")
    rulebook: RulebookOfDay
    in_force: bool = Field(description="False before any rules were in force: no duties then.")
    duty_lists: list[CarriedListOut]


class RulebookDuties(BaseModel):
    rulebook: RulebookRefOut
    as_of: date | None
    in_force: bool = Field(description="False before the rulebook took effect: no duties then.")
    duty_lists: list[DutyListOut]
    duty_references: list[DutyReferenceOut]
    carried: list[CarriedListOut] | None = Field(
        description="With role and unit_kind: the lists such a post carries (else null)."
    )


# --- publishing rulebook versions ---------------------------------------------------------------


class RulebookSubmit(InputModel):
    text: str = Field(
        min_length=1,
        max_length=1_000_000,
        description="The version's exact TOML text (a whole rulebook, or a layer that "
        "`extends` one: see the shipped files and `GET /v1/rulebooks/{id}`). Its sha256 is "
        "what decisions will record.",
    )
    reason: str = Field(min_length=1, max_length=2000, description="Why this version (logged).")


class RulebookActivate(InputModel):
    reason: str = Field(min_length=1, max_length=2000, description="Why now (logged).")
    effective_from: IsoDate | None = Field(
        default=None,
        description="Confirms the version's effective date, which is part of its text: a "
        "different date is refused (submit a version stating it).",
    )


class RulebookVersionStatus(BaseModel):
    rulebook_id: str
    version: str
    extends: str | None
    division_code: str | None
    effective_from: date
    effective_until: date | None
    sha256: str = Field(description="SHA-256 of the version's exact text.")
    status: Literal["shipped", "active", "candidate", "compared"] = Field(
        description="shipped with the service; activated through the API; submitted, not "
        "yet active."
    )
    submitted_at: datetime | None = None
    reason: str | None = None
    activated_at: datetime | None = None
    activation_reason: str | None = None


class ImpactRequest(InputModel):
    population: Literal["recent_decisions", "all_cadres"] = Field(
        default="recent_decisions",
        description="Every cadre, purpose and target post with a decision since `since`, or "
        "every cadre of the record for every purpose but soe_head_appointment.",
    )
    since: IsoDate | None = Field(
        default=None, description="For recent_decisions: default one year before today."
    )
    as_of: IsoDate | None = Field(
        default=None,
        description="The day to evaluate: default today, or the candidate's effective date "
        "if later.",
    )
    limit: int = Field(default=10_000, ge=1, le=100_000, description="Items at most.")


class ImpactOutcome(BaseModel):
    outcome: Outcome
    eligible_from: date | None


class ImpactChange(BaseModel):
    cadre_id: UUID
    purpose: Purpose
    target_org_unit_id: UUID | None
    rulebook_id: str = Field(description="The rulebook the decision is governed by.")
    current: ImpactOutcome
    candidate: ImpactOutcome
    outcome_changed: bool
    eligible_from_changed: bool
    rules: list[str] = Field(description="The rules whose findings differ.")


class ImpactMove(BaseModel):
    current: Outcome
    candidate: Outcome
    count: int


class ImpactCounts(BaseModel):
    evaluated: int
    unchanged: int
    changed: int
    outcome_changed: int
    eligible_from_changed: int
    by_outcome: list[ImpactMove]


class ImpactPopulation(BaseModel):
    kind: Literal["recent_decisions", "all_cadres"]
    since: date
    items: int


class ImpactReport(BaseModel):
    rulebook_id: str
    candidate: RulebookVersionStatus
    as_of: date
    known_at: datetime
    population: ImpactPopulation
    truncated: bool = Field(description="The population had more items than `limit`.")
    counts: ImpactCounts
    changes: list[ImpactChange]


class FieldChange(BaseModel):
    key: str
    before: Any = None
    after: Any = None


class RuleChange(BaseModel):
    rule_id: str
    fields: list[FieldChange]


class DutyListChange(BaseModel):
    list_id: str
    change: Literal["added", "removed", "changed"]
    duties_added: list[str]
    duties_removed: list[str]
    duties_changed: list[str] = Field(description="Codes whose item, text or wording changed.")
    fields: list[FieldChange] = Field(description="The list's other fields that changed.")


class RulebookDiff(BaseModel):
    rulebook_id: str
    from_: RulebookVersionStatus = Field(alias="from")
    to: RulebookVersionStatus
    header: list[FieldChange]
    rules_added: list[str]
    rules_removed: list[str]
    rules_changed: list[RuleChange]
    settings: list[FieldChange]
    citations: list[FieldChange]
    duty_lists: list[DutyListChange] = Field(
        description="Duty lists (职责清单) added, removed or changed, with the duties concerned."
    )
    duty_references: list[FieldChange] = Field(
        description="参照执行 references changed, keyed by unit kind."
    )
    text_diff: list[str] = Field(description="Unified diff of the two versions' own texts.")
