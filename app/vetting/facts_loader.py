"""Loads `CadreFacts` for one or many cadres in ONE set-based query (whatever the number of
cadres), as the service knew them at `known_at`.

Each record comes back as a JSON row `(kind, owner, data)` from the latest version of every
versioned table, read straight from the tables (no ORM entities): this is the hot path of every
check and of 10,000-item batches.
"""

from __future__ import annotations

import hashlib
import weakref
from bisect import bisect_left, bisect_right
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.db import Driver
from app.domain import compact
from app.vetting import repository
from app.vetting.fact_rows import (
    Row,
    accident_fact,
    accident_order,
    assessment_fact,
    case_fact,
    commendation_fact,
    contribution_fact,
    investigation_fact,
    ordered,
    post_fact,
    status_fact,
    unit_assessment_fact,
)
from app.vetting.facts_sql import FACTS_SQL, FULL_SQL, UNIT_HISTORY_SQL
from app.vetting.rules.facts import (
    AccidentFact,
    CadreFacts,
    CaseFact,
    PostFact,
    TargetPost,
    UnitAssessmentFact,
)
from app.vetting.rules.snapshot import fact_json, unit_part

# accident_fact: how a dossier shows an accident as the rules see it (part of this public API).
__all__ = ["FactsLoader", "RecordSet", "accident_fact"]


@dataclass(eq=False)
class UnitHistory:
    """A unit's accidents (in time order, with their local days, to bisect by tenure) and
    safety-work assessments as known at some time: built once, shared by every cadre who held a
    post there, and reused by later checks while the unit's history key is unchanged."""

    days: list[date]
    accidents: tuple[AccidentFact, ...]
    assessments: tuple[UnitAssessmentFact, ...]
    # Each accident's and assessment's canonical JSON, by the id of the object (held here), so
    # that snapshots splice it in instead of writing it again (`SharedFacts`).
    fragments: dict[int, Any] = field(default_factory=dict)
    # The history as a facts part (`unit_part`), its digest, and where each object sits in it.
    part: bytes = b""
    sha256: str = ""
    placed: dict[int, tuple[str, int]] = field(default_factory=dict)
    # Whether the part is known to be in the database (committed, or found there).
    stored: bool = False

    def mark_stored(self) -> None:
        """The part is in the database: its bytes are no longer needed here."""
        self.stored = True
        self.part = b""

    @classmethod
    def build(
        cls, accidents: list[Row], assessments: list[Row], accident: Callable[[Row], AccidentFact]
    ) -> UnitHistory:
        in_order = sorted((accident(r) for r in accidents), key=accident_order)
        assessed = tuple(unit_assessment_fact(r) for r in assessments)
        written = {id(f): fact_json(f) for f in (*in_order, *assessed)}
        part = unit_part([written[id(f)] for f in in_order], [written[id(f)] for f in assessed])
        sha = hashlib.sha256(part).hexdigest()
        placed = {id(f): (sha, i) for i, f in enumerate(in_order)}
        placed.update({id(f): (sha, i) for i, f in enumerate(assessed)})
        fragments = {key: orjson.Fragment(value) for key, value in written.items()}
        return cls(
            [a.occurred_on for a in in_order],
            tuple(in_order),
            assessed,
            fragments,
            part,
            sha,
            placed,
        )


class UnitHistories:
    """The units' histories this process has loaded, by (unit, time zone, history key), least
    recently used dropped first past `max_accidents` accidents held in all (the cache is bounded
    by what it keeps alive, not by its number of units)."""

    def __init__(self, max_accidents: int = 100_000) -> None:
        self.max_accidents = max_accidents
        self._held: OrderedDict[tuple[UUID, str, str], UnitHistory] = OrderedDict()
        self._accidents = 0

    def get(self, key: tuple[UUID, str, str]) -> UnitHistory | None:
        found = self._held.get(key)
        if found is not None:
            self._held.move_to_end(key)
        return found

    def put(self, key: tuple[UUID, str, str], history: UnitHistory) -> None:
        if key in self._held:
            return
        self._held[key] = history
        self._accidents += len(history.accidents) + 1
        while self._held and self._accidents > self.max_accidents:
            _, dropped = self._held.popitem(last=False)
            self._accidents -= len(dropped.accidents) + 1


