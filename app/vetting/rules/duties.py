"""Duty lists (职责清单): the safety duties each role carries, as rulebook data.

The central 规定 (Arts. 5–9) lists the duties of five kinds of leaders: the Party committee's
principal, the government's principal, the other members of the Party standing committee, the
government leader in charge of safety and the other government leaders. Art. 2 makes the leaders
of Party working organs, government departments, townships and streets and development zones
follow it by reference (参照执行); Luzhou's 办法 extends that to every kind of functional zone.

In a rulebook:

    [[duty_lists]]
    list_id = "party_principal"          # stable; a layer restating it merges key by key
    title = "…" / title_en = "…"
    basis = "central_art5"                # a citation key: the article that lists the duties
    unit_kinds = ["party_committee"]      # the kinds of unit whose posts carry the list
    roles = ["first_responsible"]         # the safety roles that carry it there
    duties = [{ code = "central.5.1", item = 1, zh = "…", en = "…", wording = "verbatim" }]

    [[duty_references]]                   # 参照执行: a unit kind follows other kinds' lists
    unit_kind = "township"
    follows = ["party_committee", "government"]
    basis = "central_art2"

A duty's `item` is its number in the article (（一）, （二）…; 0 = the article as a whole);
`wording` says whether `zh` is the article's wording or our summary of the item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from app.domain.enums import DutyWording, OrgUnitKind, SafetyRole

E = TypeVar("E", bound=StrEnum)
CHINESE_NUMERALS = "〇一二三四五六七八九十"
DUTY_LIST_KEYS = frozenset(
    {"list_id", "title", "title_en", "basis", "unit_kinds", "roles", "duties"}
)
DUTY_KEYS = frozenset({"code", "item", "zh", "en", "wording"})
REFERENCE_KEYS = frozenset({"unit_kind", "follows", "basis"})


class DutyError(ValueError):
    """Duty data a rulebook cannot hold; the message names the list and the duty."""


def item_zh(item: int) -> str:
    """（一）… for 1…; items run to a few dozen at most."""
    if item < 1 or item > 99:
        raise DutyError(f"item {item} out of range")
    tens, ones = divmod(item, 10)
    text = (("" if tens == 1 else CHINESE_NUMERALS[tens]) + "十" if tens else "") + (
        CHINESE_NUMERALS[ones] if ones else ""
    )
    return f"（{text}）"


@dataclass(frozen=True)
class Duty:
    code: str
    item: int  # 0: the article as a whole
    zh: str
    en: str
    wording: DutyWording

    def describe(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "item": self.item,
            "item_zh": item_zh(self.item) if self.item else None,
            "text": {"zh": self.zh, "en": self.en},
            "wording": self.wording.value,
        }


@dataclass(frozen=True)
class DutyList:
    list_id: str
    title_zh: str
    title_en: str
    basis_key: str
    basis: str  # the citation text of basis_key: 《…》第五条
    unit_kinds: frozenset[OrgUnitKind]
    roles: frozenset[SafetyRole]
    duties: tuple[Duty, ...]

    def duty(self, code: str) -> Duty | None:
        return next((d for d in self.duties if d.code == code), None)

    def describe(self) -> dict[str, Any]:
        return {
            "list_id": self.list_id,
            "title": {"zh": self.title_zh, "en": self.title_en},
            "basis": self.basis,
            "citation": self.basis_key,
            "unit_kinds": sorted(k.value for k in self.unit_kinds),
            "roles": sorted(r.value for r in self.roles),
            "duties": [d.describe() for d in self.duties],
        }


@dataclass(frozen=True)
class DutyReference:
    """Art. 2-style 参照执行: posts in `unit_kind` carry the lists of the kinds it follows."""

    unit_kind: OrgUnitKind
    follows: tuple[OrgUnitKind, ...]
    basis_key: str
    basis: str

    def describe(self) -> dict[str, Any]:
        return {
            "unit_kind": self.unit_kind.value,
            "follows": [k.value for k in self.follows],
            "basis": self.basis,
        }


@dataclass(frozen=True)
class CarriedList:
    """A list a post carries, and the reference that brought it there, if any."""

    duty_list: DutyList
    by_reference: DutyReference | None = None

    def describe(self) -> dict[str, Any]:
        ref = self.by_reference
        return {
            **self.duty_list.describe(),
            "by_reference": None if ref is None else ref.describe(),
        }


@dataclass(frozen=True)
class DutyTable:
    """Every duty list of a rulebook and its references, with lookups by post and by code."""

    lists: tuple[DutyList, ...] = ()
    references: tuple[DutyReference, ...] = ()

    def carried(self, role: SafetyRole, unit_kind: OrgUnitKind) -> tuple[CarriedList, ...]:
        """The lists a post with `role` in a unit of `unit_kind` carries: those for its own
        kind of unit, else (参照执行) those of the kinds its kind follows."""
        own = tuple(
            CarriedList(lst)
            for lst in self.lists
            if unit_kind in lst.unit_kinds and role in lst.roles
        )
        if own:
            return own
        ref = next((r for r in self.references if r.unit_kind is unit_kind), None)
        if ref is None:
            return ()
        return tuple(
            CarriedList(lst, ref)
            for kind in ref.follows
            for lst in self.lists
            if kind in lst.unit_kinds and role in lst.roles
        )

    def find(self, code: str) -> tuple[DutyList, Duty] | None:
        for lst in self.lists:
            duty = lst.duty(code)
            if duty is not None:
                return lst, duty
        return None

    def describe(self) -> dict[str, Any]:
        return {
            "duty_lists": [lst.describe() for lst in self.lists],
            "duty_references": [{**r.describe(), "citation": r.basis_key} for r in self.references],
        }


def citation_zh(duty_list: DutyList, duty: Duty) -> str:
    """《…》第五条第（二）项 — the article and item a duty is stated in."""
    return duty_list.basis + (f"第{item_zh(duty.item)}项" if duty.item else "")


def citation_en(duty_list: DutyList, duty: Duty) -> str:
    return f"{duty_list.basis_key}" + (f" item ({duty.item})" if duty.item else "")


# --- parsing (called by rulebook_parse with the merged table) --------------------------------


def _text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DutyError(f"{where}: {key!r} must be a non-empty string")
    return value


def _members(kind: type[E], values: Any, where: str, key: str) -> frozenset[E]:
    """A non-empty list of `kind`'s codes, or a DutyError naming the key and the codes allowed."""
    what = "unit kind" if kind is OrgUnitKind else "safety role"
    if not isinstance(values, list) or not values:
        raise DutyError(f"{where}: {key!r} must be a non-empty list")
    try:
        return frozenset(kind(v) for v in values)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise DutyError(f"{where}: {key!r} names an unknown {what} (allowed: {allowed})") from None


