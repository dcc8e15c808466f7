"""duty lists: the duties an accountability case names as not performed, duty-performance
records (履职评定, versioned and append-only like every record) and the references of
investigations and assessments to the one they relied on

Revision ID: 20261203_1400
Revises: 20261203_0940
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261203_1400"
down_revision: str | None = "20261203_0940"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "accountability_cases",
        sa.Column(
            "breached_duties",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
    )
    for table in ("cadre_investigations", "assessments"):
        op.add_column(table, sa.Column("duty_performance_id", sa.Uuid(), nullable=True))
    op.create_table(
        "duty_performances",
        sa.Column("cadre_id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=True),
        sa.Column("entries", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "change",
            sa.Enum(
                "created",
                "amended",
                "revoked",
                name="change_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("change_reason", sa.String(length=2000), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cadre_id"], ["cadres.id"], name=op.f("fk_duty_performances_cadre_id_cadres")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["api_clients.id"],
            name=op.f("fk_duty_performances_recorded_by_api_clients"),
        ),
        sa.PrimaryKeyConstraint("id", "version", name=op.f("pk_duty_performances")),
    )
    op.create_index(
        op.f("ix_duty_performances_cadre_id"), "duty_performances", ["cadre_id"], unique=False
    )
    op.create_index(
        op.f("ix_duty_performances_post_id"), "duty_performances", ["post_id"], unique=False
    )
    op.execute(
        "CREATE TRIGGER duty_performances_append_only BEFORE UPDATE OR DELETE ON "
        "duty_performances FOR EACH ROW EXECUTE FUNCTION forbid_change()"
    )
    op.execute(
        "CREATE TRIGGER duty_performances_no_truncate BEFORE TRUNCATE ON duty_performances "
        "FOR EACH STATEMENT EXECUTE FUNCTION forbid_change()"
    )


def downgrade() -> None:
    op.drop_table("duty_performances")
    for table in ("cadre_investigations", "assessments"):
        op.drop_column(table, "duty_performance_id")
    op.drop_column("accountability_cases", "breached_duties")
