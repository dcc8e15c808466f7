"""The transparency log over the audit events: the sequencer, tree heads, signed checkpoints,
proofs and entries (RFC 9162 shapes; see app.audit.merkle and app.audit.checkpoint).

Writers never wait for the log: their events are queued by an insert trigger. `integrate` is
the sequencer (as Trillian's log signer): under a transaction-level advisory lock that only
sequencers take, it moves a batch of queued events into the log with the next indices, extends
the tree from the last head's compact range (no earlier leaf is reread), and appends the new
head. Any process may call it; a second caller finds the lock taken and returns at once."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import merkle
from app.audit.checkpoint import Checkpoint, NoteError, Signer, open_note
from app.audit.entries import FIELDS, Sealer, canonical
from app.audit.verification import LogChecker, Problem
from app.config import Settings
from app.db import Driver
from app.security.pii import derive_key

_log = logging.getLogger(__name__)
SEQUENCER_LOCK = 7302113002
BATCH = 10_000

_HEAD = "SELECT size, root, compact_range FROM audit_tree_heads ORDER BY size DESC LIMIT 1"
_QUEUED = """
SELECT q.n, e.id, e.entry FROM audit_queue q JOIN audit_events e ON e.id = q.event_id
ORDER BY q.n LIMIT $1
"""
_APPEND = """
WITH logged AS (
    INSERT INTO audit_log (idx, event_id, leaf_hash)
    SELECT l.idx, l.event_id, l.leaf_hash
    FROM unnest(CAST($1 AS bigint[]), CAST($2 AS uuid[]), CAST($3 AS bytea[]))
         AS l(idx, event_id, leaf_hash)
), head AS (
    INSERT INTO audit_tree_heads (size, root, compact_range) VALUES ($4, $5, $6)
)
DELETE FROM audit_queue WHERE n = ANY(CAST($7 AS bigint[]))
"""


def log_signer(settings: Settings) -> Signer:
    """The log's Ed25519 key, derived from the master secret (its own HKDF purpose), under the
    log's origin as key name: it never enters the database."""
    seed = derive_key(settings.resolved_secret_key(), b"cadre-vetting/audit/log")
    return Signer(seed, settings.log_origin)


@dataclass(frozen=True)
class TreeHead:
    size: int
    root: bytes
    compact: merkle.CompactRange


async def head(session: AsyncSession) -> TreeHead:
    rows = await (await Driver.of(session)).fetch(_HEAD)
    if not rows:
        return TreeHead(0, merkle.EMPTY_ROOT, merkle.CompactRange())
    size, _root, nodes = rows[0]
    try:
        compact = merkle.CompactRange.of_size(size, [bytes(n) for n in nodes])
    except ValueError:  # a damaged head: continue from the logged leaves (verify reports it)
        _log.warning("audit tree head %s is malformed; rebuilt from the log's leaves", size)
        compact = merkle.CompactRange.from_leaves(await leaf_hashes(session, size))
    return TreeHead(compact.size, compact.root(), compact)


async def integrate(session: AsyncSession, limit: int = BATCH) -> int:
    """One sequencer batch in the caller's transaction: how many events it logged (0 when the
    queue is empty or another sequencer is at work)."""
    driver = await Driver.of(session)
    locked = await driver.fetch("SELECT pg_try_advisory_xact_lock($1)", SEQUENCER_LOCK)
    if not locked[0][0]:
        return 0
    queued = await driver.fetch(_QUEUED, limit)
    if not queued:
        return 0
    current = await head(session)
    compact = current.compact
    leaves = [sha256(b"\x00" + bytes(entry)).digest() for _, _, entry in queued]
    compact.extend(leaves)
    await driver.execute(
        _APPEND,
        list(range(current.size, current.size + len(queued))),
        [event_id for _, event_id, _ in queued],
        leaves,
        compact.size,
        compact.root(),
        [digest for _, digest in compact.nodes],
        [n for n, _, _ in queued],
    )
    return len(queued)


