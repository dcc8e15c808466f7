"""The unit of work: one session per request (or CLI step); services only flush; it commits
once at the end (or rolls back on error), so a change and its audit events succeed or fail
together. At its end, record-change events are handled, then audit events appended, in the
same transaction, just before the single commit."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Header, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.service import flush_audit_events, pending_count
from app.context import Context
from app.db import ANSWER_POSITION
from app.replicas import LSN_PATTERN, TOKEN_HEADER, ReadRouter, parse_lsn

log = logging.getLogger(__name__)

_EVENTS = "pending_domain_events"


@dataclass(frozen=True)
class RecordChanged:
    """A record about cadres or an org unit was created, amended or revoked."""

    kind: str
    record_id: UUID
    change: str
    context: Context
    cadre_ids: tuple[UUID, ...] = ()
    org_unit_id: UUID | None = None
    details: tuple[tuple[str, Any], ...] = ()
    # For a unit's record: the days it concerns (see `unit_record_period`).
    period: tuple[date, date] | None = None


def unit_record_period(get: Callable[[str], Any]) -> tuple[date, date] | None:
    """The days an org unit's record concerns, `get` reading the record's fields: whoever held
    a post in the unit on one of those days answers for it, as the dossier shows it — an
    accident's day (a day's margin either side for the time zone), an inspection's day, a
    supervision item's due day, a safety-work assessment's year. None when it has none."""
    moment = get("occurred_at")
    if moment is not None:
        day = moment.date()
        return day - timedelta(days=1), day + timedelta(days=1)
    for name in ("inspected_on", "due_on"):
        day = get(name)
        if day is not None:
            return day, day
    year = get("year")
    return (date(year, 1, 1), date(year, 12, 31)) if year is not None else None


Handler = Callable[[AsyncSession, list[RecordChanged]], Awaitable[None]]
_handlers: list[Handler] = []


def install_handlers(handlers: Iterable[Handler]) -> None:
    """Register handlers run before commit with the unit of work's record changes (by the
    composition root: app.handlers); one already registered is not added twice."""
    for handler in handlers:
        if handler not in _handlers:
            _handlers.append(handler)


def emit(session: AsyncSession, event: RecordChanged) -> None:
    session.info.setdefault(_EVENTS, []).append(event)


async def finalize(session: AsyncSession) -> None:
    """Run the record-change handlers (registered by the composition root: app.handlers),
    then append the audit events, before the single commit."""
    events: list[RecordChanged] = session.info.pop(_EVENTS, [])
    while events:
        for handler in _handlers:
            await handler(session, events)
        events = session.info.pop(_EVENTS, [])
    await flush_audit_events(session)


def _used(session: AsyncSession) -> bool:
    """Whether a session has anything to commit: a transaction begun, objects added, changed or
    deleted, record changes or audit events pending."""
    return bool(
        session.in_transaction()
        or session.new
        or session.dirty
        or session.deleted
        or session.info.get(_EVENTS)
        or pending_count(session)
    )


@asynccontextmanager
async def unit_of_work(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: a session that commits once at the end (after the record-change
    handlers and the audit events), or rolls back on any error. Requests get theirs from
    `get_session`; the CLI, workers and demo data use this directly."""
    session = maker()
    touched = True
    try:
        yield session
        touched = _used(session)
        if touched:
            await finalize(session)
            await session.commit()
            if session.info.get(ANSWER_POSITION):
                await _note_position(session)
        # else: never used (e.g. a check, which the coalescer stores): nothing to commit
    except BaseException:
        touched = True
        await session.rollback()
        raise
    finally:
        if touched or session.sync_session.identity_map:
            # (shielded, as AsyncSession's own `async with` does: a cancelled request still
            # gives its connection back); an untouched session holds nothing to release
            await asyncio.shield(session.close())


POSITION = "committed_wal_position"  # session.info: the token a committed unit of work got


async def _note_position(session: AsyncSession) -> None:
    """The primary's WAL insert position just after the commit (at or past the commit record):
    a replica that has replayed that far has this unit of work. The commit stands whatever
    happens here; without a token, a later read may be served from a replica that is behind."""
    try:
        result = await session.execute(text("SELECT pg_current_wal_insert_lsn()::text"))
        session.info[POSITION] = result.scalar_one()
    except Exception:
        log.warning("no consistency token: the WAL position could not be read", exc_info=True)


def committed_position(session: AsyncSession) -> str | None:
    """The consistency token of a unit of work that committed, when replicas are in use."""
    position: str | None = session.info.get(POSITION)
    return position


def answer_position(request: Request, position: str | None) -> None:
    """Answer this request with a consistency token (the `Consistency-Token` response header,
    set by app.middleware); the latest one given wins."""
    if position is not None:
        request.state.consistency_token = position


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: commit once at the end, roll back on any error. (An
    Idempotency-Key is claimed in this session by the authorisation dependency, once the key
    has been authorised: app.access.) Once committed, with replicas in use, its consistency
    token goes in the response."""
    async with unit_of_work(request.app.state.sessionmaker) as session:
        yield session
    answer_position(request, committed_position(session))


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
"""The request's session; committed before the response is sent, so a failed commit is an error
response rather than a success that did not happen."""


async def consistency_token(
    token: Annotated[
        str | None,
        Header(
            alias=TOKEN_HEADER,
            description="Read your own writes: the `Consistency-Token` a write answered with. "
            "The read is served by a replica that has replayed that write, else by the "
            "primary. Without it, a replica may be up to `VETTING_REPLICA_MAX_LAG_SECONDS` "
            "behind.",
            examples=["0/16B3748"],
            pattern=LSN_PATTERN,
        ),
    ] = None,
) -> int | None:
    """The token as a WAL position (its pattern is checked with the request: a malformed one
    is a 422 naming `header.Consistency-Token`)."""
    return parse_lsn(token) if token is not None else None


TokenDep = Annotated[int | None, Depends(consistency_token)]


def read_router(request: Request) -> ReadRouter:
    router: ReadRouter = request.app.state.reads
    return router


async def get_read_session(request: Request, token: TokenDep) -> AsyncIterator[AsyncSession]:
    """A read-only session for a request that only reads: on a replica when one is in rotation
    and has replayed the request's Consistency-Token (and, for a `known_at` query, commits up
    to that time), else on the primary (app.replicas)."""
    async with read_router(request).session(token, _asked_known_at(request)) as session:
        yield session


def _asked_known_at(request: Request) -> datetime | None:
    """The `known_at` a read asks for, if it is a time with an offset (the endpoint itself
    refuses one that is not)."""
    value = request.query_params.get("known_at")
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]
"""A read-only session (`BEGIN READ ONLY`), on a replica when one can answer: for endpoints that
only read. `app.replicas.known_now(session)` is "now" as far as it can know."""


async def get_reads_beside(
    request: Request,
    session: SessionDep,
    token: TokenDep,
) -> AsyncIterator[AsyncSession]:
    """For a request that reads much and then writes (checks, batches): its reads on a replica
    when one can answer, else in the request's own unit of work."""
    async with read_router(request).session(token, fallback=session) as reads:
        yield reads


ReadsBesideDep = Annotated[AsyncSession, Depends(get_reads_beside, scope="function")]
