"""Test data through the real API: org units, cadres and records, and valid ID numbers."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import httpx

from app.domain.idnumber import check_character

_sequence = itertools.count(100)


def id_number(born: date = date(1975, 6, 15), region: str = "510502", male: bool = True) -> str:
    """A valid resident ID number, unique within the test run."""
    n = next(_sequence)
    seq = (n % 500) * 2 + (1 if male else 0)
    born = born + timedelta(days=n // 500)
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def case_body(cadre_id: str, **fields: Any) -> dict[str, Any]:
    """A decided accountability case: admonishment for responsibility for an accident."""
    return {
        "cadre_id": cadre_id,
        "circumstance": "accident_responsibility",
        "status": "decided",
        "opened_on": "2020-06-01",
        "decision_date": "2020-09-01",
        "authority": "中共泸州市纪律检查委员会",
        "methods": ["admonishment"],
        **fields,
    }


class Api:
    """Thin helpers over an httpx client authenticated as some API client."""

    def __init__(self, http: httpx.AsyncClient, key: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {key}"}

    async def post(self, path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        response = await self.http.post(path, json=body, headers=self.headers)
        assert response.status_code == status, response.text
        data: dict[str, Any] = response.json()
        return data

    async def get(self, path: str, expect: int = 200, **params: Any) -> Any:
        response = await self.http.get(path, params=params, headers=self.headers)
        assert response.status_code == expect, response.text
        return response.json()

    async def org_unit(self, name: str = "泸州市", **fields: Any) -> dict[str, Any]:
        body = {"name": name, "kind": "government", "level": "city", **fields}
        return await self.post("/v1/org-units", body)

    async def cadre(self, name: str = "张明", **fields: Any) -> dict[str, Any]:
        body = {"id_number": id_number(), "name": name, **fields}
        return await self.post("/v1/cadres", body)

    async def post_held(
        self, cadre_id: str, org_unit_id: str, start: str = "2015-01-01", **fields: Any
    ) -> dict[str, Any]:
        body = {
            "cadre_id": cadre_id,
            "org_unit_id": org_unit_id,
            "title": "县长",
            "position": "principal",
            "safety_role": "first_responsible",
            "team_rank": 1,
            "start_date": start,
            **fields,
        }
        return await self.post("/v1/posts", body)

    async def accident(self, org_unit_id: str, **fields: Any) -> dict[str, Any]:
        body = {
            "org_unit_id": org_unit_id,
            "occurred_at": "2020-05-01T10:00:00+08:00",
            "industry": "construction",
            "deaths": 1,
            "serious_injuries": 0,
            "direct_loss_cny": "500000",
            **fields,
        }
        return await self.post("/v1/accidents", body)

    async def case(self, cadre_id: str, **fields: Any) -> dict[str, Any]:
        return await self.post("/v1/accountability-cases", case_body(cadre_id, **fields))
