"""The audit log: append-only and hash-chained (the chain is kept by a database trigger)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, FetchedValue, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.types import tstz


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_target", "target_kind", "target_id"),
        Index("ix_audit_events_actor", "actor_client_id", "seq"),
        Index("ix_audit_events_occurred_at", "occurred_at"),
    )

    # Assigned by the chain trigger under a lock, so sequence order is chain order.
    seq: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False, server_default=FetchedValue()
    )
    id: Mapped[UUID] = mapped_column(unique=True)
    occurred_at: Mapped[datetime] = tstz(server_default=func.now())
    actor_client_id: Mapped[UUID | None] = mapped_column()
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(80))
    target_kind: Mapped[str] = mapped_column(String(60))
    target_id: Mapped[str | None] = mapped_column(String(80))
    request_id: Mapped[str | None] = mapped_column(String(128))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
