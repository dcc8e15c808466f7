"""Idempotent writes: a client may send `Idempotency-Key` with any write that stores records, so
that retrying it after a timeout or a dropped connection cannot write twice.

How it works (the IETF draft "The Idempotency-Key HTTP Header Field", as Stripe and others do):
- the middleware reads the body, fingerprints the request (method, path, query, body) and scopes
  the key to the credentials presented (one client's keys never meet another's);
- the request's unit of work claims the key as its FIRST statement, in the same transaction as
  the write: the claim commits with the write or not at all, and a concurrent request with the
  same key waits on it;
- once committed, the 2xx response is stored before it is sent, and a retry with the same key
  and the same request gets it back (`Idempotent-Replayed: true`) without running again;
- the same key with a different request → 422; a key whose first request has committed but
  whose response is not stored yet → 409 with `Retry-After`; a request that fails leaves no
  claim, so it can be retried as it is. Keys are remembered for 24 hours.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import Conflict, Unprocessable
from app.middleware import request_header, send_problem
from app.security.pii import PiiCipher
from app.uow import get_session

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
FIELD = "header.idempotency-key"
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT"})
KEY_PATTERN = "^[!-~]{1,255}$"  # visible ASCII, as the draft's examples and most clients use
REMEMBER_HOURS = 24
_VALID_KEY = re.compile(KEY_PATTERN)
_SEALED = b"idempotent-response"
# Response headers that belong to one delivery, not to the answer.
_NOT_REPLAYED = frozenset({b"content-length", b"date", b"server", b"x-request-id"})


@dataclass
class Idempotency:
    """The key of one request, left in `request.state.idempotency` for its unit of work."""

    namespace: bytes
    key: str
    fingerprint: bytes
    method: str
    path: str
    claimed: bool = False


class Replay(Exception):
    """The stored answer to an earlier request with the same key."""

    def __init__(self, status: int, headers: list[list[str]], body: bytes) -> None:
        super().__init__(status)
        self.status = status
        self.headers = headers
        self.body = body


_CLAIM = text(
    "INSERT INTO idempotency_keys (namespace, key, fingerprint, method, path) "
    "VALUES (:namespace, :key, :fingerprint, :method, :path) "
    "ON CONFLICT (namespace, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, "
    "method = EXCLUDED.method, path = EXCLUDED.path, created_at = now(), status = NULL, "
    "headers = NULL, body = NULL "
    f"WHERE idempotency_keys.created_at < now() - make_interval(hours => {REMEMBER_HOURS}) "
    "RETURNING 1"
)
_EARLIER = text(
    "SELECT fingerprint, status, headers, body FROM idempotency_keys "
    "WHERE namespace = :namespace AND key = :key"
)
_STORE = text(
    "UPDATE idempotency_keys SET status = :status, headers = CAST(:headers AS jsonb), "
    "body = :body WHERE namespace = :namespace AND key = :key"
)


async def claim(session: AsyncSession, state: Idempotency) -> None:
    """Claim the key in the request's transaction, or raise what an earlier request with it
    calls for: its stored answer (Replay), 422 (another request) or 409 (no answer yet)."""
    ids = {"namespace": state.namespace, "key": state.key}
    params = {**ids, "fingerprint": state.fingerprint, "method": state.method, "path": state.path}
    if (await session.execute(_CLAIM, params)).first() is not None:
        state.claimed = True
        return
    earlier = (await session.execute(_EARLIER, ids)).one()
    if earlier.fingerprint != state.fingerprint:
        raise Unprocessable(
            f"This {HEADER} was already used for a different request.",
            errors=[(FIELD, "already used for a different request: use a new key")],
        )
    if earlier.status is None:
        raise Conflict(
            f"A request with this {HEADER} has been carried out but its answer is not "
            "available yet; retry shortly.",
            headers={"Retry-After": "1"},
        )
    raise Replay(earlier.status, earlier.headers or [], earlier.body or b"")


async def replay_response(request: Request, replay: Exception) -> Response:
    assert isinstance(replay, Replay)
    cipher: PiiCipher = request.app.state.cipher
    headers = {name: value for name, value in replay.headers}
    headers["Idempotent-Replayed"] = "true"
    body = cipher.unseal(replay.body, _SEALED) if replay.body else b""
    return Response(body, status_code=replay.status, headers=headers)


class IdempotencyMiddleware:
    """Reads and fingerprints writes that carry the header, and stores the committed answer
    (sealed with the server's key: an answer may show personal data)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        is_write = scope["type"] == "http" and scope["method"] in WRITE_METHODS
        key = request_header(scope, b"idempotency-key") if is_write else None
        if key is None:
            await self.app(scope, receive, send)
            return
        if not _VALID_KEY.match(key):
            message = "1 to 255 visible ASCII characters"
            refused = Unprocessable(f"{HEADER} must be {message}.", errors=[(FIELD, message)])
            await send_problem(scope, send, refused)
            return
        body = await _read_body(receive)
        engine: AsyncEngine = scope["app"].state.engine
        cipher: PiiCipher = scope["app"].state.cipher
        credentials = (request_header(scope, b"authorization") or "").encode("latin-1")
        state = Idempotency(
            namespace=cipher.keyed_hash(credentials, b"idempotency-namespace"),
            key=key,
            fingerprint=_fingerprint(scope, body),
            method=scope["method"],
            path=scope["path"],
        )
        scope.setdefault("state", {})["idempotency"] = state
        await self.app(scope, _replaying(body, receive), _storing(state, send, engine, cipher))


def _storing(state: Idempotency, send: Send, engine: AsyncEngine, cipher: PiiCipher) -> Send:
    """`send`, holding a claimed 2xx answer back until it is stored."""
    held: list[Message] = []

    async def storing_send(message: Message) -> None:
        if not state.claimed:
            await send(message)
            return
        if message["type"] == "http.response.start" and not 200 <= message["status"] < 300:
            state.claimed = False  # rolled back with the write: nothing to keep
            await send(message)
            return
        held.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            await _store(state, held, engine, cipher)
            for kept in held:
                await send(kept)

    return storing_send


async def _store(
    state: Idempotency, messages: list[Message], engine: AsyncEngine, cipher: PiiCipher
) -> None:
    start = messages[0]
    headers = [
        [name.decode("latin-1"), value.decode("latin-1")]
        for name, value in start.get("headers", [])
        if name.lower() not in _NOT_REPLAYED
    ]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    try:
        async with engine.begin() as conn:
            await conn.execute(
                _STORE,
                {
                    "status": start["status"],
                    "headers": json.dumps(headers),
                    "body": cipher.seal(body, _SEALED) if body else b"",
                    "namespace": state.namespace,
                    "key": state.key,
                },
            )
    except Exception:  # the write stands; a retry is told to wait (409) until the key expires
        log.warning("could not store the answer to an idempotent request", exc_info=True)


def _fingerprint(scope: Scope, body: bytes) -> bytes:
    digest = hashlib.sha256()
    for part in (scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b"")):
        digest.update(part + b"\n")
    digest.update(body)
    return digest.digest()


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replaying_receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replaying_receive


def idempotent_operations(routes: Iterable[BaseRoute]) -> set[tuple[str, str]]:
    """(path, method) of every write whose unit of work claims the key: those that take the
    request's session (a vetting check, decided in a group of its own, does not)."""

    def takes_session(dependant: Dependant) -> bool:
        # The authorisation dependency holds the session only to claim the key in it; what
        # counts is whether the operation itself writes through the request's session.
        if dependant.security_scopes_param_name is not None:
            return False
        return dependant.call is get_session or any(
            takes_session(d) for d in dependant.dependencies
        )

    return {
        (route.path, method.lower())
        for route in routes
        if isinstance(route, APIRoute) and takes_session(route.dependant)
        for method in route.methods or ()
        if method in WRITE_METHODS
    }


def openapi_parameter() -> dict[str, Any]:
    return {
        "name": HEADER,
        "in": "header",
        "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": KEY_PATTERN},
        "description": (
            "Makes the write safe to retry: a retry with the same key and the same request gets "
            "the first answer back (with `Idempotent-Replayed: true`) instead of writing again. "
            "Scoped to your API key, remembered for 24 hours; the same key with a different "
            "request is refused (422), one still in flight answers 409."
        ),
    }
