"""The unit of work's end: domain events are handled, then audit events are appended, all in
the same transaction as the change, just before the single commit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
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
    # For a unit's record: the days it concerns (see `unit_record_period`).
    period: tuple[date, date] | None = None


def unit_record_period(get: Callable[[str], Any]) -> tuple[date, date] | None:
    """The days an org unit's record concerns, `get` reading the record's fields: whoever held
    a post in the unit on one of those days answers for it, as the dossier shows it — an
    accident's day (a day's margin either side for the time zone), an inspection's day, a
    supervision item's due day, a safety-work assessment's year. None when it has none."""
    moment = get("occurred_at")
    if moment is not None:
        day = moment.date()
        return day - timedelta(days=1), day + timedelta(days=1)
    for name in ("inspected_on", "due_on"):
        day = get(name)
        if day is not None:
            return day, day
    year = get("year")
    return (date(year, 1, 1), date(year, 12, 31)) if year is not None else None


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
