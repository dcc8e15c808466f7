"""Prometheus metrics, served at `GET /metrics` (an operator endpoint: not in the OpenAPI
document, no key). `install_metrics(app)` wires it all: the endpoint and the middleware that
counts requests.

- `http_requests_total{method, route, status}` and `http_request_duration_seconds{method,
  route}`: by route template (`/v1/cadres/{cadre_id}`), never the raw path; requests no route
  matched are counted under `route="unmatched"`.
- `vetting_decisions_total{outcome}`: decisions stored, counted by the vetting service
  (`record_decisions`), including those of a request whose transaction later rolled back.
- `webhook_deliveries{status}` (pending, due, failed) and `webhook_subscriptions_failing`:
  counted in the database on each scrape, time-boxed (`timeout_seconds`); -1 when the database
  did not answer in time, so a scrape never hangs on an outage.
- `db_pool_size`, `db_pool_checked_out`, `db_pool_checked_in`, `db_pool_overflow`: the
  SQLAlchemy pool of the process answering the scrape.
- With read replicas (app.replicas): `db_replica_in_rotation{replica}` (1 or 0),
  `db_replica_lag_seconds{replica}` and `db_replica_lag_bytes{replica}` (-1 when unknown) as
  the process's last poll found them, and `db_read_sessions_total{served_by, reason}`: read
  sessions opened on each replica, or on the primary and why.

Each server process keeps its own counters: with several workers, a scrape sees the process
that answered it. With `PROMETHEUS_MULTIPROC_DIR` set (an empty directory, before the server
starts), counters and histograms are summed over all the workers (prometheus_client's
multiprocess mode); the pool figures stay those of the answering process.

Infrastructure: this module knows no feature package (the webhook counts are plain SQL).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import Counter as Tally
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.replicas import ReadRouter

log = logging.getLogger(__name__)

# No `_created` series beside every counter and histogram.
disable_created_metrics()  # type: ignore[no-untyped-call]

REQUESTS = Counter(
    "http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
DECISIONS = Counter(
    "vetting_decisions",
    "Vetting decisions stored, by outcome.",
    ["outcome"],
)
UNMATCHED = "unmatched"
METRICS_PATH = "/metrics"
DEFAULT_TIMEOUT_SECONDS = 1.0


def record_decisions(outcomes: Iterable[object]) -> None:
    """Count stored decisions by outcome (`Outcome` values or their strings), one increment
    per outcome however many decisions a batch holds."""
    for outcome, count in Tally(str(o) for o in outcomes).items():
        DECISIONS.labels(outcome=outcome).inc(count)


def route_template(scope: Scope) -> str:
    """The path template of the route that answered (`/v1/cadres/{cadre_id}`), or
    `unmatched`. Starlette leaves the route in the scope once it has matched one."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class MetricsMiddleware:
    """Counts and times every HTTP request by route template, method and status. Outermost,
    so it sees the status actually sent (also one made by an outer error handler)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observing_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        finally:
            route, method = route_template(scope), scope["method"]
            REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            LATENCY.labels(method=method, route=route).observe(time.perf_counter() - started)


_WEBHOOK_COUNTS = text(
    """
    SELECT
        count(*) FILTER (WHERE status = 'pending') AS pending,
        count(*) FILTER (WHERE status = 'pending' AND next_attempt_at <= now()) AS due,
        count(*) FILTER (WHERE status = 'failed') AS failed,
        (SELECT count(*) FROM webhook_subscriptions WHERE active AND failing) AS failing
    FROM webhook_deliveries
    WHERE status IN ('pending', 'failed')
    """
)
_UNKNOWN = {"pending": -1, "due": -1, "failed": -1, "failing": -1}


class LiveCollector:
    """What is read on each scrape: the engine's pool and the webhook counts (fetched by
    `refresh` before the scrape is written, since collectors cannot wait)."""

    def __init__(self, engine: AsyncEngine, timeout_seconds: float, reads: ReadRouter) -> None:
        self.engine = engine
        self.reads = reads
        self.timeout_seconds = timeout_seconds
        self.webhooks: dict[str, int] = dict(_UNKNOWN)

    async def refresh(self) -> None:
        try:
            self.webhooks = await asyncio.wait_for(self._count(), self.timeout_seconds)
        except Exception as exc:  # an outage, a timeout: say "unknown", never hang the scrape
            log.warning("metrics: webhook counts unavailable (%s)", type(exc).__name__)
            self.webhooks = dict(_UNKNOWN)

    async def _count(self) -> dict[str, int]:
        async with self.engine.connect() as conn:
            row = (await conn.execute(_WEBHOOK_COUNTS)).one()
        return {key: int(value) for key, value in row._mapping.items()}

    def collect(self) -> Iterator[Metric]:
        deliveries = GaugeMetricFamily(
            "webhook_deliveries",
            "Webhook deliveries waiting (pending; due: pending and due now) or given up "
            "(failed); -1 when the database did not answer in time.",
            labels=["status"],
        )
        for status in ("pending", "due", "failed"):
            deliveries.add_metric([status], self.webhooks[status])
        yield deliveries
        yield GaugeMetricFamily(
            "webhook_subscriptions_failing",
            "Active webhook subscriptions marked failing; -1 when unknown.",
            value=self.webhooks["failing"],
        )
        yield from pool_metrics(self.engine)
        yield from replica_metrics(self.reads)


def replica_metrics(reads: ReadRouter) -> Iterator[Metric]:
    if not reads.replicas:
        return
    gauges = {
        "in_rotation": GaugeMetricFamily(
            "db_replica_in_rotation",
            "1: the replica serves reads; 0: out of rotation.",
            labels=["replica"],
        ),
        "lag_seconds": GaugeMetricFamily(
            "db_replica_lag_seconds",
            "Seconds since the replica last had all the primary had written; -1 unknown.",
            labels=["replica"],
        ),
        "lag_bytes": GaugeMetricFamily(
            "db_replica_lag_bytes",
            "WAL bytes the replica is behind; -1 unknown.",
            labels=["replica"],
        ),
    }
    for replica in reads.replicas:
        health = replica.health
        gauges["in_rotation"].add_metric([replica.name], 1 if health.in_rotation else 0)
        lag = health.lag_seconds if health.lag_seconds is not None else -1
        gauges["lag_seconds"].add_metric([replica.name], lag)
        size = health.lag_bytes if health.lag_bytes is not None else -1
        gauges["lag_bytes"].add_metric([replica.name], size)
    yield from gauges.values()
    sessions = CounterMetricFamily(
        "db_read_sessions",
        "Read sessions opened, by where they were served and why there.",
        labels=["served_by", "reason"],
    )
    for (served_by, reason), count in sorted(reads.sessions.items()):
        sessions.add_metric([served_by, reason], count)
    yield sessions


def pool_metrics(engine: AsyncEngine) -> Iterator[Metric]:
    """The figures of a QueuePool (nothing for a pool without them, e.g. NullPool)."""
    pool: Any = engine.pool
    if not all(hasattr(pool, m) for m in ("size", "checkedout", "checkedin", "overflow")):
        return
    readings = {
        "db_pool_size": ("Connections the pool keeps.", pool.size()),
        "db_pool_checked_out": ("Pooled connections in use.", pool.checkedout()),
        "db_pool_checked_in": ("Pooled connections open and idle.", pool.checkedin()),
        # SQLAlchemy counts overflow from -size (no connection opened yet).
        "db_pool_overflow": ("Connections open beyond the pool size.", max(pool.overflow(), 0)),
    }
    for name, (documentation, reading) in readings.items():
        yield GaugeMetricFamily(name, documentation, value=reading)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition(live: LiveCollector) -> bytes:
    """This process's (or, in multiprocess mode, all workers') metrics, then the live ones."""
    if multiprocess_dir():
        shared = CollectorRegistry()
        MultiProcessCollector(shared)  # type: ignore[no-untyped-call]
        head = generate_latest(shared)
    else:
        head = generate_latest(REGISTRY)
    return head + generate_latest(live)


def install_metrics(app: FastAPI, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS) -> None:
    """Serve `GET /metrics` and count requests; call once, after the other middleware (so
    this one is outermost) and before the app starts. Once per app: a second call does
    nothing."""
    if getattr(app.state, "metrics", None) is not None:
        return
    live = LiveCollector(app.state.engine, timeout_seconds, app.state.reads)
    app.state.metrics = live

    async def metrics(request: Request) -> Response:
        await live.refresh()
        return Response(exposition(live), media_type=CONTENT_TYPE_LATEST)

    app.add_api_route(METRICS_PATH, metrics, methods=["GET"], include_in_schema=False)
    app.add_middleware(MetricsMiddleware)
