"""Wire schemas for org units."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self
from uuid import UUID

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from app.domain.enums import ChangeKind, Industry, OrgUnitKind, OrgUnitLevel
from app.schemas import InputModel, ReadModel

DivisionCode = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{6}$",
        description="GB/T 2260 administrative division code.",
        examples=["510500"],
    ),
]
UnitName = Annotated[str, Field(min_length=1, max_length=200, examples=["泸州市应急管理局"])]
DocumentPrefix = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        description="Prefix of issued opinion numbers.",
        examples=["泸应急意"],
    ),
]


def _soe_error(field: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(
        "org_unit", "{field}: {message}", {"field": field, "message": message}
    )


class OrgUnitCreate(InputModel):
    name: UnitName
    kind: OrgUnitKind
    level: OrgUnitLevel
    parent_id: UUID | None = Field(default=None, description="Empty for a root of the tree.")
    division_code: DivisionCode | None = None
    is_key_soe: bool = Field(default=False, description="A key municipal state-owned enterprise.")
    industry: Industry | None = Field(default=None, description="For enterprises.")
    document_prefix: DocumentPrefix | None = None

    @model_validator(mode="after")
    def soe_fields(self) -> Self:
        if self.is_key_soe and self.kind is not OrgUnitKind.STATE_OWNED_ENTERPRISE:
            raise _soe_error("is_key_soe", "only a state-owned enterprise can be a key SOE")
        return self


class OrgUnitUpdate(InputModel):
    """Correctable details; kind, level and place in the tree are fixed. The unit keeps every
    version (`GET /v1/org-units/{id}/history`), with who, when and this reason."""

    reason: Annotated[str, Field(min_length=1, max_length=2000, examples=["单位更名"])]
    name: UnitName | None = None
    division_code: DivisionCode | None = None
    is_key_soe: bool | None = None
    industry: Industry | None = None
    document_prefix: DocumentPrefix | None = None

    @model_validator(mode="after")
    def required_stay_set(self) -> Self:
        for name in ("name", "is_key_soe"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise _soe_error(name, "cannot be emptied")
        return self


class OrgUnit(ReadModel):
    id: UUID
    name: str
    kind: OrgUnitKind
    level: OrgUnitLevel
    parent_id: UUID | None
    path: list[UUID] = Field(description="Ancestors from the root down to this unit.")
    division_code: str | None
    is_key_soe: bool
    industry: Industry | None
    document_prefix: str | None
    version: int = Field(description="1, then one more with every correction.")
    created_at: datetime
    updated_at: datetime


class OrgUnitVersion(ReadModel):
    """One version of a unit's correctable details, as recorded."""

    version: int
    change: ChangeKind
    change_reason: str | None
    name: str
    division_code: str | None
    is_key_soe: bool
    industry: Industry | None
    document_prefix: str | None
    recorded_at: datetime
    recorded_by: UUID | None
    request_id: str | None


class OrgUnitFilters(InputModel):
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=1_000_000)
    parent_id: UUID | None = None
    under: UUID | None = Field(
        default=None, description="Units in this unit's subtree (itself included)."
    )
    kind: OrgUnitKind | None = None
    level: OrgUnitLevel | None = None
    is_key_soe: bool | None = None
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="Name contains this text."
    )


class OrgUnitPage(BaseModel):
    items: list[OrgUnit]
    total: int
    limit: int
    offset: int
