"""The jurisdiction tree: Party committees, governments, departments, zones and SOEs."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.enums import ChangeKind, Industry, OrgUnitKind, OrgUnitLevel
from app.models.base import Base
from app.models.types import enum_type, tstz


class OrgUnit(Base):
    __tablename__ = "org_units"
    __table_args__ = (
        CheckConstraint("division_code ~ '^[0-9]{6}$'", name="division_code_six_digits"),
        Index("ix_org_units_path", "path", postgresql_using="gin"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrgUnitKind] = mapped_column(enum_type(OrgUnitKind))
    level: Mapped[OrgUnitLevel] = mapped_column(enum_type(OrgUnitLevel))
    parent_id: Mapped[UUID | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    # Ancestors from the root down to and including this unit: subtree = path @> {id}.
    path: Mapped[list[UUID]] = mapped_column(ARRAY(PG_UUID(as_uuid=True)))
    division_code: Mapped[str | None] = mapped_column(String(6))
    is_key_soe: Mapped[bool] = mapped_column(Boolean, server_default="false")
    industry: Mapped[Industry | None] = mapped_column(enum_type(Industry))
    document_prefix: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(server_default="1")  # see org_unit_versions
    created_at: Mapped[datetime] = tstz(server_default=func.now())
    updated_at: Mapped[datetime] = tstz(server_default=func.now())


class OrgUnitVersion(Base):
    """Every version of an org unit's correctable details, append-only (a trigger refuses
    UPDATE and DELETE): the unit row holds the current one; a correction adds a version with
    who, when and why."""

    __tablename__ = "org_unit_versions"

    org_unit_id: Mapped[UUID] = mapped_column(ForeignKey("org_units.id"), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    change: Mapped[ChangeKind] = mapped_column(enum_type(ChangeKind))
    change_reason: Mapped[str | None] = mapped_column(String(2000))
    name: Mapped[str] = mapped_column(String(200))
    division_code: Mapped[str | None] = mapped_column(String(6))
    is_key_soe: Mapped[bool] = mapped_column(Boolean)
    industry: Mapped[Industry | None] = mapped_column(enum_type(Industry))
    document_prefix: Mapped[str | None] = mapped_column(String(40))
    recorded_at: Mapped[datetime] = tstz(server_default=func.now())
    recorded_by: Mapped[UUID | None] = mapped_column(ForeignKey("api_clients.id"))
    request_id: Mapped[str | None] = mapped_column(String(128))
