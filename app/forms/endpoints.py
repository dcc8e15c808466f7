"""The 干部任免审批表 (.lrmx): a form in, what was read and a vetted answer out; the record out
as a form."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from app import clock
from app.access import Authorized
from app.auth import jurisdiction
from app.auth.scopes import Scope
from app.consultations.schemas import Consultation
from app.context import Context
from app.deps import CipherDep, SettingsDep
from app.domain.enums import Gender, PositionKind, Purpose, SafetyRole
from app.errors import NotFound, Unprocessable, problem_responses
from app.forms import write_lrmx
from app.forms.records import export_form
from app.forms.service import FormsService, Options
from app.models import AppointmentForm, Cadre, CadreVersion
from app.records.repository import current
from app.schemas import InputModel, IsoDate
from app.uow import ReadSessionDep, SessionDep
from app.uploads import read_upload
from app.vetting.facts_loader import FactsLoader
from app.vetting.schemas import Decision

router = APIRouter(tags=["appointment-forms"])
Writer = Annotated[Context, Authorized(Scope.RECORDS_WRITE)]
Reader = Annotated[Context, Authorized(Scope.RECORDS_READ)]
Exporter = Annotated[Context, Authorized(Scope.RECORDS_READ, Scope.PII_READ)]
ERRORS = problem_responses(401, 403, 404, 409, 413, 415, 422, 503)
FORM_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/xml": {"schema": {"type": "string", "format": "binary"}},
            "application/zip": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}


class FormOutcome(BaseModel):
    form_id: UUID
    filename: str | None
    cadre: dict[str, Any] = Field(description="{id, created}: found or created by ID number.")
    read: dict[str, Any] = Field(
        description="Every field read (no family members, no photo); "
        "the career parsed into dated entries with unparsed lines kept."
    )
    differences: dict[str, list[dict[str, Any]]] = Field(
        description="Posts and annual assessments on one side and not the other."
    )
    decision: Decision | None = Field(description="With ?vet=: the vetting decision.")
    consultation: Consultation | None = Field(description="With ?consult=true.")


class FormsReceived(BaseModel):
    forms: list[FormOutcome]


def _service(
    request: Request, session: Any, ctx: Context, cipher: Any, settings: Any
) -> FormsService:
    return FormsService(session, ctx, cipher, request.app.state.rulebooks, settings)


@router.post(
    "/v1/appointment-forms",
    status_code=201,
    response_model=FormsReceived,
    responses=ERRORS,
    openapi_extra=FORM_BODY,
    operation_id="receive_appointment_form",
)
async def receive_appointment_form(
    request: Request,
    session: SessionDep,
    ctx: Writer,
    cipher: CipherDep,
    settings: SettingsDep,
    vet: Annotated[Purpose | None, Query(description="Vet the cadre for this purpose.")] = None,
    target_org_unit_id: Annotated[
        UUID | None,
        Query(
            description="The proposed post's org unit (needed for soe_head_appointment and "
            "consult)."
        ),
    ] = None,
    consult: Annotated[bool, Query(description="Open a consultation request.")] = False,
    as_of: Annotated[IsoDate | None, Query()] = None,
    filename: Annotated[str | None, Query(max_length=300)] = None,
) -> FormsReceived:
    """Send an .lrmx form (raw XML, multipart `file`, or a zip of several). It is read safely
    (no DTDs or entities; size limits; UTF-8, UTF-16 or GBK), the cadre is found or created by
    ID number, and the answer shows what was read and how it differs from the record; with
    `vet=` it carries the vetting decision, with `consult=true` a consultation request. A form
    that cannot be read is refused with 422 and nothing is recorded."""
    upload = await read_upload(request, filename)
    data, name = upload.content, upload.filename
    if not data:
        raise Unprocessable("The body is empty.", errors=[("body", "empty")])
    options = Options(vet=vet, target_org_unit_id=target_org_unit_id, consult=consult, as_of=as_of)
    results = await _service(request, session, ctx, cipher, settings).receive(data, name, options)
    return FormsReceived(forms=[FormOutcome.model_validate(r) for r in results])


class PostChoice(InputModel):
    line: int = Field(ge=1, description="The career entry's line on the form.")
    org_unit_id: UUID
    title: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="Default: the entry's text."
    )
    position: PositionKind
    safety_role: SafetyRole
    team_rank: Annotated[int, Field(ge=1, le=99)] | None = None


class ApplyRequest(InputModel):
    posts: list[PostChoice] = Field(default_factory=list, max_length=200)
    assessments: list[Annotated[int, Field(ge=1949, le=2100)]] = Field(
        default_factory=list, max_length=100, description="Years whose annual grade to record."
    )


class Applied(BaseModel):
    posts: list[UUID]
    assessments: list[UUID]


@router.post(
    "/v1/appointment-forms/{form_id}/apply",
    response_model=Applied,
    responses=ERRORS,
    operation_id="apply_appointment_form",
)
async def apply_appointment_form(
    form_id: UUID,
    body: ApplyRequest,
    request: Request,
    session: SessionDep,
    ctx: Writer,
    cipher: CipherDep,
    settings: SettingsDep,
) -> Applied:
    """Record the chosen career entries (with the unit and role the form cannot say) and
    annual grades of a received form: all of them or, on any problem, none."""
    if not body.posts and not body.assessments:
        raise Unprocessable("Choose posts or assessments to apply.", errors=[("body", "empty")])
    service = _service(request, session, ctx, cipher, settings)
    created = await service.apply(form_id, body.posts, body.assessments)
    return Applied(**created)


@router.get(
    "/v1/appointment-forms/{form_id}",
    response_model=dict[str, Any],
    responses=ERRORS,
    operation_id="get_appointment_form",
)
async def get_appointment_form(form_id: UUID, session: ReadSessionDep, ctx: Reader) -> Any:
    """A received form as kept: what was read, without family members, photo or ID number."""
    row = await session.get(AppointmentForm, form_id)
    if row is None or not await jurisdiction.cadre_is_visible(session, ctx.principal, row.cadre_id):
        raise NotFound(f"No appointment form {form_id}.")  # the same outside the jurisdiction
    return {
        "form_id": row.id,
        "cadre_id": row.cadre_id,
        "filename": row.filename,
        "received_at": row.received_at,
        "applied_at": row.applied_at,
        "read": row.summary,
    }


@router.get(
    "/v1/cadres/{cadre_id}/appointment-form",
    response_class=Response,
    responses={
        200: {"content": {"application/xml": {}}, "description": "An .lrmx form"},
        **problem_responses(401, 403, 404, 503),
    },
    operation_id="export_appointment_form",
    tags=["cadres"],
)
async def export_appointment_form(
    cadre_id: UUID,
    session: ReadSessionDep,
    ctx: Exporter,
    cipher: CipherDep,
    settings: SettingsDep,
) -> Response:
    """The cadre's 干部任免审批表 from the record: 奖惩情况 from accountability and commendations,
    年度考核结果 from the annual assessments, name, gender and birth from the record, other
    fields from the last form received."""
    from sqlalchemy import select

    cadre = await session.get(Cadre, cadre_id)
    if cadre is None:
        raise NotFound(f"No cadre {cadre_id}.")
    await jurisdiction.ensure_cadre(session, ctx.principal, cadre_id, field=None)
    facts = (await FactsLoader(session, settings.timezone).load([cadre_id], clock.now()))[cadre_id]
    details = await current(session, CadreVersion, cadre_id)
    assert details is not None
    last = await session.scalar(
        select(AppointmentForm.summary)
        .where(AppointmentForm.cadre_id == cadre_id)
        .order_by(AppointmentForm.received_at.desc())
        .limit(1)
    )
    form, rewards, grades = export_form(
        facts, cipher.decrypt(cadre.id_number_cipher), Gender(details.gender), last
    )
    body = write_lrmx(form, rewards_text=rewards, assessments_text=grades)
    return Response(
        body,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{cadre_id}.lrmx"'},
    )
