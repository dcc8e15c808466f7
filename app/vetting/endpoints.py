"""Vetting: single and batch checks, stored decisions, replay, eligibility, rulebooks."""

import uuid
from datetime import date
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.access import Authorized
from app.auth import jurisdiction
from app.auth.scopes import Scope
from app.context import Context
from app.deps import CipherDep, SettingsDep
from app.domain.enums import OrgUnitKind, Purpose, SafetyRole
from app.errors import (
    AppError,
    NotFound,
    Unprocessable,
    error_body,
    field_errors,
    problem_responses,
)
from app.memory import collector_paused
from app.schemas import AwareDatetime, IsoDate
from app.uow import ReadsBesideDep, ReadSessionDep, SessionDep, TokenDep, answer_position
from app.vetting import replay as replaying
from app.vetting import repository
from app.vetting.coalescer import CheckCoalescer
from app.vetting.rulebooks import Rulebooks
from app.vetting.rules import Rulebook
from app.vetting.schemas import (
    BatchRequest,
    BatchResult,
    CheckRequest,
    Decision,
    Eligibility,
    ReplayRequest,
    ReplayResult,
    RulebookDetail,
    RulebookDuties,
    RulebookSummary,
    RulebookVersionOut,
    Trace,
)
from app.vetting.service import Evaluated, VettingService, audit_summary

router = APIRouter(tags=["vetting"])
Checker = Annotated[Context, Authorized(Scope.VETTING_CHECK)]
ERRORS = problem_responses(401, 403, 404, 422, 503)


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _rulebooks(request: Request) -> Rulebooks:
    books: Rulebooks = request.app.state.rulebooks
    return books


def _service(
    request: Request, session: Any, cipher: Any, settings: Any, reads: Any
) -> VettingService:
    return VettingService(session, cipher, _rulebooks(request), settings.timezone, reads)


@router.post(
    "/v1/vetting/checks",
    status_code=201,
    response_model=Decision,
    responses=ERRORS,
    operation_id="vetting_check",
)
async def vetting_check(
    body: CheckRequest,
    request: Request,
    ctx: Checker,
    token: TokenDep,
    trace: Annotated[
        bool,
        Query(
            description="Add `trace`: every rule, fired or why not, the facts and parameters it "
            "read (as `GET /v1/vetting/decisions/{id}/trace` gives it)."
        ),
    ] = False,
) -> Response:
    """Can this cadre be promoted / given an important post / commended / appointed as of
    `as_of`, and if not, why and from when? The decision is logged immutably and auditable
    before it is returned. Allowed for any `vetting:check` client whatever its jurisdiction:
    the record is lifetime."""
    checks: CheckCoalescer = request.app.state.checks
    decision, position = await checks.check(ctx, body, token)
    answer_position(request, position)
    if trace:
        async with request.app.state.sessionmaker() as session:
            inputs = await replaying.stored_inputs(session, UUID(str(decision["decision_id"])))
        decision = {**decision, "trace": _trace(inputs)}
    return _json(decision, 201)


def _trace(inputs: replaying.StoredInputs) -> dict[str, Any]:
    return {"decision_id": str(inputs.row.id), **replaying.trace_of(inputs)}


@router.get(
    "/v1/vetting/decisions/{decision_id}/trace",
    response_model=Trace,
    responses=ERRORS,
    operation_id="trace_vetting_decision",
)
async def trace_vetting_decision(
    decision_id: UUID, session: ReadSessionDep, ctx: Checker
) -> Response:
    """Every rule the engine knows, for this decision: whether it fired, and if not why
    (not in the rulebook, not for this purpose, switched off, no records, conditions not met,
    rules not in force), with the condition it tests, the records it read (by id, as known at
    the decision's `known_at`) and each parameter it read with its effective date and citation.
    Recomputed from the decision's stored facts and rulebook text (zh + en)."""
    await _visible_decision(session, ctx, decision_id)
    return _json(_trace(await replaying.stored_inputs(session, decision_id)))


@router.post(
    "/v1/vetting/batches",
    response_model=BatchResult,
    responses=problem_responses(401, 403, 404, 413, 422, 503),
    operation_id="vetting_batch",
)
async def vetting_batch(
    body: BatchRequest,
    request: Request,
    session: SessionDep,
    reads: ReadsBesideDep,
    ctx: Checker,
    cipher: CipherDep,
    settings: SettingsDep,
) -> Response:
    """Up to 10,000 checks in one request, evaluated from one set of set-based queries. Each
    item gets its decision or its own problem; one bad item does not fail the others.

    Identical items (same cadre, purpose, `as_of`, `known_at`, target and rulebook) are
    evaluated once; each still gets its own logged decision. The answer may take at most
    `VETTING_BATCH_MAX_RESPONSE_BYTES` (50 MB by default): a decision lists every finding, and
    a cadre with hundreds of cases has hundreds of findings in each. A batch whose answer would
    pass it is refused with 413 as soon as that is known, before its answer is built, and
    nothing of it is stored: split it into smaller batches (the problem says about how many
    items fit)."""
    limit = settings.batch_max_response_bytes
    with collector_paused():
        service = _service(request, session, cipher, settings, reads)
        return await _batch(service, body, request, ctx, limit)


