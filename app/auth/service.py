"""Creating, listing and revoking API clients (the CLI and the admin endpoints use these)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.service import record as audit
from app.auth import repository
from app.auth.keys import generate_key, key_digest
from app.auth.principal import Principal
from app.auth.scopes import Scope
from app.context import Context
from app.errors import Conflict, NotFound, Unauthorized
from app.models import ApiClient, OrgUnit


@dataclass(frozen=True)
class IssuedKey:
    client: ApiClient
    key: str


async def create_client(
    session: AsyncSession,
    ctx: Context,
    name: str,
    scopes: Iterable[Scope],
    org_unit_id: UUID | None = None,
) -> IssuedKey:
    if org_unit_id is not None and await session.get(OrgUnit, org_unit_id) is None:
        raise NotFound(
            f"org unit {org_unit_id} does not exist", errors=[("org_unit_id", "not found")]
        )
    key, prefix = generate_key()
    client = ApiClient(
        id=uuid.uuid4(),
        name=name,
        key_prefix=prefix,
        key_hash=key_digest(key),
        scopes=sorted({s.value for s in scopes}),
        org_unit_id=org_unit_id,
    )
    await repository.add(session, client)
    summary = {"name": name, "scopes": client.scopes, "org_unit_id": org_unit_id}
    audit(session, ctx, "api_client.created", "api_client", client.id, summary)
    return IssuedKey(client=client, key=key)


async def list_clients(session: AsyncSession) -> Sequence[ApiClient]:
    return await repository.list_all(session)


async def revoke_client(session: AsyncSession, ctx: Context, client_id: UUID) -> ApiClient:
    client = await repository.get(session, client_id)
    if client is None:
        raise NotFound(f"API client {client_id} does not exist")
    if client.revoked_at is not None:
        raise Conflict(f"API client {client_id} is already revoked")
    await repository.revoke(session, client)
    forget_cached_keys()
    audit(session, ctx, "api_client.revoked", "api_client", client.id, {"name": client.name})
    return client


# Valid keys are remembered for a few seconds per process, sparing a query on every request;
# a revocation made in this process takes effect at once, one made elsewhere (another worker,
# the CLI) within AUTH_CACHE_SECONDS. Unknown and revoked keys are never cached.
AUTH_CACHE_SECONDS = 5.0
_principals: dict[str, tuple[Principal, float]] = {}


def forget_cached_keys() -> None:
    _principals.clear()


async def authenticate(maker: async_sessionmaker[AsyncSession], key: str) -> Principal:
    digest = key_digest(key)
    cached = _principals.get(digest)
    now = time.monotonic()
    if cached is not None and cached[1] > now:
        return cached[0]
    # Looked up in a session of its own, closed at once: the request may go on to wait (a
    # single check waits for its group) and must not hold a pooled connection meanwhile.
    async with maker() as lookup:
        client = await repository.by_key_digest(lookup, digest)
    if client is None or client.revoked_at is not None:
        _principals.pop(digest, None)
        raise Unauthorized(
            "The API key is not valid or has been revoked.",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    principal = Principal(
        client_id=client.id,
        name=client.name,
        scopes=frozenset(Scope(s) for s in client.scopes if s in Scope._value2member_map_),
        org_unit_id=client.org_unit_id,
    )
    if len(_principals) > 10_000:
        _principals.clear()
    _principals[digest] = (principal, now + AUTH_CACHE_SECONDS)
    return principal


def scopes_from_text(values: Sequence[str]) -> list[Scope]:
    out = []
    for value in values:
        try:
            out.append(Scope(value))
        except ValueError:
            valid = ", ".join(s.value for s in Scope)
            raise ValueError(f"unknown scope {value!r}; valid scopes: {valid}") from None
    return out
