"""The audit log: append-only events, and the hash chain that seals them.

An event is written in the same transaction as the change it records. Its link in the chain is
made when that transaction commits, by a deferred trigger that takes the chain lock, reads the
latest link and appends the next one (a gapless sequence number, the previous hash, and the
hash of this event's content): concurrent writers queue only for the commit itself and keep
one chain. Both tables refuse UPDATE, DELETE and TRUNCATE."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.types import tstz


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_target", "target_kind", "target_id"),
        Index("ix_audit_events_actor", "actor_client_id", "occurred_at"),
        Index("ix_audit_events_occurred_at", "occurred_at"),
        Index("ix_audit_events_request", "request_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = tstz(server_default=func.now())
    actor_client_id: Mapped[UUID | None] = mapped_column()
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(80))
    target_kind: Mapped[str] = mapped_column(String(60))
    target_id: Mapped[str | None] = mapped_column(String(80))
    request_id: Mapped[str | None] = mapped_column(String(128))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB)


class AuditLink(Base):
    """One link of the chain: made at commit by the `audit_chain` trigger, never by the app."""

    __tablename__ = "audit_chain"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[UUID] = mapped_column(ForeignKey("audit_events.id"), unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = tstz(server_default=func.clock_timestamp())
