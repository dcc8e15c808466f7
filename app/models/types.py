"""Column helpers: enums stored as their English codes with a CHECK constraint."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import DateTime, Enum, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.domain.enums import ChangeKind


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def enum_type(enum_cls: type[StrEnum]) -> Enum:
    return Enum(
        enum_cls,
        name=_snake(enum_cls.__name__),
        native_enum=False,
        create_constraint=True,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
        length=max(len(m.value) for m in enum_cls),
    )


def tstz(**kwargs: Any) -> Any:
    return mapped_column(DateTime(timezone=True), **kwargs)


def record_id_index(table: str) -> Index:
    """A versioned record's primary key in the database leads with its table's distribution
    column (`cadre_id`, `org_unit_id`, an assessment's `subject_id`: docs/partitioning.md),
    which never changes for a record (it is part of its identity, never amended), so it is
    unique on (id, version) all the same; this index finds a record by id. The mapping's
    identity stays (id, version)."""
    return Index(f"ix_{table}_id_version", "id", "version")


class Versioned:
    """Columns every versioned record carries. Rows are never updated or deleted (a trigger
    refuses it): an amendment or a revocation is a new row with the next version number."""

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    change: Mapped[ChangeKind] = mapped_column(enum_type(ChangeKind))
    change_reason: Mapped[str | None] = mapped_column(String(2000))
    recorded_at: Mapped[datetime] = tstz(server_default=func.now())
    request_id: Mapped[str | None] = mapped_column(String(128))

    @declared_attr
    def recorded_by(cls) -> Mapped[UUID | None]:
        return mapped_column(ForeignKey("api_clients.id"))
