"""transparency log: each audit event keeps its canonical bytes and the service's MAC; an insert
trigger queues it and a sequencer logs it (audit_log, audit_tree_heads), with signed
checkpoints (audit_checkpoints). The hash chain (audit_chain, its commit-time lock and
audit_digest) is replaced: its events are carried into the log in their chain order, after the
chain is verified; an event the chain does not vouch for keeps an empty MAC and is reported by
every verification.

Revision ID: 20261202_0100
Revises: 20261201_2245
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence
from hashlib import sha256

import orjson
import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

from app.audit import entries, merkle

revision: str = "20261202_0100"
down_revision: str | None = "20261201_2245"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("audit_log", "audit_tree_heads", "audit_checkpoints")
_COLUMNS = (
    "id, occurred_at, actor_client_id, actor_name, action, target_kind, target_id, "
    "request_id, client_ip, summary"
)
# Whether each link of the old chain still matches its event (the old verification).
_CHAIN = f"""
WITH chain AS (
    SELECT c.seq, c.hash, c.prev_hash, e.{_COLUMNS.replace(", ", ", e.")},
           lag(c.hash) OVER (ORDER BY c.seq) AS previous_hash,
           lag(c.seq) OVER (ORDER BY c.seq) AS previous_seq,
           audit_digest(c.prev_hash, c.seq, e.id, e.occurred_at, e.actor_client_id,
                        e.actor_name, e.action, e.target_kind, e.target_id, e.request_id,
                        e.client_ip, e.summary) AS recomputed
    FROM audit_chain c JOIN audit_events e ON e.id = c.event_id
)
SELECT *, (hash = recomputed AND seq = coalesce(previous_seq, 0) + 1
           AND prev_hash = coalesce(previous_hash, repeat('0', 64))) AS sound
FROM chain ORDER BY seq
"""
QUEUE_TRIGGER = """
CREATE FUNCTION audit_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_queue (event_id) SELECT id FROM new_events;
    RETURN NULL;
