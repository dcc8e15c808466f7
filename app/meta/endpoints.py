"""Reference data: every enum with its Chinese label."""

from fastapi import APIRouter
from pydantic import BaseModel, Field

import app.auth.scopes
import app.domain.enums  # noqa: F401  (registers the domain enums)
from app.domain.labels import REGISTRY

router = APIRouter(prefix="/v1", tags=["reference"])


class EnumValue(BaseModel):
    code: str
    zh: str
    en: str


class EnumList(BaseModel):
    enums: dict[str, list[EnumValue]] = Field(description="By enum name, values in order.")


@router.get("/enums", response_model=EnumList, operation_id="list_enums")
async def list_enums() -> EnumList:
    """Every enumeration used by the API: English code, Chinese label, English label."""
    return EnumList(
        enums={
            name: [
                EnumValue(code=m.value, zh=cls.__zh__[m.value], en=cls.__en__[m.value])  # type: ignore[attr-defined]
                for m in cls
            ]
            for name, cls in sorted(REGISTRY.items())
        }
    )
