"""A record kind: its table, wire schemas, identity and domain checks, as data for the shared
create / amend / revoke / history flow and router."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Optional

from pydantic import BaseModel, create_model
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import Context
from app.schemas import InputModel

Values = dict[str, Any]
Prepare = Callable[[AsyncSession, Context, Values], Awaitable[Values]]


async def _no_prepare(_session: AsyncSession, _ctx: Context, values: Values) -> Values:
    return values


def _identity(row: Any) -> Values:
    return {}


@dataclass(frozen=True)
class RecordKind:
    name: str  # singular code: audit target kind, event kind, operation ids
    plural: str  # path segment, e.g. "accountability-cases"
    title: str  # English, for docs
    title_zh: str
    model: type[Any]
    create: type[InputModel]
    read: type[BaseModel]
    filters: type[BaseModel]
    identity: tuple[str, ...] = ()
    order_by: tuple[str, ...] = ("-recorded_at",)
    # Checks references and derives stored values from the validated input.
    prepare: Prepare = _no_prepare
    # Turns a stored row back into create-schema input (for amendments).
    to_input: Callable[[Any], Values] | None = None
    # Column values a revocation sets (e.g. a case's status).
    on_revoke: Values = field(default_factory=dict)
    # Filters that are not plain column comparisons: name -> (model, value) -> condition.
    custom_filters: dict[str, Callable[[Any, Any], Any]] = field(default_factory=dict)
    # The record is the cadre itself (its versioned details), not a record about a cadre.
    subject_is_cadre: bool = False
    amend: type[InputModel] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "amend", partial_model(self.create, self.identity))

    @property
    def op_name(self) -> str:
        return self.plural.replace("-", "_")


def partial_model(model: type[InputModel], exclude: tuple[str, ...]) -> type[InputModel]:
    """The amendable fields of `model`, all optional: only the fields sent are changed.
    Cross-field rules are re-checked on the merged result with the full model."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name in exclude:
            continue
        optional = copy.copy(info)
        optional.default = None
        optional.default_factory = None
        fields[name] = (Optional[info.annotation], optional)  # noqa: UP045
    partial: type[InputModel] = create_model(  # type: ignore[call-overload]
        f"{model.__name__.removesuffix('Create')}Changes", __base__=InputModel, **fields
    )
    return partial


def default_to_input(kind: RecordKind, row: Any) -> Values:
    return {name: getattr(row, name) for name in kind.create.model_fields}
