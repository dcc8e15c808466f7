"""Frozen facts about one cadre: everything the rules engine reads, as the service knew it at
`known_at`. Loaded by `app/vetting/facts_loader.py`; serialised into the decision log so a
decision can be replayed exactly.

The facts cover the cadre's whole life (终身追责): every post, whatever their current status,
and every record, including revoked ones (flagged) so the engine can say it ignored them.
"""

from __future__ import annotations

import dataclasses
import decimal
import hashlib
import json
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID

import orjson

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

# When several posts cover one day, the one that carries the most safety responsibility is the
# post "the cadre held then".
ROLE_PRIORITY = {
    SafetyRole.FIRST_RESPONSIBLE: 0,
    SafetyRole.SOE_PRINCIPAL: 1,
    SafetyRole.SAFETY_LEAD: 2,
    SafetyRole.ASSISTING_SAFETY_LEAD: 3,
    SafetyRole.TEAM_MEMBER: 4,
}


@dataclass(frozen=True)
class OrgUnitRef:
    id: UUID
    name: str
    kind: OrgUnitKind
    level: OrgUnitLevel
    is_key_soe: bool = False
    industry: Industry | None = None


@dataclass(frozen=True)
class PostFact:
    id: UUID
    org_unit: OrgUnitRef
    title: str
    position: PositionKind
    safety_role: SafetyRole
    team_rank: int | None
    start_date: date
    end_date: date | None  # inclusive last day; None = still held
    revoked: bool = False

    def covers(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


@dataclass(frozen=True)
class StatusEventFact:
    id: UUID
    status: CadreStatus
    effective_date: date
    revoked: bool = False


@dataclass(frozen=True)
class AssessmentFact:
    """An assessment of the cadre (annual, safety-duty, target, performance, term)."""

    id: UUID
    kind: AssessmentKind
    year: int
    grade: CadreGrade
    revoked: bool = False


@dataclass(frozen=True)
class UnitAssessmentFact:
    """A safety-work assessment of an org unit in which the cadre held a post."""

    id: UUID
    org_unit_id: UUID
    year: int
    grade: UnitGrade
    score: Decimal | None = None
    revoked: bool = False


@dataclass(frozen=True)
class AccidentFact:
    """An accident in an org unit in which the cadre held a post (at any time)."""

    id: UUID
    org_unit_id: UUID
    occurred_at: datetime
    occurred_on: date  # local (China Standard Time) calendar date of occurred_at
    industry: Industry
    level: AccidentLevel
    deaths: int
    serious_injuries: int
    direct_loss_cny: Decimal
    investigation_status: InvestigationStatus
    concluded_on: date | None = None
    reporting_failures: tuple[ReportingFailure, ...] = ()
    revoked: bool = False


@dataclass(frozen=True)
class CaseFact:
    """An accountability case (问责) against the cadre."""

    id: UUID
    circumstance: Circumstance
    status: CaseStatus
    opened_on: date
    decision_date: date | None = None
    authority: str | None = None
    document_number: str | None = None
    methods: tuple[Method, ...] = ()
    party_sanction: PartySanction | None = None
    party_probation_months: int | None = None
    admin_sanction: AdminSanction | None = None
    suspension_months: int | None = None
    leniency: Leniency | None = None
    criminal_penalty: bool = False
    criminal_penalty_completed_on: date | None = None
    referred_to_supervisory_commission: bool = False
    accident_id: UUID | None = None
    post_id: UUID | None = None  # the post named in the decision, when it names one

    @property
    def revoked(self) -> bool:
        return self.status is CaseStatus.REVOKED


@dataclass(frozen=True)
class CommendationFact:
    id: UUID
    kind: CommendationKind
    basis: CommendationBasis
    year: int
    awarded_on: date
    revoked: bool = False


@dataclass(frozen=True)
class ContributionFact:
    """A recorded significant contribution to safety work in one of the seed's seven areas."""

    id: UUID
    area: CommendationBasis
    year: int
    achieved_on: date
    revoked: bool = False


@dataclass(frozen=True)
class CadreInvestigationFact:
    """The organisation department's pre-appointment investigation (干部考察)."""

    id: UUID
    conducted_on: date
    purpose: Purpose | None
    result: InvestigationResult
    revoked: bool = False


@dataclass(frozen=True)
class TargetPost:
    """The post the cadre is being vetted for (required for `soe_head_appointment`)."""

    org_unit: OrgUnitRef
    title: str | None = None


@dataclass(frozen=True)
class CadreFacts:
    cadre_id: UUID
    name: str
    birth_date: date
    known_at: datetime
    statuses: tuple[StatusEventFact, ...] = ()
    posts: tuple[PostFact, ...] = ()
    assessments: tuple[AssessmentFact, ...] = ()
    unit_assessments: tuple[UnitAssessmentFact, ...] = ()
    accidents: tuple[AccidentFact, ...] = ()
    cases: tuple[CaseFact, ...] = ()
    commendations: tuple[CommendationFact, ...] = ()
    contributions: tuple[ContributionFact, ...] = ()
    investigations: tuple[CadreInvestigationFact, ...] = ()
    target: TargetPost | None = None

    def status_on(self, day: date) -> CadreStatus:
        if not self.statuses:
            return CadreStatus.SERVING
        current = CadreStatus.SERVING
        for event in sorted(self.statuses, key=lambda e: e.effective_date):
            if not event.revoked and event.effective_date <= day:
                current = event.status
        return current

    def post_on(self, day: date, org_unit_id: UUID | None = None) -> PostFact | None:
        """The post held on `day` (in `org_unit_id` if given) carrying the most responsibility."""
        # min() over (priority, start) written out: the first of equally ranked posts wins.
        best: PostFact | None = None
        best_key: tuple[int, date] | None = None
        for p in self.posts:
            if p.revoked or day < p.start_date or (p.end_date is not None and p.end_date < day):
                continue
            if org_unit_id is not None and p.org_unit.id != org_unit_id:
                continue
            key = (ROLE_PRIORITY[p.safety_role], p.start_date)
            if best_key is None or key < best_key:
                best, best_key = p, key
        return best

    def post_by_id(self, post_id: UUID) -> PostFact | None:
        return next((p for p in self.posts if p.id == post_id), None)

    def accident_by_id(self, accident_id: UUID) -> AccidentFact | None:
        return next((a for a in self.accidents if a.id == accident_id), None)


# --- Canonical serialisation (decision log, replay, facts digest) ---------------------------
#
# The snapshot is the facts' canonical JSON *without* `known_at`: object keys sorted at every
# level, no whitespace, UTF-8, UUIDs and enums as their string codes, dates and datetimes in ISO
# 8601 (datetimes keep their UTC offset), Decimals as plain numerals in a string ("12.5", "100",
# "0"). It is what the decision log stores and what `facts_sha256` hashes, so facts checked again
# at another time share one stored snapshot, and any party can check a stored snapshot (even
# after PostgreSQL's JSONB has reordered its keys) by parsing it and re-serialising it with sorted
# keys. `to_dict` is the same JSON form parsed, plus `known_at`.
#
# Speed matters here (one digest per cadre, 10,000 cadres per batch), so orjson writes the JSON
# and reads each frozen dataclass's instance `__dict__` directly; the `_Codec` table below holds
# what that needs per class, and the inverse (`facts_from_snapshot`) decodes with per-field
# converters built once from the type hints.

T = TypeVar("T")
_SNAPSHOT_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS
# Exact: normalising never rounds, whatever decimal context the calling thread has set.
_EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)

