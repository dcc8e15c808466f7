"""Consultations: a request for the safety department's opinion on a candidate for a post, its
workflow, and the issued opinion (fixed once issued)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.types import tstz


class Consultation(Base):
    __tablename__ = "consultations"
    __table_args__ = (
        Index("ix_consultations_state", "state", "reply_by"),
        Index("ix_consultations_cadre", "cadre_id", "state"),
        Index(
            "uq_consultations_document_number",
            "document_number",
            unique=True,
            postgresql_where=text("document_number IS NOT NULL"),
        ),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    cadre_id: Mapped[UUID] = mapped_column(ForeignKey("cadres.id"))
    proposed_org_unit_id: Mapped[UUID] = mapped_column(ForeignKey("org_units.id"))
    proposed_title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(40))
    requesting_unit: Mapped[str] = mapped_column(String(200))
    requesting_org_unit_id: Mapped[UUID | None] = mapped_column(ForeignKey("org_units.id"))
    letter_reference: Mapped[str | None] = mapped_column(String(100))
    reply_by: Mapped[date | None] = mapped_column(Date)
    requested_at: Mapped[datetime] = tstz(server_default=func.now())
    requested_by: Mapped[UUID | None] = mapped_column(ForeignKey("api_clients.id"))
    # The draft: the dossier and decision it rests on, and the recommendation it proposes.
    decision_id: Mapped[UUID | None] = mapped_column(ForeignKey("vetting_decisions.id"))
    dossier: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    draft_recommendation: Mapped[str | None] = mapped_column(String(20))
    draft_reasons: Mapped[list[Any] | None] = mapped_column(JSON)
    drafted_at: Mapped[datetime | None] = tstz()
    draft_outdated: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # The issued opinion: set once, never changed.
    recommendation: Mapped[str | None] = mapped_column(String(20))
    override_reason: Mapped[str | None] = mapped_column(Text)
    issuing_org_unit_id: Mapped[UUID | None] = mapped_column(ForeignKey("org_units.id"))
    document_number: Mapped[str | None] = mapped_column(String(100))
    document_serial: Mapped[int | None] = mapped_column(Integer)
    issued_at: Mapped[datetime | None] = tstz()
    issued_by: Mapped[UUID | None] = mapped_column(ForeignKey("api_clients.id"))
    valid_until: Mapped[date | None] = mapped_column(Date)
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    content_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    # Later states.
    state_reason: Mapped[str | None] = mapped_column(Text)
    state_changed_at: Mapped[datetime] = tstz(server_default=func.now())
    superseded_by: Mapped[UUID | None] = mapped_column(ForeignKey("consultations.id"))
    supersedes: Mapped[UUID | None] = mapped_column(ForeignKey("consultations.id"))


class ConsultationTransition(Base):
    """Every state change, append-only: the consultation's history."""

    __tablename__ = "consultation_transitions"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    consultation_id: Mapped[UUID] = mapped_column(ForeignKey("consultations.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = tstz(server_default=func.now())
    by_client: Mapped[UUID | None] = mapped_column(ForeignKey("api_clients.id"))
    request_id: Mapped[str | None] = mapped_column(String(128))


class DocumentCounter(Base):
    """The last serial number issued per issuing unit and year. Incremented inside the issuing
    transaction (the row lock serialises concurrent issuers; a rollback returns the number):
    numbers are consecutive, with no gaps and no duplicates."""

    __tablename__ = "document_counters"

    org_unit_id: Mapped[UUID] = mapped_column(ForeignKey("org_units.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer)


class OpinionFile(Base):
    """The exact bytes of an issued opinion as served (PDF or HTML), kept from the first time
    they were produced and served byte for byte ever after, so the file a recipient holds can
    be verified by its own SHA-256. Append-only (a trigger refuses UPDATE and DELETE)."""

    __tablename__ = "opinion_files"

    consultation_id: Mapped[UUID] = mapped_column(ForeignKey("consultations.id"), primary_key=True)
    format: Mapped[str] = mapped_column(String(10), primary_key=True)  # pdf, html
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = tstz(server_default=func.now())


class OutboxEvent(Base):
    """Events for subscribers (webhooks), written in the same transaction as their cause."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_type", "event_type", "occurred_at"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(String(60))
    occurred_at: Mapped[datetime] = tstz(server_default=func.now())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
