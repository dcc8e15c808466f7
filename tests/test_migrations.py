"""Migrations are the only way the schema is made: they match the models and run both ways."""

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from app.audit import merkle
from app.audit.entries import Sealer, parse
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


async def _sql(url: str, *statements: str) -> list[Any]:
    engine = create_async_engine(url)
    out: list[Any] = []
    async with engine.begin() as conn:
        for statement in statements:
            result = await conn.execute(text(statement))
            out.append(result.all() if result.returns_rows else None)
    await engine.dispose()
    return out


def test_the_old_chain_is_carried_into_the_log_in_its_order(scratch_database: str) -> None:
    """Events chained before the transparency log become its first entries in chain order,
    sealed with the service's MAC; one the chain did not vouch for keeps an empty MAC and
    verification reports it."""
    secret = "migration-test-secret-0123456789abcdef"
    migrate(scratch_database, "20261201_2245")
    insert = (
        "INSERT INTO audit_events (id, actor_name, action, target_kind, summary) VALUES "
        "('{id}', 'legacy', 'org_unit.created', 'org_unit', '{{\"n\": {n}}}')"
    )
    ids = [str(uuid.uuid4()) for _ in range(4)]
    for n, event_id in enumerate(ids[:3]):  # one commit each: the chain orders them
        asyncio.run(_sql(scratch_database, insert.format(id=event_id, n=n)))
    asyncio.run(
        _sql(
            scratch_database,
            "ALTER TABLE audit_events DISABLE TRIGGER audit_events_chain",
            insert.format(id=ids[3], n=3),
            "ALTER TABLE audit_events ENABLE TRIGGER audit_events_chain",
        )
    )
    migrate(scratch_database, secret_key=secret)
    (rows,) = asyncio.run(
        _sql(
            scratch_database,
            "SELECT l.idx, e.id, e.entry, e.mac, l.leaf_hash FROM audit_log l "
            "JOIN audit_events e ON e.id = l.event_id ORDER BY l.idx",
        )
    )
    sealer = Sealer.from_secret(secret)
    assert [str(r[1]) for r in rows] == ids
    assert [sealer.vouches_for(r[2], r[3]) for r in rows] == [True, True, True, False]
    assert all(merkle.leaf_hash(r[2]) == r[4] for r in rows)
    assert [parse(r[2])["summary"] for r in rows] == [{"n": n} for n in range(4)]
    (head,) = asyncio.run(_sql(scratch_database, "SELECT size, root FROM audit_tree_heads"))
    assert head == [(4, merkle.root([r[4] for r in rows]))]
    # and back: the chain is rebuilt from the log
    downgrade(scratch_database, "20261201_2245")
    (chain,) = asyncio.run(_sql(scratch_database, "SELECT event_id FROM audit_chain ORDER BY seq"))
    assert [str(r[0]) for r in chain] == ids
