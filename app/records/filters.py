"""List filters shared by every record kind, turned into SQL conditions by naming convention:
`x` → column x equals; `x_from` / `x_to` → range on column x; `x_contains` → array column x
contains; `under` → org unit in that subtree; plus the caller's jurisdiction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, and_, or_

from app.auth import jurisdiction
from app.context import Context
from app.records.kind import RecordKind
from app.records.repository import not_revoked
from app.schemas import AwareDatetime, InputModel

_NOT_COLUMNS = {"limit", "offset", "include_revoked", "known_at"}


class ListFilters(InputModel):
    limit: int = Field(default=50, ge=1, le=500, description="Page size (at most 500).")
    offset: int = Field(default=0, ge=0, le=1_000_000)
    include_revoked: bool = Field(default=False, description="Also list revoked records.")
    known_at: AwareDatetime | None = Field(
        default=None, description="List the records as the service knew them at this time."
    )


class UnitFilters(ListFilters):
    org_unit_id: UUID | None = None
    under: UUID | None = Field(default=None, description="Org units in this unit's subtree.")


class CadreFilters(ListFilters):
    cadre_id: UUID | None = None


_SUFFIXES: tuple[tuple[str, Callable[[Any, Any], Any]], ...] = (
    ("_from", lambda column, value: column >= value),
    ("_to", lambda column, value: column <= value),
    ("_contains", lambda column, value: column.any(value)),
)


def _condition(model: Any, name: str, value: Any) -> Any:
    if name == "under":
        return model.org_unit_id.in_(jurisdiction.units_under(value))
    for suffix, build in _SUFFIXES:
        if name.endswith(suffix) and hasattr(model, name.removesuffix(suffix)):
            return build(getattr(model, name.removesuffix(suffix)), value)
    return getattr(model, name) == value


def _visibility(kind: RecordKind, ctx: Context) -> ColumnElement[bool] | None:
    model, principal = kind.model, ctx.principal
    if principal.unrestricted:
        return None
    parts: list[ColumnElement[bool]] = []
    for column, visible in (
        ("cadre_id", jurisdiction.cadre_visible),
        ("org_unit_id", jurisdiction.org_unit_visible),
    ):
        if hasattr(model, column):
            condition = visible(principal, getattr(model, column))
            assert condition is not None
            parts.append(and_(getattr(model, column).is_not(None), condition))
    return or_(*parts) if parts else None


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
