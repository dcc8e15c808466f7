"""What the benchmark reads besides the load generator's timings: CPU time of a server's process
tree and of its database backends, and the bytes stored per vetting decision.

CPU time is utime + stime from /proc/<pid>/stat (through psutil) of the server's process and
all its descendants, and of every backend connected to the benchmark's database but the
harness's own, read before and after a measured run; a process that starts during the run
counts from zero, one that ends during it is lost (pools are warm by then, so none do)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import psutil


def _cpu(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system)


def tree_cpu(root_pid: int) -> dict[int, float]:
    """CPU seconds of `root_pid` and each of its descendants, by pid."""
    root = psutil.Process(root_pid)
    out: dict[int, float] = {}
    for proc in [root, *root.children(recursive=True)]:
        try:
            out[proc.pid] = _cpu(proc)
        except psutil.NoSuchProcess:
            continue
    return out


# Every backend of the database (a role that is not a superuser sees their pids, not their
# backend_type): the servers' connections, and an autovacuum worker cleaning up after them.
_BACKENDS = """
SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


async def backends_cpu(conn: asyncpg.Connection) -> dict[int, float] | None:
    """CPU seconds of the database's other backends by pid; None when the database server is
    not a process of this machine (its CPU is then not counted)."""
    out: dict[int, float] = {}
    for row in await conn.fetch(_BACKENDS):
        try:
            proc = psutil.Process(row["pid"])
            if "postgres" not in proc.name() and "postgres" not in " ".join(proc.cmdline()[:1]):
                return None
            out[proc.pid] = _cpu(proc)
        except psutil.NoSuchProcess:
            continue
        except psutil.AccessDenied:
            return None
    return out


def spent(before: dict[int, float] | None, after: dict[int, float] | None) -> float | None:
    """CPU seconds spent between two readings, by the processes alive at the second."""
    if before is None or after is None:
        return None
    return sum(max(0.0, t - before.get(pid, 0.0)) for pid, t in after.items())


# Per decision stored by the service's single checks since $1 (the floors' decisions carry the
# floors' rulebook, $2) or by batch $3: the decision row, its audit event and that event's log
# leaf (a batch has one event for all its decisions), and its facts snapshot.
_PER_DECISION = """
WITH d AS (
    SELECT v.id, v.facts_sha256, v.batch_id, pg_column_size(v.*) AS decision
    FROM vetting_decisions v
    WHERE v.evaluated_at >= $1 AND v.rulebook_sha256 <> $2 AND v.batch_id IS NOT DISTINCT FROM $3
), events AS (
    SELECT e.target_id, pg_column_size(e.*) AS event, pg_column_size(l.*) AS leaf
    FROM audit_events e LEFT JOIN audit_log l ON l.event_id = e.id
    WHERE e.occurred_at >= $1 AND e.target_kind = $4
)
SELECT d.decision, coalesce(ev.event, 0) AS event, coalesce(ev.leaf, 0) AS leaf,
       (SELECT pg_column_size(s.*) FROM facts_snapshots s WHERE s.sha256 = d.facts_sha256)
       AS snapshot
FROM d LEFT JOIN events ev ON ev.target_id = CAST(coalesce(d.batch_id, d.id) AS text)
"""
# Tables a decision adds to for good (the audit queue is emptied by the sequencer); facts parts
# (a unit's history, stored once and shared by every snapshot that names it) are counted here,
# in the growth on disk, not per decision.
STORED_TABLES = ("vetting_decisions", "facts_snapshots", "facts_parts", "audit_events", "audit_log")


@dataclass(frozen=True)
class Stored:
    """Bytes per decision. The facts snapshot is counted whole for every decision, as stored by
    a check of facts never seen before (decisions on the same facts share one: how much they
    do depends on what the database already holds, so the growth on disk is reported apart)."""

    decisions: int
    median: float  # bytes per decision, every part counted
    parts: dict[str, float]  # medians of each part

    def breakdown(self) -> str:
        return ", ".join(f"{name} {value:,.0f}" for name, value in self.parts.items())


async def stored_per_decision(
    conn: asyncpg.Connection, since: datetime, floor_sha: str, batch_id: Any = None
) -> Stored | None:
    """Bytes per decision (pg_column_size of the rows) of the service's single checks since
    `since`, or of batch `batch_id` (whose one audit event is shared by its decisions)."""
    kind = "vetting_decision" if batch_id is None else "vetting_batch"
    rows = await conn.fetch(_PER_DECISION, since, floor_sha, batch_id, kind)
    if not rows:
        return None
    shared = 1 if batch_id is None else len(rows)
    parts = {
        "decision row": [float(r["decision"]) for r in rows],
        "audit event": [r["event"] / shared for r in rows],
        "log leaf": [r["leaf"] / shared for r in rows],
        "facts snapshot": [float(r["snapshot"] or 0) for r in rows],
    }
    totals = [sum(values) for values in zip(*parts.values(), strict=True)]
    medians = {name: statistics.median(values) for name, values in parts.items()}
    return Stored(len(rows), statistics.median(totals), medians)


async def relation_bytes(conn: asyncpg.Connection) -> int:
    """On-disk size, indexes and TOAST included, of the tables decisions are stored in."""
    total = await conn.fetchval(
        "SELECT sum(pg_total_relation_size(CAST(t AS regclass))) FROM unnest($1::text[]) t",
        list(STORED_TABLES),
    )
    return int(total)
