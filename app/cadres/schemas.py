"""Wire schemas for cadres."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Self
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from app import clock
from app.domain import idnumber
from app.domain.enums import CadreStatus, Gender
from app.schemas import AmendmentBase, InputModel, IsoDate, RecordMeta

Name = Annotated[str, Field(min_length=1, max_length=100, examples=["张明"])]
IdNumberText = Annotated[
    str,
    Field(
        min_length=18,
        max_length=18,
        description="Resident ID number (GB 11643), 18 characters; the last may be X.",
        examples=["510502198001011235"],
    ),
]


def _valid_id_number(value: str) -> str:
    try:
        return idnumber.parse(value, today=clock.today()).value
    except idnumber.InvalidIdNumber as exc:
        raise ValueError(str(exc)) from None


ValidIdNumber = Annotated[IdNumberText, AfterValidator(_valid_id_number)]


def _error(field: str, message: str) -> PydanticCustomError:
    return PydanticCustomError("cadre", "{field}: {message}", {"field": field, "message": message})


class CadreCreate(InputModel):
    id_number: IdNumberText
    name: Name
    gender: Gender | None = Field(default=None, description="Checked against the ID number.")
    birth_date: IsoDate | None = Field(default=None, description="Checked against the ID number.")

    @model_validator(mode="after")
    def matches_id_number(self) -> Self:
        try:
            parsed = idnumber.parse(self.id_number, today=clock.today())
        except idnumber.InvalidIdNumber as exc:
            raise _error("id_number", str(exc)) from None
        if self.birth_date is not None and self.birth_date != parsed.birth_date:
            raise _error(
                "birth_date",
                f"disagrees with the ID number, which gives {parsed.birth_date.isoformat()}",
            )
        if self.gender is not None and self.gender != parsed.gender:
            raise _error("gender", f"disagrees with the ID number, which gives {parsed.gender}")
        self.id_number = parsed.value
        self.birth_date = parsed.birth_date
        self.gender = parsed.gender
        return self


class CadreDetails(InputModel):
    """The amendable details of a cadre (the ID number and birth date are fixed)."""

    name: Name
    gender: Gender


class CadreChanges(InputModel):
    name: Name | None = None
    gender: Gender | None = None


class CadreAmendment(AmendmentBase):
    changes: CadreChanges


class CadreLookup(InputModel):
    id_number: ValidIdNumber


class Cadre(RecordMeta):
    id_number: str = Field(
        description="Masked (51**************34: province and last two characters) unless the "
        "client has pii:read."
    )
    name: str
    gender: Gender
    birth_date: date | None = Field(description="Only for a client with pii:read; else null.")
    birth_month: str = Field(
        description="Year and month of birth (YYYY-MM, as 出生年月 on the appointment form).",
        pattern=r"^\d{4}-\d{2}$",
        examples=["1980-01"],
    )
    status: CadreStatus = Field(description="Status today, from the dated status events.")
    created_at: datetime


class CadreVersion(RecordMeta):
    name: str
    gender: Gender


class CadreFilters(InputModel):
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=1_000_000)
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="Name contains this text."
    )
    org_unit_id: UUID | None = Field(default=None, description="Has held a post in this unit.")
    under: UUID | None = Field(default=None, description="Has held a post in this subtree.")
    status: CadreStatus | None = None


class CadrePage(BaseModel):
    items: list[Cadre]
    total: int
    limit: int
    offset: int
