"""With the database killed under a running app, requests fail fast with 503 and recover by
themselves once it is back."""

import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from app import embedded
from app.config import Settings
from app.main import create_app
from app.runtime import migrate
from tests.dbutil import with_database


@pytest.fixture(scope="module")
def own_server() -> Iterator[embedded.EmbeddedServer]:
    folder = Path(tempfile.mkdtemp(prefix="vetting-outage-"))
    server = embedded.start(folder / "pg", delete_on_exit=True)
    url = embedded.ensure_database(server, "outage")
    migrate(url)
    yield server
    server.stop()


@pytest.fixture
async def outage_client(
    own_server: embedded.EmbeddedServer,
) -> AsyncIterator[httpx.AsyncClient]:
    url = with_database(own_server.url(), "outage")
    app = create_app(Settings(database_url=url, db_connect_timeout_seconds=2, secret_key="s" * 40))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http
    await app.state.engine.dispose()


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    assert "Traceback" not in response.text


async def test_database_outage_gives_503_and_recovers_without_restart(
    own_server: embedded.EmbeddedServer, outage_client: httpx.AsyncClient
) -> None:
    assert (await outage_client.get("/readyz")).status_code == 200

    embedded.kill(own_server)
    started = time.monotonic()
    for path in ("/readyz", "/readyz"):
        assert_unavailable(await outage_client.get(path))
    assert time.monotonic() - started < 10, "requests must fail fast while the database is down"
    assert (await outage_client.get("/healthz")).status_code == 200

    embedded.restart(own_server)
    assert (await outage_client.get("/readyz")).status_code == 200
