"""The shared flow of every versioned record kind: create, amend, revoke, read, list, history.
Each change appends a version, queues an audit event and announces the change; services only
flush, the request's unit of work commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record as audit
from app.auth import jurisdiction
from app.context import Context
from app.domain.enums import ChangeKind
from app.errors import Conflict, NotFound, Unprocessable
from app.records import repository
from app.records.kind import RecordKind, Values, default_to_input
from app.schemas import InputModel
from app.uow import RecordChanged, emit, unit_record_period

_META = ("id", "version", "change", "change_reason", "recorded_at", "recorded_by", "request_id")


def _record_values(kind: RecordKind, row: Any) -> Values:
    """The record's own values (a computed column, such as an assessment's distribution
    column, is derived from them: not one of them)."""
    columns = kind.model.__table__.columns
    return {
        c.key: getattr(row, c.key) for c in columns if c.key not in _META and c.computed is None
    }


async def _check_jurisdiction(session: AsyncSession, ctx: Context, values: Values) -> None:
    if values.get("cadre_id") is not None:
        await jurisdiction.ensure_cadre(
            session, ctx.principal, values["cadre_id"], field="body.cadre_id"
        )
    if values.get("org_unit_id") is not None:
        await jurisdiction.ensure_org_unit(
            session, ctx.principal, values["org_unit_id"], field="body.org_unit_id"
        )


async def _visible(session: AsyncSession, ctx: Context, values: Values) -> bool:
    cadre_id, unit_id = values.get("cadre_id"), values.get("org_unit_id")
    if cadre_id is not None and not await jurisdiction.cadre_is_visible(
        session, ctx.principal, cadre_id
    ):
        return False
    return unit_id is None or await jurisdiction.org_unit_is_visible(
        session, ctx.principal, unit_id
    )


def _meta(
    ctx: Context, record_id: UUID, version: int, change: ChangeKind, reason: str | None
) -> Values:
    return {
        "id": record_id,
        "version": version,
        "change": change,
        "change_reason": reason,
        "recorded_by": ctx.principal.client_id,
        "request_id": ctx.request_id,
    }


def _announce(
    session: AsyncSession, ctx: Context, kind: RecordKind, row: Any, change: ChangeKind
) -> None:
    cadre_id = row.id if kind.subject_is_cadre else getattr(row, "cadre_id", None)
    emit(
        session,
        RecordChanged(
            kind=kind.name,
            record_id=row.id,
            change=change.value,
            context=ctx,
            cadre_ids=(cadre_id,) if cadre_id else (),
            org_unit_id=getattr(row, "org_unit_id", None),
            period=None if cadre_id else unit_record_period(lambda name: getattr(row, name, None)),
        ),
    )


async def create(session: AsyncSession, ctx: Context, kind: RecordKind, payload: InputModel) -> Any:
    values = await kind.prepare(session, ctx, payload.model_dump())
    await _check_jurisdiction(session, ctx, values)
    row = await repository.append(
        session, kind.model, {**values, **_meta(ctx, uuid.uuid4(), 1, ChangeKind.CREATED, None)}
    )
    audit(
        session,
        ctx,
        f"{kind.name}.created",
        kind.name,
        row.id,
        {"after": _record_values(kind, row)},
    )
    _announce(session, ctx, kind, row, ChangeKind.CREATED)
    return row


async def get(
    session: AsyncSession,
    ctx: Context,
    kind: RecordKind,
    record_id: UUID,
    known_at: datetime | None = None,
) -> Any:
    row = await repository.current(session, kind.model, record_id, known_at)
    if row is None or not await _visible(session, ctx, _record_values(kind, row)):
        # Outside the jurisdiction: exactly as if there were no such record.
        when = f" as known at {known_at.isoformat()}" if known_at else ""
        raise NotFound(f"No {kind.title.lower()} {record_id}{when}.")
    return row


async def _current_for_change(
    session: AsyncSession,
    ctx: Context,
    kind: RecordKind,
    record_id: UUID,
    expected_version: int | None,
) -> Any:
    row = await get(session, ctx, kind, record_id)
    if row.change is ChangeKind.REVOKED:
        raise Conflict(
            f"The {kind.title.lower()} {record_id} is revoked; it cannot change.",
            current_state="revoked",
        )
    if expected_version is not None and expected_version != row.version:
        raise Conflict(
            f"The {kind.title.lower()} is at version {row.version}, not {expected_version}.",
            errors=[("expected_version", f"current version is {row.version}")],
        )
    return row


def _merge(kind: RecordKind, row: Any, changes: InputModel) -> InputModel:
    sent = changes.model_dump(exclude_unset=True)
    if not sent:
        raise Unprocessable(
            "An amendment must change at least one field.", errors=[("body.changes", "empty")]
        )
    current = kind.to_input(row) if kind.to_input else default_to_input(kind, row)
    try:
        return kind.create.model_validate({**current, **sent})
    except ValidationError as exc:
        errors = [
            (
                "body.changes." + ".".join(str(p) for p in e["loc"]),
                e["msg"].removeprefix("Value error, "),
            )
            for e in exc.errors()
        ]
        raise Unprocessable("The amended record is not valid.", errors=errors) from None


def _diff(before: Values, after: Values) -> dict[str, list[Any]]:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


async def amend(
    session: AsyncSession,
    ctx: Context,
    kind: RecordKind,
    record_id: UUID,
    changes: InputModel,
    reason: str,
    expected_version: int | None = None,
) -> Any:
    row = await _current_for_change(session, ctx, kind, record_id, expected_version)
    merged = _merge(kind, row, changes)
    values = await kind.prepare(session, ctx, merged.model_dump())
    await _check_jurisdiction(session, ctx, values)
    before = _record_values(kind, row)
    new = await repository.append(
        session,
        kind.model,
        {**values, **_meta(ctx, record_id, row.version + 1, ChangeKind.AMENDED, reason)},
    )
    summary = {
        "reason": reason,
        "version": new.version,
        "changes": _diff(before, _record_values(kind, new)),
    }
    audit(session, ctx, f"{kind.name}.amended", kind.name, record_id, summary)
    _announce(session, ctx, kind, new, ChangeKind.AMENDED)
    return new


async def revoke(
    session: AsyncSession,
    ctx: Context,
    kind: RecordKind,
    record_id: UUID,
    reason: str,
    expected_version: int | None = None,
) -> Any:
    row = await _current_for_change(session, ctx, kind, record_id, expected_version)
    values = {**_record_values(kind, row), **kind.on_revoke}
    new = await repository.append(
        session,
        kind.model,
        {**values, **_meta(ctx, record_id, row.version + 1, ChangeKind.REVOKED, reason)},
    )
    audit(
        session,
        ctx,
        f"{kind.name}.revoked",
        kind.name,
        record_id,
        {"reason": reason, "version": new.version},
    )
    _announce(session, ctx, kind, new, ChangeKind.REVOKED)
    return new


async def history(
    session: AsyncSession, ctx: Context, kind: RecordKind, record_id: UUID
) -> Sequence[Any]:
    await get(session, ctx, kind, record_id)
    return await repository.history(session, kind.model, record_id)


async def page(
    session: AsyncSession, kind: RecordKind, conditions: Sequence[Any], filters: Any
) -> tuple[Sequence[Any], int]:
    return await repository.page(
        session,
        kind.model,
        conditions,
        kind.order_by,
        filters.limit,
        filters.offset,
        filters.known_at,
    )
