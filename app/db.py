"""Engine and session factory, the raw driver for hot statements, and how outages look.
The unit of work over a session (one per request, one commit) is app.uow."""

from __future__ import annotations

import time
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.config import Settings
from app.security.sealer import Sealer


def create_engine(url: str, settings: Settings, **overrides: Any) -> AsyncEngine:
    options: dict[str, Any] = {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_connect_timeout_seconds,
        # Statement parameters may be ID numbers or names: never in an error or a log line.
        "hide_parameters": True,
        "connect_args": {
            "timeout": settings.db_connect_timeout_seconds,
            "command_timeout": settings.db_statement_timeout_ms / 1000 + 5,
            "server_settings": {
                "statement_timeout": str(settings.db_statement_timeout_ms),
                "application_name": "cadre-safety-vetting",
                "plan_cache_mode": "force_generic_plan",
                # Dates the database derives from instants are counted in the records' zone,
                # as the service's clock counts them (never the server's own zone).
                "TimeZone": settings.timezone,
            },
        },
    }
    options.update(overrides)
    engine = create_async_engine(url, **options)
    ping_when_idle(engine, PING_AFTER_IDLE_SECONDS)
    return engine


PING_AFTER_IDLE_SECONDS = 2.0


def ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Check a pooled connection before use when it has sat idle (the database may have
    restarted meanwhile); one busy a moment ago is used as is. SQLAlchemy's `pool_pre_ping`
    would cost three round trips on every checkout, more than a vetting check's own queries.
    A connection that fails in use is invalidated by SQLAlchemy (or by `Driver`) instead."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:  # the pool retries with a new connection
            raise DisconnectionError("stale connection") from exc


def create_sessionmaker(
    engine: AsyncEngine, settings: Settings
) -> async_sessionmaker[AsyncSession]:
    """Sessions that can write audit events: they carry the MAC key of the service (from its
    master secret) that every event is sealed with."""
    sealer = Sealer.from_secret(settings.resolved_secret_key())
    info = {SEALER: sealer, ANSWER_POSITION: bool(settings.database_replica_urls)}
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info)


SEALER = "audit_sealer"
# With replicas to read from, a unit of work that committed reads the primary's WAL position
# afterwards: the consistency token its request answers with (app.uow, app.replicas).
ANSWER_POSITION = "answer_wal_position"


_UNAVAILABLE_SQLSTATES = {
    "57P01",  # admin_shutdown
    "57P02",  # crash_shutdown
    "57P03",  # cannot_connect_now
    "57014",  # query_canceled (statement timeout)
    "53300",  # too_many_connections
    "08000",
    "08003",
    "08006",
    "08001",
    "08004",
}


def is_database_unavailable(exc: BaseException) -> bool:
    """True when `exc` means the database cannot be reached or answered too late."""
    if isinstance(exc, ConnectionError | TimeoutError):
        return True
    if isinstance(exc, OSError) and exc.errno is not None:
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError):
            return True
        return is_database_unavailable(exc.orig) if exc.orig is not None else False
    sqlstate = getattr(exc, "sqlstate", None)
    if sqlstate in _UNAVAILABLE_SQLSTATES:
        return True
    cause = exc.__cause__
    return cause is not None and cause is not exc and is_database_unavailable(cause)


class Driver:
    """The asyncpg connection under a session, inside the session's transaction, for the hot
    statements (a vetting check's facts query and its one write) where SQLAlchemy's work per
    statement costs more than the statement itself. The transaction is begun through
    SQLAlchemy's adapter, so the session's single commit (or rollback) still ends it; a
    connection that fails here is invalidated so that the pool never hands it out again."""

    def __init__(self, connection: AsyncConnection, raw: asyncpg.Connection) -> None:
        self.connection = connection
        self.raw = raw

    @classmethod
    async def of(cls, session: AsyncSession) -> Driver:
        connection = await session.connection()
        adapted = (await connection.get_raw_connection()).dbapi_connection
        if adapted._transaction is None:  # type: ignore[union-attr]
            await adapted._start_transaction()  # type: ignore[union-attr]
        return cls(connection, adapted.driver_connection)  # type: ignore[union-attr]

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        try:
            rows: list[asyncpg.Record] = await self.raw.fetch(query, *args)
            return rows
        except Exception as exc:
            await self._failed(exc)
            raise

    async def execute(self, query: str, *args: Any) -> str:
        try:
            status: str = await self.raw.execute(query, *args)
            return status
        except Exception as exc:
            await self._failed(exc)
            raise

    async def _failed(self, exc: BaseException) -> None:
        if is_database_unavailable(exc):
            await self.connection.invalidate(exc)
