"""narrow personal data kept outside the encrypted column: the new ID-number mask, no plain ID
number or birth date in stored consultation dossiers

`cadres.id_number_masked` is a display copy derived from the encrypted number; it held the old
mask (`510502********1234`), which hid exactly the birth-date digits that the same responses
showed. It is rewritten to the new mask (`51**************34`: the province and the last two
characters), derived from the old mask itself. The append-only trigger is suspended for that
one statement only: no fact of the record changes.

Consultation dossiers were stored as compiled for the requester, so an admin's request left the
full ID number (and the birth date) in `consultations.dossier`. They are narrowed the same way;
a reader with `pii:read` gets the full values from the encrypted column when reading.

Revision ID: 20261201_2200
Revises: 20261201_0950
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261201_2200"
down_revision: str | None = "20261201_0950"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MASK = "left({v}, 2) || repeat('*', length({v}) - 4) || right({v}, 2)"


def upgrade() -> None:
    op.execute("ALTER TABLE cadres DISABLE TRIGGER cadres_append_only")
    op.execute(f"UPDATE cadres SET id_number_masked = {_MASK.format(v='id_number_masked')}")
    op.execute("ALTER TABLE cadres ENABLE TRIGGER cadres_append_only")
    number = "(dossier::jsonb #>> '{cadre,id_number}')"
    born = "(dossier::jsonb #>> '{cadre,birth_date}')"
    op.execute(
        f"""
        UPDATE consultations SET dossier = jsonb_set(
            jsonb_set(
                jsonb_set(dossier::jsonb, '{{cadre,id_number}}', to_jsonb({_MASK.format(v=number)})),
                '{{cadre,birth_month}}', to_jsonb(left({born}, 7))),
            '{{cadre,birth_date}}', 'null'::jsonb)::json
        WHERE dossier IS NOT NULL AND {number} IS NOT NULL AND {born} IS NOT NULL
        """
    )


def downgrade() -> None:
    # The plain values are not put back: they live only in the encrypted column.
    pass
