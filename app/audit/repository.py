"""Queries over the audit log and its chain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuditEvent, AuditLink

# Recomputes every link's hash from its event with the same SQL function the chain trigger
# uses, and checks the links follow one another (gapless numbers, each naming the previous
# hash). Returns the first break, if any.
_VERIFY = text(
    """
    WITH chain AS (
        SELECT c.seq, c.event_id, c.hash, c.prev_hash, e.id IS NULL AS missing,
               lag(c.hash) OVER (ORDER BY c.seq) AS previous_hash,
               lag(c.seq) OVER (ORDER BY c.seq) AS previous_seq,
               audit_digest(c.prev_hash, c.seq, e.id, e.occurred_at, e.actor_client_id,
                            e.actor_name, e.action, e.target_kind, e.target_id, e.request_id,
                            e.client_ip, e.summary) AS recomputed
        FROM audit_chain c LEFT JOIN audit_events e ON e.id = c.event_id
    )
    SELECT seq, event_id,
           CASE
             WHEN missing THEN 'the event of this link is missing (deleted)'
             WHEN seq <> coalesce(previous_seq, 0) + 1
               THEN 'a link is missing before this one (removed from the chain)'
             WHEN prev_hash <> coalesce(previous_hash, repeat('0', 64))
               THEN 'prev_hash does not match the previous link''s hash'
             ELSE 'the event''s content does not match its hash (altered)'
           END AS reason
    FROM chain
    WHERE missing OR hash IS DISTINCT FROM recomputed
       OR prev_hash <> coalesce(previous_hash, repeat('0', 64))
       OR seq <> coalesce(previous_seq, 0) + 1
    ORDER BY seq
    LIMIT 1
    """
)


def _listing() -> Any:
    return select(AuditEvent, AuditLink).join(
        AuditLink, AuditLink.event_id == AuditEvent.id, isouter=True
    )


async def page(
    session: AsyncSession, conditions: Sequence[ColumnElement[bool]], limit: int, offset: int
) -> tuple[Sequence[Any], int]:
    query = _listing().where(*conditions)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    ordered = query.order_by(AuditLink.seq.desc().nulls_first(), AuditEvent.occurred_at.desc())
    rows = await session.execute(ordered.limit(limit).offset(offset))
    return rows.all(), int(total or 0)


async def first_break(session: AsyncSession) -> Any | None:
    return (await session.execute(_VERIFY)).one_or_none()


async def unchained(session: AsyncSession) -> Any | None:
    """An event without a link: written behind the chain trigger's back."""
    query = (
        select(AuditEvent.id)
        .join(AuditLink, AuditLink.event_id == AuditEvent.id, isouter=True)
        .where(AuditLink.seq.is_(None))
        .limit(1)
    )
    return await session.scalar(query)


async def count_and_head(session: AsyncSession) -> tuple[int, str | None]:
    total = await session.scalar(select(func.count()).select_from(AuditLink))
    head = await session.scalar(select(AuditLink.hash).order_by(AuditLink.seq.desc()).limit(1))
    return int(total or 0), head
