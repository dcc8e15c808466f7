"""Queries of the decision log. Decisions are written in one statement whatever their number:
the rulebook text and the facts snapshots are added if new, then the decisions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import insert_args as audit_insert_args
from app.audit.service import insert_sql as audit_insert_sql
from app.db import Driver
from app.models import Cadre, OrgUnit, RulebookText, VettingDecision


@dataclass(frozen=True)
class DecisionRow:
    id: UUID
    cadre_id: UUID
    purpose: str
    as_of: date
    known_at: datetime
    evaluated_at: datetime
    outcome: str
    eligible_from: date | None
    target_org_unit_id: UUID | None
    facts_sha256: str
    decision: str
    requested_by: UUID | None
    request_id: str | None
    batch_id: UUID | None


_DECISION_COLUMNS = (
    ("id", "uuid"),
    ("cadre_id", "uuid"),
    ("purpose", "text"),
    ("as_of", "date"),
    ("known_at", "timestamptz"),
    ("evaluated_at", "timestamptz"),
    ("outcome", "text"),
    ("eligible_from", "date"),
    ("target_org_unit_id", "uuid"),
    ("facts_sha256", "text"),
    ("decision", "text"),
    ("requested_by", "uuid"),
    ("request_id", "text"),
    ("batch_id", "uuid"),
)


def _store_sql() -> str:
    """One statement: the rulebook text and facts snapshots if new, the audit event (when the
    caller has them) and the decisions. Parameters: $1-$4 the rulebook, $5-$6 the
    snapshots, $7-$18 the audit rows, then one array per decision column."""
    names = ", ".join(c for c, _ in _DECISION_COLUMNS)
    arrays = ", ".join(f"CAST(${19 + i} AS {t}[])" for i, (_, t) in enumerate(_DECISION_COLUMNS))
    values = ", ".join(
        "CAST(d.decision AS json)" if c == "decision" else f"d.{c}" for c, _ in _DECISION_COLUMNS
    )
    return f"""
WITH rulebook AS (
    INSERT INTO rulebook_texts (sha256, rulebook_id, version, content)
    VALUES ($1, $2, $3, $4)
    ON CONFLICT (sha256) DO NOTHING
), snapshots AS (
    INSERT INTO facts_snapshots (sha256, facts)
    SELECT s.sha, CAST(s.facts AS json)
    FROM unnest(CAST($5 AS text[]), CAST($6 AS text[])) AS s(sha, facts)
    ON CONFLICT (sha256) DO NOTHING
), audit AS ({audit_insert_sql(7)})
INSERT INTO vetting_decisions ({names}, rulebook_sha256)
SELECT {values}, $1
FROM unnest({arrays}) AS d({names})
"""


_STORE = _store_sql()


async def store(
    session: AsyncSession,
    rows: Sequence[DecisionRow],
    snapshots: dict[str, str],
    rulebook: tuple[str, str, str, str],
    audit_rows: list[dict[str, Any]],
) -> None:
    """Store decisions that used one rulebook, with their audit events."""
    columns = [[getattr(r, c) for r in rows] for c, _ in _DECISION_COLUMNS]
    await (await Driver.of(session)).execute(
        _STORE,
        *rulebook,
        list(snapshots),
        list(snapshots.values()),
        *audit_insert_args(audit_rows),
        *columns,
    )


async def get(session: AsyncSession, decision_id: UUID) -> VettingDecision | None:
    return await session.get(VettingDecision, decision_id)


async def snapshot(session: AsyncSession, sha256: str) -> str | None:
    result = await session.execute(
        text("SELECT CAST(facts AS text) FROM facts_snapshots WHERE sha256 = :sha"),
        {"sha": sha256},
    )
    value: str | None = result.scalar_one_or_none()
    return value


async def rulebook_text(session: AsyncSession, sha256: str) -> RulebookText | None:
    return await session.get(RulebookText, sha256)


async def org_units(session: AsyncSession, ids: Sequence[UUID]) -> dict[UUID, Any]:
    if not ids:
        return {}
    query = select(OrgUnit).where(OrgUnit.id.in_(ids))
    return {unit.id: unit for unit in (await session.execute(query)).scalars()}


async def existing_cadres(session: AsyncSession, ids: Sequence[UUID]) -> set[UUID]:
    if not ids:
        return set()
    rows = await session.execute(select(Cadre.id).where(Cadre.id.in_(ids)))
    return {row[0] for row in rows}
