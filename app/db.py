"""Engine, session factory and the per-request unit of work.

One session per request; services only flush; the dependency commits once at the end (or rolls
back on error), so a change and its audit row succeed or fail together.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.config import Settings


def create_engine(url: str, settings: Settings, **overrides: Any) -> AsyncEngine:
    options: dict[str, Any] = {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_pre_ping": True,
        "pool_timeout": settings.db_connect_timeout_seconds,
        "connect_args": {
            "timeout": settings.db_connect_timeout_seconds,
            "command_timeout": settings.db_statement_timeout_ms / 1000 + 5,
            "server_settings": {
                "statement_timeout": str(settings.db_statement_timeout_ms),
                "application_name": "cadre-safety-vetting",
                "plan_cache_mode": "force_generic_plan",
            },
        },
    }
    options.update(overrides)
    return create_async_engine(url, **options)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: commit once at the end, roll back on any error."""
    from app.uow import finalize

    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with maker() as session:
        try:
            yield session
            await finalize(session)
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


@asynccontextmanager
async def unit_of_work(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """The same unit of work outside a request (CLI, workers, demo data)."""
    from app.uow import finalize

    async with maker() as session:
        try:
            yield session
            await finalize(session)
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
"""The request's session; committed before the response is sent, so a failed commit is an error
response rather than a success that did not happen."""


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
