"""Benchmark of the audit transparency log (app/audit/log.py) against the hash chain it replaced.
Run from the repository root:

    .venv/bin/python bench/audit_log_bench.py                            # 32 clients, 10 s, 1M
    .venv/bin/python bench/audit_log_bench.py --events 20000 --seconds 3   # quick run
    .venv/bin/python bench/audit_log_bench.py --database-url postgresql://postgres@host:5432/postgres

Needs a PostgreSQL superuser (it creates two scratch databases `bench_auditlog_<random>_log`
and `…_chain` and drops them at the end). Prints:

1. sustained single-event write transactions (BEGIN; INSERT one event; COMMIT) from N concurrent
   connections for a fixed time, same data on both designs, in the same run:
   - the new log, schema from the real migrations, rows from `app.audit.service` (entry + MAC),
     with the service's sequencer (`app.audit.log.integrate`) running concurrently, and its lag;
   - the old chain, an independent baseline defined below (tables, `audit_digest` and the
     deferred constraint trigger taking `pg_advisory_xact_lock(7302113001)` at commit, as in
     migrations/versions/2026-11-29_0018_record.py), none of the new code in its schema or SQL;
2. the log filled to --events events: the sequencer's throughput, then an auditor's walk over
   every entry (`app.audit.log.entries` pages fed to `LogChecker`) split into fetch and
   hashing+MAC+tree, and the service's own full verification (`app.audit.log.verify`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from sqlalchemy.engine import URL, make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-key-0123456789abcdefghijklmnop"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PAGE = 10_000  # the auditor's page of entries
GENERATE_BATCH = 10_000  # events per INSERT when filling the log

# ---------------------------------------------------------------------------------------------
# The old design, as it was (2026-11-29_0018_record.py and forbid_change of 0010_foundation):
# copied as text so that the baseline depends on none of the new code.

OLD_FORBID_CHANGE = """
CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$
"""
OLD_TABLES = [
    """
    CREATE TABLE audit_events (
        id uuid NOT NULL,
        occurred_at timestamptz DEFAULT now() NOT NULL,
        actor_client_id uuid,
        actor_name varchar(200) NOT NULL,
        action varchar(80) NOT NULL,
        target_kind varchar(60) NOT NULL,
        target_id varchar(80),
        request_id varchar(128),
        client_ip varchar(64),
        summary jsonb NOT NULL,
        CONSTRAINT pk_audit_events PRIMARY KEY (id)
    )
    """,
    "CREATE INDEX ix_audit_events_actor ON audit_events (actor_client_id, occurred_at)",
    "CREATE INDEX ix_audit_events_occurred_at ON audit_events (occurred_at)",
    "CREATE INDEX ix_audit_events_target ON audit_events (target_kind, target_id)",
    "CREATE INDEX ix_audit_events_request ON audit_events (request_id)",
    """
    CREATE TABLE audit_chain (
        seq bigint NOT NULL,
        event_id uuid NOT NULL,
        prev_hash varchar(64) NOT NULL,
        hash varchar(64) NOT NULL,
        sealed_at timestamptz DEFAULT clock_timestamp() NOT NULL,
        CONSTRAINT pk_audit_chain PRIMARY KEY (seq),
        CONSTRAINT uq_audit_chain_event_id UNIQUE (event_id),
        CONSTRAINT fk_audit_chain_event_id_audit_events FOREIGN KEY (event_id)
            REFERENCES audit_events (id)
    )
    """,
]
OLD_AUDIT_DIGEST = """
CREATE FUNCTION audit_digest(
    prev_hash text, seq bigint, id uuid, occurred_at timestamptz, actor_client_id uuid,
    actor_name text, action text, target_kind text, target_id text, request_id text,
    client_ip text, summary jsonb
) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(concat_ws(chr(31),
        prev_hash, seq::text, id::text,
        to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        coalesce(actor_client_id::text, ''), actor_name, action, target_kind,
        coalesce(target_id, ''), coalesce(request_id, ''), coalesce(client_ip, ''),
        summary::text), 'UTF8')), 'hex')
$$
"""
OLD_AUDIT_CHAIN = """
CREATE FUNCTION audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    previous text;
BEGIN
    PERFORM pg_advisory_xact_lock(7302113001);
    SELECT seq, hash INTO last_seq, previous FROM audit_chain ORDER BY seq DESC LIMIT 1;
    last_seq := coalesce(last_seq, 0) + 1;
    previous := coalesce(previous, repeat('0', 64));
    INSERT INTO audit_chain (seq, event_id, prev_hash, hash)
    VALUES (last_seq, NEW.id, previous, audit_digest(previous, last_seq, NEW.id,
        NEW.occurred_at, NEW.actor_client_id, NEW.actor_name, NEW.action, NEW.target_kind,
        NEW.target_id, NEW.request_id, NEW.client_ip, NEW.summary));
    RETURN NULL;
