"""Liveness and readiness probes (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from app.errors import ServiceUnavailable, problem_responses
from app.migrations_info import head_revision

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str | None = None
    migration: str | None = None


@router.get("/healthz", operation_id="health_liveness", response_model=Health)
async def liveness() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get(
    "/readyz",
    operation_id="health_readiness",
    response_model=Health,
    responses=problem_responses(503),
)
async def readiness(request: Request) -> Health | JSONResponse:
    """The database is reachable and its schema is at the latest migration."""
    async with request.app.state.engine.connect() as conn:
        # to_regclass: NULL (not an error) in a database never migrated.
        exists = (await conn.execute(text("SELECT to_regclass('alembic_version')"))).scalar()
        current = None
        if exists is not None:
            query = text("SELECT version_num FROM alembic_version")
            current = (await conn.execute(query)).scalar()
    expected = head_revision()
    if current != expected:
        raise ServiceUnavailable(
            f"Database schema is at {current or 'no migration (empty database)'}, expected "
            f"{expected}; run `vetting migrate`.",
            headers={"Retry-After": "30"},
        )
    return Health(status="ready", database="ok", migration=current)
