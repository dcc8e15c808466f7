"""A transfer ends one post and opens another for the same cadre, in one unit of work."""

from typing import Annotated, Self
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy.ext.asyncio import AsyncSession

from app.access import Authorized
from app.audit.service import one_event
from app.auth.scopes import Scope
from app.context import Context
from app.domain.enums import PositionKind, SafetyRole
from app.errors import Conflict, problem_responses
from app.records import service
from app.records.kinds.posts import POSTS, PostCreate, PostRead
from app.schemas import InputModel, IsoDate, ShortText
from app.uow import SessionDep

router = APIRouter(prefix="/v1/posts", tags=["posts"])


class NewPost(InputModel):
    org_unit_id: UUID
    title: ShortText
    position: PositionKind
    safety_role: SafetyRole
    team_rank: Annotated[int, Field(ge=1, le=99)] | None = None
    start_date: IsoDate


class Transfer(InputModel):
    end_date: IsoDate = Field(description="Last day in the current post.")
    reason: Annotated[str, Field(min_length=2, max_length=2000)] = Field(
        examples=["市委任免（泸委〔2024〕15号）"]
    )
    new_post: NewPost

    @model_validator(mode="after")
    def starts_after_end(self) -> Self:
        if self.new_post.start_date < self.end_date:
            raise PydanticCustomError(
                "transfer",
                "{field}: {message}",
                {"field": "new_post.start_date", "message": "must not be before end_date"},
            )
        return self


class TransferResult(BaseModel):
    ended: PostRead
    opened: PostRead


async def transfer(
    session: AsyncSession, ctx: Context, post_id: UUID, body: Transfer
) -> TransferResult:
    current = await service.get(session, ctx, POSTS, post_id)
    if current.end_date is not None and current.end_date < body.end_date:
        raise Conflict(
            f"The post already ended on {current.end_date.isoformat()}.",
            current_state="ended",
        )
    changes = POSTS.amend.model_validate({"end_date": body.end_date})
    new = PostCreate.model_validate({**body.new_post.model_dump(), "cadre_id": current.cadre_id})
    with one_event(session, ctx, "post.transferred", "post") as event:
        ended = await service.amend(session, ctx, POSTS, post_id, changes, body.reason)
        opened = await service.create(session, ctx, POSTS, new)
        event.target_id = post_id
        event.summary = {"reason": body.reason, "ended": post_id, "opened": opened.id}
    return TransferResult(
        ended=PostRead.model_validate(ended), opened=PostRead.model_validate(opened)
    )


@router.post(
    "/{post_id}/transfer",
    response_model=TransferResult,
    operation_id="transfer_post",
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def transfer_post(
    post_id: UUID,
    body: Transfer,
    session: SessionDep,
    ctx: Annotated[Context, Authorized(Scope.RECORDS_WRITE)],
) -> TransferResult:
    """End this post on `end_date` and open the new one, atomically (both or neither)."""
    return await transfer(session, ctx, post_id, body)
