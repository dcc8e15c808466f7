"""Partition-ready keys (docs/partitioning.md): every table of the migrated schema is in one
group, and a distributed table's primary key and every unique index include its distribution
column, so that a distributed PostgreSQL (Citus: `create_distributed_table(table, column)`,
`create_reference_table(table)`) can take the schema as it is. Read from the database's own
catalogue, not from the models."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# Distributed: table -> its distribution column. Co-located by the cadre (a check reads one
# cadre's record and stores one decision), by the unit (a unit's history, read per unit), or
# by their own key (fetched by key, never joined inside a check).
CADRE = {
    "cadre_versions": "id",  # `id` is the cadre
    "posts": "cadre_id",
    "accountability_cases": "cadre_id",
    "cadre_investigations": "cadre_id",
    "cadre_status_events": "cadre_id",
    "commendations": "cadre_id",
    "contributions": "cadre_id",
    "duty_performances": "cadre_id",
    "assessments": "subject_id",  # the cadre's or the unit's id, whichever it is about
}
UNIT = {
    "accidents": "org_unit_id",
    "inspections": "org_unit_id",
    "supervision_items": "org_unit_id",
    "org_unit_versions": "org_unit_id",
}
OWN_KEY = {
    "vetting_decisions": "id",
    "appointment_forms": "id",
    "facts_snapshots": "sha256",
    "facts_parts": "sha256",
    "idempotency_keys": "namespace",
}
DISTRIBUTED = {**CADRE, **UNIT, **OWN_KEY}
# Reference tables: small or slowly growing, read everywhere, copied to every node. `cadres`
# is the registry of identities (id, ID-number hash and cipher): one row per person, where the
# ID number's uniqueness is enforced for the whole province.
REFERENCE = {
    "cadres",
    "org_units",
    "api_clients",
    "rulebook_texts",
    "rulebook_submissions",
    "rulebook_activations",
    "webhook_subscriptions",
    "alembic_version",
}
# On the coordinator, by design: the transparency log is one sequence (its events, queue,
# leaves, tree heads, checkpoints and the outbox the webhooks read); the formal documents are
# few and their numbers (公文编号) and file hashes unique across the province; imports and
# webhook deliveries are operations records keyed by their own sequence.
COORDINATOR = {
    "audit_events",
    "audit_queue",
    "audit_log",
    "audit_tree_heads",
    "audit_checkpoints",
    "outbox_events",
    "consultations",
    "consultation_transitions",
    "opinion_files",
    "document_counters",
    "imports",
    "webhook_deliveries",
    "webhook_attempts",
}
# Foreign keys a distributed PostgreSQL cannot keep as they are: from a coordinator table into
# a distributed one, or between distributed tables that are not co-located (a decision names
# its facts snapshot by hash; snapshots are distributed by hash). On Citus each becomes a check
# in the service (the snapshot is written first, in the same transaction, as today), or its
# table is distributed beside the one it names. Listed so that a new one is a decision, not an
# accident.
CROSSING = {
    ("consultations", "vetting_decisions"),
    ("vetting_decisions", "facts_snapshots"),
}

_KEYS = text(
    """
    SELECT c.relname AS table, i.indisprimary AS is_primary, ic.relname AS name,
           array_agg(a.attname ORDER BY k.n) AS columns
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indrelid
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_namespace s ON s.oid = c.relnamespace AND s.nspname = 'public'
    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
    WHERE i.indisunique AND c.relkind IN ('r', 'p')
    GROUP BY c.relname, i.indisprimary, ic.relname
    """
)
_TABLES = text(
    "SELECT c.relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
    "WHERE s.nspname = 'public' AND c.relkind IN ('r', 'p')"
)
_COLUMNS = text(
    "SELECT table_name, column_name, is_nullable FROM information_schema.columns "
    "WHERE table_schema = 'public'"
)
_FOREIGN = text(
    "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
    "WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace"
)


@pytest.fixture
async def catalogue(superuser_engine: AsyncEngine) -> dict[str, Any]:
    async with superuser_engine.connect() as conn:
        tables = {r[0] for r in await conn.execute(_TABLES)}
        keys = [r._asdict() for r in await conn.execute(_KEYS)]
        columns = {(r[0], r[1]): r[2] == "NO" for r in await conn.execute(_COLUMNS)}
        foreign = {(r[0], r[1]) for r in await conn.execute(_FOREIGN)}
    return {"tables": tables, "keys": keys, "not_null": columns, "foreign": foreign}


def test_every_table_is_in_exactly_one_group(catalogue: dict[str, Any]) -> None:
    groups = [set(DISTRIBUTED), REFERENCE, COORDINATOR]
    classified = set().union(*groups)
    assert sum(len(g) for g in groups) == len(classified), "a table is in two groups"
    missing = catalogue["tables"] - classified
    assert not missing, f"tables in no group (docs/partitioning.md): {sorted(missing)}"
    gone = classified - catalogue["tables"]
    assert not gone, f"groups name tables the schema does not have: {sorted(gone)}"


def test_a_distributed_tables_keys_include_its_distribution_column(
    catalogue: dict[str, Any],
) -> None:
    broken = []
    for table, column in DISTRIBUTED.items():
        assert catalogue["not_null"].get((table, column)), f"{table}.{column}: NOT NULL"
        keys = [k for k in catalogue["keys"] if k["table"] == table]
        assert any(k["is_primary"] for k in keys), f"{table} has no primary key"
        broken += [
            f"{table}: {k['name']} {k['columns']}" for k in keys if column not in k["columns"]
        ]
    assert not broken, "unique keys without the distribution column: " + "; ".join(broken)


def test_a_record_is_keyed_first_by_who_or_what_it_is_about(catalogue: dict[str, Any]) -> None:
    # The primary key leads with the distribution column: one cadre's (or unit's) rows are
    # contiguous in it, and the key serves the queries by cadre or unit.
    for table, column in {**CADRE, **UNIT}.items():
        (primary,) = [k for k in catalogue["keys"] if k["table"] == table and k["is_primary"]]
        assert primary["columns"][0] == column, f"{table}: {primary['columns']}"


def test_reference_tables_hold_nothing_per_cadre(catalogue: dict[str, Any]) -> None:
    about_cadres = {t for (t, c) in catalogue["not_null"] if c == "cadre_id"}
    assert not REFERENCE & about_cadres, "a table of records about cadres is not reference data"


def test_only_the_listed_foreign_keys_cross_groups(catalogue: dict[str, Any]) -> None:
    # Citus keeps foreign keys from distributed tables to reference tables and between
    # co-located distributed tables; not from a reference or coordinator table into a
    # distributed one, nor between distributed tables of different groups.
    co_located = [set(CADRE), set(UNIT)]
    crossing = {
        (source, target)
        for source, target in catalogue["foreign"]
        if target in DISTRIBUTED
        and (
            source not in DISTRIBUTED
            or not any(source in group and target in group for group in co_located)
        )
        and source != target
    }
    assert crossing == CROSSING
