"""A new record about a candidate makes their issued opinion stale (and their draft outdated),
in the same transaction as the record, with a `consultation.stale` event in the outbox."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from app.consultations import repository
from app.consultations.service import change_state
from app.consultations.workflow import Action, State
from app.uow import RecordChanged
from app.webhooks.outbox import EventType, publish

Held = list[tuple[UUID, date, date | None]]  # (org unit, start, end) of the candidate's posts


def _concerns(event: RecordChanged, cadre_id: UUID, held: Held) -> bool:
    """A record about the candidate, or a new record of a unit they held a post in on a day it
    concerns (an accident that happened while they served there, not years after they left).
    An amended or revoked unit record counts whenever they ever served there: the version it
    replaces may have concerned them."""
    if cadre_id in event.cadre_ids:
        return True
    if event.cadre_ids or event.org_unit_id is None:
        return False
    period = event.period if event.change == "created" else None
    return any(
        unit == event.org_unit_id
        and (period is None or (start <= period[1] and (end is None or end >= period[0])))
        for unit, start, end in held
    )


async def mark_stale(session: AsyncSession, events: list[RecordChanged]) -> None:
    cadre_ids = list({c for e in events for c in e.cadre_ids})
    units = list({e.org_unit_id for e in events if e.org_unit_id and not e.cadre_ids})
    if not cadre_ids and not units:
        return
    for row in await repository.issued_for(session, cadre_ids, units):
        held = await repository.posts_in(session, row.cadre_id, units) if units else []
        cause = next((e for e in events if _concerns(e, row.cadre_id, held)), None)
        if cause is None:
            continue
        reason = f"new {cause.kind} {cause.record_id} ({cause.change}) recorded after issue"
        if row.state == State.DRAFTED:
            await repository.set_state(session, row.id, draft_outdated=True)
            continue
        await change_state(
            session, cause.context, row, Action.MARK_STALE, reason, state_reason=reason
        )
        await publish(
            session,
            EventType.CONSULTATION_STALE,
            {
                "consultation_id": str(row.id),
                "cadre_id": str(row.cadre_id),
                "document_number": row.document_number,
                "reason": reason,
                "record_kind": cause.kind,
                "record_id": str(cause.record_id),
            },
        )
