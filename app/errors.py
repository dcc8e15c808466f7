"""Errors as RFC 9457 `application/problem+json`.

Services raise `AppError` subclasses; one set of handlers renders every error (including request
validation, unknown routes and an unreachable database) in the same shape.
"""

from __future__ import annotations

import logging
import re
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
    message: str = Field(description="Why the value was refused (English).")
    message_zh: str | None = Field(default=None, description="The same in Chinese, where known.")


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(description="URI identifying the problem type.")
    title: str
    title_zh: str | None = Field(default=None, description="The title in Chinese.")
    status: int
    detail: str | None = Field(
        default=None,
        description="For people: in Chinese when `Accept-Language` prefers Chinese and a "
        "Chinese text exists, else in English.",
    )
    detail_en: str | None = Field(default=None, description="The detail in English.")
    detail_zh: str | None = Field(default=None, description="The detail in Chinese, where known.")
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
        detail_zh: str | None = None,
        errors: Sequence[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.detail_zh = detail_zh
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


TITLES_ZH = {
    "bad-request": "请求有误",
    "malformed-body": "请求体格式错误",
    "unauthorized": "需要认证",
    "forbidden": "无权访问",
    "not-found": "未找到",
    "method-not-allowed": "不支持该请求方法",
    "not-acceptable": "无法提供所要求的格式",
    "conflict": "与当前状态冲突",
    "payload-too-large": "请求体过大",
    "unsupported-media-type": "不支持的媒体类型",
    "validation-error": "请求内容无效",
    "too-many-requests": "请求过于频繁",
    "service-unavailable": "服务暂不可用",
    "database-unavailable": "数据库暂不可用",
    "internal-error": "内部错误",
    "http-error": "HTTP 错误",
}


# Pydantic's English validation messages, and the same in Chinese.
_MESSAGES_ZH: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), text)
    for pattern, text in (
        (r"^Field required$", "必填字段"),
        (r"^Extra inputs are not permitted$", "不允许的字段"),
        (r"^String should have at most (\d+) characters?$", "最多 \\1 个字符"),
        (r"^String should have at least (\d+) characters?$", "至少 \\1 个字符"),
        (r"^String should match pattern '(.*)'$", "格式不符（\\1）"),
        (r"^List should have at most (\d+) items?.*$", "最多 \\1 项"),
        (r"^List should have at least (\d+) items?.*$", "至少 \\1 项"),
        (r"^Input should be a valid integer.*$", "应为整数"),
        (r"^Input should be a valid number.*$", "应为数字"),
        (r"^Input should be a valid boolean.*$", "应为布尔值（true 或 false）"),
        (r"^Input should be a valid string.*$", "应为字符串"),
        (r"^Input should be a valid date.*$", "应为有效日期（YYYY-MM-DD）"),
        (r"^Input should be a valid datetime.*$", "应为带时区的时间（ISO 8601）"),
        (r"^Input should have timezone info.*$", "时间应带时区"),
        (r"^Input should be a valid UUID.*$", "应为有效的 UUID"),
        (r"^Input should be a valid dictionary.*$", "应为 JSON 对象"),
        (r"^Input should be a valid list.*$", "应为列表"),
        (r"^Input should be greater than or equal to (.+)$", "应不小于 \\1"),
        (r"^Input should be less than or equal to (.+)$", "应不大于 \\1"),
        (r"^Input should be greater than (.+)$", "应大于 \\1"),
        (r"^Input should be less than (.+)$", "应小于 \\1"),
        (r"^Input should be (.+)$", "应为 \\1 之一"),
    )
)


def message_zh(message: str) -> str | None:
    """The Chinese of a validation message, where it is one of pydantic's own; else None."""
    for pattern, text in _MESSAGES_ZH:
        if pattern.match(message):
            return pattern.sub(text, message)
    return None


def prefers_chinese(accept_language: str | None) -> bool:
    """Whether an `Accept-Language` header ranks Chinese above English (RFC 9110 weights)."""
    best: tuple[float, bool] = (0.0, False)
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        tag = tag.strip().lower()
        if tag and weight > best[0] and (tag.startswith(("zh", "en")) or tag == "*"):
            best = (weight, tag.startswith("zh"))
    return best[1]


