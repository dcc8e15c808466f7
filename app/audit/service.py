"""Append audit events. Events are queued on the session and appended in one statement at the
end of the unit of work, so the chain lock (taken by the insert trigger) is held only from
then until commit."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import Context
from app.models import AuditEvent

_PENDING = "pending_audit_events"


def event_row(
    ctx: Context,
    action: str,
    target_kind: str,
    target_id: object | None,
    summary: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns of one audit event; the chain trigger adds seq, prev_hash and hash."""
    return {
        "id": uuid.uuid4(),
        "actor_client_id": ctx.principal.client_id,
        "actor_name": ctx.principal.name,
        "action": action,
        "target_kind": target_kind,
        "target_id": None if target_id is None else str(target_id),
        "request_id": ctx.request_id,
        "client_ip": ctx.client_ip,
        "summary": to_jsonable_python(summary or {}),
    }


def record(
    session: AsyncSession,
    ctx: Context,
    action: str,
    target_kind: str,
    target_id: object | None,
    summary: dict[str, Any] | None = None,
) -> None:
    """Queue one audit event (e.g. `accountability_case.created`) for this unit of work."""
    row = event_row(ctx, action, target_kind, target_id, summary)
    session.info.setdefault(_PENDING, []).append(row)


def pending_count(session: AsyncSession) -> int:
    return len(session.info.get(_PENDING, []))


async def flush_audit_events(session: AsyncSession) -> None:
    rows = session.info.pop(_PENDING, [])
    if rows:
        await session.execute(insert(AuditEvent), rows)
