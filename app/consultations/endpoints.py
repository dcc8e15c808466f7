"""Consultations: the safety department's opinion before a cadre is appointed."""

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response
from sqlalchemy import ColumnElement

from app.access import Authorized, AuthorizedAny
from app.auth.scopes import Scope
from app.consultations import repository
from app.consultations.document import document_from_json
from app.consultations.files import freeze, freeze_after_issue
from app.consultations.presenter import present, verification
from app.consultations.schemas import (
    CloseRequest,
    Consultation,
    ConsultationDossier,
    ConsultationFilters,
    ConsultationPage,
    ConsultationRequest,
    DocumentFormat,
    IssueRequest,
    ReasonRequest,
    Transition,
    Verification,
)
from app.consultations.service import Consultations, visible_to
from app.consultations.workflow import State
from app.context import Context
from app.deps import CipherDep, SettingsDep
from app.errors import AppError, Conflict, Unprocessable, problem_responses
from app.models import Consultation as ConsultationRow
from app.models import VettingDecision
from app.schemas import IsoDate
from app.uow import ReadSessionDep, SessionDep

router = APIRouter(tags=["consultations"])
Requester = Annotated[Context, Authorized(Scope.CONSULTATIONS_REQUEST)]
Issuer = Annotated[Context, Authorized(Scope.CONSULTATIONS_ISSUE)]
Either = Annotated[Context, AuthorizedAny(Scope.CONSULTATIONS_REQUEST, Scope.CONSULTATIONS_ISSUE)]
ERRORS = problem_responses(401, 403, 404, 409, 422, 503)


def _service(request: Request, session: Any, ctx: Context, cipher: Any, settings: Any) -> Any:
    return Consultations(session, ctx, cipher, request.app.state.rulebooks, settings)


@router.post(
    "/v1/consultations",
    status_code=201,
    response_model=Consultation,
    responses=ERRORS,
    operation_id="request_consultation",
)
async def request_consultation(
    body: ConsultationRequest,
    request: Request,
    session: SessionDep,
    ctx: Requester,
    cipher: CipherDep,
    settings: SettingsDep,
) -> Consultation:
    """Ask the safety department's opinion on a candidate for a post. The service compiles the
    dossier and the vetting decision at once and drafts a recommendation
    (无异议 / 有异议 / 暂缓)."""
    service = _service(request, session, ctx, cipher, settings)
    row = await service.request(body)
    await session.refresh(row)
    return present(row, settings)


def _filters(filters: ConsultationFilters, today: date) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.state:
        conditions.append(ConsultationRow.state == filters.state)
    if filters.cadre_id:
        conditions.append(ConsultationRow.cadre_id == filters.cadre_id)
    if filters.requesting_unit:
        conditions.append(ConsultationRow.requesting_unit == filters.requesting_unit)
    if filters.due_before:
        conditions.append(ConsultationRow.reply_by <= filters.due_before)
    if filters.overdue is not None:
        late = ConsultationRow.reply_by < today
        waiting = ConsultationRow.state.in_([State.REQUESTED, State.DRAFTED])
        conditions.append((late & waiting) if filters.overdue else ~(late & waiting))
    return conditions


@router.get(
    "/v1/consultations",
    response_model=ConsultationPage,
    responses=ERRORS,
    operation_id="list_consultations",
)
async def list_consultations(
    request: Request,
    session: SessionDep,  # expire_due writes
    ctx: Either,
    cipher: CipherDep,
    settings: SettingsDep,
    filters: Annotated[ConsultationFilters, Query()],
) -> ConsultationPage:
    """By state, candidate, requesting unit or due date; `overdue=true` for requests past
    their reply-by date that are not yet answered."""
    service = _service(request, session, ctx, cipher, settings)
    await service.expire_due()
    conditions = _filters(filters, service.today)
    visible = visible_to(ctx.principal)
    if visible is not None:
        conditions.append(visible)
    rows, total = await repository.page(session, conditions, filters.limit, filters.offset)
    return ConsultationPage(
        items=[present(r, settings) for r in rows],
        total=total,
        limit=filters.limit,
        offset=filters.offset,
    )


@router.get(
    "/v1/consultations/{consultation_id}",
    response_model=Consultation,
    responses=ERRORS,
    operation_id="get_consultation",
)
async def get_consultation(
    consultation_id: UUID,
    request: Request,
    session: SessionDep,  # expire_due writes
    ctx: Either,
    cipher: CipherDep,
    settings: SettingsDep,
) -> Consultation:
    service = _service(request, session, ctx, cipher, settings)
    await service.expire_due()
    return present(await service.load(consultation_id), settings)


