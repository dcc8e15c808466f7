"""Loads `CadreFacts` for one or many cadres in ONE set-based query (whatever the number of
cadres), as the service knew them at `known_at`.

Each record comes back as a JSON row `(kind, owner, data)` from the latest version of every
versioned table, read straight from the tables (no ORM entities): this is the hot path of every
check and of 10,000-item batches.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from operator import attrgetter
from typing import Any, TypeVar
from uuid import UUID, SafeUUID
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Driver
from app.domain.enums import (
    AccidentLevel,
    AdminSanction,
    AssessmentKind,
    CadreGrade,
    CadreStatus,
    CaseStatus,
    Circumstance,
    CommendationBasis,
    CommendationKind,
    Industry,
    InvestigationResult,
    InvestigationStatus,
    Leniency,
    Method,
    OrgUnitKind,
    OrgUnitLevel,
    PartySanction,
    PositionKind,
    Purpose,
    ReportingFailure,
    SafetyRole,
    UnitGrade,
)
from app.vetting.rules.facts import (
    AccidentFact,
    AssessmentFact,
    CadreFacts,
    CadreInvestigationFact,
    CaseFact,
    CommendationFact,
    ContributionFact,
    OrgUnitRef,
    PostFact,
    StatusEventFact,
    TargetPost,
    UnitAssessmentFact,
)

Row = dict[str, Any]


E = TypeVar("E", bound=Enum)


def _members(enum: type[E]) -> Callable[[str], E]:
    """`enum(value)` for values read from the database (already checked there), as a plain
    dictionary lookup: Enum's own call is most of the cost of building a batch's facts."""
    return enum._value2member_map_.__getitem__  # type: ignore[return-value]


_AccidentLevel = _members(AccidentLevel)
_AdminSanction = _members(AdminSanction)
_AssessmentKind = _members(AssessmentKind)
_CadreGrade = _members(CadreGrade)
_CadreStatus = _members(CadreStatus)
_CaseStatus = _members(CaseStatus)
_Circumstance = _members(Circumstance)
_CommendationBasis = _members(CommendationBasis)
_CommendationKind = _members(CommendationKind)
_Industry = _members(Industry)
_InvestigationResult = _members(InvestigationResult)
_InvestigationStatus = _members(InvestigationStatus)
_Leniency = _members(Leniency)
_Method = _members(Method)
_OrgUnitKind = _members(OrgUnitKind)
_OrgUnitLevel = _members(OrgUnitLevel)
_PartySanction = _members(PartySanction)
_PositionKind = _members(PositionKind)
_Purpose = _members(Purpose)
_ReportingFailure = _members(ReportingFailure)
_SafetyRole = _members(SafetyRole)
_UnitGrade = _members(UnitGrade)


def _latest(table: str, where: str) -> str:
    """Latest version of each record of `table` as known at $2 (the `known_at` argument),
    matching `where`."""
    return (
        f"SELECT t.* FROM {table} t WHERE {where} AND t.recorded_at <= $2 "
        f"AND NOT EXISTS (SELECT 1 FROM {table} n WHERE n.id = t.id AND n.version > t.version "
        "AND n.recorded_at <= $2)"
    )


# A post's org unit as known at $2: kind and level never change; name, key-SOE flag and
# industry from the unit's latest version recorded by then (the unit row itself when it has no
# version rows, as for units loaded in bulk).
_UNIT = (
    "json_build_object('id', u.id, 'name', coalesce(uv.name, u.name), 'kind', u.kind, "
    "'level', u.level, 'is_key_soe', coalesce(uv.is_key_soe, u.is_key_soe), 'industry', "
    "CASE WHEN uv.org_unit_id IS NULL THEN u.industry ELSE uv.industry END)"
)
_UNIT_JOIN = (
    "JOIN org_units u ON u.id = t.org_unit_id LEFT JOIN LATERAL (SELECT ov.org_unit_id, ov.name, "
    "ov.is_key_soe, ov.industry FROM org_unit_versions ov WHERE ov.org_unit_id = u.id "
    "AND ov.recorded_at <= $2 ORDER BY ov.version DESC LIMIT 1) uv ON true"
)
# The columns the engine reads (the hot path); the dossier takes whole rows instead.
_LEAN = {
    "statuses": "t.id, t.change, t.status, t.effective_date",
    "assessments": "t.id, t.change, t.subject, t.kind, t.year, t.grade",
    "cases": "t.id, t.change, t.circumstance, t.status, t.opened_on, t.decision_date, "
    "t.authority, t.document_number, t.methods, t.party_sanction, t.party_probation_months, "
    "t.admin_sanction, t.suspension_months, t.leniency, t.criminal_penalty, "
    "t.criminal_penalty_completed_on, t.referred_to_supervisory_commission, t.accident_id, "
    "t.post_id",
    "commendations": "t.id, t.change, t.kind, t.basis, t.year, t.awarded_on",
    "contributions": "t.id, t.change, t.area, t.year, t.achieved_on",
    "investigations": "t.id, t.change, t.conducted_on, t.purpose, t.result",
    "posts": "t.id, t.change, t.cadre_id, t.org_unit_id, t.title, t.position, t.safety_role, "
    "t.team_rank, t.start_date, t.end_date",
    "accidents": "t.id, t.change, t.org_unit_id, t.occurred_at, t.industry, t.level, t.deaths, "
    "t.serious_injuries, t.investigation_status, t.concluded_on, t.reported_late, "
    "t.reporting_failures",
    "unit_assessments": "t.id, t.change, t.org_unit_id, t.year, t.grade",
}
# Numbers with a scale travel as text so that no digit is lost to a float.
_EXACT = {
    "accidents": ", CAST(t.direct_loss_cny AS text) AS direct_loss_cny",
    "unit_assessments": ", CAST(t.score AS text) AS score",
    "assessments": ", CAST(t.score AS text) AS score",
}
_CADRE_TABLES = {
    "statuses": "cadre_status_events",
    "assessments": "assessments",
    "cases": "accountability_cases",
    "commendations": "commendations",
    "contributions": "contributions",
    "investigations": "cadre_investigations",
}


def _columns(kind: str, full: bool) -> str:
    # Whole rows: the later `score`/`direct_loss_cny` keys replace the numeric ones.
    return ("t.*" if full else _LEAN[kind]) + _EXACT.get(kind, "")


def _part(kind: str, owner: str, source: str, full: bool, join: str = "", extra: str = "") -> str:
    return (
        f"SELECT '{kind}' AS kind, x.owner_ AS owner, CAST(row_to_json(x) AS text) AS data "
        f"FROM (SELECT t.{owner} AS owner_, {_columns(kind, full)}{extra} "
        f"FROM ({source}) t {join}) x"
    )


# Of a unit's accidents, those some cadre of the batch may answer for: named by one of their
# cases, or happening while they held a post there (a day's margin either side for the time
# zone; `FactsLoader.facts` keeps each cadre's own exactly). A unit's history of decades would
# otherwise ride along in every check of everyone who ever served there.
_ANSWERED_FOR = " AND t.id IN (SELECT id FROM answerable)"


def _facts_sql(full: bool) -> str:
    in_people = "t.cadre_id IN (SELECT id FROM people)"
    in_units = "t.org_unit_id IN (SELECT id FROM units)"
    parts = [
        _part(
            "posts",
            "cadre_id",
            "SELECT * FROM posts",
            full,
            _UNIT_JOIN,
            f", {_UNIT} AS unit",
        ),
        *(
            _part(kind, "cadre_id", _latest(table, in_people), full)
            for kind, table in _CADRE_TABLES.items()
        ),
        _part("accidents", "org_unit_id", _latest("accidents", in_units) + _ANSWERED_FOR, full),
        _part(
            "unit_assessments",
            "org_unit_id",
            _latest("assessments", in_units) + " AND t.kind = 'safety_work'",
            full,
        ),
    ]
    return f"""