# One per process: every check and batch of the process shares what any of them loaded.
UNIT_HISTORIES = UnitHistories()

# The histories alive in this process by the digest of their facts part (what a split
# snapshot names), to store the parts not stored yet (`store_parts`).
_BY_PART: weakref.WeakValueDictionary[str, UnitHistory] = weakref.WeakValueDictionary()
_PENDING_PARTS = "facts_parts_pending"
_FOUND_PARTS = "SELECT coalesce(array_agg(sha256), '{}') FROM facts_parts WHERE sha256 = ANY($1)"


async def store_parts(session: AsyncSession, named: Iterable[Sequence[str]]) -> None:
    """Store the facts parts named by split snapshots about to be stored, unless they are known
    to be stored: those found in the database are marked so at once, those inserted here once
    the session commits (a rolled-back insert leaves them unmarked, to be sent again)."""
    pending: list[UnitHistory] = session.info.get(_PENDING_PARTS, [])
    candidates: dict[str, UnitHistory] = {}
    for digests in named:
        for digest in digests:
            history = _BY_PART.get(digest)
            if history is not None and not history.stored and history not in pending:
                candidates[digest] = history
    if not candidates:
        return
    driver = await Driver.of(session)
    for digest in (await driver.fetch(_FOUND_PARTS, list(candidates)))[0][0]:
        candidates.pop(digest).mark_stored()
    if candidates:
        await repository.store_parts(
            session, {digest: compact.pack(h.part) for digest, h in candidates.items()}
        )
        session.info.setdefault(_PENDING_PARTS, []).extend(candidates.values())


@event.listens_for(Session, "after_commit")
def _parts_committed(session: Session) -> None:
    for history in session.info.pop(_PENDING_PARTS, ()):
        history.mark_stored()


@event.listens_for(Session, "after_soft_rollback")
def _parts_rolled_back(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_PENDING_PARTS, None)


@dataclass
class RecordSet:
    """The rows behind the facts of some cadres (kept for the dossier, which shows them)."""

    known_at: datetime
    people: dict[UUID, Row]
    by_owner: dict[str, dict[UUID, list[Row]]]
    # Facts of a unit's records, built once however many cadres held posts there.
    built: dict[tuple[str, UUID], tuple[Any, ...]] = field(default_factory=dict)
    # The histories of the units of the cadres' posts (checks; the dossier reads rows instead).
    histories: dict[UUID, UnitHistory] = field(default_factory=dict)

    def rows(self, kind: str, owner: UUID) -> list[Row]:
        return self.by_owner.get(kind, {}).get(owner, [])

    def fragments(self) -> dict[int, Any]:
        """The written forms of the unit histories' facts (alive as long as this is)."""
        found: dict[int, Any] = {}
        for history in self.histories.values():
            found.update(history.fragments)
        return found

    def placed(self) -> dict[int, tuple[str, int]]:
        """Where the unit histories' facts sit in their facts parts (alive as long as this is)."""
        found: dict[int, tuple[str, int]] = {}
        for history in self.histories.values():
            found.update(history.placed)
        return found

    def unit_assessments(self, unit: UUID) -> tuple[UnitAssessmentFact, ...]:
        history = self.histories.get(unit)
        if history is not None:
            return history.assessments
        key = ("unit_assessments", unit)
        if key not in self.built:
            self.built[key] = tuple(unit_assessment_fact(r) for r in self.rows(*key))
        return self.built[key]

    def unit_accidents(
        self, unit: UUID, build: Callable[[Row], AccidentFact]
    ) -> tuple[list[date], tuple[AccidentFact, ...]]:
        """A unit's accidents in time order, with their local days (to bisect by tenure)."""
        history = self.histories.get(unit)
        if history is not None:
            return history.days, history.accidents
        key = ("accidents-by-day", unit)
        if key not in self.built:
            ordered = sorted((build(r) for r in self.rows("accidents", unit)), key=accident_order)
            self.built[key] = ([a.occurred_on for a in ordered], tuple(ordered))
        days, accidents = self.built[key]
        return days, accidents


