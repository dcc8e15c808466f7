"""Idempotency keys: the first successful response to a write sent with `Idempotency-Key`, kept
so that a retry of the same request gets the same answer instead of writing twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import LargeBinary, SmallInteger, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.types import tstz


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    # sha256 of the credentials presented: one client's keys never meet another's.
    namespace: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    # sha256 of method, path, query and body: a key reused for another request is refused.
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary(32))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = tstz(server_default=func.now())
    # The response, stored once the write has committed (null until then).
    status: Mapped[int | None] = mapped_column(SmallInteger)
    headers: Mapped[list[Any] | None] = mapped_column(JSONB)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