async def _batch(
    service: VettingService, body: BatchRequest, request: Request, ctx: Context, limit: int
) -> Response:
    batch_id = uuid.uuid4()
    prepared = await service.prepare(body.items, ctx.principal.org_unit_id)
    results, wire, summary = await service.evaluate_and_log(
        prepared, ctx, batch_id, "vetting_batch.evaluated", max_response_bytes=limit
    )
    out: dict[str, Any] = {}
    for key, result in results.items():
        if isinstance(result, AppError):
            out[key] = error_body(result, f"{request.url.path}#{key}", ctx.request_id)
        else:
            out[key] = wire[result.decision.decision_id]  # type: ignore[index]
    counts = {**summary["outcomes"], "problems": summary["problems"]}
    return _json({"batch_id": str(batch_id), "results": out, "summary": counts})


@router.get(
    "/v1/vetting/decisions/{decision_id}",
    response_model=Decision,
    responses=ERRORS,
    operation_id="get_vetting_decision",
)
async def get_vetting_decision(
    decision_id: UUID, session: ReadSessionDep, ctx: Checker
) -> Response:
    """A stored decision, exactly as it was given."""
    return _json((await _visible_decision(session, ctx, decision_id)).decision)


async def _visible_decision(session: AsyncSession, ctx: Context, decision_id: UUID) -> Any:
    """A stored decision this client may read: one about a cadre within its jurisdiction, or
    one it asked for itself (a check crosses jurisdictions; reading others' does not)."""
    stored = await repository.get(session, decision_id)
    if stored is None or (
        stored.requested_by != ctx.principal.client_id
        and not await jurisdiction.cadre_is_visible(session, ctx.principal, stored.cadre_id)
    ):
        raise NotFound(f"No decision {decision_id}.")
    return stored


@router.post(
    "/v1/vetting/decisions/{decision_id}/replay",
    response_model=ReplayResult,
    responses=ERRORS,
    operation_id="replay_vetting_decision",
)
async def replay_vetting_decision(
    decision_id: UUID,
    request: Request,
    session: SessionDep,
    ctx: Checker,
    body: ReplayRequest | None = None,
) -> ReplayResult:
    """Re-evaluate a stored decision from its stored facts with its stored rulebook text (or
    with today's version) and report whether the result is identical, and every difference."""
    mode = body.rulebook if body else "stored"
    await _visible_decision(session, ctx, decision_id)
    return await replaying.replay(session, _rulebooks(request), decision_id, mode)


@router.get(
    "/v1/cadres/{cadre_id}/eligibility",
    response_model=Eligibility,
    responses=ERRORS,
    operation_id="get_cadre_eligibility",
    tags=["cadres"],
)
async def get_cadre_eligibility(
    cadre_id: UUID,
    request: Request,
    session: SessionDep,
    reads: ReadsBesideDep,
    ctx: Checker,
    cipher: CipherDep,
    settings: SettingsDep,
    as_of: Annotated[IsoDate | None, Query(description="Default today.")] = None,
    known_at: Annotated[AwareDatetime | None, Query(description="Default now.")] = None,
    target_org_unit_id: Annotated[
        UUID | None, Query(description="A key SOE, to include soe_head_appointment.")
    ] = None,
) -> Eligibility:
    """The outcome for every purpose at once (each decision is logged)."""
    if known_at is not None and known_at.tzinfo is None:
        raise Unprocessable(
            "known_at needs a time zone offset.", errors=[("query.known_at", "no offset")]
        )
    service = _service(request, session, cipher, settings, reads)
    purposes = [p for p in Purpose if p is not Purpose.SOE_HEAD_APPOINTMENT or target_org_unit_id]
    try:
        items = {
            p.value: CheckRequest(
                cadre_id=cadre_id,
                purpose=p,
                as_of=as_of,
                known_at=known_at,
                target_org_unit_id=target_org_unit_id
                if p is Purpose.SOE_HEAD_APPOINTMENT
                else None,
            )
            for p in purposes
        }
    except ValidationError as exc:
        invalid = field_errors(exc.errors(), prefix=("query",))
        raise Unprocessable("The query is not valid.", errors=invalid) from None
    results = await service.evaluate(await service.prepare(items, ctx.principal.org_unit_id))
    errors = [r for r in results.values() if isinstance(r, AppError)]
    if errors:
        raise errors[0]
    evaluated = [r for r in results.values() if isinstance(r, Evaluated)]
    batch_id = uuid.uuid4()
    summary = {"cadre_id": cadre_id, **audit_summary(results)}
    target = ("vetting_batch", batch_id)
    await service.log(evaluated, ctx, batch_id, "vetting_eligibility.evaluated", target, summary)
    first = evaluated[0].decision
    return Eligibility(
        cadre_id=cadre_id,
        as_of=first.as_of,
        known_at=first.known_at,
        purposes={
            r.decision.purpose: {
                "outcome": r.decision.outcome,
                "eligible_from": r.decision.eligible_from,
                "decision_id": r.decision.decision_id,
                "findings": len(r.decision.findings),
            }
            for r in evaluated
        },
        not_evaluated={}
        if target_org_unit_id
        else {Purpose.SOE_HEAD_APPOINTMENT: "needs target_org_unit_id (the key SOE)"},
    )