async def integrate_all(session: AsyncSession) -> int:
    """Integrate until the queue is empty (or another sequencer holds it)."""
    total = 0
    while done := await integrate(session):
        total += done
    return total


@dataclass(frozen=True)
class SignedCheckpoint:
    id: int
    size: int
    root: bytes
    note: str
    signed_at: datetime


_LATEST_CHECKPOINT = (
    "SELECT id, size, root, note, signed_at FROM audit_checkpoints ORDER BY id DESC LIMIT 1"
)


def _signed(row: Any) -> SignedCheckpoint:
    return SignedCheckpoint(row[0], row[1], bytes(row[2]), row[3], row[4])


async def latest_checkpoint(session: AsyncSession) -> SignedCheckpoint | None:
    rows = await (await Driver.of(session)).fetch(_LATEST_CHECKPOINT)
    return _signed(rows[0]) if rows else None


async def checkpoints(session: AsyncSession, limit: int, offset: int) -> list[SignedCheckpoint]:
    rows = await (await Driver.of(session)).fetch(
        "SELECT id, size, root, note, signed_at FROM audit_checkpoints "
        "ORDER BY id DESC LIMIT $1 OFFSET $2",
        limit,
        offset,
    )
    return [_signed(r) for r in rows]


async def all_checkpoints(session: AsyncSession) -> list[SignedCheckpoint]:
    rows = await (await Driver.of(session)).fetch(
        "SELECT id, size, root, note, signed_at FROM audit_checkpoints ORDER BY id"
    )
    return [_signed(r) for r in rows]


async def sign_checkpoint(session: AsyncSession, signer: Signer) -> SignedCheckpoint:
    """Integrate what is queued and sign the head reached; the latest checkpoint is returned
    as it is when the log has not grown since."""
    await integrate_all(session)
    current = await head(session)
    latest = await latest_checkpoint(session)
    if latest is not None and latest.size == current.size:
        return latest
    note = signer.sign(Checkpoint(signer.name, current.size, current.root))
    rows = await (await Driver.of(session)).fetch(
        "INSERT INTO audit_checkpoints (size, root, note) VALUES ($1, $2, $3) "
        "RETURNING id, size, root, note, signed_at",
        current.size,
        current.root,
        note,
    )
    return _signed(rows[0])


async def leaf_hashes(session: AsyncSession, size: int) -> list[bytes]:
    """The first `size` leaf hashes, in order."""
    rows = await (await Driver.of(session)).fetch(
        "SELECT leaf_hash FROM audit_log WHERE idx < $1 ORDER BY idx", size
    )
    return [bytes(r[0]) for r in rows]


async def index_of(session: AsyncSession, event_id: UUID) -> tuple[int, bytes] | None:
    rows = await (await Driver.of(session)).fetch(
        "SELECT idx, leaf_hash FROM audit_log WHERE event_id = $1", event_id
    )
    return (rows[0][0], bytes(rows[0][1])) if rows else None


@dataclass(frozen=True)
class LogEntry:
    index: int
    event_id: UUID
    entry: bytes
    mac: bytes


async def entries(session: AsyncSession, start: int, end: int) -> list[LogEntry]:
    """The log's entries at indices [start, end): the bytes each leaf commits to."""
    rows = await (await Driver.of(session)).fetch(
        "SELECT l.idx, l.event_id, e.entry, e.mac FROM audit_log l "
        "JOIN audit_events e ON e.id = l.event_id "
        "WHERE l.idx >= $1 AND l.idx < $2 ORDER BY l.idx",
        start,
        end,
    )
    return [LogEntry(r[0], r[1], bytes(r[2]), bytes(r[3])) for r in rows]


@dataclass(frozen=True)
class Verification:
    size: int
    root: bytes
    pending: int
    checkpoint: SignedCheckpoint | None
    problem: Problem | None


