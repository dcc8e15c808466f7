"""Queries for org units."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import OrgUnit


async def page(
    session: AsyncSession, conditions: Sequence[ColumnElement[bool]], limit: int, offset: int
) -> tuple[Sequence[OrgUnit], int]:
    query = select(OrgUnit).where(*conditions)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    ordered = query.order_by(func.cardinality(OrgUnit.path), OrgUnit.name, OrgUnit.id)
    rows = await session.execute(ordered.limit(limit).offset(offset))
    return rows.scalars().all(), int(total or 0)


def subtree(root: Any) -> ColumnElement[bool]:
    return OrgUnit.path.contains([root])
