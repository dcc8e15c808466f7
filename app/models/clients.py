"""API clients and their hashed keys."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import ForeignKey, String, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.types import tstz


class ApiClient(Base):
    __tablename__ = "api_clients"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key_prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    org_unit_id: Mapped[UUID | None] = mapped_column(ForeignKey("org_units.id"))
    created_at: Mapped[datetime] = tstz(server_default=func.now())
    revoked_at: Mapped[datetime | None] = tstz()
