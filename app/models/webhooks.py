"""Webhook subscriptions and deliveries. Each outbox event becomes one delivery per matching
subscription, in the same transaction; workers claim due deliveries with FOR UPDATE SKIP
LOCKED, so any number of them can run without sending an event twice."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.types import tstz


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    # The signing secret, encrypted at rest (AES-GCM, like ID numbers).
    secret_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    description: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    failing: Mapped[bool] = mapped_column(Boolean, server_default="false")
    consecutive_failures: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = tstz(server_default=func.now())
    created_by: Mapped[UUID | None] = mapped_column(ForeignKey("api_clients.id"))


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_subscription", "subscription_id", "created_at"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    subscription_id: Mapped[UUID] = mapped_column(ForeignKey("webhook_subscriptions.id"))
    event_id: Mapped[UUID] = mapped_column(ForeignKey("outbox_events.id"))
    status: Mapped[str] = mapped_column(String(20))  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = tstz(server_default=func.now())
    created_at: Mapped[datetime] = tstz(server_default=func.now())
    delivered_at: Mapped[datetime | None] = tstz()
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempts"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    delivery_id: Mapped[UUID] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    attempted_at: Mapped[datetime] = tstz(server_default=func.now())
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str | None] = mapped_column(String(100))


class ImportBatch(Base):
    """A bulk import, by the SHA-256 of the file: the same file twice is applied once."""

    __tablename__ = "imports"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str | None] = mapped_column(String(300))
    rows: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = tstz(server_default=func.now())
    imported_by: Mapped[UUID | None] = mapped_column(ForeignKey("api_clients.id"))
