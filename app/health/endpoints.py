"""Liveness and readiness probes (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text

from app.errors import ServiceUnavailable, problem_responses
from app.migrations_info import head_revision
from app.replicas import ReadRouter

router = APIRouter(tags=["health"])


class ReplicaStatus(BaseModel):
    """A read replica as the last poll found it (app.replicas)."""

    name: str = Field(description="host:port/database")
    in_rotation: bool = Field(description="Serving reads now.")
    reason: str | None = Field(description="Why not, when it is out of rotation.")
    replay_lsn: str | None = Field(description="The WAL position it has replayed.")
    replayed_at: str | None = Field(description="Commit time of the last transaction replayed.")
    lag_seconds: float | None = Field(
        description="Time since it last had all the primary had written (to within a poll)."
    )
    lag_bytes: int | None = Field(description="WAL bytes it is behind the primary.")
    checked_at: str | None = None


class Health(BaseModel):
    status: str
    database: str | None = None
    migration: str | None = None


class Readiness(Health):
    replicas: list[ReplicaStatus] | None = Field(
        default=None,
        description="With DATABASE_REPLICA_URLS: each replica's health. A replica out of "
        "rotation does not make the service unready: its reads go to the primary.",
    )


@router.get("/healthz", operation_id="health_liveness", response_model=Health)
async def liveness() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get(
    "/readyz",
    operation_id="health_readiness",
    response_model=Readiness,
    responses=problem_responses(503),
)
async def readiness(request: Request) -> Readiness | JSONResponse:
    """The database is reachable and its schema is at the latest migration; with read
    replicas, each one's lag and whether it is in rotation."""
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
    reads: ReadRouter = request.app.state.reads
    replicas = [ReplicaStatus(**r) for r in reads.detail()] if reads.replicas else None
    return Readiness(status="ready", database="ok", migration=current, replicas=replicas)
