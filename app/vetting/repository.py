"""Queries of the decision log. Decisions are written in one statement whatever their number:
the rulebook text and the facts snapshots are added if new, then the decisions (the facts
parts a split snapshot names, when new, in one statement before)."""

from __future__ import annotations

import hashlib
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
from app.domain import compact
from app.models import Cadre, FactsPart, OrgUnit, RulebookText, VettingDecision
from app.vetting.rules.snapshot import join_snapshot


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
    decision_compact: bytes
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
    ("decision_compact", "bytea"),
    ("requested_by", "uuid"),
    ("request_id", "text"),
    ("batch_id", "uuid"),
)


@dataclass(frozen=True)
class StoredFacts:
    """How a facts snapshot is kept: whole (`whole`, its JSON text) or split (`compact`, naming
    the facts `parts` it draws on, which must be stored first: `store_parts`)."""

    whole: str | None = None
    compact: bytes | None = None
    parts: tuple[str, ...] = ()


def _store_sql() -> str:
    """One statement: the rulebook text and facts snapshots if new, the audit event (when the
    caller has them) and the decisions. Parameters: $1-$4 the rulebook, $5-$8 the
    snapshots, $9-$20 the audit rows, then one array per decision column."""
    names = ", ".join(c for c, _ in _DECISION_COLUMNS)
    arrays = ", ".join(f"CAST(${21 + i} AS {t}[])" for i, (_, t) in enumerate(_DECISION_COLUMNS))
    values = ", ".join(f"d.{c}" for c, _ in _DECISION_COLUMNS)
    return f"""
WITH rulebook AS (
    INSERT INTO rulebook_texts (sha256, rulebook_id, version, content)
    VALUES ($1, $2, $3, $4)
    ON CONFLICT (sha256) DO NOTHING
), snapshots AS (
    INSERT INTO facts_snapshots (sha256, facts, compact, parts)
    SELECT s.sha, CAST(s.facts AS json), s.compact, string_to_array(s.parts, ',')
    FROM unnest(CAST($5 AS text[]), CAST($6 AS text[]), CAST($7 AS bytea[]), CAST($8 AS text[]))
        AS s(sha, facts, compact, parts)
    ON CONFLICT (sha256) DO NOTHING
), audit AS ({audit_insert_sql(9)})
INSERT INTO vetting_decisions ({names}, rulebook_sha256)
SELECT {values}, $1
FROM unnest({arrays}) AS d({names})
"""


_STORE = _store_sql()
_STORE_PARTS = """
INSERT INTO facts_parts (sha256, content)
SELECT * FROM unnest(CAST($1 AS text[]), CAST($2 AS bytea[]))
ON CONFLICT (sha256) DO NOTHING
"""


async def store_parts(session: AsyncSession, parts: dict[str, bytes]) -> None:
    """Store facts parts (digest -> compact content) not stored yet: before the snapshots
    that name them, in a statement of their own (a trigger checks that they are there). In
    digest order, so that concurrent transactions inserting the same parts wait for each other
    instead of deadlocking."""
    digests = sorted(parts)
    await (await Driver.of(session)).execute(
        _STORE_PARTS, digests, [parts[digest] for digest in digests]
    )


async def store(
    session: AsyncSession,
    rows: Sequence[DecisionRow],
    snapshots: dict[str, StoredFacts],
    rulebook: tuple[str, str, str, str],
    audit_rows: list[dict[str, Any]],
) -> None:
    """Store decisions that used one rulebook, with their audit events."""
    columns = [[getattr(r, c) for r in rows] for c, _ in _DECISION_COLUMNS]
    digests = sorted(snapshots)  # concurrent stores of the same snapshots wait, never deadlock
    forms = [snapshots[digest] for digest in digests]
    await (await Driver.of(session)).execute(
        _STORE,
        *rulebook,
        digests,
        [f.whole for f in forms],
        [f.compact for f in forms],
        [",".join(f.parts) if f.compact is not None else None for f in forms],
        *audit_insert_args(audit_rows),
        *columns,
    )


async def get(session: AsyncSession, decision_id: UUID) -> VettingDecision | None:
    return await session.get(VettingDecision, decision_id)


async def snapshot(session: AsyncSession, sha256: str) -> str | None:
    """The facts snapshot `sha256` as its canonical JSON text, rebuilt from its parts when it
    is kept split; ValueError when what is stored does not give those exact bytes back."""
    row = (
        await session.execute(
            text(
                "SELECT CAST(facts AS text) AS facts, compact, parts FROM facts_snapshots "
                "WHERE sha256 = :sha"
            ),
            {"sha": sha256},
        )
    ).one_or_none()
    if row is None:
        return None
    if row.compact is None:
        whole: str = row.facts
        return whole
    found = await session.execute(
        select(FactsPart.sha256, FactsPart.content).where(FactsPart.sha256.in_(row.parts))
    )
    parts = {sha: compact.unpack(content) for sha, content in found}
    joined = join_snapshot(compact.unpack(row.compact), parts)
    if hashlib.sha256(joined).hexdigest() != sha256:
        raise ValueError(f"facts snapshot {sha256} does not rebuild to its digest")
    return joined.decode()


async def rulebook_text(session: AsyncSession, sha256: str) -> RulebookText | None:
    return await session.get(RulebookText, sha256)


async def org_units(session: AsyncSession, ids: Sequence[UUID]) -> dict[UUID, Any]:
    if not ids:
        return {}
    query = select(OrgUnit).where(OrgUnit.id.in_(ids))
    return {unit.id: unit for unit in (await session.execute(query)).scalars()}


async def coded_ancestors(
    session: AsyncSession, ids: Sequence[UUID]
) -> dict[UUID, list[tuple[UUID, str]]]:
    """For each org unit, it and its ancestors that have a division code, nearest first (one
    query for all)."""
    if not ids:
        return {}
    query = text(
        """
        SELECT u.id, a.id, a.division_code
        FROM org_units u
        JOIN org_units a ON a.id = ANY (u.path)
        WHERE u.id = ANY (:ids) AND a.division_code IS NOT NULL
        ORDER BY u.id, array_position(u.path, a.id) DESC
        """
    )
    found: dict[UUID, list[tuple[UUID, str]]] = {unit: [] for unit in ids}
    for unit, ancestor, code in await session.execute(query, {"ids": list(ids)}):
        found[unit].append((ancestor, code))
    return found


async def existing_cadres(session: AsyncSession, ids: Sequence[UUID]) -> set[UUID]:
    if not ids:
        return set()
    rows = await session.execute(select(Cadre.id).where(Cadre.id.in_(ids)))
    return {row[0] for row in rows}
