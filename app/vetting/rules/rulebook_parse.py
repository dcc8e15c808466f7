"""Turn a rulebook file's TOML table into a validated `Rulebook`.

Validation is strict and names the rule at fault: a rulebook that loads is one the engine can
apply without surprises (every purpose, effect, system, period kind and citation is known).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from app.domain.enums import (
    AccidentLevel,
    AssessmentKind,
    CadreGrade,
    Circumstance,
    Effect,
    Purpose,
    SafetyRole,
    SeedSystem,
)
from app.vetting.rules.duties import DutyError, DutyTable, parse_duties
from app.vetting.rules.periods import (
    BLOCKING_KINDS,
    HOLDING_KINDS,
    MonthsChange,
    Period,
    PeriodKind,
)
from app.vetting.rules.rule_ids import ALL_RULE_IDS
from app.vetting.rules.rulebook_model import MESSAGE_PLACEHOLDERS, Block, Rule, Rulebook, Settings

E = TypeVar("E", bound=StrEnum)

# Which period kinds make sense for each effect: a note blocks nothing, a hold lasts while
# something runs or until a record arrives, a veto or block has a countable or open end.
KINDS_BY_EFFECT: Mapping[Effect, frozenset[PeriodKind]] = {
    Effect.VETO: BLOCKING_KINDS,
    Effect.BLOCK: BLOCKING_KINDS,
    Effect.HOLD: HOLDING_KINDS,
    Effect.NOTE: frozenset({PeriodKind.NONE}),
}
MONTH_KINDS = frozenset({PeriodKind.MONTHS, PeriodKind.PROBATION_PLUS_MONTHS})
# DESIGN.md §3: appointing a key SOE principal is an appointment with extra bars, and a
# work-safety commendation is a commendation with a basis requirement — so whatever blocks the
# first purpose of each pair must also block the second.
IMPLIED_PURPOSES = {
    Purpose.APPOINTMENT: Purpose.SOE_HEAD_APPOINTMENT,
    Purpose.COMMENDATION: Purpose.SAFETY_COMMENDATION,
}


class RulebookError(ValueError):
    """A rulebook file that cannot be applied; the message names the file and the rule."""


def _enum(kind: type[E], value: Any, what: str, where: str) -> E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise RulebookError(f"{where}: unknown {what} {value!r} (allowed: {allowed})") from None


def _require(table: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in table:
        raise RulebookError(f"{where}: missing {key!r}")
    value = table[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise RulebookError(f"{where}: {key!r} must be {kind.__name__}, not {value!r}")
    return value


def _enum_set(kind: type[E], values: list[Any], what: str, where: str) -> frozenset[E]:
    return frozenset(_enum(kind, v, what, where) for v in values)


def _period(entry: Mapping[str, Any], citations: Mapping[str, str], where: str) -> Period:
    kind = _enum(PeriodKind, entry.get("period"), "period kind", where)
    months = 0
    if kind in MONTH_KINDS:
        months = _require(entry, "months", int, where)
        if months < 0:
            raise RulebookError(f"{where}: months must not be negative")
    years_after = _require(entry, "years_after", int, where) if "years_after" in entry else 0
    changes = _changes(entry, kind, citations, where) if "changes" in entry else ()
    return Period(kind=kind, months=months, years_after=years_after, changes=changes)


def _changes(
    entry: Mapping[str, Any], kind: PeriodKind, citations: Mapping[str, str], where: str
) -> tuple[MonthsChange, ...]:
    """`changes = [{ from = DATE, months = N, basis = "citation key" }, ...]`: a period's length
    as later texts changed it, each with its date and citation, in date order."""
    if kind not in MONTH_KINDS:
        raise RulebookError(f"{where}: changes apply to month periods only, not {kind.value!r}")
    entries = entry["changes"]
    if not isinstance(entries, list) or not entries:
        raise RulebookError(f"{where}: changes must be a non-empty list of tables")
    found: list[MonthsChange] = []
    for item in entries:
        if not isinstance(item, dict):
            raise RulebookError(f"{where}: every change must be a table {{from, months, basis}}")
        unknown = sorted(set(item) - {"from", "months", "basis"})
        if unknown:
            raise RulebookError(f"{where}: unknown keys in a change: {unknown}")
        start = _require(item, "from", date, where)
        if isinstance(start, datetime):
            raise RulebookError(f"{where}: a change's 'from' must be a date, not a date-time")
        months = _require(item, "months", int, where)
        if months < 0:
            raise RulebookError(f"{where}: months must not be negative")
        key = _require(item, "basis", str, where)
        if key not in citations:
            raise RulebookError(f"{where}: a change's basis names an unknown citation {key!r}")
        if found and start <= found[-1].effective_from:
            raise RulebookError(f"{where}: changes must be in strictly increasing date order")
        found.append(MonthsChange(start, months, key))
    return tuple(found)


def _purposes(value: Any, where: str) -> tuple[Purpose, ...]:
    if value == "all":
        return tuple(Purpose)
    if not isinstance(value, list) or not value:
        raise RulebookError(f"{where}: purposes must be a non-empty list or 'all'")
    return tuple(_enum(Purpose, p, "purpose", where) for p in value)


def _blocks(
    rule: Mapping[str, Any], effect: Effect, citations: Mapping[str, str], where: str
) -> tuple[Block, ...]:
    entries = _require(rule, "blocks", list, where)
    if not entries:
        raise RulebookError(f"{where}: blocks must not be empty")
    if not all(isinstance(e, dict) for e in entries):
        raise RulebookError(f"{where}: every block must be a table {{purposes, period, ...}}")
    blocks = tuple(
        Block(_purposes(e.get("purposes"), where), _period(e, citations, where)) for e in entries
    )
    seen: list[Purpose] = [p for b in blocks for p in b.purposes]
    repeated = sorted({p.value for p in seen if seen.count(p) > 1})
    if repeated:
        raise RulebookError(f"{where}: purposes named in more than one block: {repeated}")
    for implying, implied in IMPLIED_PURPOSES.items():
        if implying in seen and implied not in seen:
            raise RulebookError(f"{where}: blocks {implying.value!r} but not {implied.value!r}")
    for block in blocks:
        if block.period.kind not in KINDS_BY_EFFECT[effect]:
            raise RulebookError(
                f"{where}: period {block.period.kind.value!r} does not fit effect {effect.value!r}"
            )
    return blocks


def _template(text: Any, where: str) -> str:
    if not isinstance(text, str) or not text:
        raise RulebookError(f"{where}: message template missing")
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as error:
        raise RulebookError(f"{where}: malformed message template: {error}") from None
    unknown = sorted(names - MESSAGE_PLACEHOLDERS)
    if unknown:
        raise RulebookError(f"{where}: unknown message placeholders {unknown}")
    return text


def _basis(keys: list[Any], citations: Mapping[str, str], where: str) -> tuple[str, ...]:
    missing = [k for k in keys if k not in citations]
    if missing or not keys:
        raise RulebookError(f"{where}: basis names unknown citations {missing or '(none)'}")
    return tuple(str(k) for k in keys)


def parse_rule(table: Mapping[str, Any], citations: Mapping[str, str], source: str) -> Rule:
    rule_id = _require(table, "rule_id", str, f"{source}: a rule")
    where = f"{source}: rule {rule_id!r}"
    if rule_id not in ALL_RULE_IDS:
        raise RulebookError(f"{where}: unknown rule id (the engine knows {len(ALL_RULE_IDS)})")
    _known_keys(table, RULE_KEYS, where)
    effect = _enum(Effect, table.get("effect"), "effect", where)
    keys = _basis(_require(table, "basis", list, where), citations, where)
    message = _require(table, "message", dict, where)
    return Rule(
        rule_id=rule_id,
        title_zh=_require(table, "title", str, where),
        title_en=_require(table, "title_en", str, where),
        effect=effect,
        system=_enum(SeedSystem, table.get("system"), "system", where),
        basis_keys=keys,
        basis="；".join(citations[k] for k in keys),
        blocks=_blocks(table, effect, citations, where),
        message_zh=_template(message.get("zh"), f"{where} (zh)"),
        message_en=_template(message.get("en"), f"{where} (en)"),
    )


SETTING_KEYS = frozenset(
    {
        "responsible_roles",
        "accident_hold_min_level",
        "soe_bar_accident_levels",
        "annual_assessment_years_back",
        "basis_years_back",
        "basis_assessment_kind",
        "basis_assessment_grade",
        "veto_circumstances",
    }
)
RULE_KEYS = frozenset(
    {"rule_id", "title", "title_en", "effect", "system", "basis", "blocks", "message"}
)


def _known_keys(table: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise RulebookError(f"{where}: unknown keys {unknown} (allowed: {sorted(known)})")


def parse_settings(table: Mapping[str, Any], source: str) -> Settings:
    where = f"{source}: [settings]"
    _known_keys(table, SETTING_KEYS, where)

    def read(key: str, kind: type) -> Any:
        return _require(table, key, kind, where)

    return Settings(
        responsible_roles=_enum_set(SafetyRole, read("responsible_roles", list), "role", where),
        accident_hold_min_level=_enum(
            AccidentLevel, read("accident_hold_min_level", str), "accident level", where
        ),
        soe_bar_accident_levels=_enum_set(
            AccidentLevel, read("soe_bar_accident_levels", list), "accident level", where
        ),
        annual_assessment_years_back=read("annual_assessment_years_back", int),
        basis_years_back=read("basis_years_back", int),
        basis_assessment_kind=_enum(
            AssessmentKind, read("basis_assessment_kind", str), "assessment kind", where
        ),
        basis_assessment_grade=_enum(
            CadreGrade, read("basis_assessment_grade", str), "grade", where
        ),
        # Absent in texts written before it was a setting, which vetoed after every circumstance.
        veto_circumstances=(
            _enum_set(Circumstance, read("veto_circumstances", list), "circumstance", where)
            if "veto_circumstances" in table
            else frozenset(Circumstance)
        ),
    )


def _optional_date(value: Any, where: str) -> date | None:
    if value is None or value == "none":
        return None
    if not isinstance(value, date):
        raise RulebookError(f"{where}: effective_until must be a date or 'none'")
    return value


def parse_rulebook(data: Mapping[str, Any], sha256: str, source: str) -> Rulebook:
    citations = _require(data, "citations", dict, source)
    tables = _require(data, "rules", list, source)
    if not all(isinstance(t, dict) for t in tables):
        raise RulebookError(f"{source}: every [[rules]] entry must be a table")
    rules = tuple(parse_rule(t, citations, source) for t in tables)
    ids = [r.rule_id for r in rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RulebookError(f"{source}: rules defined twice: {duplicates}")
    return Rulebook(
        id=_require(data, "id", str, source),
        version=_require(data, "version", str, source),
        title=_require(data, "title", str, source),
        jurisdiction=_require(data, "jurisdiction", str, source),
        effective_from=_require(data, "effective_from", date, source),
        effective_until=_optional_date(data.get("effective_until"), source),
        sha256=sha256,
        citations=dict(citations),
        settings=parse_settings(_require(data, "settings", dict, source), source),
        rules=rules,
        period_basis=citations.get("period_counting", ""),
        division_code=data.get("division_code"),
        duties=_duties(data, citations, source),
    )


def _duties(data: Mapping[str, Any], citations: Mapping[str, str], source: str) -> DutyTable:
    lists, references = data.get("duty_lists", []), data.get("duty_references", [])
    if not isinstance(lists, list) or not isinstance(references, list):
        raise RulebookError(
            f"{source}: [[duty_lists]] and [[duty_references]] are arrays of tables"
        )
    try:
        return parse_duties(lists, references, citations, source)
    except DutyError as error:
        raise RulebookError(str(error)) from None
