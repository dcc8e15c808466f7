"""rulebook publication: versions submitted through the API (candidates) and their explicit,
logged activation; both append-only

Revision ID: 20261203_0940
Revises: 20261202_1400
Create Date: 2026-12-03 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261203_0940"
down_revision: str | None = "20261202_1400"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("rulebook_submissions", "rulebook_activations")


def upgrade() -> None:
    op.create_table(
        "rulebook_submissions",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rulebook_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("extends", sa.String(length=100), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column(
            "submitted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("submitted_by", sa.Uuid(), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["rulebook_texts.sha256"],
            name=op.f("fk_rulebook_submissions_sha256_rulebook_texts"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["api_clients.id"],
            name=op.f("fk_rulebook_submissions_submitted_by_api_clients"),
        ),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_rulebook_submissions")),
    )
    op.create_index(
        "uq_rulebook_submissions_version",
        "rulebook_submissions",
        ["rulebook_id", "version"],
        unique=True,
    )
    op.create_table(
        "rulebook_activations",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column(
            "activated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("activated_by", sa.Uuid(), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["rulebook_submissions.sha256"],
            name=op.f("fk_rulebook_activations_sha256_rulebook_submissions"),
        ),
        sa.ForeignKeyConstraint(
            ["activated_by"],
            ["api_clients.id"],
            name=op.f("fk_rulebook_activations_activated_by_api_clients"),
        ),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_rulebook_activations")),
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION forbid_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION forbid_change()"
        )


def downgrade() -> None:
    op.drop_table("rulebook_activations")
    op.drop_index("uq_rulebook_submissions_version", table_name="rulebook_submissions")
    op.drop_table("rulebook_submissions")
