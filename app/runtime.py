"""Process-level set-up shared by the CLI commands: which database, and migrations."""

from __future__ import annotations

import os

from alembic import command

from app.config import Settings, get_settings
from app.embedded import EmbeddedServer, ensure_database, start
from app.migrations_info import alembic_config

EMBEDDED_DATABASE = "vetting"


class Database:
    """The database this process uses: DATABASE_URL, or an embedded server it started."""

    def __init__(self, settings: Settings) -> None:
        self.embedded: EmbeddedServer | None = None
        if settings.database_url:
            self.url = settings.database_url
        else:
            self.embedded = start(settings.data_dir / "pg")
            self.url = ensure_database(self.embedded, EMBEDDED_DATABASE)
            # Child processes (server workers) connect to the same server.
            os.environ["DATABASE_URL"] = self.url
            get_settings.cache_clear()

    def close(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None

    @property
    def description(self) -> str:
        if self.embedded:
            return f"embedded PostgreSQL (socket {self.embedded.socket_dir})"
        return "DATABASE_URL"


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


DEMO_KEY_FILE = "demo-admin-key"


async def _load_demo(url: str, settings: Settings, force: bool) -> str:
    from app import demo
    from app.auth.scopes import Scope
    from app.auth.service import create_client
    from app.context import system_context
    from app.db import create_engine, create_sessionmaker, unit_of_work
    from app.security.pii import PiiCipher

    engine = create_engine(url, settings)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
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
    import asyncio

    return asyncio.run(_load_demo(url, settings, force))


def demo_key_notice(settings: Settings) -> str:
    key_file = settings.data_dir / DEMO_KEY_FILE
    if not key_file.exists():
        return (
            "No demo key on file; create one with `vetting keys create --name me --scopes admin`."
        )
    key = key_file.read_text().strip()
    return f"Demo admin key (kept in {key_file}):\n  Authorization: Bearer {key}"
