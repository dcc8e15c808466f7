"""Prometheus metrics at GET /metrics (app.metrics), through the real app and database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from app.config import Settings
from app.main import create_app
from app.metrics import LiveCollector, install_metrics, record_decisions
from tests.conftest import make_client
from tests.factories import Api

CADRE_ROUTE = "/v1/cadres/{cadre_id}"


@pytest.fixture(scope="module")
async def metrics_app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    install_metrics(application)
    yield application
    await application.state.engine.dispose()


@pytest.fixture
async def metrics_api(metrics_app: FastAPI, clean_db: None) -> AsyncIterator[Api]:
    key = await make_client(metrics_app, "metrics-admin", ["admin"])
    transport = httpx.ASGITransport(app=metrics_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Api(http, key)


def samples(body: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def value(body: str, name: str, **labels: str) -> float | None:
    return samples(body).get((name, frozenset(labels.items())))


async def scrape(api: Api) -> str:
    response = await api.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_requests_are_counted_by_route_template(metrics_api: Api) -> None:
    cadre = await metrics_api.cadre()
    labels = {"method": "GET", "route": CADRE_ROUTE, "status": "200"}
    before = REGISTRY.get_sample_value("http_requests_total", labels) or 0
    await metrics_api.get(f"/v1/cadres/{cadre['id']}")
    await metrics_api.get(f"/v1/cadres/{cadre['id']}")
    body = await scrape(metrics_api)

    assert value(body, "http_requests_total", **labels) == before + 2
    assert cadre["id"] not in body  # never the raw path
    latency = {"method": "GET", "route": CADRE_ROUTE}
    assert (value(body, "http_request_duration_seconds_count", **latency) or 0) >= 2
    assert value(body, "http_request_duration_seconds_bucket", le="+Inf", **latency)
    assert value(body, "http_requests_total", method="POST", route="/v1/cadres", status="201")


async def test_unmatched_paths_are_one_series(metrics_api: Api) -> None:
    await metrics_api.http.get("/no/such/path/123")
    body = await scrape(metrics_api)
    assert value(body, "http_requests_total", method="GET", route="unmatched", status="404")
    assert "/no/such/path" not in body


async def test_pool_and_webhook_gauges(metrics_api: Api) -> None:
    body = await scrape(metrics_api)
    assert value(body, "db_pool_size") == 5  # the suite's settings
    checked_out = value(body, "db_pool_checked_out")
    assert checked_out is not None and checked_out >= 0
    assert value(body, "db_pool_checked_in") is not None
    assert value(body, "db_pool_overflow") == 0
    for status in ("pending", "due", "failed"):
        assert value(body, "webhook_deliveries", status=status) == 0
    assert value(body, "webhook_subscriptions_failing") == 0


async def test_the_webhook_backlog_is_counted(metrics_api: Api) -> None:
    body = {"url": "http://127.0.0.1:9/hooks", "event_types": ["accountability_case.recorded"]}
    await metrics_api.post("/v1/webhooks", body | {"secret": "s" * 32})
    cadre = await metrics_api.cadre()
    await metrics_api.case(cadre["id"])
    await metrics_api.case(cadre["id"])
    text = await scrape(metrics_api)
    assert value(text, "webhook_deliveries", status="pending") == 2
    assert value(text, "webhook_deliveries", status="due") == 2
    assert value(text, "webhook_deliveries", status="failed") == 0


async def test_decisions_are_counted_by_outcome(metrics_api: Api) -> None:
    before = REGISTRY.get_sample_value("vetting_decisions_total", {"outcome": "ineligible"}) or 0
    record_decisions(["eligible", "ineligible", "ineligible"])
    body = await scrape(metrics_api)
    assert value(body, "vetting_decisions_total", outcome="ineligible") == before + 2


async def test_a_vetting_check_counts_its_decision(metrics_api: Api) -> None:
    """Needs `metrics.record_decisions(...)` where app.vetting.service stores decisions."""
    cadre = await metrics_api.cadre()
    outcomes = ("eligible", "ineligible", "pending")
    counted = {
        o: REGISTRY.get_sample_value("vetting_decisions_total", {"outcome": o}) or 0
        for o in outcomes
    }
    check = {"cadre_id": cadre["id"], "purpose": "promotion"}
    decision = await metrics_api.post("/v1/vetting/checks", check)
    counted[decision["outcome"]] += 1
    body = await scrape(metrics_api)
    for outcome in outcomes:
        assert (value(body, "vetting_decisions_total", outcome=outcome) or 0) == counted[outcome]
    route = {"method": "POST", "route": "/v1/vetting/checks", "status": "201"}
    assert value(body, "http_requests_total", **route)


def test_installing_twice_changes_nothing(metrics_app: FastAPI) -> None:
    routes = len(metrics_app.routes)
    stack = list(metrics_app.user_middleware)
    install_metrics(metrics_app)
    assert (len(metrics_app.routes), metrics_app.user_middleware) == (routes, stack)


async def test_metrics_are_not_in_the_openapi_document(metrics_api: Api) -> None:
    document = (await metrics_api.http.get("/openapi.json")).json()
    assert "/metrics" not in document["paths"]


async def test_an_unanswering_database_does_not_hang_the_scrape(settings: Settings) -> None:
    """A database that accepts connections and never answers: the counts are -1, at once."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    application = create_app(
        settings, database_url=f"postgresql+asyncpg://nobody@127.0.0.1:{port}/none"
    )
    install_metrics(application, timeout_seconds=0.3)
    try:
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            response = await asyncio.wait_for(http.get("/metrics"), 5)
        assert response.status_code == 200
        for status in ("pending", "due", "failed"):
            assert value(response.text, "webhook_deliveries", status=status) == -1
        assert value(response.text, "webhook_subscriptions_failing") == -1
        assert value(response.text, "db_pool_size") == 5
    finally:
        server.close()
        await application.state.engine.dispose()


async def test_a_refusing_database_gives_unknown_counts(settings: Settings) -> None:
    application = create_app(settings, database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        live = LiveCollector(application.state.engine, 2, application.state.reads)
        await live.refresh()
        assert set(live.webhooks.values()) == {-1}
    finally:
        await application.state.engine.dispose()