Decode = Callable[[Any], Any]


@dataclass(frozen=True)
class _Codec:
    cls: type[Any]
    names: tuple[str, ...]  # the dataclass fields, in definition order
    datetimes: tuple[str, ...]  # fields holding a datetime (checked for odd UTC offsets)
    decoders: tuple[tuple[str, Decode | None], ...]  # None: the JSON value is the value


_CODECS: dict[type[Any], _Codec] = {}
# Fact classes without datetime fields, whose instance __dict__ orjson writes as it is: the
# common, fast case. (No fact class may cache anything on its instances — no cached_property —
# or it would enter the snapshot; tests/vetting/rules/test_facts_snapshot.py checks this.)
_PLAIN: set[type[Any]] = set()


def _codec(cls: type[Any]) -> _Codec:
    codec = _CODECS.get(cls)
    if codec is None:
        hints = typing.get_type_hints(cls)
        names = tuple(f.name for f in dataclasses.fields(cls))
        datetimes = tuple(n for n in names if datetime in (hints[n], *typing.get_args(hints[n])))
        codec = _Codec(cls, names, datetimes, tuple((n, _decoder(hints[n])) for n in names))
        _CODECS[cls] = codec
        if not datetimes:
            _PLAIN.add(cls)
    return codec


def _odd_offset(moment: datetime) -> bool:
    """A UTC offset with seconds (e.g. a pre-1901 local mean time), which orjson would cut."""
    offset = moment.utcoffset()
    return offset is not None and bool(offset.seconds % 60 or offset.microseconds)


def _snapshot_default(value: Any) -> Any:
    """orjson's hook for what it does not write itself: fact dataclasses and Decimals."""
    if type(value) in _PLAIN:
        return value.__dict__
    codec = _CODECS.get(type(value))
    if codec is not None:
        return _fields(value, codec)
    if isinstance(value, Decimal):
        return format(value.normalize(_EXACT), "f")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _fields(value, _codec(type(value)))
    raise TypeError(f"{type(value).__name__} cannot go into a facts snapshot")