WITH ids AS (SELECT unnest(CAST($1 AS uuid[])) AS id),
people AS (
    SELECT c.id, c.birth_date, v.name
    FROM cadres c JOIN ids ON ids.id = c.id
    JOIN ({_latest("cadre_versions", "t.id IN (SELECT id FROM ids)")}) v ON v.id = c.id
    WHERE c.created_at <= $2
),
posts AS ({_latest("posts", in_people)}),
units AS (SELECT DISTINCT org_unit_id AS id FROM posts),
answerable AS (
    SELECT accident_id AS id FROM accountability_cases
    WHERE cadre_id IN (SELECT id FROM people) AND accident_id IS NOT NULL
    UNION
    SELECT a.id FROM posts p JOIN accidents a ON a.org_unit_id = p.org_unit_id
    AND a.occurred_at >= CAST(p.start_date - 1 AS timestamptz)
    AND (p.end_date IS NULL OR a.occurred_at < CAST(p.end_date + 2 AS timestamptz))
)
SELECT 'person' AS kind, p.id AS owner, CAST(row_to_json(p) AS text) AS data FROM people p
UNION ALL {" UNION ALL ".join(parts)}
"""


# Run on the session's asyncpg connection (`Driver`): $1 the cadre ids, $2 `known_at`.
FACTS_SQL = _facts_sql(full=False)
FULL_SQL = _facts_sql(full=True)


@dataclass
class RecordSet:
    """The rows behind the facts of some cadres (kept for the dossier, which shows them)."""

    known_at: datetime
    people: dict[UUID, Row]
    by_owner: dict[str, dict[UUID, list[Row]]]
    # Facts of a unit's records, built once however many cadres held posts there.
    built: dict[tuple[str, UUID], tuple[Any, ...]] = field(default_factory=dict)

    def rows(self, kind: str, owner: UUID) -> list[Row]:
        return self.by_owner.get(kind, {}).get(owner, [])

    def unit_facts(self, kind: str, unit: UUID, build: Callable[[Row], Any]) -> tuple[Any, ...]:
        key = (kind, unit)
        if key not in self.built:
            self.built[key] = tuple(build(r) for r in self.rows(kind, unit))
        return self.built[key]

    def unit_accidents(
        self, unit: UUID, build: Callable[[Row], AccidentFact]
    ) -> tuple[list[date], tuple[AccidentFact, ...]]:
        """A unit's accidents in time order, with their local days (to bisect by tenure)."""
        key = ("accidents-by-day", unit)
        if key not in self.built:
            ordered = sorted((build(r) for r in self.rows("accidents", unit)), key=_when)
            self.built[key] = ([a.occurred_on for a in ordered], tuple(ordered))
        days, accidents = self.built[key]
        return days, accidents


