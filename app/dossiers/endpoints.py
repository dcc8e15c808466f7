"""A cadre's dossier over HTTP (`/v1/cadres/{cadre_id}/dossier`)."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from app import clock
from app.access import Authorized
from app.auth.scopes import Scope
from app.context import Context
from app.deps import CipherDep, SettingsDep
from app.dossiers import service as dossier
from app.errors import problem_responses
from app.replicas import known_now
from app.schemas import AwareDatetime, IsoDate
from app.uow import ReadSessionDep

router = APIRouter(prefix="/v1/cadres", tags=["cadres"])
Reader = Annotated[Context, Authorized(Scope.RECORDS_READ)]
READ_ERRORS = problem_responses(401, 403, 404, 422, 503)


@router.get(
    "/{cadre_id}/dossier",
    response_model=dossier.Dossier,
    responses=READ_ERRORS,
    operation_id="get_cadre_dossier",
)
async def get_cadre_dossier(
    cadre_id: UUID,
    session: ReadSessionDep,
    ctx: Reader,
    cipher: CipherDep,
    settings: SettingsDep,
    as_of: Annotated[
        IsoDate | None,
        Query(description="Valid time: the file as it stood on this day (default today)."),
    ] = None,
    known_at: Annotated[
        AwareDatetime | None,
        Query(description="Knowledge time: as the service knew it then (default now)."),
    ] = None,
) -> dossier.Dossier:
    """The whole lifetime file (终身追责): every post, whatever the cadre's status now."""
    return await dossier.build(
        session,
        ctx,
        cadre_id,
        as_of or clock.today(),
        known_at or known_now(session),
        cipher,
        settings.timezone,
    )
