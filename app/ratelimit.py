"""Rate limits per client address, in process: requests to the public endpoints, and failed
authentications (401) — once a client's failures run over, its requests with credentials are
refused until the budget refills. Over a limit the answer is 429 problem+json with
`Retry-After`. Each server process counts on its own."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import TooManyRequests
from app.middleware import request_header, send_problem

MAX_CLIENTS = 100_000  # buckets kept; the least recently seen are forgotten (a full bucket)


class TokenBuckets:
    """One bucket per key of `per_minute` tokens, refilled continuously (so a burst of a
    minute's worth is allowed, then one request every 60 / `per_minute` seconds)."""

    def __init__(self, per_minute: int, max_keys: int = MAX_CLIENTS) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens per second
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at), oldest first

    def _tokens(self, key: str, now: float) -> float:
        tokens, at = self._buckets.pop(key, (self.capacity, now))
        return min(self.capacity, tokens + (now - at) * self.rate)

    def _keep(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self.max_keys:
            del self._buckets[next(iter(self._buckets))]

    def wait(self, key: str) -> float:
        """Seconds until `key` has a token again (0 when it has one now); spends none."""
        if key not in self._buckets:  # never charged: full, and not worth remembering
            return 0.0
        now = time.monotonic()
        tokens = self._tokens(key, now)
        self._keep(key, tokens, now)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def take(self, key: str) -> float:
        """Spend a token of `key` if it has one (0 returned), else the seconds to wait."""
        now = time.monotonic()
        tokens = self._tokens(key, now)
        spent = tokens >= 1
        self._keep(key, tokens - 1 if spent else tokens, now)
        return 0.0 if spent else (1 - tokens) / self.rate


class RateLimitMiddleware:
    """Limits per client address (`scope["client"]`, as set by ProxyHeadersMiddleware):
    requests under `public_paths` (exact paths, or prefixes ending in `/`), and requests that
    carry credentials once the address has had too many 401 answers. A limit of 0 is none."""

    def __init__(
        self,
        app: ASGIApp,
        public_paths: Sequence[str],
        public_per_minute: int,
        auth_failures_per_minute: int,
    ) -> None:
        self.app = app
        self.exact = frozenset(p for p in public_paths if not p.endswith("/"))
        self.prefixes = tuple(p for p in public_paths if p.endswith("/"))
        self.public = TokenBuckets(public_per_minute) if public_per_minute else None
        self.failures = TokenBuckets(auth_failures_per_minute) if auth_failures_per_minute else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else ""
        path: str = scope["path"]
        if self.public is not None and (path in self.exact or path.startswith(self.prefixes)):
            wait = self.public.take(client)
            if wait:
                await self._refuse(scope, send, wait, "Too many requests to the public pages")
                return
        failures = self.failures
        if failures is None:
            await self.app(scope, receive, send)
            return
        if request_header(scope, b"authorization") is not None:
            wait = failures.wait(client)
            if wait:
                await self._refuse(scope, send, wait, "Too many failed authentications")
                return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                failures.take(client)
            await send(message)

        await self.app(scope, receive, counting_send)

    async def _refuse(self, scope: Scope, send: Send, wait: float, what: str) -> None:
        seconds = max(1, math.ceil(wait))
        detail = f"{what} from this address; retry in {seconds} s."
        error = TooManyRequests(detail, headers={"Retry-After": str(seconds)})
        await send_problem(scope, send, error)
