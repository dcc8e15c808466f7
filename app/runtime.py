"""Process-level set-up shared by the CLI commands: which database, and migrations."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import asyncpg
from alembic import command
from sqlalchemy.engine import make_url

from app import demo, handlers, privileges
from app.auth.scopes import Scope
from app.auth.service import create_client
from app.config import Settings, get_settings
from app.context import system_context
from app.db import create_engine, create_sessionmaker
from app.embedded import EmbeddedServer, start
from app.migrations_info import alembic_config
from app.security.pii import PiiCipher
from app.uow import unit_of_work
from app.vetting.rulebooks import Rulebooks

EMBEDDED_DATABASE = "vetting"


class Database:
    """The database this process uses: DATABASE_URL (and DATABASE_OWNER_URL for migrations),
    or an embedded server it started, set up with an owner role and a service role."""

    def __init__(self, settings: Settings) -> None:
        self.embedded: EmbeddedServer | None = None
        if settings.database_url:
            self.url = settings.database_url
            self.owner_url = settings.database_owner_url or settings.database_url
        else:
            self.embedded = start(settings.data_dir / "pg")
            self.owner_url, self.url = prepare_embedded(self.embedded, EMBEDDED_DATABASE)
            # Child processes (server workers) connect to the same server, as the service.
            os.environ["DATABASE_URL"] = self.url
            get_settings.cache_clear()

    def close(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None

    @property
    def description(self) -> str:
        role = make_url(self.url).username
        if self.embedded:
            return f"embedded PostgreSQL (socket {self.embedded.socket_dir}), as {role}"
        return f"DATABASE_URL, as {role}"


def prepare_embedded(server: EmbeddedServer, name: str) -> tuple[str, str]:
    """The owner and service roles and the database on the embedded server: (owner URL,
    service URL)."""
    return prepare_database(server.url("postgres"), name)


def prepare_database(superuser_url: str, name: str) -> tuple[str, str]:
    """As a superuser: make the owner and service roles (if missing) and database `name` owned
    by the owner (handing an older one over); return (owner URL, service URL) for it."""
    asyncio.run(_prepare(superuser_url, name))
    url = make_url(superuser_url).set(database=name)
    return (
        url.set(username=privileges.EMBEDDED_OWNER).render_as_string(hide_password=False),
        url.set(username=privileges.EMBEDDED_SERVICE).render_as_string(hide_password=False),
    )


async def _prepare(superuser_url: str, name: str) -> None:
    conn = await asyncpg.connect(**asyncpg_dsn(superuser_url))
    try:
        await privileges.ensure_roles(conn, privileges.EMBEDDED_OWNER, privileges.EMBEDDED_SERVICE)
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}" OWNER {privileges.EMBEDDED_OWNER}')
    finally:
        await conn.close()
    inside = await asyncpg.connect(**asyncpg_dsn(superuser_url, database=name))
    try:
        await privileges.hand_over(inside, name, privileges.EMBEDDED_OWNER)
    finally:
        await inside.close()


def asyncpg_dsn(url: str, **overrides: Any) -> dict[str, Any]:
    """asyncpg.connect keywords for a SQLAlchemy URL (a Unix socket given as ?host=)."""
    u = make_url(url)
    params: dict[str, Any] = {
        "user": u.username,
        "password": u.password,
        "database": u.database,
        "host": u.query.get("host") or u.host,
        "port": u.port,
        **overrides,
    }
    return {k: v for k, v in params.items() if v is not None}


def migrate(
    owner_url: str,
    revision: str = "head",
    service_url: str | None = None,
    secret_key: str | None = None,
) -> None:
    """Apply the migrations as the owner, then give the service's role its privileges (when it
    is another role than the owner). A migration that seals data (the audit log's MACs) uses
    `secret_key`, else the configured one."""
    config = alembic_config(owner_url)
    if secret_key is not None:
        config.attributes["secret_key"] = secret_key
    command.upgrade(config, revision)
    if service_url is not None:
        grant(owner_url, service_url)


def grant(owner_url: str, service_url: str) -> None:
    service_role = make_url(service_url).username
    if not service_role or service_role == make_url(owner_url).username:
        return  # one role for both (no DATABASE_OWNER_URL): nothing to grant

    async def run() -> None:
        conn = await asyncpg.connect(**asyncpg_dsn(owner_url))
        try:
            await privileges.apply(conn, service_role)
        finally:
            await conn.close()

    asyncio.run(run())


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


DEMO_KEY_FILE = "demo-admin-key"


async def _load_demo(url: str, settings: Settings, force: bool) -> str:
    engine = create_engine(url, settings)
    try:
        maker = create_sessionmaker(engine, settings)
        handlers.bind_rules(maker, Rulebooks.shipped(settings.fallback_rulebook))
        async with unit_of_work(maker) as session:
            if not force and not await demo.is_empty(session):
                return "Demo data: the database already holds data; nothing loaded."
            counts = await demo.load(session, PiiCipher.from_secret(settings.resolved_secret_key()))
            issued = await create_client(
                session, system_context("demo"), "demo-admin", [Scope.ADMIN]
            )
        key_file = settings.data_dir / DEMO_KEY_FILE
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.touch(mode=0o600)
        key_file.write_text(issued.key + "\n")
        summary = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
        return f"Demo data loaded: {summary}."
    finally:
        await engine.dispose()


def load_demo(url: str, settings: Settings, force: bool) -> str:
    return asyncio.run(_load_demo(url, settings, force))


def demo_key_notice(settings: Settings) -> str:
    key_file = settings.data_dir / DEMO_KEY_FILE
    if not key_file.exists():
        return (
            "No demo key on file; create one with `vetting keys create --name me --scopes admin`."
        )
    key = key_file.read_text().strip()
    return f"Demo admin key (kept in {key_file}):\n  Authorization: Bearer {key}"
