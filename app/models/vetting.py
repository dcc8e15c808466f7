"""The decision log: every vetting decision, immutable, with what it needs to be replayed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, LargeBinary, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSON
from sqlalchemy.orm import Mapped, mapped_column

from app.domain import compact
from app.domain.enums import Outcome, Purpose
from app.models.base import Base
from app.models.types import enum_type, tstz


class RulebookText(Base):
    """The exact text of every rulebook version a decision used, by its sha256."""

    __tablename__ = "rulebook_texts"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    rulebook_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(40))
    content: Mapped[str] = mapped_column(Text)
    first_used_at: Mapped[datetime] = tstz(server_default=func.now())


class RulebookSubmission(Base):
    """A rulebook version submitted through the API (a candidate): its exact text is in
    rulebook_texts under `sha256`. Append-only; activation is a separate, logged row."""

    __tablename__ = "rulebook_submissions"

    sha256: Mapped[str] = mapped_column(ForeignKey("rulebook_texts.sha256"), primary_key=True)
    rulebook_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(40))
    extends: Mapped[str | None] = mapped_column(String(100))
    effective_from: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(2000))
    submitted_at: Mapped[datetime] = tstz(server_default=func.now())
    submitted_by: Mapped[UUID | None] = mapped_column(ForeignKey("api_clients.id"))
    request_id: Mapped[str | None] = mapped_column(String(128))

    __table_args__ = (
        Index("uq_rulebook_submissions_version", "rulebook_id", "version", unique=True),
    )


class RulebookActivation(Base):
    """A submitted version put in force from its effective date: explicit, logged, append-only
    (every server loads the activated versions; decisions name the text they applied)."""

    __tablename__ = "rulebook_activations"

    sha256: Mapped[str] = mapped_column(ForeignKey("rulebook_submissions.sha256"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(2000))
    activated_at: Mapped[datetime] = tstz(server_default=func.now())
    activated_by: Mapped[UUID | None] = mapped_column(ForeignKey("api_clients.id"))
    request_id: Mapped[str | None] = mapped_column(String(128))


class FactsPart(Base):
    """A unit's history as the rules read it (its accidents and safety-work assessments as
    known at some time), stored once by its sha256 and referred to by every split snapshot of a
    cadre who served there (`app.vetting.rules.snapshot`). `content` is the part's canonical
    JSON in compact form (`app.domain.compact`); the digest is of the JSON."""

    __tablename__ = "facts_parts"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    first_seen_at: Mapped[datetime] = tstz(server_default=func.now())


class FactsSnapshot(Base):
    """The facts a decision was taken on (without their knowledge time), by their sha256:
    unchanged facts checked again share one snapshot. Kept whole (`facts`, the JSON as sent:
    decisions stored before facts parts existed, and facts drawn from no part), or split
    (`compact`: the cadre's own facts with references into the facts `parts` it names, in
    compact form); either way the digest is of the whole canonical JSON."""

    __tablename__ = "facts_snapshots"
    __table_args__ = (
        CheckConstraint("(facts IS NULL) = (compact IS NOT NULL)", name="one_form"),
        CheckConstraint("(compact IS NULL) = (parts IS NULL)", name="parts_with_compact"),
    )

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    # json, not jsonb: stored once, read back whole, never queried inside; kept as sent.
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    compact: Mapped[bytes | None] = mapped_column(LargeBinary)
    parts: Mapped[list[str] | None] = mapped_column(ARRAY(String(64)))
    first_seen_at: Mapped[datetime] = tstz(server_default=func.now())


class VettingDecision(Base):
    __tablename__ = "vetting_decisions"
    __table_args__ = (
        CheckConstraint("(decision IS NULL) = (decision_compact IS NOT NULL)", name="one_form"),
        Index("ix_vetting_decisions_cadre", "cadre_id", "evaluated_at"),
        Index("ix_vetting_decisions_evaluated_at", "evaluated_at"),
        Index("ix_vetting_decisions_batch", "batch_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    cadre_id: Mapped[UUID] = mapped_column(ForeignKey("cadres.id"))
    purpose: Mapped[Purpose] = mapped_column(enum_type(Purpose))
    as_of: Mapped[date] = mapped_column(Date)
    known_at: Mapped[datetime] = tstz()
    evaluated_at: Mapped[datetime] = tstz()
    outcome: Mapped[Outcome] = mapped_column(enum_type(Outcome))
    eligible_from: Mapped[date | None] = mapped_column(Date)
    target_org_unit_id: Mapped[UUID | None] = mapped_column(ForeignKey("org_units.id"))
    rulebook_sha256: Mapped[str] = mapped_column(ForeignKey("rulebook_texts.sha256"))
    facts_sha256: Mapped[str] = mapped_column(ForeignKey("facts_snapshots.sha256"))
    # The wire form as stored: JSON (decisions stored before compact bodies), or compact.
    decision_json: Mapped[dict[str, Any] | None] = mapped_column("decision", JSON)
    decision_compact: Mapped[bytes | None] = mapped_column(LargeBinary)
    requested_by: Mapped[UUID | None] = mapped_column(ForeignKey("api_clients.id"))
    request_id: Mapped[str | None] = mapped_column(String(128))
    batch_id: Mapped[UUID | None] = mapped_column()

    @property
    def decision(self) -> dict[str, Any]:
        """The decision's wire form, as it was answered."""
        if self.decision_compact is not None:
            body: dict[str, Any] = orjson.loads(compact.unpack(self.decision_compact))
            return body
        assert self.decision_json is not None
        return self.decision_json
