"""Append audit events. Events are queued on the session and appended at the end of the unit of
work, each with its canonical bytes and the service's MAC (app.audit.entries); the log's
sequencer takes them from there (app.audit.log).

One write, one event: an operation made of several steps (a transfer ends one post and opens
another; a consultation request also takes a decision and drafts) runs them inside
`one_event(...)`, and the steps become the `steps` of that single event."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit.entries import FIELDS, Sealer, canonical
from app.context import Context
from app.db import SEALER, Driver
from app.security import disclosure


def sealer_of(session: AsyncSession) -> Sealer:
    """The MAC key the session's sessionmaker was made with (app.db.create_sessionmaker)."""
    sealer = session.info.get(SEALER)
    if not isinstance(sealer, Sealer):
        raise RuntimeError("this session cannot write audit events: made without a sealer")
    return sealer


_PENDING = "pending_audit_events"


def event_row(
    sealer: Sealer,
    ctx: Context,
    action: str,
    target_kind: str,
    target_id: object | None,
    summary: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns of one audit event, its entry and MAC; the sequencer gives it its index."""
    row = {
        "id": uuid.uuid4(),
        "occurred_at": clock.now(),
        "actor_client_id": ctx.principal.client_id,
        "actor_name": ctx.principal.name,
        "action": action,
        "target_kind": target_kind,
        "target_id": None if target_id is None else str(target_id),
        "request_id": ctx.request_id,
        "client_ip": ctx.client_ip,
        # Audit summaries never keep plain personal data (see app.security.disclosure).
        "summary": disclosure.narrow(to_jsonable_python(summary or {})),
    }
    row["entry"] = canonical(row)
    row["mac"] = sealer.mac(row["entry"])
    return row


_GROUP = "audit_event_group"


def record(
    session: AsyncSession,
    ctx: Context,
    action: str,
    target_kind: str,
    target_id: object | None,
    summary: dict[str, Any] | None = None,
) -> None:
    """Queue one audit event (e.g. `accountability_case.created`) for this unit of work, or a
    step of the enclosing `one_event`."""
    group: Group | None = session.info.get(_GROUP)
    if group is not None:
        step = {"action": action, "target_kind": target_kind, "target_id": target_id}
        group.steps.append({**step, **(summary or {})})
        return
    row = event_row(sealer_of(session), ctx, action, target_kind, target_id, summary)
    session.info.setdefault(_PENDING, []).append(row)


@dataclass
class Group:
    action: str
    target_kind: str
    target_id: object | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)


@contextmanager
def one_event(
    session: AsyncSession, ctx: Context, action: str, target_kind: str
) -> Iterator[Group]:
    """Record everything inside as the steps of one event; set `target_id` (and `summary`) on
    the yielded group once known."""
    if session.info.get(_GROUP) is not None:  # already inside one: its event covers this too
        yield session.info[_GROUP]
        return
    group = Group(action, target_kind)
    session.info[_GROUP] = group
    try:
        yield group
    finally:
        session.info.pop(_GROUP, None)
    record(
        session, ctx, action, target_kind, group.target_id, {**group.summary, "steps": group.steps}
    )


def claim(
    session: AsyncSession,
    ctx: Context,
    action: str,
    target_kind: str,
    target_id: object | None,
    summary: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Like `record`, but the event row is handed to the caller to insert with its own
    statement (see `insert_sql`), saving a round trip on hot paths. Inside `one_event` the
    step is recorded there instead and no row is returned."""
    if session.info.get(_GROUP) is not None:
        record(session, ctx, action, target_kind, target_id, summary)
        return []
    return [event_row(sealer_of(session), ctx, action, target_kind, target_id, summary)]


_COLUMNS = (*FIELDS, "entry", "mac")
_TYPES = (
    "uuid",
    "timestamptz",
    "uuid",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "bytea",
    "bytea",
)


def insert_sql(first: int) -> str:
    """INSERT of audit event rows given as twelve arrays, `$first`…`$first+11`."""
    arrays = ", ".join(f"CAST(${first + i} AS {t}[])" for i, t in enumerate(_TYPES))
    names = ", ".join(_COLUMNS)
    values = ", ".join("CAST(e.summary AS jsonb)" if c == "summary" else f"e.{c}" for c in _COLUMNS)
    return f"INSERT INTO audit_events ({names}) SELECT {values} FROM unnest({arrays}) AS e({names})"


def insert_args(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """The arrays of `insert_sql` for `rows`."""
    return [
        [orjson.dumps(r[c]).decode() if c == "summary" else r[c] for r in rows] for c in _COLUMNS
    ]


_INSERT = insert_sql(1)


def pending_count(session: AsyncSession) -> int:
    return len(session.info.get(_PENDING, []))


async def insert_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await (await Driver.of(session)).execute(_INSERT, *insert_args(rows))


async def flush_audit_events(session: AsyncSession) -> None:
    await insert_rows(session, session.info.pop(_PENDING, []))
