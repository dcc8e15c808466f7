"""Test databases: a server (TEST_DATABASE_URL or an embedded one) and throwaway databases on it."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from app import embedded
from app.runtime import asyncpg_dsn, migrate, prepare_database


def _asyncpg_dsn(url: str) -> dict[str, object]:
    return asyncpg_dsn(url)


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


async def _admin(url: str, statement: str) -> None:
    conn = await asyncpg.connect(**_asyncpg_dsn(url))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def create_database(server_url: str, prefix: str = "vetting_test") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    return with_database(server_url, name)


def drop_database(server_url: str, url: str) -> None:
    name = make_url(url).database
    asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass(frozen=True)
class Roles:
    """One test database as the service sees it: the superuser's URL (for resetting tables and
    for tampering), the owner's (migrations) and the service's (the app)."""

    superuser: str
    owner: str
    service: str


def create_service_database(server_url: str, prefix: str = "vetting_test") -> Roles:
    """A migrated database owned by the owner role, the service role granted what it needs
    (set up as the embedded server of `make run` is: app.runtime.prepare_database)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    owner, service = prepare_database(server_url, name)
    roles = Roles(with_database(server_url, name), owner, service)
    migrate(roles.owner, service_url=roles.service)
    return roles


class TestServer:
    """The PostgreSQL server the tests use."""

    __test__ = False

    def __init__(self) -> None:
        self.embedded: embedded.EmbeddedServer | None = None
        configured = os.environ.get("TEST_DATABASE_URL")
        if configured:
            self.url = configured
        else:
            folder = Path(tempfile.mkdtemp(prefix="vetting-test-pg-"))
            self.embedded = embedded.start(folder / "pg", delete_on_exit=True)
            self.url = self.embedded.url("postgres")

    def stop(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()
