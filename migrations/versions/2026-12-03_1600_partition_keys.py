"""partition-ready keys: each versioned record's primary key leads with its table's
distribution column (the cadre, the unit, an assessment's subject), so that the step to a
distributed PostgreSQL (Citus) is configuration; a record is found by id through an
(id, version) index, which replaces the index on the distribution column the key now serves
(docs/partitioning.md)

Revision ID: 20261203_1600
Revises: 20261203_1400
Create Date: 2026-12-03 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261203_1600"
down_revision: str | None = "20261203_1400"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> its distribution column (the index on it alone is what the new primary key serves)
KEYED = {
    "accountability_cases": "cadre_id",
    "cadre_investigations": "cadre_id",
    "cadre_status_events": "cadre_id",
    "commendations": "cadre_id",
    "contributions": "cadre_id",
    "duty_performances": "cadre_id",
    "posts": "cadre_id",
    "accidents": "org_unit_id",
    "inspections": "org_unit_id",
    "supervision_items": "org_unit_id",
}
_UNIQUE = {
    "uq_assessments_cadre_kind_year": ("cadre_id", "version = 1 AND cadre_id IS NOT NULL"),
    "uq_assessments_unit_kind_year": ("org_unit_id", "version = 1 AND org_unit_id IS NOT NULL"),
}


def _rekey(table: str, columns: list[str]) -> None:
    op.drop_constraint(f"pk_{table}", table, type_="primary")
    op.create_primary_key(f"pk_{table}", table, columns)


def upgrade() -> None:
    for table, column in KEYED.items():
        _rekey(table, [column, "id", "version"])
        op.create_index(f"ix_{table}_id_version", table, ["id", "version"])
        op.drop_index(f"ix_{table}_{column}", table_name=table)
    op.add_column(
        "assessments",
        sa.Column(
            "subject_id",
            sa.Uuid(),
            sa.Computed("coalesce(cadre_id, org_unit_id)", persisted=True),
            nullable=False,
        ),
    )
    _rekey("assessments", ["subject_id", "id", "version"])
    op.create_index("ix_assessments_id_version", "assessments", ["id", "version"])
    for name, (column, where) in _UNIQUE.items():
        op.drop_index(name, table_name="assessments")
        op.create_index(
            name,
            "assessments",
            [column, "kind", "year", "subject_id"],
            unique=True,
            postgresql_where=sa.text(where),
        )


def downgrade() -> None:
    for name, (column, where) in _UNIQUE.items():
        op.drop_index(name, table_name="assessments")
        op.create_index(
            name, "assessments", [column, "kind", "year"], unique=True,
            postgresql_where=sa.text(where),
        )
    op.drop_index("ix_assessments_id_version", table_name="assessments")
    _rekey("assessments", ["id", "version"])
    op.drop_column("assessments", "subject_id")
    for table, column in KEYED.items():
        op.create_index(f"ix_{table}_{column}", table, [column])
        op.drop_index(f"ix_{table}_id_version", table_name=table)
        _rekey(table, ["id", "version"])
