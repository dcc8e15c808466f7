"""The service's database role owns nothing and may do only what the service needs: as that
role, rewriting records or the log, dropping the triggers that guard them or switching them off
all fail; the owner role ran the migrations (app.privileges)."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from app import privileges
from app.models import Base
from tests.factories import Api

_ROLE = "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
FORBIDDEN = [
    "UPDATE accountability_cases SET id = id",
    "DELETE FROM accountability_cases",
    "TRUNCATE accountability_cases",
    "UPDATE cadres SET id_number_masked = 'x'",
    "DELETE FROM vetting_decisions",
    "UPDATE audit_events SET summary = '{}'",
    "DELETE FROM audit_events",
    "TRUNCATE audit_events CASCADE",
    "UPDATE audit_log SET idx = idx + 1",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
    "DELETE FROM audit_checkpoints",
    "UPDATE audit_tree_heads SET size = 0",
    "DELETE FROM opinion_files",
    "DELETE FROM consultations",
    "TRUNCATE consultations CASCADE",
    "DELETE FROM api_clients",
    "UPDATE api_clients SET scopes = ARRAY['admin']",
    "UPDATE api_clients SET org_unit_id = NULL",
    "ALTER TABLE accountability_cases ADD COLUMN x int",
    "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
    "ALTER TABLE audit_events DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_events_append_only ON audit_events",
    "SET session_replication_role = replica",
    "CREATE TABLE shadow (id int)",
    "CREATE OR REPLACE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RETURN NEW; END $$",
]


@pytest.mark.parametrize("statement", FORBIDDEN)
async def test_the_service_role_cannot(statement: str, engine: AsyncEngine, clean_db: None) -> None:
    async with engine.connect() as conn:
        with pytest.raises(DBAPIError) as failure:
            await conn.execute(text(statement))
        await conn.rollback()
    sqlstate = getattr(failure.value.orig, "sqlstate", None)
    # 42501 insufficient_privilege; TRUNCATE/ALTER/DROP by a non-owner say 42501 too.
    assert sqlstate == "42501", (statement, sqlstate, str(failure.value.orig))


async def test_the_service_role_owns_nothing_and_is_no_superuser(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        role = (await conn.execute(text(_ROLE))).one()
        owned = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relowner = current_user::regrole"
            )
        )
    assert tuple(role) == (False, False, False)
    assert owned == 0


async def test_what_the_service_may_change_is_what_it_needs(api: Api, engine: AsyncEngine) -> None:
    """The revocation column of a key may change; the key's scopes may not (above)."""
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE api_clients SET revoked_at = NULL WHERE false"))
        await conn.execute(text("DELETE FROM audit_queue WHERE false"))


def test_every_table_has_its_privileges_declared() -> None:
    statements = privileges.statements("someone")
    for table in Base.metadata.sorted_tables:
        assert f'GRANT SELECT, INSERT ON "{table.name}" TO "someone"' in statements
    assert set(privileges.UPDATABLE) <= {t.name for t in Base.metadata.sorted_tables}
    with pytest.raises(ValueError):
        privileges.statements('x"; DROP TABLE cadres; --')
