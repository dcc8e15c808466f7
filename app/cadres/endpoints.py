"""Cadres: create, look up, list, amend, history (the dossier: app.dossiers.endpoints)."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from app.access import Authorized
from app.auth.scopes import Scope
from app.cadres import service
from app.cadres.schemas import (
    Cadre,
    CadreAmendment,
    CadreCreate,
    CadreFilters,
    CadreLookup,
    CadrePage,
    CadreVersion,
)
from app.context import Context
from app.deps import CipherDep
from app.errors import problem_responses
from app.uow import ReadSessionDep, SessionDep

router = APIRouter(prefix="/v1/cadres", tags=["cadres"])
Writer = Annotated[Context, Authorized(Scope.RECORDS_WRITE)]
Reader = Annotated[Context, Authorized(Scope.RECORDS_READ)]
READ_ERRORS = problem_responses(401, 403, 404, 422, 503)
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422, 503)


@router.post(
    "", status_code=201, response_model=Cadre, responses=WRITE_ERRORS, operation_id="create_cadre"
)
async def create_cadre(
    payload: CadreCreate, session: SessionDep, ctx: Writer, cipher: CipherDep
) -> Cadre:
    """Record a cadre. The ID number is validated (GB 11643 check digit, birth date, region)
    and must be new (409 otherwise); gender and birth date, if sent, must agree with it."""
    return await service.create(session, ctx, payload, cipher)


@router.get("", response_model=CadrePage, responses=READ_ERRORS, operation_id="list_cadres")
async def list_cadres(
    session: ReadSessionDep,
    ctx: Reader,
    cipher: CipherDep,
    filters: Annotated[CadreFilters, Query()],
) -> CadrePage:
    items, total = await service.page(session, ctx, filters, cipher)
    return CadrePage(items=items, total=total, limit=filters.limit, offset=filters.offset)


@router.post("/lookup", response_model=Cadre, responses=READ_ERRORS, operation_id="lookup_cadre")
async def lookup_cadre(
    body: CadreLookup, session: SessionDep, ctx: Reader, cipher: CipherDep
) -> Cadre:
    """Find a cadre by ID number (sent in the body, so it never appears in URLs or logs)."""
    return await service.lookup(session, ctx, body.id_number, cipher)


@router.get("/{cadre_id}", response_model=Cadre, responses=READ_ERRORS, operation_id="get_cadre")
async def get_cadre(
    cadre_id: UUID, session: ReadSessionDep, ctx: Reader, cipher: CipherDep
) -> Cadre:
    return await service.get(session, ctx, cadre_id, cipher)


@router.post(
    "/{cadre_id}/amendments",
    response_model=Cadre,
    responses=WRITE_ERRORS,
    operation_id="amend_cadre",
)
async def amend_cadre(
    cadre_id: UUID,
    body: CadreAmendment,
    session: SessionDep,
    ctx: Writer,
    cipher: CipherDep,
) -> Cadre:
    """Correct a cadre's name or gender; the old version is kept with who, when and why."""
    return await service.amend(
        session,
        ctx,
        cadre_id,
        body.changes,
        body.reason,
        body.expected_version,
        cipher,
    )


@router.get(
    "/{cadre_id}/history",
    response_model=list[CadreVersion],
    responses=READ_ERRORS,
    operation_id="get_cadre_history",
)
async def get_cadre_history(
    cadre_id: UUID, session: ReadSessionDep, ctx: Reader, cipher: CipherDep
) -> Any:
    return [
        CadreVersion.model_validate(r)
        for r in await service.history(session, ctx, cadre_id, cipher)
    ]