@router.get(
    "/v1/consultations/{consultation_id}/dossier",
    response_model=ConsultationDossier,
    responses=ERRORS,
    operation_id="get_consultation_dossier",
)
async def get_consultation_dossier(
    consultation_id: UUID,
    request: Request,
    session: ReadSessionDep,
    ctx: Either,
    cipher: CipherDep,
    settings: SettingsDep,
) -> Any:
    """The dossier and decision the draft rests on, exactly as compiled."""
    service = _service(request, session, ctx, cipher, settings)
    row = await service.load(consultation_id)
    decision = await session.get(VettingDecision, row.decision_id)
    if row.dossier is None or decision is None:
        raise Conflict("The consultation has no draft yet.", current_state=row.state)
    dossier = await service.dossier_for_reader(row)
    return {"dossier": dossier, "decision": decision.decision}


@router.get(
    "/v1/consultations/{consultation_id}/transitions",
    response_model=list[Transition],
    responses=ERRORS,
    operation_id="list_consultation_transitions",
)
async def list_consultation_transitions(
    consultation_id: UUID,
    request: Request,
    session: ReadSessionDep,
    ctx: Either,
    cipher: CipherDep,
    settings: SettingsDep,
) -> list[Transition]:
    """Every state change, with who, when and why."""
    await _service(request, session, ctx, cipher, settings).load(consultation_id)
    rows = await repository.transitions(session, consultation_id)
    return [Transition.model_validate(r, from_attributes=True) for r in rows]


@router.post(
    "/v1/consultations/{consultation_id}/redraft",
    response_model=Consultation,
    responses=ERRORS,
    operation_id="redraft_consultation",
)
async def redraft_consultation(
    consultation_id: UUID,
    request: Request,
    session: SessionDep,
    ctx: Either,
    cipher: CipherDep,
    settings: SettingsDep,
    as_of: Annotated[IsoDate | None, Query()] = None,
) -> Consultation:
    """Compile the dossier and decision again (records changed since the draft)."""
    service = _service(request, session, ctx, cipher, settings)
    row = await service.redraft(consultation_id, as_of)
    await session.refresh(row)
    return present(row, settings)


@router.post(
    "/v1/consultations/{consultation_id}/issue",
    response_model=Consultation,
    responses=ERRORS,
    operation_id="issue_opinion",
)
async def issue_opinion(
    consultation_id: UUID,
    body: IssueRequest,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    ctx: Issuer,
    cipher: CipherDep,
    settings: SettingsDep,
) -> Consultation:
    """Issue the opinion: keep or override the draft (an override needs a written reason);
    the opinion gets the issuing unit's next document number for the year (consecutive,
    allocated in the database) and a SHA-256 of its content."""
    row = await _service(request, session, ctx, cipher, settings).issue(consultation_id, body)
    # The files are made once the issue is committed (and so can be logged and sealed).
    background.add_task(
        freeze_after_issue,
        request.app.state.sessionmaker,
        ctx,
        row.id,
        request.app.state.log_signer,
        settings,
    )
    return present(row, settings)


async def _transition(
    request: Request,
    session: Any,
    ctx: Context,
    cipher: Any,
    settings: Any,
    consultation_id: UUID,
    action: Literal["revoke", "reissue"],
    reason: str,
) -> Consultation:
    service = _service(request, session, ctx, cipher, settings)
    await service.expire_due()
    row = await getattr(service, action)(consultation_id, reason)
    await session.refresh(row)
    return present(row, settings)


@router.post(
    "/v1/consultations/{consultation_id}/revoke",
    response_model=Consultation,
    responses=ERRORS,
    operation_id="revoke_opinion",
)
async def revoke_opinion(
    consultation_id: UUID,
    body: ReasonRequest,
    request: Request,
    session: SessionDep,
    ctx: Issuer,
    cipher: CipherDep,
    settings: SettingsDep,
) -> Consultation:
    """Withdraw an issued opinion, with the reason."""
    return await _transition(
        request, session, ctx, cipher, settings, consultation_id, "revoke", body.reason
    )


@router.post(
    "/v1/consultations/{consultation_id}/reissue",
    status_code=201,
    response_model=Consultation,
    responses=ERRORS,
    operation_id="reissue_opinion",
)
async def reissue_opinion(
    consultation_id: UUID,
    body: ReasonRequest,
    request: Request,
    session: SessionDep,
    ctx: Issuer,
    cipher: CipherDep,
    settings: SettingsDep,
) -> Consultation:
    """Replace a stale or expired opinion: a new consultation is drafted afresh (returned)
    and the old one becomes superseded."""
    return await _transition(
        request, session, ctx, cipher, settings, consultation_id, "reissue", body.reason
    )