END;
$$
"""
OLD_TRIGGERS = [
    "CREATE CONSTRAINT TRIGGER audit_events_chain AFTER INSERT ON audit_events "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_chain()",
    *(
        sql
        for table in ("audit_events", "audit_chain")
        for sql in (
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION forbid_change()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION forbid_change()",
        )
    ),
]
OLD_SCHEMA = [OLD_FORBID_CHANGE, *OLD_TABLES, OLD_AUDIT_DIGEST, OLD_AUDIT_CHAIN, *OLD_TRIGGERS]
OLD_COLUMNS = (
    "id",
    "occurred_at",
    "actor_client_id",
    "actor_name",
    "action",
    "target_kind",
    "target_id",
    "request_id",
    "client_ip",
    "summary",
)
_OLD_TYPES = ("uuid", "timestamptz", "uuid", *["text"] * 7)
# The old writer's statement: the same unnest shape as the new one, without entry and mac.
OLD_INSERT = (
    f"INSERT INTO audit_events ({', '.join(OLD_COLUMNS)}) SELECT "
    + ", ".join("CAST(e.summary AS jsonb)" if c == "summary" else f"e.{c}" for c in OLD_COLUMNS)
    + " FROM unnest("
    + ", ".join(f"CAST(${i + 1} AS {t}[])" for i, t in enumerate(_OLD_TYPES))
    + f") AS e({', '.join(OLD_COLUMNS)})"
)


def old_args(row: dict[str, Any]) -> list[list[Any]]:
    return [[orjson.dumps(row[c]).decode() if c == "summary" else row[c]] for c in OLD_COLUMNS]


# ---------------------------------------------------------------------------------------------
# Databases


def urls(server: str, database: str) -> tuple[str, str]:
    """The asyncpg DSN and the SQLAlchemy (postgresql+asyncpg) URL of `database` on `server`."""
    base: URL = make_url(server).set(database=database)
    plain = base.set(drivername="postgresql").render_as_string(hide_password=False)
    alchemy = base.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    return plain, alchemy


async def admin(server: str, *statements: str) -> None:
    conn = await asyncpg.connect(urls(server, make_url(server).database or "postgres")[0])
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


async def server_facts(dsn: str) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        version = await conn.fetchval("SHOW server_version")
        facts = [
            f"{name}={await conn.fetchval(f'SHOW {name}')}"
            for name in ("synchronous_commit", "fsync", "wal_sync_method", "commit_delay")
        ]
    finally:
        await conn.close()
    return f"PostgreSQL {version}, " + ", ".join(facts)


# ---------------------------------------------------------------------------------------------
# Event rows (the same for both designs)

PURPOSES = ("promotion", "important_use", "commendation", "appointment")
OUTCOMES = ("eligible", "ineligible", "eligible_with_conditions")


class Events:
    """Audit events as the service writes a single vetting check's: rows from `event_row`."""

    def __init__(self, seed: int) -> None:
        from app.audit.service import event_row, insert_args
        from app.context import system_context
        from app.security.sealer import Sealer

        self._event_row = event_row
        self._insert_args = insert_args
        self.sealer = Sealer.from_secret(SECRET)
        self.ctx = system_context("bench")
        self.rng = random.Random(seed)
        self.cadres = [uuid.UUID(int=self.rng.getrandbits(128), version=4) for _ in range(1000)]

    def row(self) -> dict[str, Any]:
        rng = self.rng
        summary = {
            "cadre_id": rng.choice(self.cadres),
            "purpose": rng.choice(PURPOSES),
            "as_of": date(2026, 12, 2),
            "outcome": rng.choice(OUTCOMES),
            "eligible_from": None,
        }
        return self._event_row(
            self.sealer,
            self.ctx,
            "vetting_decision.created",
            "vetting_decision",
            uuid.uuid4(),
            summary,
        )

    def new_args(self, count: int) -> list[list[Any]]:
        """The arrays of the service's own INSERT (`insert_sql(1)`) for `count` new events."""
        return self._insert_args([self.row() for _ in range(count)])


