"""The audit log: list events, verify the log, and the transparency log's checkpoints, proofs
and entries (what an external auditor needs)."""

from __future__ import annotations

import base64
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from sqlalchemy import ColumnElement, select

from app.access import Authorized
from app.audit import entries, log, merkle, repository
from app.audit.checkpoint import Signer
from app.audit.schemas import (
    AuditEventOut,
    AuditFilters,
    AuditPage,
    CheckpointOut,
    CheckpointPage,
    ConsistencyProof,
    InclusionProof,
    LogEntries,
    LogEntryOut,
    LogKey,
    LogProblem,
    LogVerification,
)
from app.audit.visibility import events_visible
from app.auth.scopes import Scope
from app.context import Context
from app.db import SEALER
from app.errors import Forbidden, NotFound, Unprocessable, problem_responses
from app.models import AuditCheckpoint as AuditCheckpointModel
from app.models import AuditEvent, AuditLogEntry
from app.security import disclosure
from app.uow import ReadSessionDep, SessionDep

router = APIRouter(prefix="/v1/audit-events", tags=["audit"])
log_router = APIRouter(prefix="/v1/audit-log", tags=["audit"])
Auditor = Annotated[Context, Authorized(Scope.AUDIT_READ)]
MAX_ENTRIES = 10_000
MAX_INDEX = 10**15  # far beyond any log; keeps query numbers inside bigint


def _signer(request: Request) -> Signer:
    signer: Signer = request.app.state.log_signer
    return signer