def _when(accident: AccidentFact) -> tuple[datetime, int]:
    return accident.occurred_at, accident.id.int


def _ordered(facts: Iterable[Any], by: str) -> tuple[Any, ...]:
    """Facts in the canonical order: by the attribute `by`, then by id."""
    items = list(facts)
    if len(items) < 2:
        return tuple(items)
    return tuple(sorted(items, key=_KEYS[by]))


# (value, id): ids compare by their integer, so the order is the ids' text order too.
_KEYS = {
    by: attrgetter(by, "id")
    for by in ("start_date", "opened_on", "effective_date", "year", "conducted_on")
}


_new = object.__new__
_set = object.__setattr__
_UNKNOWN_SAFETY = SafeUUID.unknown


def fast_uuid(text: str) -> UUID:
    """A UUID from PostgreSQL's canonical text, without `uuid.UUID.__init__`'s parsing (which
    is most of the cost of building facts for a 10,000-cadre batch). Not cached: a cache of
    every id seen keeps hundreds of thousands of objects alive that every full garbage
    collection then walks (pauses of 100+ ms under load)."""
    value = _new(UUID)
    _set(value, "int", int(text.replace("-", ""), 16))
    _set(value, "is_safe", _UNKNOWN_SAFETY)
    return value  # type: ignore[no-any-return]


