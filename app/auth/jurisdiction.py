"""Jurisdiction: a client bound to an org unit sees and writes only within that unit's subtree.

The rule, taken from the record as it stands (current versions, as known now):
- an org unit is within the jurisdiction when it is the client's unit or below it;
- a cadre is within it when one of their posts, in its current version and not revoked, is (or
  was) held in a unit within it. A superseded version (a post corrected to another unit) and a
  revoked post (recorded by mistake) give no access;
- a cadre with no such post at all is within the jurisdiction of the client that recorded them
  (so a county can record a cadre and then give them their first post); one recorded by an
  unbound client is seen only by unbound clients until a post places them. Nobody can "claim" a
  postless cadre of someone else by adding a post in their own unit: adding a post needs the
  cadre to be visible first.
Unbound (province-wide) clients see everything. Anything outside the jurisdiction answers
exactly as if it did not exist (404 with the same message), so ids cannot be probed.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.auth.principal import Principal
from app.domain.enums import ChangeKind
from app.errors import NotFound
from app.models import ApiClient, Cadre, OrgUnit, Post


def units_under(root: UUID) -> Any:
    return select(OrgUnit.id).where(OrgUnit.path.contains([root]))


def org_unit_visible(principal: Principal, column: Any) -> ColumnElement[bool] | None:
    if principal.org_unit_id is None:
        return None
    return column.in_(units_under(principal.org_unit_id))  # type: ignore[no-any-return]


def current_posts() -> Any:
    """Posts in their current version (no newer one recorded) that are not revoked."""
    newer = aliased(Post)
    return select(Post.cadre_id, Post.org_unit_id).where(
        Post.change != ChangeKind.REVOKED,
        ~exists().where(newer.id == Post.id, newer.version > Post.version),
    )


def cadre_visible(principal: Principal, column: Any) -> ColumnElement[bool] | None:
    if principal.org_unit_id is None:
        return None
    posts = current_posts().subquery()
    posted_here = select(posts.c.cadre_id).where(
        posts.c.org_unit_id.in_(units_under(principal.org_unit_id))
    )
    recorded_here = select(Cadre.id).where(
        Cadre.created_by.in_(
            select(ApiClient.id).where(
                ApiClient.org_unit_id.in_(units_under(principal.org_unit_id))
            )
        )
    )
    unplaced = and_(~exists().where(posts.c.cadre_id == column), column.in_(recorded_here))
    return or_(column.in_(posted_here), unplaced)


def not_found(kind: str, ident: UUID, field: str | None) -> NotFound:
    """The answer for an id that does not exist — and for one outside the jurisdiction."""
    errors = [(field, f"no such {kind}")] if field else None
    return NotFound(f"No {kind} {ident}.", errors=errors)


async def ensure_org_unit(
    session: AsyncSession,
    principal: Principal,
    org_unit_id: UUID,
    field: str | None = "org_unit_id",
) -> None:
    condition = org_unit_visible(principal, OrgUnit.id)
    if condition is None:
        return
    inside = await session.scalar(select(exists().where(OrgUnit.id == org_unit_id, condition)))
    if not inside:
        raise not_found("org unit", org_unit_id, field)


async def ensure_cadre(
    session: AsyncSession,
    principal: Principal,
    cadre_id: UUID,
    field: str | None = "cadre_id",
) -> None:
    condition = cadre_visible(principal, Cadre.id)
    if condition is None:
        return
    inside = await session.scalar(select(exists().where(Cadre.id == cadre_id, condition)))
    if not inside:
        raise not_found("cadre", cadre_id, field)


async def cadre_is_visible(session: AsyncSession, principal: Principal, cadre_id: UUID) -> bool:
    condition = cadre_visible(principal, Cadre.id)
    if condition is None:
        return True
    return bool(await session.scalar(select(exists().where(Cadre.id == cadre_id, condition))))


async def org_unit_is_visible(
    session: AsyncSession, principal: Principal, org_unit_id: UUID
) -> bool:
    condition = org_unit_visible(principal, OrgUnit.id)
    if condition is None:
        return True
    query = select(exists().where(OrgUnit.id == org_unit_id, condition))
    return bool(await session.scalar(query))