@router.get(
    "/v1/rulebooks",
    response_model=list[RulebookSummary],
    operation_id="list_rulebooks",
    tags=["rulebooks"],
)
async def list_rulebooks(request: Request) -> list[RulebookSummary]:
    """The rulebooks the service applies (published like an algorithm list; no key needed)."""
    books = _rulebooks(request)
    out = []
    for rulebook_id, versions in sorted(books.versions.items()):
        r = books.current(rulebook_id)
        out.append(
            RulebookSummary(
                id=r.id,
                version=r.version,
                title=r.title,
                jurisdiction=r.jurisdiction,
                division_code=r.division_code,
                extends=r.extends,
                effective_from=r.effective_from,
                effective_until=r.effective_until,
                sha256=r.sha256,
                default=r.id == books.fallback_id,
                rules=len(r.rules),
                versions=[
                    RulebookVersionOut(
                        version=v.version,
                        effective_from=v.effective_from,
                        effective_until=v.effective_until,
                        sha256=v.sha256,
                    )
                    for v in versions
                ],
            )
        )
    return out


@router.get(
    "/v1/rulebooks/{rulebook_id}",
    response_model=RulebookDetail,
    responses=problem_responses(404),
    operation_id="get_rulebook",
    tags=["rulebooks"],
)
async def get_rulebook(
    rulebook_id: str,
    request: Request,
    as_of: Annotated[
        IsoDate | None,
        Query(description="The rules this rulebook stands for on this day (default: latest)."),
    ] = None,
) -> RulebookDetail:
    """Every rule, merged over the rulebooks it extends: id, effect, the seed's system,
    periods by purpose, citation, messages; and the layers it is made of."""
    return RulebookDetail.model_validate(_rulebook_on(request, rulebook_id, as_of).describe())


def _rulebook_on(request: Request, rulebook_id: str, as_of: date | None) -> Rulebook:
    """The rulebook by id (404 if unknown): what it stands for on `as_of`, else its latest."""
    books = _rulebooks(request)
    rulebook = books.find(rulebook_id)
    if isinstance(rulebook, AppError):
        raise NotFound(f"No rulebook {rulebook_id!r}.")
    return rulebook if as_of is None else books.governing(rulebook_id, as_of)


@router.get(
    "/v1/rulebooks/{rulebook_id}/duties",
    response_model=RulebookDuties,
    responses=problem_responses(404),
    operation_id="get_rulebook_duties",
    tags=["rulebooks"],
)
async def get_rulebook_duties(
    rulebook_id: str,
    request: Request,
    as_of: Annotated[
        IsoDate | None,
        Query(description="The duty lists this rulebook stands for on this day (default: latest)."),
    ] = None,
    role: Annotated[
        SafetyRole | None, Query(description="With unit_kind: the lists such a post carries.")
    ] = None,
    unit_kind: Annotated[
        OrgUnitKind | None, Query(description="With role: the lists such a post carries.")
    ] = None,
) -> RulebookDuties:
    """The duty lists (职责清单) of a rulebook, merged over the rulebooks it extends: per list
    the roles and kinds of unit that carry it, its article, and each duty with its stable code,
    item, Chinese text (and whether that is the article's wording), an English gist; the kinds of
    unit that follow other kinds' lists by reference (参照执行). Codes are what accountability
    cases (`breached_duties`) and duty-performance records name."""
    rulebook = _rulebook_on(request, rulebook_id, as_of)
    if (role is None) != (unit_kind is None):
        raise Unprocessable(
            "role and unit_kind go together.",
            errors=[("query.role" if role is None else "query.unit_kind", "give both or neither")],
        )
    in_force = as_of is None or rulebook.in_force(as_of)
    described = (
        rulebook.duties.describe() if in_force else {"duty_lists": [], "duty_references": []}
    )
    carried = None
    if role is not None and unit_kind is not None:
        found = rulebook.duties.carried(role, unit_kind) if in_force else ()
        carried = [_stated(rulebook, c.describe()) for c in found]
    return RulebookDuties.model_validate(
        {
            "rulebook": {
                "id": rulebook.id,
                "version": rulebook.version,
                "sha256": rulebook.sha256,
                "layers": [
                    {"id": r.id, "version": r.version, "sha256": r.sha256} for r in rulebook.layers
                ],
            },
            "as_of": as_of,
            "in_force": in_force,
            "duty_lists": [_stated(rulebook, d) for d in described["duty_lists"]],
            "duty_references": described["duty_references"],
            "carried": carried,
        }
    )


def _stated(rulebook: Rulebook, described: dict[str, Any]) -> dict[str, Any]:
    stated = rulebook.stated_in.get(f"duty_lists.{described['list_id']}")
    layer = None if stated is None else {"layer": stated[0], "effective_from": stated[1]}
    return {**described, "stated_in": layer}
