"""Reads from PostgreSQL streaming replicas (`DATABASE_REPLICA_URLS`), honest about time.

Writes always go to the primary. A read (a dossier, a list, a record's history, the facts of a
check or a batch) takes a read-only session from `ReadRouter.session`: on a replica in rotation
when there is one, else on the primary.

- **Honest `known_at`.** A replica knows what it has replayed. A session on one carries the time
  of the last commit it had replayed when the session began (`pg_last_xact_replay_timestamp()`,
  read before any of the session's own reads): `known_now(session)` is that time, never later,
  where a session on the primary has the service's clock. A check that asks for a later
  `known_at` is read from the primary.
- **Read-your-writes.** A write answers with a consistency token: the primary's WAL insert
  position after its commit (`pg_current_wal_insert_lsn()`, at or past the commit record). A read
  sent with it goes to a replica that has replayed that far, waiting up to `replica_wait_ms` for
  one; else it is read from the primary.
- **Rotation.** Every `replica_poll_seconds` each replica's replay position is read and set
  against the primary's insert position. Its lag is the time since it was last seen to have
  replayed all the primary had written, to within a poll (the usual `now() -
  pg_last_xact_replay_timestamp()` would count an idle primary as lag). A replica that fails,
  is not in recovery (promoted: it is no longer a copy of this primary) or lags past
  `replica_max_lag_seconds` is out of rotation until a poll finds it well again.

Our own code, because what it does is ours: which replica may answer which request. Replication
itself is PostgreSQL's.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import time
from collections import Counter, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app import clock
from app.config import Settings
from app.db import create_engine, create_sessionmaker, is_database_unavailable

log = logging.getLogger(__name__)

KNOWN_UNTIL = "replica_replayed_at"  # session.info: what a replica session can know of
READ_FROM = "read_from"  # session.info: the replica's name, or PRIMARY
PRIMARY = "primary"
TOKEN_HEADER = "Consistency-Token"

LSN_PATTERN = r"^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$"  # a Consistency-Token
_LSN = re.compile(LSN_PATTERN)


def parse_lsn(value: str) -> int:
    """A PostgreSQL WAL position (`16/B374D848`) as a number; ValueError if it is not one."""
    match = _LSN.match(value.strip())
    if match is None:
        raise ValueError("not a WAL position such as 0/16B3748")
    return (int(match.group(1), 16) << 32) | int(match.group(2), 16)


def format_lsn(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


def known_now(session: AsyncSession) -> datetime:
    """ "Now", as far as what `session` reads can know: the service's clock on the primary, the
    last replayed commit's time on a replica (never later than the clock)."""
    now = clock.now()
    until: datetime | None = session.info.get(KNOWN_UNTIL)
    return now if until is None else min(now, until)


def read_from(session: AsyncSession) -> str:
    return str(session.info.get(READ_FROM, PRIMARY))


def replica_name(url: str) -> str:
    """host:port/database of a replica's URL (never its password): its name in /readyz and in
    metrics."""
    parsed = make_url(url)
    host = parsed.host or str(parsed.query.get("host", "localhost"))
    return f"{host}:{parsed.port or 5432}/{parsed.database or ''}"


@dataclass
class ReplicaHealth:
    name: str
    in_rotation: bool = False
    reason: str | None = "not checked yet"
    replay_lsn: int | None = None
    replayed_at: datetime | None = None
    lag_seconds: float | None = None
    lag_bytes: int | None = None
    checked_at: datetime | None = None

    def detail(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "in_rotation": self.in_rotation,
            "reason": self.reason,
            "replay_lsn": format_lsn(self.replay_lsn) if self.replay_lsn is not None else None,
            "replayed_at": self.replayed_at.isoformat() if self.replayed_at else None,
            "lag_seconds": round(self.lag_seconds, 3) if self.lag_seconds is not None else None,
            "lag_bytes": self.lag_bytes,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
        }


@dataclass
class Replica:
    name: str
    engine: AsyncEngine
    maker: async_sessionmaker[AsyncSession]
    health: ReplicaHealth
    caught_up_at: float | None = None  # monotonic time it was last seen caught up


