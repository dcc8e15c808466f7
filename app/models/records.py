"""The lifetime record: posts, assessments, accidents, accountability cases, commendations,
contributions, cadre investigations, inspections and supervision items. All versioned."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.enums import (
    AccidentLevel,
    AdminSanction,
    AssessmentKind,
    AssessmentSubject,
    CaseStatus,
    Circumstance,
    CommendationBasis,
    CommendationKind,
    Industry,
    InvestigationResult,
    InvestigationStatus,
    Leniency,
    PartySanction,
    PositionKind,
    Purpose,
    SafetyRole,
    UnitGrade,
)
from app.models.base import Base
from app.models.types import Versioned, enum_type, record_id_index, tstz

_FIRST = text("version = 1")


def _cadre_fk() -> Mapped[UUID]:
    """The distribution column of a cadre's record: its primary key leads with it (no index of
    its own)."""
    return mapped_column(ForeignKey("cadres.id"))


def _unit_fk(index: bool = False) -> Mapped[UUID]:
    """The distribution column of a unit's record (its primary key leads with it); `index` for
    a record keyed otherwise (a post: by its cadre)."""
    return mapped_column(ForeignKey("org_units.id"), index=index)


class Post(Versioned, Base):
    __tablename__ = "posts"
    __table_args__ = (
        record_id_index("posts"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_not_before_start"),
    )

    cadre_id: Mapped[UUID] = _cadre_fk()
    org_unit_id: Mapped[UUID] = _unit_fk(index=True)
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[PositionKind] = mapped_column(enum_type(PositionKind))
    safety_role: Mapped[SafetyRole] = mapped_column(enum_type(SafetyRole))
    team_rank: Mapped[int | None] = mapped_column(SmallInteger)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)


class Assessment(Versioned, Base):
    __tablename__ = "assessments"
    __table_args__ = (
        record_id_index("assessments"),
        # Each with the distribution column last (it equals the subject's id: the same keys).
        Index(
            "uq_assessments_cadre_kind_year",
            "cadre_id",
            "kind",
            "year",
            "subject_id",
            unique=True,
            postgresql_where=text("version = 1 AND cadre_id IS NOT NULL"),
        ),
        Index(
            "uq_assessments_unit_kind_year",
            "org_unit_id",
            "kind",
            "year",
            "subject_id",
            unique=True,
            postgresql_where=text("version = 1 AND org_unit_id IS NOT NULL"),
        ),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
        CheckConstraint(
            "(subject = 'cadre') = (cadre_id IS NOT NULL AND org_unit_id IS NULL)",
            name="one_subject",
        ),
    )

    subject: Mapped[AssessmentSubject] = mapped_column(enum_type(AssessmentSubject))
    cadre_id: Mapped[UUID | None] = mapped_column(ForeignKey("cadres.id"), index=True)
    org_unit_id: Mapped[UUID | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    # The distribution column (docs/partitioning.md): the cadre's or the unit's id, whichever
    # the assessment is of; computed, so every way of writing one (COPY included) fills it.
    subject_id: Mapped[UUID] = mapped_column(
        PG_UUID(as_uuid=True), Computed("coalesce(cadre_id, org_unit_id)", persisted=True)
    )
    kind: Mapped[AssessmentKind] = mapped_column(enum_type(AssessmentKind))
    year: Mapped[int] = mapped_column(SmallInteger)
    # A cadre grade (excellent/competent/basically_competent/incompetent) or a unit grade
    # (excellent/good/pass/fail), validated against the subject by the service.
    grade: Mapped[str] = mapped_column(String(24))
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    assessed_on: Mapped[date | None] = mapped_column(Date)
    published: Mapped[bool] = mapped_column(Boolean, server_default="false")
    notes: Mapped[str | None] = mapped_column(Text)
    # A cadre's grade may rest on a duty-performance record (履职评定).
    duty_performance_id: Mapped[UUID | None] = mapped_column(PG_UUID(as_uuid=True))


class Accident(Versioned, Base):
    __tablename__ = "accidents"
    __table_args__ = (
        record_id_index("accidents"),
        CheckConstraint(
            "deaths >= 0 AND serious_injuries >= 0 AND direct_loss_cny >= 0",
            name="non_negative_counts",
        ),
    )

    org_unit_id: Mapped[UUID] = _unit_fk()
    occurred_at: Mapped[datetime] = tstz()
    industry: Mapped[Industry] = mapped_column(enum_type(Industry))
    deaths: Mapped[int] = mapped_column(Integer)
    serious_injuries: Mapped[int] = mapped_column(Integer)
    direct_loss_cny: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    level: Mapped[AccidentLevel] = mapped_column(enum_type(AccidentLevel))
    reported_at: Mapped[datetime | None] = tstz()
    # Derived: reported more than one hour after the accident (迟报).
    reported_late: Mapped[bool] = mapped_column(Boolean)
    # Found by the investigation: omitted / false / concealed (漏报 / 谎报 / 瞒报).
    reporting_failures: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    investigation_status: Mapped[InvestigationStatus] = mapped_column(
        enum_type(InvestigationStatus)
    )
    concluded_on: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)


class AccountabilityCase(Versioned, Base):
    __tablename__ = "accountability_cases"
    __table_args__ = (
        record_id_index("accountability_cases"),
        CheckConstraint(
            "status <> 'decided' OR decision_date IS NOT NULL", name="decided_has_date"
        ),
    )

    cadre_id: Mapped[UUID] = _cadre_fk()
    circumstance: Mapped[Circumstance] = mapped_column(enum_type(Circumstance))
    accident_id: Mapped[UUID | None] = mapped_column(PG_UUID(as_uuid=True), index=True)
    post_id: Mapped[UUID | None] = mapped_column(PG_UUID(as_uuid=True))
    status: Mapped[CaseStatus] = mapped_column(enum_type(CaseStatus))
    opened_on: Mapped[date] = mapped_column(Date)
    decision_date: Mapped[date | None] = mapped_column(Date)
    authority: Mapped[str | None] = mapped_column(String(200))
    document_number: Mapped[str | None] = mapped_column(String(100))
    methods: Mapped[list[str]] = mapped_column(ARRAY(String(24)))
    party_sanction: Mapped[PartySanction | None] = mapped_column(enum_type(PartySanction))
    party_probation_months: Mapped[int | None] = mapped_column(SmallInteger)
    admin_sanction: Mapped[AdminSanction | None] = mapped_column(enum_type(AdminSanction))
    suspension_months: Mapped[int | None] = mapped_column(SmallInteger)
    leniency: Mapped[Leniency | None] = mapped_column(enum_type(Leniency))
    referred_to_supervisory_commission: Mapped[bool] = mapped_column(
        Boolean, server_default="false"
    )
    criminal_penalty: Mapped[bool] = mapped_column(Boolean, server_default="false")
    criminal_penalty_completed_on: Mapped[date | None] = mapped_column(Date)
    summary: Mapped[str | None] = mapped_column(Text)
    # The duties named as not performed, as the post carried them (app/records/duty_catalogue).
    breached_duties: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")


class Commendation(Versioned, Base):
    __tablename__ = "commendations"
    __table_args__ = (record_id_index("commendations"),)

    cadre_id: Mapped[UUID] = _cadre_fk()
    kind: Mapped[CommendationKind] = mapped_column(enum_type(CommendationKind))
    basis: Mapped[CommendationBasis] = mapped_column(enum_type(CommendationBasis))
    year: Mapped[int] = mapped_column(SmallInteger)
    awarded_on: Mapped[date] = mapped_column(Date)
    authority: Mapped[str | None] = mapped_column(String(200))
    document_number: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)


class Contribution(Versioned, Base):
    """A significant contribution to safety work (the seed's seven areas): a basis for a
    safety commendation."""

    __tablename__ = "contributions"
    __table_args__ = (record_id_index("contributions"),)

    cadre_id: Mapped[UUID] = _cadre_fk()
    area: Mapped[CommendationBasis] = mapped_column(enum_type(CommendationBasis))
    year: Mapped[int] = mapped_column(SmallInteger)
    achieved_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)


class CadreInvestigation(Versioned, Base):
    __tablename__ = "cadre_investigations"
    __table_args__ = (record_id_index("cadre_investigations"),)

    cadre_id: Mapped[UUID] = _cadre_fk()
    conducted_on: Mapped[date] = mapped_column(Date)
    purpose: Mapped[Purpose | None] = mapped_column(enum_type(Purpose))
    result: Mapped[InvestigationResult] = mapped_column(enum_type(InvestigationResult))
    notes: Mapped[str | None] = mapped_column(Text)
    # The duty-performance record (履职评定) the investigation relied on, if any.
    duty_performance_id: Mapped[UUID | None] = mapped_column(PG_UUID(as_uuid=True))


class Inspection(Versioned, Base):
    __tablename__ = "inspections"
    __table_args__ = (record_id_index("inspections"),)

    org_unit_id: Mapped[UUID] = _unit_fk()
    inspected_on: Mapped[date] = mapped_column(Date)
    inspecting_body: Mapped[str | None] = mapped_column(String(200))
    findings: Mapped[str] = mapped_column(Text)
    rating: Mapped[UnitGrade] = mapped_column(enum_type(UnitGrade))


class SupervisionItem(Versioned, Base):
    __tablename__ = "supervision_items"
    __table_args__ = (
        record_id_index("supervision_items"),
        CheckConstraint("due_on >= assigned_on", name="due_not_before_assigned"),
    )

    org_unit_id: Mapped[UUID] = _unit_fk()
    task: Mapped[str] = mapped_column(Text)
    assigned_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(Text)


class DutyPerformance(Versioned, Base):
    """How a cadre performed the duties of a post in a year (履职评定): per duty performed,
    partly or not, with evidence references; each entry keeps the duty as the post carried it."""

    __tablename__ = "duty_performances"
    __table_args__ = (record_id_index("duty_performances"),)

    cadre_id: Mapped[UUID] = _cadre_fk()
    post_id: Mapped[UUID] = mapped_column(PG_UUID(as_uuid=True), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    assessed_on: Mapped[date] = mapped_column(Date)
    authority: Mapped[str | None] = mapped_column(String(200))
    entries: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    notes: Mapped[str | None] = mapped_column(Text)


VERSIONED_TABLES = (
    "cadre_versions",
    "cadre_status_events",
    "posts",
    "assessments",
    "accidents",
    "accountability_cases",
    "commendations",
    "contributions",
    "cadre_investigations",
    "inspections",
    "supervision_items",
    "duty_performances",
)
