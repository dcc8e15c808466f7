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