CUSTOM_PLAN_FROM = 50


def _by_owner(result: Any, people: dict[UUID, Row]) -> dict[str, dict[UUID, list[Row]]]:
    """The `(kind, owner, data)` rows by kind and owner; `person` rows into `people`."""
    by_owner: dict[str, dict[UUID, list[Row]]] = defaultdict(lambda: defaultdict(list))
    loads = orjson.loads
    owners: dict[Any, UUID] = {}  # asyncpg's UUID type, as plain uuid.UUID
    for kind, raw_owner, data in result:
        owner = owners.get(raw_owner)
        if owner is None:
            owner = owners[raw_owner] = UUID(bytes=raw_owner.bytes)
        row = loads(data)
        if kind == "person":
            people[owner] = row
        else:
            by_owner[kind][owner].append(row)
    return by_owner


class FactsLoader:
    def __init__(
        self,
        session: AsyncSession,
        timezone: str = "Asia/Shanghai",
        histories: UnitHistories = UNIT_HISTORIES,
    ) -> None:
        self.session = session
        self.timezone = timezone
        self.zone = ZoneInfo(timezone)
        self.histories = histories

    async def load(
        self,
        cadre_ids: Sequence[UUID],
        known_at: datetime,
        targets: dict[UUID, TargetPost] | None = None,
    ) -> dict[UUID, CadreFacts]:
        records = await self.fetch(cadre_ids, known_at)
        return {cid: self.facts(records, cid, targets) for cid in records.people}

    async def fetch(
        self, cadre_ids: Sequence[UUID], known_at: datetime, whole_rows: bool = False
    ) -> RecordSet:
        """The rows behind the facts; `whole_rows` adds every column (for the dossier)."""
        ids = [str(i) for i in dict.fromkeys(cadre_ids)]
        driver = await Driver.of(self.session)
        if len(ids) > CUSTOM_PLAN_FROM:
            # A generic plan suits one cadre (no planning per check) but is several times
            # slower for thousands; let a big batch be planned for its own size.
            await driver.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        result = await driver.fetch(FULL_SQL if whole_rows else FACTS_SQL, ids, known_at)
        people: dict[UUID, Row] = {}
        by_owner = _by_owner(result, people)
        records = RecordSet(known_at=known_at, people=people, by_owner=by_owner)
        if not whole_rows:
            await self._histories(driver, records, by_owner.pop("unit", {}))
        return records

    async def _histories(
        self, driver: Driver, records: RecordSet, keys: dict[UUID, list[Row]]
    ) -> None:
        """The histories of the units of `keys` (each unit's history key): from the cache, and
        those not cached in one query."""
        wanted = {
            unit: (unit, self.timezone, orjson.dumps(key[0]).decode()) for unit, key in keys.items()
        }
        missing = []
        for unit, key in wanted.items():
            found = self.histories.get(key)
            if found is None:
                missing.append(unit)
            else:
                records.histories[unit] = found
        if not missing:
            return
        rows = await driver.fetch(UNIT_HISTORY_SQL, [str(u) for u in missing], records.known_at)
        loaded = _by_owner(rows, {})
        for unit in missing:
            history = UnitHistory.build(
                loaded.get("accidents", {}).get(unit, []),
                loaded.get("unit_assessments", {}).get(unit, []),
                self._accident,
            )
            self.histories.put(wanted[unit], history)
            records.histories[unit] = history
            _BY_PART.setdefault(history.sha256, history)

    def _accident(self, row: Row) -> AccidentFact:
        return accident_fact(row, self.zone)

    def facts(
        self, records: RecordSet, cadre_id: UUID, targets: dict[UUID, TargetPost] | None = None
    ) -> CadreFacts:
        """The cadre's facts, every collection in a canonical order (so the same facts give
        the same snapshot and digest, in a batch or alone)."""
        if type(cadre_id) is not UUID:  # e.g. asyncpg's own UUID type, which no snapshot takes
            cadre_id = UUID(int=cadre_id.int)
        person = records.people[cadre_id]
        own = records.rows
        posts = ordered((post_fact(r) for r in own("posts", cadre_id)), "start_date")
        units = sorted({p.org_unit.id for p in posts}, key=str)
        cases = ordered((case_fact(r) for r in own("cases", cadre_id)), "opened_on")
        return CadreFacts(
            cadre_id=cadre_id,
            name=person["name"],
            birth_date=date.fromisoformat(person["birth_date"]),
            known_at=records.known_at,
            statuses=ordered((status_fact(r) for r in own("statuses", cadre_id)), "effective_date"),
            posts=posts,
            assessments=ordered(
                (
                    assessment_fact(r)
                    for r in own("assessments", cadre_id)
                    if r["subject"] == "cadre"
                ),
                "year",
            ),
            unit_assessments=self._assessed(records, posts, units),
            accidents=self._answerable(records, posts, units, cases),
            cases=cases,
            commendations=ordered(
                (commendation_fact(r) for r in own("commendations", cadre_id)), "year"
            ),
            contributions=ordered(
                (contribution_fact(r) for r in own("contributions", cadre_id)), "year"
            ),
            investigations=ordered(
                (investigation_fact(r) for r in own("investigations", cadre_id)), "conducted_on"
            ),
            target=(targets or {}).get(cadre_id),
        )

    @staticmethod
    def _assessed(
        records: RecordSet, posts: tuple[PostFact, ...], units: list[UUID]
    ) -> tuple[UnitAssessmentFact, ...]:
        """The safety-work assessments of the cadre's units in a year they held a post there
        (the facts query's `assessed`; in a batch it also brings other cadres' years)."""
        chosen: list[UnitAssessmentFact] = []
        for unit in units:
            spans = [
                (p.start_date.year, p.end_date.year if p.end_date else None)
                for p in posts
                if p.org_unit.id == unit
            ]
            chosen.extend(
                f
                for f in records.unit_assessments(unit)
                if any(a <= f.year and (b is None or f.year <= b) for a, b in spans)
            )
        return ordered(chosen, "year")

    def _answerable(
        self,
        records: RecordSet,
        posts: tuple[PostFact, ...],
        units: list[UUID],
        cases: tuple[CaseFact, ...],
    ) -> tuple[AccidentFact, ...]:
        """The accidents the cadre may answer for, and the rules look at no other: those in a
        unit on a day they held a post there (`record_rules.accident_holds` needs that post),
        and those their cases name (`case_rules` looks them up)."""
        chosen: list[AccidentFact] = []
        in_order = True  # each slice is in order; so is their sequence unless tenures overlap
        for post in posts:
            days, accidents = records.unit_accidents(post.org_unit.id, self._accident)
            first = bisect_left(days, post.start_date)
            last = len(days) if post.end_date is None else bisect_right(days, post.end_date)
            if first < last:
                if chosen and accident_order(chosen[-1]) >= accident_order(accidents[first]):
                    in_order = False
                chosen.extend(accidents[first:last])
        named = {c.accident_id for c in cases if c.accident_id is not None}
        for unit in units if named else ():
            chosen.extend(
                a for a in records.unit_accidents(unit, self._accident)[1] if a.id in named
            )
        if len(posts) == 1 and not named:
            return tuple(chosen)  # one tenure's slice: in order, no repeats
        if not named and len(units) == len(posts):  # one slice per unit: no repeats
            return tuple(chosen if in_order else sorted(chosen, key=accident_order))
        return tuple(sorted({a.id.int: a for a in chosen}.values(), key=accident_order))
