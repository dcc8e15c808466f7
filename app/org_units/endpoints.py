"""Org units: the jurisdiction tree."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from app.access import Authorized
from app.auth.scopes import Scope
from app.context import Context
from app.errors import problem_responses
from app.org_units import service
from app.org_units.schemas import (
    OrgUnit,
    OrgUnitCreate,
    OrgUnitFilters,
    OrgUnitPage,
    OrgUnitUpdate,
    OrgUnitVersion,
)
from app.uow import ReadSessionDep, SessionDep

router = APIRouter(prefix="/v1/org-units", tags=["org-units"])
Writer = Annotated[Context, Authorized(Scope.RECORDS_WRITE)]
Reader = Annotated[Context, Authorized(Scope.RECORDS_READ)]


@router.post(
    "",
    status_code=201,
    response_model=OrgUnit,
    operation_id="create_org_unit",
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def create_org_unit(payload: OrgUnitCreate, session: SessionDep, ctx: Writer) -> OrgUnit:
    unit = await service.create(session, ctx, payload)
    return OrgUnit.model_validate(unit)


@router.get(
    "",
    response_model=OrgUnitPage,
    operation_id="list_org_units",
    responses=problem_responses(401, 403, 422, 503),
)
async def list_org_units(
    session: ReadSessionDep, ctx: Reader, filters: Annotated[OrgUnitFilters, Query()]
) -> OrgUnitPage:
    """Filter by parent, kind, level, key-SOE flag or name; `under` gives a whole subtree."""
    units, total = await service.page(session, ctx, filters)
    return OrgUnitPage(
        items=[OrgUnit.model_validate(u) for u in units],
        total=total,
        limit=filters.limit,
        offset=filters.offset,
    )


@router.get(
    "/{org_unit_id}",
    response_model=OrgUnit,
    operation_id="get_org_unit",
    responses=problem_responses(401, 403, 404, 422, 503),
)
async def get_org_unit(org_unit_id: UUID, session: ReadSessionDep, ctx: Reader) -> OrgUnit:
    return OrgUnit.model_validate(await service.get(session, ctx, org_unit_id))


@router.patch(
    "/{org_unit_id}",
    response_model=OrgUnit,
    operation_id="update_org_unit",
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def update_org_unit(
    org_unit_id: UUID, changes: OrgUnitUpdate, session: SessionDep, ctx: Writer
) -> OrgUnit:
    """Correct a unit's name, division code, key-SOE flag, industry or document prefix, with
    the reason: a new version (the old one kept in the history), audited before and after."""
    return OrgUnit.model_validate(await service.update(session, ctx, org_unit_id, changes))


@router.get(
    "/{org_unit_id}/history",
    response_model=list[OrgUnitVersion],
    operation_id="get_org_unit_history",
    responses=problem_responses(401, 403, 404, 422, 503),
)
async def get_org_unit_history(
    org_unit_id: UUID, session: ReadSessionDep, ctx: Reader
) -> list[OrgUnitVersion]:
    """Every version of the unit's details, oldest first: who recorded it, when and why."""
    return [
        OrgUnitVersion.model_validate(v) for v in await service.history(session, ctx, org_unit_id)
    ]
