"""Queries for API clients."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.models import ApiClient


async def by_key_digest(session: AsyncSession, digest: str) -> ApiClient | None:
    result = await session.execute(select(ApiClient).where(ApiClient.key_hash == digest))
    return result.scalar_one_or_none()


async def get(session: AsyncSession, client_id: UUID) -> ApiClient | None:
    return await session.get(ApiClient, client_id)


async def list_all(session: AsyncSession) -> Sequence[ApiClient]:
    result = await session.execute(select(ApiClient).order_by(ApiClient.created_at))
    return result.scalars().all()


async def add(session: AsyncSession, client: ApiClient) -> None:
    session.add(client)
    await session.flush()


async def revoke(session: AsyncSession, client: ApiClient) -> None:
    client.revoked_at = clock.now()
    await session.flush()
