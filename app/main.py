"""Application factory: `create_app()` wires settings, database, middleware, errors and routers."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi

from app import __version__, clock, handlers
from app.audit.log import log_signer, run_sequencer
from app.auditing.endpoints import log_router as audit_log_router
from app.auditing.endpoints import router as audit_router
from app.cadres.endpoints import router as cadres_router
from app.compliance.endpoints import router as compliance_router
from app.config import Settings, get_settings
from app.consultations.endpoints import router as consultations_router
from app.db import create_engine, create_sessionmaker
from app.docs import PAGES, install_docs
from app.dossiers.endpoints import router as dossiers_router
from app.errors import install_error_handlers
from app.forms.endpoints import router as forms_router
from app.health.endpoints import router as health_router
from app.idempotency import (
    IdempotencyMiddleware,
    Replay,
    idempotent_operations,
    openapi_parameter,
    replay_response,
)
from app.imports.endpoints import router as imports_router
from app.logs import configure_logging
from app.meta.endpoints import router as meta_router
from app.metrics import install_metrics
from app.middleware import (
    BodySizeLimitMiddleware,
    NulCharacterMiddleware,
    ProxyHeadersMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
    UnhandledErrorMiddleware,
)
from app.org_units.endpoints import router as org_units_router
from app.public.endpoints import router as public_router
from app.public.publishing import router as publishing_router
from app.ratelimit import RateLimitMiddleware
from app.records.kinds import ALL_KINDS
from app.records.router import build_router
from app.records.transfers import router as transfers_router
from app.replicas import ReadRouter
from app.security.pii import PiiCipher
from app.stats.endpoints import router as stats_router
from app.tracing import install_tracing, shutdown_tracing
from app.vetting.coalescer import CheckCoalescer
from app.vetting.endpoints import router as vetting_router
from app.vetting.facts_loader import UNIT_HISTORIES
from app.vetting.publication import follow_activations
from app.vetting.publishing_endpoints import router as publishing_rulebooks_router
from app.vetting.rulebooks import Rulebooks, publish_shipped
from app.webhooks.endpoints import router as webhooks_router
from app.webhooks.worker import Worker

DESCRIPTION = """
**Cadre Safety Vetting Service（党政领导干部安全生产责任审核服务）**

Keeps the lifetime work-safety record of Party and government leading cadres (终身追责) and
answers, with reasons and their legal basis, whether a cadre can be promoted, commended or
appointed now, and if not, from when (一票否决). It also issues the safety supervision
department's formal consultation opinion before a key state-owned-enterprise head is appointed.

