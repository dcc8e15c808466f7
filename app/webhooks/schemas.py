"""Wire schemas for webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AnyHttpUrl, BaseModel, Field

from app.schemas import InputModel, ReadModel
from app.webhooks.outbox import EventType


class SubscriptionCreate(InputModel):
    url: AnyHttpUrl = Field(
        description="Where events are POSTed: http or https, no credentials, a public address "
        "(unless the operator allows the host)."
    )
    event_types: list[EventType] = Field(min_length=1, max_length=10)
    secret: Annotated[str, Field(min_length=16, max_length=200)] | None = Field(
        default=None, description="Signing secret; one is generated (and shown once) if empty."
    )
    description: Annotated[str, Field(max_length=200)] | None = None


class SubscriptionUpdate(InputModel):
    active: bool | None = None
    url: AnyHttpUrl | None = Field(default=None, description="A new target, checked as above.")
    event_types: list[EventType] | None = Field(default=None, min_length=1, max_length=10)


class Subscription(ReadModel):
    id: UUID
    url: str
    event_types: list[EventType]
    description: str | None
    active: bool
    failing: bool = Field(description="Repeated delivery failures (it keeps being tried).")
    consecutive_failures: int
    created_at: datetime


class SubscriptionCreated(Subscription):
    secret: str = Field(description="The signing secret. Shown only now.")
    standard_webhooks_secret: str = Field(
        description="The same secret in the Standard Webhooks form (`whsec_…`), for verifying "
        "the `webhook-signature` header with any Standard Webhooks library. Shown only now."
    )


class Attempt(BaseModel):
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int
    worker: str | None


class Delivery(BaseModel):
    id: UUID
    event_id: UUID
    event_type: str
    status: str = Field(description="pending, delivered or failed (gave up).")
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    history: list[Attempt]


class DeliveryPage(BaseModel):
    items: list[Delivery]
    total: int
    limit: int
    offset: int
