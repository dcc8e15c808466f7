"""Wire schemas for the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from app.schemas import AwareDatetime, InputModel


class AuditEventOut(BaseModel):
    seq: int | None = Field(description="Place in the chain (null only before commit).")
    id: UUID
    occurred_at: datetime
    actor_client_id: UUID | None
    actor_name: str
    action: str = Field(examples=["accountability_case.created"])
    target_kind: str
    target_id: str | None
    request_id: str | None
    client_ip: str | None
    summary: dict[str, Any]
    prev_hash: str | None
    hash: str | None


class AuditPage(BaseModel):
    items: list[AuditEventOut]
    total: int
    limit: int
    offset: int


class AuditFilters(InputModel):
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=10_000_000)
    actor_client_id: UUID | None = None
    action: str | None = Field(default=None, max_length=80)
    target_kind: str | None = Field(default=None, max_length=60)
    target_id: str | None = Field(default=None, max_length=80)
    request_id: str | None = Field(default=None, max_length=128)
    occurred_from: AwareDatetime | None = None
    occurred_to: AwareDatetime | None = None


class ChainBreak(BaseModel):
    seq: int | None = Field(
        description="The link where the chain breaks (null: an event with no link at all)."
    )
    event_id: UUID
    reason: str = Field(description="What failed: content, link, sequence or a missing event.")


class ChainVerification(BaseModel):
    intact: bool
    events: int
    head_hash: str | None = Field(description="Hash of the latest event (publish it to anchor).")
    first_break: ChainBreak | None = None
