"""The delivery worker. Each pass claims due deliveries with FOR UPDATE SKIP LOCKED (so any
number of workers share the work and none sends an event twice), posts them signed, records
every attempt, and schedules retries with exponential backoff up to a limit.

Right before each post the target is resolved and checked again (app.webhooks.targets) and the
connection goes to an address just checked; a refused target is a failed attempt. Redirects are
never followed, proxies from the environment never used, and what a receiver answers is never
read: an attempt records the status code or a fixed error text, never the response body.
Deliveries of a subscription whose client has been revoked are not sent."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import insert, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import clock
from app.config import Settings
from app.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from app.security.pii import PiiCipher
from app.webhooks import targets
from app.webhooks.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, standard_headers

log = logging.getLogger(__name__)

_CLAIM = text(
    """
    SELECT d.id, d.attempts, d.subscription_id, s.url, s.secret_cipher, e.id AS event_id,
           e.event_type, CAST(e.payload AS text) AS payload, e.occurred_at
    FROM webhook_deliveries d
    JOIN webhook_subscriptions s ON s.id = d.subscription_id
    JOIN outbox_events e ON e.id = d.event_id
    LEFT JOIN api_clients c ON c.id = s.created_by
    WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND s.active
      AND c.revoked_at IS NULL
    ORDER BY d.next_attempt_at
    LIMIT :limit
    FOR UPDATE OF d SKIP LOCKED
    """
)


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def body_of(row: Any) -> bytes:
    return orjson.dumps(
        {
            "id": str(row.event_id),
            "type": row.event_type,
            "occurred_at": row.occurred_at.isoformat(),
            "data": orjson.loads(row.payload),
        }
    )


# Fixed texts for what went wrong: nothing a receiver or a resolver says is stored.
REFUSED = "refused: the target is not a public address (see VETTING_WEBHOOK_ALLOWED_HOSTS)"
UNRESOLVED = "refused: the target host did not resolve"
INVALID = "refused: the target URL is not allowed"
TIMEOUT = "timeout"
CONNECT_FAILED = "connection failed"


def _error_text(exc: httpx.HTTPError) -> str:
    return TIMEOUT if isinstance(exc, httpx.TimeoutException) else type(exc).__name__


def _refusal_text(exc: targets.TargetRefused) -> str:
    if isinstance(exc, targets.Unresolvable):
        return UNRESOLVED
    return REFUSED if exc.reason == targets.NOT_PUBLIC else INVALID


class Poster:
    """Posts one delivery to its checked target, over a client that follows no redirect."""

    def __init__(
        self, http: httpx.AsyncClient, allowed: targets.AllowList, lookup_seconds: float
    ) -> None:
        self.http = http
        self.allowed = allowed
        self.lookup_seconds = lookup_seconds

    async def __call__(self, row: Any, secret: str) -> Outcome:
        started = time.perf_counter()
        status, error = await self._attempt(row, secret)
        return Outcome(status, error, int((time.perf_counter() - started) * 1000))

    async def _attempt(self, row: Any, secret: str) -> tuple[int | None, str | None]:
        try:
            destination = await targets.check(row.url, self.allowed, self.lookup_seconds)
        except targets.TargetRefused as exc:
            return None, _refusal_text(exc)
        body = body_of(row)
        headers = _headers(row, secret, body) | {"Host": destination.host_header}
        extensions = (
            {"sni_hostname": destination.server_name} if destination.url.scheme == "https" else {}
        )
        error = CONNECT_FAILED
        for address in destination.addresses:
            try:
                return await self._send(destination.via(address), body, headers, extensions)
            except httpx.ConnectError:
                continue  # nothing was sent: try the next checked address
            except httpx.HTTPError as exc:
                error = _error_text(exc)
                break
        return None, error

    async def _send(
        self, url: httpx.URL, body: bytes, headers: dict[str, str], extensions: dict[str, Any]
    ) -> tuple[int | None, str | None]:
        request = self.http.build_request(
            "POST", url, content=body, headers=headers, extensions=extensions
        )
        # Streamed and closed unread: the answer's body is neither stored nor even downloaded.
        response = await self.http.send(request, stream=True, follow_redirects=False)
        await response.aclose()
        status = response.status_code
        return status, None if response.is_success else f"HTTP {status}"


def _headers(row: Any, secret: str, body: bytes) -> dict[str, str]:
    stamp = int(clock.now().timestamp())
    return {
        "Content-Type": "application/json",
        "User-Agent": "cadre-safety-vetting-webhooks/1",
        SIGNATURE_HEADER: sign(secret, stamp, body),
        TIMESTAMP_HEADER: str(stamp),
        "X-Webhook-Event": row.event_type,
        "X-Webhook-Delivery": str(row.id),
    } | standard_headers(secret, str(row.id), stamp, body)


class Worker:
    def __init__(
        self, maker: async_sessionmaker[AsyncSession], settings: Settings, name: str | None = None
    ) -> None:
        self.maker = maker
        self.settings = settings
        self.cipher = PiiCipher.from_secret(settings.resolved_secret_key())
        self.allowed = targets.AllowList.parse(settings.webhook_allowed_hosts)
        self.name = name or f"{socket.gethostname()}:{uuid.uuid4().hex[:6]}"

    async def run_once(self, batch: int = 20) -> int:
        """One pass: claim, deliver, record. Returns how many deliveries were attempted."""
        async with self.maker() as session, session.begin():
            rows = (await session.execute(_CLAIM, {"limit": batch})).all()
            if not rows:
                return 0
            seconds = self.settings.webhook_timeout_seconds
            async with httpx.AsyncClient(
                timeout=httpx.Timeout(seconds), follow_redirects=False, trust_env=False
            ) as http:
                post = Poster(http, self.allowed, seconds)
                outcomes = await asyncio.gather(
                    *(post(r, self.cipher.decrypt(r.secret_cipher)) for r in rows)
                )
            for row, outcome in zip(rows, outcomes, strict=True):
                await self._record(session, row, outcome)
        return len(rows)

    async def _record(self, session: AsyncSession, row: Any, outcome: Outcome) -> None:
        attempts = row.attempts + 1
        await session.execute(
            insert(WebhookAttempt).values(
                id=uuid.uuid4(),
                delivery_id=row.id,
                status_code=outcome.status_code,
                error=outcome.error,
                duration_ms=outcome.duration_ms,
                worker=self.name,
            )
        )
        now = clock.now()
        if outcome.ok:
            values: dict[str, Any] = {"status": "delivered", "delivered_at": now}
        elif attempts >= self.settings.webhook_max_attempts:
            values = {"status": "failed"}
        else:
            delay = self.settings.webhook_backoff_seconds * 2 ** (attempts - 1)
            values = {"next_attempt_at": now + timedelta(seconds=delay)}
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == row.id)
            .values(
                attempts=attempts,
                last_status_code=outcome.status_code,
                last_error=outcome.error,
                **values,
            )
        )
        await self._health(session, row.subscription_id, outcome.ok)

    async def _health(self, session: AsyncSession, subscription_id: Any, ok: bool) -> None:
        table = WebhookSubscription
        if ok:
            values: dict[str, Any] = {"consecutive_failures": 0, "failing": False}
        else:
            failures = table.consecutive_failures + 1
            values = {
                "consecutive_failures": failures,
                "failing": failures >= self.settings.webhook_failing_after,
            }
        await session.execute(update(table).where(table.id == subscription_id).values(**values))

    async def run_forever(self, idle_seconds: float = 1.0) -> None:
        log.info("webhook worker started", extra={"worker": self.name})
        while True:
            try:
                done = await self.run_once()
            except Exception:  # a bad pass must not stop the worker
                log.exception("webhook worker pass failed")
                done = 0
            if not done:
                await asyncio.sleep(idle_seconds)
