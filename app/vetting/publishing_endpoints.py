"""Publishing rulebook versions: submit, list versions, impact report, activation, diff."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from app.access import Authorized
from app.audit.service import record
from app.auth.scopes import Scope
from app.context import Context
from app.deps import CipherDep, SettingsDep
from app.errors import problem_responses
from app.uow import ReadSessionDep, SessionDep, unit_of_work
from app.vetting import publication
from app.vetting.rulebooks import Rulebooks
from app.vetting.schemas import (
    ImpactReport,
    ImpactRequest,
    RulebookActivate,
    RulebookDiff,
    RulebookSubmit,
    RulebookVersionStatus,
)

router = APIRouter(tags=["rulebooks"])
Admin = Annotated[Context, Authorized(Scope.ADMIN)]
ERRORS = problem_responses(401, 403, 404, 409, 422, 503)


def _books(request: Request) -> Rulebooks:
    books: Rulebooks = request.app.state.rulebooks
    return books


@router.post(
    "/v1/rulebooks/versions",
    status_code=201,
    response_model=RulebookVersionStatus,
    responses=ERRORS,
    operation_id="submit_rulebook_version",
)
async def submit_rulebook_version(
    body: RulebookSubmit, request: Request, session: SessionDep, ctx: Admin
) -> Any:
    """Submit a rulebook version (TOML): a new version of a rulebook, or a new rulebook that
    `extends` one. It is validated as a whole, merged over what it extends — unknown keys,
    rule ids, purposes, period kinds, citations, placeholders are refused with 422 naming the
    rule and the fault — and kept as a candidate (logged: `rulebook.submitted`). It applies to
    nothing until activated; see its impact first."""
    return await publication.submit(session, ctx, _books(request), body.text, body.reason)


@router.get(
    "/v1/rulebooks/{rulebook_id}/versions",
    response_model=list[RulebookVersionStatus],
    responses=ERRORS,
    operation_id="list_rulebook_versions",
)
async def list_rulebook_versions(
    rulebook_id: str, request: Request, session: ReadSessionDep, ctx: Admin
) -> Any:
    """Every version of a rulebook — shipped, active or candidate — by effective date."""
    return await publication.versions(session, _books(request), rulebook_id)


@router.post(
    "/v1/rulebooks/{rulebook_id}/versions/{version}/impact",
    response_model=ImpactReport,
    responses=ERRORS,
    operation_id="rulebook_version_impact",
)
async def rulebook_version_impact(
    rulebook_id: str,
    version: str,
    request: Request,
    session: SessionDep,
    ctx: Admin,
    cipher: CipherDep,
    settings: SettingsDep,
    body: ImpactRequest | None = None,
) -> Any:
    """What activating a candidate would change: the population (every cadre with a decision
    in the last year, or the whole record) re-evaluated on one day, with the facts as known
    now, under the current rules and with the candidate, side by side — counts by outcome
    change, and every cadre whose outcome or `eligible_from` would change, with the rules
    responsible. Nothing is stored but the audit event (`rulebook.impact_reported`)."""
    body = body or ImpactRequest()
    books = _books(request)
    layer, _ = await publication.candidate(session, books, rulebook_id, version)
    report = await publication.impact(
        session,
        cipher,
        books,
        settings.timezone,
        layer,
        body.population,
        body.since,
        body.as_of,
        body.limit,
    )
    summary = {
        "rulebook_id": rulebook_id,
        "version": version,
        "population": body.population,
        "changed": report["counts"]["changed"],
    }
    record(session, ctx, "rulebook.impact_reported", "rulebook", layer.sha256, summary)
    return report


@router.post(
    "/v1/rulebooks/{rulebook_id}/versions/{version}/activate",
    response_model=RulebookVersionStatus,
    responses=ERRORS,
    operation_id="activate_rulebook_version",
)
async def activate_rulebook_version(
    rulebook_id: str, version: str, body: RulebookActivate, request: Request, ctx: Admin
) -> Any:
    """Put a candidate in force from its effective date: an explicit step, logged
    (`rulebook.activated`, with the reason). Checks on or after that day then apply it (every
    server loads it within `VETTING_RULEBOOK_RELOAD_SECONDS`); decisions made before keep
    replaying under the text they used."""
    books = _books(request)
    async with unit_of_work(request.app.state.sessionmaker) as session:
        layer = await publication.activate(
            session, ctx, books, rulebook_id, version, body.reason, body.effective_from
        )
    if books.version(layer.id, layer.version) is None:
        books.add(layer)
    async with request.app.state.sessionmaker() as session:
        listed = await publication.versions(session, books, rulebook_id)
    return next(v for v in listed if v["version"] == version)


@router.get(
    "/v1/rulebooks/{rulebook_id}/diff",
    response_model=RulebookDiff,
    response_model_by_alias=True,
    responses=ERRORS,
    operation_id="diff_rulebook_versions",
)
async def diff_rulebook_versions(
    rulebook_id: str,
    request: Request,
    session: ReadSessionDep,
    ctx: Admin,
    from_version: Annotated[str, Query(alias="from", description="The older version.")],
    to_version: Annotated[str, Query(alias="to", description="The newer version.")],
) -> Any:
    """What changed between two versions (shipped, active or candidate), each merged over
    what it extends as in force on its own effective date: header, rules added, removed and
    changed field by field, settings, citations, and the unified diff of the texts."""
    books = _books(request)
    old = await publication.layer_version(session, books, rulebook_id, from_version, "query.from")
    new = await publication.layer_version(session, books, rulebook_id, to_version, "query.to")
    return publication.diff(books, old, new)
