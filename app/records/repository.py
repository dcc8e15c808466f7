"""Queries over versioned record tables. The current version of a record is its highest
version (as known at a given time); nothing here updates or deletes a row."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, any_, exists, func, insert, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.domain.enums import ChangeKind
from app.errors import AppError, Conflict, NotFound, Unprocessable


def latest(model: Any, known_at: datetime | None = None) -> Select[Any]:
    """Rows that are the latest version of their record (as known at `known_at`)."""
    newer = aliased(model)
    condition = [newer.id == model.id, newer.version > model.version]
    if known_at is not None:
        condition.append(newer.recorded_at <= known_at)
    query = select(model).where(~exists().where(*condition))
    if known_at is not None:
        query = query.where(model.recorded_at <= known_at)
    return query


async def current(
    session: AsyncSession, model: Any, record_id: UUID, known_at: datetime | None = None
) -> Any | None:
    query = latest(model, known_at).where(model.id == record_id)
    return (await session.execute(query)).scalar_one_or_none()


async def history(session: AsyncSession, model: Any, record_id: UUID) -> Sequence[Any]:
    query = select(model).where(model.id == record_id).order_by(model.version)
    return (await session.execute(query)).scalars().all()


async def append(session: AsyncSession, model: Any, values: dict[str, Any]) -> Any:
    """Insert one version and return it. Constraint violations become problems: a clash on
    (id, version) means a concurrent amendment; a unique identity clash means a duplicate."""
    try:
        async with session.begin_nested():
            result = await session.execute(insert(model).values(**values).returning(model))
            return result.scalar_one()
    except IntegrityError as exc:
        raise integrity_problem(exc) from None


def integrity_problem(exc: IntegrityError) -> AppError:
    orig = exc.orig
    constraint = str(getattr(orig, "constraint_name", "") or "")
    detail = str(getattr(orig, "detail", "") or "")
    if not constraint:
        cause = getattr(orig, "__cause__", None)
        constraint = str(getattr(cause, "constraint_name", "") or "")
        detail = str(getattr(cause, "detail", "") or "")
    found = re.findall(r"Key \(([^)]*)\)", detail)
    # (An assessment's distribution column ends its unique keys: it adds nothing to them.)
    names = [c.strip() for c in found[0].split(",") if c.strip() != "subject_id"] if found else []
    field = names[0] if names else "body"
    if constraint.startswith("pk_"):
        return Conflict(
            "The record was changed concurrently; fetch it again and retry.",
            errors=[("expected_version", "stale version")],
        )
    if constraint.startswith("uq_"):
        return Conflict(
            f"A record with the same {', '.join(names)} already exists; correct it by amendment."
            if names
            else "A record with the same identity already exists; correct it by amendment.",
            errors=[(field, "already exists")],
        )
    if constraint.startswith("fk_"):
        return NotFound(f"The referenced {field} does not exist.", errors=[(field, "not found")])
    return Unprocessable(
        f"The record breaks the rule {constraint or 'of the table'}.", errors=[(field, detail)]
    )


def _order(model: Any, order_by: Sequence[str]) -> list[Any]:
    columns = []
    for key in order_by:
        column = getattr(model, key.lstrip("-"))
        columns.append(column.desc() if key.startswith("-") else column.asc())
    return [*columns, model.id]


async def page(
    session: AsyncSession,
    model: Any,
    conditions: Sequence[ColumnElement[bool]],
    order_by: Sequence[str],
    limit: int,
    offset: int,
    known_at: datetime | None = None,
) -> tuple[Sequence[Any], int]:
    query = latest(model, known_at).where(*conditions)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.execute(
        query.order_by(*_order(model, order_by)).limit(limit).offset(offset)
    )
    return rows.scalars().all(), int(total or 0)


def in_array(column: Any, values: Any) -> ColumnElement[bool]:
    """`column = ANY(:array)`: one bind parameter however many values (an IN list is capped
    at 32,767 parameters by the protocol)."""
    return column == any_(literal(list(values), ARRAY(column.type)))  # type: ignore[no-any-return]


def not_revoked(model: Any) -> ColumnElement[bool]:
    return model.change != ChangeKind.REVOKED  # type: ignore[no-any-return]