def _fields(value: Any, codec: _Codec) -> dict[str, Any]:
    """The fields of a dataclass instance (only they, even if more is cached on the instance),
    with any datetime whose offset orjson would cut written out in full by `isoformat`."""
    attrs: dict[str, Any] = value.__dict__
    if len(attrs) != len(codec.names):
        attrs = {name: attrs[name] for name in codec.names}
    for name in codec.datetimes:
        moment = attrs[name]
        if moment is not None and _odd_offset(moment):
            attrs = {**attrs, name: moment.isoformat()}
    return attrs


def _snapshot_fields(cls: type[CadreFacts]) -> tuple[str, ...]:
    codec = _codec(cls)
    if codec.datetimes != ("known_at",):  # another datetime would need the offset check
        raise TypeError(f"{cls.__name__}: only known_at may be a datetime among its own fields")
    return tuple(name for name in codec.names if name != "known_at")


def facts_snapshot(facts: CadreFacts) -> bytes:
    """The canonical JSON of `facts` without `known_at`: what the decision log stores."""
    data = dict(facts.__dict__)
    del data["known_at"]
    if len(data) != len(_SNAPSHOT_FIELDS) or type(facts) is not CadreFacts:
        data = {name: getattr(facts, name) for name in _snapshot_fields(type(facts))}
    return orjson.dumps(data, default=_snapshot_default, option=_SNAPSHOT_OPTIONS)


def facts_sha256(facts: CadreFacts) -> str:
    """The sha256 (hex) of `facts_snapshot(facts)`: equal for facts that differ only in known_at."""
    return hashlib.sha256(facts_snapshot(facts)).hexdigest()


def facts_from_snapshot(snapshot: bytes | str | dict[str, Any], known_at: datetime) -> CadreFacts:
    """The facts a snapshot was taken of, known at `known_at`: the inverse of `facts_snapshot`.

    `snapshot` is the JSON text or its parsed form (e.g. read back from a JSONB column); a
    `known_at` key in it (as in `to_dict`) is ignored in favour of the argument.
    """
    data = snapshot if isinstance(snapshot, dict) else orjson.loads(snapshot)
    if not isinstance(data, dict):
        raise ValueError("a facts snapshot is a JSON object")
    return _decode_instance(CadreFacts, data, known_at=known_at)


def to_dict(facts: CadreFacts) -> dict[str, Any]:
    """The snapshot's JSON form (parsed) plus `known_at` as an ISO 8601 string."""
    encoded: dict[str, Any] = orjson.loads(
        orjson.dumps(facts, default=_snapshot_default, option=_SNAPSHOT_OPTIONS)
    )
    return encoded


def from_dict(data: dict[str, Any]) -> CadreFacts:
    """The inverse of `to_dict`: `data` must carry `known_at`."""
    return facts_from_snapshot(data, datetime.fromisoformat(data["known_at"]))


def canonical_json(data: Any) -> str:
    """Sorted keys, no whitespace, non-ASCII kept: for JSON-ready data, the same text as
    `facts_snapshot` writes (`canonical_json(snapshot) == facts_snapshot(facts).decode()`)."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value) if isinstance(value, float) else value)


def _tuple_of(inner: Decode | None) -> Decode:
    if inner is None:
        return tuple
    return lambda values: tuple(map(inner, values))


def _nested(cls: type[Any]) -> Decode:
    return lambda value: _decode_instance(cls, value)


def _decoder(tp: Any) -> Decode | None:
    """How to turn the JSON form of a `tp` field back into a `tp` (None: it is already one)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"facts fields may only be optional, not {tp!r}")
        return _decoder(inner[0])  # None is None in JSON too: only other values are decoded
    if origin is tuple:
        return _tuple_of(_decoder(typing.get_args(tp)[0]))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        _codec(tp)
        return _nested(tp)
    if tp is datetime:
        return datetime.fromisoformat
    if tp is date:
        return date.fromisoformat
    if tp is Decimal:
        return _decimal
    if tp is UUID or (isinstance(tp, type) and issubclass(tp, StrEnum)):
        decode: Decode = tp
        return decode
    if tp in (str, int, bool):
        return None
    raise TypeError(f"no snapshot form for facts fields of type {tp!r}")


def _decode_instance(cls: type[T], data: dict[str, Any], **given: Any) -> T:
    """Fields missing from `data` take their defaults; keys that are not fields are ignored."""
    kwargs = dict(given)
    for name, decode in _codec(cls).decoders:
        if name in data and name not in given:
            value = data[name]
            kwargs[name] = value if decode is None or value is None else decode(value)
    return cls(**kwargs)


# Builds the codec of every fact class, failing at import on a field type it cannot handle.
_SNAPSHOT_FIELDS = _snapshot_fields(CadreFacts)