# ---------------------------------------------------------------------------------------------
# 1. Sustained single-event writes


@dataclass
class WriteResult:
    commits: int
    elapsed: float
    latencies: list[float]
    cpu: float  # this process's CPU seconds meanwhile (clients, and the sequencer task if any)
    others: str = ""  # other clients of the server (it may be shared), before and after

    @property
    def rate(self) -> float:
        return self.commits / self.elapsed

    def percentile(self, p: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000


_OTHERS = (
    "SELECT count(*), count(*) FILTER (WHERE state = 'active') FROM pg_stat_activity "
    "WHERE backend_type = 'client backend' AND datname NOT LIKE 'bench_auditlog_%'"
)


async def drive_writes(
    dsn: str,
    clients: int,
    seconds: float,
    statement: str,
    make_args: Callable[[], list[list[Any]]],
) -> WriteResult:
    """`clients` connections, each committing one-event transactions until `seconds` pass."""
    conns = await asyncio.gather(*(asyncpg.connect(dsn) for _ in range(clients)))
    latencies: list[float] = []
    try:
        for conn in conns:  # prepare once, outside the measure
            await conn.prepare(statement)
        others = [await conns[0].fetchrow(_OTHERS)]
        started, cpu = time.perf_counter(), time.process_time()
        deadline = started + seconds

        async def client(conn: asyncpg.Connection) -> None:
            while time.perf_counter() < deadline:
                args = make_args()
                begun = time.perf_counter()
                async with conn.transaction():
                    await conn.execute(statement, *args)
                latencies.append(time.perf_counter() - begun)

        await asyncio.gather(*(client(c) for c in conns))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        others.append(await conns[0].fetchrow(_OTHERS))
    finally:
        await asyncio.gather(*(c.close() for c in conns))
    seen = " -> ".join(f"{n} ({a} active)" for n, a in others)
    return WriteResult(len(latencies), elapsed, latencies, cpu, seen)


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`, or less when `stop` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


@dataclass
class SequencerStats:
    events: int = 0
    batches: int = 0
    busy: float = 0.0
    failures: list[BaseException] = field(default_factory=list)


async def sequencer(
    maker: Any, stop: asyncio.Event, interval: float, stats: SequencerStats
) -> None:
    """The sequencer as a server process runs it (app.audit.log.run_sequencer): batches in
    their own transactions while there is work, then a pause of the configured interval."""
    from app.audit.log import integrate

    while not stop.is_set():
        try:
            async with maker() as session:
                while True:
                    begun = time.perf_counter()
                    done = await integrate(session)
                    await session.commit()
                    if not done:
                        break
                    stats.events += done
                    stats.batches += 1
                    stats.busy += time.perf_counter() - begun
        except Exception as exc:  # reported at the end; a real sequencer would retry too
            stats.failures.append(exc)
        await pause(stop, interval)


@dataclass
class Lag:
    max_queue: int = 0
    max_age: float = 0.0


_QUEUE = (
    "SELECT count(*), coalesce(extract(epoch FROM clock_timestamp() - min(queued_at)), 0) "
    "FROM audit_queue"
)


async def watch_queue(dsn: str, stop: asyncio.Event, lag: Lag) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        while not stop.is_set():
            count, age = await conn.fetchrow(_QUEUE)
            lag.max_queue = max(lag.max_queue, count)
            lag.max_age = max(lag.max_age, float(age))
            await pause(stop, 0.25)
    finally:
        await conn.close()


async def writes_new(
    dsn: str, maker: Any, interval: float, args: argparse.Namespace
) -> tuple[WriteResult, str]:
    from app.audit.service import insert_sql

    events = Events(seed=1)
    statement = insert_sql(1)
    stats, lag = SequencerStats(), Lag()
    stop_seq, stop_watch = asyncio.Event(), asyncio.Event()
    seq_task = asyncio.create_task(sequencer(maker, stop_seq, interval, stats))
    await drive_writes(dsn, args.clients, args.warmup, statement, lambda: events.new_args(1))
    watch_task = asyncio.create_task(watch_queue(dsn, stop_watch, lag))
    before, batches_before, busy_before = stats.events, stats.batches, stats.busy
    result = await drive_writes(
        dsn, args.clients, args.seconds, statement, lambda: events.new_args(1)
    )
    ended = time.perf_counter()
    stop_watch.set()
    await watch_task
    conn = await asyncpg.connect(dsn)
    try:
        at_end, age_at_end = await conn.fetchrow(_QUEUE)
        while (await conn.fetchval("SELECT count(*) FROM audit_queue")) > 0:
            if time.perf_counter() - ended > 120:
                raise SystemExit("the sequencer did not drain the queue in 120 s")
            await asyncio.sleep(0.005)
        drained = time.perf_counter() - ended
        stop_seq.set()
        await seq_task
        logged, written = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM audit_log), (SELECT count(*) FROM audit_events)"
        )
    finally:
        await conn.close()
    if stats.failures:
        raise SystemExit(f"sequencer failed: {stats.failures[0]!r}")
    assert logged == written, f"{written} events written but {logged} logged"
    during, batches = stats.events - before, stats.batches - batches_before
    in_batch = stats.busy - busy_before  # wall time, shared with the clients' event loop
    note = (
        f"queue at end {at_end:,} (oldest {float(age_at_end) * 1000:.0f} ms), drained in "
        f"{drained:.2f} s; max queue seen {lag.max_queue:,} (oldest {lag.max_age * 1000:.0f} ms); "
        f"sequencer from the start of the run to drained: {during:,} events in {batches:,} "
        f"batches (mean {during / max(batches, 1):,.0f}), in-batch wall time {in_batch:.2f} s; "
        f"{logged:,} events logged in all (with the warm-up)"
    )
    return result, note


async def writes_old(dsn: str, args: argparse.Namespace) -> tuple[WriteResult, str]:
    events = Events(seed=1)
    await drive_writes(dsn, args.clients, args.warmup, OLD_INSERT, lambda: old_args(events.row()))
    result = await drive_writes(
        dsn, args.clients, args.seconds, OLD_INSERT, lambda: old_args(events.row())
    )
    conn = await asyncpg.connect(dsn)
    try:
        chained, top, written = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM audit_chain), (SELECT max(seq) FROM audit_chain), "
            "(SELECT count(*) FROM audit_events)"
        )
    finally:
        await conn.close()
    assert chained == written == top, f"{written} events, {chained} links, last seq {top}"
    return result, f"{chained:,} events chained in all (with the warm-up), gapless"


async def writes_plain(dsn: str, args: argparse.Namespace) -> tuple[WriteResult, str]:
    """The ceiling: the new INSERT into a copy of audit_events with no trigger at all."""
    from app.audit.service import insert_sql

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("CREATE TABLE bench_plain_events (LIKE audit_events INCLUDING ALL)")
    finally:
        await conn.close()
    events = Events(seed=1)
    statement = insert_sql(1).replace(
        "INSERT INTO audit_events ", "INSERT INTO bench_plain_events "
    )
    assert "bench_plain_events" in statement
    await drive_writes(dsn, args.clients, args.warmup, statement, lambda: events.new_args(1))
    result = await drive_writes(
        dsn, args.clients, args.seconds, statement, lambda: events.new_args(1)
    )
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DROP TABLE bench_plain_events")
    finally:
        await conn.close()
    return result, "a copy of audit_events (LIKE … INCLUDING ALL: same indexes) without triggers"


def write_line(label: str, result: WriteResult, args: argparse.Namespace, note: str) -> str:
    return (
        f"writes  {label:<36} {result.rate:8,.0f} commits/s  p50 {result.percentile(50):6.1f} ms"
        f"  p99 {result.percentile(99):6.1f} ms  ({args.clients} clients, {args.seconds:g} s; "
        f"{result.commits:,} commits; bench process CPU {result.cpu:.1f} s; other sessions on "
        f"the server {result.others})\n        {note}"
    )


# ---------------------------------------------------------------------------------------------
# 2. Filling the log and verifying it


async def fill(dsn: str, count: int) -> float:
    """Insert `count` events with the service's INSERT, 10,000 a statement; the next batch's rows
    are built in a thread while the current one is sent."""
    from app.audit.service import insert_sql

    events = Events(seed=2)
    statement = insert_sql(1)
    conn = await asyncpg.connect(dsn)
    started = time.perf_counter()
    try:
        made = 0
        pending = asyncio.create_task(
            asyncio.to_thread(events.new_args, min(GENERATE_BATCH, count))
        )
        while made < count:
            batch = await pending
            made += len(batch[0])
            if made < count:
                pending = asyncio.create_task(
                    asyncio.to_thread(events.new_args, min(GENERATE_BATCH, count - made))
                )
            await conn.execute(statement, *batch)
    finally:
        await conn.close()
    return time.perf_counter() - started


async def integrate_until_drained(maker: Any) -> tuple[int, list[float], float]:
    """Sequencer batches, each committed, until the queue is empty: events, batch times, total."""
    from app.audit.log import integrate

    events, times = 0, []
    started = time.perf_counter()
    async with maker() as session:
        while True:
            begun = time.perf_counter()
            done = await integrate(session)
            await session.commit()
            if not done:
                break
            times.append(time.perf_counter() - begun)
            events += done
    return events, times, time.perf_counter() - started


@dataclass
class AuditorTimes:
    size: int
    fetch: float
    check: float
    total: float
    leaf: float
    mac: float
    tree: float


async def auditor(maker: Any, sealer: Any) -> AuditorTimes:
    """What an auditor does: read every entry in index order, page by page, and check it."""
    from app.audit import merkle
    from app.audit.log import entries, head
    from app.audit.verification import LogChecker

    fetch = check = leaf_t = mac_t = tree_t = 0.0
    started = time.perf_counter()
    async with maker() as session:
        current = await head(session)
        checker = LogChecker(sealer=sealer, roots_at={current.size: current.root})
        apart = merkle.CompactRange()
        for start in range(0, current.size, PAGE):
            t0 = time.perf_counter()
            page = await entries(session, start, min(start + PAGE, current.size))
            t1 = time.perf_counter()
            for e in page:
                checker.feed(e.index, e.event_id, e.entry, e.mac)
            t2 = time.perf_counter()
            fetch += t1 - t0
            check += t2 - t1
            # The same work again, apart, to split it (not counted in the totals).
            leaves = [merkle.leaf_hash(e.entry) for e in page]
            t3 = time.perf_counter()
            for e in page:
                sealer.vouches_for(e.entry, e.mac)
            t4 = time.perf_counter()
            apart.extend(leaves)
            t5 = time.perf_counter()
            leaf_t += t3 - t2
            mac_t += t4 - t3
            tree_t += t5 - t4
        t0 = time.perf_counter()
        checker.finish()
        check += time.perf_counter() - t0
        await session.commit()
    total = time.perf_counter() - started - (leaf_t + mac_t + tree_t)
    assert checker.problem is None, checker.problem
    assert checker.size == current.size and checker.compact.root() == current.root
    assert apart.root() == current.root
    return AuditorTimes(current.size, fetch, check, total, leaf_t, mac_t, tree_t)


async def log_part(dsn: str, maker: Any, settings: Any, args: argparse.Namespace) -> list[str]:
    from app.audit.log import log_signer, sign_checkpoint, verify
    from app.security.sealer import Sealer

    lines = []
    conn = await asyncpg.connect(dsn)
    try:
        have = await conn.fetchval("SELECT count(*) FROM audit_events")
    finally:
        await conn.close()
    add = max(0, args.events - have)
    print(
        f"filling the log to {args.events:,} events ({have:,} there, adding {add:,}) …", flush=True
    )
    filled = await fill(dsn, add) if add else 0.0
    lines.append(
        f"fill    {add:,} events built with event_row and inserted 10,000 a statement: "
        f"{filled:.1f} s ({add / filled if filled else 0:,.0f} events/s; the insert trigger "
        "queued them)"
    )
    logged, batches, took = await integrate_until_drained(maker)
    spread = (
        f"; batch first {batches[0] * 1000:.0f} ms, median "
        f"{statistics.median(batches) * 1000:.0f} ms, last {batches[-1] * 1000:.0f} ms, "
        f"max {max(batches) * 1000:.0f} ms"
        if batches
        else ""
    )
    lines.append(
        f"sequencer  integrate() until drained: {logged:,} events in {len(batches):,} batches, "
        f"{took:.1f} s  ({logged / took if took else 0:,.0f} events/s{spread})"
    )
    sealer = Sealer.from_secret(SECRET)
    times = await auditor(maker, sealer)
    lines.append(
        f"auditor  {times.size:,} entries, pages of {PAGE:,}: fetch {times.fetch:.2f} s + "
        f"hashing+MAC+tree {times.check:.2f} s = total {times.total:.2f} s  "
        f"({times.size / times.total:,.0f} events/s)\n"
        f"         apart: leaf hashes {times.leaf:.2f} s, MACs {times.mac:.2f} s, "
        f"compact range {times.tree:.2f} s; no problem, root matches the head"
    )
    signer = log_signer(settings)
    async with maker() as session:
        checkpoint = await sign_checkpoint(session, signer)
        await session.commit()
    started = time.perf_counter()
    async with maker() as session:
        result = await verify(session, sealer, signer)
        await session.commit()
    took = time.perf_counter() - started
    assert result.problem is None, result.problem
    assert result.size == checkpoint.size == times.size and result.pending == 0, result
    lines.append(
        f"verify   app.audit.log.verify over {result.size:,} entries (checkpoint "
        f"{checkpoint.size:,}): {took:.2f} s  ({result.size / took:,.0f} events/s); no problem"
    )
    return lines


# ---------------------------------------------------------------------------------------------


async def bench(
    log_db: tuple[str, str], chain_db: tuple[str, str], args: argparse.Namespace
) -> None:
    from app.config import Settings
    from app.db import create_engine, create_sessionmaker

    print(await server_facts(log_db[0]), flush=True)
    settings = Settings(database_url=log_db[1], secret_key=SECRET)
    engine = create_engine(log_db[1], settings)
    maker = create_sessionmaker(engine, settings)
    interval = settings.sequencer_interval_seconds
    try:
        print(
            f"writes: {args.clients} clients, one event per transaction, {args.warmup:g} s "
            f"warm-up then {args.seconds:g} s each: old chain, new log, then the bare INSERT"
            + (f", {args.rounds} rounds" if args.rounds > 1 else "")
            + " …",
            flush=True,
        )
        olds, news, plains = [], [], []
        for round_ in range(1, args.rounds + 1):
            old, old_note = await writes_old(chain_db[0], args)
            new, new_note = await writes_new(log_db[0], maker, interval, args)
            plain, plain_note = await writes_plain(log_db[0], args)
            olds.append(old.rate)
            news.append(new.rate)
            plains.append(plain.rate)
            print(f"\nround {round_}" if args.rounds > 1 else "")
            print(write_line("old chain (commit-time lock):", old, args, old_note))
            print(write_line(f"new log (queue + sequencer, {interval:g} s):", new, args, new_note))
            print(write_line("reference: bare INSERT, no trigger:", plain, args, plain_note))
            print(
                f"writes  ratio new/old: {new.rate / old.rate:.2f}x commits/s, p99 "
                f"{new.percentile(99):.1f} ms vs {old.percentile(99):.1f} ms",
                flush=True,
            )
        if args.rounds > 1:
            old_rate, new_rate = statistics.median(olds), statistics.median(news)
            print(
                f"\nwrites  median of {args.rounds} rounds: old chain {old_rate:,.0f}, new log "
                f"{new_rate:,.0f}, bare INSERT {statistics.median(plains):,.0f} commits/s; "
                f"ratio new/old {new_rate / old_rate:.2f}x (per round: "
                + ", ".join(f"{n / o:.2f}x" for n, o in zip(news, olds, strict=True))
                + ")",
                flush=True,
            )
        print()
        for line in await log_part(log_db[0], maker, settings, args):
            print(line, flush=True)
    finally:
        await engine.dispose()


def run(coro: Coroutine[Any, Any, None]) -> None:
    try:
        import uvloop
    except ImportError:
        asyncio.run(coro)
    else:
        uvloop.run(coro)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=DEFAULT_URL, help="a superuser's URL")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument(
        "--rounds", type=int, default=1, help="repeat the three write runs, interleaved"
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    # The migrations seal carried-over events with the master secret (from the environment).
    os.environ["VETTING_SECRET_KEY"] = SECRET
    from app.config import get_settings
    from app.runtime import migrate

    get_settings.cache_clear()
    name = f"bench_auditlog_{secrets.token_hex(4)}"
    log_db, chain_db = (
        urls(args.database_url, f"{name}_log"),
        urls(args.database_url, f"{name}_chain"),
    )
    run(
        admin(args.database_url, f'CREATE DATABASE "{name}_log"', f'CREATE DATABASE "{name}_chain"')
    )
    try:
        started = time.perf_counter()
        migrate(log_db[1])

        async def old_schema() -> None:
            conn = await asyncpg.connect(chain_db[0])
            try:
                for sql in OLD_SCHEMA:
                    await conn.execute(sql)
            finally:
                await conn.close()

        run(old_schema())
        print(
            f"databases {name}_log (migrations) and {name}_chain (old design) ready in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        run(bench(log_db, chain_db, args))
    finally:
        run(
            admin(
                args.database_url,
                f'DROP DATABASE IF EXISTS "{name}_log" WITH (FORCE)',
                f'DROP DATABASE IF EXISTS "{name}_chain" WITH (FORCE)',
            )
        )


if __name__ == "__main__":
    main()
