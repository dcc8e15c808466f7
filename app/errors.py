"""Errors as RFC 9457 `application/problem+json`.

Services raise `AppError` subclasses; one set of handlers renders every error (including request
validation, unknown routes and an unreachable database) in the same shape.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.config import get_settings
from app.db import is_database_unavailable

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://vetting.example.gov.cn/problems/"


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. `body.id_number`.")
    message: str = Field(description="Why the value was refused.")


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(description="URI identifying the problem type.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = Field(default=None, description="The request path.")
    request_id: str | None = None
    errors: list[FieldError] | None = Field(
        default=None, description="Per-field reasons, for validation problems."
    )
    current_state: str | None = Field(
        default=None, description="For workflow conflicts: the state the resource is in."
    )


class BodyTooLarge(Exception):
    """Raised by the limited `receive` (app.middleware) once a body without a declared length
    runs over the limit."""


def body_limit_detail(max_bytes: int) -> str:
    return f"The request body exceeds {max_bytes} bytes."


class AppError(Exception):
    status = 500
    code = "internal-error"
    title = "Internal error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = [FieldError(field=f, message=m) for f, m in errors or ()]
        self.headers = headers or {}
        self.extra = extra


class BadRequest(AppError):
    status, code, title = 400, "bad-request", "Bad request"


class Unauthorized(AppError):
    status, code, title = 401, "unauthorized", "Authentication required"


class Forbidden(AppError):
    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(AppError):
    status, code, title = 404, "not-found", "Not found"


class Conflict(AppError):
    status, code, title = 409, "conflict", "Conflict"


class PayloadTooLarge(AppError):
    status, code, title = 413, "payload-too-large", "Payload too large"


class UnsupportedMediaType(AppError):
    status, code, title = 415, "unsupported-media-type", "Unsupported media type"


class Unprocessable(AppError):
    status, code, title = 422, "validation-error", "The request is not valid"


class TooManyRequests(AppError):
    status, code, title = 429, "too-many-requests", "Too many requests"


class ServiceUnavailable(AppError):
    status, code, title = 503, "service-unavailable", "Service temporarily unavailable"


def problem_body(
    *,
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    instance: str | None = None,
    request_id: str | None = None,
    errors: list[FieldError] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "request_id": request_id,
    }
    if errors:
        body["errors"] = [e.model_dump() for e in errors]
    body.update(extra or {})
    return body


def error_body(error: AppError, instance: str | None, request_id: str | None) -> dict[str, Any]:
    """The problem document of `error` (used where errors are data, e.g. in batch results)."""
    return problem_body(
        status=error.status,
        code=error.code,
        title=error.title,
        detail=error.detail,
        instance=instance,
        request_id=request_id,
        errors=error.errors or None,
        extra=error.extra,
    )


def problem_response(
    request: Request,
    *,
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body = problem_body(
        status=status,
        code=code,
        title=title,
        detail=detail,
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
        errors=errors,
        extra=extra,
    )
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _field_path(loc: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in loc)


def field_errors(errors: Sequence[Any], prefix: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(field, message) pairs from pydantic errors. A model-level rule names its field through
    the error context (`{"field": ..., "message": ...}`)."""
    out = []
    for err in errors:
        # Union branches appear in the location as tags like `str-enum[CadreGrade]`.
        loc = [*prefix, *(p for p in err.get("loc", ()) if "[" not in str(p))]
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        context = err.get("ctx") or {}
        if "field" in context:
            loc.append(context["field"])
            message = str(context.get("message", message))
        out.append((_field_path(loc), message))
    return out


