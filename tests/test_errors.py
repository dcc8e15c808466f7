"""Every error is RFC 9457 problem+json, including validation, unknown routes and bad methods."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from app.config import Settings
from app.errors import Conflict
from app.main import create_app


class Payload(BaseModel):
    name: str = Field(min_length=1)
    count: int = Field(ge=0)


@pytest.fixture
async def probe_client(settings: Settings) -> httpx.AsyncClient:
    app: FastAPI = create_app(settings)

    @app.post("/probe")
    async def probe(payload: Payload) -> dict[str, str]:
        if payload.name == "taken":
            raise Conflict("name is taken", errors=[("body.name", "already used")])
        return {"ok": payload.name}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert str(body["type"]).startswith("https://")
    assert body["title"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_validation_errors_name_each_field(probe_client: httpx.AsyncClient) -> None:
    response = await probe_client.post("/probe", json={"name": "", "count": -1})
    body = assert_problem(response, 422)
    fields = {e["field"] for e in body["errors"]}  # type: ignore[attr-defined]
    assert fields == {"body.name", "body.count"}


async def test_malformed_json_is_a_400_naming_where(probe_client: httpx.AsyncClient) -> None:
    response = await probe_client.post(
        "/probe", content=b"{not json", headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 400)
    assert "line 1, column 2" in body["detail"]


async def test_app_errors_render_with_their_status(probe_client: httpx.AsyncClient) -> None:
    response = await probe_client.post("/probe", json={"name": "taken", "count": 1})
    body = assert_problem(response, 409)
    assert body["detail"] == "name is taken"
    assert body["errors"] == [{"field": "body.name", "message": "already used"}]


async def test_unknown_route_is_a_404_problem(probe_client: httpx.AsyncClient) -> None:
    body = assert_problem(await probe_client.get("/no/such/thing"), 404)
    assert body["instance"] == "/no/such/thing"


async def test_wrong_method_is_a_405_problem(probe_client: httpx.AsyncClient) -> None:
    assert_problem(await probe_client.delete("/healthz"), 405)


async def test_unexpected_error_is_a_500_problem_without_internals(
    probe_client: httpx.AsyncClient,
) -> None:
    response = await probe_client.get("/boom")
    body = assert_problem(response, 500)
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert body["detail"]


async def test_oversized_body_is_refused_with_413(settings: Settings) -> None:
    small = settings.model_copy(update={"max_body_bytes": 1024})
    app = create_app(small)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.post("/healthz", content=b"x" * 5000)
    assert_problem(response, 413)
    await app.state.engine.dispose()


@pytest.mark.parametrize("extra", [{}, {"Idempotency-Key": "chunked-1"}])
async def test_an_oversized_body_without_a_declared_length_is_refused_with_413(
    settings: Settings, extra: dict[str, str]
) -> None:
    """Sent in chunks, the size is known only while reading: still 413, never 400 or 500."""
    small = settings.model_copy(update={"max_body_bytes": 1024})
    app = create_app(small)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 500

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        headers = {"Content-Type": "application/json", **extra}
        response = await http.post("/v1/cadres", content=chunks(), headers=headers)
    assert_problem(response, 413)
    assert "1024 bytes" in response.json()["detail"]
    await app.state.engine.dispose()


@pytest.mark.parametrize(
    ("path", "param", "value"),
    [
        ("/v1/audit-events", "occurred_from", "1700000000"),
        ("/v1/stats/vetting", "from", "1700000000"),
        ("/v1/accidents", "occurred_at_to", "1700000000"),
        ("/v1/accidents", "known_at", "2026-03-01T08:30:00"),  # no offset
        ("/v1/accountability-cases", "known_at", "yesterday"),
        ("/v1/compliance/safety-responsibility", "as_of", "0900-10-15"),
        ("/v1/compliance/safety-responsibility", "as_of", "20260301"),
    ],
)
async def test_query_dates_are_iso_8601_in_range_or_refused(
    api, path: str, param: str, value: str
) -> None:
    """Dates and times in query strings follow the same rule as in bodies: ISO 8601 only (no
    Unix timestamps), date-times with their offset, days between 1900 and 2099."""
    params = {param: value}
    if path.startswith("/v1/compliance"):
        params["under"] = "00000000-0000-0000-0000-000000000001"
    response = await api.http.get(path, params=params, headers=api.headers)
    body = assert_problem(response, 422)
    fields = [e["field"] for e in body["errors"]]  # type: ignore[union-attr]
    assert f"query.{param}" in fields


async def test_pages_are_capped_at_500_and_texts_at_their_length(api) -> None:
    too_many = await api.http.get("/v1/accidents", params={"limit": 501}, headers=api.headers)
    body = assert_problem(too_many, 422)
    assert [e["field"] for e in body["errors"]] == ["query.limit"]  # type: ignore[union-attr]
    assert (
        await api.http.get("/v1/accidents", params={"limit": 500}, headers=api.headers)
    ).is_success
    long_name = await api.http.post(
        "/v1/org-units",
        json={"name": "泸" * 201, "kind": "government", "level": "city"},
        headers=api.headers,
    )
    body = assert_problem(long_name, 422)
    assert [e["field"] for e in body["errors"]] == ["body.name"]  # type: ignore[union-attr]
    assert (await api.get("/v1/org-units"))["total"] == 0  # nothing written
