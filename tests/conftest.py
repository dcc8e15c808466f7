"""Tests run against real PostgreSQL: TEST_DATABASE_URL when set, else an embedded server.

The schema is made once per run by the real Alembic migrations; each test starts from empty
tables (truncated after the test), so tests may commit, run concurrently and use locks exactly as
production does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from app import handlers
from app.config import Settings
from app.main import create_app
from app.models import Base
from tests.dbutil import Roles, TestServer, create_service_database, drop_database
from tests.factories import Api

handlers.install()  # the suite is a composition root too (units of work outside an app)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[TestServer]:
    server = TestServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def roles(pg_server: TestServer) -> Iterator[Roles]:
    made = create_service_database(pg_server.url)
    yield made
    drop_database(pg_server.url, made.superuser)


@pytest.fixture(scope="session")
def database_url(roles: Roles) -> str:
    """The service's URL: its own role, which owns nothing (app.privileges)."""
    return roles.service


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        log_json=True,
        db_pool_size=5,
        secret_key="test-secret-key-for-the-suite-only-0123456789",
        # The suite's webhook receivers listen on loopback, which is otherwise refused.
        webhook_allowed_hosts=["127.0.0.1"],
        # The suite is a Luzhou deployment: most of its org units carry no division code.
        fallback_rulebook="cn-sichuan-luzhou-2018",
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    yield application
    await application.state.engine.dispose()


@pytest.fixture(scope="session")
def engine(app: FastAPI) -> AsyncEngine:
    """The app's own engine: the service's role."""
    engine: AsyncEngine = app.state.engine
    return engine


@pytest.fixture(scope="session")
async def superuser_engine(roles: Roles) -> AsyncIterator[AsyncEngine]:
    """The database superuser, for resetting tables and for what an insider would try."""
    made = create_async_engine(roles.superuser, pool_size=2)
    yield made
    await made.dispose()


def _truncate_statement() -> str:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    return f"TRUNCATE {tables} RESTART IDENTITY CASCADE" if tables else ""


@pytest.fixture
async def clean_db(superuser_engine: AsyncEngine) -> AsyncIterator[None]:
    yield
    statement = _truncate_statement()
    if statement:
        async with superuser_engine.begin() as conn:
            # Append-only triggers refuse TRUNCATE in normal operation; tests reset the tables.
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
            await conn.execute(text(statement))


@pytest.fixture
async def client(app: FastAPI, clean_db: None) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
async def session(app: FastAPI, clean_db: None) -> AsyncIterator[AsyncSession]:
    async with app.state.sessionmaker() as db_session:
        yield db_session


async def make_client(
    app: FastAPI, name: str, scopes: list[str], org_unit_id: str | None = None
) -> str:
    """Create an API client directly (as `vetting keys create` does) and return its key."""
    import uuid as _uuid

    from app.auth.scopes import Scope
    from app.auth.service import create_client
    from app.context import system_context
    from app.uow import unit_of_work

    async with unit_of_work(app.state.sessionmaker) as db:
        issued = await create_client(
            db,
            system_context("tests"),
            name,
            [Scope(s) for s in scopes],
            _uuid.UUID(org_unit_id) if org_unit_id else None,
        )
    return issued.key


@pytest.fixture
async def admin_key(app: FastAPI, clean_db: None) -> str:
    return await make_client(app, "test-admin", ["admin"])


@pytest.fixture
async def api(client: httpx.AsyncClient, admin_key: str) -> Api:
    return Api(client, admin_key)
