"""The canonical serialisation of `CadreFacts` (decision log, replay, facts digest)."""

from __future__ import annotations

import dataclasses
import decimal
import hashlib
import json
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID

import orjson

from app.vetting.rules.facts import CadreFacts

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


class SharedFacts:
    """Fact objects whose canonical JSON was written before (`fragment`: a cached unit
    history's accidents and assessments, shared by every cadre who served there), spliced into
    snapshots as they are (`orjson.Fragment`) instead of being written again. Keyed by the
    objects' identity: the caller keeps them alive while this lives (the history holds them).
    The bytes are the same as without it: a fragment is its object's own canonical JSON.

    `placed` says where each such object sits in a *facts part* (its unit history, stored once
    by its digest: `unit_part`), so that a snapshot can be kept as the cadre's own facts plus
    references into those parts (`split_snapshot`) instead of whole."""

    def __init__(
        self,
        written: Mapping[int, orjson.Fragment],
        placed: Mapping[int, tuple[str, int]] | None = None,
    ) -> None:
        self._written = written
        self.placed = placed or {}

    def default(self, value: Any) -> Any:
        found = self._written.get(id(value))
        return found if found is not None else _snapshot_default(value)


def fragment(fact: Any) -> orjson.Fragment:
    """The canonical JSON of one fact object, to splice into snapshots (`SharedFacts`). Copied
    to bytes of its own size: orjson's result keeps its whole write buffer (about 4 KB), and
    fragments are kept for as long as their unit history is cached."""
    return orjson.Fragment(fact_json(fact))


def fact_json(fact: Any) -> bytes:
    """The canonical JSON of one fact object, in bytes of its own size (see `fragment`)."""
    written = orjson.dumps(fact, default=_snapshot_default, option=_SNAPSHOT_OPTIONS)
    return memoryview(written).tobytes()


def facts_snapshot(facts: CadreFacts, shared: SharedFacts | None = None) -> bytes:
    """The canonical JSON of `facts` without `known_at`: what the decision log stores. With
    `shared`, objects met in earlier snapshots are not written again (same bytes, less work)."""
    return orjson.dumps(_snapshot_data(facts), default=_default(shared), option=_SNAPSHOT_OPTIONS)


def _snapshot_data(facts: CadreFacts) -> dict[str, Any]:
    data = dict(facts.__dict__)
    del data["known_at"]
    if len(data) != len(_SNAPSHOT_FIELDS) or type(facts) is not CadreFacts:
        data = {name: getattr(facts, name) for name in _snapshot_fields(type(facts))}
    return data


def _default(shared: SharedFacts | None) -> Callable[[Any], Any]:
    return _snapshot_default if shared is None else shared.default


# --- Facts parts: a snapshot kept as the cadre's own facts plus references ------------------
#
# A unit's accidents and safety-work assessments (its history as known at some time) are the
# same for every cadre who served there; whole snapshots repeat them in every decision. A
# *facts part* is that history's canonical JSON, `{"accidents":[…],"unit_assessments":[…]}`,
# stored once under its SHA-256. A split snapshot is the snapshot's own object with each of
# those two lists replaced by *runs* `[part, start, stop]` (items `start` to `stop - 1` of list
# `part` of the part named `parts[part]`), and `"parts"`: the digests of the parts it draws on.
# `join_snapshot` rebuilds the canonical JSON from them byte for byte, so the facts digest a
# decision carries proves the reconstruction as it proved the whole snapshot.

_FROM_PARTS = ("accidents", "unit_assessments")


def unit_part(accidents: Sequence[bytes], assessments: Sequence[bytes]) -> bytes:
    """A facts part: a unit history's accidents and assessments (each its canonical JSON)."""
    return b"".join(
        (
            b'{"accidents":[',
            b",".join(accidents),
            b'],"unit_assessments":[',
            b",".join(assessments),
            b"]}",
        )
    )


def split_snapshot(facts: CadreFacts, shared: SharedFacts) -> tuple[bytes, list[str]] | None:
    """The split form of `facts`' snapshot (see above) and the digests of the parts it refers
    to; None when some accident or unit assessment is in no part (then keep it whole)."""
    data = _snapshot_data(facts)
    parts: dict[str, int] = {}
    for name in _FROM_PARTS:
        runs: list[list[int]] = []
        for fact in data[name]:
            where = shared.placed.get(id(fact))
            if where is None:
                return None
            number = parts.setdefault(where[0], len(parts))
            if runs and runs[-1][0] == number and runs[-1][2] == where[1]:
                runs[-1][2] += 1
            else:
                runs.append([number, where[1], where[1] + 1])
        data[name] = runs
    digests = list(parts)
    data["parts"] = digests
    return orjson.dumps(data, default=_snapshot_default, option=_SNAPSHOT_OPTIONS), digests


def join_snapshot(split: bytes, parts: Mapping[str, bytes]) -> bytes:
    """The canonical JSON a split snapshot stands for, given its parts by digest; ValueError
    when a part is missing or does not hold what the runs name."""
    data = orjson.loads(split)
    digests = data.pop("parts")
    loaded = []
    for digest in digests:
        if digest not in parts:
            raise ValueError(f"facts part {digest} is missing")
        loaded.append(orjson.loads(parts[digest]))
    for name in _FROM_PARTS:
        items: list[Any] = []
        for number, start, stop in data[name]:
            chosen = loaded[number][name][start:stop]
            if len(chosen) != stop - start:
                raise ValueError(f"facts part {digests[number]} has no {name} {start}-{stop}")
            items.extend(chosen)
        data[name] = items
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


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