def _unknown(table: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    extra = sorted(set(table) - known)
    if extra:
        raise DutyError(f"{where}: unknown keys {extra} (allowed: {sorted(known)})")


def _duty(table: Any, where: str) -> Duty:
    if not isinstance(table, dict):
        raise DutyError(f"{where}: every duty must be a table {{code, item, zh, en, wording}}")
    code = _text(table, "code", where)
    where = f"{where} duty {code!r}"
    _unknown(table, DUTY_KEYS, where)
    item = table.get("item")
    if not isinstance(item, int) or isinstance(item, bool) or not 0 <= item <= 99:
        raise DutyError(f"{where}: 'item' must be the item's number (0 = the whole article)")
    try:
        wording = DutyWording(str(table.get("wording")))
    except ValueError:
        raise DutyError(f"{where}: 'wording' must be 'verbatim' or 'gist'") from None
    return Duty(code, item, _text(table, "zh", where), _text(table, "en", where), wording)


def _basis(table: Mapping[str, Any], citations: Mapping[str, str], where: str) -> str:
    key = _text(table, "basis", where)
    if key not in citations:
        raise DutyError(f"{where}: basis names an unknown citation {key!r}")
    return key


def parse_duty_list(table: Any, citations: Mapping[str, str], source: str) -> DutyList:
    if not isinstance(table, dict):
        raise DutyError(f"{source}: every [[duty_lists]] entry must be a table")
    list_id = _text(table, "list_id", f"{source}: a duty list")
    where = f"{source}: duty list {list_id!r}"
    _unknown(table, DUTY_LIST_KEYS, where)
    entries = table.get("duties")
    if not isinstance(entries, list) or not entries:
        raise DutyError(f"{where}: 'duties' must be a non-empty list")
    duties = tuple(_duty(entry, where) for entry in entries)
    codes = [d.code for d in duties]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise DutyError(f"{where}: duty codes listed twice: {twice}")
    items = [d.item for d in duties]
    if sorted(set(items)) != items:
        raise DutyError(f"{where}: items must be in increasing order, each once")
    if 0 in items and len(items) > 1:
        raise DutyError(f"{where}: item 0 (the article as a whole) must be the list's only duty")
    key = _basis(table, citations, where)
    return DutyList(
        list_id=list_id,
        title_zh=_text(table, "title", where),
        title_en=_text(table, "title_en", where),
        basis_key=key,
        basis=citations[key],
        unit_kinds=_members(OrgUnitKind, table.get("unit_kinds"), where, "unit_kinds"),
        roles=_members(SafetyRole, table.get("roles"), where, "roles"),
        duties=duties,
    )


def parse_reference(table: Any, citations: Mapping[str, str], source: str) -> DutyReference:
    if not isinstance(table, dict):
        raise DutyError(f"{source}: every [[duty_references]] entry must be a table")
    where = f"{source}: duty reference {table.get('unit_kind')!r}"
    _unknown(table, REFERENCE_KEYS, where)
    (kind,) = _members(OrgUnitKind, [table.get("unit_kind")], where, "unit_kind")
    follows = table.get("follows")
    followed = _members(OrgUnitKind, follows, where, "follows")
    if kind in followed:
        raise DutyError(f"{where}: a unit kind cannot follow itself")
    ordered = tuple(OrgUnitKind(v) for v in dict.fromkeys(follows or ()))
    key = _basis(table, citations, where)
    return DutyReference(kind, ordered, key, citations[key])


def parse_duties(
    lists: Sequence[Any], references: Sequence[Any], citations: Mapping[str, str], source: str
) -> DutyTable:
    """The duty table of a merged rulebook: every code unique across lists, no two lists for
    the same role in the same kind of unit, references naming kinds some list covers."""
    parsed = tuple(parse_duty_list(t, citations, source) for t in lists)
    ids = [lst.list_id for lst in parsed]
    if len(set(ids)) != len(ids):
        raise DutyError(
            f"{source}: duty lists defined twice: {sorted({i for i in ids if ids.count(i) > 1})}"
        )
    pairs: dict[tuple[OrgUnitKind, SafetyRole], str] = {}
    for lst in parsed:
        for pair in ((k, r) for k in lst.unit_kinds for r in lst.roles):
            if pair in pairs:
                raise DutyError(
                    f"{source}: duty lists {pairs[pair]!r} and {lst.list_id!r} both cover "
                    f"{pair[1].value} in {pair[0].value}"
                )
            pairs[pair] = lst.list_id
    seen: dict[str, str] = {}
    for lst in parsed:
        for duty in lst.duties:
            if duty.code in seen:
                raise DutyError(
                    f"{source}: duty code {duty.code!r} in both {seen[duty.code]!r} "
                    f"and {lst.list_id!r}"
                )
            seen[duty.code] = lst.list_id
    refs = tuple(parse_reference(t, citations, source) for t in references)
    kinds = [r.unit_kind for r in refs]
    if len(set(kinds)) != len(kinds):
        raise DutyError(f"{source}: a unit kind has more than one duty reference")
    covered = {kind for lst in parsed for kind in lst.unit_kinds}
    for ref in refs:
        if ref.unit_kind in covered:
            raise DutyError(
                f"{source}: duty reference {ref.unit_kind.value!r}: that kind has lists of its own"
            )
        missing = [k.value for k in ref.follows if k not in covered]
        if missing:
            raise DutyError(
                f"{source}: duty reference {ref.unit_kind.value!r} follows kinds no list "
                f"covers: {missing}"
            )
    return DutyTable(parsed, refs)
