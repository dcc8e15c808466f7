"""X-Forwarded-For is believed only from a configured proxy (VETTING_TRUSTED_PROXIES): from
any other peer the audited client address is the peer's own."""

import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest

from app.config import Settings
from app.main import create_app
from tests import serving
from tests.conftest import make_client
from tests.factories import Api

ClientFactory = Callable[[list[str], str], AbstractAsyncContextManager[Api]]


@pytest.fixture
def api_behind(settings: Settings, clean_db: None) -> ClientFactory:
    """An API client of an app trusting `proxies`, connecting from the address `peer`."""

    @asynccontextmanager
    async def make(proxies: list[str], peer: str) -> AsyncIterator[Api]:
        app = create_app(settings.model_copy(update={"trusted_proxies": proxies}))
        transport = httpx.ASGITransport(app=app, client=(peer, 40000))
        try:
            key = await make_client(app, "proxy-test", ["admin"])
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                yield Api(http, key)
        finally:
            await app.state.engine.dispose()

    return make


async def audited_ip(api: Api, forwarded_for: str) -> str | None:
    request_id = uuid.uuid4().hex
    response = await api.http.post(
        "/v1/org-units",
        json={"name": "泸县人民政府", "kind": "government", "level": "county"},
        headers={**api.headers, "X-Request-ID": request_id, "X-Forwarded-For": forwarded_for},
    )
    assert response.status_code == 201, response.text
    (event,) = (await api.get("/v1/audit-events", request_id=request_id))["items"]
    ip: str | None = event["client_ip"]
    return ip


async def test_a_forwarded_address_from_an_unconfigured_peer_is_ignored(api: Api) -> None:
    assert await audited_ip(api, "203.0.113.9") == "127.0.0.1"


async def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(
    api_behind: ClientFactory,
) -> None:
    async with api_behind(["10.0.0.0/8"], "198.51.100.7") as api:
        assert await audited_ip(api, "203.0.113.9") == "198.51.100.7"


async def test_a_forwarded_address_from_a_trusted_proxy_is_the_client(
    api_behind: ClientFactory,
) -> None:
    async with api_behind(["127.0.0.1"], "127.0.0.1") as api:
        assert await audited_ip(api, "203.0.113.9") == "203.0.113.9"


async def test_addresses_a_client_wrote_before_the_proxies_are_not_believed(
    api_behind: ClientFactory,
) -> None:
    async with api_behind(["10.0.0.0/8"], "10.0.0.1") as api:
        # The client sent "6.6.6.6"; the outer proxy appended the client, the inner one itself.
        assert await audited_ip(api, "6.6.6.6, 203.0.113.9, 10.1.2.3") == "203.0.113.9"


async def test_a_malformed_forwarded_address_leaves_the_proxy(
    api_behind: ClientFactory,
) -> None:
    async with api_behind(["127.0.0.1"], "127.0.0.1") as api:
        assert await audited_ip(api, "not-an-address") == "127.0.0.1"


@pytest.fixture
def served(settings: Settings, clean_db: None) -> Iterator[str]:
    """The app as `vetting serve` runs it (app.server), on a free local port."""

    def command(port: int) -> list[str]:
        return [
            sys.executable,
            "-c",
            f"from app.server import serve; serve('127.0.0.1', {port}, 1)",
        ]

    with serving.served(settings, command, "/healthz") as base:
        yield base


async def test_the_server_does_not_believe_a_local_client_either(
    served: str, admin_key: str
) -> None:
    # uvicorn's own proxy handling trusted every peer on 127.0.0.1; the app decides now.
    async with httpx.AsyncClient(base_url=served) as http:
        assert await audited_ip(Api(http, admin_key), "203.0.113.9") == "127.0.0.1"
