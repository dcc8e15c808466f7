"""The audit log: list and verify."""

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import ColumnElement

from app.audit import repository
from app.audit.schemas import (
    AuditEventOut,
    AuditFilters,
    AuditPage,
    ChainBreak,
    ChainVerification,
)
from app.audit.visibility import events_visible
from app.auth.dependencies import Authorized
from app.auth.scopes import Scope
from app.context import Context
from app.db import SessionDep
from app.errors import problem_responses
from app.models import AuditEvent, AuditLink
from app.security import disclosure

router = APIRouter(prefix="/v1/audit-events", tags=["audit"])
Auditor = Annotated[Context, Authorized(Scope.AUDIT_READ)]


def _conditions(ctx: Context, filters: AuditFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if (visible := events_visible(ctx.principal)) is not None:
        conditions.append(visible)
    for name in ("actor_client_id", "action", "target_kind", "target_id", "request_id"):
        value = getattr(filters, name)
        if value is not None:
            conditions.append(getattr(AuditEvent, name) == value)
    if filters.occurred_from is not None:
        conditions.append(AuditEvent.occurred_at >= filters.occurred_from)
    if filters.occurred_to is not None:
        conditions.append(AuditEvent.occurred_at <= filters.occurred_to)
    return conditions


def _out(event: AuditEvent, link: AuditLink | None) -> AuditEventOut:
    return AuditEventOut(
        seq=link.seq if link else None,
        id=event.id,
        occurred_at=event.occurred_at,
        actor_client_id=event.actor_client_id,
        actor_name=event.actor_name,
        action=event.action,
        target_kind=event.target_kind,
        target_id=event.target_id,
        request_id=event.request_id,
        client_ip=event.client_ip,
        summary=disclosure.narrow(event.summary),  # events written before the policy too
        prev_hash=link.prev_hash if link else None,
        hash=link.hash if link else None,
    )


@router.get(
    "",
    response_model=AuditPage,
    operation_id="list_audit_events",
    responses=problem_responses(401, 403, 422, 503),
)
async def list_audit_events(
    session: SessionDep, ctx: Auditor, filters: Annotated[AuditFilters, Query()]
) -> AuditPage:
    """Newest first; filter by actor, action, target, request or time. A client bound to a
    jurisdiction sees the events about cadres and units within it, and its own."""
    rows, total = await repository.page(
        session, _conditions(ctx, filters), filters.limit, filters.offset
    )
    return AuditPage(
        items=[_out(event, link) for event, link in rows],
        total=total,
        limit=filters.limit,
        offset=filters.offset,
    )


@router.get(
    "/verify",
    response_model=ChainVerification,
    operation_id="verify_audit_chain",
    responses=problem_responses(401, 403, 503),
)
async def verify_audit_chain(session: SessionDep, ctx: Auditor) -> ChainVerification:
    """Walk the whole chain: recompute each event's hash and check it links to the one before.
    Reports the first event that breaks the chain."""
    events, head = await repository.count_and_head(session)
    broken = await repository.first_break(session)
    if broken is not None:
        first = ChainBreak(seq=broken.seq, event_id=broken.event_id, reason=broken.reason)
    elif (stray := await repository.unchained(session)) is not None:
        reason = "an event has no link in the chain (written behind the chain's back)"
        first = ChainBreak(seq=None, event_id=stray, reason=reason)
    else:
        return ChainVerification(intact=True, events=events, head_hash=head)
    return ChainVerification(intact=False, events=events, head_hash=head, first_break=first)
