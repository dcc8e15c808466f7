"""Queries for consultations: rows, transitions, document numbers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultations.workflow import State
from app.models import Consultation, ConsultationTransition, OpinionFile, Post
from app.records.repository import in_array

_NEXT_SERIAL = text(
    """
    INSERT INTO document_counters (org_unit_id, year, last_serial) VALUES (:unit, :year, 1)
    ON CONFLICT (org_unit_id, year)
    DO UPDATE SET last_serial = document_counters.last_serial + 1
    RETURNING last_serial
    """
)


async def get(session: AsyncSession, consultation_id: UUID, lock: bool = False) -> Any:
    query = select(Consultation).where(Consultation.id == consultation_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def next_serial(session: AsyncSession, org_unit_id: UUID, year: int) -> int:
    """The next document number of a unit and year. The counter row stays locked until the
    transaction ends, so concurrent issuers take consecutive numbers; a rollback gives the
    number back, so there are no gaps."""
    result = await session.execute(_NEXT_SERIAL, {"unit": org_unit_id, "year": year})
    return int(result.scalar_one())


async def log_transition(session: AsyncSession, **values: Any) -> None:
    await session.execute(insert(ConsultationTransition).values(**values))


async def transitions(session: AsyncSession, consultation_id: UUID) -> Sequence[Any]:
    query = (
        select(ConsultationTransition)
        .where(ConsultationTransition.consultation_id == consultation_id)
        .order_by(ConsultationTransition.seq)
    )
    return (await session.execute(query)).scalars().all()


async def issued_for(
    session: AsyncSession, cadre_ids: Sequence[UUID], org_unit_ids: Sequence[UUID]
) -> Sequence[Any]:
    """Open (issued, or drafted) consultations whose candidate is one of `cadre_ids` or held a
    post in one of `org_unit_ids`, locked for update."""
    held = select(Post.cadre_id).where(Post.org_unit_id.in_(org_unit_ids))
    query = (
        select(Consultation)
        .where(
            Consultation.state.in_([State.ISSUED, State.DRAFTED]),
            in_array(Consultation.cadre_id, cadre_ids) | Consultation.cadre_id.in_(held),
        )
        .with_for_update()
    )
    return (await session.execute(query)).scalars().all()


async def due_to_expire(session: AsyncSession, today: date) -> Sequence[Any]:
    query = (
        select(Consultation)
        .where(Consultation.state == State.ISSUED, Consultation.valid_until < today)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(query)).scalars().all()


async def page(
    session: AsyncSession, conditions: Sequence[ColumnElement[bool]], limit: int, offset: int
) -> tuple[Sequence[Any], int]:
    query = select(Consultation).where(*conditions)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    ordered = query.order_by(Consultation.requested_at.desc(), Consultation.id)
    rows = await session.execute(ordered.limit(limit).offset(offset))
    return rows.scalars().all(), int(total or 0)


async def opinion_file(session: AsyncSession, consultation_id: UUID, format: str) -> Any | None:
    query = select(OpinionFile).where(
        OpinionFile.consultation_id == consultation_id, OpinionFile.format == format
    )
    return (await session.execute(query)).scalar_one_or_none()


async def keep_opinion_file(
    session: AsyncSession, consultation_id: UUID, format: str, content: bytes, sha256: str
) -> bool:
    """Keep the first bytes produced (True); a concurrent first download that lost keeps
    nothing (False) and serves the winner's."""
    statement = (
        pg_insert(OpinionFile)
        .values(consultation_id=consultation_id, format=format, content=content, sha256=sha256)
        .on_conflict_do_nothing()
        .returning(OpinionFile.sha256)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def set_state(session: AsyncSession, consultation_id: UUID, **values: Any) -> None:
    await session.execute(
        update(Consultation).where(Consultation.id == consultation_id).values(**values)
    )


async def posts_in(
    session: AsyncSession, cadre_id: UUID, org_unit_ids: Sequence[UUID]
) -> list[tuple[UUID, date, date | None]]:
    """(org unit, start, end) of every version of the cadre's posts in those units: any
    version's dates count (a corrected post date must not hide a record)."""
    query = select(Post.org_unit_id, Post.start_date, Post.end_date).where(
        Post.cadre_id == cadre_id, Post.org_unit_id.in_(org_unit_ids)
    )
    return [(unit, start, end) for unit, start, end in await session.execute(query)]