@router.post(
    "/v1/consultations/{consultation_id}/close",
    response_model=Consultation,
    responses=ERRORS,
    operation_id="close_consultation",
)
async def close_consultation(
    consultation_id: UUID,
    body: CloseRequest,
    request: Request,
    session: SessionDep,
    ctx: Requester,
    cipher: CipherDep,
    settings: SettingsDep,
) -> Consultation:
    """Record that the appointment was made: later records no longer make the opinion
    stale."""
    service = _service(request, session, ctx, cipher, settings)
    row = await service.close(consultation_id, body.appointed_on, body.note)
    await session.refresh(row)
    return present(row, settings)


_DOCUMENT_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


class NotAcceptable(AppError):
    status, code, title = 406, "not-acceptable", "Not acceptable"

    def __init__(self) -> None:
        super().__init__("The opinion is served as text/html or application/pdf.")


@router.get(
    "/v1/consultations/{consultation_id}/document",
    responses={
        200: {
            "content": {"application/pdf": {}, "text/html": {}},
            "description": "The opinion letter.",
        },
        **problem_responses(401, 403, 404, 406, 409, 422, 503),
    },
    response_class=Response,
    operation_id="get_opinion_document",
)
async def get_opinion_document(
    consultation_id: UUID,
    request: Request,
    session: SessionDep,  # the first download keeps the file it makes
    ctx: Either,
    cipher: CipherDep,
    settings: SettingsDep,
    format: Annotated[
        DocumentFormat | None, Query(description="Overrides the Accept header.")
    ] = None,
) -> Response:
    """The issued opinion as a formal letter (GB/T 9704-2012 layout), HTML or PDF with an
    embedded Chinese font; both carry the SHA-256 of the content. The file is produced once
    and then served byte for byte (`X-File-SHA256`), so a copy a recipient holds verifies at
    `/v1/opinions/verify?sha256=` by its own hash."""
    # Content negotiation reads the Accept header itself (OpenAPI ignores an `accept` parameter).
    chosen = format.value if format else _negotiate(request.headers.get("accept"))
    row = await _service(request, session, ctx, cipher, settings).load(consultation_id)
    if row.document is None:
        raise Conflict("The opinion has not been issued yet.", current_state=row.state)
    document = document_from_json(row.document)
    kept = await repository.opinion_file(session, row.id, chosen)
    if kept is None:  # not made after the issue: made now, then kept and served ever after
        await freeze(session, ctx, row, request.app.state.log_signer, settings)
        kept = await repository.opinion_file(session, row.id, chosen)
        assert kept is not None  # kept just now, or by the concurrent download that won
    filename = f"opinion-{row.document_serial}-{row.issued_at:%Y}.{chosen}"
    return Response(
        kept.content,
        media_type=_DOCUMENT_TYPES[chosen],
        headers={
            "X-Content-SHA256": document.content_sha256,
            "X-File-SHA256": kept.sha256,
            "ETag": f'"{kept.sha256}"',
            "Content-Disposition": f'inline; filename="{filename}"',
        },
    )


def _negotiate(accept: str | None) -> str:
    accept = (accept or "*/*").lower()
    if "application/pdf" in accept:
        return "pdf"
    if any(t in accept for t in ("text/html", "text/*", "*/*")):
        return "html"
    raise NotAcceptable()


@router.get(
    "/v1/opinions/verify",
    response_model=Verification,
    responses=problem_responses(422, 429, 503),
    operation_id="verify_opinion",
    tags=["opinions"],
)
async def verify_opinion(
    request: Request,
    session: ReadSessionDep,
    settings: SettingsDep,
    number: Annotated[str | None, Query(max_length=100, description="Document number.")] = None,
    sha256: Annotated[
        str | None,
        Query(
            pattern="^[0-9a-f]{64}$",
            description="The content hash printed on it, or the SHA-256 of the PDF/HTML file.",
        ),
    ] = None,
) -> Verification:
    """For anyone holding an opinion (no key needed): is it genuine, and is it still valid?"""
    if (number is None) == (sha256 is None):
        raise Unprocessable(
            "Give the document number or the content hash.",
            errors=[("query.number", "give number or sha256")],
        )
    return await verification(session, number, sha256)
