"""Cadres (a person, for life) and their dated status events.

A cadre's identity (ID number, birth date) is fixed at creation and lives in `cadres`, which
other tables reference; the amendable details (name, gender) are versioned in
`cadre_versions`."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Date, ForeignKey, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.enums import CadreStatus, Gender
from app.models.base import Base
from app.models.types import Versioned, enum_type, record_id_index, tstz


class Cadre(Base):
    __tablename__ = "cadres"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    id_number_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    id_number_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    id_number_masked: Mapped[str] = mapped_column(String(18))
    birth_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = tstz(server_default=func.now())
    created_by: Mapped[UUID | None] = mapped_column(ForeignKey("api_clients.id"))


class CadreVersion(Versioned, Base):
    __tablename__ = "cadre_versions"

    id: Mapped[UUID] = mapped_column(ForeignKey("cadres.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    gender: Mapped[Gender] = mapped_column(enum_type(Gender))


class CadreStatusEvent(Versioned, Base):
    """Retirement, leaving (or return to service): a dated event, never an edit of the cadre."""

    __tablename__ = "cadre_status_events"
    __table_args__ = (record_id_index("cadre_status_events"),)

    # The distribution column: the primary key leads with it (docs/partitioning.md).
    cadre_id: Mapped[UUID] = mapped_column(ForeignKey("cadres.id"))
    status: Mapped[CadreStatus] = mapped_column(enum_type(CadreStatus))
    effective_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
