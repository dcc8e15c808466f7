"""OpenTelemetry tracing by configuration (app.tracing): spans of real requests through the app
and of its statements to the real database, exported over OTLP/HTTP to a collector on loopback
and read back with the OTLP protobuf schema."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from app.config import Settings
from app.main import create_app
from app.tracing import shutdown_tracing
from tests.conftest import make_client
from tests.factories import Api, id_number
from tests.loopback import read_body, served


@dataclass
class Collector:
    """The OTLP/HTTP traces endpoint of a collector: keeps every export it is sent."""

    port: int = 0
    bodies: list[bytes] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        self.paths.append(scope["path"])
        self.bodies.append(body)
        headers = [(b"content-type", b"application/x-protobuf")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    def spans(self) -> list[tuple[dict[str, Any], Span]]:
        """Every span received, with the attributes of the resource that sent it."""
        found = []
        for body in self.bodies:
            request = ExportTraceServiceRequest.FromString(body)
            for resource_spans in request.resource_spans:
                resource = attributes(resource_spans.resource.attributes)
                for scope_spans in resource_spans.scope_spans:
                    found += [(resource, span) for span in scope_spans.spans]
        return found


def attributes(values: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in values:
        kind = item.value.WhichOneof("value")
        out[item.key] = getattr(item.value, kind) if kind else None
    return out


@pytest.fixture
async def collector() -> AsyncIterator[Collector]:
    target = Collector()
    async with served(target) as port:
        target.port = port
        yield target


async def test_requests_and_their_statements_are_traced_over_otlp(
    settings: Settings, clean_db: None, collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = f"http://127.0.0.1:{collector.port}/v1/traces"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint)
    traced = create_app(settings.model_copy(update={"tracing": "otlp"}))
    number = id_number()
    try:
        key = await make_client(traced, "tracing-admin", ["admin"])
        transport = httpx.ASGITransport(app=traced, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            api = Api(http, key)
            cadre = await api.post("/v1/cadres", {"id_number": number, "name": "李追踪"})
            await api.get(f"/v1/cadres/{cadre['id']}")
            assert (await http.get("/healthz")).status_code == 200
        await asyncio.to_thread(shutdown_tracing, traced)  # flushes the batch to the collector
    finally:
        shutdown_tracing(traced)
        await traced.state.engine.dispose()

    assert collector.paths and set(collector.paths) == {"/v1/traces"}
    spans = collector.spans()
    resource = spans[0][0]
    assert resource["service.name"] == "cadre-safety-vetting"
    server = {s.name: s for _, s in spans if s.kind == Span.SPAN_KIND_SERVER}
    read = server["GET /v1/cadres/{cadre_id}"]
    assert attributes(read.attributes)["http.route"] == "/v1/cadres/{cadre_id}"
    assert "POST /v1/cadres" in server
    assert not any("healthz" in name for name in server)  # probes are not traced
    statements = [
        s
        for _, s in spans
        if s.trace_id == read.trace_id and attributes(s.attributes).get("db.system") == "postgresql"
    ]
    assert statements, "the request's statements are in its trace"
    by_id = {s.span_id: s for _, s in spans}
    for statement in statements:  # each one hangs, through its parents, under the request
        parent = statement
        while parent.parent_span_id and parent.span_id != read.span_id:
            parent = by_id[parent.parent_span_id]
        assert parent.span_id == read.span_id
    exported = b"".join(collector.bodies)
    assert number.encode() not in exported and "李追踪".encode() not in exported  # no PII


async def test_tracing_is_off_unless_configured(settings: Settings) -> None:
    plain = create_app(settings)
    try:
        assert plain.state.tracer_provider is None
        assert not AsyncPGInstrumentor().is_instrumented_by_opentelemetry
    finally:
        await plain.state.engine.dispose()
