"""Queries over the audit chain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuditEvent

# Recomputes every event's digest with the same SQL function the insert trigger uses, and
# compares each link with the previous event's hash; returns the first break.
_VERIFY = text(
    """
    WITH chain AS (
        SELECT seq, id, hash, prev_hash,
               lag(hash) OVER (ORDER BY seq) AS previous_hash,
               audit_digest(prev_hash, seq, id, occurred_at, actor_client_id, actor_name,
                            action, target_kind, target_id, request_id, client_ip, summary)
                   AS recomputed
        FROM audit_events
    )
    SELECT seq, id, hash, prev_hash, previous_hash, recomputed,
           (SELECT count(*) FROM audit_events) AS total
    FROM chain
    WHERE hash <> recomputed OR prev_hash <> coalesce(previous_hash, repeat('0', 64))
    ORDER BY seq
    LIMIT 1
    """
)


async def page(
    session: AsyncSession, conditions: Sequence[ColumnElement[bool]], limit: int, offset: int
) -> tuple[Sequence[AuditEvent], int]:
    query = select(AuditEvent).where(*conditions)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.execute(query.order_by(AuditEvent.seq.desc()).limit(limit).offset(offset))
    return rows.scalars().all(), int(total or 0)


async def first_break(session: AsyncSession) -> Any | None:
    return (await session.execute(_VERIFY)).one_or_none()


async def count_and_head(session: AsyncSession) -> tuple[int, str | None]:
    total = await session.scalar(select(func.count()).select_from(AuditEvent))
    head = await session.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1))
    return int(total or 0), head
