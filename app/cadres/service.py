"""Cadres: created once per ID number, details amended by versions, never deleted."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit.service import record as audit
from app.auth import jurisdiction
from app.auth.scopes import Scope
from app.cadres import repository
from app.cadres.schemas import Cadre as CadreView
from app.cadres.schemas import CadreCreate, CadreDetails, CadreFilters
from app.cadres.schemas import CadreVersion as CadreVersionView
from app.context import Context
from app.domain import idnumber
from app.domain.enums import ChangeKind
from app.errors import Conflict, NotFound, Unprocessable
from app.models import Cadre, CadreVersion, OrgUnit, Post
from app.records import repository as records
from app.records import service as record_service
from app.records.filters import ListFilters
from app.records.kind import RecordKind
from app.security import disclosure
from app.security.pii import PiiCipher
from app.uow import RecordChanged, emit

CADRE_DETAILS = RecordKind(
    name="cadre",
    plural="cadres",
    title="Cadre",
    title_zh="干部",
    model=CadreVersion,
    create=CadreDetails,
    read=CadreVersionView,
    filters=ListFilters,
    subject_is_cadre=True,
)


def present(row: Any, ctx: Context, cipher: PiiCipher) -> CadreView:
    cadre: Cadre = row.Cadre
    full = ctx.principal.has(Scope.PII_READ)
    shown = (
        cipher.decrypt(cadre.id_number_cipher) if full else idnumber.mask(cadre.id_number_masked)
    )
    return CadreView(
        id=cadre.id,
        version=row.version,
        change=row.change,
        change_reason=row.change_reason,
        recorded_at=row.recorded_at,
        recorded_by=row.recorded_by,
        id_number=shown,
        name=row.name,
        gender=row.gender,
        birth_date=cadre.birth_date if full else None,
        birth_month=disclosure.birth_month(cadre.birth_date),
        status=row.status,
        created_at=cadre.created_at,
    )


async def _duplicate(session: AsyncSession, ctx: Context, digest: bytes) -> Conflict | None:
    existing = await repository.by_hash(session, digest)
    if existing is None:
        return None
    # The existing cadre's id only for a client that may see them.
    extra: dict[str, Any] = {}
    if await jurisdiction.cadre_is_visible(session, ctx.principal, existing.id):
        extra["cadre_id"] = str(existing.id)
    return Conflict(
        "A cadre with this ID number already exists.",
        errors=[("body.id_number", "already recorded")],
        **extra,
    )


async def create(
    session: AsyncSession, ctx: Context, payload: CadreCreate, cipher: PiiCipher
) -> CadreView:
    digest = cipher.lookup_hash(payload.id_number)
    if (conflict := await _duplicate(session, ctx, digest)) is not None:
        raise conflict
    cadre = Cadre(
        id=uuid.uuid4(),
        id_number_hash=digest,
        id_number_cipher=cipher.encrypt(payload.id_number),
        id_number_masked=idnumber.mask(payload.id_number),
        birth_date=payload.birth_date,
        created_by=ctx.principal.client_id,
    )
    try:
        async with session.begin_nested():
            session.add(cadre)
            await session.flush()
    except IntegrityError:
        raise await _duplicate(session, ctx, digest) or Conflict("Duplicate cadre.") from None
    await records.append(
        session,
        CadreVersion,
        {
            "id": cadre.id,
            "version": 1,
            "change": ChangeKind.CREATED,
            "name": payload.name,
            "gender": payload.gender,
            "recorded_by": ctx.principal.client_id,
            "request_id": ctx.request_id,
        },
    )
    summary = {
        "id_number": cadre.id_number_masked,
        "name": payload.name,
        "gender": payload.gender,
        "birth_month": disclosure.birth_month(cadre.birth_date),
    }
    audit(session, ctx, "cadre.created", "cadre", cadre.id, summary)
    emit(session, RecordChanged("cadre", cadre.id, "created", ctx, cadre_ids=(cadre.id,)))
    return await get(session, ctx, cadre.id, cipher)


async def get(
    session: AsyncSession,
    ctx: Context,
    cadre_id: UUID,
    cipher: PiiCipher,
    day: date | None = None,
    known_at: datetime | None = None,
) -> CadreView:
    """The cadre as known at `known_at` (default now), with their status on `day` (default
    today)."""
    if not await jurisdiction.cadre_is_visible(session, ctx.principal, cadre_id):
        raise jurisdiction.not_found("cadre", cadre_id, None)
    row = await repository.view(session, cadre_id, day or clock.today(), known_at)
    if row is None:
        raise jurisdiction.not_found("cadre", cadre_id, None)
    return present(row, ctx, cipher)


async def lookup(
    session: AsyncSession, ctx: Context, id_number: str, cipher: PiiCipher
) -> CadreView:
    try:
        value = idnumber.parse(id_number, today=clock.today()).value
    except idnumber.InvalidIdNumber as exc:
        raise Unprocessable(str(exc), errors=[("body.id_number", str(exc))]) from None
    cadre = await repository.by_hash(session, cipher.lookup_hash(value))
    if cadre is None or not await jurisdiction.cadre_is_visible(session, ctx.principal, cadre.id):
        raise NotFound("No cadre has this ID number.")  # the same outside the jurisdiction
    return await get(session, ctx, cadre.id, cipher)


def _conditions(ctx: Context, filters: CadreFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    visible = jurisdiction.cadre_visible(ctx.principal, Cadre.id)
    if visible is not None:
        conditions.append(visible)
    if filters.name:
        conditions.append(repository.name_contains(filters.name))
    if filters.org_unit_id:
        conditions.append(
            Cadre.id.in_(select(Post.cadre_id).where(Post.org_unit_id == filters.org_unit_id))
        )
    if filters.under:
        units = select(OrgUnit.id).where(OrgUnit.path.contains([filters.under]))
        conditions.append(Cadre.id.in_(select(Post.cadre_id).where(Post.org_unit_id.in_(units))))
    if filters.status:
        conditions.append(repository.status_on(clock.today()) == filters.status.value)
    return conditions


async def page(
    session: AsyncSession, ctx: Context, filters: CadreFilters, cipher: PiiCipher
) -> tuple[list[CadreView], int]:
    rows, total = await repository.page(
        session, _conditions(ctx, filters), clock.today(), filters.limit, filters.offset
    )
    return [present(r, ctx, cipher) for r in rows], total


async def amend(
    session: AsyncSession,
    ctx: Context,
    cadre_id: UUID,
    changes: Any,
    reason: str,
    expected_version: int | None,
    cipher: PiiCipher,
) -> CadreView:
    await get(session, ctx, cadre_id, cipher)
    await record_service.amend(
        session, ctx, CADRE_DETAILS, cadre_id, changes, reason, expected_version
    )
    return await get(session, ctx, cadre_id, cipher)


async def history(
    session: AsyncSession, ctx: Context, cadre_id: UUID, cipher: PiiCipher
) -> Sequence[Any]:
    await get(session, ctx, cadre_id, cipher)
    return await records.history(session, CadreVersion, cadre_id)


async def ids_by_id_number_hash(
    session: AsyncSession, digests: Sequence[bytes]
) -> dict[bytes, UUID]:
    """The cadres recorded under these ID-number lookup hashes (hash -> cadre id): how other
    features find a cadre by ID number without its plain text."""
    if not digests:
        return {}
    query = select(Cadre.id_number_hash, Cadre.id).where(Cadre.id_number_hash.in_(digests))
    return {row[0]: row[1] for row in await session.execute(query)}
