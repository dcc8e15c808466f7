"""foundation: shared trigger functions for append-only tables

Revision ID: 20261129_0010
Revises:
Create Date: 2026-11-29 00:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261129_0010"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Records with legal weight are never changed in place: tables that attach this trigger
    # refuse UPDATE, DELETE and TRUNCATE (corrections are new versions).
    op.execute(
        """
        CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION forbid_change()")