def _validation_errors(exc: RequestValidationError) -> list[FieldError]:
    return [FieldError(field=f, message=m) for f, m in field_errors(exc.errors())]


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(
        request,
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors or None,
        headers=exc.headers,
        extra=exc.extra,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _validation_errors(exc)
    fields = ", ".join(e.field for e in errors)
    return problem_response(
        request,
        status=422,
        code="validation-error",
        title="The request is not valid",
        detail=f"Invalid fields: {fields}" if fields else None,
        errors=errors,
    )


_HTTP_TITLES = {
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.__cause__, BodyTooLarge):  # FastAPI reports it as a body it cannot parse
        limit = request.app.state.settings.max_body_bytes
        return await _app_error(request, PayloadTooLarge(body_limit_detail(limit)))
    code, title = _HTTP_TITLES.get(exc.status_code, ("http-error", "HTTP error"))
    detail = exc.detail if isinstance(exc.detail, str) else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No resource at {request.url.path}"
    return problem_response(
        request,
        status=exc.status_code,
        code=code,
        title=title,
        detail=detail,
        headers=dict(exc.headers or {}),
    )


def database_unavailable_response(request: Request) -> JSONResponse:
    retry = str(get_settings().db_retry_after_seconds)
    return problem_response(
        request,
        status=503,
        code="database-unavailable",
        title="Database unavailable",
        detail="The database cannot be reached right now; retry later. 数据库暂不可用，请稍后重试。",  # noqa: E501
        headers={"Retry-After": retry},
    )


def _is_data_error(exc: BaseException) -> bool:
    from sqlalchemy.exc import DataError, DBAPIError

    if isinstance(exc, DataError):
        return True
    orig = exc.orig if isinstance(exc, DBAPIError) else None
    name = type(orig).__name__ if orig is not None else ""
    return (
        "DataError" in name
        or "CharacterNotInRepertoire" in name
        or (orig is not None and "invalid input for query argument" in str(orig))
        or _sqlstate(orig).startswith(_DATA_EXCEPTION)
    )


_DATA_EXCEPTION = "22"  # SQLSTATE class 22: a value the database cannot take


def _sqlstate(exc: BaseException | None) -> str:
    """The SQLSTATE of a driver error (SQLAlchemy's asyncpg adapter wraps asyncpg's own)."""
    while exc is not None:
        state = getattr(exc, "sqlstate", None)
        if isinstance(state, str):
            return state
        exc = exc.__cause__
    return ""


_CONSTRAINT_ANSWERS = {
    "23505": (409, "conflicts with a record already stored (a duplicate)"),
    "23503": (422, "refers to something that does not exist"),
    "23514": (422, "breaks a rule of the record (a check constraint)"),
}


def unhandled_error_response(request: Request, exc: Exception) -> JSONResponse:
    """503 when the database is unreachable; 422 when a value cannot be stored (a last line
    behind schema validation); otherwise a logged 500 without internals."""
    if _is_data_error(exc):
        log.warning("value refused by the database: %s", type(exc).__name__)
        return problem_response(
            request,
            status=422,
            code="validation-error",
            title="The request is not valid",
            detail="A value is out of range or cannot be stored.",
            errors=[FieldError(field="body", message="a value is out of range or not storable")],
        )
    state = _sqlstate(getattr(exc, "orig", None))
    if state in _CONSTRAINT_ANSWERS:
        # A last line behind the services' own checks (a race between two writers): the
        # constraint's verdict as a 4xx, never a 500; nothing of the statement is shown.
        status, detail = _CONSTRAINT_ANSWERS[state]
        log.warning("write refused by a constraint: SQLSTATE %s", state)
        return problem_response(
            request,
            status=status,
            code="conflict" if status == 409 else "validation-error",
            title="Conflict" if status == 409 else "The request is not valid",
            detail=detail,
            errors=[FieldError(field="body", message=detail)],
        )
    if is_database_unavailable(exc):
        orig = getattr(exc, "orig", None)
        log.warning(
            "database unavailable: %s (%s)",
            type(exc).__name__,
            getattr(orig, "sqlstate", None) or type(orig or exc).__name__,
        )
        return database_unavailable_response(request)
    log.error("unhandled error", exc_info=exc)
    return problem_response(
        request,
        status=500,
        code="internal-error",
        title="Internal error",
        detail="An unexpected error occurred; it has been logged with the request id.",
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entry for the OpenAPI document: each status rendered as a Problem."""
    descriptions = {
        400: "Bad request",
        401: "Missing or invalid API key",
        403: "Lacking scope or outside jurisdiction",
        404: "Not found",
        409: "Conflict with the current state",
        413: "Payload too large",
        415: "Unsupported media type",
        422: "Validation error",
        429: "Too many requests",
        503: "Database unavailable",
    }
    return {
        s: {
            "model": Problem,
            "description": descriptions.get(s, "Problem"),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for s in statuses
    }