def _conditions(ctx: Context, filters: AuditFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if (visible := events_visible(ctx.principal)) is not None:
        conditions.append(visible)
    for name in ("actor_client_id", "action", "target_kind", "target_id", "request_id"):
        value = getattr(filters, name)
        if value is not None:
            conditions.append(getattr(AuditEvent, name) == value)
    if filters.occurred_from is not None:
        conditions.append(AuditEvent.occurred_at >= filters.occurred_from)
    if filters.occurred_to is not None:
        conditions.append(AuditEvent.occurred_at <= filters.occurred_to)
    return conditions


def _out(event: AuditEvent, logged: AuditLogEntry | None) -> AuditEventOut:
    """The event as its logged entry states it (the columns serve only to find it)."""
    stated = entries.parse(event.entry)
    return AuditEventOut(
        log_index=logged.idx if logged else None,
        id=stated["id"],
        occurred_at=stated["occurred_at"],
        actor_client_id=stated["actor_client_id"],
        actor_name=stated["actor_name"],
        action=stated["action"],
        target_kind=stated["target_kind"],
        target_id=stated["target_id"],
        request_id=stated["request_id"],
        client_ip=stated["client_ip"],
        summary=disclosure.narrow(stated["summary"]),  # events written before the policy too
        leaf_hash=logged.leaf_hash.hex() if logged else None,
    )


@router.get(
    "",
    response_model=AuditPage,
    operation_id="list_audit_events",
    responses=problem_responses(401, 403, 422, 503),
)
async def list_audit_events(
    session: ReadSessionDep, ctx: Auditor, filters: Annotated[AuditFilters, Query()]
) -> AuditPage:
    """Newest first; filter by actor, action, target, request or time. A client bound to a
    jurisdiction sees the events about cadres and units within it, and its own."""
    rows, total = await repository.page(
        session, _conditions(ctx, filters), filters.limit, filters.offset
    )
    return AuditPage(
        items=[_out(event, logged) for event, logged in rows],
        total=total,
        limit=filters.limit,
        offset=filters.offset,
    )


def _checkpoint(kept: log.SignedCheckpoint) -> CheckpointOut:
    return CheckpointOut(
        id=kept.id,
        size=kept.size,
        root_hash=kept.root.hex(),
        signed_at=kept.signed_at,
        note=kept.note,
    )


def _whole_log(ctx: Context) -> None:
    if not ctx.principal.unrestricted:
        raise Forbidden(
            "the whole log is for a key without a jurisdiction; a bound key verifies its own "
            "events by inclusion proofs"
        )


@router.get(
    "/verify",
    response_model=LogVerification,
    operation_id="verify_audit_log",
    responses=problem_responses(401, 403, 503),
)
async def verify_audit_log(
    request: Request, session: ReadSessionDep, ctx: Auditor
) -> LogVerification:
    """Walk the whole log as stored: each entry against its leaf hash, its MAC and its event's
    columns; the tree against every kept signed checkpoint; and every event against the log.
    Reports the first problem, with its log index. What an insider can hide from this (the
    log and its checkpoints deleted together) the external auditor (`vetting audit verify`),
    which keeps its own checkpoints, still finds."""
    _whole_log(ctx)
    result = await log.verify(session, session.info[SEALER], _signer(request))
    problem = result.problem
    return LogVerification(
        intact=problem is None,
        size=result.size,
        root_hash=result.root.hex(),
        pending=result.pending,
        latest_checkpoint=_checkpoint(result.checkpoint) if result.checkpoint else None,
        first_problem=(
            LogProblem(index=problem.index, event_id=problem.event_id, reason=problem.reason)
            if problem
            else None
        ),
    )


@log_router.get(
    "/key",
    response_model=LogKey,
    operation_id="get_audit_log_key",
    responses=problem_responses(401, 403),
)
async def get_audit_log_key(request: Request, ctx: Auditor) -> LogKey:
    """The log's name and public key, to pin in an auditor."""
    signer = _signer(request)
    return LogKey(origin=signer.name, verifier_key=signer.verifier().vkey())


@log_router.get(
    "/checkpoint",
    response_model=CheckpointOut,
    operation_id="get_latest_checkpoint",
    responses=problem_responses(401, 403, 404, 503),
)
async def get_latest_checkpoint(session: ReadSessionDep, ctx: Auditor) -> CheckpointOut:
    """The latest signed checkpoint (404 before the first is made)."""
    return _checkpoint(await _checkpoint_of_size(session, None))


@log_router.post(
    "/checkpoints",
    response_model=CheckpointOut,
    operation_id="sign_checkpoint",
    responses=problem_responses(401, 403, 503),
)
async def sign_checkpoint(request: Request, session: SessionDep, ctx: Auditor) -> CheckpointOut:
    """Log every committed event and sign a checkpoint of the tree reached now (the latest
    one is returned unchanged when the log has not grown since)."""
    return _checkpoint(await log.sign_checkpoint(session, _signer(request)))


@log_router.get(
    "/checkpoints",
    response_model=CheckpointPage,
    operation_id="list_checkpoints",
    responses=problem_responses(401, 403, 422, 503),
)
async def list_checkpoints(
    session: ReadSessionDep,
    ctx: Auditor,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> CheckpointPage:
    """Every checkpoint ever signed, newest first: they are kept for ever."""
    kept = await log.checkpoints(session, limit, offset)
    return CheckpointPage(items=[_checkpoint(k) for k in kept], limit=limit, offset=offset)


async def _checkpoint_of_size(session: SessionDep, size: int | None) -> log.SignedCheckpoint:
    if size is None:
        latest = await log.latest_checkpoint(session)
        if latest is None:
            raise NotFound("no checkpoint has been signed yet; POST /v1/audit-log/checkpoints")
        return latest
    rows = await session.execute(
        select(AuditCheckpointModel).where(AuditCheckpointModel.size == size).limit(1)
    )
    found = rows.scalar_one_or_none()
    if found is None:
        raise NotFound(
            f"no signed checkpoint has tree size {size}", errors=[("query.tree_size", "unknown")]
        )
    return log.SignedCheckpoint(found.id, found.size, found.root, found.note, found.signed_at)


@log_router.get(
    "/proofs/inclusion",
    response_model=InclusionProof,
    operation_id="get_inclusion_proof",
    responses=problem_responses(401, 403, 404, 422, 503),
)
async def get_inclusion_proof(
    session: ReadSessionDep,
    ctx: Auditor,
    event_id: UUID,
    tree_size: Annotated[
        int | None, Query(ge=1, description="Default: the latest checkpoint.")
    ] = None,
) -> InclusionProof:
    """That an event is in the log: its index and the audit path to the root of a signed
    checkpoint. An event outside the key's jurisdiction answers as a nonexistent one."""
    query = select(AuditEvent.id).where(AuditEvent.id == event_id)
    if (visible := events_visible(ctx.principal)) is not None:
        query = query.where(visible)
    if await session.scalar(query) is None:
        raise NotFound("no such audit event", errors=[("query.event_id", "not found")])
    place = await log.index_of(session, event_id)
    if place is None:
        raise NotFound(
            "the event is not in the log yet (the sequencer adds it within a second); "
            "sign a checkpoint and ask again",
            errors=[("query.event_id", "not yet logged")],
        )
    index, leaf = place
    kept = await _checkpoint_of_size(session, tree_size)
    if index >= kept.size:
        raise Unprocessable(
            f"the event (index {index}) came after the checkpoint of size {kept.size}",
            errors=[("query.tree_size", f"must be greater than {index}")],
        )
    leaves = await log.leaf_hashes(session, kept.size)
    path = merkle.inclusion_proof(leaves, index)
    return InclusionProof(
        event_id=event_id,
        index=index,
        tree_size=kept.size,
        leaf_hash=leaf.hex(),
        hashes=[h.hex() for h in path],
        checkpoint=_checkpoint(kept),
    )


@log_router.get(
    "/proofs/consistency",
    response_model=ConsistencyProof,
    operation_id="get_consistency_proof",
    responses=problem_responses(401, 403, 404, 422, 503),
)
async def get_consistency_proof(
    session: ReadSessionDep,
    ctx: Auditor,
    first: Annotated[int, Query(ge=1, le=MAX_INDEX)],
    second: Annotated[int, Query(ge=1, le=MAX_INDEX)],
) -> ConsistencyProof:
    """That the tree of `second` entries extends the tree of `first` (RFC 9162 §2.1.4)."""
    if first > second:
        raise Unprocessable(
            "first must not exceed second", errors=[("query.first", f"must be ≤ {second}")]
        )
    head = await log.head(session)
    if second > head.size:
        raise NotFound(
            f"the log holds {head.size} entries",
            errors=[("query.second", f"must be ≤ {head.size}")],
        )
    leaves = await log.leaf_hashes(session, second)
    proof = merkle.consistency_proof(leaves, first, second)
    return ConsistencyProof(first=first, second=second, hashes=[h.hex() for h in proof])


@log_router.get(
    "/entries",
    response_model=LogEntries,
    operation_id="get_log_entries",
    responses=problem_responses(401, 403, 422, 503),
)
async def get_log_entries(
    session: ReadSessionDep,
    ctx: Auditor,
    start: Annotated[int, Query(ge=0, le=MAX_INDEX)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_ENTRIES)] = 1000,
) -> LogEntries:
    """The entries at indices start… (at most `limit`): the bytes each leaf commits to, to
    recompute the tree. For a key without a jurisdiction (entries are about every unit)."""
    _whole_log(ctx)
    found = await log.entries(session, start, start + limit)
    head = await log.head(session)
    return LogEntries(
        start=start,
        tree_size=head.size,
        items=[
            LogEntryOut(
                index=e.index,
                event_id=e.event_id,
                entry=base64.b64encode(e.entry).decode(),
                mac=base64.b64encode(e.mac).decode(),
            )
            for e in found
        ],
    )
