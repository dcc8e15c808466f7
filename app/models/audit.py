"""The audit log: append-only events, and the transparency log that seals them.

A writer inserts its events in the same transaction as the change they record; each event
carries its canonical bytes (`entry`, what the log commits to) and the service's MAC over them
(so an event written behind the service's back is told apart). An insert trigger queues the
event (`audit_queue`); writers take no lock. One sequencer at a time (app.audit.sequencer)
takes queued events in batches, gives them the next log indices (`audit_log`), and appends the
tree head it reached (`audit_tree_heads`). Signed checkpoints of a tree head are kept in
`audit_checkpoints`. Events, log entries, heads and checkpoints refuse UPDATE, DELETE and
TRUNCATE; the queue is the only table rows leave (once integrated)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, BigInteger, ForeignKey, Index, LargeBinary, String, Text, func
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
    # The canonical bytes of the event (app.audit.entries): the log's leaf is their hash.
    entry: Mapped[bytes] = mapped_column(LargeBinary)
    # HMAC-SHA256 of `entry` under the service's key: empty for an event the service could
    # not vouch for when the log was started (see the migration).
    mac: Mapped[bytes] = mapped_column(LargeBinary)


class AuditQueued(Base):
    """An event waiting for the sequencer: queued by the insert trigger, removed once logged."""

    __tablename__ = "audit_queue"

    n: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[UUID] = mapped_column(ForeignKey("audit_events.id"), unique=True)
    queued_at: Mapped[datetime] = tstz(server_default=func.clock_timestamp())


class AuditLogEntry(Base):
    """One leaf of the log: the event at this index and its RFC 9162 leaf hash."""

    __tablename__ = "audit_log"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[UUID] = mapped_column(ForeignKey("audit_events.id"), unique=True)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary)
    integrated_at: Mapped[datetime] = tstz(server_default=func.now())


class AuditTreeHead(Base):
    """The tree after a sequencer batch: its size, root and compact range (the roots of the
    perfect subtrees that make it, left to right), from which the next batch continues."""

    __tablename__ = "audit_tree_heads"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary)
    compact_range: Mapped[list[bytes]] = mapped_column(ARRAY(LargeBinary))
    made_at: Mapped[datetime] = tstz(server_default=func.now())


class AuditCheckpoint(Base):
    """A signed checkpoint (C2SP signed note) of one tree head, kept for ever."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    size: Mapped[int] = mapped_column(BigInteger, index=True)
    root: Mapped[bytes] = mapped_column(LargeBinary)
    note: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = tstz(server_default=func.now())
