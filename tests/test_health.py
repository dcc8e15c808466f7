import asyncio

import httpx

from app.migrations_info import head_revision


async def test_liveness_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": None, "migration": None}


async def test_readiness_reports_database_at_head(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["migration"] == head_revision()


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert len(response.headers["x-request-id"]) == 32


async def test_a_sane_incoming_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "hr-system-42"})
    assert response.headers["x-request-id"] == "hr-system-42"


async def test_an_unsafe_incoming_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert response.headers["x-request-id"] != "bad id\twith spaces"


async def test_readiness_is_503_on_a_database_never_migrated(pg_server, settings) -> None:
    from app.main import create_app
    from tests.dbutil import create_database, drop_database

    url = await asyncio.to_thread(create_database, pg_server.url, "vetting_empty")
    app = create_app(settings.model_copy(update={"database_url": url}))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            response = await http.get("/readyz")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert "vetting migrate" in response.json()["detail"]
        assert response.headers["retry-after"] == "30"
    finally:
        await app.state.engine.dispose()
        await asyncio.to_thread(drop_database, pg_server.url, url)
