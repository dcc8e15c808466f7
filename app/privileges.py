"""Who may do what in the database: the owner role runs migrations; the service runs as a role
that owns nothing and holds exactly the privileges below.

Every table may be read and appended to; records with legal weight (and the audit log) allow
nothing more, so as the service's role `UPDATE`, `DELETE`, `TRUNCATE`, `ALTER`, disabling a
trigger or `SET session_replication_role` all fail (the last two need the owner or a
superuser). The few operational columns that must change are listed one by one: workflow state
of a consultation and an opinion's projection (the log holds what was decided: see
app.consultations), a key's revocation time, an org unit's current row (its history is kept in
org_unit_versions), webhook delivery state, idempotency answers, document counters, an
appointment form's applied time. Rows leave only the audit queue, once logged.

`apply(...)` is run by `vetting migrate` after the migrations (and by the embedded set-up and
the test suite), so a new table gets its privileges in the same step that makes it; a test
checks every table of the models is listed here."""

from __future__ import annotations

import contextlib
import re

import asyncpg

from app.models import Base

# table -> columns the service may UPDATE ("*" for every column).
UPDATABLE: dict[str, tuple[str, ...]] = {
    "api_clients": ("revoked_at",),
    "appointment_forms": ("applied_at", "cadre_id"),
    "consultations": ("*",),
    "document_counters": ("last_serial",),
    "idempotency_keys": ("*",),
    "org_units": ("*",),
    "webhook_deliveries": ("*",),
    "webhook_subscriptions": ("*",),
}
DELETABLE: tuple[str, ...] = ("audit_queue",)
EMBEDDED_OWNER = "vetting_owner"
EMBEDDED_SERVICE = "vetting_service"
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def tables() -> list[str]:
    return [table.name for table in Base.metadata.sorted_tables]


def _role(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"database role name {name!r} must be a plain lower-case identifier")
    return f'"{name}"'


def statements(service_role: str) -> list[str]:
    """The GRANTs (after revoking everything) that give `service_role` what it needs."""
    role = _role(service_role)
    out = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"GRANT SELECT ON alembic_version TO {role}",
    ]
    for table in tables():
        out.append(f'GRANT SELECT, INSERT ON "{table}" TO {role}')
        columns = UPDATABLE.get(table)
        if columns == ("*",):
            out.append(f'GRANT UPDATE ON "{table}" TO {role}')
        elif columns:
            names = ", ".join(f'"{c}"' for c in columns)
            out.append(f'GRANT UPDATE ({names}) ON "{table}" TO {role}')
        if table in DELETABLE:
            out.append(f'GRANT DELETE ON "{table}" TO {role}')
    return out


async def apply(owner: asyncpg.Connection, service_role: str) -> None:
    """Set the service role's privileges, as the owner of the tables, in one transaction."""
    async with owner.transaction():
        for statement in statements(service_role):
            await owner.execute(statement)


async def ensure_roles(superuser: asyncpg.Connection, owner_role: str, service_role: str) -> None:
    """Create the two login roles if missing (for the embedded server and the tests), neither a
    superuser: the owner may create in the database it owns, the service may not even that."""
    for name in (owner_role, service_role):
        exists = await superuser.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name)
        if not exists:
            # made meanwhile by a concurrent set-up: as good
            with contextlib.suppress(asyncpg.DuplicateObjectError):
                await superuser.execute(
                    f"CREATE ROLE {_role(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
                )


async def hand_over(superuser: asyncpg.Connection, database: str, owner_role: str) -> None:
    """Make `owner_role` own the database and everything in its public schema (a database made
    before the roles existed was owned by the superuser)."""
    await superuser.execute(f'ALTER DATABASE "{database}" OWNER TO {_role(owner_role)}')
    await superuser.execute(
        f"""
        DO $$
        DECLARE item record;
        BEGIN
            FOR item IN SELECT c.relname FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
                  AND c.relowner <> '{owner_role}'::regrole
                  AND NOT (c.relkind = 'S' AND EXISTS (
                      SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'a'))
            LOOP
                EXECUTE format('ALTER TABLE public.%I OWNER TO {owner_role}', item.relname);
            END LOOP;
            FOR item IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = 'public' AND p.proowner <> '{owner_role}'::regrole
            LOOP
                EXECUTE format('ALTER FUNCTION %s OWNER TO {owner_role}', item.signature);
            END LOOP;
        END $$
        """
    )
