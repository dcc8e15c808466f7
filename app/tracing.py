"""Optional OpenTelemetry tracing, chosen by configuration (`VETTING_TRACING`):

- `off` (default): nothing is installed and nothing is paid per request;
- `otlp`: spans go over OTLP/HTTP (protobuf) to a collector (Jaeger, Tempo, the OpenTelemetry
  Collector, …) at the standard `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` /
  `OTEL_EXPORTER_OTLP_ENDPOINT` (default `http://localhost:4318`), batched off the request path;
- `console`: spans printed as JSON on standard output (for a look on a development box).

What is traced: each HTTP request (a server span named by method and route template, e.g.
`POST /v1/vetting/checks`, with status; health and metrics probes excluded) by the FastAPI
instrumentation, and each statement sent to PostgreSQL (its SQL text, never its parameters) by the
asyncpg instrumentation, as children of the request they serve. Personal data stays out: the API
carries ID numbers only in bodies, which are not recorded, and statement parameters are not
captured. `service.name` is `VETTING_TRACING_SERVICE_NAME`; the standard `OTEL_RESOURCE_ATTRIBUTES`
adds more.

Infrastructure: wired by the composition root (`create_app`), knows no feature package.
"""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)

from app import __version__
from app.config import Settings

NOT_TRACED = "healthz,readyz,metrics"  # probes: frequent and of no interest


def install_tracing(app: FastAPI, settings: Settings) -> TracerProvider | None:
    """Trace `app` as `settings.tracing` says; the provider (kept in `app.state`) or None."""
    exporter = _exporter(settings.tracing)
    if exporter is None:
        app.state.tracer_provider = None
        return None
    provider = TracerProvider(
        resource=Resource.create(
            {SERVICE_NAME: settings.tracing_service_name, SERVICE_VERSION: __version__}
        )
    )
    provider.add_span_processor(BatchSpanProcessor(exporter))
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=provider, excluded_urls=NOT_TRACED, exclude_spans=["receive", "send"]
    )
    instrumentor = AsyncPGInstrumentor()  # type: ignore[no-untyped-call]
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)
    app.state.tracer_provider = provider
    return provider


def shutdown_tracing(app: FastAPI) -> None:
    """Send what is buffered and stop tracing (at the end of the app's life)."""
    provider: TracerProvider | None = getattr(app.state, "tracer_provider", None)
    if provider is None:
        return
    provider.shutdown()  # flushes the batch processor first
    instrumentor = AsyncPGInstrumentor()  # type: ignore[no-untyped-call]
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()
    app.state.tracer_provider = None


def _exporter(kind: str) -> SpanExporter | None:
    if kind == "otlp":
        return OTLPSpanExporter()  # endpoint, headers, timeout: the standard OTEL_* variables
    if kind == "console":
        return ConsoleSpanExporter()
    return None
