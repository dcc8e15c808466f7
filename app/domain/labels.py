"""Enums whose English codes are the identifiers and whose Chinese labels travel with them.

`@labeled({...})` attaches a Chinese label to every member (and refuses a missing one); the
OpenAPI schema of the enum carries the labels as `x-labels`, and `/v1/enums` lists them all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, TypeVar

E = TypeVar("E", bound=type[StrEnum])

REGISTRY: dict[str, type[StrEnum]] = {}


def labeled(zh: Mapping[str, str], en: Mapping[str, str] | None = None) -> Callable[[E], E]:
    def decorate(cls: E) -> E:
        values = {m.value for m in cls}
        missing = values - set(zh)
        extra = set(zh) - values
        if missing or extra:
            raise TypeError(f"{cls.__name__}: labels missing {missing or ''} extra {extra or ''}")
        cls.__zh__ = dict(zh)  # type: ignore[attr-defined]
        cls.__en__ = {  # type: ignore[attr-defined]
            v: (en or {}).get(v, v.replace("_", " ").capitalize()) for v in values
        }

        def json_schema(
            klass: type[StrEnum], core_schema: Any, handler: Callable[[Any], dict[str, Any]]
        ) -> dict[str, Any]:
            schema = handler(core_schema)
            schema["x-labels"] = {m.value: zh[m.value] for m in klass}
            return schema

        cls.__get_pydantic_json_schema__ = classmethod(json_schema)  # type: ignore[attr-defined]
        REGISTRY[cls.__name__] = cls
        return cls

    return decorate


def zh(member: StrEnum) -> str:
    labels: dict[str, str] = type(member).__zh__  # type: ignore[attr-defined]
    return labels[member.value]


def en(member: StrEnum) -> str:
    labels: dict[str, str] = type(member).__en__  # type: ignore[attr-defined]
    return labels[member.value]