def _uuid(value: str | None) -> UUID | None:
    return fast_uuid(value) if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _revoked(row: Row) -> bool:
    return bool(row["change"] == "revoked")


def org_unit_ref(unit: Row) -> OrgUnitRef:
    return OrgUnitRef(
        id=fast_uuid(unit["id"]),
        name=unit["name"],
        kind=_OrgUnitKind(unit["kind"]),
        level=_OrgUnitLevel(unit["level"]),
        is_key_soe=bool(unit["is_key_soe"]),
        industry=_Industry(unit["industry"]) if unit["industry"] else None,
    )


def _post(row: Row) -> PostFact:
    return PostFact(
        id=fast_uuid(row["id"]),
        org_unit=org_unit_ref(row["unit"]),
        title=row["title"],
        position=_PositionKind(row["position"]),
        safety_role=_SafetyRole(row["safety_role"]),
        team_rank=row["team_rank"],
        start_date=date.fromisoformat(row["start_date"]),
        end_date=_date(row["end_date"]),
        revoked=_revoked(row),
    )


def _case(row: Row) -> CaseFact:
    return CaseFact(
        id=fast_uuid(row["id"]),
        circumstance=_Circumstance(row["circumstance"]),
        status=_CaseStatus(row["status"]),
        opened_on=date.fromisoformat(row["opened_on"]),
        decision_date=_date(row["decision_date"]),
        authority=row["authority"],
        document_number=row["document_number"],
        methods=tuple(_Method(m) for m in row["methods"]),
        party_sanction=_PartySanction(row["party_sanction"]) if row["party_sanction"] else None,
        party_probation_months=row["party_probation_months"],
        admin_sanction=_AdminSanction(row["admin_sanction"]) if row["admin_sanction"] else None,
        suspension_months=row["suspension_months"],
        leniency=_Leniency(row["leniency"]) if row["leniency"] else None,
        criminal_penalty=row["criminal_penalty"],
        criminal_penalty_completed_on=_date(row["criminal_penalty_completed_on"]),
        referred_to_supervisory_commission=row["referred_to_supervisory_commission"],
        accident_id=_uuid(row["accident_id"]),
        post_id=_uuid(row["post_id"]),
    )


def accident_fact(row: Row, zone: ZoneInfo) -> AccidentFact:
    occurred = datetime.fromisoformat(row["occurred_at"])
    late = (ReportingFailure.LATE,) if row["reported_late"] else ()
    return AccidentFact(
        id=fast_uuid(row["id"]),
        org_unit_id=fast_uuid(row["org_unit_id"]),
        occurred_at=occurred,
        occurred_on=occurred.astimezone(zone).date(),
        industry=_Industry(row["industry"]),
        level=_AccidentLevel(row["level"]),
        deaths=row["deaths"],
        serious_injuries=row["serious_injuries"],
        direct_loss_cny=Decimal(str(row["direct_loss_cny"])),
        investigation_status=_InvestigationStatus(row["investigation_status"]),
        concluded_on=_date(row["concluded_on"]),
        reporting_failures=late + tuple(_ReportingFailure(f) for f in row["reporting_failures"]),
        revoked=_revoked(row),
    )


def _status(r: Row) -> StatusEventFact:
    return StatusEventFact(
        fast_uuid(r["id"]),
        _CadreStatus(r["status"]),
        date.fromisoformat(r["effective_date"]),
        _revoked(r),
    )


