"""Events published from record changes, in the same transaction as the change:
`accountability_case.recorded`, and `cadre.eligibility_changed` when a new or amended record
changes any purpose's outcome for a cadre."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.config import get_settings
from app.domain.enums import Purpose
from app.models import AccountabilityCase, Post
from app.records.repository import in_array, latest
from app.uow import RecordChanged
from app.vetting.facts_loader import FactsLoader
from app.vetting.rulebooks import Rulebooks, governing_for, of_session
from app.vetting.rules import Rulebook, evaluate
from app.vetting.rules.facts import CadreFacts
from app.webhooks.outbox import EventType, has_subscribers, publish

# soe_head_appointment is not watched: it is decided for a given enterprise, named per check.
WATCHED = (
    Purpose.PROMOTION,
    Purpose.IMPORTANT_USE,
    Purpose.COMMENDATION,
    Purpose.SAFETY_COMMENDATION,
    Purpose.APPOINTMENT,
)


@functools.cache
def _rulebooks() -> Rulebooks:
    return Rulebooks.shipped(get_settings().fallback_rulebook)


async def cases_recorded(session: AsyncSession, events: list[RecordChanged]) -> None:
    """Every version of a case: created, amended (e.g. decided after the investigation) or
    revoked; `change` and `version` say which."""
    ids = [e.record_id for e in events if e.kind == "accountability_case"]
    if not ids:
        return
    query = latest(AccountabilityCase).where(in_array(AccountabilityCase.id, ids))
    rows = await session.execute(query)
    for case in rows.scalars():
        await publish(
            session,
            EventType.ACCOUNTABILITY_CASE_RECORDED,
            {
                "case_id": str(case.id),
                "change": case.change,
                "version": case.version,
                "cadre_id": str(case.cadre_id),
                "circumstance": case.circumstance,
                "status": case.status,
                "decision_date": case.decision_date.isoformat() if case.decision_date else None,
                "methods": list(case.methods),
            },
        )


async def _affected(session: AsyncSession, events: list[RecordChanged]) -> list[UUID]:
    cadres = {c for e in events for c in e.cadre_ids}
    units = {e.org_unit_id for e in events if e.org_unit_id and not e.cadre_ids}
    if units:
        held = await session.execute(select(Post.cadre_id).where(Post.org_unit_id.in_(units)))
        cadres.update(held.scalars())
    return sorted(cadres, key=str)


def _outcomes(facts: CadreFacts, as_of: date, rulebook: Rulebook) -> dict[str, str]:
    return {p.value: evaluate(facts, p, as_of, rulebook).outcome.value for p in WATCHED}


async def _governing(
    session: AsyncSession, facts: Mapping[UUID, CadreFacts], as_of: date
) -> dict[UUID, Rulebook]:
    """The rulebook of each cadre's jurisdiction on `as_of`: that of the post they hold then
    (walking up from its org unit, as a check for that post would), else the fallback."""
    units: dict[UUID, UUID | None] = {}
    for cadre_id, found in facts.items():
        post = found.post_on(as_of)
        units[cadre_id] = post.org_unit.id if post is not None else None
    return await governing_for(session, of_session(session) or _rulebooks(), units, as_of)


async def eligibility_changed(session: AsyncSession, events: list[RecordChanged]) -> None:
    if not await has_subscribers(session, EventType.CADRE_ELIGIBILITY_CHANGED):
        return
    cadres = await _affected(session, events)
    if not cadres:
        return
    settings = get_settings()
    now: datetime = (await session.execute(select(func.now()))).scalar_one()
    as_of = clock.local_date(now)
    loader = FactsLoader(session, settings.timezone)
    # This transaction's own records carry its start time; just before it, they did not exist.
    before = await loader.load(cadres, now - timedelta(microseconds=1))
    after = await loader.load(cadres, now)
    governing = await _governing(session, after, as_of)
    for cadre_id in cadres:
        if cadre_id not in after:
            continue
        rulebook = governing[cadre_id]
        old = _outcomes(before[cadre_id], as_of, rulebook) if cadre_id in before else {}
        new = _outcomes(after[cadre_id], as_of, rulebook)
        changes = {p: {"before": old.get(p), "after": o} for p, o in new.items() if old.get(p) != o}
        if changes and old:
            await publish(
                session,
                EventType.CADRE_ELIGIBILITY_CHANGED,
                {
                    "cadre_id": str(cadre_id),
                    "as_of": as_of.isoformat(),
                    "changed_at": now.astimezone(UTC).isoformat(),
                    "changes": changes,
                },
            )
