"""One router per record kind: create, list, get, amend, revoke, history.

(No `from __future__ import annotations` here: FastAPI reads these closures' annotations, which
refer to the kind's schema classes.)"""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import Field, create_model

from app.access import Authorized
from app.auth.scopes import Scope
from app.context import Context
from app.errors import problem_responses
from app.records import service
from app.records.filters import conditions_for
from app.records.kind import RecordKind
from app.schemas import AmendmentBase, AwareDatetime, Revocation, page_model
from app.uow import ReadSessionDep, SessionDep

WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422, 503)
READ_ERRORS = problem_responses(401, 403, 404, 422, 503)


def amendment_model(kind: RecordKind) -> type[AmendmentBase]:
    model: type[AmendmentBase] = create_model(  # type: ignore[call-overload]
        f"{kind.create.__name__.removesuffix('Create')}Amendment",
        __base__=AmendmentBase,
        changes=(kind.amend, Field(description="Only the fields to change.")),
    )
    return model


def _read(kind: RecordKind, row: Any) -> Any:
    return kind.read.model_validate(row)


def build_router(kind: RecordKind) -> APIRouter:
    router = APIRouter(prefix=f"/v1/{kind.plural}", tags=[kind.plural])
    Read, Filters = kind.read, kind.filters
    Page = page_model(Read, f"{Read.__name__.removesuffix('Read')}Page")
    Amendment = amendment_model(kind)
    Writer = Annotated[Context, Authorized(Scope.RECORDS_WRITE)]
    Reader = Annotated[Context, Authorized(Scope.RECORDS_READ)]
    KnownAt = Annotated[
        AwareDatetime | None, Query(description="Answer as the service knew it at this time.")
    ]

    @router.post(
        "",
        status_code=201,
        response_model=Read,
        responses=WRITE_ERRORS,
        operation_id=f"create_{kind.name}",
        summary=f"Record a {kind.title.lower()}",
    )
    async def create(payload: kind.create, session: SessionDep, ctx: Writer) -> Any:
        return _read(kind, await service.create(session, ctx, kind, payload))

    @router.get(
        "",
        response_model=Page,
        responses=READ_ERRORS,
        operation_id=f"list_{kind.op_name}",
        summary=f"List {kind.title.lower()}s",
    )
    async def list_(
        session: ReadSessionDep,
        ctx: Reader,
        filters: Annotated[Filters, Query()],
    ) -> Any:
        conditions = conditions_for(kind, ctx, filters)
        rows, total = await service.page(session, kind, conditions, filters)
        return {
            "items": [_read(kind, r) for r in rows],
            "total": total,
            "limit": filters.limit,
            "offset": filters.offset,
        }

    @router.get(
        "/{record_id}",
        response_model=Read,
        responses=READ_ERRORS,
        operation_id=f"get_{kind.name}",
        summary=f"Get a {kind.title.lower()}",
    )
    async def get(
        record_id: UUID, session: ReadSessionDep, ctx: Reader, known_at: KnownAt = None
    ) -> Any:
        return _read(kind, await service.get(session, ctx, kind, record_id, known_at))

    @router.post(
        "/{record_id}/amendments",
        response_model=Read,
        responses=WRITE_ERRORS,
        operation_id=f"amend_{kind.name}",
        summary=f"Correct a {kind.title.lower()} (new version)",
    )
    async def amend(record_id: UUID, body: Amendment, session: SessionDep, ctx: Writer) -> Any:
        row = await service.amend(
            session,
            ctx,
            kind,
            record_id,
            body.changes,
            body.reason,
            body.expected_version,
        )
        return _read(kind, row)

    @router.post(
        "/{record_id}/revocation",
        response_model=Read,
        responses=WRITE_ERRORS,
        operation_id=f"revoke_{kind.name}",
        summary=f"Revoke a {kind.title.lower()} (kept, marked revoked)",
    )
    async def revoke(record_id: UUID, body: Revocation, session: SessionDep, ctx: Writer) -> Any:
        row = await service.revoke(
            session, ctx, kind, record_id, body.reason, body.expected_version
        )
        return _read(kind, row)

    @router.get(
        "/{record_id}/history",
        response_model=list[Read],
        responses=READ_ERRORS,
        operation_id=f"get_{kind.name}_history",
        summary=f"Every version of a {kind.title.lower()}",
    )
    async def history(record_id: UUID, session: ReadSessionDep, ctx: Reader) -> Any:
        return [_read(kind, r) for r in await service.history(session, ctx, kind, record_id)]

    return router
