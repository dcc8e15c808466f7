"""Migrations are the only way the schema is made: they match the models and run both ways."""

import asyncio
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from app.migrations_info import head_revision
from app.models import Base
from app.runtime import downgrade, migrate
from tests.dbutil import TestServer, create_database, drop_database


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, Base.metadata))


async def _schema_diff(url: str) -> list[object]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    await engine.dispose()
    return diff


async def _current_revision(url: str) -> str | None:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        exists = (await conn.execute(text("SELECT to_regclass('alembic_version')"))).scalar()
        revision = (
            (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
            if exists
            else None
        )
    await engine.dispose()
    return revision


async def _table_names(url: str) -> set[str]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        )
        names = {r[0] for r in rows}
    await engine.dispose()
    return names - {"alembic_version"}


@pytest.fixture
def scratch_database(pg_server: TestServer) -> Iterator[str]:
    url = create_database(pg_server.url, prefix="vetting_migrations")
    yield url
    drop_database(pg_server.url, url)


def test_models_and_migrations_do_not_drift(database_url: str) -> None:
    assert asyncio.run(_schema_diff(database_url)) == []


def test_upgrade_downgrade_upgrade_round_trips(scratch_database: str) -> None:
    migrate(scratch_database)
    tables = asyncio.run(_table_names(scratch_database))
    assert tables == {t.name for t in Base.metadata.sorted_tables}

    downgrade(scratch_database, "base")
    assert asyncio.run(_current_revision(scratch_database)) is None
    assert asyncio.run(_table_names(scratch_database)) == set()

    migrate(scratch_database)
    assert asyncio.run(_current_revision(scratch_database)) == head_revision()
    assert asyncio.run(_schema_diff(scratch_database)) == []