END;
$$
"""


def _secret() -> str:
    configured = context.config.attributes.get("secret_key")
    if configured:
        return str(configured)
    from app.config import get_settings

    return get_settings().resolved_secret_key()


def upgrade() -> None:
    op.execute("DROP TRIGGER audit_events_chain ON audit_events")
    op.execute("DROP FUNCTION audit_chain()")
    op.add_column("audit_events", sa.Column("entry", sa.LargeBinary(), nullable=True))
    op.add_column("audit_events", sa.Column("mac", sa.LargeBinary(), nullable=True))
    op.create_table(
        "audit_queue",
        sa.Column("n", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column(
            "queued_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["audit_events.id"], name=op.f("fk_audit_queue_event_id_audit_events")
        ),
        sa.PrimaryKeyConstraint("n", name=op.f("pk_audit_queue")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_queue_event_id")),
    )
    op.create_table(
        "audit_log",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(), nullable=False),
        sa.Column(
            "integrated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["audit_events.id"], name=op.f("fk_audit_log_event_id_audit_events")
        ),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_log_event_id")),
    )
    op.create_table(
        "audit_tree_heads",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("compact_range", postgresql.ARRAY(sa.LargeBinary()), nullable=False),
        sa.Column(
            "made_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_audit_tree_heads")),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "signed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
    )
    op.create_index(
        op.f("ix_audit_checkpoints_size"), "audit_checkpoints", ["size"], unique=False
    )
    _carry_over_the_chain()
    op.alter_column("audit_events", "entry", nullable=False)
    op.alter_column("audit_events", "mac", nullable=False)
    op.drop_table("audit_chain")
    op.execute(
        "DROP FUNCTION audit_digest(text, bigint, uuid, timestamptz, uuid, text, text, text, "
        "text, text, text, jsonb)"
    )
    op.execute(QUEUE_TRIGGER)
    op.execute(
        "CREATE TRIGGER audit_events_enqueue AFTER INSERT ON audit_events "
        "REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION audit_enqueue()"
    )
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION forbid_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION forbid_change()"
        )


def _carry_over_the_chain() -> None:
    """Every event, in chain order (then the unchained ones by time), becomes a log entry with
    its canonical bytes; the MAC vouches only for those the chain still vouched for."""
    bind = op.get_bind()
    sealer = entries.Sealer.from_secret(_secret())
    chained = bind.execute(sa.text(_CHAIN)).mappings().all()
    stray = (
        bind.execute(
            sa.text(
                f"SELECT {_COLUMNS} FROM audit_events e WHERE NOT EXISTS "
                "(SELECT 1 FROM audit_chain c WHERE c.event_id = e.id) ORDER BY occurred_at, id"
            )
        )
        .mappings()
        .all()
    )
    rows, sound_so_far = [], True
    for row in chained:
        sound_so_far = sound_so_far and bool(row["sound"])
        rows.append((row, sound_so_far))
    rows.extend((row, False) for row in stray)
    if not rows:
        return
    bind.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    compact = merkle.CompactRange()
    for index, (row, sound) in enumerate(rows):
        event = dict(row)
        if isinstance(event["summary"], str | bytes):
            event["summary"] = orjson.loads(event["summary"])
        entry = entries.canonical(event)
        mac = sealer.mac(entry) if sound else b""
        leaf = sha256(b"\x00" + entry).digest()
        compact.append(leaf)
        bind.execute(
            sa.text("UPDATE audit_events SET entry = :entry, mac = :mac WHERE id = :id"),
            {"entry": entry, "mac": mac, "id": event["id"]},
        )
        bind.execute(
            sa.text("INSERT INTO audit_log (idx, event_id, leaf_hash) VALUES (:i, :id, :leaf)"),
            {"i": index, "id": event["id"], "leaf": leaf},
        )
    bind.execute(sa.text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
    bind.execute(
        sa.text("INSERT INTO audit_tree_heads (size, root, compact_range) VALUES (:s, :r, :c)"),
        {"s": compact.size, "r": compact.root(), "c": [d for _, d in compact.nodes]},
    )


def downgrade() -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("2026-11-29_0018_record.py")
    spec = importlib.util.spec_from_file_location("record_migration", path)
    assert spec is not None and spec.loader is not None
    record = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(record)
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
    op.execute("DROP TRIGGER audit_events_enqueue ON audit_events")
    op.execute("DROP FUNCTION audit_enqueue()")
    op.create_table(
        "audit_chain",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column(
            "sealed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["audit_events.id"], name=op.f("fk_audit_chain_event_id_audit_events")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_chain")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_chain_event_id")),
    )
    op.execute(record.AUDIT_DIGEST)
    op.execute(record.AUDIT_CHAIN)
    # The chain again, in log order (queued events after), linked by the old digest.
    op.execute(
        """
        INSERT INTO audit_chain (seq, event_id, prev_hash, hash)
        SELECT row_number() OVER (ORDER BY o.pos), o.event_id, '', '' FROM (
            SELECT idx AS pos, event_id FROM audit_log
            UNION ALL SELECT (SELECT count(*) FROM audit_log) + n, event_id FROM audit_queue
        ) o
        """
    )
    op.execute(
        """
        DO $$
        DECLARE link record; previous text := repeat('0', 64); digest text;
        BEGIN
            FOR link IN SELECT c.seq, e.* FROM audit_chain c JOIN audit_events e
                        ON e.id = c.event_id ORDER BY c.seq LOOP
                digest := audit_digest(previous, link.seq, link.id, link.occurred_at,
                    link.actor_client_id, link.actor_name, link.action, link.target_kind,
                    link.target_id, link.request_id, link.client_ip, link.summary);
                UPDATE audit_chain SET prev_hash = previous, hash = digest WHERE seq = link.seq;
                previous := digest;
            END LOOP;
        END $$
        """
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER audit_events_chain AFTER INSERT ON audit_events "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_chain()"
    )
    op.execute(
        "CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON audit_chain "
        "FOR EACH ROW EXECUTE FUNCTION forbid_change()"
    )
    op.execute(
        "CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain "
        "FOR EACH STATEMENT EXECUTE FUNCTION forbid_change()"
    )
    op.drop_index(op.f("ix_audit_checkpoints_size"), table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_tree_heads")
    op.drop_table("audit_log")
    op.drop_table("audit_queue")
    op.drop_column("audit_events", "mac")
    op.drop_column("audit_events", "entry")
