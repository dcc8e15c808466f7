"""List filters shared by every record kind, turned into SQL conditions by naming convention:
`x` → column x equals; `x_from` / `x_to` → range on column x; `x_contains` → array column x
contains; `under` → org unit in that subtree; plus the caller's jurisdiction."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, and_, or_

from app.auth import jurisdiction
from app.context import Context
from app.records.kind import RecordKind
from app.records.repository import not_revoked

_NOT_COLUMNS = {"limit", "offset", "include_revoked", "known_at"}


class ListFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=500, description="Page size (at most 500).")
    offset: int = Field(default=0, ge=0, le=1_000_000)
    include_revoked: bool = Field(default=False, description="Also list revoked records.")
    known_at: datetime | None = Field(
        default=None, description="List the records as the service knew them at this time."
    )


class UnitFilters(ListFilters):
    org_unit_id: UUID | None = None
    under: UUID | None = Field(default=None, description="Org units in this unit's subtree.")


class CadreFilters(ListFilters):
    cadre_id: UUID | None = None


def _condition(model: Any, name: str, value: Any) -> ColumnElement[bool]:
    if name == "under":
        return model.org_unit_id.in_(jurisdiction.units_under(value))  # type: ignore[no-any-return]
    for suffix, build in (
        ("_from", lambda c, v: c >= v),
        ("_to", lambda c, v: c <= v),
        ("_contains", lambda c, v: c.any(v)),
    ):
        if name.endswith(suffix) and hasattr(model, name.removesuffix(suffix)):
            return build(getattr(model, name.removesuffix(suffix)), value)  # type: ignore[no-any-return]
    return getattr(model, name) == value  # type: ignore[no-any-return]


def _visibility(kind: RecordKind, ctx: Context) -> ColumnElement[bool] | None:
    model, principal = kind.model, ctx.principal
    parts = []
    if hasattr(model, "cadre_id"):
        cadre = jurisdiction.cadre_visible(principal, model.cadre_id)
        parts.append(and_(model.cadre_id.is_not(None), cadre) if cadre is not None else None)
    if hasattr(model, "org_unit_id"):
        unit = jurisdiction.org_unit_visible(principal, model.org_unit_id)
        parts.append(and_(model.org_unit_id.is_not(None), unit) if unit is not None else None)
    if not parts or any(p is None for p in parts):
        return None
    return or_(*parts)


def conditions_for(kind: RecordKind, ctx: Context, filters: BaseModel) -> list[ColumnElement[bool]]:
    values = filters.model_dump(exclude_none=True)
    conditions = [
        kind.custom_filters[name](kind.model, value)
        if name in kind.custom_filters
        else _condition(kind.model, name, value)
        for name, value in values.items()
        if name not in _NOT_COLUMNS
    ]
    if not values.get("include_revoked"):
        conditions.append(not_revoked(kind.model))
    visible = _visibility(kind, ctx)
    if visible is not None:
        conditions.append(visible)
    return conditions
