"""Alembic configuration shared by the CLI, readiness probe and tests."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from app.config import PROJECT_ROOT


def _migrations_dir() -> Path:
    """`migrations/` beside the package in a checkout; in an installed image, under the cwd."""
    beside = PROJECT_ROOT / "migrations"
    return beside if beside.is_dir() else Path.cwd() / "migrations"


MIGRATIONS_DIR = _migrations_dir()


def alembic_config(database_url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option(
        "file_template",
        "%%(year)d-%%(month).2d-%%(day).2d_%%(hour).2d%%(minute).2d_%%(slug)s",
    )
    if database_url:
        cfg.attributes["database_url"] = database_url
    return cfg


@lru_cache
def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