_REPLAY = text(
    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, pg_last_xact_replay_timestamp()"
)
_PRIMARY_LSN = text("SELECT pg_current_wal_insert_lsn()::text")
# Polls of the primary's position kept to date a replica's replay position (a minute's worth at
# one poll a second; a replica further behind than the oldest is as late as that, at least).
_HISTORY = 120
_WAIT_STEP_SECONDS = 0.005


@dataclass
class _Reading:
    in_recovery: bool
    lsn: int | None
    replayed_at: datetime | None


def _reading(row: Any) -> _Reading:
    return _Reading(bool(row[0]), parse_lsn(row[1]) if row[1] is not None else None, row[2] or None)


@dataclass
class ReadRouter:
    """Where reads go. Built once per process (`build`); `run_forever` keeps the replicas'
    health current. Its sessions are read-only (`BEGIN READ ONLY`), on the primary as on a
    replica, so a read path that writes fails in the suite, replica or not."""

    primary_engine: AsyncEngine
    primary_reads: async_sessionmaker[AsyncSession]
    replicas: list[Replica]
    max_lag_seconds: float = 5.0
    wait_seconds: float = 0.25
    poll_seconds: float = 1.0
    sessions: Counter[tuple[str, str]] = field(default_factory=Counter)
    _positions: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=_HISTORY))
    _turn: itertools.count[int] = field(default_factory=itertools.count)

    @classmethod
    def build(cls, primary_engine: AsyncEngine, settings: Settings) -> ReadRouter:
        replicas = []
        for url in settings.database_replica_urls:
            engine = create_engine(url, settings, execution_options={"postgresql_readonly": True})
            name = replica_name(url)
            maker = create_sessionmaker(engine, settings)
            replicas.append(Replica(name, engine, maker, ReplicaHealth(name)))
        return cls(
            primary_engine,
            create_sessionmaker(
                primary_engine.execution_options(postgresql_readonly=True), settings
            ),
            replicas,
            max_lag_seconds=settings.replica_max_lag_seconds,
            wait_seconds=settings.replica_wait_ms / 1000,
            poll_seconds=settings.replica_poll_seconds,
        )

    def makers(self) -> list[async_sessionmaker[AsyncSession]]:
        """Every sessionmaker reads are served from (the composition root binds to each what
        it binds to the primary's: the rulebooks, the duty catalogue)."""
        return [self.primary_reads, *(replica.maker for replica in self.replicas)]

    # -- health ------------------------------------------------------------------------------

    async def run_forever(self) -> None:
        while self.replicas:
            try:
                await self.poll()
            except Exception:  # never let the monitor die: the next poll tries again
                log.warning("replica poll failed", exc_info=True)
            await asyncio.sleep(self.poll_seconds)

    async def poll(self) -> None:
        """Read the primary's position, then each replica's, and put each in or out of
        rotation."""
        primary: int | None = None
        try:
            async with self.primary_engine.connect() as conn:
                value = (await conn.execute(_PRIMARY_LSN)).scalar_one()
            primary = parse_lsn(value)
            self._positions.append((time.monotonic(), primary))
        except Exception as exc:  # the primary down: replicas keep their standing (`_check`)
            log.warning("replica poll: primary unavailable (%s)", type(exc).__name__)
        await asyncio.gather(*(self._check(replica, primary) for replica in self.replicas))

    async def _check(self, replica: Replica, primary: int | None) -> None:
        health = replica.health
        health.checked_at = clock.now()
        try:
            async with replica.engine.connect() as conn:
                reading = _reading((await conn.execute(_REPLAY)).one())
        except Exception as exc:
            self._out(replica, f"unreachable: {type(exc).__name__}")
            return
        health.replay_lsn, health.replayed_at = reading.lsn, reading.replayed_at
        if not reading.in_recovery or reading.lsn is None:
            self._out(replica, "not in recovery: not a replica of the primary")
            return
        now = time.monotonic()
        if primary is None:
            # The primary unreachable commits nothing: a replica's standing stays as the last
            # poll found it (its reads are all that can be served meanwhile).
            return
        health.lag_bytes = max(primary - reading.lsn, 0)
        if reading.lsn >= primary:
            replica.caught_up_at = now
        else:
            reached = [at for at, lsn in self._positions if lsn <= reading.lsn]
            oldest = self._positions[0][0]
            replica.caught_up_at = max(reached) if reached else min(oldest, now)
        health.lag_seconds = now - replica.caught_up_at
        if health.lag_seconds > self.max_lag_seconds:
            self._out(replica, f"lagging: {health.lag_seconds:.1f} s behind")
            return
        if not health.in_rotation:
            log.info("replica in rotation", extra={"replica": replica.name})
        health.in_rotation, health.reason = True, None

    def _out(self, replica: Replica, reason: str) -> None:
        if replica.health.in_rotation:
            log.warning(
                "replica out of rotation", extra={"replica": replica.name, "reason": reason}
            )
        replica.health.in_rotation, replica.health.reason = False, reason

    def detail(self) -> list[dict[str, Any]]:
        return [replica.health.detail() for replica in self.replicas]

    def standby_maker(self) -> async_sessionmaker[AsyncSession] | None:
        """Read-only sessions on a replica in rotation, for what is otherwise read on the
        primary, while the primary cannot be reached; None without one."""
        serving = self._rotation()
        return serving[0].maker if serving else None

    # -- routing -----------------------------------------------------------------------------

    def _rotation(self) -> list[Replica]:
        serving = [r for r in self.replicas if r.health.in_rotation]
        if not serving:
            return []
        start = next(self._turn) % len(serving)
        return serving[start:] + serving[:start]

    @asynccontextmanager
    async def session(
        self,
        token: int | None = None,
        known_at: datetime | None = None,
        fallback: AsyncSession | None = None,
    ) -> AsyncIterator[AsyncSession]:
        """A read-only session: on a replica in rotation that has replayed `token` (waiting for
        it up to `wait_seconds`) and, when given, commits up to `known_at` (not waited for:
        an idle primary may commit nothing for hours); else on the primary
        — `fallback` (a session the caller already has there) when given, else a new one."""
        for replica in self._rotation():
            session = await self._on_replica(replica, token, known_at)
            if session is not None:
                self.sessions[(replica.name, "in rotation")] += 1
                try:
                    yield session
                finally:
                    await asyncio.shield(session.close())
                return
        reason = "no replica" if not self.replicas else "no replica had replayed far enough"
        self.sessions[(PRIMARY, reason)] += 1
        if fallback is not None:
            yield fallback
            return
        session = self.primary_reads()
        try:
            yield session
        finally:
            await asyncio.shield(session.close())

    async def _on_replica(
        self, replica: Replica, token: int | None, known_at: datetime | None
    ) -> AsyncSession | None:
        """A session on `replica` once it has replayed `token` (and commits to `known_at`), with
        what it can know of set; None if it has not in time or cannot be reached."""
        session = replica.maker()
        try:
            ready = await self._wait_for(replica, session, token, known_at)
        except BaseException as exc:  # cancelled too: the connection goes back either way
            await asyncio.shield(session.close())
            if isinstance(exc, Exception) and is_database_unavailable(exc):
                self._out(replica, f"unreachable: {type(exc).__name__}")
                return None
            raise
        if not ready:
            await asyncio.shield(session.close())
            return None
        return session

    async def _wait_for(
        self,
        replica: Replica,
        session: AsyncSession,
        token: int | None,
        known_at: datetime | None,
    ) -> bool:
        deadline = time.monotonic() + self.wait_seconds
        while True:
            reading = _reading((await session.execute(_REPLAY)).one())
            if not reading.in_recovery or reading.lsn is None:
                self._out(replica, "not in recovery: not a replica of the primary")
                return False
            reached = token is None or reading.lsn >= token
            known = reading.replayed_at is not None and (
                known_at is None or reading.replayed_at >= known_at
            )
            if reached and known:
                session.info[KNOWN_UNTIL] = reading.replayed_at
                session.info[READ_FROM] = replica.name
                # The reading's own snapshot is over: the next statement sees at least
                # everything replayed by then (READ COMMITTED takes one per statement).
                return True
            if not known or time.monotonic() >= deadline:
                return False  # (a commit that late may never come: no waiting for one)
            await session.rollback()  # a fresh look at the replay position
            await asyncio.sleep(_WAIT_STEP_SECONDS)

    async def dispose(self) -> None:
        for replica in self.replicas:
            await replica.engine.dispose()
