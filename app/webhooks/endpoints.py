"""Webhook subscriptions, their deliveries, and redelivery."""

import secrets
import uuid
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from sqlalchemy import func, select, update

from app.audit.service import record as audit
from app.auth.dependencies import Authorized
from app.auth.scopes import Scope
from app.context import Context
from app.db import SessionDep
from app.deps import CipherDep
from app.errors import NotFound, Unprocessable, problem_responses
from app.models import OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookSubscription
from app.webhooks.schemas import (
    Attempt,
    Delivery,
    DeliveryPage,
    Subscription,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionUpdate,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
Admin = Annotated[Context, Authorized(Scope.ADMIN)]
ERRORS = problem_responses(401, 403, 404, 422, 503)


@router.post(
    "",
    status_code=201,
    response_model=SubscriptionCreated,
    responses=ERRORS,
    operation_id="create_webhook",
)
async def create_webhook(
    body: SubscriptionCreate, session: SessionDep, ctx: Admin, cipher: CipherDep
) -> SubscriptionCreated:
    """Subscribe a URL to event types. Deliveries are signed with the secret: see the
    integration guide for the 10-line verification."""
    secret = body.secret or secrets.token_urlsafe(32)
    row = WebhookSubscription(
        id=uuid.uuid4(),
        url=str(body.url),
        event_types=[t.value for t in body.event_types],
        secret_cipher=cipher.encrypt(secret),
        description=body.description,
        created_by=ctx.principal.client_id,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    audit(
        session,
        ctx,
        "webhook.created",
        "webhook",
        row.id,
        {"url": row.url, "event_types": row.event_types},
    )
    return SubscriptionCreated(**Subscription.model_validate(row).model_dump(), secret=secret)


@router.get("", response_model=list[Subscription], responses=ERRORS, operation_id="list_webhooks")
async def list_webhooks(session: SessionDep, ctx: Admin) -> list[Subscription]:
    rows = await session.execute(
        select(WebhookSubscription).order_by(WebhookSubscription.created_at)
    )
    return [Subscription.model_validate(r) for r in rows.scalars()]


async def _subscription(session: Any, webhook_id: UUID) -> WebhookSubscription:
    row = await session.get(WebhookSubscription, webhook_id)
    if row is None:
        raise NotFound(f"No webhook {webhook_id}.")
    return row  # type: ignore[no-any-return]


@router.get(
    "/{webhook_id}", response_model=Subscription, responses=ERRORS, operation_id="get_webhook"
)
async def get_webhook(webhook_id: UUID, session: SessionDep, ctx: Admin) -> Subscription:
    return Subscription.model_validate(await _subscription(session, webhook_id))


@router.patch(
    "/{webhook_id}", response_model=Subscription, responses=ERRORS, operation_id="update_webhook"
)
async def update_webhook(
    webhook_id: UUID, body: SubscriptionUpdate, session: SessionDep, ctx: Admin
) -> Subscription:
    """Pause or resume a subscription, or change its event types (audited)."""
    row = await _subscription(session, webhook_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if not changes:
        raise Unprocessable("Send active or event_types.", errors=[("body", "empty")])
    if "event_types" in changes:
        row.event_types = [t.value for t in body.event_types or []]
    if "active" in changes:
        row.active = bool(body.active)
        row.failing = False if body.active else row.failing
    await session.flush()
    audit(session, ctx, "webhook.updated", "webhook", row.id, {"changes": changes})
    return Subscription.model_validate(row)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=DeliveryPage,
    responses=ERRORS,
    operation_id="list_webhook_deliveries",
)
async def list_webhook_deliveries(
    webhook_id: UUID,
    session: SessionDep,
    ctx: Admin,
    status: Annotated[str | None, Query(pattern="^(pending|delivered|failed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> DeliveryPage:
    """Each delivery with every attempt: when, the receiver's status code or the error."""
    await _subscription(session, webhook_id)
    query = (
        select(WebhookDelivery, OutboxEvent.event_type)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.subscription_id == webhook_id)
    )
    if status:
        query = query.where(WebhookDelivery.status == status)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = (
        await session.execute(
            query.order_by(WebhookDelivery.created_at.desc()).limit(limit).offset(offset)
        )
    ).all()
    ids = [d.id for d, _ in rows]
    attempts = (
        (
            await session.execute(
                select(WebhookAttempt)
                .where(WebhookAttempt.delivery_id.in_(ids))
                .order_by(WebhookAttempt.attempted_at)
            )
        )
        .scalars()
        .all()
        if ids
        else []
    )
    history: dict[UUID, list[Attempt]] = {}
    for a in attempts:
        history.setdefault(a.delivery_id, []).append(
            Attempt.model_validate(a, from_attributes=True)
        )
    items = [
        Delivery(
            id=d.id,
            event_id=d.event_id,
            event_type=t,
            status=d.status,
            attempts=d.attempts,
            next_attempt_at=d.next_attempt_at,
            delivered_at=d.delivered_at,
            last_status_code=d.last_status_code,
            last_error=d.last_error,
            history=history.get(d.id, []),
        )
        for d, t in rows
    ]
    return DeliveryPage(items=items, total=int(total or 0), limit=limit, offset=offset)


@router.post(
    "/deliveries/{delivery_id}/redeliver",
    status_code=202,
    responses=ERRORS,
    operation_id="redeliver_webhook",
    response_model=dict[str, str],
)
async def redeliver_webhook(delivery_id: UUID, session: SessionDep, ctx: Admin) -> dict[str, str]:
    """Send a delivery again (whatever its status): it is queued for the next worker pass."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(status="pending", next_attempt_at=func.now())
        .returning(WebhookDelivery.id)
    )
    if result.scalar_one_or_none() is None:
        raise NotFound(f"No delivery {delivery_id}.")
    audit(session, ctx, "webhook.redelivery_requested", "webhook_delivery", delivery_id, {})
    return {"status": "queued"}
