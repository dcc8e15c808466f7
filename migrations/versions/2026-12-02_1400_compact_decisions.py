"""compact decisions: facts parts (a unit's history stored once by its digest), split facts
snapshots that refer to them, and decision bodies in compact form

Rows stored before this keep their form (whole JSON snapshots, JSON bodies) and read as before;
a row holds exactly one form (check constraints). A split snapshot may only name parts that
are stored: checked on insert by a trigger (an array's elements cannot carry a foreign key).

Revision ID: 20261202_1400
Revises: 20261202_0100
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261202_1400"
down_revision: str | None = "20261202_0100"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "facts_parts",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column(
            "first_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_facts_parts")),
    )
    op.execute(
        "CREATE TRIGGER facts_parts_append_only BEFORE UPDATE OR DELETE ON facts_parts "
        "FOR EACH ROW EXECUTE FUNCTION forbid_change()"
    )
    op.execute(
        "CREATE TRIGGER facts_parts_no_truncate BEFORE TRUNCATE ON facts_parts "
        "FOR EACH STATEMENT EXECUTE FUNCTION forbid_change()"
    )

    op.add_column("facts_snapshots", sa.Column("compact", sa.LargeBinary(), nullable=True))
    op.add_column(
        "facts_snapshots",
        sa.Column("parts", postgresql.ARRAY(sa.String(length=64)), nullable=True),
    )
    op.alter_column("facts_snapshots", "facts", nullable=True)
    op.create_check_constraint(
        op.f("ck_facts_snapshots_one_form"),
        "facts_snapshots",
        "(facts IS NULL) = (compact IS NOT NULL)",
    )
    op.create_check_constraint(
        op.f("ck_facts_snapshots_parts_with_compact"),
        "facts_snapshots",
        "(compact IS NULL) = (parts IS NULL)",
    )
    op.execute(
        """
CREATE FUNCTION facts_parts_exist() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.parts IS NOT NULL AND EXISTS (
        SELECT 1 FROM unnest(NEW.parts) AS p(sha256)
        WHERE NOT EXISTS (SELECT 1 FROM facts_parts f WHERE f.sha256 = p.sha256)
    ) THEN
        RAISE EXCEPTION 'facts snapshot % names a facts part that is not stored', NEW.sha256
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END
$$
"""
    )
    op.execute(
        "CREATE TRIGGER facts_snapshots_parts_exist BEFORE INSERT ON facts_snapshots "
        "FOR EACH ROW EXECUTE FUNCTION facts_parts_exist()"
    )

    op.add_column(
        "vetting_decisions", sa.Column("decision_compact", sa.LargeBinary(), nullable=True)
    )
    op.alter_column("vetting_decisions", "decision", nullable=True)
    op.create_check_constraint(
        op.f("ck_vetting_decisions_one_form"),
        "vetting_decisions",
        "(decision IS NULL) = (decision_compact IS NOT NULL)",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_vetting_decisions_one_form"), "vetting_decisions")
    op.drop_column("vetting_decisions", "decision_compact")
    op.alter_column("vetting_decisions", "decision", nullable=False)
    op.execute("DROP TRIGGER facts_snapshots_parts_exist ON facts_snapshots")
    op.execute("DROP FUNCTION facts_parts_exist()")
    op.drop_constraint(op.f("ck_facts_snapshots_parts_with_compact"), "facts_snapshots")
    op.drop_constraint(op.f("ck_facts_snapshots_one_form"), "facts_snapshots")
    op.drop_column("facts_snapshots", "parts")
    op.drop_column("facts_snapshots", "compact")
    op.alter_column("facts_snapshots", "facts", nullable=False)
    op.drop_table("facts_parts")
