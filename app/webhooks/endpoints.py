"""Webhook subscriptions, their deliveries, and redelivery."""

import secrets
import uuid
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from sqlalchemy import ColumnElement, func, select, update

from app.access import Authorized
from app.audit.service import record as audit
from app.auth import jurisdiction
from app.auth.scopes import Scope
from app.config import Settings
from app.context import Context
from app.deps import CipherDep, SettingsDep
from app.errors import NotFound, Unprocessable, problem_responses
from app.models import (
    ApiClient,
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from app.uow import ReadSessionDep, SessionDep
from app.webhooks import targets
from app.webhooks.schemas import (
    Attempt,
    Delivery,
    DeliveryPage,
    Subscription,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionUpdate,
)
from app.webhooks.signing import standard_secret

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
Admin = Annotated[Context, Authorized(Scope.ADMIN)]
ERRORS = problem_responses(401, 403, 404, 422, 503)


async def _ensure_target(url: str, settings: Settings) -> None:
    """Refuse a URL webhooks may not be sent to (app.webhooks.targets). A name that does not
    resolve yet is accepted: every delivery resolves and checks it again anyway."""
    allowed = targets.AllowList.parse(settings.webhook_allowed_hosts)
    try:
        await targets.check(url, allowed, settings.webhook_timeout_seconds)
    except targets.Unresolvable:
        return
    except targets.TargetRefused as exc:
        raise Unprocessable(
            f"The webhook URL {exc.reason}; only public addresses may be targeted, unless "
            "the operator allows the host (VETTING_WEBHOOK_ALLOWED_HOSTS).",
            errors=[("body.url", exc.reason)],
        ) from None


@router.post(
    "",
    status_code=201,
    response_model=SubscriptionCreated,
    responses=ERRORS,
    operation_id="create_webhook",
)
async def create_webhook(
    body: SubscriptionCreate,
    session: SessionDep,
    ctx: Admin,
    cipher: CipherDep,
    settings: SettingsDep,
) -> SubscriptionCreated:
    """Subscribe a URL to event types. Deliveries are signed with the secret: see the
    integration guide for the 10-line verification. The URL must be http(s), without
    credentials, and reach a public address (unless the operator allows it). A key bound to an
    org unit receives only events about cadres and units within its jurisdiction."""
    await _ensure_target(str(body.url), settings)
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
    return SubscriptionCreated(
        **Subscription.model_validate(row).model_dump(),
        secret=secret,
        standard_webhooks_secret=standard_secret(secret),
    )


@router.get("", response_model=list[Subscription], responses=ERRORS, operation_id="list_webhooks")
async def list_webhooks(session: ReadSessionDep, ctx: Admin) -> list[Subscription]:
    """The subscriptions this key may manage: every one for an unbound key; for a key bound to
    an org unit, those made by keys within its jurisdiction."""
    query = select(WebhookSubscription).order_by(WebhookSubscription.created_at)
    rows = await session.execute(query.where(*_managed(ctx)))
    return [Subscription.model_validate(r) for r in rows.scalars()]


def _managed(ctx: Context) -> list[ColumnElement[bool]]:
    owner_unit = (
        select(ApiClient.org_unit_id)
        .where(ApiClient.id == WebhookSubscription.created_by)
        .scalar_subquery()
    )
    visible = jurisdiction.org_unit_visible(ctx.principal, owner_unit)
    return [] if visible is None else [visible]


async def _subscription(session: Any, ctx: Context, webhook_id: UUID) -> WebhookSubscription:
    query = select(WebhookSubscription).where(WebhookSubscription.id == webhook_id, *_managed(ctx))
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:  # outside the jurisdiction: as if there were none
        raise NotFound(f"No webhook {webhook_id}.")
    return row  # type: ignore[no-any-return]


@router.get(
    "/{webhook_id}", response_model=Subscription, responses=ERRORS, operation_id="get_webhook"
)
async def get_webhook(webhook_id: UUID, session: ReadSessionDep, ctx: Admin) -> Subscription:
    return Subscription.model_validate(await _subscription(session, ctx, webhook_id))


@router.patch(
    "/{webhook_id}", response_model=Subscription, responses=ERRORS, operation_id="update_webhook"
)
async def update_webhook(
    webhook_id: UUID,
    body: SubscriptionUpdate,
    session: SessionDep,
    ctx: Admin,
    settings: SettingsDep,
) -> Subscription:
    """Pause or resume a subscription, or change its URL or event types (audited). A new URL,
    and the URL of a subscription being resumed, is checked as when subscribing."""
    row = await _subscription(session, ctx, webhook_id)
    changes = body.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    if not changes:
        raise Unprocessable("Send active, url or event_types.", errors=[("body", "empty")])
    if "url" in changes or body.active:
        await _ensure_target(changes.get("url", row.url), settings)
    if "url" in changes:
        row.url = changes["url"]
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
    session: ReadSessionDep,
    ctx: Admin,
    status: Annotated[str | None, Query(pattern="^(pending|delivered|failed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> DeliveryPage:
    """Each delivery with every attempt: when, the receiver's status code or the error."""
    await _subscription(session, ctx, webhook_id)
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
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.subscription_id.in_(
                select(WebhookSubscription.id).where(*_managed(ctx))
            ),
        )
        .values(status="pending", next_attempt_at=func.now())
        .returning(WebhookDelivery.id)
    )
    if result.scalar_one_or_none() is None:
        raise NotFound(f"No delivery {delivery_id}.")
    audit(session, ctx, "webhook.redelivery_requested", "webhook_delivery", delivery_id, {})
    return {"status": "queued"}
