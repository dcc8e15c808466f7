"""Shared wire-schema building blocks: strict inputs, labelled outputs, pages."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    computed_field,
    create_model,
    field_validator,
)

from app.domain.enums import ChangeKind


def _no_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if isinstance(value, list):
        for item in value:
            _no_nul(item)
    return value


class InputModel(BaseModel):
    """Request bodies and query filters: unknown fields are refused, strings trimmed, NUL
    characters (which PostgreSQL cannot store) refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_nul(cls, value: Any) -> Any:
        return _no_nul(value)


EARLIEST = date(1900, 1, 1)
LATEST = date(2099, 12, 31)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must include a time zone offset, e.g. 2026-03-01T08:30:00+08:00")
    _in_range(value)
    return value


def _in_range(value: Any) -> Any:
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}")
    return value


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _iso_date_only(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise ValueError("must be an ISO 8601 date, YYYY-MM-DD")
    if not isinstance(value, str | date) or isinstance(value, datetime):
        raise ValueError("must be an ISO 8601 date, YYYY-MM-DD")
    return value


def _iso_datetime_only(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DATETIME.match(value):
        raise ValueError(
            "must be an ISO 8601 date-time with offset, e.g. 2026-03-01T08:30:00+08:00"
        )
    if not isinstance(value, str | datetime):
        raise ValueError(
            "must be an ISO 8601 date-time with offset, e.g. 2026-03-01T08:30:00+08:00"
        )
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_only), AfterValidator(_in_range)]
AwareDatetime = Annotated[datetime, BeforeValidator(_iso_datetime_only), AfterValidator(_aware)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=20000)]
Year = Annotated[int, Field(ge=1949, le=2100)]
PositiveInt = Annotated[int, Field(ge=1, strict=True)]


def _label(value: Any) -> str | list[str] | None:
    labels = getattr(type(value), "__zh__", None)
    if isinstance(value, StrEnum) and labels is not None:
        return str(labels[value.value])
    if isinstance(value, list | tuple) and value and all(isinstance(v, StrEnum) for v in value):
        return [str(_label(v)) for v in value]
    return None


class ReadModel(BaseModel):
    """Responses: every enum field also gets its Chinese label in `labels`."""

    model_config = ConfigDict(from_attributes=True)

    @computed_field(description="Chinese labels of this object's enum values, by field name.")
    def labels(self) -> dict[str, str | list[str]]:
        out: dict[str, str | list[str]] = {}
        for name in type(self).model_fields:
            label = _label(getattr(self, name))
            if label is not None:
                out[name] = label
        return out


class RecordMeta(ReadModel):
    """Every version of a versioned record carries who recorded it, when and why."""

    id: UUID
    version: int = Field(description="1 for the original; each amendment or revocation adds one.")
    change: ChangeKind
    change_reason: str | None = None
    recorded_at: datetime = Field(description="Knowledge time: when the service learned this.")
    recorded_by: UUID | None = Field(default=None, description="The API client that recorded it.")

    @computed_field(description="True when the record has been revoked (withdrawn).")
    def revoked(self) -> bool:
        return self.change is ChangeKind.REVOKED


def page_model(item: type[BaseModel], name: str) -> type[BaseModel]:
    return create_model(
        name,
        __base__=BaseModel,
        items=(list[item], ...),  # type: ignore[valid-type]
        total=(int, Field(description="Items matching the filters.")),
        limit=(int, ...),
        offset=(int, ...),
    )


class AmendmentBase(InputModel):
    reason: Annotated[str, Field(min_length=2, max_length=2000)] = Field(
        description="Why the record is corrected (kept with the new version)."
    )
    expected_version: int | None = Field(
        default=None, ge=1, description="Refuse (409) if the record has moved past this version."
    )
    changes: InputModel


class Revocation(InputModel):
    reason: Annotated[str, Field(min_length=2, max_length=2000)]
    expected_version: int | None = Field(
        default=None, ge=1, description="Refuse (409) if the record has moved past this version."
    )
