"""Checks that referenced records exist, naming the field when they do not."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound, Unprocessable
from app.models import Cadre, OrgUnit
from app.records import repository


async def cadre(session: AsyncSession, cadre_id: UUID, field: str = "cadre_id") -> Cadre:
    found = await session.get(Cadre, cadre_id)
    if found is None:
        raise NotFound(f"No cadre {cadre_id}.", errors=[(f"body.{field}", "no such cadre")])
    return found


async def org_unit(session: AsyncSession, org_unit_id: UUID, field: str = "org_unit_id") -> OrgUnit:
    found = await session.get(OrgUnit, org_unit_id)
    if found is None:
        raise NotFound(
            f"No org unit {org_unit_id}.", errors=[(f"body.{field}", "no such org unit")]
        )
    return found


async def live_record(
    session: AsyncSession, model: Any, record_id: UUID, field: str, title: str
) -> Any:
    """The current version of a record that exists and is not revoked."""
    row = await repository.current(session, model, record_id)
    if row is None:
        raise NotFound(f"No {title} {record_id}.", errors=[(f"body.{field}", f"no such {title}")])
    if row.change == "revoked":
        raise Unprocessable(
            f"The {title} {record_id} is revoked.",
            errors=[(f"body.{field}", f"{title} is revoked")],
        )
    return row
