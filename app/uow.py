"""The unit of work's end: domain events are handled, then audit events are appended, all in
the same transaction as the change, just before the single commit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from app.context import Context

_EVENTS = "pending_domain_events"


@dataclass(frozen=True)
class RecordChanged:
    """A record about cadres or an org unit was created, amended or revoked."""

    kind: str
    record_id: UUID
    change: str
    context: Context
    cadre_ids: tuple[UUID, ...] = ()
    org_unit_id: UUID | None = None
    details: tuple[tuple[str, Any], ...] = ()


Handler = Callable[[AsyncSession, list[RecordChanged]], Awaitable[None]]
_handlers: list[Handler] = []


def on_records_changed(handler: Handler) -> Handler:
    """Register a handler run before commit with the unit of work's record changes."""
    _handlers.append(handler)
    return handler


def emit(session: AsyncSession, event: RecordChanged) -> None:
    session.info.setdefault(_EVENTS, []).append(event)


async def finalize(session: AsyncSession) -> None:
    import app.handlers  # noqa: F401  (registers the record-change handlers)
    from app.audit.service import flush_audit_events

    events: list[RecordChanged] = session.info.pop(_EVENTS, [])
    while events:
        for handler in _handlers:
            await handler(session, events)
        events = session.info.pop(_EVENTS, [])
    await flush_audit_events(session)
