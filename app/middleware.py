"""Pure ASGI middleware: request id, access log, body-size limit, NUL characters refused, the
client address behind trusted proxies, security headers."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import logging
import re
import time
import uuid
from collections.abc import Collection, Sequence

from starlette.datastructures import MutableHeaders, QueryParams
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import (
    PROBLEM_MEDIA_TYPE,
    AppError,
    BodyTooLarge,
    PayloadTooLarge,
    Unprocessable,
    body_limit_detail,
    error_body,
    prefers_chinese,
    unhandled_error_response,
)
from app.logs import request_id_var

access_log = logging.getLogger("app.access")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RequestContextMiddleware:
    """Gives every request an id (taken from `X-Request-ID` when sane), echoes it in the
    response (with a write's `Consistency-Token`, when it has one), and writes one JSON
    access-log line with method, path, route template, API client id, status and duration."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = request_header(scope, b"x-request-id")
        request_id = (
            incoming if incoming and _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        )
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                # A write's consistency token (app.uow), when replicas are in use.
                token = scope["state"].get("consistency_token")
                if token is not None:
                    headers.append((b"consistency-token", str(token).encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            # The route template once a route matched (Starlette leaves it in the scope), and
            # the API client once authenticated (app.access leaves it in the request's state).
            route = getattr(scope.get("route"), "path", None)
            client_id = scope["state"].get("client_id")
            access_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": route,
                    "client_id": str(client_id) if client_id is not None else None,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)


class BodySizeLimitMiddleware:
    """Refuses request bodies above `max_bytes` with 413 problem+json, before they are parsed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = request_header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await self._reject(scope, send)

    async def _reject(self, scope: Scope, send: Send) -> None:

        await send_problem(scope, send, PayloadTooLarge(body_limit_detail(self.max_bytes)))


async def send_problem(scope: Scope, send: Send, error: AppError) -> None:
    """Answer `error` as problem+json from a middleware, before the app's handlers run."""
    chinese = prefers_chinese(request_header(scope, b"accept-language"))
    problem = error_body(error, scope["path"], scope.get("state", {}).get("request_id"), chinese)
    body = json.dumps(problem, ensure_ascii=False).encode()
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in error.headers.items()),
    ]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class UnhandledErrorMiddleware:
    """Renders any exception that escaped the handlers as problem+json (503 for an unreachable
    database, else 500), so no client ever sees a bare error page or a stack trace."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started or isinstance(exc, BodyTooLarge):  # BodySizeLimitMiddleware answers 413
                raise
            from starlette.requests import Request

            response = unhandled_error_response(Request(scope), exc)
            await response(scope, receive, send)


NUL_MESSAGE = "must not contain NUL characters"


class NulCharacterMiddleware:
    """Refuses with 422 a request whose path, query parameters or header values hold a NUL
    character: PostgreSQL cannot store one in text, and no parameter has a use for it. Bodies
    are checked by the input models; multipart file names by `app.uploads`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            fields = nul_fields(scope)
            if fields:
                error = Unprocessable(
                    f"Invalid fields: {', '.join(fields)}",
                    errors=[(field, NUL_MESSAGE) for field in fields],
                )
                await send_problem(scope, send, error)
                return
        await self.app(scope, receive, send)


def nul_fields(scope: Scope) -> list[str]:
    """The parameters (`path.x`, `query.x`, `header.x`) holding a NUL character."""
    fields = _nul_path_fields(scope) if "\x00" in scope["path"] else []
    query: bytes = scope.get("query_string", b"")
    if b"\x00" in query or b"%00" in query:
        for name, value in QueryParams(query).multi_items():
            if "\x00" in name or "\x00" in value:
                fields.append("query." + _printable(name))
    fields += [
        "header." + key.decode("latin-1")
        for key, value in scope.get("headers", ())
        if b"\x00" in key or b"\x00" in value
    ]
    return list(dict.fromkeys(fields))


def _nul_path_fields(scope: Scope) -> list[str]:
    """Names the path parameter where a route matches, else the whole path."""
    app = scope.get("app")
    for route in getattr(getattr(app, "router", None), "routes", ()):
        match, child = route.matches(scope)
        if match is not Match.NONE:
            params = child.get("path_params", {})
            named = [f"path.{k}" for k, v in params.items() if "\x00" in str(v)]
            return named or ["path"]
    return ["path"]