def problem_body(
    *,
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    detail_zh: str | None = None,
    instance: str | None = None,
    request_id: str | None = None,
    errors: list[FieldError] | None = None,
    extra: dict[str, Any] | None = None,
    chinese: bool = False,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "title_zh": TITLES_ZH.get(code),
        "status": status,
        "detail": detail_zh if chinese and detail_zh else detail,
        "detail_en": detail,
        "detail_zh": detail_zh,
        "instance": instance,
        "request_id": request_id,
    }
    if errors:
        body["errors"] = [_with_chinese(e).model_dump(exclude_none=True) for e in errors]
    body.update(extra or {})
    return body


def _with_chinese(error: FieldError) -> FieldError:
    if error.message_zh is not None:
        return error
    return error.model_copy(update={"message_zh": message_zh(error.message)})


def error_body(
    error: AppError, instance: str | None, request_id: str | None, chinese: bool = False
) -> dict[str, Any]:
    """The problem document of `error` (used where errors are data, e.g. in batch results)."""
    return problem_body(
        status=error.status,
        code=error.code,
        title=error.title,
        detail=error.detail,
        detail_zh=error.detail_zh,
        instance=instance,
        request_id=request_id,
        errors=error.errors or None,
        extra=error.extra,
        chinese=chinese,
    )


def problem_response(
    request: Request,
    *,
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    detail_zh: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body = problem_body(
        status=status,
        code=code,
        title=title,
        detail=detail,
        detail_zh=detail_zh,
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
        errors=errors,
        extra=extra,
        chinese=prefers_chinese(request.headers.get("accept-language")),
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
        detail_zh=exc.detail_zh,
        errors=exc.errors or None,
        headers=exc.headers,
        extra=exc.extra,
    )


def _json_decode_error(exc: RequestValidationError) -> tuple[str, str] | None:
    """(English, Chinese) of a body that is not JSON, naming line and column; else None."""
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            loc = err.get("loc") or ()
            position = loc[-1] if loc and isinstance(loc[-1], int) else 0
            document = exc.body if isinstance(exc.body, str) else ""
            line = document.count("\n", 0, position) + 1
            column = position - (document.rfind("\n", 0, position) + 1) + 1
            reason = str((err.get("ctx") or {}).get("error", "invalid JSON"))
            return (
                f"The body is not valid JSON: {reason} at line {line}, column {column}.",
                f"请求体不是有效的 JSON：第{line}行第{column}列（{reason}）。",
            )
    return None


def _json_expected(request: Request, exc: RequestValidationError) -> bool:
    """A body sent as something other than JSON to an operation that takes JSON."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not media or media == "application/json" or media.endswith("+json"):
        return False
    if media.startswith("multipart/") or media == "application/x-www-form-urlencoded":
        route = request.scope.get("route")
        body_field = getattr(route, "body_field", None)
        # a form operation takes these; a JSON one does not
        return (
            body_field is not None
            and "Form" not in type(body_field.field_info).__name__
            and ("File" not in type(body_field.field_info).__name__)
        )
    return any(tuple(err.get("loc", ()))[:1] == ("body",) for err in exc.errors())


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if (decode := _json_decode_error(exc)) is not None:
        english, chinese = decode
        return problem_response(
            request,
            status=400,
            code="malformed-body",
            title="Malformed body",
            detail=english,
            detail_zh=chinese,
            errors=[FieldError(field="body", message=english, message_zh=chinese)],
        )
    if _json_expected(request, exc):
        media = request.headers.get("content-type", "")
        return problem_response(
            request,
            status=415,
            code="unsupported-media-type",
            title="Unsupported media type",
            detail=f"This operation takes application/json, not {media}.",
            detail_zh=f"此操作接受 application/json，而非 {media}。",
            errors=[FieldError(field="header.content-type", message="must be application/json")],
        )
    errors = _validation_errors(exc)
    fields = ", ".join(e.field for e in errors)
    return problem_response(
        request,
        status=422,
        code="validation-error",
        title="The request is not valid",
        detail=f"Invalid fields: {fields}" if fields else None,
        detail_zh=f"以下字段无效：{fields}" if fields else None,
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
        detail="The database cannot be reached right now; retry later.",
        detail_zh="数据库暂不可用，请稍后重试。",
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
