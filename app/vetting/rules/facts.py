"""Frozen facts about one cadre: everything the rules engine reads, as the service knew it at
`known_at`. Loaded by `app/vetting/facts_loader.py`; serialised (`snapshot.py`) into the
decision log so a decision can be replayed exactly.

The facts cover the cadre's whole life (终身追责): every post, whatever their current status,
and every record, including revoked ones (flagged) so the engine can say it ignored them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from app.domain.enums import (
    AccidentLevel,
    AdminSanction,
    AssessmentKind,
    CadreGrade,
    CadreStatus,
    CaseStatus,
    Circumstance,
    CommendationBasis,
    CommendationKind,
    Industry,
    InvestigationResult,
    InvestigationStatus,
    Leniency,
    Method,
    OrgUnitKind,
    OrgUnitLevel,
    PartySanction,
    PositionKind,
    Purpose,
    ReportingFailure,
    SafetyRole,
    UnitGrade,
)

# When several posts cover one day, the one that carries the most safety responsibility is the
# post "the cadre held then".
ROLE_PRIORITY = {
    SafetyRole.FIRST_RESPONSIBLE: 0,
    SafetyRole.SOE_PRINCIPAL: 1,
    SafetyRole.SAFETY_LEAD: 2,
    SafetyRole.ASSISTING_SAFETY_LEAD: 3,
    SafetyRole.TEAM_MEMBER: 4,
}


@dataclass(frozen=True)
class OrgUnitRef:
    id: UUID
    name: str
    kind: OrgUnitKind
    level: OrgUnitLevel
    is_key_soe: bool = False
    industry: Industry | None = None


@dataclass(frozen=True)
class PostFact:
    id: UUID
    org_unit: OrgUnitRef
    title: str
    position: PositionKind
    safety_role: SafetyRole
    team_rank: int | None
    start_date: date
    end_date: date | None  # inclusive last day; None = still held
    revoked: bool = False

    def covers(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


@dataclass(frozen=True)
class StatusEventFact:
    id: UUID
    status: CadreStatus
    effective_date: date
    revoked: bool = False


@dataclass(frozen=True)
class AssessmentFact:
    """An assessment of the cadre (annual, safety-duty, target, performance, term)."""

    id: UUID
    kind: AssessmentKind
    year: int
    grade: CadreGrade
    revoked: bool = False


@dataclass(frozen=True)
class UnitAssessmentFact:
    """A safety-work assessment of an org unit in which the cadre held a post."""

    id: UUID
    org_unit_id: UUID
    year: int
    grade: UnitGrade
    score: Decimal | None = None
    revoked: bool = False


@dataclass(frozen=True)
class AccidentFact:
    """An accident in an org unit in which the cadre held a post (at any time)."""

    id: UUID
    org_unit_id: UUID
    occurred_at: datetime
    occurred_on: date  # local (China Standard Time) calendar date of occurred_at
    industry: Industry
    level: AccidentLevel
    deaths: int
    serious_injuries: int
    direct_loss_cny: Decimal
    investigation_status: InvestigationStatus
    concluded_on: date | None = None
    reporting_failures: tuple[ReportingFailure, ...] = ()
    revoked: bool = False


@dataclass(frozen=True)
class DutyBreachFact:
    """A duty a case names as not performed: as the rulebook stated it when the case was
    recorded (article and item, text, whether the text is the article's wording)."""

    post_id: UUID
    duty_code: str
    item: int
    citation_zh: str
    text_zh: str
    text_en: str
    wording: str


@dataclass(frozen=True)
class CaseFact:
    """An accountability case (问责) against the cadre."""

    id: UUID
    circumstance: Circumstance
    status: CaseStatus
    opened_on: date
    decision_date: date | None = None
    authority: str | None = None
    document_number: str | None = None
    methods: tuple[Method, ...] = ()
    party_sanction: PartySanction | None = None
    party_probation_months: int | None = None
    admin_sanction: AdminSanction | None = None
    suspension_months: int | None = None
    leniency: Leniency | None = None
    criminal_penalty: bool = False
    criminal_penalty_completed_on: date | None = None
    referred_to_supervisory_commission: bool = False
    accident_id: UUID | None = None
    post_id: UUID | None = None  # the post named in the decision, when it names one
    duties: tuple[DutyBreachFact, ...] = ()  # the duties named as not performed (履职不到位)

    @property
    def revoked(self) -> bool:
        return self.status is CaseStatus.REVOKED


@dataclass(frozen=True)
class CommendationFact:
    id: UUID
    kind: CommendationKind
    basis: CommendationBasis
    year: int
    awarded_on: date
    revoked: bool = False


@dataclass(frozen=True)
class ContributionFact:
    """A recorded significant contribution to safety work in one of the seed's seven areas."""

    id: UUID
    area: CommendationBasis
    year: int
    achieved_on: date
    revoked: bool = False


@dataclass(frozen=True)
class CadreInvestigationFact:
    """The organisation department's pre-appointment investigation (干部考察)."""

    id: UUID
    conducted_on: date
    purpose: Purpose | None
    result: InvestigationResult
    revoked: bool = False


@dataclass(frozen=True)
class TargetPost:
    """The post the cadre is being vetted for (required for `soe_head_appointment`)."""

    org_unit: OrgUnitRef
    title: str | None = None


@dataclass(frozen=True)
class CadreFacts:
    cadre_id: UUID
    name: str
    birth_date: date
    known_at: datetime
    statuses: tuple[StatusEventFact, ...] = ()
    posts: tuple[PostFact, ...] = ()
    assessments: tuple[AssessmentFact, ...] = ()
    unit_assessments: tuple[UnitAssessmentFact, ...] = ()
    accidents: tuple[AccidentFact, ...] = ()
    cases: tuple[CaseFact, ...] = ()
    commendations: tuple[CommendationFact, ...] = ()
    contributions: tuple[ContributionFact, ...] = ()
    investigations: tuple[CadreInvestigationFact, ...] = ()
    target: TargetPost | None = None

    def status_on(self, day: date) -> CadreStatus:
        if not self.statuses:
            return CadreStatus.SERVING
        current = CadreStatus.SERVING
        for event in sorted(self.statuses, key=lambda e: e.effective_date):
            if not event.revoked and event.effective_date <= day:
                current = event.status
        return current

    def post_on(self, day: date, org_unit_id: UUID | None = None) -> PostFact | None:
        """The post held on `day` (in `org_unit_id` if given) carrying the most responsibility."""
        # min() over (priority, start) written out: the first of equally ranked posts wins.
        best: PostFact | None = None
        best_key: tuple[int, date] | None = None
        for p in self.posts:
            if p.revoked or day < p.start_date or (p.end_date is not None and p.end_date < day):
                continue
            if org_unit_id is not None and p.org_unit.id != org_unit_id:
                continue
            key = (ROLE_PRIORITY[p.safety_role], p.start_date)
            if best_key is None or key < best_key:
                best, best_key = p, key
        return best

    def post_by_id(self, post_id: UUID) -> PostFact | None:
        return next((p for p in self.posts if p.id == post_id), None)

    def accident_by_id(self, accident_id: UUID) -> AccidentFact | None:
        return next((a for a in self.accidents if a.id == accident_id), None)
