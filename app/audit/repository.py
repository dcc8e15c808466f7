"""Queries over the audit events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuditEvent, AuditLogEntry


def _listing() -> Any:
    return select(AuditEvent, AuditLogEntry).join(
        AuditLogEntry, AuditLogEntry.event_id == AuditEvent.id, isouter=True
    )


async def page(
    session: AsyncSession, conditions: Sequence[ColumnElement[bool]], limit: int, offset: int
) -> tuple[Sequence[Any], int]:
    query = _listing().where(*conditions)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    ordered = query.order_by(
        AuditLogEntry.idx.desc().nulls_first(), AuditEvent.occurred_at.desc(), AuditEvent.id
    )
    rows = await session.execute(ordered.limit(limit).offset(offset))
    return rows.all(), int(total or 0)
