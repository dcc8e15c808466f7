"""Org units: the jurisdiction tree. Kind, level and place in the tree never change; other
details are corrected by a new version (who, when, why; the old one kept) with an audited
before/after."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit.service import record as audit
from app.auth import jurisdiction
from app.context import Context
from app.domain.enums import ChangeKind, OrgUnitLevel
from app.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.models import OrgUnit, OrgUnitVersion
from app.org_units import repository
from app.org_units.schemas import OrgUnitCreate, OrgUnitFilters, OrgUnitUpdate

_LEVEL_ORDER = [
    OrgUnitLevel.PROVINCE,
    OrgUnitLevel.CITY,
    OrgUnitLevel.COUNTY,
    OrgUnitLevel.TOWNSHIP,
]


def _snapshot(unit: OrgUnit) -> dict[str, object]:
    return {
        "name": unit.name,
        "kind": unit.kind,
        "level": unit.level,
        "parent_id": unit.parent_id,
        "division_code": unit.division_code,
        "is_key_soe": unit.is_key_soe,
        "industry": unit.industry,
        "document_prefix": unit.document_prefix,
    }


async def get(
    session: AsyncSession, ctx: Context, org_unit_id: UUID, lock: bool = False
) -> OrgUnit:
    """The unit; `lock` holds it (FOR UPDATE) so that concurrent corrections number their
    versions one after the other."""
    unit = await session.get(OrgUnit, org_unit_id, with_for_update=lock)
    if unit is None:
        raise NotFound(f"No org unit {org_unit_id}.")
    await jurisdiction.ensure_org_unit(session, ctx.principal, org_unit_id, field=None)
    return unit


async def _parent(session: AsyncSession, ctx: Context, payload: OrgUnitCreate) -> OrgUnit | None:
    if payload.parent_id is None:
        if not ctx.principal.unrestricted:
            raise Forbidden(
                "A client bound to a jurisdiction cannot create a root unit.",
                errors=[("body.parent_id", "required for this client")],
            )
        return None
    parent = await session.get(OrgUnit, payload.parent_id)
    if parent is None:
        raise NotFound(
            f"No org unit {payload.parent_id}.", errors=[("body.parent_id", "no such org unit")]
        )
    await jurisdiction.ensure_org_unit(session, ctx.principal, parent.id, field="body.parent_id")
    if _LEVEL_ORDER.index(payload.level) < _LEVEL_ORDER.index(parent.level):
        raise Unprocessable(
            f"A {payload.level.value}-level unit cannot sit under "
            f"a {parent.level.value}-level one.",
            errors=[("body.level", f"higher than the parent's level {parent.level.value}")],
        )
    return parent


async def _prefix_free(session: AsyncSession, prefix: str | None, unit_id: UUID | None) -> None:
    """Opinion numbers (`泸应急意〔2026〕1号`) are unique across all units: a prefix belongs to
    one unit only."""
    if prefix is None:
        return
    query = select(OrgUnit.id).where(OrgUnit.document_prefix == prefix)
    if unit_id is not None:
        query = query.where(OrgUnit.id != unit_id)
    if await session.scalar(query.limit(1)) is not None:
        raise Conflict(
            f"The document prefix {prefix} is already used by another unit.",
            errors=[("body.document_prefix", "already used by another unit")],
        )


async def create(session: AsyncSession, ctx: Context, payload: OrgUnitCreate) -> OrgUnit:
    parent = await _parent(session, ctx, payload)
    await _prefix_free(session, payload.document_prefix, None)
    unit_id = uuid.uuid4()
    unit = OrgUnit(
        id=unit_id, path=[*(parent.path if parent else []), unit_id], **payload.model_dump()
    )
    session.add(unit)
    await session.flush()
    await session.refresh(unit)
    _add_version(session, ctx, unit, ChangeKind.CREATED, None)
    audit(session, ctx, "org_unit.created", "org_unit", unit.id, {"after": _snapshot(unit)})
    return unit


def _add_version(
    session: AsyncSession, ctx: Context, unit: OrgUnit, change: ChangeKind, reason: str | None
) -> None:
    session.add(
        OrgUnitVersion(
            org_unit_id=unit.id,
            version=unit.version,
            change=change,
            change_reason=reason,
            name=unit.name,
            division_code=unit.division_code,
            is_key_soe=unit.is_key_soe,
            industry=unit.industry,
            document_prefix=unit.document_prefix,
            recorded_by=ctx.principal.client_id,
            request_id=ctx.request_id,
        )
    )


async def update(
    session: AsyncSession, ctx: Context, org_unit_id: UUID, changes: OrgUnitUpdate
) -> OrgUnit:
    unit = await get(session, ctx, org_unit_id, lock=True)
    sent = changes.model_dump(exclude_unset=True, exclude={"reason"})
    if not sent:
        raise Unprocessable("Send at least one field to change.", errors=[("body", "empty")])
    if sent.get("is_key_soe") and unit.kind != "state_owned_enterprise":
        raise Unprocessable(
            "Only a state-owned enterprise can be a key SOE.",
            errors=[("body.is_key_soe", "not an enterprise")],
        )
    if "document_prefix" in sent:
        await _prefix_free(session, sent["document_prefix"], unit.id)
    before = _snapshot(unit)
    for name, value in sent.items():
        setattr(unit, name, value)
    unit.updated_at = clock.now()
    unit.version += 1
    await session.flush()
    _add_version(session, ctx, unit, ChangeKind.AMENDED, changes.reason)
    after = _snapshot(unit)
    diff = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    summary = {"changes": diff, "reason": changes.reason, "version": unit.version}
    audit(session, ctx, "org_unit.updated", "org_unit", unit.id, summary)
    return unit


async def history(session: AsyncSession, ctx: Context, org_unit_id: UUID) -> list[OrgUnitVersion]:
    await get(session, ctx, org_unit_id)
    query = (
        select(OrgUnitVersion)
        .where(OrgUnitVersion.org_unit_id == org_unit_id)
        .order_by(OrgUnitVersion.version)
    )
    return list((await session.execute(query)).scalars())


def _conditions(ctx: Context, filters: OrgUnitFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    visible = jurisdiction.org_unit_visible(ctx.principal, OrgUnit.id)
    if visible is not None:
        conditions.append(visible)
    if filters.parent_id is not None:
        conditions.append(OrgUnit.parent_id == filters.parent_id)
    if filters.under is not None:
        conditions.append(repository.subtree(filters.under))
    for name in ("kind", "level", "is_key_soe"):
        value = getattr(filters, name)
        if value is not None:
            conditions.append(getattr(OrgUnit, name) == value)
    if filters.name:
        conditions.append(OrgUnit.name.contains(filters.name))
    return conditions


async def page(
    session: AsyncSession, ctx: Context, filters: OrgUnitFilters
) -> tuple[Sequence[OrgUnit], int]:
    return await repository.page(session, _conditions(ctx, filters), filters.limit, filters.offset)
