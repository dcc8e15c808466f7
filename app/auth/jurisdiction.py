"""Jurisdiction: a client bound to an org unit writes and lists only within its subtree.
A cadre is within a jurisdiction when they have held a post there (or hold no post yet)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.errors import Forbidden
from app.models import OrgUnit, Post


def units_under(root: UUID) -> Any:
    return select(OrgUnit.id).where(OrgUnit.path.contains([root]))


def org_unit_visible(principal: Principal, column: Any) -> ColumnElement[bool] | None:
    if principal.org_unit_id is None:
        return None
    return column.in_(units_under(principal.org_unit_id))  # type: ignore[no-any-return]


def cadre_visible(principal: Principal, column: Any) -> ColumnElement[bool] | None:
    if principal.org_unit_id is None:
        return None
    posts_here = select(Post.cadre_id).where(
        Post.org_unit_id.in_(units_under(principal.org_unit_id))
    )
    return or_(column.in_(posts_here), ~exists().where(Post.cadre_id == column))


async def ensure_org_unit(
    session: AsyncSession, principal: Principal, org_unit_id: UUID, field: str = "org_unit_id"
) -> None:
    condition = org_unit_visible(principal, OrgUnit.id)
    if condition is None:
        return
    inside = await session.scalar(select(exists().where(OrgUnit.id == org_unit_id, condition)))
    if not inside:
        raise Forbidden(
            f"Org unit {org_unit_id} is outside this client's jurisdiction.",
            errors=[(field, "outside the client's jurisdiction")],
        )


async def ensure_cadre(
    session: AsyncSession, principal: Principal, cadre_id: UUID, field: str = "cadre_id"
) -> None:
    from app.models import Cadre

    condition = cadre_visible(principal, Cadre.id)
    if condition is None:
        return
    inside = await session.scalar(select(exists().where(Cadre.id == cadre_id, condition)))
    if not inside:
        raise Forbidden(
            f"Cadre {cadre_id} has held no post in this client's jurisdiction.",
            errors=[(field, "outside the client's jurisdiction")],
        )