_WALK = """
SELECT l.idx, l.event_id, l.leaf_hash, e.entry, e.mac, e.id, e.occurred_at, e.actor_client_id,
       e.actor_name, e.action, e.target_kind, e.target_id, e.request_id, e.client_ip,
       e.summary::text
FROM audit_log l LEFT JOIN audit_events e ON e.id = l.event_id
WHERE l.idx >= $1 ORDER BY l.idx LIMIT $2
"""
_UNLOGGED = """
SELECT e.id FROM audit_events e
WHERE NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.event_id = e.id)
  AND NOT EXISTS (SELECT 1 FROM audit_queue q WHERE q.event_id = e.id)
LIMIT 1
"""
_PENDING = (
    "SELECT e.id, e.entry, e.mac FROM audit_queue q JOIN audit_events e ON e.id = q.event_id "
    "ORDER BY q.n"
)
_WALK_PAGE = 20_000


def _stated(row: Any) -> bytes:
    """The canonical bytes of an event's columns as they are now."""
    event = dict(zip(FIELDS, row[5:15], strict=True))
    event["summary"] = orjson.loads(event["summary"])
    return canonical(event)


async def verify(session: AsyncSession, sealer: Sealer, signer: Signer) -> Verification:
    """Walk the whole log as stored: every entry against its leaf, its MAC and its columns, the
    tree against every kept checkpoint (whose signatures must verify), and every event against
    the log (none outside it but those queued, and those vouched for)."""
    driver = await Driver.of(session)
    stored = await all_checkpoints(session)
    roots_at: dict[int, bytes] = {}
    checker = LogChecker(sealer=sealer, roots_at=roots_at)
    for kept in stored:
        try:
            point = open_note(kept.note, signer.verifier())
        except NoteError:
            checker.report(
                None,
                None,
                f"checkpoint {kept.id} is not signed by the log's key (forged or altered)",
            )
            continue
        if point.origin != signer.name:
            checker.report(None, None, f"checkpoint {kept.id} names another log")
        elif roots_at.setdefault(point.size, point.root_hash) != point.root_hash:
            checker.report(None, None, f"two checkpoints of size {point.size} disagree")
    start = 0
    while rows := await driver.fetch(_WALK, start, _WALK_PAGE):
        for row in rows:
            entry = None if row[3] is None else bytes(row[3])
            checker.feed(row[0], row[1], entry, bytes(row[4] or b""), bytes(row[2]))
            if entry is not None and _stated(row) != entry:
                checker.report(
                    row[0],
                    row[1],
                    "the event's columns were altered: they no longer state its entry",
                )
        start = rows[-1][0] + 1
    checker.finish()
    pending = await driver.fetch(_PENDING)
    for event_id, entry, mac in pending:
        if not sealer.vouches_for(bytes(entry), bytes(mac)):
            checker.report(
                None,
                event_id,
                "a queued event was not written by the service: its MAC does not verify",
            )
    unlogged = await driver.fetch(_UNLOGGED)
    if unlogged:
        checker.report(
            None,
            unlogged[0][0],
            "an event is neither in the log nor queued for it (written behind its triggers)",
        )
    return Verification(
        size=checker.size,
        root=checker.compact.root(),
        pending=len(pending),
        checkpoint=stored[-1] if stored else None,
        problem=checker.problem,
    )


async def run_sequencer(
    maker: async_sessionmaker[AsyncSession], signer: Signer, settings: Settings
) -> None:
    """Keep the log up to date from a server process: integrate queued events every
    `sequencer_interval_seconds` and sign a checkpoint every `checkpoint_interval_seconds` when
    the log grew. Several processes may run it; the advisory lock lets one batch run at once."""
    last_signed = time.monotonic()
    while True:
        try:
            async with maker() as session:
                while await integrate(session):
                    await session.commit()
                await session.commit()
                if time.monotonic() - last_signed >= settings.checkpoint_interval_seconds:
                    await sign_checkpoint(session, signer)
                    await session.commit()
                    last_signed = time.monotonic()
        except asyncio.CancelledError:
            raise
        except Exception:  # the database may be down for a while: try again next round
            _log.warning("audit log sequencer round failed", exc_info=True)
        await asyncio.sleep(settings.sequencer_interval_seconds)
