"""The decision log: every vetting decision, immutable, with what it needs to be replayed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Date, ForeignKey, Index, String, Text, func
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.orm import Mapped, mapped_column

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


class FactsSnapshot(Base):
    """The facts a decision was taken on (without their knowledge time), by their sha256:
    unchanged facts checked again share one snapshot."""

    __tablename__ = "facts_snapshots"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    # json, not jsonb: stored once, read back whole, never queried inside; kept as sent.
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    first_seen_at: Mapped[datetime] = tstz(server_default=func.now())


class VettingDecision(Base):
    __tablename__ = "vetting_decisions"
    __table_args__ = (
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
    decision: Mapped[dict[str, Any]] = mapped_column(JSON)
    requested_by: Mapped[UUID | None] = mapped_column(ForeignKey("api_clients.id"))
    request_id: Mapped[str | None] = mapped_column(String(128))
    batch_id: Mapped[UUID | None] = mapped_column()