def _assessment(r: Row) -> AssessmentFact:
    return AssessmentFact(
        fast_uuid(r["id"]),
        _AssessmentKind(r["kind"]),
        r["year"],
        _CadreGrade(r["grade"]),
        _revoked(r),
    )


def _unit_assessment(r: Row) -> UnitAssessmentFact:
    score = Decimal(str(r["score"])) if r["score"] is not None else None
    return UnitAssessmentFact(
        fast_uuid(r["id"]),
        fast_uuid(r["org_unit_id"]),
        r["year"],
        _UnitGrade(r["grade"]),
        score,
        _revoked(r),
    )


def _commendation(r: Row) -> CommendationFact:
    return CommendationFact(
        fast_uuid(r["id"]),
        _CommendationKind(r["kind"]),
        _CommendationBasis(r["basis"]),
        r["year"],
        date.fromisoformat(r["awarded_on"]),
        _revoked(r),
    )


def _contribution(r: Row) -> ContributionFact:
    return ContributionFact(
        fast_uuid(r["id"]),
        _CommendationBasis(r["area"]),
        r["year"],
        date.fromisoformat(r["achieved_on"]),
        _revoked(r),
    )


def _investigation(r: Row) -> CadreInvestigationFact:
    return CadreInvestigationFact(
        fast_uuid(r["id"]),
        date.fromisoformat(r["conducted_on"]),
        _Purpose(r["purpose"]) if r["purpose"] else None,
        _InvestigationResult(r["result"]),
        _revoked(r),
    )


CUSTOM_PLAN_FROM = 50


class FactsLoader:
    def __init__(self, session: AsyncSession, timezone: str = "Asia/Shanghai") -> None:
        self.session = session
        self.zone = ZoneInfo(timezone)

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
        by_owner: dict[str, dict[UUID, list[Row]]] = defaultdict(lambda: defaultdict(list))
        people: dict[UUID, Row] = {}
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
        return RecordSet(known_at=known_at, people=people, by_owner=by_owner)

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
        posts = _ordered((_post(r) for r in own("posts", cadre_id)), "start_date")
        units = sorted({p.org_unit.id for p in posts}, key=str)
        cases = _ordered((_case(r) for r in own("cases", cadre_id)), "opened_on")
        return CadreFacts(
            cadre_id=cadre_id,
            name=person["name"],
            birth_date=date.fromisoformat(person["birth_date"]),
            known_at=records.known_at,
            statuses=_ordered((_status(r) for r in own("statuses", cadre_id)), "effective_date"),
            posts=posts,
            assessments=_ordered(
                (_assessment(r) for r in own("assessments", cadre_id) if r["subject"] == "cadre"),
                "year",
            ),
            unit_assessments=_ordered(
                (
                    f
                    for u in units
                    for f in records.unit_facts("unit_assessments", u, _unit_assessment)
                ),
                "year",
            ),
            accidents=self._answerable(records, posts, units, cases),
            cases=cases,
            commendations=_ordered(
                (_commendation(r) for r in own("commendations", cadre_id)), "year"
            ),
            contributions=_ordered(
                (_contribution(r) for r in own("contributions", cadre_id)), "year"
            ),
            investigations=_ordered(
                (_investigation(r) for r in own("investigations", cadre_id)), "conducted_on"
            ),
            target=(targets or {}).get(cadre_id),
        )

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
        for post in posts:
            days, accidents = records.unit_accidents(post.org_unit.id, self._accident)
            first = bisect_left(days, post.start_date)
            last = len(days) if post.end_date is None else bisect_right(days, post.end_date)
            chosen.extend(accidents[first:last])
        named = {c.accident_id for c in cases if c.accident_id is not None}
        for unit in units if named else ():
            chosen.extend(
                a for a in records.unit_accidents(unit, self._accident)[1] if a.id in named
            )
        if len(posts) == 1 and not named:
            return tuple(chosen)  # one tenure's slice: in order, no repeats
        return tuple(sorted({a.id.int: a for a in chosen}.values(), key=_when))
