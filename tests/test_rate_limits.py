"""Per client address: the public endpoints answer a limited number of requests a minute, and
after too many failed authentications requests with credentials are refused — with 429
problem+json and Retry-After. Other addresses and other endpoints are not affected."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.main import create_app
from tests.conftest import make_client

Limited = Callable[..., AbstractAsyncContextManager[dict[str, Any]]]


@pytest.fixture
def limited(settings: Settings, clean_db: None) -> Limited:
    """An app with the given limits; clients connecting from two addresses and an admin key."""

    @asynccontextmanager
    async def make(**limits: int) -> AsyncIterator[dict[str, Any]]:
        app = create_app(settings.model_copy(update=limits))
        try:
            clients = [
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app, client=(peer, 50000)),
                    base_url="http://test",
                )
                for peer in ("198.51.100.1", "198.51.100.2")
            ]
            key = await make_client(app, "limits-test", ["admin"])
            yield {"first": clients[0], "second": clients[1], "key": key}
            for http in clients:
                await http.aclose()
        finally:
            await app.state.engine.dispose()

    return make


def assert_too_many(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) >= 1
    problem = response.json()
    assert problem["status"] == 429 and problem["title"] == "Too many requests"


@pytest.mark.parametrize(
    "path", ["/v1/opinions/verify?number=x", "/v1/public/assessment-results.html"]
)
async def test_a_public_endpoint_is_limited_per_address(limited: Limited, path: str) -> None:
    async with limited(public_rate_per_minute=3) as http:
        for _ in range(3):
            assert (await http["first"].get(path)).status_code != 429
        assert_too_many(await http["first"].get(path))
        assert_too_many(await http["first"].get("/v1/public/assessment-results"))
        assert (await http["second"].get(path)).status_code != 429
        assert (await http["first"].get("/healthz")).status_code == 200


async def test_after_too_many_failed_keys_credentials_are_refused(limited: Limited) -> None:
    async with limited(auth_failures_per_minute=2) as http:
        wrong = {"Authorization": "Bearer not-a-key"}
        for _ in range(2):
            assert (await http["first"].get("/v1/org-units", headers=wrong)).status_code == 401
        assert_too_many(await http["first"].get("/v1/org-units", headers=wrong))
        good = {"Authorization": f"Bearer {http['key']}"}
        assert_too_many(await http["first"].get("/v1/org-units", headers=good))
        assert (await http["second"].get("/v1/org-units", headers=good)).status_code == 200
        assert (await http["first"].get("/v1/public/assessment-results")).status_code == 200


async def test_successful_requests_spend_no_failure_budget(limited: Limited) -> None:
    async with limited(auth_failures_per_minute=1) as http:
        good = {"Authorization": f"Bearer {http['key']}"}
        for _ in range(5):
            assert (await http["first"].get("/v1/org-units", headers=good)).status_code == 200


async def test_a_limit_of_zero_is_no_limit(limited: Limited) -> None:
    async with limited(public_rate_per_minute=0, auth_failures_per_minute=0) as http:
        wrong = {"Authorization": "Bearer not-a-key"}
        for _ in range(5):
            assert (await http["first"].get("/v1/public/assessment-results")).status_code == 200
            assert (await http["first"].get("/v1/org-units", headers=wrong)).status_code == 401


def test_a_bucket_refills_over_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from app import ratelimit

    now = [1000.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: now[0])
    buckets = ratelimit.TokenBuckets(per_minute=2)
    assert buckets.take("a") == 0 and buckets.take("a") == 0
    assert buckets.take("a") == pytest.approx(30.0)  # one token every 30 s
    now[0] += 30
    assert buckets.take("a") == 0


def test_buckets_forget_the_least_recently_seen_clients() -> None:
    from app.ratelimit import TokenBuckets

    buckets = TokenBuckets(per_minute=1, max_keys=2)
    for key in ("a", "b", "c"):
        buckets.take(key)
    assert buckets.take("a") == 0  # forgotten, so full again
    assert buckets.take("c") > 0