def _printable(name: str) -> str:
    return name.replace("\x00", "\\0")


class ProxyHeadersMiddleware:
    """The client of a request is its peer, unless the peer is a trusted proxy: then the nearest
    address in X-Forwarded-For that is not itself a trusted proxy (and the scheme is taken from
    X-Forwarded-Proto). From any other peer these headers are ignored, so no client chooses the
    address that is audited and rate-limited. Runs in the app, whatever server serves it."""

    def __init__(self, app: ASGIApp, trusted: Sequence[str]) -> None:
        self.app = app
        self.networks = [ipaddress.ip_network(entry.strip(), strict=False) for entry in trusted]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.networks and scope.get("client"):
            peer = scope["client"][0]
            if self._trusted(peer):
                client = self._client(peer, request_header(scope, b"x-forwarded-for"))
                if client != peer:
                    scope["client"] = (client, 0)
                proto = (request_header(scope, b"x-forwarded-proto") or "").strip().lower()
                if proto in ("http", "https"):
                    scope["scheme"] = proto
        await self.app(scope, receive, send)

    def _trusted(self, host: str) -> bool:
        address = _address(host)
        return address is not None and any(address in network for network in self.networks)

    def _client(self, peer: str, forwarded: str | None) -> str:
        client = peer
        for hop in reversed([h.strip() for h in (forwarded or "").split(",") if h.strip()]):
            if not self._trusted(client) or _address(hop) is None:
                break
            client = hop
        return client


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


_SECURE = "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
# Our pages (the opinion letter, the public results) carry their CSS inline and no script.
PAGE_POLICY = f"default-src 'none'; img-src 'self' data:; {_SECURE}"
# Swagger UI and ReDoc load their bundled assets from this service (app.docs); ReDoc adds
# styles at run time and searches in a worker made from a blob.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; "
    f"connect-src 'self'; worker-src blob:; {_SECURE}"
)
_INLINE = re.compile(rb"<(script|style)\b([^>]*)>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)


class SecurityHeadersMiddleware:
    """`X-Content-Type-Options: nosniff` on every response; on HTML pages a
    Content-Security-Policy that allows their own inline scripts and styles by hash (so
    nothing injected runs) and nothing else but what the API documentation pages load."""

    def __init__(self, app: ASGIApp, docs_paths: Collection[str]) -> None:
        self.app = app
        self.docs_paths = frozenset(docs_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        page: Message | None = None
        chunks: list[bytes] = []

        async def secured_send(message: Message) -> None:
            nonlocal page
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                if headers.get("content-type", "").startswith("text/html"):
                    page = message  # held until the body is known: the policy hashes it
                    return
            elif message["type"] == "http.response.body" and page is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = b"".join(chunks)
                MutableHeaders(scope=page)["Content-Security-Policy"] = self.policy(
                    scope["path"], body
                )
                await send(page)
                message = {"type": "http.response.body", "body": body}
            await send(message)

        await self.app(scope, receive, secured_send)

    def policy(self, path: str, body: bytes) -> str:
        docs = path in self.docs_paths
        base = DOCS_POLICY if docs else PAGE_POLICY
        hashes: dict[bytes, list[str]] = {b"script": [], b"style": []}
        for tag, attributes, content in _INLINE.findall(body):
            if b"src=" not in attributes.lower():
                digest = base64.b64encode(hashlib.sha256(content).digest()).decode()
                hashes[tag.lower()].append(f"'sha256-{digest}'")
        scripts, styles = " ".join(hashes[b"script"]), " ".join(hashes[b"style"])
        if docs:  # with a hash present, browsers would ignore ReDoc's 'unsafe-inline' styles
            return base.replace("script-src", f"script-src {scripts}") if scripts else base
        extra = (f"script-src {scripts}; " if scripts else "") + (
            f"style-src {styles}; " if styles else ""
        )
        return base.replace("default-src 'none'; ", f"default-src 'none'; {extra}")
