"""FastAPI dependencies: `Authorized(scope)` authenticates the bearer key, checks the scope and
yields the request's `Context`. The OpenAPI document shows each operation's scopes."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.auth.scopes import Scope
from app.auth.service import authenticate
from app.context import Context
from app.db import is_database_unavailable
from app.errors import Forbidden, Unauthorized
from app.idempotency import claim
from app.uow import get_session, read_router

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    bearerFormat="API key",
    description="`Authorization: Bearer <key>`; keys are created with `vetting keys create`. "
    "The scopes an operation needs are listed in its security requirement and description.",
)


async def current_principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise Unauthorized(
            "Send the API key as `Authorization: Bearer <key>`.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        principal = await authenticate(request.app.state.sessionmaker, credentials.credentials)
    except Exception as exc:
        # Keys are checked on the primary, so that a revocation counts at once. With the
        # primary unreachable nothing can be revoked meanwhile: a replica in rotation (which
        # had replayed what the primary had) answers instead, and reads go on.
        standby = read_router(request).standby_maker() if is_database_unavailable(exc) else None
        if standby is None:
            raise
        principal = await authenticate(standby, credentials.credentials)
    request.state.client_id = principal.client_id  # named in the access log line
    return principal


async def _admit(request: Request, principal: Principal, session: AsyncSession) -> Context:
    """Authorised: now, and only now, an Idempotency-Key is claimed in the request's unit of
    work (or its stored answer replayed) — a revoked or unscoped key never gets an answer."""
    idempotency = getattr(request.state, "idempotency", None)
    if idempotency is not None:  # the claim commits with the write or not at all
        await claim(session, idempotency)
    return Context(
        principal=principal,
        request_id=getattr(request.state, "request_id", None),
        client_ip=request.client.host if request.client else None,
    )


async def _authorized(
    request: Request,
    security_scopes: SecurityScopes,
    principal: Principal = Security(current_principal),
    session: AsyncSession = Depends(get_session, scope="function"),
) -> Context:
    missing = [s for s in security_scopes.scopes if not principal.has(Scope(s))]
    if missing:
        raise Forbidden(
            f"The API client lacks the scope {', '.join(missing)} required here.",
            required_scopes=security_scopes.scopes,
        )
    return await _admit(request, principal, session)


async def _authorized_any(
    request: Request,
    security_scopes: SecurityScopes,
    principal: Principal = Security(current_principal),
    session: AsyncSession = Depends(get_session, scope="function"),
) -> Context:
    if not any(principal.has(Scope(s)) for s in security_scopes.scopes):
        raise Forbidden(
            f"The API client needs one of the scopes {', '.join(security_scopes.scopes)}.",
            required_scopes=security_scopes.scopes,
        )
    return await _admit(request, principal, session)


def AuthorizedAny(*scopes: Scope) -> Any:
    """Like `Authorized`, but any one of the scopes will do."""
    return Security(_authorized_any, scopes=[s.value for s in scopes])


def Authorized(*scopes: Scope) -> Any:
    """`ctx: Context = Authorized(Scope.RECORDS_WRITE)`."""
    return Security(_authorized, scopes=[s.value for s in scopes])
