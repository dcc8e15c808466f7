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
    decision_json: str


_RULEBOOK = """rulebook AS (
    INSERT INTO rulebook_texts (sha256, rulebook_id, version, content)
    VALUES (:rb_sha, :rb_id, :rb_version, :rb_content)
    ON CONFLICT (sha256) DO NOTHING
)"""
_SNAPSHOTS = """snapshots AS (
    INSERT INTO facts_snapshots (sha256, facts)
    SELECT s.sha, CAST(s.facts AS json)
    FROM unnest(CAST(:snap_sha AS text[]), CAST(:snap_facts AS text[])) AS s(sha, facts)
    ON CONFLICT (sha256) DO NOTHING
)"""
_DECISIONS = """
INSERT INTO vetting_decisions (
    id, cadre_id, purpose, as_of, known_at, evaluated_at, outcome, eligible_from,
    target_org_unit_id, rulebook_sha256, facts_sha256, decision, requested_by, request_id,
    batch_id)
SELECT d.id, d.cadre_id, d.purpose, d.as_of, d.known_at, d.evaluated_at, d.outcome,
       d.eligible_from, d.target, :rb_sha, d.facts_sha, CAST(d.decision AS json),
       :requested_by, :request_id, :batch_id
FROM unnest(
    CAST(:ids AS uuid[]), CAST(:cadres AS uuid[]), CAST(:purposes AS text[]),
    CAST(:as_of AS date[]), CAST(:known_at AS timestamptz[]),
    CAST(:evaluated_at AS timestamptz[]), CAST(:outcomes AS text[]),
    CAST(:eligible_from AS date[]), CAST(:targets AS uuid[]), CAST(:facts_sha AS text[]),
    CAST(:decisions AS text[])
) AS d(id, cadre_id, purpose, as_of, known_at, evaluated_at, outcome, eligible_from, target,
       facts_sha, decision)
"""
# One statement: the rulebook text and facts snapshots if new, and the decisions. (Their audit
# event is appended last, just before commit, so the chain lock is held as briefly as can be.)
_STORE = text("WITH " + ",\n".join([_RULEBOOK, _SNAPSHOTS]) + _DECISIONS)


async def store(
    session: AsyncSession,
    rows: Sequence[DecisionRow],
    snapshots: dict[str, str],
    rulebook: tuple[str, str, str, str],
    requested_by: UUID | None,
    request_id: str | None,
    batch_id: UUID | None,
) -> None:
    """Store decisions that used one rulebook."""
    rb_sha, rb_id, rb_version, rb_content = rulebook
    await session.execute(
        _STORE,
        {
            "rb_sha": rb_sha,
            "rb_id": rb_id,
            "rb_version": rb_version,
            "rb_content": rb_content,
            "snap_sha": list(snapshots),
            "snap_facts": list(snapshots.values()),
            "ids": [r.id for r in rows],
            "cadres": [r.cadre_id for r in rows],
            "purposes": [r.purpose for r in rows],
            "as_of": [r.as_of for r in rows],
            "known_at": [r.known_at for r in rows],
            "evaluated_at": [r.evaluated_at for r in rows],
            "outcomes": [r.outcome for r in rows],
            "eligible_from": [r.eligible_from for r in rows],
            "targets": [r.target_org_unit_id for r in rows],
            "facts_sha": [r.facts_sha256 for r in rows],
            "decisions": [r.decision_json for r in rows],
            "requested_by": requested_by,
            "request_id": request_id,
            "batch_id": batch_id,
        },
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


async def cadre_ids_by_hash(session: AsyncSession, digests: Sequence[bytes]) -> dict[bytes, UUID]:
    if not digests:
        return {}
    query = select(Cadre.id_number_hash, Cadre.id).where(Cadre.id_number_hash.in_(digests))
    return {row[0]: row[1] for row in await session.execute(query)}


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