Errors are RFC 9457 `application/problem+json` documents.
"""


def create_app(settings: Settings | None = None, database_url: str | None = None) -> FastAPI:
    settings = settings or get_settings()
    url = database_url or settings.database_url
    if not url:
        raise RuntimeError("DATABASE_URL is not set; start through `vetting serve` or set it")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = None
        if settings.webhook_worker_in_server:
            worker = asyncio.create_task(Worker(app.state.sessionmaker, settings).run_forever())
        try:
            await publish_shipped(app.state.sessionmaker, app.state.rulebooks)
        except Exception:  # the database may be down at start: /readyz says so
            logging.getLogger(__name__).warning("could not log the rulebooks", exc_info=True)
        activations = asyncio.create_task(
            follow_activations(
                app.state.sessionmaker, app.state.rulebooks, settings.rulebook_reload_seconds
            )
        )
        sequencer = asyncio.create_task(
            run_sequencer(app.state.sessionmaker, app.state.log_signer, settings)
        )
        replicas = asyncio.create_task(app.state.reads.run_forever())
        # Everything loaded so far lives as long as the process: keep it out of the garbage
        # collector's full passes, which otherwise walk it all (pauses of 50-150 ms under load).
        gc.collect()
        gc.freeze()
        yield
        sequencer.cancel()
        activations.cancel()
        replicas.cancel()
        if worker is not None:
            worker.cancel()
        await app.state.reads.dispose()
        await app.state.engine.dispose()
        shutdown_tracing(app)

    app = FastAPI(
        title="Cadre Safety Vetting Service",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        license_info={"name": "Proprietary", "identifier": "LicenseRef-Proprietary"},
        docs_url=None,  # served from bundled assets instead (app.docs)
        redoc_url=None,
    )
    install_docs(app)
    clock.configure(settings.timezone)
    UNIT_HISTORIES.max_accidents = settings.unit_history_cache_accidents
    handlers.install()
    app.state.settings = settings
    app.state.engine = create_engine(url, settings)
    app.state.sessionmaker = create_sessionmaker(app.state.engine, settings)
    app.state.reads = ReadRouter.build(app.state.engine, settings)
    install_error_handlers(app)
    app.add_exception_handler(Replay, replay_response)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(NulCharacterMiddleware)
    app.add_middleware(
        RateLimitMiddleware,
        public_paths=("/v1/opinions/verify", "/v1/public/"),
        public_per_minute=settings.public_rate_per_minute,
        auth_failures_per_minute=settings.auth_failures_per_minute,
    )
    app.add_middleware(ProxyHeadersMiddleware, trusted=settings.trusted_proxies)
    app.add_middleware(
        SecurityHeadersMiddleware,
        docs_paths=PAGES,
    )
    app.add_middleware(RequestContextMiddleware)
    app.state.cipher = PiiCipher.from_secret(settings.resolved_secret_key())
    app.state.log_signer = log_signer(settings)
    app.state.rulebooks = Rulebooks.shipped(settings.fallback_rulebook)
    for maker in (app.state.sessionmaker, *app.state.reads.makers()):
        handlers.bind_rules(maker, app.state.rulebooks)
    app.state.checks = CheckCoalescer(
        app.state.sessionmaker,
        app.state.reads,
        app.state.cipher,
        app.state.rulebooks,
        settings.timezone,
        lanes=settings.check_lanes,
        max_group=settings.check_group_max,
    )
    app.openapi = lambda: document_errors(app)  # type: ignore[method-assign]
    documented = [route for router in routers() for route in router.routes]
    app.state.documented_routes = documented
    # The routes themselves, not their routers: FastAPI matches an included router's routes
    # through a wrapper per router (and twice per request); flat routes match in one pass. The
    # busiest come first (their paths overlap no other); the document keeps the reading order.
    hot = [r for r in documented if getattr(r, "path", "").startswith(HOT_PATHS)]
    app.router.routes.extend(hot + [r for r in documented if r not in hot])
    install_metrics(app)  # GET /metrics (not in the OpenAPI document) and request metrics
    install_tracing(app, settings)  # OpenTelemetry, when VETTING_TRACING asks for it
    return app


_ALWAYS_PUBLIC = {"/healthz"}
TOKEN_DOC = {
    "description": "With read replicas in use: the write's consistency token. Send it as the "
    "`Consistency-Token` header of a later read to read this write (app.replicas).",
    "schema": {"type": "string", "examples": ["0/16B3748"]},
}
HOT_PATHS = ("/v1/vetting/",)


def document_errors(app: FastAPI) -> dict[str, Any]:
    """Every operation documents the problems any request can meet: a malformed or oversized
    body (400, 413) where it takes one, an unreachable database (503), and 429 (credentials
    sent from an address with too many failed ones: app.ratelimit)."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        license_info=app.license_info,
        routes=app.state.documented_routes,
    )
    # Relative: the document is served by the service it describes, wherever that is.
    schema["servers"] = [{"url": "/", "description": "this service"}]
    problem = {"$ref": "#/components/schemas/Problem"}
    idempotent = idempotent_operations(app.state.documented_routes)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            # Public operations say so, rather than leaving generators to guess.
            operation.setdefault("security", [])
            # Files and pages answered as such, so generated clients return them instead of
            # nothing: text as a string, anything else as bytes.
            for response in operation["responses"].values():
                for media, content in response.get("content", {}).items():
                    if "json" not in media and not content.get("schema"):
                        text = media.startswith("text/")
                        content["schema"] = (
                            {"type": "string"} if text else {"type": "string", "format": "binary"}
                        )
            if method in ("post", "put", "patch", "delete"):
                for status, response in operation["responses"].items():
                    if status.startswith("2"):
                        response.setdefault("headers", {})["Consistency-Token"] = TOKEN_DOC
            invalid = operation["responses"].get("422")
            if invalid and "application/json" in invalid.get("content", {}):
                # FastAPI's default validation response: ours is a problem document.
                invalid["content"] = {"application/problem+json": {"schema": problem}}
            # 429: a request carrying credentials from an address with too many failed ones.
            extra: dict[int, str] = {429: "Too many requests"}
            if path not in _ALWAYS_PUBLIC:
                extra[503] = "Database unavailable"
            if "requestBody" in operation:
                extra |= {400: "Malformed body", 413: "Body too large"}
                if "application/json" in operation["requestBody"].get("content", {}):
                    extra |= {415: "Unsupported media type (send application/json)"}
            if (path, method) in idempotent:
                operation.setdefault("parameters", []).append(openapi_parameter())
                extra |= {409: "Conflict with the current state", 422: "Validation error"}
            for status, description in extra.items():
                operation["responses"].setdefault(
                    str(status),
                    {
                        "description": description,
                        "content": {"application/problem+json": {"schema": problem}},
                    },
                )
    schemas = schema.get("components", {}).get("schemas", {})
    if "HTTPValidationError" not in json.dumps(schema["paths"]):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    app.openapi_schema = schema
    return schema


def routers() -> list[APIRouter]:
    return [
        health_router,
        meta_router,
        org_units_router,
        cadres_router,
        dossiers_router,
        transfers_router,
        *(build_router(kind) for kind in ALL_KINDS),
        publishing_router,
        vetting_router,
        publishing_rulebooks_router,
        consultations_router,
        compliance_router,
        stats_router,
        webhooks_router,
        imports_router,
        forms_router,
        public_router,
        audit_router,
        audit_log_router,
    ]


def create_app_from_env() -> FastAPI:
    """Uvicorn factory entry point (`app.main:create_app_from_env`)."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    return create_app(settings)
