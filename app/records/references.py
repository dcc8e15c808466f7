"""Checks that referenced records exist — and lie within the client's jurisdiction — naming
the field when they do not. A record outside the jurisdiction answers exactly as one that does
not exist, before any other check can tell them apart."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import jurisdiction
from app.auth.principal import Principal
from app.errors import Unprocessable
from app.models import Cadre, OrgUnit
from app.records import repository


async def cadre(
    session: AsyncSession, principal: Principal, cadre_id: UUID, field: str = "cadre_id"
) -> Cadre:
    found = await session.get(Cadre, cadre_id)
    if found is None or not await jurisdiction.cadre_is_visible(session, principal, cadre_id):
        raise jurisdiction.not_found("cadre", cadre_id, f"body.{field}")
    return found


async def org_unit(
    session: AsyncSession, principal: Principal, org_unit_id: UUID, field: str = "org_unit_id"
) -> OrgUnit:
    found = await session.get(OrgUnit, org_unit_id)
    if found is None:
        raise jurisdiction.not_found("org unit", org_unit_id, f"body.{field}")
    await jurisdiction.ensure_org_unit(session, principal, org_unit_id, f"body.{field}")
    return found


async def live_record(
    session: AsyncSession, principal: Principal, model: Any, record_id: UUID, field: str, title: str
) -> Any:
    """The current version of a record that exists, is within the jurisdiction (by its cadre or
    its org unit) and is not revoked."""
    row = await repository.current(session, model, record_id)
    if row is None or not await _within(session, principal, row):
        raise jurisdiction.not_found(title, record_id, f"body.{field}")
    if row.change == "revoked":
        raise Unprocessable(
            f"The {title} {record_id} is revoked.",
            errors=[(f"body.{field}", f"{title} is revoked")],
        )
    return row


async def _within(session: AsyncSession, principal: Principal, row: Any) -> bool:
    if principal.org_unit_id is None:
        return True
    cadre_id, unit_id = getattr(row, "cadre_id", None), getattr(row, "org_unit_id", None)
    if cadre_id is not None and await jurisdiction.cadre_is_visible(session, principal, cadre_id):
        return True
    if unit_id is not None:
        return await jurisdiction.org_unit_is_visible(session, principal, unit_id)
    return False
