"""opinion files: the exact PDF and HTML bytes of an issued opinion, kept and served byte for
byte, so the file a recipient holds verifies by its own SHA-256

Revision ID: 20261201_2245
Revises: 20261201_2200
Create Date: 2026-12-01 22:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261201_2245"
down_revision: str | None = "20261201_2200"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "opinion_files",
        sa.Column("consultation_id", sa.Uuid(), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_opinion_files_consultation_id_consultations"),
        ),
        sa.PrimaryKeyConstraint("consultation_id", "format", name=op.f("pk_opinion_files")),
        sa.UniqueConstraint("sha256", name=op.f("uq_opinion_files_sha256")),
    )
    op.execute(
        "CREATE TRIGGER opinion_files_append_only BEFORE UPDATE OR DELETE ON opinion_files "
        "FOR EACH ROW EXECUTE FUNCTION forbid_change()"
    )
    op.execute(
        "CREATE TRIGGER opinion_files_no_truncate BEFORE TRUNCATE ON opinion_files "
        "FOR EACH STATEMENT EXECUTE FUNCTION forbid_change()"
    )


def downgrade() -> None:
    op.drop_table("opinion_files")
