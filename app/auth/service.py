"""Creating, listing and revoking API clients (the CLI and the admin endpoints use these)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.entries import parse
from app.audit.service import record as audit
from app.auth import repository
from app.auth.keys import generate_key, key_digest
from app.auth.principal import Principal
from app.auth.scopes import Scope
from app.context import Context
from app.db import SEALER
from app.errors import Conflict, NotFound, Unauthorized
from app.models import ApiClient, AuditEvent, OrgUnit
from app.security.sealer import Sealer

log = logging.getLogger(__name__)


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
    summary = {
        "name": name,
        "scopes": client.scopes,
        "org_unit_id": org_unit_id,
        "key_prefix": prefix,
        "key_hash": client.key_hash,
    }
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
        as_logged = client is not None and await _as_logged(lookup, client)
    if client is None or client.revoked_at is not None or not as_logged:
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


async def _as_logged(session: AsyncSession, client: ApiClient) -> bool:
    """Whether the client's row is what the audit log says it is: created with these scopes,
    this jurisdiction and this key, and never revoked. The row is only a projection; a row
    changed behind the service's back (a key un-revoked, made admin or given another key)
    does not authenticate."""
    sealer: Sealer = session.info[SEALER]
    query = select(AuditEvent.entry, AuditEvent.mac).where(
        AuditEvent.target_kind == "api_client", AuditEvent.target_id == str(client.id)
    )
    created = None
    for entry, mac in (await session.execute(query)).all():
        if not sealer.vouches_for(entry, mac):
            continue
        event = parse(entry)
        if event["action"] == "api_client.revoked":
            return _refused(client, "its revocation is in the audit log")
        if event["action"] == "api_client.created":
            created = event["summary"]
    if created is None:
        return _refused(client, "the audit log has no record of its creation")
    logged_unit = created.get("org_unit_id")
    if (
        sorted(created.get("scopes", [])) != sorted(client.scopes)
        or (str(client.org_unit_id) if client.org_unit_id else None) != logged_unit
        or created.get("key_hash", client.key_hash) != client.key_hash
    ):
        return _refused(client, "its scopes, jurisdiction or key differ from the audit log")
    return True


def _refused(client: ApiClient, why: str) -> bool:
    log.error("API client %s refused: %s (the api_clients row was changed)", client.id, why)
    return False


def scopes_from_text(values: Sequence[str]) -> list[Scope]:
    out = []
    for value in values:
        try:
            out.append(Scope(value))
        except ValueError:
            valid = ", ".join(s.value for s in Scope)
            raise ValueError(f"unknown scope {value!r}; valid scopes: {valid}") from None
    return out
