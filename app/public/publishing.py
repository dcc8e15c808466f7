"""Publishing assessment results (考核公开) is an audited write: a new version of the
assessment with its `published` flag changed."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter

from app.access import Authorized
from app.auth.scopes import Scope
from app.context import Context
from app.errors import Conflict, problem_responses
from app.records import service
from app.records.kinds.assessments import ASSESSMENTS, AssessmentRead
from app.schemas import InputModel
from app.uow import SessionDep

router = APIRouter(prefix="/v1/assessments", tags=["assessments"])
Writer = Annotated[Context, Authorized(Scope.RECORDS_WRITE)]


class PublishRequest(InputModel):
    reason: str | None = None


async def _set(
    session: Any, ctx: Context, assessment_id: UUID, published: bool, reason: str
) -> Any:
    current = await service.get(session, ctx, ASSESSMENTS, assessment_id)
    if current.published is published:
        state = "published" if published else "unpublished"
        raise Conflict(f"The assessment is already {state}.", current_state=state)
    changes = ASSESSMENTS.amend.model_validate({"published": published})
    row = await service.amend(session, ctx, ASSESSMENTS, assessment_id, changes, reason)
    return AssessmentRead.model_validate(row)


@router.post(
    "/{assessment_id}/publish",
    response_model=AssessmentRead,
    operation_id="publish_assessment",
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def publish_assessment(
    assessment_id: UUID, session: SessionDep, ctx: Writer, body: PublishRequest | None = None
) -> Any:
    """Make the result public (考核公开): it appears at /v1/public/assessment-results."""
    reason = (body.reason if body else None) or "依考核公开制度公开"
    return await _set(session, ctx, assessment_id, True, reason)


@router.post(
    "/{assessment_id}/unpublish",
    response_model=AssessmentRead,
    operation_id="unpublish_assessment",
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def unpublish_assessment(
    assessment_id: UUID, session: SessionDep, ctx: Writer, body: PublishRequest | None = None
) -> Any:
    """Withdraw the result from public view (kept in the record, with the reason)."""
    reason = (body.reason if body else None) or "撤回公开"
    return await _set(session, ctx, assessment_id, False, reason)
