"""Batch limits: identical items are evaluated once, a batch's answer has a size budget, and the
process goes on answering while a big batch is evaluated.

The heavy cadre has 300 accountability cases, so every decision about them lists some 600
findings (about 440 KB); 10,000 such items would be a 4 GB answer."""

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.main import create_app
from app.models import VettingDecision
from tests.factories import Api, id_number

CASES = 300
BATCHES = "/v1/vetting/batches"


@pytest.fixture
async def heavy(api: Api) -> dict[str, Any]:
    """A cadre with CASES accountability cases, imported in one file through the API."""
    number = id_number()
    cadre = await api.post("/v1/cadres", {"id_number": number, "name": "问责多"})
    rows = [["身份证号", "问责情形", "立案日期", "决定日期", "决定机关", "问责方式"]]
    for i in range(CASES):
        opened = date(2010, 1, 1) + timedelta(days=20 * i)
        decided = opened + timedelta(days=10)
        rows.append(
            [
                number,
                "对生产安全事故负有领导责任",
                str(opened),
                str(decided),
                "泸州市纪委监委",
                "诫勉",
            ]
        )
    response = await api.http.post(
        "/v1/imports/accountability-cases",
        content="".join(",".join(row) + "\n" for row in rows).encode(),
        params={"filename": "cases.csv"},
        headers={**api.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["rows"] == CASES
    return cadre


def items_about(cadre: dict[str, Any], count: int, distinct: bool) -> dict[str, Any]:
    """`count` promotion checks of the cadre: all alike, or each as of another day."""
    return {
        f"k{i}": {
            "cadre_id": cadre["id"],
            "purpose": "promotion",
            "as_of": str(date(2026, 1, 1) - timedelta(days=i if distinct else 0)),
        }
        for i in range(count)
    }


async def decisions_stored(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(VettingDecision)) or 0)


@pytest.fixture
async def small_budget(settings: Settings, admin_key: str) -> AsyncIterator[Api]:
    """The API of a process whose batches may answer with at most 1 MB."""
    app: FastAPI = create_app(settings.model_copy(update={"batch_max_response_bytes": 2**20}))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield Api(http, admin_key)
    finally:
        await app.state.engine.dispose()


async def test_identical_items_share_one_answer_each_under_its_own_logged_decision(
    api: Api, heavy: dict[str, Any]
) -> None:
    items = {
        **items_about(heavy, 3, distinct=False),
        "other": {**items_about(heavy, 1, True)["k0"]},
    }
    items["other"]["purpose"] = "commendation"
    results = (await api.post(BATCHES, {"items": items}, status=200))["results"]
    ids = {r["decision_id"] for r in results.values()}
    assert len(ids) == 4
    alike = [{**results[k], "decision_id": None} for k in ("k0", "k1", "k2")]
    assert alike[0] == alike[1] == alike[2]
    assert len(alike[0]["findings"]) > CASES
    stored = await api.get(f"/v1/vetting/decisions/{results['k2']['decision_id']}")
    assert stored == results["k2"]


async def test_an_answer_within_the_budget_is_given_and_stays_within_it(
    small_budget: Api, heavy: dict[str, Any]
) -> None:
    response = await small_budget.http.post(
        BATCHES, json={"items": items_about(heavy, 2, distinct=True)}, headers=small_budget.headers
    )
    assert response.status_code == 200, response.text[:500]
    assert 2 * 400_000 < len(response.content) <= 2**20
    assert response.json()["summary"]["problems"] == 0


async def test_a_batch_whose_answer_would_pass_the_budget_is_refused_and_nothing_stored(
    small_budget: Api, heavy: dict[str, Any], engine: AsyncEngine
) -> None:
    problem = await small_budget.post(
        BATCHES, {"items": items_about(heavy, 3, distinct=True)}, status=413
    )
    assert problem["type"].endswith("/payload-too-large")
    assert "1,048,576 bytes" in problem["detail"]
    assert "split the batch" in problem["detail"]
    assert problem["errors"][0]["field"] == "body.items"
    assert await decisions_stored(engine) == 0


async def test_ten_thousand_identical_heavy_items_are_refused_with_a_small_problem(
    api: Api, heavy: dict[str, Any], engine: AsyncEngine
) -> None:
    body = {"items": items_about(heavy, 10_000, distinct=False)}
    response = await api.http.post(BATCHES, json=body, headers=api.headers)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert len(response.content) < 4096
    assert "split the batch" in response.json()["detail"]
    assert await decisions_stored(engine) == 0


async def test_health_is_answered_while_a_big_batch_is_being_evaluated(
    api: Api, heavy: dict[str, Any]
) -> None:
    received = asyncio.Event()

    async def batch_body() -> AsyncIterator[bytes]:
        yield orjson.dumps({"items": items_about(heavy, 2_000, distinct=True)})
        received.set()  # the app asked for more: it has the whole batch

    headers = {**api.headers, "Content-Type": "application/json"}
    batch = asyncio.ensure_future(api.http.post(BATCHES, content=batch_body(), headers=headers))
    await received.wait()
    answered_during_batch = 0
    while not batch.done():
        await asyncio.sleep(0)  # a probe needs no I/O: without this it would never let go
        health = await api.http.get("/healthz")
        assert health.status_code == 200
        answered_during_batch += not batch.done()
    response = await batch
    assert answered_during_batch >= 1
    assert response.status_code == 413
    assert len(response.content) < 4096
