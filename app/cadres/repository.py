"""Queries for cadres: identity, current details and status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.enums import CadreStatus, ChangeKind
from app.models import Cadre, CadreStatusEvent, CadreVersion
from app.records.repository import latest


def status_on(day: date, known_at: datetime | None = None) -> Any:
    """The cadre's status on `day` (as known at `known_at`): the latest effective status
    event, else serving."""
    events = (
        latest(CadreStatusEvent, known_at)
        .where(CadreStatusEvent.change != ChangeKind.REVOKED)
        .subquery()
    )
    latest_event = (
        select(events.c.status)
        .where(events.c.cadre_id == Cadre.id, events.c.effective_date <= day)
        .order_by(events.c.effective_date.desc(), events.c.recorded_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(latest_event, CadreStatus.SERVING.value)


def _view(day: date, known_at: datetime | None = None) -> Select[Any]:
    details = latest(CadreVersion, known_at).subquery()
    return select(
        Cadre,
        details.c.version,
        details.c.change,
        details.c.change_reason,
        details.c.recorded_at,
        details.c.recorded_by,
        details.c.name,
        details.c.gender,
        status_on(day, known_at).label("status"),
    ).join(details, details.c.id == Cadre.id)


async def by_hash(session: AsyncSession, digest: bytes) -> Cadre | None:
    result = await session.execute(select(Cadre).where(Cadre.id_number_hash == digest))
    return result.scalar_one_or_none()


async def view(
    session: AsyncSession, cadre_id: UUID, day: date, known_at: datetime | None = None
) -> Any | None:
    """The cadre's details as known at `known_at` (default: now) and status on `day`."""
    result = await session.execute(_view(day, known_at).where(Cadre.id == cadre_id))
    return result.one_or_none()


async def page(
    session: AsyncSession,
    conditions: Sequence[ColumnElement[bool]],
    day: date,
    limit: int,
    offset: int,
) -> tuple[Sequence[Any], int]:
    query = _view(day).where(*conditions)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.execute(
        query.order_by(Cadre.created_at, Cadre.id).limit(limit).offset(offset)
    )
    return rows.all(), int(total or 0)


def name_contains(text: str) -> ColumnElement[bool]:
    details = latest(CadreVersion).subquery()
    return Cadre.id.in_(select(details.c.id).where(details.c.name.contains(text)))
