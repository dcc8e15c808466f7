"""Appointment forms (干部任免审批表, .lrmx) as received: what was read (never family members
or the photo), for the differences with the record and for the next export."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.types import tstz


class AppointmentForm(Base):
    __tablename__ = "appointment_forms"
    __table_args__ = (Index("ix_appointment_forms_cadre", "cadre_id", "received_at"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    cadre_id: Mapped[UUID] = mapped_column(ForeignKey("cadres.id"))
    cadre_created: Mapped[bool] = mapped_column(Boolean)
    filename: Mapped[str | None] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = tstz(server_default=func.now())
    received_by: Mapped[UUID | None] = mapped_column(ForeignKey("api_clients.id"))
    applied_at: Mapped[datetime | None] = tstz()
